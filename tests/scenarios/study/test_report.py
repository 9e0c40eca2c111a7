"""The report and compare commands on a results folder: what a user opens and reads."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from airspace.corridor_gen import grid_network_geojson
from cli.main import main
from scenarios.study.model import study_from_dict
from scenarios.study.results import ResultsFolder, save_study
from scenarios.study.runs import expand


@pytest.fixture
def results(tmp_path):
    """A results folder of a two-network study with made-up metrics (one run failed)."""
    for name, spacing in (("wide", 1500.0), ("dense", 900.0)):
        (tmp_path / f"{name}.geojson").write_text(json.dumps(grid_network_geojson(4, 4, spacing)))
    study = study_from_dict(
        {
            "qingkong_study": 1,
            "name": "nets",
            "description": "two grids",
            "scenario": {"generate": {"city": "qingdao"}},
            "networks": {"wide": {"file": "wide.geojson"}, "dense": {"file": "dense.geojson"}},
            "sweep": {
                "flights": [1000, 2000, 4000],
                "seed": [1, 2, 3],
                "network": ["wide", "dense"],
            },
            "knee": {"delay_p95_s": 300, "rejected_share": 0.2},
        },
        base_dir=tmp_path,
    )
    runs = expand(study)
    out = tmp_path / "out"
    save_study(out, study.to_json(), [r.run_id for r in runs])
    folder = ResultsFolder(out, csv=True)
    for r in runs:
        f, s, net = r.params["flights"], r.params["seed"], r.params["network"]
        if (f, s, net) == (4000, 3, "dense"):
            folder.add(
                {
                    "run_id": r.run_id,
                    "status": "failed",
                    "study": "nets",
                    **r.params,
                    "error": "MemoryError: out of memory",
                }
            )
            continue
        k = 0.1 if net == "wide" else 0.06
        folder.add(
            {
                "run_id": r.run_id,
                "status": "ok",
                "study": "nets",
                **r.params,
                "requests": f,
                "approved_share": 1 - k * f / 4000,
                "rejected_share": k * f / 4000,
                "delay_p95_s": k * f / 2 + s,
                "delay_p50_s": 10.0,
                "safety_ok": True,
                "corridor_use": json.dumps({"G-E00-00": f // 10, "G-N01-02": s}),
                "wall_s": 1.0,
            }
        )
    return out


def test_report_shows_knees_heat_map_and_failed_runs(results):
    res = CliRunner().invoke(main, ["study", "report", str(results)])
    assert res.exit_code == 0, res.output
    html = (results / "report.html").read_text()
    assert "18 runs in the study: 17 finished" in html and "1 failed" in html
    assert "network=wide" in html and "network=dense" in html
    assert "MemoryError: out of memory" in html
    assert html.count("data:image/png;base64,") == 2  # capacity curves and heat map
    assert "network: dense − wide" in html  # paired comparison of the two-valued axis
    with (results / "results.csv").open(newline="") as f:
        table = list(csv.DictReader(f))
    assert (
        len(table) == 18 and table[0]["run_id"] and {r["status"] for r in table} == {"ok", "failed"}
    )


def test_report_json_gives_the_knees(results):
    res = CliRunner().invoke(main, ["study", "report", str(results), "--json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    by = {c["setting"]["network"]: c for c in doc["curves"]}
    # wide: p95 delay 0.05 f + seed reaches 300 s only past 4000 requests; dense never does.
    assert by["wide"]["knee_delay_p95"]["demand"] is None
    assert by["wide"]["knee_rejected_share"]["demand"] is None  # 10 % at 4000 < 20 %
    assert [p["flights"] for p in by["dense"]["points"]] == [1000, 2000, 4000]
    assert by["dense"]["points"][-1]["runs"] == 2


def test_compare_command_prints_paired_differences(results):
    res = CliRunner().invoke(
        main,
        [
            "study",
            "compare",
            str(results),
            "--axis",
            "network",
            "--a",
            "wide",
            "--b",
            "dense",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    d = {x["metric"]: x for x in doc["differences"]}["rejected_share"]
    assert d["pairs"] == 8 and d["mean_diff"] < 0 and d["ci_high"] < 0
    text = CliRunner().invoke(main, ["study", "compare", str(results), "--axis", "network"])
    assert text.exit_code == 0 and "95% CI" in text.output and "rejected_share" in text.output


def test_report_and_compare_on_a_folder_without_results(tmp_path):
    res = CliRunner().invoke(main, ["study", "report", str(tmp_path)])
    assert res.exit_code == 2 and "error: " in res.output and "study.json" in res.output
    res = CliRunner().invoke(main, ["study", "compare", str(tmp_path), "--axis", "network"])
    assert res.exit_code == 2 and "no results here" in res.output
