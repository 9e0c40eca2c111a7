"""The console's review queue under China's workflow, in a real browser: each pending
application shows the regulator's decision deadline (21:00 the day before, Beijing time), in
zh-CN and in English. Screenshots go to ``test-artifacts/console/``."""

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
    sync_api,
)
from tests.process import free_port, spawn_server, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def register_documented_drone(
    base: str,
    op: dict[str, str],
    drone_id: str,
    *,
    empty_kg: float,
    mtow_kg: float,
    speed_mps: float,
) -> None:
    """Register a drone for the operator behind ``op`` with every registry document it needs
    (operator certificate, insurance, pilot licence, the drone's registration), valid from a
    month ago to a year from now."""
    drone = {
        "id": drone_id,
        "serial": f"SN-{drone_id}",
        "empty_weight_kg": empty_kg,
        "max_takeoff_weight_kg": mtow_kg,
        "max_speed_mps": speed_mps,
        "capabilities": ["remote_id", "geofencing", "manual_takeover"],
    }
    assert httpx.post(f"{base}/v1/drones", json=drone, headers=op).status_code == 201
    now = datetime.now(SHANGHAI)
    for i, doc in enumerate(
        [{"kind": k} for k in ("operator_certificate", "insurance", "pilot_licence")]
        + [{"kind": "drone_registration", "drone": drone_id}]
    ):
        doc |= {
            "number": f"DOC-{i}",
            "valid_from": (now - timedelta(days=30)).isoformat(),
            "valid_until": (now + timedelta(days=365)).isoformat(),
        }
        assert httpx.post(f"{base}/v1/documents", json=doc, headers=op).status_code == 201


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], dict]]:
    """``qingkong serve --demo`` (workflow ``cn``, the Qingdao default) with one pending
    application of a medium drone (its registry documents valid) for the day after tomorrow."""
    tmp = tmp_path_factory.mktemp("console-workflow")
    port = free_port()
    log = tmp / "server.log"
    proc = spawn_server(f"sqlite:///{tmp / 'console.sqlite'}", port, log, demo=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, log)
        keys = dict(re.findall(r"demo (\w+) key: (\S+)", log.read_text()))
        op = {"Authorization": f"Bearer {keys['operator']}"}
        register_documented_drone(base, op, "DR-M1", empty_kg=30.0, mtow_kg=60.0, speed_mps=15.0)
        day = datetime.now(SHANGHAI).date() + timedelta(days=2)
        dep = datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)
        body = {
            "flight": "F-LINE",
            "drone": "DR-M1",
            "departure": {
                "earliest": dep.isoformat(),
                "latest": (dep + timedelta(minutes=30)).isoformat(),
            },
            "speed_mps": 10.0,
            "route": {
                "waypoints": [
                    [120.40, 36.15, 0],
                    [120.40, 36.15, 80],
                    [120.42, 36.16, 80],
                    [120.42, 36.16, 0],
                ]
            },
            "application": {k: "test" for k in CN_APPLICATION_ITEMS},
        }
        r = httpx.post(f"{base}/v1/flights", json=body, headers=op, timeout=30)
        assert r.status_code == 201 and r.json()["status"] == "pending", r.text
        yield base, keys, r.json()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_review_queue_shows_decision_deadlines(server) -> None:
    base, keys, flight = server
    reg = {"Authorization": f"Bearer {keys['regulator']}"}
    (item,) = httpx.get(f"{base}/v1/reviews", headers=reg).json()["items"]
    due = datetime.fromisoformat(item["decide_by"])
    assert (due.hour, due.minute) == (21, 0) and due.utcoffset() == timedelta(hours=8)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/console/")
            page.wait_for_selector("body[data-boot='1']")
            page.fill("#signin-key", keys["regulator"])
            page.click("#signin-submit")
            page.wait_for_selector("body[data-ready='1']", timeout=30_000)
            page.click("#tab-reviews")
            card = page.locator("#review-list li[data-flight='F-LINE']")
            card.wait_for()
            deadline = card.locator(".deadline")
            assert deadline.get_attribute("data-decide-by") == item["decide_by"]
            assert deadline.get_attribute("data-overdue") == "false"
            text = deadline.inner_text()
            assert text.startswith("审批截止") and "21:00" in text, text
            assert due.strftime("%m") in text and due.strftime("%d") in text
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "07-review-deadline-zh.png"))
            page.click("#lang-switch")
            page.wait_for_selector("#review-list .deadline:has-text('Decide by')")
            assert errors == []
        finally:
            browser.close()
