"""The workflow's questions before a flight, as pure functions: who must apply, what is
missing, by when the application and its decision are due, does a grant cover it. The
questions at flight time are in :mod:`airspace.workflow.flight_checks`. Every answer is a
list of :class:`~airspace.workflow.model.Finding` naming a rule of the workflow."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from airspace.workflow.model import (
    NORMAL,
    Finding,
    Obligation,
    Workflow,
)


def who_must_apply(
    workflow: Workflow,
    *,
    drone_class: str,
    task: str | None,
    operations: frozenset[str] | set[str] = frozenset(),
    controlled: bool = False,
    max_height_m: float = 0.0,
    at_own_site: bool = False,
) -> Obligation:
    """Decide whether a flight needs an application, and which exemption applies if not.

    Parameters
    ----------
    workflow : Workflow
    drone_class : str
        The drone's class under the national rule set.
    task : str or None
        The task type (the workflow's default when ``None``).
    operations : set of str
        Declared features among ``workflow.triggers`` (unknown names: ``ValueError``).
    controlled : bool
        The flight leaves suitable airspace: above the class's height limit or the ceiling,
        or into a zone that needs authorisation (the planner knows).
    max_height_m : float
        Highest true height of the flight.
    at_own_site : bool
        The flight stays over the operator's own base or site (police, customs, emergency
        management, airport inspection).

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> ob = who_must_apply(CN_WORKFLOW, drone_class="light", task=None)
    >>> ob.must_apply, ob.exemption.rule
    (False, 'CN-2024-ART31-EXEMPT-SUITABLE')
    >>> ob = who_must_apply(CN_WORKFLOW, drone_class="light", task=None, operations={"swarm"})
    >>> ob.must_apply, [f.rule for f in ob.because]
    (True, ['CN-2024-ART31-SWARM'])
    >>> who_must_apply(CN_WORKFLOW, drone_class="medium", task=None).must_apply
    True
    """
    unknown = set(operations) - set(workflow.triggers)
    if unknown:
        raise ValueError(
            f"operations: unknown {sorted(unknown)}; expected any of {', '.join(workflow.triggers)}"
        )
    tt = workflow.task(task)
    because = [
        Finding(
            "APPLICATION_REQUIRED",
            workflow.triggers[op],
            f"{op.replace('_', ' ')}: {workflow.rules[workflow.triggers[op]].summary}",
        )
        for op in sorted(operations)
    ]
    exemption: Finding | None = None
    gate = False
    if tt.exemption is not None:
        if tt.own_site and at_own_site and max_height_m <= workflow.base_ceiling_m:
            exemption = Finding("EXEMPT", tt.exemption, workflow.rules[tt.exemption].summary)
            gate = True
        elif not tt.own_site and not controlled:
            exemption = Finding("EXEMPT", tt.exemption, workflow.rules[tt.exemption].summary)
    if exemption is None and drone_class in workflow.exempt_classes and not controlled:
        exemption = Finding(
            "EXEMPT", workflow.exempt_rule, workflow.rules[workflow.exempt_rule].summary
        )
    if exemption is None and not because:
        reason = (
            f"a {drone_class} drone"
            if drone_class not in workflow.exempt_classes
            else "the flight leaves suitable airspace"
        )
        because.append(
            Finding(
                "APPLICATION_REQUIRED",
                workflow.application_rule,
                f"{reason}: {workflow.rules[workflow.application_rule].summary}",
            )
        )
    if because:
        return Obligation(True, None, tuple(because), gate=workflow.readiness is not None)
    return Obligation(False, exemption, (), gate=gate and workflow.readiness is not None)


def missing_items(workflow: Workflow, application: Mapping[str, object] | None) -> list[str]:
    """The application contents that are absent or empty, in the workflow's order.

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> missing_items(CN_WORKFLOW, {"organiser": "SF Express", "pilot": {}})[:3]
    ['organiser_certificate', 'pilot', 'pilot_certificate']
    """
    app = application or {}
    out = []
    for item in workflow.application_items:
        v = app.get(item)
        if v is None or (isinstance(v, str | list | dict | tuple) and len(v) == 0):
            out.append(item)
    return out


def filing_findings(
    workflow: Workflow, *, task: str | None, filed_at: datetime, departure: datetime, tz: ZoneInfo
) -> list[Finding]:
    """``FILING_DEADLINE`` / ``EMERGENCY_DEADLINE`` when an application comes too late.

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> tz = ZoneInfo("Asia/Shanghai")
    >>> dep = datetime(2026, 12, 1, 9, 0, tzinfo=tz)
    >>> [f.code for f in filing_findings(CN_WORKFLOW, task=None,
    ...     filed_at=datetime(2026, 11, 30, 12, 0, 1, tzinfo=tz), departure=dep, tz=tz)]
    ['FILING_DEADLINE']
    >>> filing_findings(CN_WORKFLOW, task="medical_rescue",
    ...     filed_at=datetime(2026, 12, 1, 8, 30, tzinfo=tz), departure=dep, tz=tz)
    []
    """
    tt = workflow.task(task)
    dl = workflow.filing.get(tt.urgency)
    due = None if dl is None else dl.due(departure, tz)
    if due is None or filed_at <= due:
        return []
    code = "FILING_DEADLINE" if tt.urgency == NORMAL else "EMERGENCY_DEADLINE"
    return [
        Finding(
            code,
            dl.rule,  # type: ignore[union-attr]
            f"a {tt.name.replace('_', ' ')} application is due by {dl.describe()} "  # type: ignore[union-attr]
            f"({due:%Y-%m-%d %H:%M} {tz.key}); it was filed at "
            f"{filed_at.astimezone(tz):%Y-%m-%d %H:%M}",
            {"due": due.isoformat(), "filed_at": filed_at.astimezone(tz).isoformat()},
        )
    ]


def decision_due(
    workflow: Workflow, *, task: str | None, departure: datetime, tz: ZoneInfo
) -> datetime | None:
    """When the regulator must have decided an application (``None``: no limit).

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> tz = ZoneInfo("Asia/Shanghai")
    >>> decision_due(CN_WORKFLOW, task=None,
    ...     departure=datetime(2026, 12, 1, 9, tzinfo=tz), tz=tz).isoformat()
    '2026-11-30T21:00:00+08:00'
    """
    tt = workflow.task(task)
    dl = workflow.decision.get(tt.urgency)
    return None if dl is None else dl.due(departure, tz)


def grant_findings(
    workflow: Workflow, *, task: str | None, priority: int, granted: frozenset[str] | set[str]
) -> list[Finding]:
    """``PRIORITY_NOT_GRANTED`` when a task type or a priority is not the operator's to claim.

    Priority comes from a granted task type: a request may ask for no more than its task
    type's priority, and a task type that needs a grant only with one.

    Examples
    --------
    >>> from airspace.workflow import CN_WORKFLOW
    >>> [f.code for f in grant_findings(CN_WORKFLOW, task=None, priority=1000, granted=set())]
    ['PRIORITY_NOT_GRANTED']
    >>> grant_findings(CN_WORKFLOW, task="police", priority=0, granted={"police"})
    []
    """
    tt = workflow.task(task)
    out = []
    if tt.needs_grant and tt.name not in granted:
        out.append(
            Finding(
                "PRIORITY_NOT_GRANTED",
                workflow.grant_rule,
                f"task type {tt.name} has not been granted to this operator by a regulator",
                {"task": tt.name},
            )
        )
    elif priority > tt.priority:
        out.append(
            Finding(
                "PRIORITY_NOT_GRANTED",
                workflow.grant_rule,
                f"priority {priority} is above the {tt.priority} of task type {tt.name}; "
                "priority comes from a task type a regulator granted",
                {"task": tt.name, "priority": priority, "allowed": tt.priority},
            )
        )
    return out
