"""China's workflow as data: the 2024 Interim Regulations (《无人驾驶航空器飞行管理暂行条例》).
Article numbers are our reading of the published text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from types import MappingProxyType

from airspace.rules import Rule
from airspace.workflow.model import (
    EMERGENCY,
    ESPECIALLY_URGENT,
    NORMAL,
    Deadline,
    TaskType,
    Workflow,
)


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
