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

from collections.abc import Mapping
from types import MappingProxyType

from airspace.rules import Rule
from airspace.workflow.checks import (
    decision_due,
    filing_findings,
    grant_findings,
    missing_items,
    who_must_apply,
)
from airspace.workflow.cn import CN_APPLICATION_ITEMS, CN_WORKFLOW
from airspace.workflow.eu import EU_WORKFLOW
from airspace.workflow.flight_checks import (
    activation_findings,
    document_findings,
    interval_before_findings,
    long_term_findings,
    readiness_deadline,
    readiness_due,
    zone_lead_findings,
)
from airspace.workflow.model import (
    EMERGENCY,
    ESPECIALLY_URGENT,
    NORMAL,
    URGENCIES,
    Deadline,
    Finding,
    LongTermApproval,
    Obligation,
    TaskType,
    Workflow,
    duration_s,
)

__all__ = [
    "CN_APPLICATION_ITEMS",
    "CN_WORKFLOW",
    "EMERGENCY",
    "ESPECIALLY_URGENT",
    "EU_WORKFLOW",
    "NORMAL",
    "URGENCIES",
    "WORKFLOWS",
    "Deadline",
    "Finding",
    "LongTermApproval",
    "Obligation",
    "TaskType",
    "Workflow",
    "activation_findings",
    "all_rules",
    "decision_due",
    "document_findings",
    "duration_s",
    "filing_findings",
    "grant_findings",
    "interval_before_findings",
    "long_term_findings",
    "missing_items",
    "readiness_deadline",
    "readiness_due",
    "who_must_apply",
    "workflow_for",
    "zone_lead_findings",
]

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
