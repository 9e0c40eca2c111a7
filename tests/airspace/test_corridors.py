"""The corridor network: loading, graph building, layers, the designer's report, CSR arrays,
the generators and the shipped Qingdao demo network."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airspace.corridor_gen import grid_network_geojson, qingdao_demo_geojson, radial_network_geojson
from airspace.corridors import (
    QINGDAO_CORRIDORS_PATH,
    CorridorFormatError,
    CorridorNetwork,
    direction_parity,
    direction_parity_xy,
    layer_altitudes_m,
    track_deg,
)
from airspace.deployment import QINGDAO
from airspace.formats import QINGDAO_ZONES_PATH, load_zones, zone_from_dict
from tests.builders import corridor

EPOCH = datetime(2026, 12, 5, 8, tzinfo=QINGDAO.tz)


def vertiport(vid, lon, lat):
    return {
        "type": "Feature",
        "properties": {"id": vid},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def network(*features, **kw):
    return CorridorNetwork.from_geojson(fc(*features), QINGDAO, **kw)


def corridors_of(net):
    return {d["corridor"] for _, _, d in net.graph.edges(data=True)}


# --------------------------------------------------------------------------- graph building


def test_two_way_corridor_gives_two_edges_and_oneway_gives_one():
    net = network(
        corridor("A", [[120.30, 36.06], [120.32, 36.06]]),
        corridor("B", [[120.32, 36.06], [120.34, 36.06]], oneway=True),
    )
    g = net.graph
    assert g.number_of_nodes() == 3
    assert g.number_of_edges() == 3
    b = [(u, v) for u, v, d in g.edges(data=True) if d["corridor"] == "B"]
    assert len(b) == 1
    u, v = b[0]
    assert g.nodes[v]["lon"] > g.nodes[u]["lon"]  # flown in the drawn direction only


def test_endpoints_within_tolerance_snap_to_one_node():
    # 0.00003 deg of longitude is about 2.7 m at 36 N.
    net = network(
        corridor("A", [[120.30, 36.06], [120.32, 36.06]]),
        corridor("B", [[120.32003, 36.06], [120.32, 36.08]]),
    )
    assert net.graph.number_of_nodes() == 3
    far = network(
        corridor("A", [[120.30, 36.06], [120.32, 36.06]]),
        corridor("B", [[120.3203, 36.06], [120.32, 36.08]]),  # ~27 m away
    )
    assert far.graph.number_of_nodes() == 4


def test_crossing_gets_a_node_only_when_the_corridors_share_a_layer():
    same = network(
        corridor("EW", [[120.30, 36.06], [120.34, 36.06]]),
        corridor("NS", [[120.32, 36.04], [120.32, 36.08]], lower=80, upper=120),
    )
    assert same.graph.number_of_nodes() == 5
    centre = [n for n in same.graph if same.graph.degree(n) == 8]
    assert len(centre) == 1
    lon, lat = same.graph.nodes[centre[0]]["lon"], same.graph.nodes[centre[0]]["lat"]
    # Straight in the metric projection, so within a metre of the lon/lat crossing.
    assert lon == pytest.approx(120.32, abs=1e-5) and lat == pytest.approx(36.06, abs=1e-5)
    apart = network(
        corridor("EW", [[120.30, 36.06], [120.34, 36.06]]),
        corridor("NS", [[120.32, 36.04], [120.32, 36.08]], lower=0, upper=40),
    )
    assert apart.graph.number_of_nodes() == 4
    assert not any(apart.graph.degree(n) > 2 for n in apart.graph)


def test_corridor_ending_on_another_splits_it():
    net = network(
        corridor("MAIN", [[120.30, 36.06], [120.34, 36.06]]),
        corridor("BRANCH", [[120.32, 36.06], [120.32, 36.08]]),
    )
    g = net.graph
    assert g.number_of_nodes() == 4
    main_edges = [d for _, _, d in g.edges(data=True) if d["corridor"] == "MAIN"]
    assert len(main_edges) == 4
    total = sum(d["length_m"] for d in main_edges) / 2
    assert total == pytest.approx(3604, rel=0.01)  # 0.04 deg lon at 36.06 N


def test_vertiport_gives_its_node_id_and_position():
    net = network(
        corridor("A", [[120.30, 36.06], [120.32, 36.06]]),
        vertiport("VP-1", 120.30001, 36.06),
    )
    n = net.vertiport_node("VP-1")
    assert net.graph.nodes[n]["lon"] == pytest.approx(120.30001, abs=1e-9)
    with pytest.raises(KeyError, match="VP-2"):
        net.vertiport_node("VP-2")


def test_edges_carry_limits_length_and_direction_layers():
    net = network(corridor("A", [[120.30, 36.06], [120.30, 36.08]], width=35, speed=16))
    (u, v, east), (_, _, west) = sorted(net.graph.edges(data=True), key=lambda e: e[2]["track_deg"])
    for d in (east, west):
        assert d["width_m"] == 35 and d["speed_max_mps"] == 16
        assert d["length_m"] == pytest.approx(2219, rel=0.01)
    assert set(east["layers_m"]).isdisjoint(west["layers_m"])
    assert sorted(east["layers_m"] + west["layers_m"]) == [70.0, 90.0, 110.0]


# --------------------------------------------------------------------------- layers


@settings(max_examples=200, deadline=None)
@given(
    lower=st.floats(0, 200),
    thickness=st.floats(0, 200),
    sep=st.floats(5, 60),
    track=st.floats(0, 180, exclude_max=True),
)
def test_layers_fit_the_band_are_separated_and_never_shared_by_opposite_directions(
    lower, thickness, sep, track
):
    upper = lower + thickness
    both = layer_altitudes_m(lower, upper, sep)
    one = layer_altitudes_m(lower, upper, sep, track)
    # The opposite direction by parity: ``track + 180.0`` can round to 360.0 (= 0) in floats.
    other = layer_altitudes_m(lower, upper, sep, parity=1 - direction_parity(track))
    assert set(one).isdisjoint(other)
    assert sorted(one + other) == list(both)
    assert all(lower - 1e-6 <= h - sep / 2 and h + sep / 2 <= upper + 1e-6 for h in both)
    assert all(np.diff(both) >= sep - 1e-9)
    assert all(np.diff(one) >= 2 * sep - 1e-9)


@given(dx=st.floats(-1e5, 1e5), dy=st.floats(-1e5, 1e5))
def test_opposite_displacements_always_get_opposite_layer_sets(dx, dy):
    if dx == 0 and dy == 0:
        return
    assert direction_parity_xy(dx, dy) != direction_parity_xy(-dx, -dy)
    if abs(dx) > 1e-6 * max(1.0, abs(dy)):
        assert direction_parity_xy(dx, dy) == direction_parity(track_deg(dx, dy))


def test_a_north_south_corridor_has_disjoint_layers_both_ways():
    net = network(corridor("NS", [[120.0, 36.00], [120.0, 36.05]]))  # on the central meridian
    a, b = (d["layers_m"] for _, _, d in net.graph.edges(data=True))
    assert a and b and set(a).isdisjoint(b)


def test_a_band_two_separations_thick_serves_both_directions():
    assert layer_altitudes_m(60, 100, 20, 45.0) == (90.0,)
    assert layer_altitudes_m(60, 100, 20, 225.0) == (70.0,)
    assert layer_altitudes_m(65, 100, 20) == (90.0,)


# --------------------------------------------------------------------------- report


def test_report_names_dead_ends_disconnected_parts_and_unconnected_vertiports():
    net = network(
        corridor("A", [[120.30, 36.06], [120.32, 36.06]]),
        corridor("B", [[120.32, 36.06], [120.32, 36.08]]),
        corridor("ISLAND", [[120.40, 36.10], [120.42, 36.10]]),
        vertiport("VP-A", 120.30, 36.06),
        vertiport("VP-B", 120.32, 36.08),
        vertiport("VP-LOST", 120.50, 36.20),
    )
    rep = net.report()
    kinds = {(i.kind, i.corridor or i.vertiport) for i in rep.issues}
    assert ("disconnected", "ISLAND") in kinds
    assert ("vertiport_unconnected", "VP-LOST") in kinds
    assert ("dead_end", "ISLAND") in kinds
    assert not any(i.kind == "dead_end" and i.corridor in ("A", "B") for i in rep.issues)
    assert not rep.ok
    assert rep.to_json()["components"] == 3


def test_report_flags_one_way_traps_and_unreachable_vertiports():
    net = network(
        corridor("A", [[120.30, 36.06], [120.32, 36.06]], oneway=True),
        corridor("B", [[120.32, 36.06], [120.34, 36.06]], oneway=True),
        corridor("C", [[120.34, 36.06], [120.32, 36.06]], oneway=True),
        vertiport("VP-W", 120.30, 36.06),
        vertiport("VP-E", 120.34, 36.06),
    )
    rep = net.report()
    assert any(i.kind == "unreachable" for i in rep.issues)


def test_report_flags_corridors_above_the_ceiling_and_without_layers():
    net = network(
        corridor("HIGH", [[120.30, 36.06], [120.32, 36.06]], lower=60, upper=150),
        corridor("THIN", [[120.32, 36.06], [120.34, 36.06]], lower=62, upper=75),
        corridor("TWIN", [[120.32, 36.06], [120.30, 36.06]]),
        vertiport("VP-A", 120.30, 36.06),
        vertiport("VP-B", 120.34, 36.06),
    )
    rep = net.report()
    assert [i.corridor for i in rep.issues if i.kind == "above_ceiling"] == ["HIGH"]
    assert {i.corridor for i in rep.issues if i.kind == "no_layer"} == {"THIN"}
    assert [i.corridor for i in rep.issues if i.kind == "duplicate"] == ["TWIN"]
    assert not [i for i in net.report(ceiling_m=200).issues if i.kind == "above_ceiling"]


def test_report_flags_permanent_prohibited_zones_but_not_scheduled_or_other_bands():
    net = network(
        corridor("A", [[120.30, 36.06], [120.34, 36.06]]),
        corridor("B", [[120.30, 36.08], [120.34, 36.08]]),
        corridor("C", [[120.30, 36.10], [120.34, 36.10]]),
        corridor("D", [[120.30, 36.12], [120.34, 36.12]]),
    )

    def circle(zid, lat, **kw):
        d = {
            "id": zid,
            "restriction": "PROHIBITED",
            "geometry": {"type": "Circle", "center": [120.32, lat], "radius_m": 300},
            "lower_m": 0,
            "upper_m": 500,
        }
        d.update(kw)
        return zone_from_dict(d, start=EPOCH, tz=QINGDAO.tz)

    zones = [
        circle("Z-PERM", 36.06),
        circle("Z-SCHED", 36.08, schedule=[{"start": 0, "end": 3600}]),
        circle("Z-LOW", 36.10, upper_m=50),
        circle("Z-AUTH", 36.12, restriction="REQ_AUTHORISATION"),
    ]
    hits = [(i.corridor, i.zone) for i in net.report(zones).issues if i.kind == "prohibited_zone"]
    assert hits == [("A", "Z-PERM")]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("feature", "match"),
    [
        (
            corridor("X", [[120.30, 36.06], [120.32, 36.06]], width=None),
            r"corridor 'X', field 'width_m'",
        ),
        (corridor("X", [[120.30, 36.06], [120.32, 36.06]], lower=130), r"field 'upper_m'"),
        (corridor("X", [[120.30, 36.06]]), r"corridor 'X', field 'geometry'"),
        (corridor("X", [[36.06, 120.30], [36.06, 120.32]]), r"\[lon, lat\]"),
        (corridor("X", [[120.30, 36.06], [120.32, 36.06]], oneway="yes"), r"field 'oneway'"),
        (
            {
                "type": "Feature",
                "properties": {"id": "P"},
                "geometry": {"type": "Polygon", "coordinates": []},
            },
            r"corridor 'P', field 'geometry'",
        ),
    ],
)
def test_bad_corridor_files_name_the_corridor_and_field(feature, match):
    with pytest.raises(CorridorFormatError, match=match):
        network(feature)


def test_bad_files_are_reported_with_their_path(tmp_path):
    bad = tmp_path / "c.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CorridorFormatError, match="not valid JSON"):
        CorridorNetwork.from_geojson(bad)
    with pytest.raises(CorridorFormatError, match="cannot read"):
        CorridorNetwork.from_geojson(tmp_path / "missing.geojson")
    with pytest.raises(CorridorFormatError, match="no corridor"):
        network(vertiport("V", 120.3, 36.0))
    with pytest.raises(CorridorFormatError, match="used twice"):
        network(
            corridor("A", [[120.30, 36.06], [120.32, 36.06]]),
            corridor("A", [[120.30, 36.07], [120.32, 36.07]]),
        )


# --------------------------------------------------------------------------- compile


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), rows=st.integers(2, 6), cols=st.integers(2, 6))
def test_compiled_arrays_hold_exactly_the_graph(seed, rows, cols):
    net = CorridorNetwork.from_geojson(
        grid_network_geojson(rows, cols, seed=seed, oneway_fraction=0.3)
    )
    c = net.compile()
    g = net.graph
    assert c.n_nodes == g.number_of_nodes() and c.n_edges == g.number_of_edges()
    for u in range(c.n_nodes):
        out = {(int(c.tail[e]), int(c.head[e])) for e in range(c.indptr[u], c.indptr[u + 1])}
        assert out == set(g.out_edges(u))
    for e, (u, v) in enumerate(c.edge_uv):
        d = g.edges[u, v]
        assert (c.tail[e], c.head[e]) == (u, v)
        assert c.length_m[e] == d["length_m"] and c.speed_max_mps[e] == d["speed_max_mps"]
        assert tuple(c.layers_m[e, : c.layer_count[e]]) == d["layers_m"]
        assert np.allclose(c.node_xy_m[u], (g.nodes[u]["x_m"], g.nodes[u]["y_m"]))
    for arr in (c.indptr, c.head, c.length_m, c.layers_m, c.node_xy_m):
        assert arr.flags.c_contiguous


# --------------------------------------------------------------------------- generators and demo


def test_grid_and_radial_generators_have_the_promised_sizes():
    net = CorridorNetwork.from_geojson(grid_network_geojson(5, 7, spacing_m=400))
    assert net.graph.number_of_nodes() == 35
    assert net.graph.number_of_edges() == 2 * (5 * 6 + 7 * 4)
    assert net.report().ok
    rad = CorridorNetwork.from_geojson(radial_network_geojson(3, 6))
    assert rad.graph.number_of_nodes() == 1 + 3 * 6
    assert rad.graph.number_of_edges() == 2 * (3 * 6 + 3 * 6)
    assert rad.report().ok


def test_qingdao_demo_network_is_large_connected_clean_and_illustrative():
    net = CorridorNetwork.from_geojson(QINGDAO_CORRIDORS_PATH)
    g = net.graph
    assert 300 <= g.number_of_edges() <= 2000
    assert len(net.vertiports) >= 10
    for vid in ("VP-WUSI", "VP-BADAGUAN", "VP-LAOSHAN", "VP-LICANG", "VP-CHENGYANG", "VP-HUANGDAO"):
        net.vertiport_node(vid)
    report = net.report(load_zones(QINGDAO_ZONES_PATH))
    assert report.ok, [i.message for i in report.issues]
    for _, _, d in g.edges(data=True):
        assert 60 <= d["lower_m"] < d["upper_m"] <= 120
        assert 30 <= d["width_m"] <= 50 and 15 <= d["speed_max_mps"] <= 20
    doc = json.loads(QINGDAO_CORRIDORS_PATH.read_text(encoding="utf-8"))
    assert "ILLUSTRATIVE" in doc["description"]
    assert all(f["properties"].get("illustrative") is True for f in doc["features"])


def test_shipped_qingdao_file_is_what_the_generator_makes():
    shipped = json.loads(QINGDAO_CORRIDORS_PATH.read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(qingdao_demo_geojson()))


# --------------------------------------------------------------------------- CLI


def test_cli_corridors_check_reports_issues_and_exit_codes(tmp_path):
    from click.testing import CliRunner

    from cli.main import main

    runner = CliRunner()
    ok = runner.invoke(
        main,
        ["corridors", "check", str(QINGDAO_CORRIDORS_PATH), "--zones", str(QINGDAO_ZONES_PATH)],
    )
    assert ok.exit_code == 0, ok.output
    assert "602 directed edges" in ok.output and ok.output.strip().endswith("ok")
    bad = tmp_path / "net.geojson"
    bad.write_text(
        json.dumps(
            fc(
                corridor("A", [[120.30, 36.06], [120.32, 36.06]], upper=150),
                vertiport("V", 120.30, 36.06),
            )
        ),
        encoding="utf-8",
    )
    res = runner.invoke(main, ["corridors", "check", str(bad), "--json"])
    assert res.exit_code == 1
    report = json.loads(res.output)
    assert report["issue_counts"] == {"dead_end": 1, "above_ceiling": 1}
    bad.write_text(
        json.dumps(fc(corridor("A", [[120.30, 36.06], [120.32, 36.06]], width=-3))),
        encoding="utf-8",
    )
    res = runner.invoke(main, ["corridors", "check", str(bad)])
    assert res.exit_code == 2
    assert "corridor 'A', field 'width_m'" in res.output
