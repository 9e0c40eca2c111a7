"""Benchmark of the live layer: positions through the HTTP batch path and over MQTT into
conformance, alert latency, and a plain shapely/Python per-position baseline in the same run.

    python bench/telemetry.py --json

A store is seeded in process with ``--flights`` approved, activated delivery flights (one per
drone) and spare drones; ``qingkong serve`` is then started as a real process subscribed to a
private Mosquitto broker (free port, generated passwords and ACL). Measured:

- HTTP: batches of ``--batch`` positions (1 Hz along every flight's plan) POSTed by two
  clients; positions/s over the whole run, median and p99 per-batch latency;
- MQTT: the same positions published by one local publisher (QoS 1, 500 positions a
  message); positions/s until the service has stored the last one;
- alert latency: a spare drone takes off with no approval (UNAUTHORISED_FLIGHT) and lands
  again, ``--alerts`` times per path; time from send to the alert in ``GET /v1/notifications``
  (polled every 5 ms), median and p99;
- baseline: the same positions checked one at a time the obvious way (pyproj per position,
  shapely distance / project / interpolate on the plan) in this process, beside the numba
  monitor on the same positions in this process.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shapely.geometry import LineString, Point  # noqa: E402

from airspace.projection import Projection  # noqa: E402
from api.auth import Principal, Role, create_user  # noqa: E402
from api.config import Settings  # noqa: E402
from api.main import create_app  # noqa: E402
from api.models import DroneRow  # noqa: E402
from api.schemas import FlightCreate  # noqa: E402
from api.services.flights import file_flight, transition  # noqa: E402
from api.store import utcnow  # noqa: E402
from api.telemetry.mosquitto import write_files  # noqa: E402
from bench.api import random_request  # noqa: E402
from planner.conformance import ConformanceMonitor, Thresholds  # noqa: E402
from planner.trajectory import Trajectory4D  # noqa: E402
from tests.process import free_port, spawn_server, wait_ready  # noqa: E402

OPERATOR = "OP-BENCH"


def seed(url: str, n_flights: int, n_spare: int, rng: np.random.Generator):
    """Operator key, drones, approved and activated flights; returns key, flights, settings."""
    # no lost-link alerts while seeding (the flights are activated before they report)
    settings = Settings(database_url=url, telemetry_max_ahead_s=86_400.0, lost_link_s=86_400.0)
    app = create_app(settings)
    store, airspace = app.state.store, app.state.airspace
    with store.write() as s:
        user, key = create_user(s, role="operator", operator_id=OPERATOR)
        _, reg_key = create_user(s, role="regulator")
        for i in range(n_flights + n_spare):
            s.add(
                DroneRow(
                    id=f"DR-{i:04d}",
                    operator_id=OPERATOR,
                    serial=f"SN-TEL-{i:06d}",
                    model="bench",
                    max_speed_mps=20.0,
                    vertical_rate_mps=3.0,
                    capabilities=["remote_id", "geofencing", "manual_takeover"],
                    drone_class="light",
                    created_at=utcnow(),
                )
            )
    principal = Principal(user.id, user.name, Role.OPERATOR, OPERATOR)
    now = airspace.now_s()
    flights = []
    for i in range(n_flights):
        raw = random_request(rng, now - 540, 1, 0.0)  # departing about a minute from now
        raw["drone"] = f"DR-{i:04d}"
        flight, _ = file_flight(
            airspace, principal, FlightCreate.model_validate(raw), raw, max_vertices=10_000
        )
        if flight["status"] == "approved":
            transition(airspace, principal, flight["flight"], "activate")
            flights.append(flight)
    app.state.telemetry.stop()
    store.dispose()
    return key, reg_key, flights


def positions(flights: list[dict[str, Any]], epoch) -> list[dict[str, Any]]:
    """1 Hz positions along every plan, in time order (all drones interleaved)."""
    out = []
    for f in flights:
        rows = np.asarray(f["trajectory"])
        for t in np.arange(rows[0, 3], rows[-1, 3], 1.0):
            lon, lat, alt = (float(np.interp(t, rows[:, 3], rows[:, i])) for i in range(3))
            out.append((t, f["drone"], lon, lat, alt))
    out.sort()
    from datetime import timedelta

    return [
        {
            "drone": d,
            "time": (epoch + timedelta(seconds=float(t))).isoformat(),
            "lon": round(lon, 7),
            "lat": round(lat, 7),
            "altitude_m": round(alt, 2),
        }
        for t, d, lon, lat, alt in out
    ]


def stats(xs: list[float]) -> dict[str, float]:
    a = np.asarray(xs)
    return {
        "n": int(a.size),
        "p50_ms": round(float(np.median(a)) * 1000, 2),
        "p99_ms": round(float(np.percentile(a, 99)) * 1000, 2),
        "max_ms": round(float(a.max()) * 1000, 2),
    }


def http_run(base: str, key: str, items: list[dict[str, Any]], batch: int) -> dict[str, Any]:
    host, port = base.removeprefix("http://").split(":")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    bodies = [
        json.dumps({"positions": items[i : i + batch]}).encode()
        for i in range(0, len(items), batch)
    ]
    lat: list[float] = []
    accepted = [0]
    lock = threading.Lock()
    it = iter(bodies)

    def client() -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        for body in it:
            t0 = time.perf_counter()
            conn.request("POST", "/v1/telemetry", body, headers)
            r = conn.getresponse()
            doc = json.loads(r.read())
            with lock:
                lat.append(time.perf_counter() - t0)
                accepted[0] += doc["accepted"]

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "positions": len(items),
        "accepted": accepted[0],
        "positions_per_s": round(len(items) / wall),
        "batch": batch,
        "batch_latency": stats(lat),
    }


def mqtt_run(broker: dict[str, Any], base: str, key: str, items, flights) -> dict[str, Any]:
    import paho.mqtt.client as mqtt

    c = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="bench-pub")
    c.username_pw_set(OPERATOR, broker["passwords"][OPERATOR])
    c.connect("127.0.0.1", broker["port"])
    c.loop_start()
    messages = []
    for i in range(0, len(items), 500):  # a message: up to 500 positions, one drone each
        chunk = items[i : i + 500]
        groups: dict[str, list] = {}
        for p in chunk:
            groups.setdefault(p["drone"], []).append({k: v for k, v in p.items() if k != "drone"})
        for d, ps in groups.items():
            messages.append((f"qingkong/v1/telemetry/{OPERATOR}/{d}", json.dumps(ps).encode()))
    last = flights[-1]
    want = sum(1 for p in items if p["drone"] == last["drone"])
    t0 = time.perf_counter()
    infos = [c.publish(t, b, qos=1) for t, b in messages]
    for info in infos:
        info.wait_for_publish(60)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as h:
        # every track is written; the last flight's is complete when it has all its points
        while time.perf_counter() - t0 < 300:
            n = len(h.get(f"/v1/flights/{last['flight']}/track").json()["points"])
            if n >= want:
                break
            time.sleep(0.05)
    wall = time.perf_counter() - t0
    c.loop_stop()
    c.disconnect()
    return {
        "positions": len(items),
        "messages": len(messages),
        "positions_per_s": round(len(items) / wall),
    }


def alert_latency(base, key, reg_key, spare: list[str], epoch, via, n: int) -> dict[str, Any]:
    """Send a take-off of a drone without approval; time until the regulator sees the alert."""
    from datetime import timedelta

    h = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {reg_key}"})
    after = max([x["id"] for x in h.get("/v1/notifications", params={"limit": 1000}).json()] or [0])
    while True:
        got = h.get("/v1/notifications", params={"after": after, "limit": 1000}).json()
        if not got:
            break
        after = got[-1]["id"]
    out = []
    for k in range(n):
        drone = spare[k % len(spare)]
        now = epoch + timedelta(seconds=time.time() - epoch.timestamp())
        up = {"drone": drone, "time": now.isoformat(), "lon": 120.3, "lat": 36.1, "altitude_m": 40}
        down = dict(up, altitude_m=0, time=(now + timedelta(seconds=0.5)).isoformat())
        t0 = time.perf_counter()
        via(drone, up)
        seen = False
        while not seen and time.perf_counter() - t0 < 5:
            got = h.get("/v1/notifications", params={"after": after, "limit": 100}).json()
            for x in got:
                after = x["id"]
                if (
                    x["payload"].get("code") == "UNAUTHORISED_FLIGHT"
                    and x["payload"]["drone"] == drone
                ):
                    seen = True
            if not seen:
                time.sleep(0.005)
        out.append(time.perf_counter() - t0 if seen else 5.0)
        via(drone, down)
        time.sleep(0.05)
    h.close()
    return stats(out)


def baseline(items, flights, projection, epoch, n: int) -> dict[str, Any]:
    """Per-position shapely/Python check vs the numba monitor on the same positions (both
    parse the RFC 3339 time and project the position)."""
    from datetime import datetime

    plans = {}
    for f in flights:
        rows = np.asarray(f["trajectory"])
        x, y = projection.to_xy(rows[:, 0], rows[:, 1])
        xyzt = np.column_stack([x, y, rows[:, 2], rows[:, 3]])
        steps = np.hypot(np.diff(x), np.diff(y))  # shapely's project() is horizontal
        plans[f["drone"]] = (LineString(xyzt[:, :3]), np.concatenate([[0], np.cumsum(steps)]), xyzt)
    sample = items[:n]
    th = Thresholds()
    t0 = time.perf_counter()
    flagged = 0
    for p in sample:
        x, y = projection.to_xy([p["lon"]], [p["lat"]])  # one position at a time
        line, dist, xyzt = plans[p["drone"]]
        pt = Point(float(x[0]), float(y[0]), p["altitude_m"])
        along = line.project(pt)
        z_plan = line.interpolate(along).z
        t_plan = float(np.interp(along, dist, xyzt[:, 3]))
        t = (datetime.fromisoformat(p["time"]) - epoch).total_seconds()
        flagged += (
            line.distance(pt) > th.lateral_m
            or abs(p["altitude_m"] - z_plan) > th.vertical_m
            or abs(t - t_plan) > th.time_s
        )
    base_s = time.perf_counter() - t0

    m = ConformanceMonitor(th)
    for f in flights:
        m.watch(f["flight"], f["drone"], Trajectory4D(plans[f["drone"]][2]), "activated", now_s=0)
    events = 0
    t0 = time.perf_counter()
    for i in range(0, len(sample), 10_000):
        chunk = sample[i : i + 10_000]
        x, y = projection.to_xy([p["lon"] for p in chunk], [p["lat"] for p in chunk])
        z = np.array([p["altitude_m"] for p in chunk])
        t = np.array([(datetime.fromisoformat(p["time"]) - epoch).total_seconds() for p in chunk])
        events += len(m.observe([p["drone"] for p in chunk], x, y, z, t, now_s=float(t.max())))
    ours_s = time.perf_counter() - t0
    return {
        "positions": len(sample),
        "shapely_per_position_per_s": round(len(sample) / base_s),
        "numba_monitor_per_s": round(len(sample) / ours_s),
        "ratio": round(base_s / ours_s, 1),
        "flagged_by_baseline": int(flagged),
        "alerts_and_states_by_monitor": events,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flights", type=int, default=150)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--alerts", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="qk-tel-bench-"))
    url = f"sqlite:///{tmp / 'bench.sqlite'}"
    print("seeding flights ...", file=sys.stderr)
    # one set of flights flown over HTTP, another over MQTT (a flown flight has landed)
    key, reg_key, flights = seed(url, 2 * args.flights, 20, rng)
    http_flights, mqtt_flights = flights[::2], flights[1::2]
    spare = [f"DR-{i:04d}" for i in range(2 * args.flights, 2 * args.flights + 20)]
    bport = free_port()
    passwords = write_files(tmp / "mosquitto", [OPERATOR], port=bport)
    if os.geteuid() == 0:
        with (tmp / "mosquitto" / "mosquitto.conf").open("a") as f:
            f.write("user root\n")
    broker = subprocess.Popen(
        ["/usr/sbin/mosquitto", "-c", str(tmp / "mosquitto" / "mosquitto.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.environ["QINGKONG_MQTT_URL"] = f"mqtt://qingkong:{passwords['qingkong']}@127.0.0.1:{bport}"
    os.environ["QINGKONG_TELEMETRY_MAX_AHEAD_S"] = "86400"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp / "server.log"
    proc = spawn_server(url, port, log)
    try:
        wait_ready(base, proc, log)
        settings = Settings(database_url=url)
        from datetime import datetime

        epoch = datetime.fromisoformat(settings.epoch)
        items = positions(http_flights, epoch)
        print(f"{len(items)} positions of {len(http_flights)} flights", file=sys.stderr)
        out: dict[str, Any] = {
            "flights": len(flights),
            "machine": f"{os.cpu_count()} cores, shared: load average {os.getloadavg()[0]:.1f}",
        }
        out["http"] = http_run(base, key, items, args.batch)
        print(f"http: {out['http']['positions_per_s']} positions/s", file=sys.stderr)
        m_items = positions(mqtt_flights, epoch)
        broker_info = {"port": bport, "passwords": passwords}
        out["mqtt"] = mqtt_run(broker_info, base, key, m_items, mqtt_flights)
        print(f"mqtt: {out['mqtt']['positions_per_s']} positions/s", file=sys.stderr)
        hc = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"})

        def via_http(drone, p):
            hc.post("/v1/telemetry", json={"positions": [p]})

        import paho.mqtt.client as mqtt

        pub = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="bench-alerts"
        )
        pub.username_pw_set(OPERATOR, passwords[OPERATOR])
        pub.connect("127.0.0.1", bport)
        pub.loop_start()

        def via_mqtt(drone, p):
            pub.publish(f"qingkong/v1/telemetry/{OPERATOR}/{drone}", json.dumps(p), qos=1)

        out["alert_latency_http"] = alert_latency(
            base, key, reg_key, spare, epoch, via_http, args.alerts
        )
        out["alert_latency_mqtt"] = alert_latency(
            base, key, reg_key, spare, epoch, via_mqtt, args.alerts
        )
        pub.loop_stop()
        hc.close()
        proj = Projection.for_deployment(settings.deployment_obj())
        out["baseline"] = baseline(items, http_flights, proj, epoch, min(len(items), 20_000))
    finally:
        proc.terminate()
        proc.wait(30)
        broker.terminate()
        broker.wait(10)
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(out)


if __name__ == "__main__":
    main()
