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
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from airspace.deployment import Deployment
from airspace.errors import AirspaceError
from airspace.projection import Projection
from airspace.rules import RULESETS, RuleSet
from airspace.schedule import active_intervals
from airspace.zones import Restriction, Zone
from planner import offnominal
from planner.bounds import RequestBounds
from planner.deconflict import ZoneBlock, conflicts_at, earliest_slot
from planner.index import SpaceTimeIndex
from planner.requests import (
    AreaRoute,
    CorridorRoute,
    Decision,
    FlightRequest,
    Reason,
    ReasonCode,
    State,
    Status,
    WaypointRoute,
    area_json,
)
from planner.trajectory import AreaOp, Trajectory4D, build_waypoint_trajectory, to_lonlat_rows
from planner.validation import Checked, altitude_findings, validate

SEARCH_QUANTUM_S = 0.1
"""Departure delays are chosen on this grid (seconds) above the earliest departure."""
ALTERNATIVE_HORIZON_S = 3600.0
"""How far past a rejected window the planner looks for a departure to suggest."""
AIRBORNE_PRIORITY = 2**62
"""Index priority of flights in the air: no request can displace them."""
ALTERNATIVE_LAYER_STEPS = (1, -1, 2, -2)
"""Cruise-altitude shifts (in S_v) tried to suggest an alternative to a rejected route."""
CORRIDOR_LAYER_OFFSETS = (0, 1)
"""Altitude-layer alternatives asked of the router for each corridor request."""

LIVE_STATES = frozenset(
    {State.PENDING, State.ACCEPTED, State.ACTIVATED, State.NONCONFORMING, State.CONTINGENT}
)
AIRBORNE_STATES = frozenset({State.ACTIVATED, State.NONCONFORMING, State.CONTINGENT})

Flight = Trajectory4D | AreaOp


@dataclass
class Change:
    """A flight the planner changed as a side effect: re-planned or revoked because a
    higher-priority request took its airspace or a zone was published."""

    flight_id: str
    kind: str  # "revoked" | "replanned" | "approved"
    decision: Decision
    reason: Reason


@dataclass
class FlightRecord:
    """Everything the planner knows about one flight: what was asked, what was decided, where
    it is in its lifecycle. Persisted as JSON and reloaded with :meth:`Planner.restore`."""

    request: FlightRequest
    decision: Decision
    state: State

    def to_json(self) -> dict[str, Any]:
        return {
            "request": self.request.to_json(),
            "decision": self.decision.to_json(),
            "state": str(self.state),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FlightRecord:
        """Read what :meth:`to_json` wrote."""
        return cls(
            request=FlightRequest.from_json(d["request"]),
            decision=Decision.from_json(d["decision"]),
            state=State(d["state"]),
        )


@dataclass(frozen=True)
class _Volume:
    zone: Zone
    block: ZoneBlock  # active_s = [-inf, inf]; narrowed per query for scheduled zones


@dataclass
class _Candidate:
    flight: Flight  # departing at the request's earliest_s
    route: dict[str, Any] | None = None
    pending: list[Reason] = field(default_factory=list)


@dataclass
class _Plan:
    flight: Flight  # delayed
    delay_s: float
    route: dict[str, Any] | None
    pending: list[Reason]
    overridden: list[str]
    notes: list[Reason] = field(default_factory=list)


@dataclass
class _Failure:
    flights: dict[str, None] = field(default_factory=dict)
    zones: dict[str, None] = field(default_factory=dict)
    reasons: list[Reason] = field(default_factory=list)
    alternative_s: float | None = None
    layer: tuple[float, float] | None = None


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
        if epoch.tzinfo is None or epoch.tzinfo.utcoffset(epoch) is None:
            raise ValueError("epoch must carry a time zone (RFC 3339 with an offset or Z)")
        if ruleset is None:
            if deployment.rules not in RULESETS:
                raise ValueError(
                    f"deployment {deployment.name}: unknown rule set {deployment.rules!r} "
                    f"(known: {', '.join(sorted(RULESETS))})"
                )
            ruleset = RULESETS[deployment.rules]
        self.deployment = deployment
        self.epoch = epoch
        self.ruleset = ruleset
        self.bounds = bounds or RequestBounds()
        """Limits on the work one request may cause (:mod:`planner.bounds`)."""
        self.projection = Projection.for_deployment(deployment)
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
        self.corridors = corridors
        self.index = SpaceTimeIndex()
        self._nobody = SpaceTimeIndex()
        self._records: dict[str, FlightRecord] = {}
        self._flights: dict[str, Flight] = {}
        self._bounds: dict[str, tuple[float, ...]] = {}
        self._zones: dict[str, Zone] = {}
        self._volumes: list[_Volume] = []
        self._tree: shapely.STRtree | None = None
        self._router: Any = None
        self.router_cache_size: int | None = None
        """Bound of each router cache (None: :data:`planner.routing.PATH_CACHE_SIZE`)."""
        self.skipped_zones: list[str] = []
        """Zones outside the deployment's projection area (they cannot touch its flights)."""
        for z in zones:
            self._zones[z.identifier] = z
        self._compile_zones()

    # ------------------------------------------------------------------ clock
    def to_seconds(self, dt: datetime) -> float:
        """Planner seconds of an aware instant."""
        if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
            raise ValueError("times must carry a time zone (RFC 3339 with an offset or Z)")
        return (dt - self.epoch).total_seconds()

    def to_datetime(self, t_s: float) -> datetime:
        """The aware instant of planner seconds ``t_s``."""
        return self.epoch + timedelta(seconds=float(t_s))

    def say_time(self, t_s: float) -> str:
        """Planner seconds as people read them: RFC 3339 in the deployment's time zone, with
        the planner seconds after it (``2026-12-01T08:00:00+08:00 (t=3600 s)``)."""
        try:
            local = self.to_datetime(t_s).astimezone(self.deployment.tz)
        except (OverflowError, ValueError):
            return f"t={t_s:g} s"
        return f"{local.isoformat(timespec='seconds')} (t={t_s:.0f} s)"

    # ------------------------------------------------------------------ zones
    @property
    def zones(self) -> list[Zone]:
        """The zones in force."""
        return list(self._zones.values())

    def _compile_zones(self) -> None:
        volumes: list[_Volume] = []
        skipped: list[str] = []
        for zone in self._zones.values():
            for i, vol in enumerate(zone.volumes):
                try:
                    poly_xy = self.projection.geometry_to_xy(vol.polygon)
                except AirspaceError:
                    skipped.append(zone.identifier)
                    continue
                lo, hi = vol.band_agl_m(self.deployment)
                block = ZoneBlock.from_polygon(
                    zone.identifier, poly_xy, lo, hi, [[-math.inf, math.inf]], volume_index=i
                )
                volumes.append(_Volume(zone, block))
        self._volumes = volumes
        self.skipped_zones = sorted(set(skipped))
        polys = [v.block.polygon_xy for v in volumes]
        self._tree = shapely.STRtree(polys) if polys else None
        if self._router is not None:
            from airspace.geoawareness import ZoneIndex

            self._router.set_zones(ZoneIndex(list(self._zones.values()), self.deployment))

    def _blocks(
        self,
        flight: Flight,
        t_lo_s: float,
        t_hi_s: float,
        restrictions: Iterable[Restriction],
        *,
        only_zone: str | None = None,
        since_s: float | None = None,
    ) -> list[ZoneBlock]:
        """Zone volumes of the given restrictions near ``flight`` with their active intervals
        inside ``[t_lo_s, t_hi_s]`` (the times the flight could be there); ``since_s`` also
        cuts permanent zones to start then (a zone published now does not reach back)."""
        if self._tree is None:
            return []
        if isinstance(flight, AreaOp):
            x0, y0, x1, y1 = shapely.bounds(flight.polygon_xy)
            z0, z1 = flight.lower_m, flight.upper_m
        else:
            xyz = flight.xyzt
            (x0, y0, z0), (x1, y1, z1) = xyz[:, :3].min(axis=0), xyz[:, :3].max(axis=0)
        # shapely.box (the vectorised constructor): the same rectangle as shapely.geometry.box
        # at a tenth of the cost; this runs for every alternative's slot search.
        hits = self._tree.query(shapely.box(x0, y0, x1, y1))
        wanted = set(restrictions)
        out: list[ZoneBlock] = []
        for i in np.sort(hits):
            v = self._volumes[int(i)]
            zone = v.zone
            if zone.restriction not in wanted or (
                only_zone is not None and zone.identifier != only_zone
            ):
                continue
            if v.block.lower_m > z1 or v.block.upper_m < z0:
                continue
            if zone.is_permanent:
                if since_s is None:
                    out.append(v.block)
                else:
                    out.append(replace(v.block, active_s=np.array([[since_s, math.inf]])))
                continue
            spans = active_intervals(
                zone,
                self.to_datetime(t_lo_s),
                self.to_datetime(t_hi_s) + timedelta(microseconds=1),
                self.deployment.tz,
            )
            if spans:
                act = np.array([[self.to_seconds(a), self.to_seconds(b)] for a, b in spans])
                out.append(replace(v.block, active_s=act))
        return out

    def publish_zone(self, zone: Zone, now_s: float) -> list[Change]:
        """Put a zone in force (replacing one with the same id) and deal with the flights it hits.

        Accepted and pending flights that would now be inside an active PROHIBITED volume are
        re-planned (same rules as their request, departing no earlier than ``now_s``) or
        revoked; flights in the air inside it are revoked. Each gets a :class:`Change` with a
        ``ZONE_PUBLISHED`` reason naming the zone.
        """
        self._zones[zone.identifier] = zone
        self._compile_zones()
        if zone.restriction != Restriction.PROHIBITED:
            return []
        hit: list[str] = []
        own = offnominal.owner_flight(zone.identifier)  # not displaced by its own volume
        for fid in self._near(zone.identifier, now_s):
            if fid == own:
                continue
            flight = self._flights[fid]
            end = flight.end_s
            blocks = self._blocks(
                flight,
                max(now_s, flight.start_s),
                end,
                (Restriction.PROHIBITED,),
                only_zone=zone.identifier,
                since_s=now_s,
            )
            if not blocks:
                continue
            _, zones = conflicts_at(
                flight, 0.0, self._nobody, blocks, self.separation_h_m, self.separation_v_m
            )
            if zones:
                hit.append(fid)
        reason = Reason(
            ReasonCode.ZONE_PUBLISHED,
            f"zone {zone.identifier} was published over this flight",
            zone=zone.identifier,
        )
        if own is not None:
            reason = offnominal.displaced_reason(zone.identifier)
        return self._displace(hit, now_s, lambda _fid: reason)

    def _near(self, zone_id: str, now_s: float) -> list[str]:
        """Filed flights whose bounding boxes meet the zone's and that end after ``now_s``."""
        vols = [v.block for v in self._volumes if v.zone.identifier == zone_id]
        ids = list(self._flights)
        if not vols or not ids:
            return []
        zx0, zy0, zx1, zy1 = shapely.total_bounds([b.polygon_xy for b in vols])
        zlo = min(b.lower_m for b in vols)
        zhi = max(b.upper_m for b in vols)
        bb = np.array([self._bounds[f] for f in ids])  # x0, y0, x1, y1, z0, z1, t1
        near = (
            (bb[:, 0] <= zx1)
            & (bb[:, 2] >= zx0)
            & (bb[:, 1] <= zy1)
            & (bb[:, 3] >= zy0)
            & (bb[:, 4] <= zhi)
            & (bb[:, 5] >= zlo)
            & (bb[:, 6] >= now_s)
        )
        return [ids[i] for i in np.flatnonzero(near)]

    def withdraw_zone(self, zone_id: str, now_s: float) -> None:
        """Take a zone out of force. Accepted flights stay as they are."""
        if zone_id not in self._zones:
            raise KeyError(f"zone {zone_id!r} is not in force")
        del self._zones[zone_id]
        self._compile_zones()

    # ------------------------------------------------------------------ records
    def record(self, flight_id: str) -> FlightRecord:
        """The record of a flight; ``KeyError`` for an unknown id."""
        try:
            return self._records[flight_id]
        except KeyError:
            raise KeyError(f"unknown flight {flight_id!r}") from None

    def forget_finished(self) -> int:
        """Drop the records of flights that no longer hold airspace (ended, cancelled,
        rejected, revoked); returns how many. A long-running service calls this now and then
        (its store keeps them): the planner is then what a restart would rebuild."""
        gone = [f for f, r in self._records.items() if r.state not in LIVE_STATES]
        for f in gone:
            del self._records[f]
        return len(gone)

    def records(self) -> dict[str, FlightRecord]:
        """Every flight decided so far, in decision order."""
        return dict(self._records)

    def _file(self, flight_id: str, flight: Flight, priority: int) -> None:
        if flight_id in self.index:
            self.index.remove(flight_id)
        self.index.insert(flight_id, priority, flight)
        self._flights[flight_id] = flight
        if isinstance(flight, AreaOp):
            x0, y0, x1, y1 = shapely.bounds(flight.polygon_xy)
            self._bounds[flight_id] = (x0, y0, x1, y1, flight.lower_m, flight.upper_m, flight.end_s)
        else:
            lo, hi = flight.xyzt.min(axis=0), flight.xyzt.max(axis=0)
            self._bounds[flight_id] = (lo[0], lo[1], hi[0], hi[1], lo[2], hi[2], hi[3])

    def _unfile(self, flight_id: str) -> None:
        if flight_id in self.index:
            self.index.remove(flight_id)
        self._flights.pop(flight_id, None)
        self._bounds.pop(flight_id, None)

    def _index_priority(self, rec: FlightRecord) -> int:
        return AIRBORNE_PRIORITY if rec.state in AIRBORNE_STATES else rec.request.priority

    def _flight_from_decision(self, decision: Decision) -> Flight:
        if decision.trajectory is not None:
            rows = np.asarray(decision.trajectory, dtype=np.float64)
            x, y = self.projection.to_xy(rows[:, 0], rows[:, 1])
            return Trajectory4D(np.column_stack([x, y, rows[:, 2], rows[:, 3]]))
        if decision.area is not None:
            a = decision.area
            return AreaOp.from_lonlat(
                shape(a["area"]), a["lower_m"], a["upper_m"], a["start"], a["end"], self.projection
            )
        raise ValueError(f"flight {decision.flight_id}: the decision has no trajectory or area")

    def restore(self, record: FlightRecord) -> None:
        """Reload a persisted flight (e.g. on restart); live ones take their airspace back."""
        fid = record.request.flight_id
        self._unfile(fid)
        self._records.pop(fid, None)
        self._records[fid] = record
        if record.state in LIVE_STATES:
            self._file(
                fid, self._flight_from_decision(record.decision), self._index_priority(record)
            )

    # ------------------------------------------------------------------ lifecycle
    def _live(self, flight_id: str, allowed: Iterable[State], action: str) -> FlightRecord:
        rec = self.record(flight_id)
        if rec.state not in set(allowed):
            raise ValueError(f"flight {flight_id} is {rec.state}; cannot {action} it")
        return rec

    def cancel(self, flight_id: str, now_s: float) -> None:
        """The operator withdraws a flight; its airspace is freed. Cancelling a flight that
        is no longer live (rejected, revoked, ended, cancelled) changes nothing."""
        rec = self.record(flight_id)
        if rec.state not in LIVE_STATES:
            return
        self._unfile(flight_id)
        rec.state = State.CANCELLED

    def activate(self, flight_id: str, now_s: float) -> None:
        """The flight took off (accepted -> activated); from now on nobody displaces it."""
        rec = self._live(flight_id, (State.ACCEPTED,), "activate")
        rec.state = State.ACTIVATED
        self._file(flight_id, self._flights[flight_id], AIRBORNE_PRIORITY)

    def end(self, flight_id: str, now_s: float) -> None:
        """The flight landed (activated, nonconforming, contingent or accepted -> ended)."""
        self._live(flight_id, AIRBORNE_STATES | {State.ACCEPTED}, "end")
        self._unfile(flight_id)
        self._records[flight_id].state = State.ENDED

    def review(
        self, flight_id: str, approve: bool, now_s: float, comment: str = ""
    ) -> tuple[Decision, list[Change]]:
        """A regulator's verdict on a pending flight: approve (-> accepted, same slot) or deny
        (-> rejected with ``REVIEW_DENIED``, slot freed)."""
        rec = self._live(flight_id, (State.PENDING,), "review")
        old = rec.decision
        if approve:
            notes = [r for r in old.reasons if r.code == ReasonCode.ZONE_CONDITIONAL]
            decision = replace(
                old, status=Status.APPROVED, decided_at_s=float(now_s), reasons=notes
            )
            rec.state = State.ACCEPTED
        else:
            decision = Decision(
                flight_id,
                Status.REJECTED,
                float(now_s),
                reasons=[Reason(ReasonCode.REVIEW_DENIED, comment or "denied by the regulator")],
            )
            rec.state = State.REJECTED
            self._unfile(flight_id)
        rec.decision = decision
        return decision, []

    # ------------------------------------------------------------------ deciding
    def decide(
        self, request: FlightRequest, now_s: float, *, gate: Any = None
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
            list the lower-priority flights re-planned or revoked to make room.

        Raises
        ------
        ValueError
            When the flight id is already live (cancel it first).
        """
        fid = request.flight_id
        old = self._records.get(fid)
        if old is not None and old.state in LIVE_STATES:
            raise ValueError(
                f"flight {fid} is already {old.state}; cancel it before filing it again"
            )
        now_s = float(now_s)
        checked = validate(request, now_s, self.ruleset, self.bounds, say=self.say_time)
        if gate is not None and not checked.rejections:
            checked.rejections.extend(gate.before(request, checked))
        if checked.rejections:
            return self._reject(request, now_s, checked.rejections), []
        plan, failure = self._plan(request, checked, now_s)
        if plan is None:
            return self._reject(request, now_s, self._failure_reasons(failure)), []
        if gate is not None:
            reject, pending, notes = gate.after(
                request, checked, checked.pending + plan.pending, plan.route
            )
            if reject:
                return self._reject(request, now_s, reject), []
            checked.pending, plan.pending = [], list(pending)
            plan.notes = notes + plan.notes
        decision = self._commit(request, plan, checked, now_s)
        reason = Reason(
            ReasonCode.OUTRANKED,
            f"higher-priority flight {fid} (priority {request.priority}) took its airspace",
            flight=fid,
        )
        changes = self._displace(plan.overridden, now_s, lambda _f: reason)
        return decision, changes

    def _reject(self, request: FlightRequest, now_s: float, reasons: list[Reason]) -> Decision:
        decision = Decision(request.flight_id, Status.REJECTED, now_s, reasons=reasons)
        self._records.pop(request.flight_id, None)
        self._records[request.flight_id] = FlightRecord(request, decision, State.REJECTED)
        return decision

    def _commit(
        self, request: FlightRequest, plan: _Plan, checked: Checked, now_s: float
    ) -> Decision:
        pending = checked.pending + plan.pending
        status = Status.PENDING if pending else Status.APPROVED
        decision = self._decision(request, plan, status, now_s, pending + plan.notes)
        fid = request.flight_id
        self._records.pop(fid, None)
        rec = FlightRecord(request, decision, State.PENDING if pending else State.ACCEPTED)
        self._records[fid] = rec
        self._file(fid, plan.flight, request.priority)
        return decision

    def _decision(
        self,
        request: FlightRequest,
        plan: _Plan,
        status: Status,
        now_s: float,
        reasons: list[Reason],
    ) -> Decision:
        f = plan.flight
        if isinstance(f, AreaOp):
            route = request.route
            assert isinstance(route, AreaRoute)
            return Decision(
                request.flight_id,
                status,
                now_s,
                departure_s=f.start_s,
                delay_s=f.start_s - request.earliest_s,
                area=area_json(route.polygon, route.lower_m, route.upper_m, f.start_s, f.end_s),
                reasons=list(reasons),
            )
        return Decision(
            request.flight_id,
            status,
            now_s,
            departure_s=f.start_s,
            delay_s=f.start_s - request.earliest_s,
            trajectory=to_lonlat_rows(f, self.projection),
            reasons=list(reasons),
            route=plan.route,
        )

    def _candidates(
        self, request: FlightRequest, checked: Checked
    ) -> tuple[list[_Candidate], list[Reason]]:
        """Undelayed 4D alternatives for a request, and reasons why others were dropped."""
        route = request.route
        drone = request.drone
        if isinstance(route, CorridorRoute):
            return self._corridor_candidates(request, checked)
        try:
            if isinstance(route, WaypointRoute):
                traj = build_waypoint_trajectory(
                    np.asarray(route.waypoints, dtype=np.float64),
                    request.earliest_s,
                    float(checked.speed_mps or 0.0),
                    drone.vertical_rate_mps,
                    self.projection,
                )
                if traj.end_s <= traj.start_s:
                    return [], [
                        Reason(ReasonCode.INVALID, "route.waypoints: the route has no length")
                    ]
                return [_Candidate(traj)], []
            if isinstance(route, AreaRoute):
                op = AreaOp.from_lonlat(
                    route.polygon,
                    route.lower_m,
                    route.upper_m,
                    request.earliest_s,
                    request.earliest_s + route.duration_s,
                    self.projection,
                )
                return [_Candidate(op)], []
        except (AirspaceError, ValueError) as exc:
            return [], [Reason(ReasonCode.INVALID, str(exc))]
        return [], [Reason(ReasonCode.INVALID, f"unknown route type {type(route).__name__}")]

    def _corridor_candidates(
        self, request: FlightRequest, checked: Checked
    ) -> tuple[list[_Candidate], list[Reason]]:
        route = request.route
        assert isinstance(route, CorridorRoute)
        if self.corridors is None:
            return [], [
                Reason(ReasonCode.NO_ROUTE, "no corridor network is loaded for from/to requests")
            ]
        if self._router is None:
            from airspace.geoawareness import ZoneIndex
            from planner.routing import Router

            self._router = Router(
                self.corridors,
                ZoneIndex(list(self._zones.values()), self.deployment),
                self.deployment,
                self.separation_v_m,
                cache_size=self.router_cache_size,
            )
        plans = []
        seen: set[tuple] = set()
        # Routes avoid the zones active when they are flown: ask for the earliest departure
        # and, if every route is blocked then, for the latest one.
        for depart_s in dict.fromkeys((checked.depart_lo_s, checked.depart_hi_s)):
            for offset in CORRIDOR_LAYER_OFFSETS:
                for p in self._router.routes(
                    route.origin,
                    route.destination,
                    depart_s,
                    self.epoch,
                    k=3,
                    speed_mps=checked.speed_mps,
                    vertical_rate_mps=request.drone.vertical_rate_mps,
                    layer_offset=offset,
                ):
                    key = (tuple(p.edges), tuple(p.edge_layers_m))
                    if key not in seen:
                        seen.add(key)
                        plans.append(p)
            if plans:
                break
        out: list[_Candidate] = []
        dropped: list[Reason] = []
        for p in plans:
            rows = np.array(p.trajectory, dtype=np.float64)
            rows[:, 3] += request.earliest_s - rows[0, 3]  # undelayed: departs at earliest_s
            top = float(rows[:, 2].max())
            reject, pending = altitude_findings(top, checked, self.ruleset)
            if reject:
                dropped.extend(reject)
                continue
            x, y = self.projection.to_xy(rows[:, 0], rows[:, 1])
            traj = Trajectory4D(np.column_stack([x, y, rows[:, 2], rows[:, 3]]))
            info = {
                "edges": list(p.edges),
                "layer_m": float(p.layer_m),
                "length_m": float(p.length_m),
                "duration_s": float(p.duration_s),
            }
            out.append(_Candidate(traj, info, pending))
        if not out and not dropped:
            dropped.append(
                Reason(ReasonCode.NO_ROUTE, "every corridor route is blocked by active zones")
            )
        return out, dropped

    def _plan(
        self, request: FlightRequest, checked: Checked, now_s: float, *, suggest: bool = True
    ) -> tuple[_Plan | None, _Failure]:
        """The best slot over the request's alternatives: no authorisation needed first,
        then the earliest arrival. Without one, ``suggest`` looks for what the operator could
        file instead (a later departure, another cruise altitude)."""
        failure = _Failure()
        try:
            candidates, dropped = self._candidates(request, checked)
        except (AirspaceError, ValueError) as exc:  # e.g. origin too far from the network
            candidates, dropped = [], [Reason(ReasonCode.NO_ROUTE, str(exc))]
        failure.reasons.extend(dropped)
        dmin = checked.depart_lo_s - request.earliest_s
        dmax = checked.depart_hi_s - request.earliest_s
        best: tuple[tuple[bool, float], _Plan] | None = None
        unsuggested: list[Flight] = []
        for cand in candidates:
            f = cand.flight
            if best is not None and best[0] <= (False, f.end_s + dmin):
                # Its score is at least (False, end + dmin) (a delay is never below dmin): it
                # cannot beat the best so far, and failures only matter when nothing fits.
                continue
            blocks = self._blocks(f, f.start_s + dmin, f.end_s + dmax, (Restriction.PROHIBITED,))
            # With a best so far that needs no authorisation, only a delay that lands earlier
            # can win: stop the search there (a quantum beyond, against rounding) instead of
            # searching the whole window of an alternative that cannot be chosen.
            stop = None
            if best is not None and not best[0][0]:
                stop = best[0][1] - f.end_s + SEARCH_QUANTUM_S
            res = earliest_slot(
                f,
                dmin,
                dmax,
                self.index,
                blocks,
                self.separation_h_m,
                self.separation_v_m,
                SEARCH_QUANTUM_S,
                ignore_priority_below=request.priority,
                exclude=(request.flight_id,),
                stop_above_s=stop,
            )
            if res.delay_s is None and best is not None:
                continue  # failures only matter when nothing fits
            if res.delay_s is None:
                failure.flights.update(dict.fromkeys(res.blockers))
                failure.zones.update(dict.fromkeys(res.zone_blockers))
                if suggest and not res.zone_blockers:
                    unsuggested.append(f)
                continue
            final = f.shifted(res.delay_s)
            pending = list(cand.pending) + self._authorisation_reasons(final)
            score = (bool(pending), final.end_s)
            if best is None or score < best[0]:
                best = (score, _Plan(final, res.delay_s, cand.route, pending, list(res.overridden)))
        if best is None:
            # A later departure to suggest: the first blocked alternative (in order) that
            # fits within the horizon past the window (searched only once nothing fits).
            for f in unsuggested:
                alt = earliest_slot(
                    f,
                    dmin,
                    dmax + ALTERNATIVE_HORIZON_S,
                    self.index,
                    self._blocks(
                        f,
                        f.start_s + dmin,
                        f.end_s + dmax + ALTERNATIVE_HORIZON_S,
                        (Restriction.PROHIBITED,),
                    ),
                    self.separation_h_m,
                    self.separation_v_m,
                    SEARCH_QUANTUM_S,
                    ignore_priority_below=request.priority,
                    exclude=(request.flight_id,),
                )
                if alt.delay_s is not None:
                    failure.alternative_s = request.earliest_s + alt.delay_s
                    break
        if best is not None:
            best[1].notes = self._condition_notes(best[1].flight)
        elif suggest and isinstance(request.route, WaypointRoute) and candidates:
            failure.layer = self._alternative_layer(request, checked, dmin, dmax)
        return (None if best is None else best[1]), failure

    def _alternative_layer(
        self, request: FlightRequest, checked: Checked, dmin: float, dmax: float
    ) -> tuple[float, float] | None:
        """The nearest cruise-altitude shift (multiples of S_v) that would be approved in the
        window as it is: ``(offset_m, departure_s)``, or ``None``."""
        route = request.route
        assert isinstance(route, WaypointRoute)
        w = np.asarray(route.waypoints, dtype=np.float64)
        airborne = w[:, 2] > 0.0
        for k in ALTERNATIVE_LAYER_STEPS:
            shifted = w.copy()
            shifted[airborne, 2] += k * self.separation_v_m
            if np.any(shifted[airborne, 2] <= 0.0):
                continue
            reject, pending = altitude_findings(float(shifted[:, 2].max()), checked, self.ruleset)
            if reject or pending:
                continue
            traj = build_waypoint_trajectory(
                shifted,
                request.earliest_s,
                float(checked.speed_mps or 0.0),
                request.drone.vertical_rate_mps,
                self.projection,
            )
            res = earliest_slot(
                traj,
                dmin,
                dmax,
                self.index,
                self._blocks(
                    traj, traj.start_s + dmin, traj.end_s + dmax, (Restriction.PROHIBITED,)
                ),
                self.separation_h_m,
                self.separation_v_m,
                SEARCH_QUANTUM_S,
                ignore_priority_below=request.priority,
                exclude=(request.flight_id,),
            )
            if res.delay_s is not None and not self._authorisation_reasons(
                traj.shifted(res.delay_s)
            ):
                return k * self.separation_v_m, request.earliest_s + res.delay_s
        return None

    def _zones_entered(self, flight: Flight, restriction: Restriction) -> list[str]:
        blocks = self._blocks(flight, flight.start_s, flight.end_s, (restriction,))
        if not blocks:
            return []
        _, zones = conflicts_at(
            flight, 0.0, self._nobody, blocks, self.separation_h_m, self.separation_v_m
        )
        return zones

    def _condition_notes(self, flight: Flight) -> list[Reason]:
        """CONDITIONAL zones the flight enters: approved, with the zone's conditions attached."""
        out = []
        for z in self._zones_entered(flight, Restriction.CONDITIONAL):
            zone = self._zones[z]
            conditions = [c for c in (*zone.restriction_conditions, zone.message) if c]
            text = "; ".join(conditions) or "conditions set by the zone's authority apply"
            out.append(
                Reason(
                    ReasonCode.ZONE_CONDITIONAL,
                    f"the flight enters conditional zone {z}: {text}",
                    zone=z,
                    detail={"conditions": list(zone.restriction_conditions)},
                )
            )
        return out

    def _authorisation_reasons(self, flight: Flight) -> list[Reason]:
        zones = self._zones_entered(flight, Restriction.REQ_AUTHORISATION)
        return [
            Reason(
                ReasonCode.ZONE_REQ_AUTHORISATION,
                f"the flight enters zone {z} ({self._zones[z].name or z}), which needs authorisation",
                zone=z,
                detail=_interval_before(self._zones[z]),
            )
            for z in zones
        ]

    def _failure_reasons(self, failure: _Failure) -> list[Reason]:
        reasons = list(failure.reasons)
        for z in failure.zones:
            zone = self._zones.get(z)
            name = f" ({zone.name})" if zone is not None and zone.name else ""
            if offnominal.owner_flight(z) is not None:
                reasons.append(offnominal.blocked_reason(z))
                continue
            reasons.append(
                Reason(
                    ReasonCode.ZONE_PROHIBITED,
                    f"every departure in the window enters prohibited zone {z}{name}",
                    zone=z,
                )
            )
        for f in failure.flights:
            rec = self._records.get(f)
            state = str(rec.state) if rec is not None else "accepted"
            reasons.append(
                Reason(ReasonCode.CONFLICT, f"conflicts with {state} flight {f}", flight=f)
            )
        if failure.flights or not reasons:
            detail = {}
            message = "no conflict-free departure in the requested window"
            if failure.alternative_s is not None:
                detail["alternative_departure"] = failure.alternative_s
                message += f"; the earliest later departure that fits is {self.say_time(failure.alternative_s)}"
            reasons.append(Reason(ReasonCode.NO_SLOT, message, detail=detail))
        if failure.layer is not None and reasons:
            offset_m, depart_s = failure.layer
            last = reasons[-1]
            reasons[-1] = replace(
                last,
                message=f"{last.message}; cruising {offset_m:+g} m from the filed altitude would fit "
                f"(departing at {self.say_time(depart_s)})",
                detail={
                    **last.detail,
                    "alternative_altitude_offset_m": offset_m,
                    "alternative_altitude_departure": depart_s,
                },
            )
        return reasons

    def _displace(self, flight_ids: Sequence[str], now_s: float, reason_for) -> list[Change]:
        """Re-plan or revoke flights that lost their airspace, higher priority first.

        A re-planned flight may in turn displace lower-priority ones (the cascade ends since
        priorities strictly fall along it).
        """
        if not flight_ids:
            return []
        order = {fid: i for i, fid in enumerate(self._records)}
        queue: list[tuple[str, Reason]] = []
        for fid in flight_ids:
            self._unfile(fid)
            queue.append((fid, reason_for(fid)))
        changes: list[Change] = []
        while queue:
            queue.sort(key=lambda item: (-self._records[item[0]].request.priority, order[item[0]]))
            fid, reason = queue.pop(0)
            rec = self._records[fid]
            plan: _Plan | None = None
            checked = None
            if rec.state not in AIRBORNE_STATES:
                checked = validate(rec.request, now_s, self.ruleset, self.bounds, say=self.say_time)
                if not checked.rejections:
                    plan, _ = self._plan(rec.request, checked, now_s, suggest=False)
            if plan is None or checked is None:
                rec.state = State.REVOKED
                rec.decision = Decision(fid, Status.REJECTED, now_s, reasons=[reason])
                changes.append(Change(fid, "revoked", rec.decision, reason))
                continue
            pending = checked.pending + plan.pending
            status = Status.PENDING if pending else Status.APPROVED
            note = Reason(
                ReasonCode.REPLANNED, reason.message, zone=reason.zone, flight=reason.flight
            )
            rec.decision = self._decision(
                rec.request, plan, status, now_s, [note, *pending, *plan.notes]
            )
            rec.state = State.PENDING if pending else State.ACCEPTED
            self._file(fid, plan.flight, rec.request.priority)
            changes.append(Change(fid, "replanned", rec.decision, note))
            cascade = Reason(
                ReasonCode.OUTRANKED,
                f"higher-priority flight {fid} (priority {rec.request.priority}), re-planned, took its airspace",
                flight=fid,
            )
            for other in plan.overridden:
                self._unfile(other)
                queue.append((other, cascade))
        return changes


def _interval_before(zone: Zone) -> dict[str, Any]:
    """ED-318 ``authority.intervalBefore`` of an authorisation zone (how long before the flight
    its authority wants the request), as ``{"interval_before": "P10DT00H"}``; the workflow
    enforces it (:mod:`planner.workflow_gate`)."""
    for a in zone.authority:
        if (
            isinstance(a, dict)
            and a.get("intervalBefore")
            and a.get("purpose")
            in (
                None,
                "AUTHORIZATION",
                "AUTHORISATION",
            )
        ):
            return {"interval_before": str(a["intervalBefore"])}
    return {}
