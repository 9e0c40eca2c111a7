"""Flights' tracks: batched writes (accepted positions are queued and one background thread
writes them, ``COPY`` on PostgreSQL, one ``executemany`` on SQLite, upserts each drone's latest
position and trims tracks older than the retention setting) and the read of one flight's track
(:func:`flight_track`)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from api.airspace_state import AirspaceState
from api.auth import Principal
from api.scoped_ids import ref_of
from api.services.flights import own_flight
from api.store import Store
from api.telemetry.models import TrackPoint

log = logging.getLogger("qingkong.telemetry")

TRACK_COLUMNS = (
    "drone_id",
    "flight_id",
    "t_s",
    "lon",
    "lat",
    "altitude_m",
    "speed_mps",
    "track_deg",
    "vertical_speed_mps",
    "received_s",
)
Row = tuple  # values in TRACK_COLUMNS order
_INSERT_QMARK = (
    f"INSERT INTO telemetry_tracks ({', '.join(TRACK_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in TRACK_COLUMNS)})"
)
_UPSERT = (
    f"INSERT INTO telemetry_latest (operator_id, {', '.join(TRACK_COLUMNS)}) "
    f"VALUES (:operator_id, {', '.join(':' + c for c in TRACK_COLUMNS)}) "
    "ON CONFLICT (drone_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ("operator_id", *TRACK_COLUMNS[1:]))
    + " WHERE excluded.t_s >= telemetry_latest.t_s"
)


class TrackWriter:
    """Writes queued track rows in batches from one daemon thread.

    Parameters
    ----------
    store : Store
    retention_s : float
        Rows with ``t_s`` older than ``now_s() - retention_s`` are deleted once a minute.
    now_s : callable
        The planner clock.
    """

    def __init__(self, store: Store, *, retention_s: float, now_s, every_s: float = 0.2):
        self.store = store
        self.retention_s = retention_s
        self.now_s = now_s
        self.every_s = every_s
        self._queue: queue.SimpleQueue[tuple[list[Row], dict[str, str]]] = queue.SimpleQueue()
        self._pending = 0
        self._idle = threading.Condition()
        self._next_trim = 0.0
        self.written = 0
        self._thread = threading.Thread(target=self._loop, name="qingkong-tracks", daemon=True)
        self._thread.start()

    def put(self, rows: list[Row], owners: dict[str, str]) -> None:
        """Queue rows; ``owners`` maps their drones to operators (for the latest table)."""
        if rows:
            with self._idle:
                self._pending += 1
            self._queue.put((rows, owners))

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until everything queued so far is written."""
        with self._idle:
            self._idle.wait_for(lambda: self._pending == 0, timeout_s)

    def _loop(self) -> None:
        while True:
            batches = [self._queue.get()]
            time.sleep(self.every_s)  # let a batch build up: one transaction for many calls
            while True:
                try:
                    batches.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            rows = [r for b, _ in batches for r in b]
            owners = {k: v for _, o in batches for k, v in o.items()}
            try:
                self.write(rows, owners)
            except Exception:  # pragma: no cover - keep the thread alive; the store logs why
                log.exception("could not write %d track points", len(rows))
            finally:
                with self._idle:
                    self._pending -= len(batches)
                    self._idle.notify_all()

    def write(self, rows: Sequence[Row], owners: dict[str, str]) -> None:
        """Write rows now (tracks, latest positions, retention)."""
        latest: dict[str, Row] = {}
        for r in rows:
            if r[0] not in latest or r[2] >= latest[r[0]][2]:
                latest[r[0]] = r
        with self.store.write() as s:
            if self.store.dialect == "postgresql":
                raw = s.connection().connection.driver_connection
                assert raw is not None
                cols = ", ".join(TRACK_COLUMNS)
                with (
                    raw.cursor() as cur,
                    cur.copy(f"COPY telemetry_tracks ({cols}) FROM STDIN") as cp,
                ):
                    for r in rows:
                        cp.write_row(r)
            else:  # the driver's executemany on plain tuples: no per-row dicts
                raw = s.connection().connection.driver_connection
                assert raw is not None
                raw.executemany(_INSERT_QMARK, rows)
            s.execute(
                text(_UPSERT),
                [
                    {"operator_id": owners.get(d, ""), **dict(zip(TRACK_COLUMNS, r, strict=True))}
                    for d, r in latest.items()
                ],
            )
            now = time.monotonic()
            if now >= self._next_trim:
                self._next_trim = now + 60.0
                s.execute(
                    delete(TrackPoint).where(TrackPoint.t_s < self.now_s() - self.retention_s)
                )
        self.written += len(rows)


def flight_track(
    session: Session,
    *,
    user: Principal,
    airspace: AirspaceState,
    flight_id: str,
    limit: int,
    after_s: float | None,
) -> dict[str, Any]:
    """The positions received for one of the caller's flights (regulators: any), oldest first,
    as ``[lon, lat, altitude_m AGL, RFC 3339 time]``, at most ``limit``, after ``after_s``."""
    row = own_flight(session, user, flight_id)
    q = select(TrackPoint.lon, TrackPoint.lat, TrackPoint.altitude_m, TrackPoint.t_s).where(
        TrackPoint.flight_id == row.id
    )
    if after_s is not None:
        q = q.where(TrackPoint.t_s > after_s)
    points = [
        [lon, lat, alt, airspace.to_datetime(t).isoformat()]
        for lon, lat, alt, t in session.execute(q.order_by(TrackPoint.t_s).limit(limit))
    ]
    drone = row.drone_id if user.is_regulator else ref_of(row.operator_id, row.drone_id)
    return {"flight": flight_id, "drone": drone, "state": row.state, "points": points}
