"""A bound on restore work: flights stored before :mod:`planner.bounds` existed (a 283-year
flight approved at 1e-7 m/s) would be filed again into the planner's index at every start,
costing minutes and gigabytes. :meth:`AirspaceState.reload` skips every live flight longer
than the deployment's ``max_flight_duration_s``; :func:`revoke_oversized` then revokes them in
the store, telling their operators why (reason ``DURATION``, rule ``bounds.max_duration_s``).
"""

from __future__ import annotations

import logging
from typing import Any

from api.models import FlightRow
from api.store import utcnow

log = logging.getLogger("qingkong.api")


def record_span_s(record: dict[str, Any]) -> float:
    """How long a stored flight record's decision lasts (0 when it has no trajectory or area).

    >>> record_span_s({"decision": {"trajectory": [[0, 0, 0, 10.0], [0, 0, 60, 70.0]]}})
    60.0
    >>> record_span_s({"decision": {"start": 100.0, "end": 400.0}})
    300.0
    """
    decision = record.get("decision") or {}
    traj = decision.get("trajectory")
    if traj:
        return float(traj[-1][3]) - float(traj[0][3])
    if decision.get("start") is not None and decision.get("end") is not None:
        return float(decision["end"]) - float(decision["start"])
    return 0.0


def revoke_oversized(airspace: Any, flight_ids: list[str], limit_s: float) -> list[str]:
    """Revoke stored live flights the planner refused to restore; returns their ids."""
    from api.services.records import notify  # records imports airspace_state: one-way

    if not flight_ids:
        return []
    done = []
    with airspace.store.write(airspace=True) as s:
        for fid in flight_ids:
            row = s.get(FlightRow, fid)
            if row is None or row.state == "revoked":
                continue
            span_s = record_span_s(row.record or {})
            reason = {
                "code": "DURATION",
                "rule": "bounds.max_duration_s",
                "message": f"the flight lasts {span_s / 3600:.4g} h; a flight may last at most "
                f"{limit_s / 3600:.4g} h, so it was revoked when the service restarted",
                "duration_s": span_s,
                "limit_s": limit_s,
            }
            row.state = "revoked"
            if row.record is not None:
                row.record = {**row.record, "state": "revoked"}
            row.updated_at = utcnow()
            notify(s, row, "revoked", {"reason": reason})
            airspace.log_event(s, "flight", fid, {"state": "revoked"})
            done.append(fid)
    if done:
        log.warning("revoked %d stored flights longer than %g s: %s", len(done), limit_s, done)
    return done
