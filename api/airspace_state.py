"""The airspace of one service process: its planner, zones and geo-awareness index, kept in
step with the store.

Every change to accepted flights or zones is serialised: flight decisions go through
:meth:`AirspaceState.run` (one worker thread groups concurrent requests into one transaction
and one durable commit), the rarer changes through :meth:`AirspaceState.transaction`. Both take
the store's airspace lock, first apply the ``airspace_events`` other replicas wrote since this
process last looked (the change sequence), then decide and persist, and finally record their
own events as applied. If anything fails after the planner was changed, the planner is rebuilt
from the store before the next decision, so the store stays the truth.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from airspace.deployment import Deployment
from airspace.geoawareness import ZoneIndex
from airspace.projection import Projection
from airspace.zones import Zone
from api.airspace_load import (
    LIVE_STATES,
    live_zones,
    restore_live_flights,
    stored_records,
    zone_from_row,
)
from api.batch_rows import SESSION_KEY as BATCH_ROWS
from api.batch_rows import BatchRows, batch_rows
from api.decision_worker import DecisionWorker, Job, preload
from api.errors import ApiError
from api.models import AirspaceEvent
from api.store import Store, latest_seq, utcnow
from planner.decision import FlightRecord, Planner
from planner.requests import State

log = logging.getLogger("qingkong.api")

FORGET_EVERY = 1000
"""Jobs between two :meth:`planner.decision.Planner.forget_finished` calls: finished flights'
records live in the store; the planner keeps the live ones (as after a restart)."""


class AirspaceState:
    """The planner and zones of this process, synchronised with the store.

    Parameters
    ----------
    store : Store
    deployment : Deployment
    epoch : datetime
        The planner clock's zero (fixed in the store when it is created).
    corridors : CorridorNetwork or None
    separation_h_m, separation_v_m : float or None
        Separation minima (``None``: the deployment's).
    bounds : RequestBounds or None
        Limits on one request's work (``None``: :class:`planner.bounds.RequestBounds` defaults).
    """

    def __init__(
        self,
        store: Store,
        deployment: Deployment,
        *,
        epoch: datetime,
        corridors: Any = None,
        separation_h_m: float | None = None,
        separation_v_m: float | None = None,
        bounds: Any = None,
    ):
        self.store = store
        self.bounds = bounds
        self.deployment = deployment
        self.epoch = epoch
        self.corridors = corridors
        self.separation_h_m = separation_h_m
        self.separation_v_m = separation_v_m
        self._planner: Planner | None = None
        self.workflow: Any = None
        """The flight-activity workflow (:mod:`airspace.workflow`), set by the app."""
        self.units: Any = None
        """Competent units by control sub-region (:mod:`airspace.units`), set by the app."""
        self._zone_ids: dict[str, None] = {}
        """Ids of the zones in force in first-publication order (the console's list order:
        a republished zone keeps its place); the zones themselves are the planner's."""
        self.applied_seq = 0
        self._dirty = True
        self._lock = threading.RLock()
        self.worker = DecisionWorker(self._run_batch)
        """The group-commit decision worker behind :meth:`run`."""
        self.router_cache_size: int | None = None
        """Bound of the planner's router caches (``QINGKONG_ROUTER_CACHE_SIZE``)."""
        self._since_forget = 0
        self.oversized: list[str] = []
        """Live flights in the store longer than the bounds allow (not restored)."""

    # -- the planner ---------------------------------------------------------------------------
    @property
    def planner(self) -> Planner:
        """The planner of this process (loaded from the store by :meth:`catch_up`)."""
        if self._planner is None:
            raise RuntimeError("the airspace is not loaded yet")
        return self._planner

    @property
    def loaded(self) -> bool:
        """Whether the planner has been loaded from the store."""
        return self._planner is not None

    @property
    def projection(self) -> Projection:
        """The planner's metric frame (lon/lat <-> metres)."""
        return self.planner.projection

    @property
    def max_duration_s(self) -> float:
        """The longest flight the bounds let one request (or one restored record) cover."""
        return self.planner.bounds.max_duration_s

    def record_json(self, flight_id: str) -> dict[str, Any] | None:
        """The planner's record of one flight as JSON, or ``None`` if it does not know it
        (one record: ``planner.records()`` copies every flight's)."""
        try:
            return self.planner.record(flight_id).to_json()
        except KeyError:
            return None

    def record_state(self, flight_id: str) -> str | None:
        """The planner's lifecycle state of one flight, or ``None`` if it does not know it."""
        try:
            return str(self.planner.record(flight_id).state)
        except KeyError:
            return None

    def has_record(self, flight_id: str) -> bool:
        """Whether the planner knows the flight (without copying its record)."""
        try:
            self.planner.record(flight_id)
        except KeyError:
            return False
        return True

    def report_state(self, flight_id: str, code: str, stored: str, now_s: float) -> dict[str, Any]:
        """Record a lifecycle state a flight's telemetry reports (``ended``, ``activated`` of
        an accepted flight, or an airborne state) and return its new record as JSON; raises
        ``KeyError``/``ValueError`` if the planner does not know the flight or refuses."""
        if code == "ended":
            self.planner.end(flight_id, now_s)
        elif code == "activated" and stored == "accepted":
            self.planner.activate(flight_id, now_s)
        else:
            self.planner.record(flight_id).state = State(code)
        return self.planner.record(flight_id).to_json()

    # -- clock ---------------------------------------------------------------------------------
    def now_s(self) -> float:
        """Seconds on the planner clock now."""
        return (utcnow() - self.epoch).total_seconds()

    def to_datetime(self, t_s: float) -> datetime:
        """Planner seconds as an aware datetime."""
        return self.epoch + timedelta(seconds=float(t_s))

    def to_seconds(self, dt: datetime) -> float:
        """An aware datetime as planner seconds."""
        if dt.tzinfo is None:
            raise ValueError("times must carry a time zone (RFC 3339 with an offset or Z)")
        return (dt - self.epoch).total_seconds()

    # -- loading -------------------------------------------------------------------------------
    def _new_planner(self, zones: list[Zone]) -> Planner:
        planner = Planner(
            self.deployment,
            epoch=self.epoch,
            zones=zones,
            corridors=self.corridors,
            separation_h_m=self.separation_h_m,
            separation_v_m=self.separation_v_m,
            bounds=self.bounds,
        )
        planner.router_cache_size = self.router_cache_size
        return planner

    def reload(self, session: Session) -> None:
        """Rebuild the planner from the store: active zones, then every live flight."""
        t0 = time.perf_counter()
        zones = live_zones(session, epoch=self.epoch, deployment=self.deployment)
        planner = self._new_planner(list(zones.values()))
        n, self.oversized = restore_live_flights(session, planner)
        self._planner = planner
        self._zone_ids = dict.fromkeys(z.identifier for z in zones.values())
        self.applied_seq = latest_seq(session)
        self._dirty = False
        log.info(
            "airspace loaded: %d zones, %d live flights in %.2f s",
            len(zones),
            n,
            time.perf_counter() - t0,
        )

    def _drop(self, flight_id: str, now_s: float) -> None:
        with contextlib.suppress(KeyError):  # this planner never had it
            self.planner.cancel(flight_id, now_s)

    def apply_flight_events(self, events: list[AirspaceEvent], session: Session) -> None:
        """Apply flight changes another replica made: each flight's stored record replaces
        this planner's (the row holds the newest record, so order within the list is moot)."""
        refs = list(dict.fromkeys(ev.ref for ev in events))
        records = stored_records(session, refs)
        now_s = self.now_s()
        for ref in refs:
            if records.get(ref):
                self.planner.restore(FlightRecord.from_json(records[ref]))
            else:
                self._drop(ref, now_s)
        if events:
            self.applied_seq = max(self.applied_seq, events[-1].seq)

    def catch_up(self, session: Session) -> None:
        """Apply every event newer than the last one this process saw (or reload if unsure)."""
        if self._dirty or self._planner is None:
            self.reload(session)
            return
        events = list(
            session.execute(
                select(AirspaceEvent)
                .where(AirspaceEvent.seq > self.applied_seq)
                .order_by(AirspaceEvent.seq)
            ).scalars()
        )
        if any(ev.kind != "flight" for ev in events):
            # Re-planning after a zone change is not replayed here (this planner's order of
            # flights may differ from the publisher's): take the store's result as a whole.
            self.reload(session)
            return
        self.apply_flight_events(events, session)

    def _count_jobs(self, n: int) -> None:
        self._since_forget += n
        if self._since_forget >= FORGET_EVERY:  # memory follows the live flights
            self._since_forget = 0
            self.planner.forget_finished()

    def mark_dirty(self) -> None:
        """Rebuild the planner from the store before the next decision."""
        self._dirty = True

    # -- transactions --------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Serialised airspace change: lock, catch up, yield the session, commit.

        Events written with :meth:`log_event` inside the block are this process's own and are
        marked applied after the commit.
        """
        with self._lock:
            try:
                with self.store.write(airspace=True) as s:
                    self.catch_up(s)
                    s.info["own_events"] = []
                    yield s
                    s.flush()
                    own = s.info.pop("own_events")
                if own:
                    self.applied_seq = max(self.applied_seq, max(e.seq for e in own))
                self._count_jobs(1)
            except ApiError:
                # Raised before the planner was touched: the client's mistake, nothing to undo.
                raise
            except BaseException:
                self._dirty = True
                raise

    def run(self, fn: Callable[[Session], Any]) -> Any:
        """Run ``fn(session)`` as one serialised airspace change, committed before returning.

        Concurrent calls are grouped: one worker thread decides every queued job in a single
        database transaction and commits once, so many decisions share one durable write
        (group commit). ``fn`` must return plain data, not ORM objects, and may raise
        :class:`ApiError` only before it changes anything; any other error fails the batch.
        """
        return self.worker.run(fn)

    async def run_async(self, fn: Callable[[Session], Any]) -> Any:
        """:meth:`run` for the event loop: the worker resolves a future instead of waking a
        blocked thread."""
        return await self.worker.run_async(fn)

    @property
    def gate(self) -> threading.Event | None:
        """When set by :func:`api.warmup.warm_service`: the worker waits for it first."""
        return self.worker.gate

    @gate.setter
    def gate(self, event: threading.Event | None) -> None:
        self.worker.gate = event

    def warm(self) -> None:
        """Start the decision worker and pay its first-use costs now, not on the first request
        (pyproj builds its transformers per thread; SQLAlchemy compiles row loaders lazily)."""

        def touch(_s: Session) -> None:
            proj = Projection.for_deployment(self.deployment)
            x, y = proj.to_xy([self.deployment.centre_lon], [self.deployment.centre_lat])
            proj.to_lonlat(x, y)

        self.run(touch)

    def _run_batch(self, batch: list[Job]) -> None:
        with self._lock:
            try:
                own: list[AirspaceEvent] = []
                pending = BatchRows()
                with self.store.write(airspace=True) as s:
                    self.catch_up(s)
                    s.info["own_events"] = own
                    s.info[BATCH_ROWS] = pending
                    preload(s, batch)
                    for job in batch:
                        if not getattr(job.fn, "uses_batch_rows", False):
                            pending.write(s)  # what it reads through the session is stored
                        try:
                            job.result = job.fn(s)
                        except ApiError as e:
                            # Raised before the job changed anything: only this job fails.
                            job.error = e
                    pending.write(s)
                    s.flush()
                seqs = [e.seq for e in own] + [pending.max_seq]
                self.applied_seq = max(self.applied_seq, *seqs)
                self._count_jobs(len(batch))
            except BaseException as e:
                # Anything else may have left half a job in the planner: the whole batch is
                # rolled back and the planner is rebuilt from the store before the next one.
                self._dirty = True
                for job in batch:
                    if job.error is None:
                        job.result, job.error = None, e

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read session with this process's zones caught up (for geo-awareness)."""
        with self._lock, self.store.session() as s:
            self.catch_up(s)
            yield s

    @staticmethod
    def log_event(session: Session, kind: str, ref: str, payload: dict[str, Any]) -> None:
        """Record an airspace change for the other replicas (applied here after commit)."""
        values = {"kind": kind, "ref": ref, "payload": payload, "created_at": utcnow()}
        pending = batch_rows(session)
        if pending is not None:  # its sequence number is taken when the batch writes it
            pending.events.append(values)
            return
        ev = AirspaceEvent(**values)
        session.add(ev)
        session.info.setdefault("own_events", []).append(ev)

    # -- zones -----------------------------------------------------------------------------------
    @property
    def zones(self) -> dict[str, Zone]:
        """The zones in force by id: the planner's (:attr:`planner.decision.Planner.zone_set`),
        in the order they were first published (empty before the planner is loaded)."""
        if self._planner is None:
            return {}
        zone_set = self._planner.zone_set
        return {zid: zone_set[zid] for zid in self._zone_ids}

    def zone_index(self) -> ZoneIndex:
        """The geo-awareness index over the active zones: the planner's own compiled zone set
        (:attr:`planner.decision.Planner.zone_set`), rebuilt there when the zones change."""
        return self.planner.zone_set.geo_index()

    def publish_zone(self, session: Session, zone: Zone) -> list[Any]:
        """Add or replace a zone in the planner; returns the planner's flight changes."""
        now_s = self.now_s()
        if zone.identifier in self._zone_ids:
            self.planner.withdraw_zone(zone.identifier, now_s)
        changes = self.planner.publish_zone(zone, now_s)
        self._zone_ids[zone.identifier] = None
        self.log_event(session, "zone", zone.identifier, {"action": "publish"})
        return changes

    def withdraw_zone(self, session: Session, zone_id: str) -> None:
        """Remove a zone from the planner (flights keep their slots)."""
        if zone_id in self._zone_ids:
            self.planner.withdraw_zone(zone_id, self.now_s())
            del self._zone_ids[zone_id]
        self.log_event(session, "zone", zone_id, {"action": "withdraw"})


__all__ = ["FORGET_EVERY", "LIVE_STATES", "AirspaceState", "zone_from_row"]
