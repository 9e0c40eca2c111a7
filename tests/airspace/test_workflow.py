"""The workflow as data: every rule of China's workflow is exercised here by its code, in
Beijing time; the EU workflow answers the same questions differently."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from airspace.workflow import (
    CN_WORKFLOW,
    EU_WORKFLOW,
    Deadline,
    LongTermApproval,
    Workflow,
    activation_findings,
    decision_due,
    document_findings,
    filing_findings,
    grant_findings,
    interval_before_findings,
    long_term_findings,
    missing_items,
    readiness_due,
    who_must_apply,
    workflow_for,
    zone_lead_findings,
)

BJ = ZoneInfo("Asia/Shanghai")
DEP = datetime(2026, 12, 1, 9, 0, tzinfo=BJ)  # Tuesday 09:00 Beijing time
FULL = dict.fromkeys(CN_WORKFLOW.application_items, "x")
ROOT = Path(__file__).resolve().parents[2]


def rules_of(findings) -> list[str]:
    return [f.rule for f in findings]


# -- who must apply (Art. 26, 31) ---------------------------------------------------------------
@pytest.mark.parametrize("cls", ["micro", "light", "small"])
def test_ART31_EXEMPT_SUITABLE_small_drones_in_suitable_airspace_need_no_application(cls):
    ob = who_must_apply(CN_WORKFLOW, drone_class=cls, task=None, max_height_m=100)
    assert not ob.must_apply and ob.exemption.rule == "CN-2024-ART31-EXEMPT-SUITABLE"
    assert not ob.gate


def test_ART26_APPLICATION_medium_drones_and_controlled_airspace_must_apply():
    ob = who_must_apply(CN_WORKFLOW, drone_class="medium", task=None)
    assert ob.must_apply and rules_of(ob.because) == ["CN-2024-ART26-APPLICATION"]
    ob = who_must_apply(CN_WORKFLOW, drone_class="light", task=None, controlled=True)
    assert ob.must_apply and "leaves suitable airspace" in ob.because[0].message
    assert ob.gate  # applied flights pass the pre-departure gate


def test_ART31_EXEMPT_AGRICULTURE_only_in_suitable_airspace():
    ob = who_must_apply(CN_WORKFLOW, drone_class="medium", task="agricultural", max_height_m=25)
    assert not ob.must_apply and ob.exemption.rule == "CN-2024-ART31-EXEMPT-AGRICULTURE"
    controlled = who_must_apply(
        CN_WORKFLOW, drone_class="medium", task="agricultural", controlled=True
    )
    assert controlled.must_apply


@pytest.mark.parametrize("task", ["police", "customs", "emergency_management"])
def test_ART31_EXEMPT_BASE_over_own_base_up_to_120_m_with_the_gate(task):
    ob = who_must_apply(
        CN_WORKFLOW,
        drone_class="medium",
        task=task,
        controlled=True,
        max_height_m=120,
        at_own_site=True,
    )
    assert not ob.must_apply and ob.exemption.rule == "CN-2024-ART31-EXEMPT-BASE" and ob.gate
    away = who_must_apply(CN_WORKFLOW, drone_class="medium", task=task, max_height_m=80)
    high = who_must_apply(
        CN_WORKFLOW, drone_class="medium", task=task, max_height_m=121, at_own_site=True
    )
    assert away.must_apply and high.must_apply


def test_ART31_EXEMPT_AIRPORT_inspection_inside_the_airport_zone_with_the_gate():
    ob = who_must_apply(
        CN_WORKFLOW,
        drone_class="small",
        task="airport_inspection",
        controlled=True,
        max_height_m=60,
        at_own_site=True,
    )
    assert not ob.must_apply and ob.exemption.rule == "CN-2024-ART31-EXEMPT-AIRPORT" and ob.gate


@pytest.mark.parametrize(
    ("operation", "rule"),
    [
        ("relay_network", "CN-2024-ART31-RELAY"),
        ("dangerous_goods", "CN-2024-ART31-DANGEROUS-GOODS"),
        ("dropping_objects", "CN-2024-ART31-DROPPING"),
        ("over_crowds", "CN-2024-ART31-CROWDS"),
        ("moving_vehicle", "CN-2024-ART31-MOVING-VEHICLE"),
        ("swarm", "CN-2024-ART31-SWARM"),
    ],
)
def test_ART31_triggers_make_even_exempt_flights_apply(operation, rule):
    for task, site in ((None, False), ("agricultural", False), ("police", True)):
        ob = who_must_apply(
            CN_WORKFLOW,
            drone_class="light",
            task=task,
            operations={operation},
            at_own_site=site,
        )
        assert ob.must_apply and rules_of(ob.because) == [rule]


def test_unknown_operations_and_tasks_are_named():
    with pytest.raises(ValueError, match="unknown \\['juggling'\\]"):
        who_must_apply(CN_WORKFLOW, drone_class="light", task=None, operations={"juggling"})
    with pytest.raises(ValueError, match="unknown task type 'pizza'.*routine"):
        CN_WORKFLOW.task("pizza")


def test_ART27_CONTENTS_missing_items_are_listed_in_order():
    assert missing_items(CN_WORKFLOW, FULL) == []
    app = FULL | {"pilot_certificate": "", "c2_link": None}
    app.pop("alternate_site")
    assert missing_items(CN_WORKFLOW, app) == ["pilot_certificate", "alternate_site", "c2_link"]
    assert missing_items(CN_WORKFLOW, None) == list(CN_WORKFLOW.application_items)


# -- by when (Art. 26, 28) ----------------------------------------------------------------------
def test_ART26_FILING_1200_the_day_before_in_beijing_time():
    ok = datetime(2026, 11, 30, 12, 0, tzinfo=BJ)
    assert filing_findings(CN_WORKFLOW, task=None, filed_at=ok, departure=DEP, tz=BJ) == []
    # 04:00:01 UTC is 12:00:01 in Beijing: late, although it is "morning" in UTC.
    late_utc = datetime(2026, 11, 30, 4, 0, 1, tzinfo=ZoneInfo("UTC"))
    (f,) = filing_findings(CN_WORKFLOW, task=None, filed_at=late_utc, departure=DEP, tz=BJ)
    assert f.code == "FILING_DEADLINE" and f.rule == "CN-2024-ART26-FILING-1200"
    assert "2026-11-30 12:00 Asia/Shanghai" in f.message
    # A departure just after midnight still counts from the previous calendar day.
    dep = datetime(2026, 12, 1, 0, 30, tzinfo=BJ)
    assert filing_findings(CN_WORKFLOW, task=None, filed_at=ok, departure=dep, tz=BJ) == []


def test_ART26_DECISION_2100_the_day_before():
    assert decision_due(CN_WORKFLOW, task=None, departure=DEP, tz=BJ) == datetime(
        2026, 11, 30, 21, 0, tzinfo=BJ
    )


def test_ART28_EMERGENCY_30MIN_and_its_10_minute_decision():
    for task in ("medical_rescue", "disaster_relief", "counter_terrorism"):
        on_time = DEP - timedelta(minutes=30)
        assert filing_findings(CN_WORKFLOW, task=task, filed_at=on_time, departure=DEP, tz=BJ) == []
        (f,) = filing_findings(
            CN_WORKFLOW, task=task, filed_at=on_time + timedelta(seconds=1), departure=DEP, tz=BJ
        )
        assert f.code == "EMERGENCY_DEADLINE" and f.rule == "CN-2024-ART28-EMERGENCY-30MIN"
        assert decision_due(CN_WORKFLOW, task=task, departure=DEP, tz=BJ) == DEP - timedelta(
            minutes=10
        )
    assert "CN-2024-ART28-EMERGENCY-DECISION-10MIN" in CN_WORKFLOW.rules


def test_ART28_ESPECIALLY_URGENT_any_time():
    late = DEP - timedelta(seconds=1)
    task = "especially_urgent"
    assert filing_findings(CN_WORKFLOW, task=task, filed_at=late, departure=DEP, tz=BJ) == []
    assert CN_WORKFLOW.filing["especially_urgent"].rule == "CN-2024-ART28-ESPECIALLY-URGENT"


def test_TASK_GRANT_priority_comes_from_a_granted_task_type():
    (f,) = grant_findings(CN_WORKFLOW, task=None, priority=1000, granted=set())
    assert f.code == "PRIORITY_NOT_GRANTED" and f.rule == "CN-2024-TASK-GRANT"
    (f,) = grant_findings(CN_WORKFLOW, task="medical_rescue", priority=0, granted={"police"})
    assert "not been granted" in f.message
    assert (
        grant_findings(CN_WORKFLOW, task="medical_rescue", priority=800, granted={"medical_rescue"})
        == []
    )
    (f,) = grant_findings(
        CN_WORKFLOW, task="medical_rescue", priority=1000, granted={"medical_rescue"}
    )
    assert "above the 800" in f.message
    assert grant_findings(CN_WORKFLOW, task="agricultural", priority=0, granted=set()) == []


def test_ART26_LONG_TERM_routine_flights_in_fixed_airspace_file_daily_plans():
    from shapely.geometry import box

    lt = LongTermApproval(
        "LT-1",
        "OP-SF",
        datetime(2026, 11, 1, tzinfo=BJ),
        datetime(2027, 2, 1, tzinfo=BJ),
        corridors=frozenset({"E1", "E2"}),
        upper_m=100,
    )
    ok = dict(operator="OP-SF", departure=DEP, filed_at=DEP - timedelta(hours=22), tz=BJ)

    def codes(approval=lt, **kw):
        args = ok | {"max_height_m": 90.0, "edges": ["E1", "E2"]} | kw
        return [(f.code, f.rule) for f in long_term_findings(CN_WORKFLOW, approval, **args)]

    assert codes() == []
    mismatch = [("LONG_TERM_MISMATCH", "CN-2024-ART26-LONG-TERM")]
    assert codes(edges=["E1", "E9"]) == mismatch
    assert codes(operator="OP-JD") == mismatch
    assert codes(max_height_m=110.0) == mismatch
    assert codes(departure=datetime(2027, 3, 1, 9, tzinfo=BJ)) == mismatch
    assert codes(filed_at=DEP - timedelta(hours=20)) == [
        ("FILING_DEADLINE", "CN-2024-ART26-LONG-TERM")
    ]
    area = LongTermApproval(
        "LT-2", "OP-SF", lt.valid_from, lt.valid_until, area=box(120.0, 36.0, 120.5, 36.5)
    )
    assert codes(area, edges=None, points=[(120.1, 36.1), (120.2, 36.2)]) == []
    assert codes(area, edges=None, points=[(120.1, 36.1), (120.6, 36.2)]) == mismatch
    assert codes(area, edges=None, points=None) == mismatch  # a corridor route, an area approval
    assert EU_WORKFLOW.long_term_rule is None


# -- the pre-departure gate (Art. 29) -----------------------------------------------------------
def test_ART29_READINESS_1H_and_confirmation_before_activation():
    assert readiness_due(CN_WORKFLOW, DEP, BJ) == DEP - timedelta(hours=1)
    assert readiness_due(CN_WORKFLOW, DEP, BJ, "police") == DEP - timedelta(hours=1)
    found = activation_findings(
        CN_WORKFLOW, now=DEP, departure=DEP, latest=DEP, gate=True, confirmed=False
    )
    assert [(f.code, f.rule) for f in found] == [("NOT_CONFIRMED", "CN-2024-ART29-READINESS-1H")]
    assert (
        activation_findings(
            CN_WORKFLOW, now=DEP, departure=DEP, latest=DEP, gate=True, confirmed=True
        )
        == []
    )
    # Exempt flights (no gate) need no confirmation.
    assert (
        activation_findings(
            CN_WORKFLOW, now=DEP, departure=DEP, latest=DEP, gate=False, confirmed=False
        )
        == []
    )


def test_ART29_WINDOW_no_activation_outside_the_departure_window():
    latest = DEP + timedelta(minutes=30)

    def codes(now):
        return [
            f.code
            for f in activation_findings(
                CN_WORKFLOW, now=now, departure=DEP, latest=latest, gate=False, confirmed=False
            )
        ]

    assert codes(DEP - timedelta(days=2)) == ["ACTIVATION_WINDOW"]
    assert codes(DEP - timedelta(minutes=15)) == []
    assert codes(latest + timedelta(minutes=15)) == []
    assert codes(latest + timedelta(minutes=15, seconds=1)) == ["ACTIVATION_WINDOW"]
    assert (
        activation_findings(
            CN_WORKFLOW,
            now=DEP - timedelta(days=2),
            departure=DEP,
            latest=latest,
            gate=False,
            confirmed=False,
        )[0].rule
        == "CN-2024-ART29-WINDOW"
    )


def test_ART29_READINESS_URGENT_emergencies_report_before_take_off():
    for task in ("medical_rescue", "especially_urgent"):
        assert readiness_due(CN_WORKFLOW, DEP, BJ, task) == DEP
    assert "CN-2024-ART29-READINESS-URGENT" in CN_WORKFLOW.rules


# -- airspace (Art. 20) and reports (Art. 40) ---------------------------------------------------
def test_ART20_ZONE_LEAD_24_hours_or_30_minutes_in_an_emergency():
    t0 = datetime(2026, 12, 1, 8, tzinfo=BJ)

    def codes(lead, reason=""):
        return [
            (f.code, f.rule)
            for f in zone_lead_findings(
                CN_WORKFLOW, published_at=t0, effective_at=t0 + lead, emergency_reason=reason
            )
        ]

    assert codes(timedelta(hours=24)) == []
    assert codes(timedelta(hours=23, minutes=59)) == [("ZONE_LEAD_TIME", "CN-2024-ART20-ZONE-LEAD")]
    assert codes(timedelta(minutes=30), "typhoon rescue") == []
    assert codes(timedelta(minutes=29), "typhoon rescue") == [
        ("ZONE_LEAD_TIME", "CN-2024-ART20-ZONE-LEAD")
    ]
    assert codes(timedelta(0), "   ") != []  # a blank reason is no reason


def test_ED318_INTERVAL_BEFORE_of_authorisation_zones():
    def codes(filed_before, interval="P10DT00H", wf=CN_WORKFLOW):
        return [
            (f.code, f.rule)
            for f in interval_before_findings(
                wf, zone="CH-SFO", interval=interval, filed_at=DEP - filed_before, departure=DEP
            )
        ]

    assert codes(timedelta(days=10)) == []
    late = [("ZONE_INTERVAL_BEFORE", "CN-2024-ED318-INTERVAL-BEFORE")]
    assert codes(timedelta(days=9, hours=23)) == late
    assert codes(timedelta(days=1), "PT24H") == [] and codes(timedelta(hours=23), "PT24H") == late
    assert codes(timedelta(days=99), "ten days") == late  # unreadable: said so, not ignored
    assert codes(timedelta(0), wf=EU_WORKFLOW) == [
        ("ZONE_INTERVAL_BEFORE", "EU-2021-664-INTERVAL-BEFORE")
    ]


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("drone_registration", "CN-2024-REGISTRY-DRONE"),
        ("operator_certificate", "CN-2024-REGISTRY-OPERATOR"),
        ("insurance", "CN-2024-REGISTRY-INSURANCE"),
        ("pilot_licence", "CN-2024-REGISTRY-PILOT"),
    ],
)
def test_registry_documents_expired_always_missing_when_applying(kind, rule):
    year = (DEP - timedelta(days=200), DEP + timedelta(days=165))
    valid = {k: [year] for k in CN_WORKFLOW.documents}
    assert document_findings(CN_WORKFLOW, valid, at=DEP, must_apply=True) == []
    lapsed = valid | {kind: [(DEP - timedelta(days=400), DEP - timedelta(days=35))]}
    (f,) = document_findings(CN_WORKFLOW, lapsed, at=DEP, must_apply=False)
    assert (f.code, f.rule, f.detail["document"]) == ("DOCUMENT_EXPIRED", rule, kind)
    assert "2026-10-27" in f.message  # when the latest one ran out
    # A renewed document counts again; a missing one matters only when the flight applies.
    assert document_findings(CN_WORKFLOW, lapsed | {kind: [year]}, at=DEP, must_apply=True) == []
    missing = {k: v for k, v in valid.items() if k != kind}
    assert document_findings(CN_WORKFLOW, missing, at=DEP, must_apply=False) == []
    (f,) = document_findings(CN_WORKFLOW, missing, at=DEP, must_apply=True)
    assert (f.code, f.rule) == ("DOCUMENT_MISSING", rule)


def test_ART26_COMPETENT_UNIT_is_data_of_the_workflow():
    # Behaviour: tests/airspace/test_units.py (sub-regions) and tests/api/test_workflow.py (queues).
    assert CN_WORKFLOW.rules[CN_WORKFLOW.unit_rule].source.endswith("(Art. 26)")
    assert EU_WORKFLOW.unit_rule is None


def test_ART40_REPORTS_abnormal_events_within_24_hours():
    rule = CN_WORKFLOW.rules[CN_WORKFLOW.report_rule]
    assert rule.code == "CN-2024-ART40-REPORTS" and CN_WORKFLOW.report_within_s == 86400.0


# -- the rule set as data -----------------------------------------------------------------------
def test_every_cn_rule_cites_its_article_and_is_tested_here_and_listed_in_the_readme():
    source = Path(__file__).read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, rule in CN_WORKFLOW.rules.items():
        assert re.search(r"第.+条 \(Art\. \d+", rule.source), code
        short = code.removeprefix("CN-2024-")
        assert short.replace("-", "_") in source or code in source, f"no test names {code}"
        assert f"`{code}`" in readme, f"README rules table lacks {code}"


def test_eu_is_the_same_questions_with_other_answers():
    ob = who_must_apply(EU_WORKFLOW, drone_class="C2", task=None)
    assert not ob.must_apply and ob.exemption.rule == "EU-2019-OPEN-NO-APPLICATION"
    assert who_must_apply(EU_WORKFLOW, drone_class="specific", task=None).must_apply
    late = DEP - timedelta(minutes=1)
    assert filing_findings(EU_WORKFLOW, task=None, filed_at=late, departure=DEP, tz=BJ) == []
    assert decision_due(EU_WORKFLOW, task=None, departure=DEP, tz=BJ) is None
    assert (
        activation_findings(
            EU_WORKFLOW, now=DEP, departure=DEP, latest=DEP, gate=False, confirmed=False
        )
        == []
    )
    assert (
        zone_lead_findings(EU_WORKFLOW, published_at=DEP, effective_at=DEP, emergency_reason="")
        == []
    )
    assert missing_items(EU_WORKFLOW, {"operator": "x"}) == [
        "operation",
        "risk_assessment",
        "mitigations",
    ]


def test_workflows_by_name_and_their_consistency_checks():
    assert workflow_for("cn") is CN_WORKFLOW and workflow_for(" EU ") is EU_WORKFLOW
    assert workflow_for("none") is None
    with pytest.raises(ValueError, match="unknown workflow 'mars'; choose one of cn, eu, none"):
        workflow_for("mars")
    with pytest.raises(ValueError, match="cited, not defined"):
        Workflow(
            code="x",
            name="x",
            rules={},
            exempt_classes=frozenset(),
            exempt_rule="R",
            triggers={},
            tasks=CN_WORKFLOW.tasks,
            default_task="routine",
            application_items=(),
            application_rule="R",
            contents_rule="R",
            filing={},
            decision={},
            grant_rule="R",
        )
    assert Deadline("R").due(DEP, BJ) is None and Deadline("R").describe() == "any time"
