"""The workflow's questions at flight time, as pure functions: is it ready by when it must be,
may it take off now, was a zone published early enough, does a long-term approval or the
document registry allow it, was the request early enough for the zone's authority. Every
answer is a list of :class:`~airspace.workflow.model.Finding` naming a rule of the workflow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import shapely

from airspace.workflow.model import (
    Deadline,
    Finding,
    LongTermApproval,
    Workflow,
    duration_s,
)


def readiness_deadline(workflow: Workflow, task: str | None = None) -> Deadline | None:
    """The readiness deadline of a task type (``None``: no pre-departure gate)."""
    if workflow.readiness is None:
        return None
    return workflow.readiness_urgent.get(workflow.task(task).urgency, workflow.readiness)


def readiness_due(
    workflow: Workflow, departure: datetime, tz: ZoneInfo, task: str | None = None
) -> datetime | None:
    """The latest readiness report for a flight of ``task`` departing at ``departure``.

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> tz = ZoneInfo("Asia/Shanghai")
    >>> dep = datetime(2026, 12, 1, 9, tzinfo=tz)
    >>> readiness_due(CN_WORKFLOW, dep, tz).isoformat()
    '2026-12-01T08:00:00+08:00'
    >>> readiness_due(CN_WORKFLOW, dep, tz, "medical_rescue").isoformat()
    '2026-12-01T09:00:00+08:00'
    """
    dl = readiness_deadline(workflow, task)
    return None if dl is None else dl.due(departure, tz)


def activation_findings(
    workflow: Workflow,
    *,
    now: datetime,
    departure: datetime,
    latest: datetime,
    gate: bool,
    confirmed: bool,
) -> list[Finding]:
    """``NOT_CONFIRMED`` / ``ACTIVATION_WINDOW`` for activating a flight at ``now``.

    ``departure`` is the assigned departure, ``latest`` the latest the planner could have
    assigned (the filed window's end, or the assigned departure for an area operation).
    """
    out = []
    if gate and not confirmed and workflow.confirmation_rule:
        out.append(
            Finding(
                "NOT_CONFIRMED",
                workflow.confirmation_rule,
                "the regulator has not confirmed this flight's readiness report; report "
                "readiness (POST .../ready) and wait for the confirmation",
            )
        )
    if workflow.activation_rule:
        lo = departure - timedelta(seconds=workflow.activation_early_s)
        hi = max(latest, departure) + timedelta(seconds=workflow.activation_late_s)
        if not lo <= now <= hi:
            out.append(
                Finding(
                    "ACTIVATION_WINDOW",
                    workflow.activation_rule,
                    f"a flight is activated between {lo.isoformat()} and {hi.isoformat()}; "
                    f"now is {now.isoformat()}",
                    {"from": lo.isoformat(), "until": hi.isoformat()},
                )
            )
    return out


def zone_lead_findings(
    workflow: Workflow, *, published_at: datetime, effective_at: datetime, emergency_reason: str
) -> list[Finding]:
    """``ZONE_LEAD_TIME`` when a temporary restriction takes effect too soon after publication.

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> t0 = datetime(2026, 12, 1, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    >>> [f.code for f in zone_lead_findings(CN_WORKFLOW, published_at=t0,
    ...     effective_at=t0 + timedelta(hours=2), emergency_reason="")]
    ['ZONE_LEAD_TIME']
    >>> zone_lead_findings(CN_WORKFLOW, published_at=t0,
    ...     effective_at=t0 + timedelta(hours=2), emergency_reason="wildfire")
    []
    """
    if workflow.zone_rule is None:
        return []
    lead_s = workflow.zone_emergency_lead_s if emergency_reason.strip() else workflow.zone_lead_s
    due = effective_at - timedelta(seconds=lead_s)
    if published_at <= due:
        return []
    kind = "an emergency restriction" if emergency_reason.strip() else "a temporary restriction"
    return [
        Finding(
            "ZONE_LEAD_TIME",
            workflow.zone_rule,
            f"{kind} is published at least {lead_s / 3600:g} h before it takes effect "
            f"(effective {effective_at.isoformat()}, so by {due.isoformat()})"
            + ("" if emergency_reason.strip() else "; give emergency_reason for 30 min"),
            {"effective": effective_at.isoformat(), "publish_by": due.isoformat()},
        )
    ]


def long_term_findings(
    workflow: Workflow,
    approval: LongTermApproval,
    *,
    operator: str,
    departure: datetime,
    filed_at: datetime,
    tz: ZoneInfo,
    max_height_m: float,
    edges: list[str] | None = None,
    points: list[tuple[float, float]] | None = None,
) -> list[Finding]:
    """Whether a flight is one of a long-term approval's routine flights, filed in time.

    ``LONG_TERM_MISMATCH`` when another operator's, outside its validity, above its height,
    or off its corridors / out of its area; ``FILING_DEADLINE`` when the day's plan comes after
    the daily deadline (China: 12:00 the day before).

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> tz = ZoneInfo("Asia/Shanghai")
    >>> lt = LongTermApproval("LT-1", "OP-SF", datetime(2026, 12, 1, tzinfo=tz),
    ...                       datetime(2027, 3, 1, tzinfo=tz), corridors=frozenset({"E1", "E2"}))
    >>> dep = datetime(2026, 12, 8, 9, tzinfo=tz)
    >>> long_term_findings(CN_WORKFLOW, lt, operator="OP-SF", departure=dep, tz=tz,
    ...     filed_at=dep - timedelta(days=1, hours=1), max_height_m=90, edges=["E1"])
    []
    >>> [f.code for f in long_term_findings(CN_WORKFLOW, lt, operator="OP-SF", departure=dep,
    ...     tz=tz, filed_at=dep - timedelta(days=1, hours=1), max_height_m=90, edges=["E3"])]
    ['LONG_TERM_MISMATCH']
    """
    rule = workflow.long_term_rule
    if rule is None:
        return [
            Finding(
                "LONG_TERM_MISMATCH", workflow.application_rule, "no long-term applications here"
            )
        ]
    why = []
    if operator != approval.operator:
        why.append(f"it belongs to operator {approval.operator}")
    if not approval.valid_from <= departure <= approval.valid_until:
        why.append(
            f"it is valid {approval.valid_from.isoformat()} .. {approval.valid_until.isoformat()}"
        )
    if max_height_m > approval.upper_m:
        why.append(f"it covers up to {approval.upper_m:g} m, the flight reaches {max_height_m:g} m")
    if edges is not None and approval.corridors:
        off = sorted(set(edges) - approval.corridors)
        if off:
            why.append(f"corridors {off} are not in it")
    elif points is not None and approval.area is not None:
        inside = shapely.covers(approval.area, shapely.points(points))
        if not bool(inside.all()):
            why.append("the flight leaves its area")
    else:
        why.append("the flight's route is not the kind it lists (corridors or an area)")
    if why:
        return [
            Finding(
                "LONG_TERM_MISMATCH",
                rule,
                f"long-term application {approval.id} does not cover this flight: "
                + "; ".join(why),
            )
        ]
    dl = workflow.long_term_filing
    due = None if dl is None else dl.due(departure, tz)
    if dl is not None and due is not None and filed_at > due:
        return [
            Finding(
                "FILING_DEADLINE",
                dl.rule,
                f"the day's plan under long-term application {approval.id} is filed by "
                f"{dl.describe()} ({due:%Y-%m-%d %H:%M} {tz.key})",
                {"due": due.isoformat(), "filed_at": filed_at.astimezone(tz).isoformat()},
            )
        ]
    return []


def interval_before_findings(
    workflow: Workflow, *, zone: str, interval: str, filed_at: datetime, departure: datetime
) -> list[Finding]:
    """``ZONE_INTERVAL_BEFORE`` when a request enters an authorisation zone later than its
    authority's ``intervalBefore`` allows (an unreadable duration is reported as such).

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> dep = datetime(2026, 12, 10, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    >>> [f.code for f in interval_before_findings(CN_WORKFLOW, zone="Z", interval="P10DT00H",
    ...     filed_at=dep - timedelta(days=3), departure=dep)]
    ['ZONE_INTERVAL_BEFORE']
    """
    if workflow.zone_interval_rule is None:
        return []
    try:
        need_s = duration_s(interval)
    except ValueError as e:
        return [Finding("ZONE_INTERVAL_BEFORE", workflow.zone_interval_rule, f"zone {zone}: {e}")]
    due = departure - timedelta(seconds=need_s)
    if filed_at <= due:
        return []
    return [
        Finding(
            "ZONE_INTERVAL_BEFORE",
            workflow.zone_interval_rule,
            f"zone {zone}'s authority wants requests {interval} ahead "
            f"(by {due.isoformat()} for this departure)",
            {"zone": zone, "interval_before": interval, "due": due.isoformat()},
        )
    ]


def document_findings(
    workflow: Workflow,
    documents: Mapping[str, Sequence[tuple[datetime, datetime]]],
    *,
    at: datetime,
    must_apply: bool,
) -> list[Finding]:
    """``DOCUMENT_EXPIRED`` / ``DOCUMENT_MISSING`` for the registry documents a flight needs.

    ``documents`` maps a kind to the validity periods registered for the operator and drone.
    A kind with periods none of which covers ``at`` is expired (refused for every flight); a
    kind with none is missing (refused only for a flight that must apply).

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> tz = ZoneInfo("Asia/Shanghai")
    >>> at = datetime(2026, 12, 1, 9, tzinfo=tz)
    >>> old = [(datetime(2025, 1, 1, tzinfo=tz), datetime(2026, 1, 1, tzinfo=tz))]
    >>> [f.code for f in document_findings(CN_WORKFLOW, {"insurance": old}, at=at,
    ...     must_apply=False)]
    ['DOCUMENT_EXPIRED']
    """
    out = []
    for kind, rule in workflow.documents.items():
        periods = documents.get(kind) or ()
        if not periods:
            if must_apply:
                out.append(
                    Finding(
                        "DOCUMENT_MISSING",
                        rule,
                        f"no {kind.replace('_', ' ')} is registered (POST /v1/documents)",
                        {"document": kind},
                    )
                )
        elif not any(lo <= at <= hi for lo, hi in periods):
            last = max(hi for _lo, hi in periods)
            out.append(
                Finding(
                    "DOCUMENT_EXPIRED",
                    rule,
                    f"the {kind.replace('_', ' ')} is not valid on {at.date().isoformat()} "
                    f"(the latest ran until {last.date().isoformat()})",
                    {"document": kind},
                )
            )
    return out
