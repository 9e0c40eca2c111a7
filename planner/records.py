"""The record book: every flight the planner decided, its lifecycle state, and the airspace
the live ones hold in the space-time index.

The lifecycle state machine lives here (one definition of which states hold airspace,
:data:`LIVE_STATES`, and which are in the air, :data:`AIRBORNE_STATES`)::

    pending --review--> accepted --activate--> activated --end--> ended
       |                   |  \\--end--> ended
       +--deny--> rejected +--cancel--> cancelled   (any live state can be cancelled)

Displacement (:mod:`planner.cascade`) moves accepted/pending flights to ``revoked`` or
re-plans them; activated, nonconforming and contingent flights are never displaced.

Examples
--------
>>> LIVE_STATES >= AIRBORNE_STATES, State.ENDED in LIVE_STATES
(True, False)
>>> sorted(map(str, LIFECYCLE["end"][0])), str(LIFECYCLE["end"][1])
(['accepted', 'activated', 'contingent', 'nonconforming'], 'ended')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from airspace.projection import Projection
from planner.index import SpaceTimeIndex
from planner.requests import Decision, FlightRequest, Reason, ReasonCode, State, Status
from planner.trajectory import AreaOp, Trajectory4D

Flight = Trajectory4D | AreaOp

LIVE_STATES = frozenset(
    {State.PENDING, State.ACCEPTED, State.ACTIVATED, State.NONCONFORMING, State.CONTINGENT}
)
"""States in which a flight holds airspace."""
AIRBORNE_STATES = frozenset({State.ACTIVATED, State.NONCONFORMING, State.CONTINGENT})
"""States of flights in the air (never displaced)."""
LIFECYCLE: dict[str, tuple[frozenset[State], State]] = {
    "cancel": (LIVE_STATES, State.CANCELLED),
    "activate": (frozenset({State.ACCEPTED}), State.ACTIVATED),
    "end": (AIRBORNE_STATES | {State.ACCEPTED}, State.ENDED),
}
"""The operator's transitions: the states each applies to, and the state it leads to (review
and displacement are the regulator's and the planner's own)."""
AIRBORNE_PRIORITY = 2**62
"""Index priority of flights in the air: no request can displace them."""


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
        """The record as JSON-ready data (what :meth:`from_json` reads)."""
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


def index_priority(rec: FlightRecord) -> int:
    """The priority a record holds its airspace with (airborne flights outrank everyone)."""
    return AIRBORNE_PRIORITY if rec.state in AIRBORNE_STATES else rec.request.priority


class RecordBook:
    """Flight records in decision order, and the 4D flights the live ones hold.

    Parameters
    ----------
    projection : Projection
        Turns stored lon/lat decisions back into planner-frame flights on restore.
    """

    def __init__(self, projection: Projection):
        self.projection = projection
        self.index = SpaceTimeIndex()
        """The accepted/pending flights the slot search deconflicts against."""
        self._records: dict[str, FlightRecord] = {}
        self._flights: dict[str, Flight] = {}
        self._bounds: dict[str, tuple[float, ...]] = {}

    # -- records ----------------------------------------------------------------------
    def record(self, flight_id: str) -> FlightRecord:
        """The record of a flight; ``KeyError`` for an unknown id."""
        try:
            return self._records[flight_id]
        except KeyError:
            raise KeyError(f"unknown flight {flight_id!r}") from None

    def get(self, flight_id: str) -> FlightRecord | None:
        """The record of a flight, or ``None``."""
        return self._records.get(flight_id)

    def state_of(self, flight_id: str) -> State | None:
        """The state of a known flight, or ``None``."""
        rec = self._records.get(flight_id)
        return None if rec is None else rec.state

    def records(self) -> dict[str, FlightRecord]:
        """Every flight decided so far, in decision order."""
        return dict(self._records)

    def order(self) -> dict[str, int]:
        """Each flight's position in decision order."""
        return {fid: i for i, fid in enumerate(self._records)}

    def put(self, record: FlightRecord) -> None:
        """Store a record as the newest (replacing the flight's earlier one)."""
        fid = record.request.flight_id
        self._records.pop(fid, None)
        self._records[fid] = record

    def forget_finished(self) -> int:
        """Drop the records of flights that no longer hold airspace; returns how many."""
        gone = [f for f, r in self._records.items() if r.state not in LIVE_STATES]
        for f in gone:
            del self._records[f]
        return len(gone)

    def restore(self, record: FlightRecord) -> None:
        """Reload a persisted flight; a live one takes its airspace back."""
        fid = record.request.flight_id
        self.unfile(fid)
        self.put(record)
        if record.state in LIVE_STATES:
            self.file(fid, self.flight_from_decision(record.decision), index_priority(record))

    # -- airspace held ----------------------------------------------------------------
    def flight(self, flight_id: str) -> Flight:
        """The 4D flight a live record holds."""
        return self._flights[flight_id]

    def filed(self) -> list[str]:
        """Ids of the flights holding airspace, in filing order."""
        return list(self._flights)

    def file(self, flight_id: str, flight: Flight, priority: int) -> None:
        """Let ``flight`` hold its airspace at ``priority`` (replacing what it held)."""
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

    def unfile(self, flight_id: str) -> None:
        """Free the airspace the flight held (nothing if it held none)."""
        if flight_id in self.index:
            self.index.remove(flight_id)
        self._flights.pop(flight_id, None)
        self._bounds.pop(flight_id, None)

    def near(self, footprint: tuple[float, ...] | None, now_s: float) -> list[str]:
        """Filed flights whose boxes meet ``footprint`` (``x0, y0, x1, y1, lower_m,
        upper_m``, see :meth:`planner.zoneset.CompiledZones.footprint`) and that end after
        ``now_s``."""
        ids = list(self._flights)
        if footprint is None or not ids:
            return []
        zx0, zy0, zx1, zy1, zlo, zhi = footprint
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

    def flight_from_decision(self, decision: Decision) -> Flight:
        """The planner-frame flight a stored decision describes (lon/lat in, metres out)."""
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

    # -- lifecycle --------------------------------------------------------------------
    def live(self, flight_id: str, allowed: Iterable[State], action: str) -> FlightRecord:
        """The record, if its state is one of ``allowed``; ``ValueError`` naming ``action``."""
        rec = self.record(flight_id)
        if rec.state not in set(allowed):
            raise ValueError(f"flight {flight_id} is {rec.state}; cannot {action} it")
        return rec

    def cancel(self, flight_id: str) -> None:
        """Live -> cancelled, airspace freed; no change for a flight that is not live."""
        rec = self.record(flight_id)
        from_states, to = LIFECYCLE["cancel"]
        if rec.state not in from_states:
            return
        self.unfile(flight_id)
        rec.state = to

    def activate(self, flight_id: str) -> None:
        """Accepted -> activated; from now on nobody displaces it."""
        from_states, to = LIFECYCLE["activate"]
        rec = self.live(flight_id, from_states, "activate")
        rec.state = to
        self.file(flight_id, self._flights[flight_id], AIRBORNE_PRIORITY)

    def end(self, flight_id: str) -> None:
        """Activated, nonconforming, contingent or accepted -> ended, airspace freed."""
        from_states, to = LIFECYCLE["end"]
        self.live(flight_id, from_states, "end")
        self.unfile(flight_id)
        self._records[flight_id].state = to

    def review(self, flight_id: str, approve: bool, now_s: float, comment: str = "") -> Decision:
        """Pending -> accepted (same slot, only the conditional-zone notes kept) or -> rejected
        with ``REVIEW_DENIED`` (slot freed); returns the new decision."""
        rec = self.live(flight_id, (State.PENDING,), "review")
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
            self.unfile(flight_id)
        rec.decision = decision
        return decision
