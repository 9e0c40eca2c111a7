"""Runs: the cross product, design points, and ids that stay put unless the run changes."""

from __future__ import annotations

import json
import shutil

from airspace.corridor_gen import grid_network_geojson
from scenarios.study.model import study_from_dict
from scenarios.study.runs import expand


def _study(base, **kw):
    doc = {
        "qingkong_study": 1,
        "name": "s",
        "scenario": {"generate": {"city": "qingdao", "flights": 50}},
        **kw,
    }
    return study_from_dict(doc, base_dir=base)


def test_cross_product_with_design_points(tmp_path):
    s = _study(
        tmp_path,
        sweep={"seed": [1, 2], "layer_spacing_m": [20, 15]},
        design=[{"flights": 100}, {"flights": 200, "separation_h_m": 30}],
    )
    runs = expand(s)
    assert len(runs) == 8
    assert runs[0].label == "flights=100 seed=1 layer_spacing_m=20"
    assert {r.task["scenario"]["generate"]["flights"] for r in runs} == {100, 200}
    assert all((r.task["separation_h_m"] == 30) == (r.params["flights"] == 200) for r in runs)


def test_ids_are_stable_and_follow_content_not_paths(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    (a / "net.geojson").write_text(json.dumps(grid_network_geojson(3, 3)))
    sweep = {"network": ["g"], "seed": [1, 2]}
    ids_a = [
        r.run_id for r in expand(_study(a, sweep=sweep, networks={"g": {"file": "net.geojson"}}))
    ]
    shutil.copytree(a, b)
    ids_b = [
        r.run_id for r in expand(_study(b, sweep=sweep, networks={"g": {"file": "net.geojson"}}))
    ]
    assert ids_a == ids_b and len(set(ids_a)) == 2
    (b / "net.geojson").write_text(json.dumps(grid_network_geojson(3, 4)))
    from scenarios.study import runs as runs_module

    runs_module._file_digest.cache_clear()
    ids_c = [
        r.run_id for r in expand(_study(b, sweep=sweep, networks={"g": {"file": "net.geojson"}}))
    ]
    assert not set(ids_c) & set(ids_a)


def test_the_same_run_in_another_study_has_the_same_id(tmp_path):
    small = expand(_study(tmp_path, sweep={"flights": [100], "seed": [3]}))
    large = expand(_study(tmp_path, sweep={"flights": [100, 200], "seed": [1, 2, 3]}))
    assert small[0].run_id in {r.run_id for r in large}
