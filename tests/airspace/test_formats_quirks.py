"""Malformed and quirky zone files: each quirk is repaired with a warning naming zone and field,
or refused with a ZoneFormatError naming them."""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime, time, timedelta

import pytest

from airspace.deployment import QINGDAO
from airspace.errors import ZoneFormatError
from airspace.formats import load_zones, read_zone_file
from airspace.schedule import is_active
from airspace.zones import DailyPeriod, Restriction

SQUARE = [[120.30, 36.05], [120.32, 36.05], [120.32, 36.07], [120.30, 36.07], [120.30, 36.05]]


def ed269(**zone_changes) -> dict:
    """A valid one-zone ED-269 document (UASZoneList layout) with some fields changed."""
    zone = {
        "identifier": "Z1",
        "country": "CHN",
        "name": "test zone",
        "type": "COMMON",
        "restriction": "PROHIBITED",
        "reason": ["OTHER"],
        "message": "m",
        "applicability": [{"permanent": "YES"}],
        "zoneAuthority": [{"name": "A"}],
        "geometry": [
            {
                "uomDimensions": "M",
                "lowerLimit": 0,
                "lowerVerticalReference": "AGL",
                "upperLimit": 120,
                "upperVerticalReference": "AGL",
                "horizontalProjection": {"type": "Polygon", "coordinates": [copy.deepcopy(SQUARE)]},
            }
        ],
    }
    zone.update(zone_changes)
    return {"formatVersion": "1.0.0", "UASZoneList": [zone]}


def with_ring(ring) -> dict:
    doc = ed269()
    doc["UASZoneList"][0]["geometry"][0]["horizontalProjection"]["coordinates"] = [ring]
    return doc


def with_volume(**changes) -> dict:
    doc = ed269()
    doc["UASZoneList"][0]["geometry"][0].update(changes)
    return doc


def fails(doc, *words):
    with pytest.raises(ZoneFormatError) as e:
        load_zones(doc)
    for w in words:
        assert w in str(e.value), str(e.value)
    assert "\n" not in str(e.value)
    return e.value


def test_valid_document_reads_without_warnings():
    zf = read_zone_file(ed269())
    assert len(zf.zones) == 1 and zf.warnings == []


def test_repeated_closing_vertex_is_removed_with_warning():
    zf = read_zone_file(with_ring([*SQUARE, SQUARE[-1]]))
    (w,) = zf.warnings
    assert (w.zone, w.field) == ("Z1", "geometry[0].horizontalProjection.coordinates[0]")
    assert "repeated" in w.message
    assert list(zf.zones[0].volumes[0].polygon.exterior.coords) == [tuple(p) for p in SQUARE]


def test_number_as_string_is_read_with_warning():
    zf = read_zone_file(with_volume(lowerLimit="0", upperLimit=" 120.5 "))
    vol = zf.zones[0].volumes[0]
    assert (vol.lower_m, vol.upper_m) == (0.0, 120.5)
    assert {w.field for w in zf.warnings} == {"geometry[0].lowerLimit", "geometry[0].upperLimit"}


def test_string_coordinates_are_read_with_warning():
    ring = [[str(x), str(y)] for x, y in SQUARE]
    zf = read_zone_file(with_ring(ring))
    assert zf.zones[0].volumes[0].polygon.area > 0
    assert zf.warnings and all("string" in w.message for w in zf.warnings)


@pytest.mark.parametrize("cls", ["OPEN", ["SPECIFIC", "CERTIFIED"]])
def test_uspace_class_string_or_list_is_kept(cls):
    (zone,) = load_zones(ed269(uSpaceClass=cls))
    assert zone.extra["uSpaceClass"] == cls


def test_unclosed_ring_is_closed_with_warning():
    zf = read_zone_file(with_ring(SQUARE[:-1]))
    assert [w.message for w in zf.warnings] == ["ring was not closed; closed it"]
    assert zf.zones[0].volumes[0].polygon.equals(load_zones(ed269())[0].volumes[0].polygon)


def test_ring_with_two_distinct_points_is_refused():
    e = fails(
        with_ring([[120.3, 36.05], [120.31, 36.05], [120.3, 36.05], [120.31, 36.05]]), "'Z1'", "3"
    )
    assert e.zone == "Z1" and e.field.startswith("geometry[0].horizontalProjection.coordinates")


def test_zero_area_ring_is_refused():
    fails(
        with_ring([[120.30, 36.05], [120.31, 36.05], [120.32, 36.05], [120.30, 36.05]]),
        "no area",
        "'Z1'",
    )


def test_self_intersecting_ring_is_repaired_with_make_valid():
    bowtie = [[120.30, 36.05], [120.32, 36.07], [120.32, 36.05], [120.30, 36.07], [120.30, 36.05]]
    zf = read_zone_file(with_ring(bowtie))
    (zone,) = zf.zones
    assert len(zone.volumes) == 2  # the two triangles, same vertical band
    assert all(v.polygon.is_valid and v.upper_m == 120.0 for v in zone.volumes)
    assert sum(v.polygon.area for v in zone.volumes) == pytest.approx(2 * 0.5 * 0.02 * 0.01)
    (w,) = zf.warnings
    assert "make_valid" in w.message and "Self-intersection" in w.message and w.zone == "Z1"


def test_nan_coordinate_is_refused():
    ring = copy.deepcopy(SQUARE)
    ring[2][1] = math.nan
    fails(with_ring(ring), "'Z1'", "finite")


def test_nan_limit_is_refused_even_when_json_writes_it():
    doc = json.loads(json.dumps(with_volume(upperLimit=math.nan)))
    fails(doc, "'Z1'", "geometry[0].upperLimit", "finite")


def test_lat_lon_swapped_is_refused_with_a_hint():
    fails(with_ring([[y, x] for x, y in SQUARE]), "'Z1'", "[longitude, latitude]")


def test_req_authorization_spelling_is_accepted():
    (zone,) = load_zones(ed269(restriction="REQ_AUTHORIZATION"))
    assert zone.restriction is Restriction.REQ_AUTHORISATION


def test_unknown_restriction_lists_the_canonical_ones():
    fails(ed269(restriction="FORBIDDEN"), "'Z1'", "'restriction'", "PROHIBITED, REQ_AUTHORISATION")


@pytest.mark.parametrize("upper", [None, 99999, "99999"])
def test_null_or_99999_upper_limit_is_unbounded(upper):
    (zone,) = load_zones(with_volume(upperLimit=upper, uomDimensions="FT"))
    assert zone.volumes[0].upper_m is None


def test_unknown_unit_is_refused():
    fails(with_volume(uomDimensions="KM"), "'Z1'", "uomDimensions", "M or FT")


def test_unknown_vertical_reference_is_refused():
    fails(with_volume(upperVerticalReference="QNH"), "upperVerticalReference", "AGL, AMSL or WGS84")


def test_lower_limit_above_upper_is_refused():
    fails(with_volume(lowerLimit=150, upperLimit=100), "'Z1'", "geometry[0]", "not below")


def test_missing_identifier_names_the_zone_position():
    doc = ed269()
    doc["UASZoneList"].append(copy.deepcopy(doc["UASZoneList"][0]))
    del doc["UASZoneList"][1]["identifier"]
    e = fails(doc, "#2", "identifier")
    assert e.zone == "#2"


def test_circle_needs_a_positive_radius():
    hp = {"type": "Circle", "center": [120.3, 36.05], "radius": -5}
    fails(with_volume(horizontalProjection=hp), "radius", "positive")


def test_unsupported_shape_is_refused():
    hp = {"type": "LineString", "coordinates": SQUARE}
    fails(with_volume(horizontalProjection=hp), "LineString", "Polygon, MultiPolygon or Circle")


def test_bad_time_of_day_is_refused():
    appl = [
        {"permanent": "NO", "schedule": [{"day": ["MON"], "startTime": "9h", "endTime": "17:00"}]}
    ]
    fails(ed269(applicability=appl), "applicability[0].schedule[0].startTime", "HH:MM:SS")


def test_mixed_utc_and_local_times_are_refused():
    appl = [
        {
            "permanent": "NO",
            "schedule": [{"day": ["MON"], "startTime": "09:00Z", "endTime": "17:00"}],
        }
    ]
    fails(ed269(applicability=appl), "mix UTC")


def test_unknown_weekday_is_refused():
    appl = [
        {
            "permanent": "NO",
            "schedule": [{"day": ["FUNDAY"], "startTime": "09:00", "endTime": "17:00"}],
        }
    ]
    fails(ed269(applicability=appl), "FUNDAY", "MON")


def test_end_before_start_is_refused():
    appl = [
        {
            "permanent": "NO",
            "startDateTime": "2026-12-02T00:00Z",
            "endDateTime": "2026-12-01T00:00Z",
        }
    ]
    fails(ed269(applicability=appl), "applicability[0].endDateTime")


def test_daily_period_spelling_and_local_times():
    appl = [
        {
            "permanent": "NO",
            "startDateTime": "2026-12-01T00:00:00+08:00",
            "endDateTime": None,
            "dailyPeriod": [{"day": ["TUE"], "startTime": "09:00:00.00", "endTime": "17:00:00.00"}],
        }
    ]
    (zone,) = load_zones(ed269(applicability=appl))
    assert zone.applicability[0].periods == (DailyPeriod(("TUE",), time(9), time(17), utc=False),)
    sh = QINGDAO.tz
    assert is_active(zone, datetime(2026, 12, 1, 9, 30, tzinfo=sh), sh)
    assert not is_active(zone, datetime(2026, 12, 1, 9, 30, tzinfo=UTC), sh)  # 17:30 local


def test_naive_date_time_is_read_in_deployment_zone_with_warning():
    appl = [
        {
            "permanent": "NO",
            "startDateTime": "2026-12-01T08:00:00",
            "endDateTime": "2026-12-01T10:00:00",
        }
    ]
    zf = read_zone_file(ed269(applicability=appl))
    start = zf.zones[0].applicability[0].start
    assert start.utcoffset() == timedelta(hours=8)
    assert any(w.field == "applicability[0].startDateTime" for w in zf.warnings)


def test_whole_day_every_day_period_is_permanent():
    appl = [{"permanent": "YES", "dailyPeriod": [{"day": [], "startTime": None, "endTime": None}]}]
    (zone,) = load_zones(ed269(applicability=appl))
    assert zone.applicability == () and zone.is_permanent


def test_missing_file_bad_json_and_unknown_format(tmp_path):
    with pytest.raises(ZoneFormatError, match="no such file"):
        load_zones(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"UASZoneList": [', encoding="utf-8")
    with pytest.raises(ZoneFormatError, match=r"not valid JSON .* line 1"):
        load_zones(bad)
    other = tmp_path / "other.json"
    other.write_text('{"flight_id": "x"}', encoding="utf-8")
    with pytest.raises(ZoneFormatError, match="unknown zone format"):
        load_zones(other)


def test_yaml_zone_file(tmp_path):
    path = tmp_path / "zones.yaml"
    path.write_text(
        "type: FeatureCollection\nfeatures:\n- type: Feature\n  properties: {id: Y1, restriction: CONDITIONAL,"
        " lower_m: 0, upper_m: 60, reference: AGL}\n  geometry: {type: Point, coordinates: [120.3, 36.05]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ZoneFormatError, match="radius_m"):
        load_zones(path)
    path.write_text(
        path.read_text().replace("reference: AGL", "reference: AGL, radius_m: 500"),
        encoding="utf-8",
    )
    (zone,) = load_zones(path)
    assert (
        zone.restriction is Restriction.CONDITIONAL and zone.volumes[0].horizontal.radius_m == 500.0
    )


def test_geojson_features_with_the_same_id_are_one_zone():
    feats = [
        {
            "type": "Feature",
            "properties": {
                "id": "W",
                "restriction": "PROHIBITED",
                "lower_m": lo,
                "upper_m": None,
                "reference": "AGL",
            },
            "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
        }
        for lo in (0, 30)
    ]
    (zone,) = load_zones({"type": "FeatureCollection", "features": feats})
    assert [v.lower_m for v in zone.volumes] == [0.0, 30.0]


def test_geojson_schedule_windows():
    feat = {
        "type": "Feature",
        "properties": {
            "id": "S",
            "restriction": "PROHIBITED",
            "schedule": [
                {"start": "2026-12-01T09:00:00+08:00", "end": "2026-12-01T10:00:00+08:00"}
            ],
        },
        "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
    }
    (zone,) = load_zones({"type": "FeatureCollection", "features": [feat]})
    at = datetime.fromisoformat("2026-12-01T09:30:00+08:00")
    assert is_active(zone, at, UTC)
    assert not is_active(zone, at + timedelta(hours=1), UTC)
