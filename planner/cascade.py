"""The displacement cascade: flights that lost their airspace (to a higher-priority request
or a published zone) are re-planned or revoked, higher priority first.

A re-planned flight may in turn displace lower-priority ones; the cascade ends since
priorities strictly fall along it. Flights in the air are never re-planned here (they are
revoked only when a zone is published over them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from planner import reasons as say
from planner.records import AIRBORNE_STATES, Change, FlightRecord, RecordBook
from planner.requests import Decision, FlightRequest, Reason, State, Status
from planner.slots import Plan, SlotSearch
from planner.validation import Checked


def replan(
    slots: SlotSearch, checked: Checked, rec: FlightRecord, note: Reason, now_s: float
) -> tuple[Plan, Decision, State] | None:
    """A displaced flight's new slot under ``checked`` (its request validated again at
    ``now_s``): the plan, decision and state, or ``None`` when it no longer fits."""
    if checked.rejections:
        return None
    plan, _ = slots.plan(rec.request, checked, suggest=False)
    if plan is None:
        return None
    pending = checked.pending + plan.pending
    status = Status.PENDING if pending else Status.APPROVED
    decision = slots.decision(rec.request, plan, status, now_s, [note, *pending, *plan.notes])
    return plan, decision, State.PENDING if pending else State.ACCEPTED


def displace(
    book: RecordBook,
    flight_ids: Sequence[str],
    now_s: float,
    reason_for: Callable[[str], Reason],
    slots: SlotSearch,
    validate_at: Callable[[FlightRequest, float], Checked],
) -> list[Change]:
    """Re-plan or revoke ``flight_ids`` (already decided flights), cascading; one
    :class:`Change` per flight moved, in the order they were dealt with.

    ``validate_at(request, now_s)`` checks a request again at ``now_s`` (same rules as
    when it was filed); ``slots`` finds the new slot.
    """
    if not flight_ids:
        return []
    order = book.order()
    queue: list[tuple[str, Reason]] = []
    for fid in flight_ids:
        book.unfile(fid)
        queue.append((fid, reason_for(fid)))
    changes: list[Change] = []
    while queue:
        queue.sort(key=lambda item: (-book.record(item[0]).request.priority, order[item[0]]))
        fid, reason = queue.pop(0)
        rec = book.record(fid)
        note = say.replanned(reason)
        outcome = None
        if rec.state not in AIRBORNE_STATES:
            outcome = replan(slots, validate_at(rec.request, now_s), rec, note, now_s)
        if outcome is None:
            rec.state = State.REVOKED
            rec.decision = Decision(fid, Status.REJECTED, now_s, reasons=[reason])
            changes.append(Change(fid, "revoked", rec.decision, reason))
            continue
        plan, rec.decision, rec.state = outcome
        book.file(fid, plan.flight, rec.request.priority)
        changes.append(Change(fid, "replanned", rec.decision, note))
        cascade = say.outranked(fid, rec.request.priority, replanned=True)
        for other in plan.overridden:
            book.unfile(other)
            queue.append((other, cascade))
    return changes
