"""The console's live layer in a real browser (Playwright driving Debian's Chromium) against a
real ``qingkong serve --demo``, with a simulated live stream: two approved flights flown in
real time over HTTP telemetry, one of them deviating, and a helicopter (a surveillance track)
crossing the other. The regulator sees the drones move, a deviation turn a drone's colour and
list an alert, a tactical conflict mark both tracks, a selected flight's plan and flown track
side by side; the operator sees its own flight in full and its own alerts. Screenshots go to
``test-artifacts/console/``."""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pytest
from pyproj import Geod

from tests.api.test_console_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    Console,
    _shot,
    _sign_in,
    sync_api,
)
from tests.process import free_port, spawn_server, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Two hops clear of every demo zone, flown at cruise height from their first waypoint.
TAIDONG = [[120.360, 36.100, 60], [120.400, 36.100, 60]]
LAOSHAN = [[120.420, 36.150, 50], [120.450, 36.150, 50]]
_GEOD = Geod(ellps="WGS84")


class Sky:
    """Flies the approved plans in real time (positions twice a second), with a deviation and a
    helicopter switched on by the test."""

    def __init__(self, c: Console, flights: dict[str, dict[str, Any]]):
        self.c = c
        self.flights = flights
        self.deviate: set[str] = set()
        self.heli_from: float | None = None
        self.heli_start: tuple[float, float, float] | None = None
        self._stop = threading.Event()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.epoch = datetime.fromisoformat(c.http.get("/v1/map/config").json()["epoch"])

    def position(self, flight: dict[str, Any], t_s: float) -> tuple[float, float, float]:
        rows = np.asarray(flight["trajectory"])
        return tuple(float(np.interp(t_s, rows[:, 3], rows[:, i])) for i in range(3))  # type: ignore[return-value]

    def _run(self) -> None:
        with httpx.Client(base_url=self.c.base, timeout=10) as http:
            while not self._stop.is_set():
                try:
                    self._tick(http)
                except Exception as e:  # noqa: BLE001 - reported by the test
                    self.errors.append(repr(e))
                self._stop.wait(0.5)

    def _tick(self, http: httpx.Client) -> None:
        now = http.get("/v1/health").json()["now_s"]
        at = (self.epoch + timedelta(seconds=now)).isoformat()
        for who, f in self.flights.items():
            lon, lat, alt = self.position(f, now)
            if f["flight"] in self.deviate:
                lat += 0.002  # about 220 m north of the route
            p = {"drone": f["drone"], "lon": lon, "lat": lat, "altitude_m": alt}
            p |= {"speed_mps": 12.0, "track_deg": 90.0, "vertical_speed_mps": 0.0}
            p["time"] = at
            r = http.post("/v1/telemetry", json={"positions": [p]}, headers=self.c.h(who))
            assert r.status_code == 202, r.text
        if self.heli_from is not None and self.heli_start is not None:
            lon0, lat0, alt = self.heli_start
            lon, lat, _ = _GEOD.fwd(lon0, lat0, 90.0, 50.0 * (now - self.heli_from))
            track = {"id": "B-7185", "lon": float(lon), "lat": float(lat), "altitude_m": alt}
            track |= {"speed_mps": 50.0, "track_deg": 90.0, "kind": "crewed"}
            track["time"] = at
            r = http.post(
                "/v1/surveillance", json={"tracks": [track]}, headers=self.c.h("regulator")
            )
            assert r.status_code == 200, r.text

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)


@pytest.fixture(scope="module")
def sky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sky]:
    tmp = tmp_path_factory.mktemp("live")
    port = free_port()
    log = tmp / "server.log"
    proc = spawn_server(f"sqlite:///{tmp / 'live.sqlite'}", port, log, demo=True)
    base = f"http://127.0.0.1:{port}"
    s: Sky | None = None
    try:
        wait_ready(base, proc, log)
        keys = dict(re.findall(r"demo (\w+) key: (\S+)", log.read_text()))
        c = Console(base, keys)
        r = c.http.post("/v1/operators", headers=c.h("admin"), json={"id": "OP-OTHER"})
        assert r.status_code == 201, r.text
        r = c.http.post(
            "/v1/users",
            headers=c.h("admin"),
            json={"role": "operator", "operator_id": "OP-OTHER", "name": "another operator"},
        )
        c.keys["other"] = r.json()["key"]
        flights = {}
        for who, drone, route in (
            ("operator", "DR-DEMO-1", TAIDONG),
            ("other", "DR-OTHER-1", LAOSHAN),
        ):
            body = {"id": drone, "serial": f"SN-{drone}", "empty_weight_kg": 0.9}
            body |= {"max_takeoff_weight_kg": 1.5, "max_speed_mps": 20.0}
            body["capabilities"] = ["remote_id", "geofencing", "manual_takeover"]
            assert c.http.post("/v1/drones", headers=c.h(who), json=body).status_code == 201
            now = c.now_s()
            r = c.http.post(
                "/v1/flights",
                headers=c.h(who),
                json={
                    "drone": drone,
                    "departure": {"earliest": now + 1, "latest": now + 60},
                    "speed_mps": 12.0,
                    "route": {"waypoints": route},
                },
            )
            f = r.json()
            assert f["status"] == "approved", f
            r = c.http.post(f"/v1/flights/{f['flight']}/activate", headers=c.h(who))
            assert r.status_code == 200, r.text
            flights[who] = f
        s = Sky(c, flights)
        s.thread.start()
        yield s
    finally:
        if s is not None:
            s.stop()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    assert CHROMIUM.exists()
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _live_page(browser, sky: Sky, who: str, locale: str = "zh-CN"):
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{sky.c.base}/console/")
    page.wait_for_selector("body[data-boot='1']")
    _sign_in(page, sky.c.keys[who])
    page.wait_for_selector("body[data-live='1']")
    page.click("#tab-live")
    return page, errors


def _latlng(page, flight: str) -> list[float]:
    return page.evaluate(
        """(flight) => {
          const m = Object.values(qkLive.tracks).find(m => m.track.details
            && m.track.details.flight === flight);
          return m ? [m.getLatLng().lat, m.getLatLng().lng] : null;
        }""",
        flight,
    )


def _fit(page, flights: list[dict[str, Any]]) -> None:
    pts = [[row[1], row[0]] for f in flights for row in f["trajectory"]]
    page.evaluate("(pts) => qk.map.fitBounds(pts, {padding: [160, 160]})", pts)


def test_the_regulator_watches_the_live_sky(sky: Sky, browser) -> None:
    page, errors = _live_page(browser, sky, "regulator")
    mine, other = sky.flights["operator"], sky.flights["other"]
    _fit(page, [mine, other])

    # drones move: both flights are drawn, and a marker's position changes as reports arrive
    page.wait_for_selector("#map .qk-drone[data-conformance='activated']", timeout=20_000)
    page.wait_for_function("() => document.querySelectorAll('#map .qk-drone').length === 2")
    first = _latlng(page, mine["flight"])
    page.wait_for_timeout(2500)
    assert _latlng(page, mine["flight"]) != first
    assert "条实时航迹" in page.inner_text("#live-count")
    _shot(page, "live-01-moving-zh")

    # a deviation turns the drone's colour and lists an alert
    sky.deviate.add(other["flight"])
    page.wait_for_selector("#map .qk-drone[data-conformance='nonconforming']", timeout=15_000)
    page.wait_for_selector("#live-alerts li[data-code='OFF_ROUTE'].raised", timeout=15_000)
    assert "偏离航线" in page.inner_text("#live-alerts li[data-code='OFF_ROUTE']")
    _shot(page, "live-02-deviation-zh")

    # a helicopter 1 km west of the other flight, closing: a tactical conflict marks both
    lon, lat, alt = sky.position(mine, sky.c.now_s())
    heli_lon, heli_lat, _ = _GEOD.fwd(lon, lat, 270.0, 1000.0)
    sky.heli_start = (float(heli_lon), float(heli_lat), alt)
    sky.heli_from = sky.c.now_s()
    page.wait_for_selector("#map .qk-crewed", timeout=15_000)
    page.wait_for_selector("#live-alerts li[data-kind='tactical']", timeout=15_000)
    page.wait_for_function(
        "() => document.querySelectorAll('#map .qk-track.conflict').length === 2"
    )
    assert page.locator(".qk-conflict-line").count() == 1
    assert "战术冲突" in page.inner_text("#live-alerts li[data-kind='tactical']")
    _shot(page, "live-03-tactical-zh")

    # selecting the flight draws its approved plan and its flown track side by side
    page.evaluate(
        """(flight) => Object.values(qkLive.tracks).find(m => m.track.details
             && m.track.details.flight === flight).getElement().click()""",
        mine["flight"],
    )
    page.wait_for_selector("path.qk-plan", state="attached")
    page.wait_for_selector("#live-selected[data-points]")
    assert int(page.get_attribute("#live-selected", "data-points")) > 3
    assert page.locator("path.qk-actual").count() == 1
    assert mine["flight"] in page.inner_text("#live-selected")
    _shot(page, "live-04-plan-and-track-zh")

    # acknowledging an alert keeps it listed, marked as acknowledged
    page.click("#live-alerts li[data-kind='tactical'] button.ack")
    page.wait_for_selector("#live-alerts li[data-kind='tactical'].acked")
    page.click("#lang-switch")
    page.wait_for_selector("#live-alerts li[data-kind='tactical'] button:has-text('Acknowledged')")
    assert "Tactical conflict" in page.inner_text("#live-alerts")
    assert "live tracks" in page.inner_text("#live-count") or page.wait_for_selector(
        "#live-count:has-text('live tracks')"
    )
    assert mine["flight"] in page.inner_text("#live-selected")  # the selection survives
    _shot(page, "live-05-en")
    assert errors == [] and sky.errors == []


def test_the_operator_sees_its_own_flight_in_full_and_its_own_alerts(sky: Sky, browser) -> None:
    page, errors = _live_page(browser, sky, "operator")
    _fit(page, [sky.flights["operator"], sky.flights["other"]])
    page.wait_for_function("() => document.querySelectorAll('#map .qk-drone').length === 2")
    assert page.locator("#map .qk-drone[data-own='1']").count() == 1
    assert _latlng(page, sky.flights["operator"]["flight"]) is not None
    assert _latlng(page, sky.flights["other"]["flight"]) is None  # the other is anonymous
    # the other operator's deviation is not this operator's alert
    assert page.locator("#live-alerts li[data-code='OFF_ROUTE']").count() == 0
    _shot(page, "live-06-operator-zh")
    assert errors == []


class _Tiles(http.server.BaseHTTPRequestHandler):
    """A tile server that answers every tile with the same small PNG."""

    png = (ROOT / "api/console/vendor/leaflet/images/layers.png").read_bytes()

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.png)))
        self.end_headers()
        self.wfile.write(self.png)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.mark.parametrize("tiles", ["served", "offline"])
def test_the_basemap_setting_and_its_offline_fallback(
    tiles: str, browser, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    server = None
    if tiles == "served":
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Tiles)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("QINGKONG_BASEMAP_URL", f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png")
    monkeypatch.setenv("QINGKONG_BASEMAP_ATTRIBUTION", "© Test Tiles")
    log = tmp_path / "server.log"
    api_port = free_port()
    proc = spawn_server(f"sqlite:///{tmp_path / 'b.sqlite'}", api_port, log, demo=True)
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_ready(base, proc, log)
        keys = dict(re.findall(r"demo (\w+) key: (\S+)", log.read_text()))
        ctx = browser.new_context(viewport={"width": 1200, "height": 800}, locale="zh-CN")
        page = ctx.new_page()
        page.goto(f"{base}/console/")
        page.wait_for_selector("body[data-boot='1']")
        _sign_in(page, keys["regulator"])
        page.wait_for_selector("body[data-live='1']")
        assert "© Test Tiles" in page.inner_text(".leaflet-control-attribution")
        if tiles == "served":
            page.wait_for_selector(".leaflet-tile-loaded")
            page.wait_for_timeout(500)
            assert not page.is_checked("#show-outline")  # the tiles replace the outline
        else:  # no tile arrives: the bundled outline comes back
            page.wait_for_function("() => document.getElementById('show-outline').checked")
            page.wait_for_selector(".leaflet-outline-pane path", state="attached")
        _shot(page, f"live-07-basemap-{tiles}")
        ctx.close()
    finally:
        if server is not None:
            server.shutdown()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
