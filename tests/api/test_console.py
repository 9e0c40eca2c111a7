"""The console without a browser: the static files are served at ``/console``, every string
exists in zh-CN and en, and the map-data endpoints (``/v1/map/...``) give what the console
draws: zones with schedules and active intervals, corridors, visible flights, and a dry run of
a restriction that names exactly the flights it would affect."""

from __future__ import annotations

import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import shapely
from shapely.geometry import shape

from airspace.schedule import WEEKDAYS
from airspace.workflow import workflow_for
from airspace.zones import Restriction
from api.airspace_state import LIVE_STATES
from api.routes.console import CONSOLE_DIR
from planner.requests import ReasonCode
from tests.api.conftest import make_service

I18N = json.loads((CONSOLE_DIR / "i18n.json").read_text(encoding="utf-8"))
INDEX = (CONSOLE_DIR / "index.html").read_text(encoding="utf-8")
APP_JS = (CONSOLE_DIR / "app.js").read_text(encoding="utf-8")
SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKFLOWS = (workflow_for("cn"), workflow_for("eu"))

# Clear of every demo zone; the second one runs parallel 2 km further north.
TAIDONG = [[120.36, 36.10, 0.0], [120.36, 36.10, 60.0], [120.40, 36.10, 60.0], [120.40, 36.10, 0.0]]
LICANG = [[120.36, 36.12, 0.0], [120.36, 36.12, 60.0], [120.40, 36.12, 60.0], [120.40, 36.12, 0.0]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    svc = make_service(
        f"sqlite:///{tmp_path_factory.mktemp('console') / 'qingkong.sqlite'}", demo=True
    )
    svc.drone("a", "DR-A", empty_weight_kg=0.9)
    svc.drone("b", "DR-B", empty_weight_kg=0.9)
    ra = svc.fly("a", "DR-A", TAIDONG, flight="F-A")
    rb = svc.fly("b", "DR-B", LICANG, flight="F-B")
    assert ra.status_code == 201 and ra.json()["status"] == "approved", ra.text
    assert rb.status_code == 201 and rb.json()["status"] == "approved", rb.text
    yield svc
    svc.client.close()
    svc.app.state.store.dispose()


# -- static files ------------------------------------------------------------------------------
def test_console_is_served_with_its_assets(demo) -> None:
    c = demo.client
    r = c.get("/console", follow_redirects=False)
    assert r.status_code in (301, 302, 307, 308) and r.headers["location"] == "/console/"
    page = c.get("/console/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script src="app.js">' in page.text
    for path, kind in (
        ("app.js", "javascript"),
        ("console.css", "text/css"),
        ("i18n.json", "json"),
        ("vendor/leaflet/leaflet.js", "javascript"),
        ("vendor/leaflet/leaflet.css", "text/css"),
        ("data/qingdao_outline.geojson", ""),
    ):
        r = c.get(f"/console/{path}")
        assert r.status_code == 200, path
        assert kind in r.headers["content-type"], (path, r.headers["content-type"])
    assert c.get("/console/nothing-here.js").status_code == 404


def test_console_loads_nothing_from_the_internet() -> None:
    for text in (INDEX, APP_JS, (CONSOLE_DIR / "console.css").read_text()):
        assert not re.search(r"(src|href)=\"(https?:)?//", text)
        assert "tile.openstreetmap" not in text and "unpkg.com" not in text
    assert (CONSOLE_DIR / "vendor" / "leaflet" / "LICENSE").is_file()


def test_bundled_outline_is_a_valid_polygon_marked_illustrative() -> None:
    doc = json.loads((CONSOLE_DIR / "data" / "qingdao_outline.geojson").read_text("utf-8"))
    assert "ILLUSTRATIVE" in doc["description"]
    land = shape(doc["features"][0]["geometry"])
    assert land.is_valid and land.geom_type == "Polygon"
    # Shinan's waterfront (May Fourth Square) is on land, Jiaozhou Bay is water.
    assert land.contains(shapely.Point(120.384, 36.062))
    assert not land.contains(shapely.Point(120.25, 36.15))


# -- translations ------------------------------------------------------------------------------
def _placeholders(s: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", s))


def test_every_string_exists_in_both_languages_with_the_same_placeholders() -> None:
    assert set(I18N) == {"zh-CN", "en"}
    zh, en = I18N["zh-CN"], I18N["en"]
    assert set(zh) == set(en)
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert _placeholders(zh[key]) == _placeholders(en[key]), key
    # The Chinese table really is Chinese (bar codes and pure placeholders).
    chinese = [k for k, v in zh.items() if re.search(r"[\u4e00-\u9fff]", v)]
    assert len(chinese) >= len(zh) - 3


def test_every_key_the_page_and_script_use_is_translated() -> None:
    keys = set(I18N["en"])
    used = set(re.findall(r'data-i18n(?:-placeholder)?="([^"]+)"', INDEX))
    used |= set(re.findall(r"\bt\('([\w.]+)'", APP_JS))
    used |= set(re.findall(r"\btOr\('[\w.]*',\s*'([\w.]+)'", APP_JS))
    assert used, "no keys found: the pattern no longer matches the sources"
    prefixes = {k for k in used if k.endswith(".")}  # t('state.' + s): checked below
    assert used - prefixes - keys == set()
    # Keys built at run time from codes the service sends.
    dynamic = (
        {f"restriction.{r.value}" for r in Restriction}
        | {f"reason.{c.value}" for c in ReasonCode}
        | {f"state.{s}" for s in LIVE_STATES + ("ended", "cancelled", "revoked", "rejected")}
        | {f"status.{s}" for s in ("approved", "pending", "rejected")}
        | {f"day.{d}" for d in WEEKDAYS}
        | {f"change.{k}" for k in ("replanned", "revoked", "approved")}
        | {f"role.{r}" for r in ("operator", "regulator", "admin")}
        | {f"tab.{t}" for t in re.findall(r'data-tab="(\w+)"', INDEX)}
        # the workflow's fields in the filing form (GET /v1/workflow)
        | {f"task.{t}" for wf in WORKFLOWS for t in wf.tasks}
        | {f"op.{o}" for wf in WORKFLOWS for o in wf.triggers}
        | {f"app.{i}" for wf in WORKFLOWS for i in wf.application_items}
    )
    assert dynamic - keys == set()
    # notif.*, reason.* and apierror.* fall back to a generic string for codes not listed.
    assert prefixes <= {k.split(".")[0] + "." for k in dynamic} | {"notif.", "reason.", "apierror."}
    common = {"unauthorized", "forbidden", "not_found", "invalid_request", "invalid_zone"}
    assert {f"apierror.{c}" for c in common} <= keys


# -- map data ----------------------------------------------------------------------------------
def test_config_names_language_time_zone_and_clock_without_a_key(demo) -> None:
    cfg = demo.client.get("/v1/map/config").json()
    assert cfg["locale"] == "zh-CN" and set(cfg["locales"]) == {"zh-CN", "en"}
    assert cfg["timezone"] == "Asia/Shanghai"
    health_epoch = demo.client.get("/v1/health").json()["epoch"].replace("Z", "+00:00")
    assert datetime.fromisoformat(cfg["epoch"]) == datetime.fromisoformat(health_epoch)
    assert abs(cfg["now_s"] - demo.now_s()) < 5


def test_map_zones_need_a_key(demo) -> None:
    assert demo.client.get("/v1/map/zones").status_code == 401
    assert demo.client.get("/v1/map/flights").status_code == 401


def test_map_zones_carry_limits_schedule_and_active_intervals(demo) -> None:
    # Saturday 2026-12-05 in Qingdao: the sailing-centre restriction runs 09:00-17:00 local.
    t0 = datetime(2026, 12, 5, tzinfo=SHANGHAI)
    r = demo.client.get(
        "/v1/map/zones",
        params={"start": t0.isoformat(), "end": datetime(2026, 12, 6, tzinfo=SHANGHAI).isoformat()},
        headers=demo.h("a"),
    )
    assert r.status_code == 200, r.text
    fc = r.json()
    ids = {f["properties"]["id"] for f in fc["features"]}
    assert {"ZSQD-CTR", "QD-PORT-DAGANG", "QD-OSC-EVENTS", "QD-MAY4-SQ"} <= ids
    osc = next(f["properties"] for f in fc["features"] if f["properties"]["id"] == "QD-OSC-EVENTS")
    assert (osc["lower_m"], osc["upper_m"], osc["restriction"]) == (0.0, 300.0, "PROHIBITED")
    assert osc["schedule"][0]["periods"][0] == {
        "days": ["SAT", "SUN"],
        "start": "09:00",
        "end": "17:00",
        "utc": False,
    }
    start_s = fc["window_s"][0]
    assert [[a - start_s, b - start_s] for a, b in osc["active_s"]] == [[9 * 3600.0, 17 * 3600.0]]
    port = next(
        f["properties"] for f in fc["features"] if f["properties"]["id"] == "QD-PORT-DAGANG"
    )
    assert port["active_s"] == [fc["window_s"]]  # permanent


def test_bad_window_is_named(demo) -> None:
    r = demo.client.get("/v1/map/zones", params={"start": "yesterday"}, headers=demo.h("a"))
    assert r.status_code == 422 and "start" in r.text
    r = demo.client.get("/v1/map/zones", params={"start": "100", "end": "50"}, headers=demo.h("a"))
    assert r.status_code == 422 and "end" in r.text
    for start in ("nan", "1e308", "9999-01-01T00:00:00Z"):
        r = demo.client.get("/v1/map/flights", params={"start": start}, headers=demo.h("a"))
        assert r.status_code == 422 and "start" in r.text, start


def test_corridors_are_lines_and_vertiports_points(demo) -> None:
    fc = demo.client.get("/v1/map/corridors", headers=demo.h("a")).json()
    kinds = {f["geometry"]["type"] for f in fc["features"]}
    assert kinds == {"LineString", "Point"}
    line = next(f for f in fc["features"] if f["geometry"]["type"] == "LineString")
    assert line["properties"]["lower_m"] < line["properties"]["upper_m"]


def test_operators_see_only_their_flights_regulators_all(demo) -> None:
    now = demo.now_s()
    window = {"start": now - 3600, "end": now + 86400}

    def flights(who: str) -> set[str]:
        fc = demo.client.get("/v1/map/flights", params=window, headers=demo.h(who)).json()
        return {f["properties"]["flight"] for f in fc["features"]}

    assert flights("a") == {"F-A"}
    assert flights("b") == {"F-B"}
    assert {"F-A", "F-B"} <= flights("regulator")
    fc = demo.client.get("/v1/map/flights", params=window, headers=demo.h("a")).json()
    f = fc["features"][0]
    rows = f["properties"]["trajectory"]
    assert f["geometry"]["type"] == "LineString"
    assert f["geometry"]["coordinates"] == [[r[0], r[1]] for r in rows]
    assert max(r[2] for r in rows) == 60.0


def _box(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_zone_preview_names_exactly_the_crossed_flights_and_stores_nothing(demo) -> None:
    now = demo.now_s()
    body = {
        "id": "TFR-PREVIEW",
        "restriction": "PROHIBITED",
        "geometry": _box(120.375, 36.095, 120.385, 36.105),  # across F-A only
        "lower_m": 0,
        "upper_m": 300,
        "schedule": [{"start": now, "end": now + 6 * 3600}],
    }
    r = demo.client.post("/v1/map/zone-preview", json=body, headers=demo.h("regulator"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert [a["flight"] for a in out["affected"]] == ["F-A"] and out["exists"] is False
    (a,) = out["affected"]
    assert a["intervals_s"] and all(lo <= hi for lo, hi in a["intervals_s"])
    assert demo.client.get("/v1/zones/TFR-PREVIEW", headers=demo.h("regulator")).status_code == 404

    # Above the flights' 60 m cruise, or after they land, nothing is affected.
    high = body | {"lower_m": 80}
    later = body | {"schedule": [{"start": now + 5 * 3600, "end": now + 6 * 3600}]}
    for variant in (high, later):
        r = demo.client.post("/v1/map/zone-preview", json=variant, headers=demo.h("regulator"))
        assert r.json()["affected"] == []

    circle = body | {"geometry": {"type": "Circle", "center": [120.38, 36.12], "radius_m": 300}}
    r = demo.client.post("/v1/map/zone-preview", json=circle, headers=demo.h("regulator"))
    assert [x["flight"] for x in r.json()["affected"]] == ["F-B"]


def test_zone_preview_is_for_regulators_and_names_bad_fields(demo) -> None:
    body = {
        "id": "TFR-X",
        "restriction": "PROHIBITED",
        "geometry": _box(120.3, 36.1, 120.31, 36.11),
    }
    assert (
        demo.client.post("/v1/map/zone-preview", json=body, headers=demo.h("a")).status_code == 403
    )
    bad = body | {"geometry": {"type": "Circle", "center": [120.3, 36.1]}}
    r = demo.client.post("/v1/map/zone-preview", json=bad, headers=demo.h("regulator"))
    assert r.status_code == 422 and "radius" in r.text


def test_area_operations_are_polygons_and_previewed_by_volume(demo) -> None:
    now = demo.now_s()
    area = _box(120.45, 36.20, 120.46, 36.21)
    r = demo.client.post(
        "/v1/flights",
        headers=demo.h("b"),
        json={
            "flight": "F-SURVEY",
            "drone": "DR-B",
            "departure": {"earliest": now + 600, "latest": now + 1200},
            "route": {"area": area, "lower_m": 0, "upper_m": 50, "duration_s": 900},
        },
    )
    assert r.status_code == 201 and r.json()["status"] == "approved", r.text
    fc = demo.client.get(
        "/v1/map/flights", params={"start": now, "end": now + 7200}, headers=demo.h("b")
    ).json()
    survey = next(f for f in fc["features"] if f["properties"]["flight"] == "F-SURVEY")
    assert survey["geometry"]["type"] == "Polygon"
    assert (survey["properties"]["lower_m"], survey["properties"]["upper_m"]) == (0, 50)
    body = {
        "id": "TFR-SURVEY",
        "restriction": "PROHIBITED",
        "geometry": {"type": "Circle", "center": [120.455, 36.205], "radius_m": 200},
        "lower_m": 40,
        "upper_m": 300,
        "schedule": [{"start": now, "end": now + 7200}],
    }
    r = demo.client.post("/v1/map/zone-preview", json=body, headers=demo.h("regulator"))
    assert [a["flight"] for a in r.json()["affected"]] == ["F-SURVEY"]
    r = demo.client.post(
        "/v1/map/zone-preview", json=body | {"lower_m": 51}, headers=demo.h("regulator")
    )
    assert r.json()["affected"] == []
