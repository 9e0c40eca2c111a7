"""The EU's workflow as data: the same questions, other answers."""

from __future__ import annotations

from types import MappingProxyType

from airspace.rules import Rule
from airspace.workflow.cn import _rules
from airspace.workflow.model import EMERGENCY, URGENCIES, Deadline, TaskType, Workflow

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
