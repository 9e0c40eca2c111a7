"""National rules: the Chinese 2024 class table at its boundaries, capability fall-through,
declared classes, when authorisation is needed, and the EU rule set as a second jurisdiction."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airspace.deployment import QINGDAO
from airspace.drones import Drone
from airspace.rules import (
    ClassLimits,
    DroneClass,
    Limit,
    Rule,
    RuleSet,
    authorisation_rules,
    classify,
    classify_explained,
)
from airspace.rulesets import CN_2024, EU_OPEN, RULESETS, ruleset_for

ALL_CAPS = frozenset({"remote_id", "geofencing", "manual_takeover", "micro_power_radio"})
LIGHT_CAPS = frozenset({"remote_id", "geofencing", "manual_takeover"})


def drone(empty, mtow, *, speed_mps=10.0, height_m=50.0, caps=ALL_CAPS, cls=None):
    return Drone(
        "D",
        empty_weight_kg=empty,
        max_takeoff_weight_kg=mtow,
        max_speed_mps=speed_mps,
        max_altitude_m=height_m,
        capabilities=caps,
        drone_class=cls,
    )


@pytest.mark.parametrize(
    ("empty", "mtow", "expected"),
    [
        (0.249, 0.3, "micro"),
        (0.25, 0.3, "light"),  # micro needs empty weight strictly below 0.25 kg
        (4.0, 7.0, "light"),  # light limits are inclusive
        (4.0, 7.01, "small"),
        (4.01, 6.0, "small"),
        (15.0, 25.0, "small"),
        (15.01, 20.0, "medium"),
        (10.0, 25.01, "medium"),
        (100.0, 150.0, "medium"),
        (100.0, 150.01, "large"),
        (None, 200.0, "large"),
    ],
)
def test_cn_weight_table(empty, mtow, expected):
    assert classify(drone(empty, mtow), CN_2024) == expected


@pytest.mark.parametrize(
    ("speed_mps", "height_m", "expected"),
    [
        (40 / 3.6, 50.0, "micro"),
        (40 / 3.6 + 0.01, 50.0, "light"),
        (10.0, 50.01, "light"),
        (10.0, None, "light"),  # a micro drone must state that it cannot climb above 50 m
        (100 / 3.6, 200.0, "light"),
        (100 / 3.6 + 0.01, 200.0, "small"),
    ],
)
def test_cn_speed_and_height_limits(speed_mps, height_m, expected):
    assert classify(drone(0.2, 0.24, speed_mps=speed_mps, height_m=height_m), CN_2024) == expected


@pytest.mark.parametrize(
    ("caps", "expected"),
    [
        (ALL_CAPS, "micro"),
        (LIGHT_CAPS, "light"),  # no micro-power radio: not micro
        (frozenset({"remote_id", "manual_takeover"}), "medium"),  # no geofencing: not light/small
        (frozenset({"geofencing", "remote_id"}), "medium"),  # no manual takeover
        (frozenset(), "medium"),
    ],
)
def test_cn_missing_capability_falls_to_the_next_class_up(caps, expected):
    assert classify(drone(0.2, 0.24, caps=caps), CN_2024) == expected


def test_unstated_weight_is_not_assumed_small():
    assert classify(Drone("D"), CN_2024) == "large"
    why = dict(classify_explained(Drone("D"), CN_2024).skipped)
    assert any("max_takeoff_weight_kg" in w for w in why["medium"])


def test_explanation_names_what_is_missing():
    c = classify_explained(
        drone(2.0, 3.0, caps=frozenset({"remote_id", "manual_takeover"})), CN_2024
    )
    assert c.name == "medium" and c.rule == "CN-2024-CLASS-MEDIUM" and not c.declared
    why = dict(c.skipped)
    assert "needs capability 'geofencing'" in why["light"]
    assert "needs capability 'geofencing'" in why["small"]


def test_declared_class_wins_and_is_validated():
    assert classify(drone(100.0, 140.0, cls="Light"), CN_2024) == "light"
    assert classify_explained(drone(0.1, 0.1, cls="large"), CN_2024).declared
    with pytest.raises(ValueError, match="micro, light, small, medium, large"):
        classify(drone(1.0, 1.0, cls="heavy"), CN_2024)


@given(
    st.floats(0.01, 300.0),
    st.floats(0.0, 100.0),
    st.floats(1.0, 60.0),
    st.frozensets(st.sampled_from(sorted(ALL_CAPS))),
)
def test_cn_class_is_monotone_in_weight(empty, extra, speed_mps, caps):
    """A heavier drone with the same capabilities is never in a smaller class."""
    order = CN_2024.class_names
    light = classify(drone(empty, empty + extra, speed_mps=speed_mps, caps=caps), CN_2024)
    heavy = classify(
        drone(empty * 1.5, (empty + extra) * 1.5, speed_mps=speed_mps, caps=caps), CN_2024
    )
    assert order.index(heavy) >= order.index(light)


@given(
    st.floats(0.01, 300.0),
    st.floats(0.0, 100.0),
    st.frozensets(st.sampled_from(sorted(ALL_CAPS))),
    st.sampled_from(sorted(ALL_CAPS)),
)
def test_losing_a_capability_never_lowers_the_class(empty, extra, caps, lost):
    order = CN_2024.class_names
    full = classify(drone(empty, empty + extra, caps=caps | {lost}), CN_2024)
    less = classify(drone(empty, empty + extra, caps=caps - {lost}), CN_2024)
    assert order.index(less) >= order.index(full)


@pytest.mark.parametrize(
    ("cls", "height_m", "codes"),
    [
        ("micro", 50.0, []),
        ("micro", 50.5, ["CN-2024-MICRO-HEIGHT-50"]),
        ("micro", 121.0, ["CN-2024-CEILING-120"]),
        ("light", 120.0, []),
        ("light", 120.1, ["CN-2024-CEILING-120"]),
        ("small", 90.0, []),
        ("medium", 30.0, ["CN-2024-CLASS-MEDIUM"]),
        ("large", 130.0, ["CN-2024-CLASS-LARGE", "CN-2024-CEILING-120"]),
    ],
)
def test_cn_authorisation(cls, height_m, codes):
    assert [r.code for r in authorisation_rules(CN_2024, cls, height_m)] == codes


@given(
    st.sampled_from(sorted(RULESETS)),
    st.data(),
    st.floats(-50.0, 500.0),
    st.floats(0.0, 300.0),
)
def test_flying_higher_never_needs_less_authorisation(code, data, altitude_m, climb_m):
    rs = RULESETS[code]
    cls = data.draw(st.sampled_from(rs.class_names))
    low = authorisation_rules(rs, cls, altitude_m)
    high = authorisation_rules(rs, cls, altitude_m + climb_m)
    assert bool(high) or not low
    assert (altitude_m + climb_m > rs.ceiling_m) == any(r.code == rs.ceiling_rule for r in high)


def test_cn_ceiling_and_limits_are_data():
    assert CN_2024.ceiling_m == 120.0
    assert RULESETS["CN"] is CN_2024
    assert ruleset_for(QINGDAO.rules) is CN_2024
    assert CN_2024.class_limits["micro"].max_altitude_m == 50.0
    assert CN_2024.class_limits["micro"].max_speed_mps == pytest.approx(40 / 3.6)
    assert CN_2024.class_limits["light"].max_speed_mps == pytest.approx(100 / 3.6)
    assert [n for n, lim in CN_2024.class_limits.items() if lim.needs_authorisation] == [
        "medium",
        "large",
    ]
    assert CN_2024.drone_class("micro").local_name == "微型"


def test_every_cited_rule_has_a_stable_code():
    for rs in RULESETS.values():
        for code, rule in rs.rules.items():
            assert code == rule.code and code.startswith(rs.code + "-") and rule.summary


def test_eu_is_just_another_rule_set():
    assert EU_OPEN.ceiling_m == 120.0
    assert classify(Drone("a", max_takeoff_weight_kg=0.249), EU_OPEN) == "C0"
    assert (
        classify(
            Drone("b", max_takeoff_weight_kg=0.5, max_speed_mps=15, capabilities=LIGHT_CAPS),
            EU_OPEN,
        )
        == "C1"
    )
    assert (
        classify(
            Drone("c", max_takeoff_weight_kg=0.5, max_speed_mps=25, capabilities=LIGHT_CAPS),
            EU_OPEN,
        )
        == "C2"
    )
    assert classify(Drone("d", max_takeoff_weight_kg=3.9, capabilities=LIGHT_CAPS), EU_OPEN) == "C2"
    assert classify(Drone("e", max_takeoff_weight_kg=4.0, capabilities=LIGHT_CAPS), EU_OPEN) == "C3"
    assert classify(Drone("f", max_takeoff_weight_kg=24.0), EU_OPEN) == "C4"
    assert (
        classify(Drone("g", max_takeoff_weight_kg=25.0, capabilities=LIGHT_CAPS), EU_OPEN)
        == "specific"
    )
    assert [r.code for r in authorisation_rules(EU_OPEN, "C2", 121.0)] == ["EU-2019-CEILING-120"]
    assert ruleset_for("eu") is EU_OPEN


def test_bad_rule_sets_and_inputs_are_refused():
    with pytest.raises(ValueError, match="unknown rule set"):
        ruleset_for("XX")
    with pytest.raises(ValueError, match="Limit.field"):
        Limit("wingspan_m", 1.0)
    with pytest.raises(ValueError, match="catch-all"):
        RuleSet(
            "T", "t", 120.0, "T-C", (DroneClass("a", "T-A", (Limit("max_speed_mps", 1.0),)),), {}
        )
    with pytest.raises(ValueError, match="cited but not defined"):
        RuleSet(
            "T",
            "t",
            120.0,
            "T-C",
            (DroneClass("a", "T-A"),),
            {"a": ClassLimits(120.0, math.inf, False)},
            {"T-C": Rule("T-C", "ceiling")},
        )
    with pytest.raises(ValueError, match="finite"):
        authorisation_rules(CN_2024, "light", math.nan)
