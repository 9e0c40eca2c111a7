"""The national rule sets as data: China's 2024 regulations and the EU open category.

China (``CN``): Interim Regulations on the Flight Management of Unmanned Aircraft
(无人驾驶航空器飞行管理暂行条例), in force 2024-01-01. ``EU``: the open category of
Regulations (EU) 2019/945 and 2019/947, classes C0-C4, simplified to weight, speed and
capabilities. The types and the logic that reads them (classification, when authorisation
is needed) are :mod:`airspace.rules`; adding a jurisdiction means adding data here.

Examples
--------
>>> ruleset_for("cn").class_names[:2]
('micro', 'light')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from airspace.rules import (
    GEOFENCING,
    KMH,
    MANUAL_TAKEOVER,
    MICRO_POWER_RADIO,
    REMOTE_ID,
    ClassLimits,
    DroneClass,
    Limit,
    Rule,
    RuleSet,
)


def _rules(*rules: Rule) -> Mapping[str, Rule]:
    return MappingProxyType({r.code: r for r in rules})


_CN_SOURCE = "无人驾驶航空器飞行管理暂行条例 (2024-01-01)"
_CN_MANUAL = frozenset({MANUAL_TAKEOVER})

CN_2024 = RuleSet(
    code="CN",
    name="Interim Regulations on the Flight Management of Unmanned Aircraft (China, 2024)",
    ceiling_m=120.0,
    ceiling_rule="CN-2024-CEILING-120",
    classes=(
        DroneClass(
            "micro",
            "CN-2024-CLASS-MICRO",
            (
                Limit("empty_weight_kg", 0.25, inclusive=False),
                Limit("max_altitude_m", 50.0),
                Limit("max_speed_mps", 40.0 * KMH),
            ),
            _CN_MANUAL | {MICRO_POWER_RADIO},
            local_name="微型",
        ),
        DroneClass(
            "light",
            "CN-2024-CLASS-LIGHT",
            (
                Limit("empty_weight_kg", 4.0),
                Limit("max_takeoff_weight_kg", 7.0),
                Limit("max_speed_mps", 100.0 * KMH),
            ),
            _CN_MANUAL | {GEOFENCING, REMOTE_ID},
            local_name="轻型",
        ),
        DroneClass(
            "small",
            "CN-2024-CLASS-SMALL",
            (Limit("empty_weight_kg", 15.0), Limit("max_takeoff_weight_kg", 25.0)),
            _CN_MANUAL | {GEOFENCING, REMOTE_ID},
            local_name="小型",
        ),
        DroneClass(
            "medium",
            "CN-2024-CLASS-MEDIUM",
            (Limit("max_takeoff_weight_kg", 150.0),),
            local_name="中型",
        ),
        DroneClass("large", "CN-2024-CLASS-LARGE", local_name="大型"),
    ),
    class_limits=MappingProxyType(
        {
            "micro": ClassLimits(50.0, 40.0 * KMH, False, ("CN-2024-MICRO-HEIGHT-50",)),
            "light": ClassLimits(120.0, 100.0 * KMH, False),
            "small": ClassLimits(120.0, math.inf, False),
            "medium": ClassLimits(120.0, math.inf, True),
            "large": ClassLimits(120.0, math.inf, True),
        }
    ),
    rules=_rules(
        Rule(
            "CN-2024-CEILING-120",
            "Airspace open to micro, light and small drones ends at 120 m true height; "
            "flights above it need authorisation.",
            _CN_SOURCE,
        ),
        Rule(
            "CN-2024-MICRO-HEIGHT-50",
            "Micro drones fly without authorisation only up to 50 m true height.",
            _CN_SOURCE,
        ),
        Rule(
            "CN-2024-CLASS-MICRO",
            "Micro: empty weight < 0.25 kg, max true height <= 50 m, max level speed <= 40 km/h, "
            "micro-power short-range radio, manual takeover at any time.",
            _CN_SOURCE,
        ),
        Rule(
            "CN-2024-CLASS-LIGHT",
            "Light: empty weight <= 4 kg and MTOW <= 7 kg, max level speed <= 100 km/h, "
            "airspace keeping (geofencing) and reliable surveillance (remote id), manual takeover.",
            _CN_SOURCE,
        ),
        Rule(
            "CN-2024-CLASS-SMALL",
            "Small: empty weight <= 15 kg and MTOW <= 25 kg, airspace keeping and surveillance, "
            "manual takeover.",
            _CN_SOURCE,
        ),
        Rule(
            "CN-2024-CLASS-MEDIUM",
            "Medium: MTOW <= 150 kg and not micro, light or small; every flight needs authorisation.",
            _CN_SOURCE,
        ),
        Rule(
            "CN-2024-CLASS-LARGE",
            "Large: MTOW > 150 kg; every flight needs authorisation.",
            _CN_SOURCE,
        ),
    ),
)
"""China, 2024 Interim Regulations."""

_EU_SOURCE = "Regulations (EU) 2019/945 and 2019/947, open category"
_EU_CAPS = frozenset({REMOTE_ID, GEOFENCING})

EU_OPEN = RuleSet(
    code="EU",
    name="EU open category, classes C0-C4 (simplified)",
    ceiling_m=120.0,
    ceiling_rule="EU-2019-CEILING-120",
    classes=(
        DroneClass(
            "C0", "EU-2019-CLASS-C0", (Limit("max_takeoff_weight_kg", 0.25, inclusive=False),)
        ),
        DroneClass(
            "C1",
            "EU-2019-CLASS-C1",
            (Limit("max_takeoff_weight_kg", 0.9, inclusive=False), Limit("max_speed_mps", 19.0)),
            _EU_CAPS,
        ),
        DroneClass(
            "C2",
            "EU-2019-CLASS-C2",
            (Limit("max_takeoff_weight_kg", 4.0, inclusive=False),),
            _EU_CAPS,
        ),
        DroneClass(
            "C3",
            "EU-2019-CLASS-C3",
            (Limit("max_takeoff_weight_kg", 25.0, inclusive=False),),
            _EU_CAPS,
        ),
        DroneClass(
            "C4", "EU-2019-CLASS-C4", (Limit("max_takeoff_weight_kg", 25.0, inclusive=False),)
        ),
        DroneClass("specific", "EU-2019-SPECIFIC"),
    ),
    class_limits=MappingProxyType(
        {
            "C0": ClassLimits(120.0, 19.0, False),
            "C1": ClassLimits(120.0, 19.0, False),
            "C2": ClassLimits(120.0, math.inf, False),
            "C3": ClassLimits(120.0, math.inf, False),
            "C4": ClassLimits(120.0, math.inf, False),
            "specific": ClassLimits(120.0, math.inf, True),
        }
    ),
    rules=_rules(
        Rule(
            "EU-2019-CEILING-120",
            "Open category flights stay within 120 m of the ground.",
            _EU_SOURCE,
        ),
        Rule("EU-2019-CLASS-C0", "C0: MTOM < 250 g.", _EU_SOURCE),
        Rule(
            "EU-2019-CLASS-C1",
            "C1: MTOM < 900 g, max speed 19 m/s, remote id, geo-awareness.",
            _EU_SOURCE,
        ),
        Rule("EU-2019-CLASS-C2", "C2: MTOM < 4 kg, remote id, geo-awareness.", _EU_SOURCE),
        Rule("EU-2019-CLASS-C3", "C3: MTOM < 25 kg, remote id, geo-awareness.", _EU_SOURCE),
        Rule("EU-2019-CLASS-C4", "C4: MTOM < 25 kg, no automatic modes.", _EU_SOURCE),
        Rule(
            "EU-2019-SPECIFIC",
            "Drones outside C0-C4 fly in the specific category: operational authorisation needed.",
            _EU_SOURCE,
        ),
    ),
)
"""The EU open category, to show another jurisdiction is only data."""

RULESETS: Mapping[str, RuleSet] = MappingProxyType({"CN": CN_2024, "EU": EU_OPEN})
"""Rule sets by code (:attr:`airspace.deployment.Deployment.rules`)."""


def ruleset_for(code: str) -> RuleSet:
    """The rule set with ``code`` (e.g. a deployment's ``rules``); :class:`ValueError` if unknown."""
    try:
        return RULESETS[str(code).upper()]
    except KeyError:
        raise ValueError(f"unknown rule set {code!r}; known: {', '.join(RULESETS)}") from None
