"""The flight-activity workflow in a replay: a scenario file names its workflow
(``workflow: cn``, absent or ``none``: none, as before the workflow existed) and the task types
regulators granted (``grants: {OP-QD-EMS: [medical_rescue]}``); request events may carry
``task``, ``operations``, ``application`` and ``at_own_site`` as the API's request does; the
``ready`` and ``confirm`` events are the pre-departure gate. A zone event whose zone carries
``emergency_reason`` is an emergency restriction (China: 30 min lead instead of 24 h).

Refusals that are not decisions (``NOT_CONFIRMED``, ``ACTIVATION_WINDOW``, ``ZONE_LEAD_TIME``)
become the replay's ``errors`` entries, their message starting with the code. The metrics
report the regulator's decision latency against the workflow's deadline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shapely.geometry import shape

from airspace.schedule import active_intervals
from airspace.workflow import (
    LongTermApproval,
    Workflow,
    activation_findings,
    readiness_deadline,
    workflow_for,
    zone_lead_findings,
)
from airspace.zones import Zone
from planner.workflow_gate import WorkflowFacts, WorkflowGate, decision_extras
from scenarios.format import Event, Scenario, ScenarioError, parse_start


def scenario_workflow(scenario: Scenario) -> Workflow | None:
    """The workflow a scenario names (``workflow:``; absent means none)."""
    try:
        return workflow_for(scenario.extra.get("workflow", "none"))
    except ValueError as e:
        raise ScenarioError(f"workflow: {e}") from None


def scenario_grants(scenario: Scenario, workflow: Workflow | None) -> dict[str, frozenset[str]]:
    """``grants:`` as operator -> task types, checked against the workflow."""
    raw = scenario.extra.get("grants") or {}
    if not isinstance(raw, Mapping):
        raise ScenarioError("grants: expected {operator: [task type, ...]}")
    out: dict[str, frozenset[str]] = {}
    for op, tasks in raw.items():
        if not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks):
            raise ScenarioError(f"grants.{op}: expected a list of task types")
        if workflow is not None:
            for t in tasks:
                try:
                    workflow.task(t)
                except ValueError as e:
                    raise ScenarioError(f"grants.{op}: {e}") from None
        out[str(op)] = frozenset(tasks)
    return out


def scenario_documents(
    scenario: Scenario, workflow: Workflow | None
) -> dict[str, list[dict[str, Any]]]:
    """``documents:`` as operator -> registry documents (``kind``, ``number``, ``valid_from``,
    ``valid_until`` in RFC 3339, ``drone`` for a drone registration), as the API's
    ``POST /v1/documents`` takes them. Under a workflow the registry is always consulted: an
    operator without documents cannot file a flight that must apply."""
    raw = scenario.extra.get("documents") or {}
    if not isinstance(raw, Mapping):
        raise ScenarioError("documents: expected {operator: [{kind, number, valid_from, ...}]}")
    kinds = list(workflow.documents) if workflow is not None else []
    out: dict[str, list[dict[str, Any]]] = {}
    for op, docs in raw.items():
        if not isinstance(docs, list):
            raise ScenarioError(f"documents.{op}: expected a list")
        for k, d in enumerate(docs):
            where = f"documents.{op}[{k}]"
            if not isinstance(d, Mapping) or d.get("kind") not in kinds:
                raise ScenarioError(f"{where}.kind: expected one of {kinds}")
            out.setdefault(str(op), []).append(
                {
                    "kind": str(d["kind"]),
                    "number": str(d.get("number", "")),
                    "drone": None if d.get("drone") is None else str(d["drone"]),
                    "valid_from": parse_start(d.get("valid_from"), f"{where}.valid_from"),
                    "valid_until": parse_start(d.get("valid_until"), f"{where}.valid_until"),
                }
            )
    return out


def scenario_long_term(scenario: Scenario) -> dict[str, LongTermApproval]:
    """``long_term:`` as approved long-term applications by id: ``{LT-1: {operator,
    valid_from, valid_until (RFC 3339), corridors: [edge ids] or area: GeoJSON Polygon,
    upper_m}}`` (a scenario lists the ones a regulator has approved)."""
    raw = scenario.extra.get("long_term") or {}
    if not isinstance(raw, Mapping):
        raise ScenarioError("long_term: expected {id: {operator, valid_from, valid_until, ...}}")
    out: dict[str, LongTermApproval] = {}
    for lt_id, d in raw.items():
        where = f"long_term.{lt_id}"
        if not isinstance(d, Mapping):
            raise ScenarioError(f"{where}: expected a mapping")
        try:
            valid = [parse_start(d.get(k), f"{where}.{k}") for k in ("valid_from", "valid_until")]
            area = shape(d["area"]) if d.get("area") else None
            out[str(lt_id)] = LongTermApproval(
                str(lt_id),
                str(d["operator"]),
                valid[0],
                valid[1],
                frozenset(str(c) for c in d.get("corridors") or ()),
                area,
                float(d.get("upper_m", 120.0)),
            )
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, ScenarioError):
                raise
            raise ScenarioError(f"{where}: {e}") from None
    return out


@dataclass
class _Flight:
    task: str | None = None
    gate: bool = False
    decide_by_s: float | None = None
    ready_s: float | None = None
    confirmed_s: float | None = None


@dataclass
class ReplayWorkflow:
    """The workflow's bookkeeping for one in-process replay."""

    workflow: Workflow
    scenario: Scenario
    grants: dict[str, frozenset[str]]
    long_term: dict[str, LongTermApproval] = field(default_factory=dict)
    documents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    flights: dict[str, _Flight] = field(default_factory=dict)

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> ReplayWorkflow | None:
        """The workflow a scenario's deployment runs under (``None``: none)."""
        wf = scenario_workflow(scenario)
        if wf is None:
            return None
        return cls(
            wf,
            scenario,
            scenario_grants(scenario, wf),
            scenario_long_term(scenario),
            scenario_documents(scenario, wf),
        )

    def _dt(self, t_s: float) -> datetime:
        return (self.scenario.start + timedelta(seconds=float(t_s))).astimezone(
            self.scenario.deployment.tz
        )

    def _s(self, dt: datetime) -> float:
        return (dt - self.scenario.start).total_seconds()

    def gate(self, event: Event) -> WorkflowGate:
        """The gate a request event passes (``ValueError`` naming a bad workflow field)."""
        assert event.request is not None
        facts = WorkflowFacts.from_dict(event.data)
        self.workflow.task(facts.task)
        op = event.request.operator_id or ""
        lt = None if facts.long_term is None else self.long_term.get(facts.long_term)
        return WorkflowGate(
            self.workflow,
            facts,
            self.grants.get(op, frozenset()),
            self.scenario.start,
            self.scenario.deployment.tz,
            event.t_s,
            long_term=lt if lt is not None and lt.operator == op else None,
            documents=self._documents(op, event.request.drone.id),
        )

    def _documents(self, operator: str, drone: str) -> dict[str, list[tuple[datetime, datetime]]]:
        out: dict[str, list[tuple[datetime, datetime]]] = {}
        for d in self.documents.get(operator, []):
            if d.get("drone") not in (None, drone):
                continue
            out.setdefault(d["kind"], []).append((d["valid_from"], d["valid_until"]))
        return out

    def effective_priority(self, event: Event) -> int:
        """Priority from the task type unless the request asks for less (as the API does)."""
        requested = int(event.data.get("priority", 0))
        return requested or self.workflow.task(event.data.get("task")).priority

    def decided(self, flight: str, gate: WorkflowGate, decision: dict[str, Any]) -> None:
        """Remember what the gate found; an exempt approval says which exemption applies."""
        ob = gate.obligation
        f = _Flight(task=gate.facts.task, gate=bool(ob and ob.gate))
        if gate.decide_by is not None and decision.get("status") == "pending":
            f.decide_by_s = self._s(gate.decide_by)
        self.flights[flight] = f
        decision.update(decision_extras(gate, str(decision.get("status"))))

    def ready(self, flight: str, t_s: float, departure_s: float | None) -> None:
        """The operator reports readiness (and the expected take-off)."""
        f = self._flight(flight)
        if not f.gate:
            raise ValueError(f"{flight} needs no readiness report (it is exempt)")
        dl = readiness_deadline(self.workflow, f.task)
        if dl is not None and departure_s is not None:
            due = dl.due(self._dt(departure_s), self.scenario.deployment.tz)
            if due is not None and self._dt(t_s) > due:
                raise ValueError(
                    f"READINESS_LATE: {flight} reports readiness at least {dl.describe()} "
                    f"({dl.rule})"
                )
        f.ready_s, f.confirmed_s = t_s, None

    def confirm(self, flight: str, t_s: float) -> None:
        """A regulator confirms the readiness report."""
        f = self._flight(flight)
        if f.ready_s is None:
            raise ValueError(f"{flight} has not reported readiness yet")
        f.confirmed_s = t_s

    def check_activation(
        self, flight: str, t_s: float, departure_s: float, latest_s: float
    ) -> None:
        """Refuse an activation the gate does not allow yet (or too late)."""
        f = self.flights.get(flight, _Flight())
        found = activation_findings(
            self.workflow,
            now=self._dt(t_s),
            departure=self._dt(departure_s),
            latest=self._dt(max(latest_s, departure_s)),
            gate=f.gate,
            confirmed=f.confirmed_s is not None,
        )
        if found:
            raise ValueError(f"{found[0].code}: {found[0].message} ({found[0].rule})")

    def check_zone(self, zone: Zone, raw: Mapping[str, Any], t_s: float) -> None:
        """Refuse a temporary restriction published later than its lead time."""
        if zone.is_permanent:
            return
        now = self._dt(t_s)
        spans = active_intervals(zone, now, now + timedelta(days=400), self.scenario.deployment.tz)
        if not spans:
            return
        found = zone_lead_findings(
            self.workflow,
            published_at=now,
            effective_at=spans[0][0],
            emergency_reason=str(raw.get("emergency_reason", "")),
        )
        if found:
            raise ValueError(f"{found[0].code}: zone {zone.identifier}: {found[0].message}")

    def _flight(self, flight: str) -> _Flight:
        try:
            return self.flights[flight]
        except KeyError:
            raise KeyError(f"unknown flight {flight!r}") from None


def workflow_metrics(decisions: Sequence[dict[str, Any]], start: datetime) -> dict[str, Any] | None:
    """Decision latency of reviews against the workflow's deadline (``None`` without one).

    For every request held for an application (``APPLICATION_REQUIRED`` with ``decide_by``)
    and reviewed later: seconds from filing to the verdict, and whether the verdict came after
    the deadline; requests never reviewed count as ``undecided``.
    """
    filed: dict[str, tuple[float, float]] = {}
    for d in decisions:
        if d.get("kind") != "request" or d.get("status") != "pending":
            continue
        due = [
            (datetime.fromisoformat(r["decide_by"]) - start).total_seconds()
            for r in d.get("reasons", [])
            if r.get("code") == "APPLICATION_REQUIRED" and r.get("decide_by")
        ]
        if due:
            filed[str(d["flight"])] = (float(d["t"]), float(min(due)))
    if not filed:
        return None
    latencies: list[float] = []
    late: list[str] = []
    decided: set[str] = set()
    for d in decisions:
        fid = str(d.get("flight"))
        if d.get("kind") == "review" and fid in filed and fid not in decided:
            decided.add(fid)
            t_filed, due_s = filed[fid]
            latencies.append(float(d["t"]) - t_filed)
            if float(d["t"]) > due_s:
                late.append(fid)
    latencies.sort()
    return {
        "applications": len(filed),
        "reviewed": len(decided),
        "undecided": sorted(set(filed) - decided),
        "decided_after_deadline": sorted(late),
        "decision_latency_s": {
            "median": latencies[len(latencies) // 2] if latencies else None,
            "max": latencies[-1] if latencies else None,
        },
    }
