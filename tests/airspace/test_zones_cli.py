"""``qingkong zones check`` and ``qingkong zones convert`` through click's CliRunner: exit codes,
the human summary and the ``--json`` GeoJSON contract."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from airspace.formats import QINGDAO_ZONES_PATH, load_zones
from cli.zones import zones_group

ED269 = "interuss_uas_standards/test_eurocae_ed269.json"
CANONICAL = {"PROHIBITED", "REQ_AUTHORISATION", "CONDITIONAL", "NO_RESTRICTION"}


def run(*args: str):
    return CliRunner().invoke(zones_group, list(args))


def test_check_prints_a_summary(interop):
    r = run("check", str(interop / ED269), "--at", "2022-06-20T12:00:00Z")
    assert r.exit_code == 0, r.output
    assert "format: ED-269 (features)" in r.stdout
    assert "zones: 6" in r.stdout and "volumes: 10" in r.stdout
    assert "by restriction: PROHIBITED 3, REQ_AUTHORISATION 2, NO_RESTRICTION 1" in r.stdout
    assert "Montreux Concert Area: PROHIBITED, 1 volume(s), inactive (scheduled)" in r.stdout
    assert "warnings: 3" in r.stdout and "Lausanne Airport" in r.stdout


def test_check_json_is_one_feature_per_volume(interop):
    r = run("check", str(interop / ED269), "--json", "--at", "2022-06-18T18:00:00Z")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 10
    for f in doc["features"]:
        p = f["properties"]
        assert {"id", "name", "restriction", "lower_m", "upper_m", "reference", "active"} <= set(p)
        assert p["restriction"] in CANONICAL
        assert p["reference"] in {"AGL", "AMSL", "WGS84"}
        assert isinstance(p["active"], bool)
        assert f["geometry"]["type"] == "Polygon"
        ring = f["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
    montreux = doc["features"][0]["properties"]
    assert montreux["active"] is True  # Saturday 18:00 UTC
    gantrisch = [
        f["properties"] for f in doc["features"] if f["properties"]["id"] == "Gantrisch Nature Park"
    ]
    assert [p["upper_m"] for p in gantrisch] == pytest.approx([76.2, 76.2])
    assert "warning: zone 'Lausanne Airport'" in r.stderr


def test_check_json_null_when_unbounded(interop):
    r = run(
        "check", str(interop / "interuss_monitoring/che/cis_source_sample_ed318.json"), "--json"
    )
    assert r.exit_code == 0
    props = [f["properties"] for f in json.loads(r.stdout)["features"]]
    assert [p["upper_m"] for p in props] == [None, None, None]
    assert [p["restriction"] for p in props] == ["REQ_AUTHORISATION"] * 3
    assert all(p["active"] is True for p in props)


def test_check_demo(interop):
    r = run("check", "--demo", "--at", "2026-12-01T14:00:00+08:00")
    assert r.exit_code == 0
    assert "format: ED-269 (UASZoneList)" in r.stdout and "QD-OSC-EVENTS" in r.stdout
    r = run("check", "--demo", "--json", "--at", "2026-12-01T18:00:00+08:00")
    props = {f["properties"]["id"]: f["properties"] for f in json.loads(r.stdout)["features"]}
    assert props["QD-OSC-EVENTS"]["active"] is False and props["ZSQD-CTR"]["active"] is True


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, ["no such file"]),
        ('{"UASZoneList": [', ["not valid JSON"]),
        ('{"hello": 1}', ["unknown zone format"]),
        (
            '{"UASZoneList": [{"identifier": "Z", "restriction": "NOPE", "geometry": []}]}',
            ["'Z'", "restriction"],
        ),
    ],
)
def test_check_bad_file_exits_2_with_one_line(tmp_path, content, words):
    path = tmp_path / "zones.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    r = run("check", str(path))
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    for w in words:
        assert w in lines[0]


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["check"], "missing FILE"),
        (["check", "--demo", "--at", "2026-12-01T09:00"], "offset"),
        (["check", "--demo", "--at", "noon"], "RFC 3339"),
    ],
)
def test_check_usage_errors_exit_2(args, word):
    r = run(*args)
    assert r.exit_code == 2 and word in r.stderr


def test_check_help():
    r = run("check", "--help")
    assert r.exit_code == 0 and "--json" in r.stdout and "--at" in r.stdout


@pytest.mark.parametrize("target", ["ed269", "ed318"])
def test_convert_round_trips(tmp_path, target):
    out = tmp_path / f"demo.{target}.json"
    r = run("convert", str(QINGDAO_ZONES_PATH), "--to", target, "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert load_zones(out) == load_zones(QINGDAO_ZONES_PATH)


def test_qingkong_entry_point_has_zones_check(interop):
    from cli.main import main

    r = CliRunner().invoke(main, ["zones", "check", str(interop / ED269), "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["features"]) == 10
