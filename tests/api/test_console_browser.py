"""The web console in a real browser: Playwright drives Debian's Chromium against a real
uvicorn server (demo mode, temporary SQLite store). A regulator signs in, sees the Qingdao demo
zones, approves a pending request with a comment, draws a temporary restriction, previews the
flights it affects and publishes it; the language switches between zh-CN and en; an operator
sees only their own flights and files one by drawing a route. Screenshots are saved to
``test-artifacts/console/``."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.process import free_port, spawn_server, wait_ready

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's Chromium is missing at /usr/bin/chromium (apt-get install -y chromium; "
        ".ci/run does it): the console browser tests need it",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)

# A hop across Qingdao's Dagang harbour (a REQ_AUTHORISATION demo zone): goes to review.
THROUGH_DAGANG = [
    [120.280, 36.089, 0],
    [120.280, 36.089, 60],
    [120.325, 36.089, 60],
    [120.325, 36.089, 0],
]
# A hop over Taidong, clear of every demo zone: approved at once.
OVER_TAIDONG = [
    [120.360, 36.100, 0],
    [120.360, 36.100, 60],
    [120.400, 36.100, 60],
    [120.400, 36.100, 0],
]
# Another operator's flight, away from both.
OTHER_OPERATOR = [
    [120.420, 36.150, 0],
    [120.420, 36.150, 50],
    [120.450, 36.150, 50],
    [120.450, 36.150, 0],
]


class Console:
    """The server under test: its base URL and demo keys, and helpers over its API."""

    def __init__(self, base: str, keys: dict[str, str]):
        self.base = base
        self.keys = keys
        self.http = httpx.Client(base_url=base, timeout=30)

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def now_s(self) -> float:
        return self.http.get("/v1/health").json()["now_s"]

    def fly(self, who: str, drone: str, flight: str, waypoints: list[list[float]]) -> dict:
        now = self.now_s()
        r = self.http.post(
            "/v1/flights",
            headers=self.h(who),
            json={
                "flight": flight,
                "drone": drone,
                "departure": {"earliest": now + 600.0, "latest": now + 2400.0},
                "speed_mps": 12.0,
                "route": {"waypoints": waypoints},
            },
        )
        assert r.status_code == 201, r.text
        return r.json()

    def flight(self, flight: str) -> dict:
        r = self.http.get(f"/v1/flights/{flight}", headers=self.h("regulator"))
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    """``qingkong serve --demo`` on a random loopback port over a fresh SQLite store, with a
    pending flight (Dagang harbour) and an accepted one (Taidong) of the demo operator and an
    accepted flight of a second operator. One server per test: what one test changes (reviews,
    zones) never reaches another, so they pass in any order and alone."""
    tmp = tmp_path_factory.mktemp("console")
    port = free_port()
    log = tmp / "server.log"
    # This walk-through runs without the workflow (flights filed for today, a restriction
    # effective at once); tests/api/test_console_forms_browser.py files an application and an
    # emergency restriction under it, test_console_workflow_browser.py shows review deadlines.
    before = os.environ.get("QINGKONG_WORKFLOW")
    os.environ["QINGKONG_WORKFLOW"] = "none"
    try:
        proc = spawn_server(f"sqlite:///{tmp / 'console.sqlite'}", port, log, demo=True)
    finally:
        if before is None:
            os.environ.pop("QINGKONG_WORKFLOW", None)
        else:
            os.environ["QINGKONG_WORKFLOW"] = before
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, log)
        keys = dict(re.findall(r"demo (\w+) key: (\S+)", log.read_text()))
        assert {"operator", "regulator", "admin"} <= set(keys), log.read_text()
        c = Console(base, keys)
        r = c.http.post("/v1/operators", headers=c.h("admin"), json={"id": "OP-OTHER"})
        assert r.status_code == 201, r.text
        r = c.http.post(
            "/v1/users",
            headers=c.h("admin"),
            json={"role": "operator", "operator_id": "OP-OTHER", "name": "another operator"},
        )
        assert r.status_code == 201, r.text
        c.keys["other"] = r.json()["key"]
        for who, drone in (("operator", "DR-DEMO-1"), ("other", "DR-OTHER-1")):
            r = c.http.post(
                "/v1/drones",
                headers=c.h(who),
                json={
                    "id": drone,
                    "serial": f"SN-{drone}",
                    "empty_weight_kg": 0.9,
                    "max_takeoff_weight_kg": 1.5,
                    "max_speed_mps": 20.0,
                    "capabilities": ["remote_id", "geofencing", "manual_takeover"],
                },
            )
            assert r.status_code == 201, r.text
        assert c.fly("operator", "DR-DEMO-1", "F-HARBOUR", THROUGH_DAGANG)["status"] == "pending"
        f = c.fly("operator", "DR-DEMO-1", "F-TAIDONG", OVER_TAIDONG)
        assert f["status"] == "approved", f["reasons"]
        assert c.fly("other", "DR-OTHER-1", "F-OTHER", OTHER_OPERATOR)["status"] == "approved"
        yield c
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _page(browser, console: Console):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{console.base}/console/")
    page.wait_for_selector("body[data-boot='1']")
    return page, errors


def _sign_in(page, key: str) -> None:
    page.fill("#signin-key", key)
    page.click("#signin-submit")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # let Leaflet finish its redraw
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def _click_lonlat(page, lon: float, lat: float) -> None:
    """Click the map where (lon, lat) is drawn."""
    x, y = page.evaluate(
        "([lon, lat]) => { const p = qk.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lon, lat],
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def _show_day_of(page, departure_time: str) -> None:
    """Put the console on the local day a flight departs (near midnight it may be tomorrow)."""
    day = datetime.fromisoformat(departure_time).astimezone(SHANGHAI).date().isoformat()
    if page.get_attribute("body", "data-day") != day:
        page.fill("#day", day)
        page.wait_for_selector(f"body[data-day='{day}']")


def _local_input(dt: datetime) -> str:
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def test_regulator_reviews_and_restricts_in_the_browser(console: Console, browser) -> None:
    page, errors = _page(browser, console)

    # The deployment says zh-CN: the sign-in form is Chinese before anyone signs in.
    assert page.inner_text("#signin h2") == "登录"
    _shot(page, "01-signin-zh")
    page.fill("#signin-key", "qk_not-a-real-key")
    page.click("#signin-submit")
    page.wait_for_selector("#signin-error:has-text('密钥无效')")
    _sign_in(page, console.keys["regulator"])
    _show_day_of(page, console.flight("F-HARBOUR")["departure_time"])

    # Every demo zone volume is on the map (one SVG path per volume), with the corridors.
    n_volumes = len(
        console.http.get("/v1/zones/export", headers=console.h("regulator")).json()["features"]
    )
    assert page.get_attribute("body", "data-zones") == str(n_volumes)
    assert page.locator(".leaflet-zones-pane path").count() == n_volumes
    assert page.locator(".leaflet-corridors-pane path").count() > 100
    assert int(page.get_attribute("body", "data-flights")) == 3  # regulators see everyone's
    assert "监管员" in page.inner_text("#who")
    # A zone's popup states its limits and schedule in the deployment's language.
    page.evaluate(
        "() => qk.zoneLayers.find(l => l.feature.properties.id === 'QD-OSC-EVENTS').openPopup()"
    )
    popup = page.inner_text(".leaflet-popup-content")
    assert "奥帆中心" in popup and "300 米" in popup and "周六、周日 09:00–17:00" in popup
    _shot(page, "02-zone-popup-zh")
    page.evaluate("() => qk.map.closePopup()")
    _shot(page, "02-map-zh")

    # The time slider plays the day: the clock and the slider move, the zones restyle.
    # Start at noon: from "now" near local midnight, playing would wrap to the day's start.
    page.eval_on_selector(
        "#slider", "el => { el.value = '43200'; el.dispatchEvent(new Event('input')); }"
    )
    before = (page.input_value("#slider"), page.inner_text("#clock"))
    assert before[0] == "43200" and "12:00" in before[1]
    page.click("#play")
    assert page.inner_text("#play") == "暂停"
    page.wait_for_timeout(700)
    page.click("#play")
    assert int(page.input_value("#slider")) > int(before[0])
    assert page.inner_text("#clock") != before[1]

    # The review queue shows why F-HARBOUR is pending; approve it with a comment.
    page.click("#tab-reviews")
    card = page.locator("#review-list li[data-flight='F-HARBOUR']")
    card.wait_for()
    assert "需审批区 QD-PORT-DAGANG" in card.inner_text()
    card.locator(".title").click()
    assert page.get_attribute("body", "data-selected") == "F-HARBOUR"
    card.locator("textarea").fill("港区作业已协调 / harbour master informed")
    _shot(page, "03-review-zh")
    card.locator("button[data-approve='F-HARBOUR']").click()
    page.wait_for_selector("#toast:has-text('F-HARBOUR')")
    page.wait_for_selector("#review-list li:has-text('没有待审批的申请')")
    approved = console.flight("F-HARBOUR")
    assert approved["state"] == "accepted"
    assert approved["review_comment"] == "港区作业已协调 / harbour master informed"

    # Draw a restriction over the Taidong flight, preview, then publish it.
    page.click("#tab-restrict")
    page.click("#draw-polygon")
    page.evaluate("() => qk.map.setView([36.10, 120.38], 14)")
    page.wait_for_timeout(300)
    for lon, lat in ((120.372, 36.095), (120.388, 36.095), (120.388, 36.105), (120.372, 36.105)):
        _click_lonlat(page, lon, lat)
    page.click("#draw-finish")
    assert "4" in page.inner_text("#draw-status")
    page.fill("#r-id", "TFR-CONSOLE-TEST")
    page.fill("#r-name", "临时管制 browser test")
    now = datetime.now(SHANGHAI)
    page.fill("#r-start", _local_input(now - timedelta(minutes=1)))
    page.fill("#r-end", _local_input(now + timedelta(hours=3)))
    page.click("#restrict-preview")
    page.wait_for_selector("#preview-summary")
    assert page.get_attribute("body", "data-preview") == "1"
    assert page.locator("#preview-list li[data-flight='F-TAIDONG']").count() == 1
    assert (
        console.http.get("/v1/zones/TFR-CONSOLE-TEST", headers=console.h("regulator")).status_code
        == 404
    )
    _shot(page, "04-restriction-preview-zh")
    page.click("#restrict-confirm")
    page.wait_for_selector("body[data-published='TFR-CONSOLE-TEST']")
    page.wait_for_selector("#change-list li[data-flight='F-TAIDONG']")
    zone = console.http.get("/v1/zones/TFR-CONSOLE-TEST", headers=console.h("regulator"))
    assert zone.status_code == 200 and zone.json()["restriction"] == "PROHIBITED"
    after = console.flight("F-TAIDONG")
    assert after["state"] == "revoked" or after["departure"] > console.now_s() + 3 * 3600 - 120
    page.wait_for_function(
        "n => document.querySelectorAll('.leaflet-zones-pane path').length === n", arg=n_volumes + 1
    )
    _shot(page, "05-restriction-published-zh")

    # Another day on the slider: no flights then; back to the flights' day.
    flights_day = page.get_attribute("body", "data-day")
    week_later = (datetime.fromisoformat(flights_day) + timedelta(days=7)).date().isoformat()
    page.fill("#day", week_later)
    page.wait_for_selector(f"body[data-day='{week_later}']")
    assert page.get_attribute("body", "data-flights") == "0"
    page.fill("#day", flights_day)
    page.wait_for_selector(f"body[data-day='{flights_day}']")
    live = 2 if after["state"] == "revoked" else 3
    assert page.get_attribute("body", "data-flights") == str(live)

    # Switch to English: every label follows, times stay in Asia/Shanghai.
    page.click("#lang-switch")
    page.wait_for_selector("body[data-lang='en']")
    assert page.inner_text("#tab-reviews") == "Reviews"
    assert page.inner_text("#tzlabel") == "Time zone: Asia/Shanghai"
    assert "Regulator" in page.inner_text("#who")
    page.click("#tab-map")
    _shot(page, "06-map-en")
    page.click("#lang-switch")
    page.wait_for_selector("body[data-lang='zh-CN']")
    assert page.inner_text("#tab-reviews") == "待审批"
    assert errors == []


def test_operator_sees_own_flights_and_files_one_by_drawing(console: Console, browser) -> None:
    page, errors = _page(browser, console)
    _sign_in(page, console.keys["operator"])
    _show_day_of(page, console.flight("F-HARBOUR")["departure_time"])
    assert "运营人" in page.inner_text("#who")
    # The review queue and restriction tools are the regulators'.
    assert page.locator("#tab-reviews").count() == 0
    assert page.locator("#tab-restrict").count() == 0
    page.click("#tab-flights")
    listed = {
        li.get_attribute("data-flight") for li in page.locator("#flight-list li[data-flight]").all()
    }
    assert "F-OTHER" not in listed and "F-HARBOUR" in listed

    page.click("#tab-file")
    # Mistakes are told in the console's language, with the service's detail naming the field.
    page.click("#file-submit")
    page.wait_for_selector("#toast.error:has-text('请先在地图上绘制区域')")
    page.click("#register summary")
    page.fill("#d-id", "DR-DEMO-1")
    page.fill("#d-serial", "SN-ANOTHER-ONE")
    page.click("#register-form button[type=submit]")
    page.wait_for_selector("#toast.error:has-text('该无人机编号已被使用')")
    assert "id" in page.inner_text("#toast")

    page.select_option("#f-drone", "DR-DEMO-1")
    page.click("#draw-route")
    page.evaluate("() => qk.map.setView([36.13, 120.40], 14)")
    page.wait_for_timeout(300)
    _click_lonlat(page, 120.392, 36.130)
    _click_lonlat(page, 120.410, 36.134)
    page.click("#fdraw-finish")
    page.fill("#f-alt", "80")
    page.click("#file-submit")
    page.wait_for_selector("#decision")
    assert page.get_attribute("body", "data-decision") == "approved"
    assert "批准" in page.inner_text("#decision")
    assert "分配起飞时间" in page.inner_text("#file-result")
    _shot(page, "07-operator-decision-zh")
    mine = console.http.get("/v1/flights", headers=console.h("operator")).json()["items"]
    filed = [f for f in mine if f["flight"] not in ("F-HARBOUR", "F-TAIDONG")]
    assert len(filed) == 1 and filed[0]["state"] == "accepted"
    assert max(row[2] for row in filed[0]["trajectory"]) == pytest.approx(80.0)
    _show_day_of(page, filed[0]["departure_time"])
    page.wait_for_selector(f"#flight-list li[data-flight='{filed[0]['flight']}']", state="attached")

    # A regulator approves F-HARBOUR (here over the API: this test does not rely on the
    # regulator's test having run first); the operator sees it as a notification with the comment.
    r = console.http.post(
        "/v1/reviews/F-HARBOUR",
        json={"approve": True, "comment": "harbour master informed"},
        headers=console.h("regulator"),
    )
    assert r.status_code == 200, r.text
    page.click("#tab-notifications")
    page.wait_for_selector("#notif-list li[data-flight='F-HARBOUR']:has-text('已批准')")
    assert "harbour master informed" in page.inner_text("#notif-list")
    _shot(page, "08-operator-notifications-zh")
    assert errors == []
