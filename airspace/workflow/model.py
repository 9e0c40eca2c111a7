"""The workflow's types: deadlines, task types, the workflow itself and what it finds
(see :mod:`airspace.workflow`)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

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
        """When the request is due, in words (``18:00 the day before``)."""
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
