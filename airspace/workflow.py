"""A jurisdiction's flight-activity workflow as data: who must apply, by when, the
pre-departure gate and the lead times of temporary zones, with pure functions that answer
those questions for one flight in the deployment's time zone.

China (``cn``): 《无人驾驶航空器飞行管理暂行条例》 (Interim Regulations on the Flight
Management of Unmanned Aircraft, in force 2024-01-01). Micro, light and small drones in
suitable airspace fly without an application (Art. 31) unless the flight relays over a
network, carries dangerous goods or drops objects, overflies crowds, is controlled from a
moving vehicle or is a swarm. Everyone else applies before 12:00 the day before (Beijing
time) and the regulator decides before 21:00 (Art. 26); emergency tasks apply 30 minutes
before take-off and are decided 10 minutes before; especially urgent ones at any time
(Art. 28). Flights that needed an application report readiness at least one hour before
take-off and take off only once the regulator confirms (Art. 29). Temporary restrictions are
published 24 hours before they take effect, 30 minutes in an emergency (Art. 20).

``eu`` shows another jurisdiction is only other data: the open category needs no
application; the specific category needs an operational authorisation (no day-before
deadline, no pre-departure confirmation).

Rules reuse :class:`airspace.rules.Rule` (``code``, ``summary``, ``source`` = the article).
Article numbers follow the text as published by the State Council; check them against the
official text before citing them in a legal document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import shapely

from airspace.rules import Rule

NORMAL = "normal"
EMERGENCY = "emergency"
ESPECIALLY_URGENT = "especially_urgent"
URGENCIES = (NORMAL, EMERGENCY, ESPECIALLY_URGENT)


@dataclass(frozen=True)
class Deadline:
    """A time limit relative to a flight's departure.

    Either "``days_before`` days before the departure's local date, at ``local_time``" (e.g.
    12:00 the day before) or "``lead_s`` seconds before the departure". Neither: no limit.

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> tz = ZoneInfo("Asia/Shanghai")
    >>> dep = datetime(2026, 12, 1, 7, 0, tzinfo=tz)
    >>> Deadline("X", days_before=1, local_time=time(12)).due(dep, tz).isoformat()
    '2026-11-30T12:00:00+08:00'
    >>> Deadline("Y", lead_s=1800).due(dep, tz).isoformat()
    '2026-12-01T06:30:00+08:00'
    """

    rule: str
    days_before: int | None = None
    local_time: time | None = None
    lead_s: float | None = None

    def due(self, departure: datetime, tz: ZoneInfo) -> datetime | None:
        """The latest instant (aware, in ``tz``) that meets the limit, or ``None``."""
        if departure.tzinfo is None:
            raise ValueError("departure must be an aware datetime")
        if self.days_before is not None and self.local_time is not None:
            day = departure.astimezone(tz).date() - timedelta(days=self.days_before)
            return datetime.combine(day, self.local_time, tzinfo=tz)
        if self.lead_s is not None:
            return departure.astimezone(tz) - timedelta(seconds=self.lead_s)
        return None

    def describe(self) -> str:
        if self.days_before is not None and self.local_time is not None:
            when = "the day before" if self.days_before == 1 else f"{self.days_before} days before"
            return f"{self.local_time:%H:%M} {when}"
        if self.lead_s is not None:
            return f"{self.lead_s / 60:g} min before take-off"
        return "any time"


@dataclass(frozen=True)
class TaskType:
    """A kind of task a flight is for.

    Attributes
    ----------
    name : str
        Stable identifier used on the wire (``"medical_rescue"``).
    urgency : str
        ``normal``, ``emergency`` or ``especially_urgent``: which deadlines apply.
    priority : int
        The planner priority a flight of this task gets (0 = first come, first served).
    needs_grant : bool
        Only operators a regulator granted this task type may file it.
    exemption : str or None
        Code of the rule that exempts such flights from applying (e.g. agricultural work in
        suitable airspace).
    own_site : bool
        The exemption holds only over the operator's own base or site (police, customs,
        airports), up to ``Workflow.base_ceiling_m``, even in controlled airspace, and such
        flights still pass the pre-departure gate.
    local_name : str
    """

    name: str
    urgency: str = NORMAL
    priority: int = 0
    needs_grant: bool = False
    exemption: str | None = None
    own_site: bool = False
    local_name: str = ""

    def __post_init__(self) -> None:
        if self.urgency not in URGENCIES:
            raise ValueError(f"task {self.name}: urgency must be one of {URGENCIES}")


@dataclass(frozen=True)
class Workflow:
    """A jurisdiction's flight-activity workflow.

    Attributes
    ----------
    code, name : str
    rules : mapping of str to Rule
        Every rule by code; each cites its article in ``source``.
    exempt_classes : frozenset of str
        Drone classes that need no application inside suitable airspace (``exempt_rule``).
    triggers : mapping of str to str
        Operation features (request field ``operations``) that make an application necessary
        even then, each to its rule code.
    tasks : mapping of str to TaskType
    default_task : str
    application_items : tuple of str
        The contents an application must carry (request field ``application``).
    application_rule, contents_rule : str
        The rule that makes a flight apply, and the one listing the contents.
    filing, decision : mapping of urgency to Deadline
        When the application is due and when the regulator must decide.
    readiness : Deadline or None
        When a flight that applied must report readiness (``None``: no pre-departure gate).
    readiness_urgent : mapping of urgency to Deadline
        Other readiness deadlines for urgent tasks (an application due 30 minutes before
        take-off cannot be followed by a report due an hour before it).
    confirmation_rule : str or None
        The rule under which an applied flight waits for the regulator's confirmation.
    activation_early_s, activation_late_s : float
        A flight is activated from ``early`` seconds before its assigned departure until
        ``late`` seconds after its latest filed departure (``activation_rule``).
    zone_lead_s, zone_emergency_lead_s : float
        How long before taking effect a temporary restriction is published (``zone_rule``).
    report_within_s : float
        Abnormal events are reported within this time after landing (``report_rule``).
    long_term_rule : str or None
        Long-term applications for routine flights in fixed airspace (``None``: none); each
        day's flights are then filed by ``long_term_filing``.
    zone_interval_rule : str or None
        Requests entering an authorisation zone are filed at least the zone authority's
        ED-318 ``intervalBefore`` ahead of departure.
    documents : mapping of str to str
        Registry documents (kind -> rule): an expired one refuses every filing; a missing one
        refuses a flight that must apply.
    unit_rule : str or None
        Applications go to the competent unit of the control sub-region
        (:mod:`airspace.units`).
    """

    code: str
    name: str
    rules: Mapping[str, Rule]
    exempt_classes: frozenset[str]
    exempt_rule: str
    triggers: Mapping[str, str]
    tasks: Mapping[str, TaskType]
    default_task: str
    application_items: tuple[str, ...]
    application_rule: str
    contents_rule: str
    filing: Mapping[str, Deadline]
    decision: Mapping[str, Deadline]
    grant_rule: str
    readiness: Deadline | None = None
    readiness_urgent: Mapping[str, Deadline] = field(default_factory=dict)
    confirmation_rule: str | None = None
    activation_rule: str | None = None
    activation_early_s: float = 900.0
    activation_late_s: float = 900.0
    zone_rule: str | None = None
    zone_lead_s: float = 0.0
    zone_emergency_lead_s: float = 0.0
    report_rule: str | None = None
    report_within_s: float = math.inf
    long_term_rule: str | None = None
    long_term_filing: Deadline | None = None
    zone_interval_rule: str | None = None
    documents: Mapping[str, str] = field(default_factory=dict)
    unit_rule: str | None = None
    base_ceiling_m: float = 120.0

    def __post_init__(self) -> None:
        cited = {self.exempt_rule, self.application_rule, self.contents_rule, self.grant_rule}
        cited.update(self.triggers.values())
        cited.update(d.rule for d in (*self.filing.values(), *self.decision.values()))
        cited.update(t.exemption for t in self.tasks.values() if t.exemption)
        cited.update(d.rule for d in self.readiness_urgent.values())
        for extra in (
            self.confirmation_rule,
            self.activation_rule,
            self.zone_rule,
            self.report_rule,
            self.readiness.rule if self.readiness else None,
            self.long_term_rule,
            self.long_term_filing.rule if self.long_term_filing else None,
            self.zone_interval_rule,
            *self.documents.values(),
            self.unit_rule,
        ):
            if extra:
                cited.add(extra)
        missing = cited - set(self.rules)
        if missing:
            raise ValueError(
                f"workflow {self.code}: rules {sorted(missing)} are cited, not defined"
            )
        if self.default_task not in self.tasks:
            raise ValueError(f"workflow {self.code}: default task {self.default_task!r} unknown")

    def __hash__(self) -> int:
        return hash(self.code)

    def task(self, name: str | None) -> TaskType:
        """The task type called ``name`` (the default when ``None``); ``ValueError`` naming the
        known ones otherwise."""
        key = self.default_task if name is None else str(name).strip().lower()
        try:
            return self.tasks[key]
        except KeyError:
            raise ValueError(
                f"unknown task type {name!r}; expected one of {', '.join(self.tasks)}"
            ) from None


@dataclass(frozen=True)
class Finding:
    """One answer of the workflow about a flight: a rule code, its reason code and words."""

    code: str
    rule: str
    message: str
    detail: dict[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Obligation:
    """Whether a flight must apply (:func:`who_must_apply`).

    ``exemption`` is the rule that spares it (``None`` when it must apply); ``because`` the
    findings that make it apply; ``gate`` whether it reports readiness and waits for the
    regulator's confirmation before take-off.
    """

    must_apply: bool
    exemption: Finding | None
    because: tuple[Finding, ...]
    gate: bool


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


@dataclass(frozen=True)
class LongTermApproval:
    """An approved long-term application: one operator's routine flights in fixed airspace
    (listed corridors, or an area in lon/lat) up to ``upper_m`` true height, from
    ``valid_from`` until ``valid_until``."""

    id: str
    operator: str
    valid_from: datetime
    valid_until: datetime
    corridors: frozenset[str] = frozenset()
    area: object | None = None  # a shapely Polygon in lon/lat
    upper_m: float = 120.0


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


_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def duration_s(text: str) -> float:
    """Seconds of an ISO 8601 duration without years or months (ED-318 ``intervalBefore``).

    Examples
    --------
    >>> duration_s("P10DT00H"), duration_s("PT24H"), duration_s("PT30M")
    (864000.0, 86400.0, 1800.0)
    """
    m = _DURATION.match(str(text).strip().upper())
    if m is None or str(text).strip().upper() in ("P", "PT"):
        raise ValueError(
            f"not an ISO 8601 duration in weeks, days, hours, minutes, seconds: {text!r}"
        )
    parts = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return (
        parts["w"] * 604800.0
        + parts["d"] * 86400.0
        + parts["h"] * 3600.0
        + parts["m"] * 60.0
        + parts["s"]
    )


def interval_before_findings(
    workflow: Workflow, *, zone: str, interval: str, filed_at: datetime, departure: datetime
) -> list[Finding]:
    """``ZONE_INTERVAL_BEFORE`` when a request enters an authorisation zone later than its
    authority's ``intervalBefore`` allows (an unreadable duration is reported as such).

    Examples
    --------
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


def _rules(*rules: Rule) -> Mapping[str, Rule]:
    return MappingProxyType({r.code: r for r in rules})


def _cn(article: str) -> str:
    return f"无人驾驶航空器飞行管理暂行条例 {article}"


CN_APPLICATION_ITEMS = (
    "organiser",
    "organiser_certificate",
    "pilot",
    "pilot_certificate",
    "aircraft_type",
    "aircraft_count",
    "registration",
    "task_nature",
    "flight_mode",
    "takeoff_site",
    "landing_site",
    "alternate_site",
    "communication",
    "c2_link",
    "navigation_surveillance",
    "transponder_code",
    "emergency_procedures",
    "special_needs",
)
"""Art. 27 contents; times and route/altitude/speed/airspace come from the request itself."""

CN_WORKFLOW = Workflow(
    code="cn",
    name="China: flight-activity workflow of the 2024 Interim Regulations",
    rules=_rules(
        Rule(
            "CN-2024-ART31-EXEMPT-SUITABLE",
            "Micro, light and small drones flying in suitable airspace (outside controlled "
            "airspace, below 120 m true height; micro below 50 m) need no application.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART31-EXEMPT-AGRICULTURE",
            "Routine agricultural work (plant protection, sowing) in suitable airspace needs no "
            "application.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART31-EXEMPT-BASE",
            "Police, customs and emergency-management drones over their own bases up to 120 m "
            "need no application but report before take-off.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART31-EXEMPT-AIRPORT",
            "Inspection flights inside an airport's own zone by the airport need no "
            "application but report before take-off.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART31-RELAY",
            "Relay flight over cellular base stations or the Internet needs an application.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART31-DANGEROUS-GOODS",
            "Carrying dangerous goods needs an application.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART31-DROPPING",
            "Dropping objects needs an application.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART31-CROWDS",
            "Flying over gatherings of people needs an application.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART31-MOVING-VEHICLE",
            "Controlling the drone from a moving vehicle needs an application.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART31-SWARM",
            "Swarm or distributed operation needs an application.",
            _cn("第三十一条 (Art. 31)"),
        ),
        Rule(
            "CN-2024-ART26-APPLICATION",
            "Flights not exempt under Art. 31 apply to the air traffic management unit and "
            "fly only once approved.",
            _cn("第二十六条 (Art. 26)"),
        ),
        Rule(
            "CN-2024-ART26-LONG-TERM",
            "Routine flights in fixed airspace may hold a long-term application, approved once; "
            "each day's flight plans are then filed for the record before 12:00 the day before.",
            _cn("第二十六条 (Art. 26)"),
        ),
        Rule(
            "CN-2024-ART26-COMPETENT-UNIT",
            "An application goes to the air traffic management unit of the control sub-region "
            "it flies in; a flight crossing sub-regions goes to the region's unit.",
            _cn("第二十六条 (Art. 26)"),
        ),
        Rule(
            "CN-2024-ART27-CONTENTS",
            "An application names organiser and pilot with their certificates, aircraft type, "
            "number and registration, task nature and flight mode, take-off, landing and "
            "alternate sites, communication, times, route/altitude/speed/airspace, C2 link, "
            "navigation and surveillance, transponder code request, emergency procedures and "
            "special needs.",
            _cn("第二十七条 (Art. 27)"),
        ),
        Rule(
            "CN-2024-ART26-FILING-1200",
            "Applications are filed before 12:00 the day before the flight.",
            _cn("第二十六条 (Art. 26)"),
        ),
        Rule(
            "CN-2024-ART26-DECISION-2100",
            "The air traffic management unit decides before 21:00 the day before the flight.",
            _cn("第二十六条 (Art. 26)"),
        ),
        Rule(
            "CN-2024-ART28-EMERGENCY-30MIN",
            "Emergency tasks (counter-terrorism, disaster relief, medical rescue, ...) apply at "
            "least 30 minutes before take-off.",
            _cn("第二十八条 (Art. 28)"),
        ),
        Rule(
            "CN-2024-ART28-EMERGENCY-DECISION-10MIN",
            "Emergency applications are decided at least 10 minutes before take-off.",
            _cn("第二十八条 (Art. 28)"),
        ),
        Rule(
            "CN-2024-ART28-ESPECIALLY-URGENT",
            "Especially urgent tasks may apply at any time.",
            _cn("第二十八条 (Art. 28)"),
        ),
        Rule(
            "CN-2024-TASK-GRANT",
            "Emergency, police and other priority task types are exercised only by operators "
            "the regulator designated for them; priority follows the granted task type.",
            _cn("第二十八条、第三十一条 (Art. 28, 31)"),
        ),
        Rule(
            "CN-2024-ART29-READINESS-1H",
            "Flights that applied report their expected take-off time and readiness at least "
            "1 hour before take-off and take off only after the unit confirms.",
            _cn("第二十九条 (Art. 29)"),
        ),
        Rule(
            "CN-2024-ART29-READINESS-URGENT",
            "Emergency and especially urgent tasks report readiness before take-off: their "
            "application may come 30 minutes (or less) before it, so the 1-hour lead cannot "
            "apply (qingkong's reading of Art. 28 with Art. 29).",
            _cn("第二十八条、第二十九条 (Art. 28, 29)"),
        ),
        Rule(
            "CN-2024-ART29-WINDOW",
            "A flight takes off only within the time the approval grants.",
            _cn("第二十九条 (Art. 29)"),
        ),
        Rule(
            "CN-2024-ART20-ZONE-LEAD",
            "Temporary controlled airspace is published at least 24 hours before it takes "
            "effect; in an emergency at least 30 minutes before.",
            _cn("第二十条 (Art. 20)"),
        ),
        Rule(
            "CN-2024-ED318-INTERVAL-BEFORE",
            "A request entering an authorisation zone is filed at least the zone authority's "
            "intervalBefore (EUROCAE ED-318) ahead of departure.",
            _cn("第二十六条 (Art. 26), with EUROCAE ED-318 UASZone authority.intervalBefore"),
        ),
        Rule(
            "CN-2024-REGISTRY-DRONE",
            "Civil drones carry real-name registration (实名登记) before they fly.",
            _cn("第八条至第十七条 (Art. 8-17)"),
        ),
        Rule(
            "CN-2024-REGISTRY-OPERATOR",
            "Operators of flights that need an application hold a valid operator certificate.",
            _cn("第八条至第十七条 (Art. 8-17)"),
        ),
        Rule(
            "CN-2024-REGISTRY-INSURANCE",
            "Operators of civil drones hold valid third-party liability insurance.",
            _cn("第八条至第十七条 (Art. 8-17)"),
        ),
        Rule(
            "CN-2024-REGISTRY-PILOT",
            "Pilots of flights that need an application hold a valid licence.",
            _cn("第八条至第十七条 (Art. 8-17)"),
        ),
        Rule(
            "CN-2024-ART40-REPORTS",
            "Completion is reported after landing; abnormal events within 24 hours.",
            _cn("第四十条 (Art. 40)"),
        ),
    ),
    exempt_classes=frozenset({"micro", "light", "small"}),
    exempt_rule="CN-2024-ART31-EXEMPT-SUITABLE",
    triggers=MappingProxyType(
        {
            "relay_network": "CN-2024-ART31-RELAY",
            "dangerous_goods": "CN-2024-ART31-DANGEROUS-GOODS",
            "dropping_objects": "CN-2024-ART31-DROPPING",
            "over_crowds": "CN-2024-ART31-CROWDS",
            "moving_vehicle": "CN-2024-ART31-MOVING-VEHICLE",
            "swarm": "CN-2024-ART31-SWARM",
        }
    ),
    tasks=MappingProxyType(
        {
            t.name: t
            for t in (
                TaskType("routine", local_name="常规"),
                TaskType(
                    "agricultural",
                    exemption="CN-2024-ART31-EXEMPT-AGRICULTURE",
                    local_name="农用",
                ),
                TaskType(
                    "police",
                    NORMAL,
                    700,
                    True,
                    "CN-2024-ART31-EXEMPT-BASE",
                    own_site=True,
                    local_name="警务",
                ),
                TaskType(
                    "customs",
                    NORMAL,
                    500,
                    True,
                    "CN-2024-ART31-EXEMPT-BASE",
                    own_site=True,
                    local_name="海关",
                ),
                TaskType(
                    "emergency_management",
                    EMERGENCY,
                    700,
                    True,
                    "CN-2024-ART31-EXEMPT-BASE",
                    own_site=True,
                    local_name="应急管理",
                ),
                TaskType(
                    "airport_inspection",
                    NORMAL,
                    0,
                    True,
                    "CN-2024-ART31-EXEMPT-AIRPORT",
                    own_site=True,
                    local_name="机场巡检",
                ),
                TaskType("counter_terrorism", EMERGENCY, 900, True, local_name="反恐维稳"),
                TaskType("disaster_relief", EMERGENCY, 800, True, local_name="抢险救灾"),
                TaskType("medical_rescue", EMERGENCY, 800, True, local_name="医疗救护"),
                TaskType("especially_urgent", ESPECIALLY_URGENT, 1000, True, local_name="特别紧急"),
            )
        }
    ),
    default_task="routine",
    application_items=CN_APPLICATION_ITEMS,
    application_rule="CN-2024-ART26-APPLICATION",
    contents_rule="CN-2024-ART27-CONTENTS",
    filing=MappingProxyType(
        {
            NORMAL: Deadline("CN-2024-ART26-FILING-1200", days_before=1, local_time=time(12)),
            EMERGENCY: Deadline("CN-2024-ART28-EMERGENCY-30MIN", lead_s=1800.0),
            ESPECIALLY_URGENT: Deadline("CN-2024-ART28-ESPECIALLY-URGENT"),
        }
    ),
    decision=MappingProxyType(
        {
            NORMAL: Deadline("CN-2024-ART26-DECISION-2100", days_before=1, local_time=time(21)),
            EMERGENCY: Deadline("CN-2024-ART28-EMERGENCY-DECISION-10MIN", lead_s=600.0),
            ESPECIALLY_URGENT: Deadline("CN-2024-ART28-ESPECIALLY-URGENT", lead_s=0.0),
        }
    ),
    grant_rule="CN-2024-TASK-GRANT",
    readiness=Deadline("CN-2024-ART29-READINESS-1H", lead_s=3600.0),
    readiness_urgent=MappingProxyType(
        {
            EMERGENCY: Deadline("CN-2024-ART29-READINESS-URGENT", lead_s=0.0),
            ESPECIALLY_URGENT: Deadline("CN-2024-ART29-READINESS-URGENT", lead_s=0.0),
        }
    ),
    confirmation_rule="CN-2024-ART29-READINESS-1H",
    activation_rule="CN-2024-ART29-WINDOW",
    activation_early_s=900.0,
    activation_late_s=900.0,
    zone_rule="CN-2024-ART20-ZONE-LEAD",
    zone_lead_s=86400.0,
    zone_emergency_lead_s=1800.0,
    report_rule="CN-2024-ART40-REPORTS",
    report_within_s=86400.0,
    zone_interval_rule="CN-2024-ED318-INTERVAL-BEFORE",
    unit_rule="CN-2024-ART26-COMPETENT-UNIT",
    documents=MappingProxyType(
        {
            "drone_registration": "CN-2024-REGISTRY-DRONE",
            "operator_certificate": "CN-2024-REGISTRY-OPERATOR",
            "insurance": "CN-2024-REGISTRY-INSURANCE",
            "pilot_licence": "CN-2024-REGISTRY-PILOT",
        }
    ),
    long_term_rule="CN-2024-ART26-LONG-TERM",
    long_term_filing=Deadline("CN-2024-ART26-LONG-TERM", days_before=1, local_time=time(12)),
)
"""China's workflow (``QINGKONG_WORKFLOW=cn``, the Qingdao default)."""

_EU = "Implementing Regulation (EU) 2019/947"

EU_WORKFLOW = Workflow(
    code="eu",
    name="EU: open category without application, specific category with an authorisation",
    rules=_rules(
        Rule(
            "EU-2019-OPEN-NO-APPLICATION",
            "Open-category flights (C0-C4, below 120 m, outside zones needing authorisation) "
            "need no application.",
            f"{_EU} Art. 4",
        ),
        Rule(
            "EU-2019-SPECIFIC-AUTHORISATION",
            "Specific-category operations need an operational authorisation from the competent "
            "authority.",
            f"{_EU} Art. 5, 12",
        ),
        Rule(
            "EU-2019-AUTHORISATION-CONTENTS",
            "An application names the operator, the operation, the risk assessment (SORA) and "
            "the mitigations.",
            f"{_EU} Art. 11",
        ),
        Rule(
            "EU-2019-DANGEROUS-GOODS",
            "Carrying dangerous goods or dropping material takes the operation out of the open "
            "category.",
            f"{_EU} Art. 4(1)(f)",
        ),
        Rule(
            "EU-2019-OVER-CROWDS",
            "Overflying assemblies of people is not open category.",
            f"{_EU} Art. 4",
        ),
        Rule("EU-2019-NO-DEADLINE", "No filing deadline.", _EU),
        Rule(
            "EU-2019-PRIORITY",
            "Priority (e.g. emergency) is not self-declared: it follows the operator's "
            "designation.",
            "Implementing Regulation (EU) 2021/664 Art. 9",
        ),
        Rule(
            "EU-2021-664-INTERVAL-BEFORE",
            "A request entering a geographical zone that needs authorisation is filed at least "
            "its authority's intervalBefore (EUROCAE ED-318) ahead.",
            "Implementing Regulation (EU) 2019/947 Art. 15; EUROCAE ED-318",
        ),
        Rule(
            "EU-2021-664-ACTIVATION",
            "A UAS flight authorisation is activated before the flight starts and within its "
            "authorised time.",
            "Implementing Regulation (EU) 2021/664 Art. 10",
        ),
    ),
    exempt_classes=frozenset({"C0", "C1", "C2", "C3", "C4"}),
    exempt_rule="EU-2019-OPEN-NO-APPLICATION",
    triggers=MappingProxyType(
        {
            "dangerous_goods": "EU-2019-DANGEROUS-GOODS",
            "dropping_objects": "EU-2019-DANGEROUS-GOODS",
            "over_crowds": "EU-2019-OVER-CROWDS",
        }
    ),
    tasks=MappingProxyType(
        {
            "routine": TaskType("routine"),
            "emergency": TaskType("emergency", EMERGENCY, 800, True),
        }
    ),
    default_task="routine",
    application_items=("operator", "operation", "risk_assessment", "mitigations"),
    application_rule="EU-2019-SPECIFIC-AUTHORISATION",
    contents_rule="EU-2019-AUTHORISATION-CONTENTS",
    filing=MappingProxyType({u: Deadline("EU-2019-NO-DEADLINE") for u in URGENCIES}),
    decision=MappingProxyType({u: Deadline("EU-2019-NO-DEADLINE") for u in URGENCIES}),
    grant_rule="EU-2019-PRIORITY",
    zone_interval_rule="EU-2021-664-INTERVAL-BEFORE",
    activation_rule="EU-2021-664-ACTIVATION",
    activation_early_s=600.0,
    activation_late_s=600.0,
)
"""The EU: the same questions, other answers (``QINGKONG_WORKFLOW=eu``)."""

WORKFLOWS: Mapping[str, Workflow] = MappingProxyType({"cn": CN_WORKFLOW, "eu": EU_WORKFLOW})
"""Workflows by code; ``none`` (no workflow) is spelled :data:`None` by :func:`workflow_for`."""


def workflow_for(code: str | None) -> Workflow | None:
    """The workflow called ``code``; ``None`` for ``"none"``; ``ValueError`` when unknown.

    Examples
    --------
    >>> workflow_for("CN").code, workflow_for("none")
    ('cn', None)
    """
    key = "none" if code is None else str(code).strip().lower()
    if key == "none":
        return None
    try:
        return WORKFLOWS[key]
    except KeyError:
        raise ValueError(
            f"unknown workflow {code!r}; choose one of {', '.join([*WORKFLOWS, 'none'])}"
        ) from None


def all_rules(workflow: Workflow) -> list[Rule]:
    """Every rule of a workflow, in definition order (for the README table and the console)."""
    return list(workflow.rules.values())
