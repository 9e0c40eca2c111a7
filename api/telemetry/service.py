"""The live layer of one service process: positions in (HTTP or MQTT), conformance against the
approved plans, alerts out as notifications, flight states kept in the store.

:class:`TelemetryService` holds the :class:`~planner.conformance.ConformanceMonitor` (under
one lock), the latest position of every drone in memory (:attr:`TelemetryService.latest`,
columns of numpy arrays, ready for a tactical picture), a :class:`TrackWriter` and the
lost-link timer thread. Before each batch it applies the flight changes recorded in the
airspace change sequence since it last looked, so flights filed, activated, ended or revoked
through the API (here or on another replica) are watched as they are.

Alerts become ``Notification`` rows of kind ``alert`` (payload ``episode`` = ``raised`` or
``cleared``, ``code``, ``flight``, ``drone``, ``time``, ``position``, ``deviation``), seen by
the flight's operator and by regulators through ``GET /v1/notifications`` and its event
stream. Flight state changes are written like any lifecycle change and notified as kind
``conformance``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np
from shapely.geometry import box
from sqlalchemy import func, select

from airspace.rulesets import RULESETS
from api.airspace_state import AirspaceState
from api.config import Settings
from api.models import AirspaceEvent, DroneRow, FlightRow, Notification
from api.scoped_ids import for_operator
from api.store import utcnow
from api.telemetry.alerts import alert_notifications
from api.telemetry.latest import Latest
from api.telemetry.offnominal import OffNominalVolumes
from api.telemetry.ownership import check_owner, unknown_drone
from api.telemetry.positions import Position, PositionReader, Refusal
from api.telemetry.tracks import TrackWriter
from api.telemetry.watched import WATCHED, plan_of, zone_volumes
from planner.conformance import (
    ConformanceMonitor,
    Event,
    Thresholds,
    deviations,
)
from planner.trajectory import AreaOp, Trajectory4D

REGULATORS_ONLY = "regulators_only"
"""An alert detail flag: the alert is notified to regulators only (no operator sees it)."""
log = logging.getLogger("qingkong.telemetry")


def _none(v: float | None) -> float | None:
    return None if v is None or v != v else float(v)


class TelemetryService:
    """See the module docstring. ``start()`` starts the lost-link timer."""

    def __init__(self, airspace: AirspaceState, settings: Settings):
        self.airspace = airspace
        self.store = airspace.store
        self.settings = settings
        dep = airspace.deployment
        self.projection = airspace.projection
        self.thresholds = Thresholds(
            lateral_m=settings.conformance_lateral_m,
            vertical_m=settings.conformance_vertical_m,
            time_s=settings.conformance_time_s,
            contingent_s=settings.conformance_contingent_s,
            lost_link_s=settings.lost_link_s,
            airborne_m=settings.telemetry_airborne_m,
        )
        self.monitor = ConformanceMonitor(
            self.thresholds,
            ceiling_m=RULESETS[dep.rules].ceiling_m,
            auto_activate=settings.telemetry_auto_activate,
        )
        self.reader = PositionReader(
            dep,
            airspace.epoch,
            max_age_s=settings.telemetry_max_age_s,
            max_ahead_s=settings.telemetry_max_ahead_s,
        )
        self.writer = TrackWriter(
            self.store, retention_s=settings.telemetry_retention_s, now_s=airspace.now_s
        )
        self.latest = Latest()
        self.owners: dict[str, str] = {}
        self.flight_owner: dict[str, str] = {}
        self._signature: dict[str, tuple] = {}
        self._seen_seq = -1
        self._zone_index: Any = None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        self.alert_delays_s: list[float] = []
        self.listeners: list[Any] = []
        """Called with no arguments after a batch with accepted positions (tactical wake-up)."""
        """Receipt-to-commit time of every alert raised (for the benchmark)."""
        self.offnominal = OffNominalVolumes(self)

    # -- lifecycle -------------------------------------------------------------------------
    def warm(self) -> None:
        """Load (or compile) the conformance kernels now rather than on the first position."""
        plan = Trajectory4D(np.array([[0.0, 0, 0, 0], [10, 0, 10, 10]]))
        area = AreaOp.from_polygon(box(0, 0, 10, 10), 0, 10, 0, 10)
        plans = {"r": plan, "a": area}
        zero = np.zeros(1)
        for which in ("r", "a"):
            deviations(plans, [which], zero, zero, zero, zero, self.thresholds)

    def start(self, every_s: float = 0.2) -> None:
        """Start the lost-link timer (one tick every ``every_s``)."""
        if self._timer is None:
            self._timer = threading.Thread(
                target=self._tick_loop, args=(every_s,), name="qingkong-lost-link", daemon=True
            )
            self._timer.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the timer (waiting up to ``timeout_s`` for a check in progress, so that none
        is still reading the store when it closes) and flush the track writer."""
        self._stop.set()
        if self._timer is not None and self._timer is not threading.current_thread():
            self._timer.join(timeout_s)
        self.writer.flush()

    def _tick_loop(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                self.tick()
            except Exception:  # pragma: no cover - the timer must survive a store hiccup
                log.exception("lost-link check failed")

    def tick(self) -> list[Event]:
        """Check for lost links now; alerts are persisted before this returns."""
        if not self.monitor.drones:
            return []  # nothing ever reported: no link to lose
        t0 = time.perf_counter()
        with self._lock:
            self.sync()
            now_s = self.airspace.now_s()
            events = self.monitor.tick(now_s)
            self._persist(events, t0)
            self.offnominal.update(events, now_s)
        return events

    # -- keeping up with flights and zones -------------------------------------------------
    def sync(self) -> None:
        """Watch the flights and zones as the store has them now."""
        with self.store.session() as s:
            seq = s.execute(select(func.coalesce(func.max(AirspaceEvent.seq), 0))).scalar_one()
            if seq != self._seen_seq:
                q = select(FlightRow)
                if self._seen_seq >= 0:
                    refs = select(AirspaceEvent.ref).where(
                        AirspaceEvent.seq > self._seen_seq, AirspaceEvent.kind == "flight"
                    )
                    q = q.where(FlightRow.id.in_(refs))
                else:
                    q = q.where(FlightRow.state.in_(WATCHED))
                for row in s.execute(q).scalars():
                    self._follow(row)
                self._seen_seq = seq
        index = self.airspace.zone_index()
        if index is not self._zone_index:
            self._zone_index = index
            self.monitor.set_zones(
                zone_volumes(index, self.airspace.epoch, self.airspace.deployment.tz)
            )

    def _follow(self, row: FlightRow) -> None:
        self.flight_owner[row.id] = row.operator_id
        self.owners.setdefault(row.drone_id, row.operator_id)
        if row.state not in WATCHED:
            self._signature.pop(row.id, None)
            self._persist(self.monitor.forget(row.id), None)
            return
        sig = (row.state, row.departure_s, row.end_s)
        if self._signature.get(row.id) == sig:
            return
        self._signature[row.id] = sig
        self.monitor.watch(
            row.id,
            row.drone_id,
            plan_of(row.decision, self.projection),
            row.state,
            now_s=self.airspace.now_s(),
        )

    def owner_of(self, drone: str) -> str | None:
        """The operator a drone is registered to (``None``: unknown drone)."""
        op = self.owners.get(drone)
        if op is None:
            with self.store.session() as s:
                op = s.execute(
                    select(DroneRow.operator_id).where(DroneRow.id == drone)
                ).scalar_one_or_none()
            if op is not None:
                self.owners[drone] = op
        return op

    # -- positions in ----------------------------------------------------------------------
    def ingest(
        self, items: list[Any], *, operator: str, alert_invalid: bool = False
    ) -> tuple[int, list[dict[str, Any]]]:
        """Check and take a batch of positions sent by ``operator``.

        Returns the number accepted and the refusals (``index``, ``code``, ``message``).
        ``TELEMETRY_TIME`` and ``TELEMETRY_MISMATCH`` refusals also raise alerts, and so do
        unreadable positions when ``alert_invalid`` (MQTT, where nobody reads an answer).
        """
        t0 = time.perf_counter()
        with self._lock:
            self.sync()
            now_s = self.airspace.now_s()
            good: list[Position] = []
            refused: list[dict[str, Any]] = []
            events: list[Event] = []
            for i, item in enumerate(items):
                p = self.reader.read(item, now_s=now_s)
                if isinstance(p, Position):
                    p = check_owner(
                        p, operator, owner_of=self.owner_of, flight_owner=self.flight_owner
                    )
                if isinstance(p, Refusal) and p.code == "TELEMETRY_MISMATCH":
                    # Another operator's drone id: the regulators are alerted, and the sender
                    # is answered as for an unknown id (ids are per operator, api.scoped_ids).
                    detail = {"message": p.message, "operator": operator, REGULATORS_ONLY: True}
                    # (its own episode: the owner's next good position does not clear it)
                    key = f"{operator}>{p.drone}"
                    events += self.monitor.refused(key, p.code, p.drone or "", now_s, detail)
                    p = unknown_drone(p.drone or "")
                if isinstance(p, Refusal):
                    message = for_operator(p.message, operator)
                    refused.append({"index": i, "code": p.code, "message": message})
                    if p.code != "TELEMETRY_INVALID" or alert_invalid:
                        # an unknown drone's episode is the sender's (nobody else clears it)
                        foreign = p == unknown_drone(p.drone or "")
                        events += self.monitor.refused(
                            f"{operator}>{p.drone}" if foreign else p.drone or f"{operator}/?",
                            p.code,
                            p.drone or "",
                            now_s,
                            {"message": p.message, "operator": operator},
                        )
                    continue
                good.append(p)
            if good:
                events += self._observe(good, now_s)
            self._persist(events, t0)
            self.offnominal.update(events, now_s)
        if good:
            for listener in self.listeners:
                listener()
        return len(good), refused

    def refuse(self, operator: str, drone: str, message: str) -> None:
        """Alert an unreadable message (``TELEMETRY_INVALID``) from ``operator``."""
        t0 = time.perf_counter()
        with self._lock:
            detail = {"message": message, "operator": operator}
            now_s = self.airspace.now_s()
            events = self.monitor.refused(drone, "TELEMETRY_INVALID", drone, now_s, detail)
            self._persist(events, t0)

    def _notified_operator(self, e: Event) -> str:
        """Whose feed an alert goes to: ``""`` (regulators only) for one flagged
        :data:`REGULATORS_ONLY`, else the operator of its flight or drone."""
        if e.deviation.get(REGULATORS_ONLY):
            return ""
        return (
            e.deviation.get("operator")
            or self.flight_owner.get(e.flight or "")
            or self.owners.get(e.drone, "")
        )

    def _observe(self, good: list[Position], now_s: float) -> list[Event]:
        lon = np.fromiter((p.lon for p in good), np.float64, len(good))
        lat = np.fromiter((p.lat for p in good), np.float64, len(good))
        x, y = self.projection.to_xy(lon, lat)
        z = np.fromiter((p.altitude_m for p in good), np.float64, len(good))
        t = np.fromiter((p.t_s for p in good), np.float64, len(good))
        drones = [p.drone for p in good]
        # Before observing: a landing ends the flight, and its touchdown is still its own.
        flights = [self.monitor.flight_for(p.drone, p.t_s) for p in good]
        events = self.monitor.observe(drones, x, y, z, t, now_s=now_s)
        newest: dict[str, int] = {}
        for i, p in enumerate(good):
            j = newest.get(p.drone)
            if j is None or good[j].t_s <= p.t_s:
                newest[p.drone] = i
        for i in newest.values():
            self.latest.update(good[i], float(x[i]), float(y[i]))
        rows = [  # redeliveries (same drone and time) are not stored twice
            (p.drone, flights[i], p.t_s, p.lon, p.lat, p.altitude_m, *p[6:9], now_s)
            for i, p in ((i, good[i]) for i in self.monitor.kept)
        ]
        self.writer.put(rows, {d: self.owners[d] for d in set(drones)})
        return events

    def live_rows(
        self, since_s: float
    ) -> tuple[list[str], list[str | None], list[str | None], np.ndarray]:
        """Drones reported at or after ``since_s``: their ids, flights and flight states, and
        a ``(k, 7)`` copy of ``x, y, altitude_m, t_s, speed_mps, track_deg,
        vertical_speed_mps`` (for the traffic picture and tactical detection)."""
        with self._lock:
            n = len(self.latest.drones)
            rows = np.flatnonzero(self.latest.xyzt[:n, 3] >= since_s)
            data = np.hstack([self.latest.xyzt[rows], self.latest.velocity[rows]])
            drones = [self.latest.drones[i] for i in rows]
            flights = [
                self.monitor.flight_for(d, t) if d in self.monitor.by_drone else None
                for d, t in zip(drones, data[:, 3].tolist(), strict=True)
            ]
            states = [self.monitor.state_of(f) if f else None for f in flights]
        return drones, flights, states, data

    # -- alerts out ------------------------------------------------------------------------
    def _persist(self, events: list[Event], t0: float | None) -> None:
        if not events:
            return
        states = [e for e in events if e.kind == "state"]
        if states:
            self._write_states(states)
        notes = alert_notifications(
            [e for e in events if e.kind != "state"],
            projection=self.projection,
            operator_of=self._notified_operator,
            to_datetime=self.airspace.to_datetime,
        )
        with self.store.write() as s:
            s.add_all(notes)
        if t0 is not None:
            delay = time.perf_counter() - t0
            self.alert_delays_s.extend(delay for e in events if e.kind == "raised")
        for e in events:
            if e.kind == "raised":
                log.warning("alert %s drone %s flight %s", e.code, e.drone, e.flight)

    def _write_states(self, states: list[Event]) -> None:
        """Flight state changes, written and sequenced like any lifecycle change."""
        with self.airspace.transaction() as s:
            now_s = self.airspace.now_s()
            for e in states:
                row = s.get(FlightRow, e.flight)
                if row is None or row.state == e.code:
                    continue
                try:
                    row.record = self.airspace.report_state(row.id, e.code, row.state, now_s)
                except (KeyError, ValueError) as err:
                    log.warning("flight %s: cannot record state %s (%s)", row.id, e.code, err)
                    continue
                row.state = e.code
                row.updated_at = utcnow()
                self._signature[row.id] = (row.state, row.departure_s, row.end_s)
                s.add(
                    Notification(
                        operator_id=row.operator_id,
                        flight_id=row.id,
                        kind="conformance",
                        payload={
                            "flight": row.id,
                            "state": row.state,
                            "time": self.airspace.to_datetime(e.t_s).isoformat(),
                        },
                        created_at=utcnow(),
                    )
                )
                self.airspace.log_event(s, "flight", row.id, {"state": row.state})
