"""The inline zone form of scenario files and API bodies (``zone_from_dict``), and random zones
surviving the ED-269 / ED-318 round trip."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon

from airspace.errors import ZoneFormatError
from airspace.formats import load_zones, zone_from_dict, zones_to_ed269, zones_to_ed318
from airspace.schedule import is_active
from airspace.zones import (
    Applicability,
    Circle,
    DailyPeriod,
    Restriction,
    VerticalReference,
    Zone,
    ZoneVolume,
)

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 1, 7, 0, tzinfo=SH)
POLY = {
    "type": "Polygon",
    "coordinates": [[[120.43, 36.05], [120.44, 36.05], [120.44, 36.06], [120.43, 36.05]]],
}


def inline(**changes):
    d = {
        "id": "TFR",
        "restriction": "PROHIBITED",
        "geometry": POLY,
        "lower_m": 0,
        "upper_m": 300,
        "reference": "AGL",
    }
    d.update(changes)
    return zone_from_dict(d, start=START, tz=SH)


def test_polygon_zone_with_relative_schedule():
    z = inline(schedule=[{"start": 3600, "end": 7200}])
    assert z.identifier == "TFR" and z.restriction is Restriction.PROHIBITED
    (vol,) = z.volumes
    assert (vol.lower_m, vol.upper_m, vol.upper_reference) == (0.0, 300.0, VerticalReference.AGL)
    assert not is_active(z, START + timedelta(seconds=3599), SH)
    assert is_active(z, START + timedelta(seconds=3600), SH)
    assert not is_active(z, START + timedelta(seconds=7200), SH)


def test_circle_zone_and_rfc3339_schedule():
    z = inline(
        geometry={"type": "Circle", "center": [120.435, 36.06], "radius_m": 800},
        schedule=[{"start": "2026-12-01T09:00:00+08:00", "end": "2026-12-01T01:30:00Z"}],
    )
    assert z.volumes[0].horizontal == Circle(120.435, 36.06, 800.0)
    assert is_active(z, datetime(2026, 12, 1, 9, 15, tzinfo=SH), SH)
    assert not is_active(z, datetime(2026, 12, 1, 9, 31, tzinfo=SH), SH)


def test_absent_schedule_is_permanent_and_null_upper_unbounded():
    z = inline(upper_m=None)
    assert z.is_permanent and z.volumes[0].upper_m is None


def test_stacked_volumes():
    z = inline(
        volumes=[
            {
                "geometry": {"type": "Circle", "center": [120.0, 36.0], "radius_m": 1000},
                "lower_m": 0,
            },
            {
                "geometry": {"type": "Circle", "center": [120.0, 36.0], "radius_m": 3000},
                "lower_m": 60,
            },
        ]
    )
    assert [v.lower_m for v in z.volumes] == [0.0, 60.0]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"id": None}, ["id"]),
        ({"restriction": "MAYBE"}, ["'TFR'", "restriction"]),
        ({"geometry": None}, ["'TFR'", "geometry"]),
        (
            {"geometry": {"type": "Circle", "center": [36.06, 120.43], "radius_m": 5}},
            ["longitude, latitude"],
        ),
        ({"lower_m": 400}, ["'TFR'", "not below"]),
        ({"schedule": [{"start": 100, "end": 50}]}, ["schedule[0].end"]),
        ({"schedule": [{"start": "tomorrow"}]}, ["schedule[0].start", "RFC 3339"]),
        ({"reference": "QNH"}, ["reference"]),
    ],
)
def test_bad_inline_zone_names_the_field(changes, words):
    with pytest.raises(ZoneFormatError) as e:
        inline(**changes)
    for w in words:
        assert w in str(e.value)


# --- random zones survive ED-269 and ED-318 exactly --------------------------------------------

lons = st.floats(118.6, 121.4, allow_nan=False)
lats = st.floats(35.0, 37.0, allow_nan=False)
limits = st.one_of(
    st.none(),
    st.integers(0, 2000).map(float),
    st.floats(0, 2000, allow_nan=False).map(lambda v: round(v, 3)),
)
refs = st.sampled_from(list(VerticalReference))


@st.composite
def volumes(draw):
    if draw(st.booleans()):
        shape = Circle(draw(lons), draw(lats), draw(st.floats(1.0, 20000.0)))
    else:
        x, y = draw(lons), draw(lats)
        w, h = draw(st.floats(1e-3, 0.2)), draw(st.floats(1e-3, 0.2))
        shape = Polygon([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])
    lo, hi = draw(limits), draw(limits)
    if hi == 0.0:  # a zone that ends at the ground holds nothing
        hi = None
    if lo is not None and hi is not None and lo >= hi:
        lo, hi = hi - 1.0 if hi >= 1.0 else None, lo + 1.0
    uom = draw(st.sampled_from(["M", "FT"]))
    if uom == "FT":  # limits in feet are whole feet in real files
        lo = None if lo is None else round(lo) * 0.3048
        hi = None if hi is None else round(hi) * 0.3048
        if lo is not None and hi is not None and lo >= hi:
            hi = lo + 0.3048
        if hi == 0.0:  # rounded down to the ground: as above
            hi = None
    ref = draw(refs)
    return ZoneVolume(shape, lo, hi, ref, ref, uom)


times_of_day = st.one_of(
    st.none(), st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 59]))
)


@st.composite
def applicabilities(draw):
    if draw(st.booleans()):
        return ()
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 10000)))
    end = start + timedelta(hours=draw(st.integers(1, 10000)))
    days = tuple(
        sorted(
            draw(st.sets(st.sampled_from(["MON", "TUE", "SAT"]), min_size=1)),
            key=["MON", "TUE", "SAT"].index,
        )
    )
    t0, t1 = draw(times_of_day), draw(times_of_day)
    utc = draw(st.booleans()) and (t0 is not None or t1 is not None)  # only times carry a time zone
    periods = (DailyPeriod(days, t0, t1, utc),)
    return (Applicability(False, start, end, periods if draw(st.booleans()) else ()),)


@st.composite
def zones(draw):
    return Zone(
        identifier=draw(st.text("ABCXYZ-0123456789", min_size=1, max_size=8)),
        restriction=draw(st.sampled_from(list(Restriction))),
        volumes=tuple(draw(st.lists(volumes(), min_size=1, max_size=3))),
        name=draw(st.text(max_size=10)),
        applicability=draw(applicabilities()),
        reason=tuple(
            draw(st.lists(st.sampled_from(["AIR_TRAFFIC", "NATURE", "OTHER"]), max_size=2))
        ),
        message=draw(st.text(max_size=10)),
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(zones(), min_size=1, max_size=3))
def test_random_zones_round_trip_through_ed269_and_ed318(zs):
    for doc in (zones_to_ed269(zs), zones_to_ed269(zs, layout="features")):
        assert load_zones(json.loads(json.dumps(doc))) == zs
    # ED-318 limits are numbers: an open lower limit comes back as the ground, nothing else changes
    assert load_zones(json.loads(json.dumps(zones_to_ed318(zs)))) == [ground_floor(z) for z in zs]


def ground_floor(z: Zone) -> Zone:
    return replace(
        z,
        volumes=tuple(
            replace(v, lower_m=0.0, lower_reference=VerticalReference.AGL)
            if v.lower_m is None
            else v
            for v in z.volumes
        ),
    )


def test_yaml_timestamps_are_accepted():
    import yaml

    d = yaml.safe_load(
        "id: Y\nrestriction: PROHIBITED\ngeometry: {type: Circle, center: [120.4, 36.0], radius_m: 100}\n"
        "schedule: [{start: 2026-12-01T09:00:00+08:00, end: 2026-12-01T10:00:00+08:00}]\n"
    )
    z = zone_from_dict(d, start=START, tz=SH)
    assert z.applicability[0].start == datetime(2026, 12, 1, 9, tzinfo=SH)
