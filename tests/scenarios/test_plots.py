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


def _doc(decisions, final):
    return {
        "scenario": "t",
        "start": "2026-12-01T07:00:00+08:00",
        "decisions": decisions,
        "final": final,
        "metrics": {},
    }


def _route(fid, kind="request", lon0=120.38):
    return {
        "flight": fid,
        "kind": kind,
        "status": "approved",
        "delay_s": 0.0,
        "reasons": [],
        "trajectory": [[lon0, 36.07, 0, 0], [lon0 + 0.01, 36.075, 60, 100]],
    }


def test_delays_plot_says_no_delays_instead_of_a_lone_bar():
    from scenarios.plots import delays_figure

    fig = delays_figure(_doc([_route("A"), _route("B")], {"A": "accepted", "B": "accepted"}))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("no delays" in t for t in texts), texts
    assert not any(ax.patches for ax in fig.axes)


def test_map_is_framed_on_the_flights_and_marks_replanned_and_revoked(qingdao):
    from scenarios.plots import map_figure

    doc = _doc(
        [
            _route("A"),
            _route("B", lon0=120.39),
            _route("B", kind="replanned", lon0=120.395),
            _route("C", lon0=120.40),
        ],
        {"A": "accepted", "B": "accepted", "C": "revoked"},
    )
    fig = map_figure(doc, zones=load_zones(QINGDAO_ZONES_PATH))
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    assert 120.35 < x0 < 120.38 and 120.41 < x1 < 120.45, (x0, x1)  # not the whole city
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "re-planned flights (1)" in labels and "revoked flights (1)" in labels
    assert not any(label.startswith("area operations") for label in labels)


def test_corridor_use_has_axis_labels(qingdao):
    from scenarios.plots import corridor_use_figure

    net = CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH, qingdao)
    fig = corridor_use_figure(_doc([_route("A")], {"A": "accepted"}), corridors=net)
    labels = [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes[:2]]
    assert labels == [("longitude (°)", "latitude (°)"), ("flights", "corridor")]
