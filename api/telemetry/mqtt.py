"""The MQTT subscriber: ``qingkong/v1/telemetry/{operator}/{drone}`` (QoS 1) into the telemetry
service. One paho-mqtt client owns the broker connection; it reconnects on its own and
subscribes again in every ``on_connect``, so a broker restart costs only the downtime. A
persistent session (``clean_session=False``, a fixed client id) lets the broker keep QoS 1
messages while the service is away; redeliveries are harmless because positions are
idempotent on (drone, time).

The payload is one position object or a list of them; ``drone`` may be left out (the topic
names it). The broker's ACL binds each operator's credentials to its own prefix
(:mod:`api.telemetry.mosquitto`); the service still checks that the drone is the topic
operator's (``TELEMETRY_MISMATCH``, alerted to regulators only). Unreadable payloads are logged and alerted
(``TELEMETRY_INVALID``); nothing a publisher sends stops the subscriber.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
import paho.mqtt.client as mqtt

TOPIC_PREFIX = "qingkong/v1/telemetry"
SUBSCRIPTION = f"{TOPIC_PREFIX}/+/+"
SURVEILLANCE_PREFIX = "qingkong/v1/surveillance"
"""Surveillance tracks from a sensor: ``qingkong/v1/surveillance/{source}`` (handed to
:attr:`MqttSubscriber.on_surveillance`, which :mod:`api.traffic` sets)."""
log = logging.getLogger("qingkong.mqtt")


def parse_url(url: str) -> dict[str, Any]:
    """Host, port, credentials and TLS of ``mqtt://user:password@host:port`` (``mqtts`` for TLS).

    >>> parse_url("mqtt://svc:s%40cret@127.0.0.1:1884")["password"]
    's@cret'
    """
    u = urlsplit(url)
    if u.scheme not in ("mqtt", "mqtts") or not u.hostname:
        raise ValueError(f"QINGKONG_MQTT_URL={url!r}: use mqtt://user:password@host:port")
    return {
        "host": u.hostname,
        "port": u.port or (8883 if u.scheme == "mqtts" else 1883),
        "username": unquote(u.username) if u.username else None,
        "password": unquote(u.password) if u.password else None,
        "tls": u.scheme == "mqtts",
    }


class MqttSubscriber:
    """Feeds MQTT positions to a :class:`~api.telemetry.service.TelemetryService`.

    Messages are queued by the network thread and handed to the service in batches by a
    worker thread (up to ``max_batch`` positions or ``linger_s`` of waiting).
    """

    def __init__(
        self,
        url: str,
        service: Any,
        *,
        client_id: str = "qingkong-service",
        max_batch: int = 5000,
        linger_s: float = 0.02,
    ):
        self.cfg = parse_url(url)
        self.service = service
        self.max_batch = max_batch
        self.linger_s = linger_s
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.received = 0
        self.on_surveillance: Any = None
        """``(source, payload)`` handler for surveillance topics (``None``: ignored)."""
        self._queue: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self._stop = threading.Event()
        c = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
        )
        if self.cfg["username"]:
            c.username_pw_set(self.cfg["username"], self.cfg["password"])
        if self.cfg["tls"]:
            c.tls_set()
        c.reconnect_delay_set(min_delay=1, max_delay=4)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_subscribe = self._on_subscribe
        c.on_message = self._on_message
        self.client = c
        self._worker = threading.Thread(target=self._work, name="qingkong-mqtt", daemon=True)

    def start(self) -> None:
        """Connect in the background (retrying until the broker answers) and start handling."""
        self._worker.start()
        self.client.connect_async(self.cfg["host"], self.cfg["port"], keepalive=15)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect and stop the ingest thread (waiting for a batch in hand to be stored)."""
        self._stop.set()
        self.client.disconnect()
        self.client.loop_stop()
        if self._worker.is_alive():
            self._worker.join(5.0)

    # -- network thread ---------------------------------------------------------------------
    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            log.error("MQTT broker refused the connection: %s", reason_code)
            return
        log.info("MQTT connected to %s:%s", self.cfg["host"], self.cfg["port"])
        self.connected.set()
        client.subscribe([(SUBSCRIPTION, 1), (f"{SURVEILLANCE_PREFIX}/+", 1)])

    def _on_subscribe(self, _client, _userdata, _mid, reason_codes, _properties) -> None:
        if any(rc.is_failure for rc in reason_codes):
            log.error("MQTT subscription to %s refused: %s", SUBSCRIPTION, reason_codes)
            return
        self.subscribed.set()

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        self.connected.clear()
        self.subscribed.clear()
        if not self._stop.is_set():
            log.warning("MQTT connection lost (%s); reconnecting", reason_code)

    def _on_message(self, _client, _userdata, msg) -> None:
        self._queue.put((msg.topic, msg.payload))

    # -- worker thread ----------------------------------------------------------------------
    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            batch, n = [first], 0
            deadline = time.monotonic() + self.linger_s
            while n < self.max_batch:
                try:
                    batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                    n += 1
                except queue.Empty:
                    break
            try:
                self.handle(batch)
            except Exception:  # pragma: no cover - a bug must not end the subscription
                log.exception("MQTT batch of %d messages failed", len(batch))

    def handle(self, messages: list[tuple[str, bytes]]) -> None:
        """Hand a batch of (topic, payload) to the service, grouped by operator."""
        by_operator: dict[str, list[Any]] = {}
        for topic, payload in messages:
            self.received += 1
            parts = topic.split("/")
            if len(parts) == 4 and "/".join(parts[:3]) == SURVEILLANCE_PREFIX:
                if self.on_surveillance is not None:
                    self.on_surveillance(parts[3], payload)
                continue
            if len(parts) != 5 or "/".join(parts[:3]) != TOPIC_PREFIX:
                log.warning("MQTT: ignoring topic %r", topic)
                continue
            operator, drone = parts[3], parts[4]
            try:
                body = orjson.loads(payload)
            except orjson.JSONDecodeError as e:
                self._refuse(operator, drone, f"payload is not JSON ({e})")
                continue
            items = body if isinstance(body, list) else [body]
            out = by_operator.setdefault(operator, [])
            for item in items:
                if isinstance(item, dict) and item.setdefault("drone", drone) != drone:
                    self._refuse(
                        operator, drone, f"drone {item['drone']!r} published under {topic}"
                    )
                    continue
                out.append(item)
        for operator, items in by_operator.items():
            _accepted, refused = self.service.ingest(items, operator=operator, alert_invalid=True)
            for r in refused:
                log.warning("MQTT position from %s refused: %s", operator, r["message"])

    def _refuse(self, operator: str, drone: str, message: str) -> None:
        log.warning("MQTT from %s: %s", operator, message)
        self.service.refuse(operator, drone, message)
