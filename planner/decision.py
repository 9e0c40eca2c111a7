"""The decision layer: the :class:`Planner` that approves, holds for review or rejects flight
requests, first come first served at their priority, and keeps every accepted flight
conflict-free in 4D against the others and against the active zones.

One request goes through: validation (:mod:`planner.validation`: class limits, ceiling, time
window), 4D trajectories (the waypoint route as filed, the corridor routes and layers the
router offers for a ``from``/``to`` request, or the area operation), the exact earliest-slot
search (:func:`planner.deconflict.earliest_slot`) against accepted flights and the PROHIBITED
zone volumes active while the flight could be inside, then the REQ_AUTHORISATION zones the
chosen trajectory enters (pending). A higher-priority request may take airspace held by
lower-priority flights: those are re-planned (same rules as their own request, departing no
earlier than now) or revoked, each reported as a :class:`Change`. Equal priority never
overrides. Flights in the air (activated, nonconforming, contingent) are never displaced.

Modules by job under this face: :mod:`planner.zoneset` (the compiled zone set),
:mod:`planner.candidates` (candidate routes), :mod:`planner.slots` (slot choice and
suggestions), :mod:`planner.records` (record book and lifecycle), :mod:`planner.cascade`
(displacement), :mod:`planner.reasons` (reason text) and :mod:`airspace.clock` (the clock).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from airspace.clock import Clock, require_aware
from airspace.deployment import Deployment
from airspace.projection import Projection
from airspace.rules import RuleSet
from airspace.rulesets import RULESETS
from airspace.terrain import terrain_for
from airspace.zones import Restriction, Zone
from planner import offnominal
from planner import reasons as say
from planner.bounds import RequestBounds
from planner.candidates import CandidateRoutes
from planner.cascade import displace
from planner.index import SpaceTimeIndex
from planner.records import (
    AIRBORNE_PRIORITY,
    AIRBORNE_STATES,
    LIFECYCLE,
    LIVE_STATES,
    Change,
    FlightRecord,
    RecordBook,
)
from planner.requests import Decision, FlightRequest, Reason, State, Status
from planner.slots import SEARCH_QUANTUM_S, Plan, SlotSearch
from planner.true_height import TrueHeight, route_true_height
from planner.validation import Checked, validate
from planner.zoneset import CompiledZones

__all__ = [
    "AIRBORNE_PRIORITY",
    "AIRBORNE_STATES",
    "LIFECYCLE",
    "LIVE_STATES",
    "SEARCH_QUANTUM_S",
    "Change",
    "FlightRecord",
    "Planner",
]


class Planner:
    """The approval hub the API and the scenario replay share.

    Parameters
    ----------
    deployment : Deployment
        Projection, time zone and default separation minima.
    epoch : datetime
        Aware instant of ``t_s = 0`` on the planner clock.
    zones : sequence of Zone
        Zones in force (their schedules decide when they are active).
    corridors : CorridorNetwork, optional
        Needed for ``from``/``to`` requests.
    ruleset : RuleSet, optional
        National rules; the deployment's by default.
    separation_h_m, separation_v_m : float, optional
        Separation minima; the deployment's by default. ASTM F3548 volume semantics is
        ``0.01`` for both.
    bounds : RequestBounds, optional
        Limits on the work one request may cause (:mod:`planner.bounds`); defaults if absent.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from airspace.deployment import QINGDAO
    >>> from airspace.drones import Drone
    >>> from planner.requests import FlightRequest, WaypointRoute
    >>> p = Planner(QINGDAO, epoch=datetime(2026, 12, 1, tzinfo=timezone.utc))
    >>> route = WaypointRoute(((120.38, 36.07, 0), (120.38, 36.07, 60), (120.39, 36.07, 60)))
    >>> req = FlightRequest("F-1", Drone("D-1", drone_class="light"), route, 300.0, 900.0, 10.0)
    >>> decision, changes = p.decide(req, now_s=0.0)
    >>> str(decision.status), decision.departure_s, p.record("F-1").state.value
    ('approved', 300.0, 'accepted')
    """

    def __init__(
        self,
        deployment: Deployment,
        *,
        epoch: datetime,
        zones: Sequence[Zone] = (),
        corridors: Any = None,
        ruleset: RuleSet | None = None,
        separation_h_m: float | None = None,
        separation_v_m: float | None = None,
        bounds: RequestBounds | None = None,
    ):
        require_aware(epoch, "epoch")
        if ruleset is None:
            if deployment.rules not in RULESETS:
                raise ValueError(
                    f"deployment {deployment.name}: unknown rule set {deployment.rules!r} "
                    f"(known: {', '.join(sorted(RULESETS))})"
                )
            ruleset = RULESETS[deployment.rules]
        self.deployment = deployment
        self.clock = Clock(epoch, deployment.tz)
        """Planner seconds after :attr:`epoch` and RFC 3339 in the deployment's time zone."""
        self.ruleset = ruleset
        self.bounds = bounds or RequestBounds()
        """Limits on the work one request may cause (:mod:`planner.bounds`)."""
        self.projection = Projection.for_deployment(deployment)
        self.terrain = terrain_for(deployment)
        """The ground true heights are measured from (:mod:`airspace.terrain`)."""
        self.separation_h_m = float(
            deployment.separation_horizontal_m if separation_h_m is None else separation_h_m
        )
        self.separation_v_m = float(
            deployment.separation_vertical_m if separation_v_m is None else separation_v_m
        )
        for name, v in (
            ("separation_h_m", self.separation_h_m),
            ("separation_v_m", self.separation_v_m),
        ):
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive number of metres, got {v}")
        self.book = RecordBook(self.projection)
        """Flight records, lifecycle states and the airspace live flights hold."""
        self.zone_set = CompiledZones(deployment, self.clock, zones)
        """The one compiled zone set (planner volumes and the geo-awareness index)."""
        self.routes = CandidateRoutes(
            deployment,
            self.projection,
            ruleset,
            self.clock,
            self.zone_set,
            self.separation_v_m,
            corridors,
            heights=self.true_height,
        )
        self.slots = SlotSearch(
            self.book.index,
            self.zone_set,
            self.routes,
            ruleset,
            self.projection,
            self.separation_h_m,
            self.separation_v_m,
            heights=self.true_height,
        )

    # ------------------------------------------------------------------ settings
    @property
    def epoch(self) -> datetime:
        """Aware instant of ``t_s = 0`` on the planner clock."""
        return self.clock.epoch

    @property
    def index(self) -> SpaceTimeIndex:
        """The accepted, pending and airborne flights (space-time index)."""
        return self.book.index

    @property
    def corridors(self) -> Any:
        """The corridor network of ``from``/``to`` requests (or ``None``)."""
        return self.routes.corridors

    @property
    def router_cache_size(self) -> int | None:
        """Bound of each router cache (None: :data:`planner.routing.PATH_CACHE_SIZE`)."""
        return self.routes.router_cache_size

    @router_cache_size.setter
    def router_cache_size(self, value: int | None) -> None:
        self.routes.router_cache_size = value

    # ------------------------------------------------------------------ clock
    def to_seconds(self, dt: datetime) -> float:
        """Planner seconds of an aware instant."""
        return self.clock.to_seconds(dt)

    def to_datetime(self, t_s: float) -> datetime:
        """The aware instant of planner seconds ``t_s``."""
        return self.clock.to_datetime(t_s)

    def say_time(self, t_s: float) -> str:
        """Planner seconds as people read them: RFC 3339 in the deployment's time zone, with
        the planner seconds after it (``2026-12-01T08:00:00+08:00 (t=3600 s)``)."""
        return self.clock.say(t_s)

    # ------------------------------------------------------------------ zones
    @property
    def zones(self) -> list[Zone]:
        """The zones in force."""
        return self.zone_set.zones

    @property
    def skipped_zones(self) -> list[str]:
        """Zones outside the deployment's projection area (they cannot touch its flights)."""
        return self.zone_set.skipped

    def publish_zone(self, zone: Zone, now_s: float) -> list[Change]:
        """Put a zone in force (replacing one with the same id) and deal with the flights it hits.

        Accepted and pending flights that would now be inside an active PROHIBITED volume are
        re-planned (same rules as their request, departing no earlier than ``now_s``) or
        revoked; flights in the air inside it are revoked. Each gets a :class:`Change` with a
        ``ZONE_PUBLISHED`` reason naming the zone.
        """
        self.zone_set.put(zone)
        self.routes.zones_changed()
        if zone.restriction != Restriction.PROHIBITED:
            return []
        zid = zone.identifier
        own = offnominal.owner_flight(zid)  # not displaced by its own volume
        hit = [
            fid
            for fid in self.book.near(self.zone_set.footprint(zid), now_s)
            if fid != own
            and self.zone_set.entered(
                self.book.flight(fid),
                Restriction.PROHIBITED,
                self.separation_h_m,
                self.separation_v_m,
                t_lo_s=max(now_s, self.book.flight(fid).start_s),
                only_zone=zid,
                since_s=now_s,
            )
        ]
        reason = say.zone_published(zid)
        return self._displace(hit, now_s, lambda _fid: reason)

    def withdraw_zone(self, zone_id: str, now_s: float) -> None:
        """Take a zone out of force. Accepted flights stay as they are."""
        if zone_id not in self.zone_set:
            raise KeyError(f"zone {zone_id!r} is not in force")
        self.zone_set.remove(zone_id)
        self.routes.zones_changed()

    # ------------------------------------------------------------------ records
    def record(self, flight_id: str) -> FlightRecord:
        """The record of a flight; ``KeyError`` for an unknown id."""
        return self.book.record(flight_id)

    def forget_finished(self) -> int:
        """Drop the records of flights that no longer hold airspace (ended, cancelled,
        rejected, revoked); returns how many. A long-running service calls this now and then
        (its store keeps them): the planner is then what a restart would rebuild."""
        return self.book.forget_finished()

    def records(self) -> dict[str, FlightRecord]:
        """Every flight decided so far, in decision order."""
        return self.book.records()

    def restore(self, record: FlightRecord) -> None:
        """Reload a persisted flight (e.g. on restart); live ones take their airspace back."""
        self.book.restore(record)

    # ------------------------------------------------------------------ lifecycle
    def cancel(self, flight_id: str, now_s: float) -> None:
        """The operator withdraws a flight; its airspace is freed. Cancelling a flight that
        is no longer live (rejected, revoked, ended, cancelled) changes nothing."""
        self.book.cancel(flight_id)

    def activate(self, flight_id: str, now_s: float) -> None:
        """The flight took off (accepted -> activated); from now on nobody displaces it."""
        self.book.activate(flight_id)

    def end(self, flight_id: str, now_s: float) -> None:
        """The flight landed (activated, nonconforming, contingent or accepted -> ended)."""
        self.book.end(flight_id)

    def review(
        self, flight_id: str, approve: bool, now_s: float, comment: str = ""
    ) -> tuple[Decision, list[Change]]:
        """A regulator's verdict on a pending flight: approve (-> accepted, same slot) or deny
        (-> rejected with ``REVIEW_DENIED``, slot freed)."""
        return self.book.review(flight_id, approve, now_s, comment), []

    # ------------------------------------------------------------------ deciding
    def decide(
        self,
        request: FlightRequest,
        now_s: float,
        *,
        gate: Any = None,
        hold_pending: bool = True,
    ) -> tuple[Decision, list[Change]]:
        """Decide a request at planner time ``now_s``.

        ``gate`` (e.g. :class:`planner.workflow_gate.WorkflowGate`) adds the workflow's
        findings: ``gate.before(request, checked)`` returns reasons to reject before any slot
        search, ``gate.after(request, checked, pending, route)`` (once a slot is found, before
        anything is committed) returns ``(reject, pending, notes)`` where ``pending`` replaces
        the reasons the flight would wait for (a standing approval may clear them); it may
        raise to refuse.

        Returns
        -------
        (Decision, list of Change)
            Approved and pending requests are committed (pending holds its slot); the changes
            list the lower-priority flights re-planned or revoked to make room. With
            ``hold_pending=False`` a request that would wait for review is answered pending
            but nothing is held: it is recorded cancelled and nobody makes room for it.

        Raises
        ------
        ValueError
            When the flight id is already live (cancel it first).
        """
        fid = request.flight_id
        old = self.book.get(fid)
        if old is not None and old.state in LIVE_STATES:
            raise ValueError(
                f"flight {fid} is already {old.state}; cancel it before filing it again"
            )
        now_s = float(now_s)
        checked = self._validate(request, now_s)
        if gate is not None and not checked.rejections:
            checked.rejections.extend(gate.before(request, checked))
        if checked.rejections:
            return self._reject(request, now_s, checked.rejections), []
        plan, failure = self.slots.plan(request, checked)
        if plan is None:
            return self._reject(
                request,
                now_s,
                say.failure_reasons(failure, self.zone_set.get, self.book.state_of, self.say_time),
            ), []
        if gate is not None:
            reject, pending, notes = gate.after(
                request, checked, checked.pending + plan.pending, plan.route
            )
            if reject:
                return self._reject(request, now_s, reject), []
            checked.pending, plan.pending = [], list(pending)
            plan.notes = notes + plan.notes
        if not hold_pending and (checked.pending or plan.pending):
            return self._decline_pending(request, plan, checked, now_s), []
        decision = self._commit(request, plan, checked, now_s)
        reason = say.outranked(fid, request.priority)
        changes = self._displace(plan.overridden, now_s, lambda _f: reason)
        return decision, changes

    def _reject(self, request: FlightRequest, now_s: float, reasons: list[Reason]) -> Decision:
        decision = Decision(request.flight_id, Status.REJECTED, now_s, reasons=reasons)
        self.book.put(FlightRecord(request, decision, State.REJECTED))
        return decision

    def _commit(
        self, request: FlightRequest, plan: Plan, checked: Checked, now_s: float
    ) -> Decision:
        pending = checked.pending + plan.pending
        status = Status.PENDING if pending else Status.APPROVED
        decision = self.slots.decision(request, plan, status, now_s, pending + plan.notes)
        self.book.put(FlightRecord(request, decision, State.PENDING if pending else State.ACCEPTED))
        self.book.file(request.flight_id, plan.flight, request.priority)
        return decision

    def _decline_pending(
        self, request: FlightRequest, plan: Plan, checked: Checked, now_s: float
    ) -> Decision:
        pending = checked.pending + plan.pending
        decision = self.slots.decision(request, plan, Status.PENDING, now_s, pending + plan.notes)
        self.book.put(FlightRecord(request, decision, State.CANCELLED))
        return decision

    def _displace(self, flight_ids: Sequence[str], now_s: float, reason_for) -> list[Change]:
        return displace(self.book, flight_ids, now_s, reason_for, self.slots, self._validate)

    def true_height(self, rows: np.ndarray) -> TrueHeight:
        """Highest and lowest true height along ``[lon, lat, altitude_m]`` rows over this
        deployment's terrain (:func:`planner.true_height.route_true_height`)."""
        return route_true_height(rows, self.terrain, self.projection)

    def _validate(self, request: FlightRequest, now_s: float) -> Checked:
        return validate(
            request, now_s, self.ruleset, self.bounds, say=self.say_time, heights=self.true_height
        )
