"""The tactical layer over replays: approved plans flown past the live detector, and the
``--unmanaged`` baseline showing the encounters strategic planning removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from scenarios.tactical import tactical_metrics
from tests.builders import PROJECTION

QINGDAO_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "qingdao"


def _doc(*flights: tuple[str, list[list[float]]], final: str = "accepted") -> dict:
    return {
        "decisions": [
            {"flight": f, "status": "approved", "trajectory": rows} for f, rows in flights
        ],
        "final": {f: final for f, _ in flights},
    }


# 1.8 km west-east and south-north hops at 60 m, 10 m/s, crossing at their midpoints at t = 90 s.
EAST = [[120.30, 36.10, 60.0, 0.0], [120.32, 36.10, 60.0, 180.0]]
NORTH = [[120.31, 36.0919, 60.0, 0.0], [120.31, 36.1081, 60.0, 180.0]]


def test_two_plans_crossing_raise_one_encounter_before_they_meet():
    m = tactical_metrics(_doc(("A", EAST), ("B", NORTH)), PROJECTION, sep_h_m=50, sep_v_m=20)
    assert m["encounters"] == 1 and m["flights_involved"] == 2
    (e,) = m["examples"]
    assert e["flights"] == ["A", "B"]
    # predicted 60 s ahead: raised at the first cycle where loss is within the look-ahead
    assert e["t"] + e["time_to_loss_s"] == pytest.approx(90 - 50 / (10 * 2**0.5), abs=1.5)
    assert e["t"] <= 90 - 50 / (10 * 2**0.5) - 55


def test_layers_time_and_cancellation_keep_plans_apart():
    above = [[lon, lat, 80.0, t] for lon, lat, _, t in NORTH]  # 20 m above: separated
    later = [[lon, lat, alt, t + 400] for lon, lat, alt, t in NORTH]
    assert (
        tactical_metrics(_doc(("A", EAST), ("B", above)), PROJECTION, sep_h_m=50, sep_v_m=20)[
            "encounters"
        ]
        == 0
    )
    assert (
        tactical_metrics(_doc(("A", EAST), ("B", later)), PROJECTION, sep_h_m=50, sep_v_m=20)[
            "encounters"
        ]
        == 0
    )
    doc = _doc(("A", EAST), ("B", NORTH))
    doc["final"]["B"] = "cancelled"
    assert tactical_metrics(doc, PROJECTION, sep_h_m=50, sep_v_m=20)["cycles"] == 0


def test_replay_tactical_shows_what_strategic_planning_removed(tmp_path: Path):
    scenario = str(QINGDAO_DIR / "emergency-priority.yaml")
    runner = CliRunner()
    got = {}
    for mode in ("managed", "unmanaged"):
        out = tmp_path / f"{mode}.json"
        args = ["replay", scenario, "--tactical", "--out", str(out)]
        r = runner.invoke(main, args + (["--unmanaged"] if mode == "unmanaged" else []))
        assert "tactical:" in r.output and "encounters raised" in r.output
        got[mode] = json.loads(out.read_text())["metrics"]["tactical"]
    assert got["managed"]["encounters"] == 0
    assert got["unmanaged"]["encounters"] > 0
