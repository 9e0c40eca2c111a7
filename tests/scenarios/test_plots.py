"""Replay plots are written as non-empty PNG files."""

from __future__ import annotations

from airspace.corridors import QINGDAO_CORRIDORS_PATH, CorridorNetwork
from airspace.formats import QINGDAO_ZONES_PATH, load_zones
from scenarios.plots import write_plots


def test_all_plots_are_written(tmp_path, qingdao):
    net = CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH, qingdao)
    edge = next(iter(net.graph.edges(data=True)))[2]["corridor"]
    doc = {
        "scenario": "t",
        "start": "2026-12-01T07:00:00+08:00",
        "decisions": [
            {
                "flight": "A",
                "kind": "request",
                "status": "approved",
                "delay_s": 30.0,
                "reasons": [],
                "trajectory": [
                    [120.38, 36.07, 0, 0],
                    [120.38, 36.07, 60, 20],
                    [120.40, 36.08, 60, 200],
                ],
                "route": {"edges": [edge]},
            },
            {
                "flight": "S",
                "kind": "request",
                "status": "approved",
                "delay_s": 0.0,
                "reasons": [],
                "area": {
                    "type": "Polygon",
                    "coordinates": [
                        [[120.3, 36.1], [120.31, 36.1], [120.31, 36.11], [120.3, 36.1]]
                    ],
                },
                "lower_m": 0,
                "upper_m": 60,
                "start": 100,
                "end": 900,
            },
        ],
        "final": {"A": "accepted", "S": "accepted"},
        "metrics": {"delay_s": {"mean": 15.0, "p95": 29.0}},
    }
    paths = write_plots(
        doc, tmp_path / "plots", zones=load_zones(QINGDAO_ZONES_PATH), corridors=net
    )
    assert [p.name for p in paths] == ["map.png", "delays.png", "airborne.png", "corridor_use.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
