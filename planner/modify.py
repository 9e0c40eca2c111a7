"""Modifying a flight the planner already holds, with ASTM F3548 semantics: the new request is
decided as if it were new, ignoring only the flight's own old plan; if it is not approved, the
old plan stays in force exactly as it was.

A flight in the air (activated, nonconforming, contingent) can be modified too: an approved
modification keeps its airborne state (nobody displaces it), a refused one leaves it flying its
old plan. A modification that would need a regulator's review is not applied to a flight in
the air (it cannot wait); for a flight on the ground it holds its slot as pending, like a new
request, unless the caller asks otherwise (``accept_pending=False``).
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.decision import Planner
from planner.records import AIRBORNE_STATES, LIVE_STATES, Change, FlightRecord
from planner.requests import Decision, FlightRequest, State, Status


@dataclass(frozen=True)
class Modification:
    """The outcome of :func:`modify`.

    Attributes
    ----------
    decision : Decision
        The decision on the new request (approved, pending or rejected with reasons).
    changes : list of Change
        Lower-priority flights re-planned or revoked to make room for the new plan.
    applied : bool
        Whether the new plan replaced the old one; when ``False`` the old plan is in force.
    """

    decision: Decision
    changes: list[Change]
    applied: bool


def modify(
    planner: Planner, request: FlightRequest, now_s: float, *, accept_pending: bool = True
) -> Modification:
    """Decide ``request`` as a modification of the live flight with the same id.

    Raises
    ------
    KeyError
        The planner does not know the flight.
    ValueError
        The flight is no longer live (ended, cancelled, revoked, rejected).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from airspace.deployment import QINGDAO
    >>> from airspace.drones import Drone
    >>> from planner.requests import WaypointRoute
    >>> p = Planner(QINGDAO, epoch=datetime(2026, 12, 1, tzinfo=timezone.utc))
    >>> d = Drone("D-1", drone_class="light")
    >>> route = WaypointRoute(((120.38, 36.07, 0), (120.38, 36.07, 60), (120.39, 36.07, 60)))
    >>> _ = p.decide(FlightRequest("F-1", d, route, 300.0, 900.0, 10.0), now_s=0.0)
    >>> m = modify(p, FlightRequest("F-1", d, route, 600.0, 900.0, 10.0), now_s=0.0)
    >>> m.applied, m.decision.departure_s
    (True, 600.0)
    >>> _ = p.decide(FlightRequest("F-2", d, route, 300.0, 300.0, 10.0), now_s=0.0)
    >>> m = modify(p, FlightRequest("F-1", d, route, 300.0, 300.0, 10.0), now_s=0.0)
    >>> m.applied, str(m.decision.status), p.record("F-1").decision.departure_s
    (False, 'rejected', 600.0)
    """
    fid = request.flight_id
    old = planner.record(fid)
    if old.state not in LIVE_STATES:
        raise ValueError(f"flight {fid} is {old.state}; only a live flight can be modified")
    # The planner changes records in place: keep the old one's parts, not the object.
    snapshot = FlightRecord(old.request, old.decision, old.state)
    airborne = snapshot.state in AIRBORNE_STATES
    planner.cancel(fid, now_s)
    decision, changes = planner.decide(request, now_s, hold_pending=accept_pending and not airborne)
    refused = decision.status == Status.REJECTED or (
        decision.status == Status.PENDING and (airborne or not accept_pending)
    )
    if refused:
        if decision.status == Status.PENDING:
            planner.cancel(fid, now_s)
        planner.restore(snapshot)
        return Modification(decision, changes, applied=False)
    if airborne:
        planner.restore(FlightRecord(request, decision, snapshot.state))
    return Modification(decision, changes, applied=True)


def set_airborne_state(planner: Planner, flight_id: str, state: State) -> None:
    """Mark a flight in the air nominal (activated), nonconforming or contingent, as its
    operator reports; its plan and airspace stay as they are."""
    if state not in AIRBORNE_STATES:
        raise ValueError(f"{state} is not a state of a flight in the air")
    rec = planner.record(flight_id)
    if rec.state not in AIRBORNE_STATES:
        raise ValueError(f"flight {flight_id} is {rec.state}, not in the air")
    planner.restore(FlightRecord(rec.request, rec.decision, state))
