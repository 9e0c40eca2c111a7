"""Scenario files name a terrain model (``terrain:``, relative to the file): the Qingdao
samples use the shipped ILLUSTRATIVE one, and a flight over the synthetic Laoshan massif is
judged on its true height; a missing file is named; ``none`` keeps flat ground."""

from __future__ import annotations

from pathlib import Path

import pytest

from airspace.terrain import QINGDAO_ILLUSTRATIVE_TIF
from scenarios.format import QINGDAO_SCENARIOS, ScenarioError, load_scenario, scenario_from_dict
from scenarios.replay import replay

TERRAIN = "../../airspace/data/qingdao-terrain-illustrative.tif"


def laoshan_day(terrain: str | None) -> dict:
    """Three light-drone flights: across the massif at 100 m (from the west foot to the east
    foot), from the summit out to sea at 100 m, and one in the city at 100 m."""

    def hop(fid: str, a, b) -> dict:
        return {
            "t": 0,
            "type": "request",
            "flight": fid,
            "drone": f"DR-{fid}",
            "departure": {"earliest": 600, "latest": 1800},
            "speed_mps": 15,
            "route": {"waypoints": [[*a, 0], [*a, 100], [*b, 100], [*b, 0]]},
        }

    doc = {
        "qingkong_scenario": 1,
        "name": "laoshan",
        "start": "2026-12-01T08:00:00+08:00",
        "drones": [
            {"id": f"DR-{f}", "operator": "OP-1", "class": "light", "max_speed_mps": 20}
            for f in ("ACROSS", "SUMMIT", "CITY")
        ],
        "events": [
            hop("ACROSS", (120.50, 36.17), (120.74, 36.17)),
            hop("SUMMIT", (120.62, 36.17), (120.75, 36.10)),
            hop("CITY", (120.36, 36.07), (120.40, 36.08)),
        ],
    }
    if terrain is not None:
        doc["terrain"] = terrain
    return doc


def _decisions(doc: dict) -> dict[str, dict]:
    return {d["flight"]: d for d in doc["decisions"] if d["kind"] == "request"}


def test_the_qingdao_samples_name_the_illustrative_terrain():
    for path in sorted(QINGDAO_SCENARIOS.glob("*.yaml")):
        sc = load_scenario(path)
        assert sc.deployment.terrain, path.name
        assert Path(sc.deployment.terrain).resolve() == QINGDAO_ILLUSTRATIVE_TIF.resolve()


def test_flights_over_laoshan_are_judged_on_true_height():
    flat = _decisions(
        replay(scenario_from_dict(laoshan_day(None), base_dir=QINGDAO_SCENARIOS)).document
    )
    assert {f: d["status"] for f, d in flat.items()} == {
        "ACROSS": "approved",
        "SUMMIT": "approved",
        "CITY": "approved",
    }
    hilly = _decisions(
        replay(scenario_from_dict(laoshan_day(TERRAIN), base_dir=QINGDAO_SCENARIOS)).document
    )
    # 100 m above sea level at both feet: the straight leg runs into the mountain
    across = hilly["ACROSS"]
    assert across["status"] == "rejected"
    assert [r["code"] for r in across["reasons"]] == ["TERRAIN"]
    # 100 m above the summit (1,232 m above the sea) descending to 100 m over the sea: far above
    # the 120 m true-height ceiling on the way down
    summit = hilly["SUMMIT"]
    assert summit["status"] == "pending"
    (ceiling,) = [r for r in summit["reasons"] if r["code"] == "CEILING"]
    assert ceiling["altitude_m"] > 500.0 and "true height at 120." in ceiling["message"]
    # the city is at sea level: the same answer as flat ground, trajectory and all
    assert hilly["CITY"] == flat["CITY"]


def test_a_terrain_is_named_or_a_path_relative_to_the_file():
    named = scenario_from_dict(laoshan_day("qingdao-illustrative"), base_dir="/nowhere")
    assert named.deployment.terrain == str(QINGDAO_ILLUSTRATIVE_TIF)
    relative = scenario_from_dict(laoshan_day(TERRAIN), base_dir=QINGDAO_SCENARIOS)
    assert Path(relative.deployment.terrain).resolve() == QINGDAO_ILLUSTRATIVE_TIF.resolve()


def test_a_missing_terrain_file_is_named_and_none_is_flat():
    with pytest.raises(ScenarioError, match="terrain: 'absent.tif' is not a file"):
        scenario_from_dict(laoshan_day("absent.tif"), base_dir=QINGDAO_SCENARIOS)
    sc = scenario_from_dict(laoshan_day("none"), base_dir=QINGDAO_SCENARIOS)
    assert sc.deployment.terrain is None
