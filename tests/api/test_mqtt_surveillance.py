"""Surveillance tracks over MQTT (``qingkong/v1/surveillance/{source}``) through a private
Mosquitto broker: a sensor's helicopter crossing an activated flight alerts its operator, and
neither an operator's credentials nor a bad payload put a track in the picture."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.auth import create_user
from tests.api.conftest import Service, make_service
from tests.api.mqtt_broker import MOSQUITTO, Broker
from tests.api.test_traffic import HELI, activated, report_position, tactical

if not Path(MOSQUITTO).exists():
    pytest.skip("mosquitto is not installed", allow_module_level=True)

SENSOR = "radar-laoshan"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path / "mosquitto", ["OP-A", SENSOR])
    b.start()
    yield b
    b.stop()


@pytest.fixture
def live(tmp_path: Path, broker: Broker) -> Iterator[Service]:
    svc = make_service(f"sqlite:///{tmp_path / 'q.sqlite'}", mqtt_url=broker.url())
    with svc.app.state.store.write() as s:
        svc.keys["sensor"] = create_user(s, role="sensor", name=SENSOR)[1]
    assert svc.app.state.mqtt.subscribed.wait(10)
    yield svc
    svc.app.state.mqtt.stop()
    svc.app.state.tactical.stop()
    svc.app.state.telemetry.stop()
    svc.client.close()
    svc.app.state.store.dispose()


def publish(broker: Broker, user: str, source: str, payload: object) -> None:
    c = broker.publisher(user)
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    c.publish(f"qingkong/v1/surveillance/{source}", body, qos=1).wait_for_publish(5)
    c.loop_stop()
    c.disconnect()


def wait_tracks(svc: Service, n: int, timeout_s: float = 3.0) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if len(svc.app.state.surveillance) == n:
            return True
        time.sleep(0.02)
    return False


def test_a_sensor_publishes_a_helicopter_that_alerts_the_operator(live: Service, broker: Broker):
    activated(live)
    now = live.now_s()
    report_position(live, "a", "DR-1", now)
    t0 = time.monotonic()
    publish(broker, SENSOR, SENSOR, {"tracks": [HELI | {"time": now}]})
    while not tactical(live, "a") and time.monotonic() - t0 < 5.0:
        time.sleep(0.05)
    (n,) = tactical(live, "a")
    assert time.monotonic() - t0 < 2.5  # published, picked up, cycle run, notified
    assert "surveillance/B-7185" in n["payload"]["tracks"]


def test_operators_and_bad_payloads_put_no_track_in_the_picture(live: Service, broker: Broker):
    now = live.now_s()
    track = HELI | {"time": now}
    publish(broker, "OP-A", "OP-A", [track])  # the ACL allows it; the service refuses it
    publish(broker, "OP-A", SENSOR, [track])  # the broker drops it (not OP-A's name)
    publish(broker, SENSOR, SENSOR, b"{not json")
    publish(broker, SENSOR, SENSOR, [track | {"speed_mps": "fast"}])
    assert not wait_tracks(live, 1, timeout_s=1.5)
    publish(broker, SENSOR, SENSOR, track)  # one track on its own is fine
    assert wait_tracks(live, 1)
