"""The InterUSS standard flight intents, moved from 0 N 0 E to Qingdao and to Bern, decided
with ASTM F3548 volume semantics (S_h = S_v = 0.01 m): what the standard calls conflicting
is not accepted together, what it calls non-conflicting is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer
from shapely.geometry import Polygon

from airspace.deployment import QINGDAO, local_deployment
from airspace.drones import Drone
from airspace.projection import Projection
from planner.decision import Planner
from planner.interuss import (
    TIME_EVENTS,
    intent_drone,
    intent_state,
    intent_to_request,
    load_intents,
    merge_mutation,
    parse_duration_s,
    volume4d_from_template,
)
from planner.requests import ReasonCode, State, Status
from planner.volume4d import (
    IntentFormatError,
    area_to_volume4d,
    translate_volume4d,
    volume4d_outline,
)
from tests.checker import check_accepted

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TIMES = dict.fromkeys(TIME_EVENTS, NOW)
PLACES = {
    "qingdao": (QINGDAO, (120.38, 36.07)),
    "bern": (local_deployment(7.4774, 46.9748), (7.4774, 46.9748)),
}
DRONE = Drone("1AF49UL5CC5J6K", drone_class="light")


@pytest.fixture(scope="module")
def intents_dir(interop):
    return interop / "interuss_monitoring" / "flight_intents_standard"


@pytest.fixture(scope="module")
def standard(intents_dir):
    return {
        name: load_intents(intents_dir / f"{name}.yaml")
        for name in ("conflicting_flights", "non_conflicting", "invalid_flight_intents")
    }


def run(standard, place, file, names, now_s=0.0):
    """Decide the named intents in order at one place; return the planner and decisions."""
    deployment, centre = PLACES[place]
    planner = Planner(deployment, epoch=NOW, separation_h_m=0.01, separation_v_m=0.01)
    out = {}
    for name in names:
        request = intent_to_request(
            standard[file][name],
            flight_id=name,
            times=TIMES,
            epoch=NOW,
            to_lonlat=centre,
            drone=DRONE,
        )
        out[name] = planner.decide(request, now_s)
    assert check_accepted(planner, [], deployment) == []
    return planner, out


def test_mutations_merge_lists_by_index_and_plus_keys_replace(standard):
    c = standard["conflicting_flights"]
    area = c["flight1c_planned"]["basic_information"]["area"][0]
    assert [v["lng"] for v in area["outline_polygon"]["vertices"]] == [
        0.0003,
        0.0003,
        0.0005,
        0.00055,
    ]
    assert area["altitude_lower"] == {"value": -5.04, "reference": "W84", "units": "M"}
    assert area["altitude_upper"]["value"] == 35
    assert area["end_time"] == c["flight1_planned"]["basic_information"]["area"][0]["end_time"]
    # deltas of deltas, and the $ref to flight_auths.yaml is inlined
    nonconf = c["equal_prio_flight2_nonconforming"]
    assert nonconf["basic_information"]["uas_state"] == "OffNominal"
    assert nonconf["astm_f3548_21"]["priority"] == 0
    assert nonconf["uspace_flight_authorisation"]["uas_serial_number"] == "1AF49UL5CC5J6K"
    assert intent_state(nonconf) == State.NONCONFORMING
    assert intent_state(c["flight1_activated"]) == State.ACTIVATED
    assert intent_state(c["flight1_planned"]) == State.ACCEPTED
    assert intent_drone(nonconf).operator_id == "CHEo5kut30e0mt01-qwe"
    assert merge_mutation([1, {"a": 1}], [None, {"+a": [2]}, 3]) == [None, {"a": [2]}, 3]


def test_templates_become_f3548_volumes(standard):
    inv = standard["invalid_flight_intents"]
    v = volume4d_from_template(inv["valid_flight"]["basic_information"]["area"][0], TIMES)
    assert v["time_start"] == {"value": "2026-12-01T07:59:59Z", "format": "RFC3339"}
    assert v["time_end"]["value"] == "2026-12-01T08:44:59Z"
    assert set(v["volume"]) == {"outline_polygon", "altitude_lower", "altitude_upper"}
    ended = volume4d_from_template(
        inv["invalid_recently_ended"]["basic_information"]["area"][0], TIMES
    )
    assert ended["time_end"]["value"] == "2026-12-01T07:59:55Z"  # end_time, duration cleared
    far = volume4d_from_template(inv["invalid_too_far_away"]["basic_information"]["area"][0], TIMES)
    assert far["time_start"]["value"] == "2027-01-02T08:00:00Z"
    back = area_to_volume4d(volume4d_outline(v), 0.0, 30.0, NOW, NOW + timedelta(minutes=45))
    assert volume4d_outline(back).equals(volume4d_outline(v))
    assert parse_duration_s("1.5h") == 5400.0
    with pytest.raises(IntentFormatError, match="45 minutes"):
        parse_duration_s("45 minutes")


def _local_xy(polygon: Polygon, lon0: float, lat0: float) -> Polygon:
    crs = CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m")
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = fwd.transform(*np.asarray(polygon.exterior.coords).T)
    return Polygon(np.column_stack([x, y]))


@pytest.mark.parametrize("place", sorted(PLACES))
def test_moving_keeps_gaps_and_overlaps_in_metres(standard, place):
    deployment, centre = PLACES[place]
    proj = Projection.for_deployment(deployment)

    def at_origin_and_moved(file, name):
        v = volume4d_from_template(standard[file][name]["basic_information"]["area"][0], TIMES)
        moved = translate_volume4d(v, to_lonlat=centre)
        return _local_xy(volume4d_outline(v), 0.0, 0.0), proj.geometry_to_xy(
            volume4d_outline(moved)
        )

    a0, a1 = at_origin_and_moved("non_conflicting", "flight_1")
    b0, b1 = at_origin_and_moved("non_conflicting", "flight_2")
    gap0, gap1 = a0.distance(b0), a1.distance(b1)
    assert 11.0 < gap0 < 12.5  # "11.7 m apart"
    assert gap1 == pytest.approx(gap0, abs=0.02)
    c0, c1 = at_origin_and_moved("invalid_flight_intents", "valid_flight")
    d0, d1 = at_origin_and_moved("invalid_flight_intents", "valid_conflict_tiny_overlap")
    for c, d in ((c0, d0), (c1, d1)):
        overlap = c.intersection(d)
        assert overlap.area > 0.0
        lo, hi = overlap.bounds[1], overlap.bounds[3]
        assert 0.009 < hi - lo < 0.013  # the 1.1 cm overlap survives the move


@pytest.mark.parametrize("place", sorted(PLACES))
def test_non_conflicting_intents_are_accepted_together(standard, place):
    _, out = run(
        standard,
        place,
        "non_conflicting",
        [
            "flight_1",
            "flight_2",
        ],
    )
    assert [d.status for d, _ in out.values()] == [Status.APPROVED, Status.APPROVED]
    _, out = run(
        standard, place, "non_conflicting", ["flight_1_planned", "flight_2_planned_modified"]
    )
    assert [d.status for d, _ in out.values()] == [Status.APPROVED, Status.APPROVED]


@pytest.mark.parametrize("place", sorted(PLACES))
def test_equal_priority_never_overrides(standard, place):
    planner, out = run(
        standard, place, "conflicting_flights", ["flight1_planned", "equal_prio_flight2_planned"]
    )
    d, changes = out["equal_prio_flight2_planned"]
    assert d.status == Status.REJECTED and changes == []
    assert [r.flight for r in d.reasons if r.code == ReasonCode.CONFLICT] == ["flight1_planned"]
    assert planner.record("flight1_planned").state == State.ACCEPTED


@pytest.mark.parametrize("place", sorted(PLACES))
def test_priority_100_takes_the_airspace_of_priority_0(standard, place):
    planner, out = run(
        standard, place, "conflicting_flights", ["flight1_planned", "flight2_planned"]
    )
    d, changes = out["flight2_planned"]
    assert d.status == Status.APPROVED
    # the intent's window is fixed (start and end given): it cannot move, so it is revoked
    assert [(c.flight_id, c.kind, c.reason.code, c.reason.flight) for c in changes] == [
        ("flight1_planned", "revoked", ReasonCode.OUTRANKED, "flight2_planned")
    ]
    assert planner.record("flight1_planned").state == State.REVOKED


@pytest.mark.parametrize("place", sorted(PLACES))
def test_lower_priority_plans_around_or_is_refused(standard, place):
    names = ["flight2_planned", "flight1c_planned", "flight1m_planned", "flight1_planned"]
    _, out = run(standard, place, "conflicting_flights", names)
    assert out["flight1c_planned"][0].status == Status.APPROVED  # clear of flight 2
    for name in ("flight1m_planned", "flight1_planned"):
        d, changes = out[name]
        assert d.status == Status.REJECTED and changes == []
        assert "flight2_planned" in [r.flight for r in d.reasons if r.code == ReasonCode.CONFLICT]


@pytest.mark.parametrize("place", sorted(PLACES))
def test_modified_activated_flights(standard, place):
    """flight2m (priority 100) grows over activated flight 1c, which it cannot displace."""
    deployment, centre = PLACES[place]
    planner = Planner(deployment, epoch=NOW, separation_h_m=0.01, separation_v_m=0.01)
    c = standard["conflicting_flights"]

    def request(name):
        return intent_to_request(
            c[name], flight_id=name, times=TIMES, epoch=NOW, to_lonlat=centre, drone=DRONE
        )

    assert planner.decide(request("flight1c_activated"), 0.0)[0].status == Status.APPROVED
    planner.activate("flight1c_activated", 0.0)
    d, changes = planner.decide(request("flight2m_activated"), 0.0)
    assert d.status == Status.REJECTED and changes == []
    assert [r.flight for r in d.reasons if r.code == ReasonCode.CONFLICT] == ["flight1c_activated"]
    # 45.13-50 m is more than 1 cm above flight 1c's 0.06-35 m: no conflict
    d2, _ = planner.decide(request("equal_prio_flight2m_planned"), 0.0)
    assert d2.status == Status.APPROVED
    assert check_accepted(planner, [], deployment) == []


@pytest.mark.parametrize("place", sorted(PLACES))
def test_invalid_intents(standard, place):
    names = [
        "valid_flight",
        "valid_conflict_tiny_overlap",
        "invalid_too_far_away",
        "invalid_recently_ended",
    ]
    _, out = run(standard, place, "invalid_flight_intents", names)
    valid, _ = out["valid_flight"]
    assert valid.status == Status.APPROVED  # it started 1 s ago: still fine
    assert valid.area["start"] == -1.0
    tiny, _ = out["valid_conflict_tiny_overlap"]
    assert tiny.status == Status.REJECTED
    assert [r.flight for r in tiny.reasons if r.code == ReasonCode.CONFLICT] == ["valid_flight"]
    assert [str(r.code) for r in out["invalid_too_far_away"][0].reasons] == ["TOO_FAR_AHEAD"]
    assert [str(r.code) for r in out["invalid_recently_ended"][0].reasons] == ["TIME_IN_PAST"]


def test_unknown_delta_source_is_named(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("intents:\n  a:\n    delta:\n      source: nope\n      mutation: {}\n")
    with pytest.raises(IntentFormatError, match="'nope'"):
        load_intents(f)


def test_circle_volumes_and_next_day_templates(interop):
    che = load_intents(interop / "interuss_monitoring" / "che" / "general_flight_auth_flights.yaml")
    area = che["flight1"]["basic_information"]["area"][0]
    # NOW is Tuesday 08:00 UTC: the next Tuesday-or-Thursday midnight in Zurich is Thursday
    # 00:00+01:00, and the flight ends 12 h later
    assert volume4d_from_template(area, TIMES)["time_end"]["value"] == "2026-12-03T11:00:00Z"
    flight2 = che["flight2"]["basic_information"]["area"][0]
    v2 = volume4d_from_template(flight2, TIMES)  # next midnight at +02:00 after 20:00 UTC
    assert (v2["time_start"]["value"], v2["time_end"]["value"]) == (
        "2026-12-01T22:00:00Z",
        "2026-12-01T22:05:00Z",
    )
    with pytest.raises(IntentFormatError, match="days_of_the_week"):
        bad = {"time_zone": "UTC", "days_of_the_week": ["Xx"], "starting_from": {"value": NOW}}
        volume4d_from_template({**area, "end_time": {"next_day": bad}}, TIMES)
    fixed = {
        **area,
        "end_time": {
            "offset_from": {"starting_from": {"time_during_test": "StartOfTestRun"}, "offset": "1h"}
        },
    }
    v = volume4d_from_template(fixed, TIMES)
    outline = volume4d_outline(v)
    bern = local_deployment(7.4774, 46.9749)
    disc = Projection.for_deployment(bern).geometry_to_xy(outline)
    # contains the 100 m circle, within a metre of it
    assert disc.contains(disc.centroid.buffer(99.9)) and not disc.contains(
        disc.centroid.buffer(101.1)
    )
    request = intent_to_request(
        {
            **che["flight1"],
            "basic_information": {**che["flight1"]["basic_information"], "area": [fixed]},
        },
        flight_id="CHE-1",
        times=TIMES,
        epoch=NOW,
        to_lonlat=None,  # already in Bern
        drone=DRONE,
        ground_w84_m=550.0,
    )
    centre = request.route.polygon.centroid
    assert (round(centre.x, 4), round(centre.y, 4)) == (7.4774, 46.9749)
    assert (request.route.lower_m, request.route.upper_m) == (0.0, 100.0)
    assert request.route.duration_s == 3600.0


json_leaf = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(source=json_value, other=json_value)
def test_merge_mutation_laws(source, other):
    assert merge_mutation(source, {} if isinstance(source, dict) else source) == source
    if isinstance(source, dict):
        merged = merge_mutation(source, {"+a": other})
        assert merged["a"] == other  # "+key" replaces, whatever was there
        assert {k: v for k, v in merged.items() if k != "a"} == {
            k: v for k, v in source.items() if k != "a"
        }
    if isinstance(source, list) and isinstance(other, list):
        merged = merge_mutation(source, other)
        assert len(merged) == max(len(source), len(other))
        assert merged[len(other) :] == source[len(other) :]
