"""The console's filing and restriction forms under China's workflow, in a real browser: an
operator files a flight that needs an application (an operation named by Art. 31, the Art. 27
contents typed into the form; a missing item is named), a regulator sees it in the review queue
with its deadline, and publishes an emergency restriction 40 minutes ahead (refused without a
reason, published with one). Labels in zh-CN and English. Screenshots go to
``test-artifacts/console/``."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from airspace.workflow import CN_APPLICATION_ITEMS
from tests.api.test_console_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    SHANGHAI,
    _click_lonlat,
    _local_input,
    sync_api,
)
from tests.api.test_console_workflow_browser import register_documented_drone
from tests.process import free_port, spawn_server, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """``qingkong serve --demo`` (workflow ``cn``) with a light drone and valid documents."""
    tmp = tmp_path_factory.mktemp("console-forms")
    port = free_port()
    log = tmp / "server.log"
    proc = spawn_server(f"sqlite:///{tmp / 'console.sqlite'}", port, log, demo=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, log)
        keys = dict(re.findall(r"demo (\w+) key: (\S+)", log.read_text()))
        # the demo's ground is the shipped terrain, and start-up says it is illustrative
        assert (
            "ground: ILLUSTRATIVE terrain qingdao-terrain-illustrative.tif (highest 1132 m)"
            in log.read_text()
        )
        op = {"Authorization": f"Bearer {keys['operator']}"}
        register_documented_drone(base, op, "DR-L1", empty_kg=0.9, mtow_kg=1.5, speed_mps=20.0)
        yield base, keys
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def page_of(server) -> Iterator:
    base, keys = server
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:

            def open_as(who: str):
                ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                page = ctx.new_page()
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(f"{base}/console/")
                page.wait_for_selector("body[data-boot='1']")
                page.fill("#signin-key", keys[who])
                page.click("#signin-submit")
                page.wait_for_selector("body[data-ready='1']", timeout=30_000)
                return page

            yield open_as
        finally:
            browser.close()
    assert errors == []


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_an_operator_files_an_application_through_the_form(server, page_of) -> None:
    base, keys = server
    page = page_of("operator")
    assert page.get_attribute("body", "data-terrain") == "illustrative"
    page.click("#tab-file")
    page.wait_for_selector("#f-ops input#f-op-over_crowds", state="attached")
    # zh-CN labels for the workflow's fields
    assert page.inner_text("#f-ops legend") == "需要申请的飞行情形（第三十一条）"
    assert "飞越人群聚集区" in page.inner_text("#f-ops")
    assert page.locator("#f-task option[value='medical_rescue']").inner_text() == "医疗救护"

    page.select_option("#f-drone", "DR-L1")
    page.click("#draw-route")
    page.evaluate("() => qk.map.setView([36.13, 120.40], 14)")
    page.wait_for_timeout(300)
    _click_lonlat(page, 120.392, 36.130)
    _click_lonlat(page, 120.410, 36.134)
    page.click("#fdraw-finish")
    day = datetime.now(SHANGHAI).date() + timedelta(days=2)
    dep = datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)
    page.fill("#f-earliest", _local_input(dep))
    page.fill("#f-latest", _local_input(dep + timedelta(minutes=30)))
    page.check("#f-op-over_crowds")
    page.click("#f-application summary")
    for item in CN_APPLICATION_ITEMS:
        if item != "special_needs":
            page.fill(f"#f-app-{item}", f"{item} (browser test)")

    # One Art. 27 item left out: the answer names it.
    page.click("#file-submit")
    page.wait_for_selector("#toast.error")
    assert "special_needs" in page.inner_text("#toast")

    page.fill("#f-app-special_needs", "none")
    page.click("#file-submit")
    page.wait_for_selector("#decision")
    assert page.get_attribute("body", "data-decision") == "pending"
    assert "待审批" in page.inner_text("#decision")
    _shot(page, "09-application-filed-zh")

    op = {"Authorization": f"Bearer {keys['operator']}"}
    mine = httpx.get(f"{base}/v1/flights", headers=op).json()["items"]
    (filed,) = [f for f in mine if f["status"] == "pending"]
    # The regulator's review queue has it, with its decision deadline (21:00 the day before).
    reg = {"Authorization": f"Bearer {keys['regulator']}"}
    items = httpx.get(f"{base}/v1/reviews", headers=reg).json()["items"]
    (item,) = [i for i in items if i["flight"] == filed["flight"]]
    assert datetime.fromisoformat(item["decide_by"]).hour == 21
    regulator = page_of("regulator")
    regulator.click("#tab-reviews")
    card = regulator.locator(f"#review-list li[data-flight='{filed['flight']}']")
    card.wait_for()
    assert "21:00" in card.locator(".deadline").inner_text()

    # English labels follow the language switch.
    page.click("#lang-switch")
    page.wait_for_selector("body[data-lang='en']")
    assert page.inner_text("#f-ops legend") == "Operations that need an application (Art. 31)"
    assert page.inner_text("#f-application summary") == "Flight-activity application (Art. 27)"
    assert "Over crowds" in page.inner_text("#f-ops")
    _shot(page, "10-application-form-en")


def test_a_regulator_publishes_an_emergency_restriction_from_the_form(server, page_of) -> None:
    base, keys = server
    page = page_of("regulator")
    page.click("#tab-restrict")
    assert "紧急原因" in page.inner_text("#restrict-form")
    page.click("#draw-polygon")
    page.evaluate("() => qk.map.setView([36.10, 120.38], 14)")
    page.wait_for_timeout(300)
    for lon, lat in ((120.372, 36.095), (120.388, 36.095), (120.388, 36.105), (120.372, 36.105)):
        _click_lonlat(page, lon, lat)
    page.click("#draw-finish")
    page.fill("#r-id", "TFR-EMERGENCY")
    now = datetime.now(SHANGHAI)
    page.fill("#r-start", _local_input(now + timedelta(minutes=40)))
    page.fill("#r-end", _local_input(now + timedelta(hours=3)))
    page.click("#restrict-preview")
    page.wait_for_selector("#preview-summary")

    # 40 minutes ahead is too soon for a normal restriction (24 h) ...
    page.click("#restrict-confirm")
    page.wait_for_selector("#toast.error")
    refused = page.inner_text("#toast")
    assert "24 h" in refused and "emergency_reason" in refused, refused
    reg = {"Authorization": f"Bearer {keys['regulator']}"}
    assert httpx.get(f"{base}/v1/zones/TFR-EMERGENCY", headers=reg).status_code == 404

    # ... and enough for an emergency one (30 min), with its reason.
    page.fill("#r-emergency", "山火扑救 / wildfire fighting")
    page.click("#restrict-preview")  # a changed form is previewed again before publishing
    page.wait_for_function("!document.getElementById('restrict-confirm').disabled")
    page.click("#restrict-confirm")
    page.wait_for_selector("body[data-published='TFR-EMERGENCY']")
    zone = httpx.get(f"{base}/v1/zones/TFR-EMERGENCY", headers=reg)
    assert zone.status_code == 200, zone.text
    _shot(page, "11-emergency-restriction-zh")
