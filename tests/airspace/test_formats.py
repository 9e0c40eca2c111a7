"""Zone importers against the public interop samples, exporters, round trips, the demo airspace."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from airspace.deployment import QINGDAO
from airspace.formats import (
    QINGDAO_ZONES_PATH,
    load_zones,
    read_zone_file,
    zones_to_ed269,
    zones_to_ed318,
    zones_to_geojson,
)
from airspace.projection import Projection
from airspace.schedule import is_active
from airspace.zones import FEET_M, Circle, Restriction, VerticalReference

ED269_FEATURES = "interuss_uas_standards/test_eurocae_ed269.json"
ED269_LIST = "interuss_monitoring/che/cis_source_sample_ed269.json"
ED318 = "interuss_monitoring/che/cis_source_sample_ed318.json"
GEOFENCE = "flight_blender_legacy/geo_fence.geojson"
ZONE_SAMPLES = [ED269_FEATURES, ED269_LIST, ED318, GEOFENCE, "flight_blender_legacy/aoi.geojson"]
BLUESKY_SAMPLES = [
    "bluesky/M2AP1.scn",
    "openutm_verification/bern/blue_sky_sim_bern.scn",
    "openutm_verification/edmonton/bluesky_a1_head_on.scn",
]


def by_id(zones):
    return {z.identifier: z for z in zones}


def test_ed269_features_layout(interop):
    zf = read_zone_file(interop / ED269_FEATURES)
    assert zf.format == "ED-269 (features)"
    assert len(zf.zones) == 6
    assert [len(z.volumes) for z in zf.zones] == [1, 3, 3, 1, 1, 1]
    zones = by_id(zf.zones)
    montreux = zones["Montreux Concert Area"]
    assert montreux.restriction is Restriction.PROHIBITED
    (vol,) = montreux.volumes
    assert vol.horizontal == Circle(6.913146, 46.430758, 3000.0)
    assert (vol.lower_m, vol.lower_reference) == (0.0, VerticalReference.AGL)
    assert (vol.upper_m, vol.upper_reference) == (6259.0, VerticalReference.AMSL)
    assert zones["MONTREUX Wildlife Preserve"].restriction is Restriction.REQ_AUTHORISATION
    assert [v.lower_m for v in zones["Flugplatz Reichenbach"].volumes] == [0.0, 50.0, 100.0]
    assert [v.horizontal.radius_m for v in zones["Flugplatz Reichenbach"].volumes] == [
        1000.0,
        2500.0,
        3500.0,
    ]


def test_ed269_feet_limits_convert_with_0_3048(interop):
    gantrisch = [
        z for z in load_zones(interop / ED269_FEATURES) if z.identifier == "Gantrisch Nature Park"
    ]
    assert [z.restriction for z in gantrisch] == [
        Restriction.NO_RESTRICTION,
        Restriction.REQ_AUTHORISATION,
    ]
    for z in gantrisch:
        (vol,) = z.volumes
        assert vol.uom == "FT"
        assert vol.upper_m == pytest.approx(250 * FEET_M)
        assert vol.upper_m == pytest.approx(76.2)
        assert vol.lower_m == 0.0
    assert gantrisch[0].extra["uSpaceClass"] == "OPEN"
    assert gantrisch[1].extra["uSpaceClass"] == ["SPECIFIC", "CERTIFIED"]


def test_ed269_repeated_vertices_repaired_with_warning(interop):
    zf = read_zone_file(interop / ED269_FEATURES)
    lausanne = by_id(zf.zones)["Lausanne Airport"]
    assert all(v.polygon.is_valid for v in lausanne.volumes)
    assert (
        len(lausanne.volumes[1].polygon.exterior.coords) == 4
    )  # triangle once the duplicate is gone
    repaired = [w for w in zf.warnings if w.zone == "Lausanne Airport"]
    assert len(repaired) == 2 and all("repeated" in w.message for w in repaired)
    assert any(w.zone == "Gantrisch Nature Park" and w.field == "identifier" for w in zf.warnings)


def test_ed269_schedule_active_and_inactive(interop):
    zones = by_id(load_zones(interop / ED269_FEATURES))
    montreux = zones["Montreux Concert Area"]
    tz = QINGDAO.tz  # the times are written with Z: the deployment's zone must not matter
    assert is_active(montreux, datetime(2022, 6, 18, 18, 0, tzinfo=UTC), tz)  # Saturday evening
    assert is_active(
        montreux, datetime(2022, 6, 19, 23, 59, 59, 500000, tzinfo=UTC), tz
    )  # Sunday, last second
    assert not is_active(
        montreux, datetime(2022, 6, 18, 16, 59, tzinfo=UTC), tz
    )  # Saturday afternoon
    assert not is_active(montreux, datetime(2022, 6, 20, 18, 0, tzinfo=UTC), tz)  # Monday
    assert not is_active(
        montreux, datetime(2023, 6, 17, 18, 0, tzinfo=UTC), tz
    )  # after endDateTime
    reichenbach = zones["Flugplatz Reichenbach"]
    assert is_active(reichenbach, datetime(2022, 12, 1, tzinfo=UTC), tz)
    assert not is_active(reichenbach, datetime(2024, 1, 1, tzinfo=UTC), tz)  # expired
    assert zones["Lausanne Airport"].is_permanent
    assert is_active(zones["Lausanne Airport"], datetime(2030, 1, 1, tzinfo=UTC), tz)


def test_ed269_uaszonelist_layout(interop):
    zf = read_zone_file(interop / ED269_LIST)
    assert zf.format == "ED-269 (UASZoneList)"
    (z,) = zf.zones
    assert z.identifier == "LSXX" and z.restriction is Restriction.REQ_AUTHORISATION
    (vol,) = z.volumes
    assert vol.lower_m == 0.0 and vol.upper_m is None  # "0" string and null upper
    assert vol.band_agl_m(QINGDAO) == (0.0, float("inf"))
    assert z.restriction_conditions == ("RST02",)
    assert z.is_permanent and z.applicability == ()
    assert z.authority[0]["email"] == "admin@example.interuss.org"
    assert "contactName" not in z.authority[0]  # null dropped
    assert [(w.zone, w.field) for w in zf.warnings] == [("LSXX", "geometry[0].lowerLimit")]


def test_ed318(interop):
    zf = read_zone_file(interop / ED318)
    assert zf.format == "ED-318"
    assert [z.identifier for z in zf.zones] == ["LSZB003", "BLns058", "LSTB002"]
    lszb = zf.zones[0]
    assert (
        lszb.restriction is Restriction.REQ_AUTHORISATION
    )  # spelled REQ_AUTHORIZATION in the file
    assert lszb.name == "LSZB Bern-Belp 2"
    assert zf.zones[1].name == "Protected natural object Langmatt"  # English chosen among four
    assert len(zf.zones[1].extra["i18n"]["name"]) == 4
    (vol,) = lszb.volumes
    assert (vol.lower_m, vol.upper_m) == (60.0, None)  # upper 99999 = unlimited
    assert lszb.authority[0]["name"] == "Skyguide"
    assert lszb.authority[0]["intervalBefore"] == "P10DT00H"
    assert lszb.type == "COMMON" and lszb.is_permanent
    assert zf.warnings == []


def test_plain_geojson_geofence(interop):
    zf = read_zone_file(interop / GEOFENCE)
    assert zf.format == "GeoJSON"
    (z,) = zf.zones
    assert z.restriction is Restriction.PROHIBITED
    (vol,) = z.volumes
    assert (vol.lower_m, vol.upper_m) == (100.0, 500.0)
    fields = {w.field for w in zf.warnings}
    assert {"properties.restriction", "properties.reference", "properties.id"} <= fields


@pytest.mark.parametrize("name", BLUESKY_SAMPLES)
def test_bluesky_geofences(interop, name):
    zf = read_zone_file(interop / name)
    assert zf.zones and all(z.restriction is Restriction.PROHIBITED for z in zf.zones)
    assert all(v.polygon.is_valid and v.polygon.area > 0 for z in zf.zones for v in z.volumes)


def test_bluesky_manhattan_blocks_in_lon_lat_order(interop):
    zones = load_zones(interop / "bluesky/M2AP1.scn")
    assert len(zones) == 19
    w, s, e, n = zones[0].bounds_lonlat()
    assert -74.0 < w < e < -73.98 and 40.74 < s < n < 40.76


@pytest.mark.parametrize("name", [ED269_FEATURES, ED269_LIST, ED318])
@pytest.mark.parametrize("via", ["ed269", "ed269-features", "ed318"])
def test_round_trip_is_lossless(interop, name, via):
    zones = load_zones(interop / name)
    if via == "ed269":
        doc = zones_to_ed269(zones)
    elif via == "ed269-features":
        doc = zones_to_ed269(zones, layout="features", title="t")
    else:
        doc = zones_to_ed318(zones)
    again = load_zones(json.loads(json.dumps(doc)))
    assert again == zones
    assert load_zones(json.loads(json.dumps(zones_to_ed269(again)))) == zones


def test_ed318_export_keeps_languages_and_units(interop):
    zones = load_zones(interop / ED318)
    doc = zones_to_ed318(zones)
    props = doc["features"][1]["properties"]
    assert props["type"] == "REQ_AUTHORIZATION"
    assert [n["lang"] for n in props["name"]] == ["de-CH", "fr-CH", "it-CH", "en-GB"]
    assert props["zoneAuthority"][0]["contactName"][0]["text"] == "Abteilungsleiter"
    assert doc["features"][0]["geometry"]["layer"]["upper"] == 99999  # ED-318 limits are numbers
    feet = zones_to_ed318(load_zones(interop / ED269_FEATURES))["features"][4]
    assert feet["geometry"]["layer"] == {
        "upper": 250,
        "upperReference": "AGL",
        "lower": 0,
        "lowerReference": "AGL",
        "uom": "ft",
    }


def test_ed318_multi_volume_zone_is_a_geometry_collection(interop):
    zones = by_id(load_zones(interop / ED269_FEATURES))
    feature = zones_to_ed318([zones["Flugplatz Reichenbach"]])["features"][0]
    assert feature["geometry"]["type"] == "GeometryCollection"
    assert [g["type"] for g in feature["geometry"]["geometries"]] == ["Point"] * 3
    assert feature["geometry"]["geometries"][2]["extent"] == {"subType": "Circle", "radius": 3500.0}


def test_geojson_export_one_feature_per_volume(interop):
    zones = load_zones(interop / ED269_FEATURES)
    doc = zones_to_geojson(zones, at=datetime(2022, 6, 20, 12, tzinfo=UTC), deployment=QINGDAO)
    assert len(doc["features"]) == 10
    props = [f["properties"] for f in doc["features"]]
    assert {p["restriction"] for p in props} == {
        "PROHIBITED",
        "REQ_AUTHORISATION",
        "NO_RESTRICTION",
    }
    montreux = props[0]
    assert montreux["active"] is False  # Monday noon: outside the weekend evenings
    assert montreux["reference"] == "AMSL" and montreux["upper_m"] == 6259.0
    assert props[1]["active"] is True and props[1]["reference"] == "AGL"
    circle = shapely.geometry.shape(doc["features"][0]["geometry"])
    assert circle.is_valid
    # the circle polygon contains the circle and stays within 1 m of it
    proj = Projection.for_deployment(
        QINGDAO.with_(crs=None, centre_lon=6.913146, centre_lat=46.430758)
    )
    xy = proj.geometry_to_xy(circle)
    r = shapely.distance(shapely.Point(0, 0), shapely.get_exterior_ring(xy))
    assert 3000.0 - 1e-6 <= r <= 3001.0
    assert json.loads(json.dumps(doc, allow_nan=False)) == doc


def test_geojson_export_reimports_with_limits(interop):
    zones = load_zones(interop / ED269_FEATURES)
    again = load_zones(zones_to_geojson(zones, at=datetime(2022, 6, 20, tzinfo=UTC)))
    assert [z.identifier for z in again] == list(dict.fromkeys(z.identifier for z in zones))
    reich = by_id(again)["Flugplatz Reichenbach"]
    assert [(v.lower_m, v.upper_m) for v in reich.volumes] == [
        (0.0, 120.0),
        (50.0, 120.0),
        (100.0, 120.0),
    ]


def test_every_interop_zone_file_imports(interop):
    for name in ZONE_SAMPLES + BLUESKY_SAMPLES:
        assert load_zones(interop / name), name


def test_demo_airspace_loads_and_projects_in_epsg_4549():
    zf = read_zone_file(QINGDAO_ZONES_PATH)
    assert zf.format == "ED-269 (UASZoneList)" and zf.warnings == []
    doc = json.loads(QINGDAO_ZONES_PATH.read_text(encoding="utf-8"))
    assert "ILLUSTRATIVE, NOT OFFICIAL DATA" in doc["description"]
    assert all("ILLUSTRATIVE, NOT OFFICIAL DATA" in z["message"] for z in doc["UASZoneList"])
    zones = by_id(zf.zones)
    ctr = zones["ZSQD-CTR"]
    assert ctr.restriction is Restriction.PROHIBITED and len(ctr.volumes) >= 3
    assert len({v.lower_m for v in ctr.volumes}) >= 3  # stepped wedding cake
    assert {z.restriction for z in zf.zones} >= {
        Restriction.PROHIBITED,
        Restriction.REQ_AUTHORISATION,
        Restriction.CONDITIONAL,
    }
    proj = Projection.for_deployment(QINGDAO)
    assert proj.crs.to_epsg() == 4549
    for z in zf.zones:
        w, s, e, n = z.bounds_lonlat()
        assert 118.5 < w < e < 121.5 and 35.0 < s < n < 37.0
        for v in z.volumes:
            xy = proj.geometry_to_xy(v.polygon)
            assert xy.is_valid and xy.area > 1e5  # square metres
    airport = shapely.Point(
        proj.to_xy([120.088], [36.362])[0][0], proj.to_xy([120.088], [36.362])[1][0]
    )
    assert proj.geometry_to_xy(ctr.volumes[0].polygon).contains(airport)


def test_demo_sailing_restriction_follows_local_schedule():
    osc = by_id(load_zones(QINGDAO_ZONES_PATH))["QD-OSC-EVENTS"]
    tz = QINGDAO.tz
    assert not osc.is_permanent
    assert is_active(osc, datetime(2026, 12, 5, 10, tzinfo=tz), tz)  # Saturday 10:00 local
    assert not is_active(osc, datetime(2026, 12, 5, 8, tzinfo=tz), tz)  # Saturday 08:00 local
    assert is_active(osc, datetime(2026, 12, 5, 2, tzinfo=UTC), tz)  # 10:00 local
    assert not is_active(
        osc, datetime(2026, 12, 5, 10, tzinfo=UTC), tz
    )  # 18:00 local: times are local, not UTC
    assert is_active(osc, datetime(2026, 12, 1, 14, tzinfo=tz), tz)  # Tuesday training afternoon
    assert not is_active(osc, datetime(2027, 6, 5, 10, tzinfo=tz), tz)  # outside the season


def test_demo_round_trips():
    zones = load_zones(QINGDAO_ZONES_PATH)
    assert load_zones(zones_to_ed318(zones)) == zones
    assert load_zones(zones_to_ed269(zones)) == zones


@settings(max_examples=15, deadline=None)
@given(
    st.floats(118.6, 121.4),
    st.floats(35.0, 37.5),
    st.floats(1.0, 50_000.0),
)
def test_circle_polygon_contains_the_circle_within_one_metre(lon, lat, radius_m):
    poly = Circle(lon, lat, radius_m).to_polygon()
    proj = Projection.for_deployment(QINGDAO.with_(crs=None, centre_lon=lon, centre_lat=lat))
    ring = shapely.get_exterior_ring(proj.geometry_to_xy(poly))
    centre = shapely.Point(0.0, 0.0)
    assert shapely.distance(centre, ring) >= radius_m - 1e-6  # contains the circle
    assert shapely.hausdorff_distance(ring, centre) <= radius_m + 1.0  # and stays within 1 m
