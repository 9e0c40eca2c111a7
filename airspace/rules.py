"""National drone rules as data: drone classes, their limits and when authorisation is needed.

A :class:`RuleSet` holds everything jurisdiction-specific that the planner consults: the
true-height ceiling of the airspace open to drones, the drone classes as ordered thresholds
(the first class whose limits and capability requirements a drone meets is its class), the
operating limits of each class, and the rules themselves with stable codes that decisions can
cite. This module holds those types and the logic that reads them (:func:`classify`,
:func:`authorisation_rules`); the rule sets themselves (China 2024, the EU open category) are
data in :mod:`airspace.rulesets`, so adding a jurisdiction means adding data there, not code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from airspace.drones import Drone

KMH = 1.0 / 3.6
"""One kilometre per hour in metres per second."""

MANUAL_TAKEOVER = "manual_takeover"
GEOFENCING = "geofencing"
REMOTE_ID = "remote_id"
MICRO_POWER_RADIO = "micro_power_radio"

_DRONE_FIELDS = ("empty_weight_kg", "max_takeoff_weight_kg", "max_speed_mps", "max_altitude_m")


@dataclass(frozen=True)
class Rule:
    """One rule of a rule set, citable by its stable ``code`` (e.g. ``CN-2024-CEILING-120``)."""

    code: str
    summary: str
    source: str = ""


@dataclass(frozen=True)
class Limit:
    """A class threshold on one drone property: ``value < maximum`` (or ``<=`` if inclusive).

    A drone that does not state the property does not meet the limit (the rules cannot
    assume it).
    """

    field: str
    maximum: float
    inclusive: bool = True

    def __post_init__(self) -> None:
        if self.field not in _DRONE_FIELDS:
            raise ValueError(f"Limit.field must be one of {_DRONE_FIELDS}, got {self.field!r}")

    def met_by(self, drone: Drone) -> bool:
        """Whether ``drone`` meets this limit."""
        value = getattr(drone, self.field)
        if value is None or not math.isfinite(value):
            return False
        return value <= self.maximum if self.inclusive else value < self.maximum

    def describe(self) -> str:
        """The limit in words (``mass_kg <= 4``)."""
        return f"{self.field} {'<=' if self.inclusive else '<'} {self.maximum:g}"


@dataclass(frozen=True)
class DroneClass:
    """A drone class definition: all ``limits`` met and all ``capabilities`` present."""

    name: str
    rule: str
    limits: tuple[Limit, ...] = ()
    capabilities: frozenset[str] = frozenset()
    local_name: str = ""

    def unmet(self, drone: Drone) -> list[str]:
        """What keeps ``drone`` out of this class (empty when it belongs)."""
        out = [
            f"{lim.describe()} (drone: {getattr(drone, lim.field)})"
            for lim in self.limits
            if not lim.met_by(drone)
        ]
        out.extend(
            f"needs capability {c!r}" for c in sorted(self.capabilities - drone.capabilities)
        )
        return out


@dataclass(frozen=True)
class ClassLimits:
    """What a class may do without a regulator's authorisation.

    Attributes
    ----------
    max_altitude_m : float
        True height above which a flight of this class needs authorisation.
    max_speed_mps : float
        Highest permitted level speed (``inf`` when the rules set none).
    needs_authorisation : bool
        Every flight of this class goes to review.
    rules : tuple of str
        Codes of the rules behind these limits.
    separation_horizontal_m, separation_vertical_m : float or None
        Class-specific separation minima; ``None`` uses the deployment's.
    """

    max_altitude_m: float
    max_speed_mps: float
    needs_authorisation: bool
    rules: tuple[str, ...] = ()
    separation_horizontal_m: float | None = None
    separation_vertical_m: float | None = None


@dataclass(frozen=True)
class RuleSet:
    """A jurisdiction's drone rules.

    Attributes
    ----------
    code, name : str
        E.g. ``"CN"`` and the regulation's title.
    ceiling_m : float
        True height (above ground) of the airspace open to drones; above it every flight
        needs authorisation.
    ceiling_rule : str
        Code of the ceiling rule.
    classes : tuple of DroneClass
        Ordered from the least to the most demanding; the last one is the catch-all.
    class_limits : mapping of str to ClassLimits
        Limits per class name.
    rules : mapping of str to Rule
        Every rule by code.
    """

    code: str
    name: str
    ceiling_m: float
    ceiling_rule: str
    classes: tuple[DroneClass, ...]
    class_limits: Mapping[str, ClassLimits]
    rules: Mapping[str, Rule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [c.name for c in self.classes]
        if not names or self.classes[-1].limits or self.classes[-1].capabilities:
            raise ValueError(
                f"rule set {self.code}: the last class must be a catch-all without limits"
            )
        if set(names) != set(self.class_limits):
            raise ValueError(f"rule set {self.code}: class_limits must cover exactly {names}")
        cited = {self.ceiling_rule, *(c.rule for c in self.classes)}
        cited.update(code for lim in self.class_limits.values() for code in lim.rules)
        missing = cited - set(self.rules)
        if missing:
            raise ValueError(
                f"rule set {self.code}: rules {sorted(missing)} are cited but not defined"
            )

    def __hash__(self) -> int:
        return hash((self.code, self.name))

    @property
    def class_names(self) -> tuple[str, ...]:
        """Names of the drone classes, in order."""
        return tuple(c.name for c in self.classes)

    def drone_class(self, name: str) -> DroneClass:
        """The class called ``name`` (any case); :class:`ValueError` listing valid names otherwise."""
        for c in self.classes:
            if c.name.lower() == str(name).strip().lower():
                return c
        raise ValueError(
            f"unknown drone class {name!r} for rule set {self.code}; expected one of {', '.join(self.class_names)}"
        )


@dataclass(frozen=True)
class Classification:
    """The result of :func:`classify_explained`: the class and why smaller classes did not fit."""

    name: str
    rule: str
    declared: bool
    skipped: tuple[tuple[str, tuple[str, ...]], ...] = ()


def classify_explained(drone: Drone, ruleset: RuleSet) -> Classification:
    """Classify a drone and say why each smaller class was ruled out.

    Parameters
    ----------
    drone : Drone
        An explicit ``drone.drone_class`` wins (after checking that the rule set knows it);
        otherwise its weights, speed, height and capabilities decide.
    ruleset : RuleSet
        The jurisdiction's rules.

    Returns
    -------
    Classification
    """
    if drone.drone_class is not None:
        c = ruleset.drone_class(drone.drone_class)
        return Classification(c.name, c.rule, declared=True)
    skipped: list[tuple[str, tuple[str, ...]]] = []
    for c in ruleset.classes:
        unmet = c.unmet(drone)
        if not unmet:
            return Classification(c.name, c.rule, declared=False, skipped=tuple(skipped))
        skipped.append((c.name, tuple(unmet)))
    raise AssertionError("unreachable: the last class is a catch-all")  # pragma: no cover


def classify(drone: Drone, ruleset: RuleSet) -> str:
    """The class name of ``drone`` under ``ruleset``.

    The first class (in the rule set's order) whose limits the drone meets and whose
    capabilities it has; a drone failing a requirement falls to the next class up. Properties
    the drone does not state count as not met.

    Parameters
    ----------
    drone : Drone
        The drone; an explicit ``drone_class`` wins but must be a class of the rule set.
    ruleset : RuleSet
        E.g. ``RULESETS["CN"]``.

    Returns
    -------
    str
        E.g. ``"light"``.

    Examples
    --------
    >>> from airspace.rulesets import RULESETS
    >>> d = Drone("D1", empty_weight_kg=0.9, max_takeoff_weight_kg=1.4, max_speed_mps=20,
    ...           capabilities=frozenset({"remote_id", "geofencing", "manual_takeover"}))
    >>> classify(d, RULESETS["CN"])
    'light'
    >>> classify(Drone("D2", max_takeoff_weight_kg=30.0), RULESETS["CN"])
    'medium'
    """
    return classify_explained(drone, ruleset).name


def authorisation_rules(ruleset: RuleSet, drone_class: str, max_altitude_m: float) -> list[Rule]:
    """The rules under which a flight needs a regulator's authorisation (empty: it does not).

    Parameters
    ----------
    ruleset : RuleSet
    drone_class : str
        A class name of the rule set.
    max_altitude_m : float
        The highest true height (metres above ground) the flight reaches.

    Returns
    -------
    list of Rule
        The class rule when the class always needs authorisation, the class height rule when
        the flight is above the class's limit, and the ceiling rule above the ceiling.

    Examples
    --------
    >>> from airspace.rulesets import RULESETS
    >>> [r.code for r in authorisation_rules(RULESETS["CN"], "micro", 80.0)]
    ['CN-2024-MICRO-HEIGHT-50']
    >>> [r.code for r in authorisation_rules(RULESETS["CN"], "light", 130.0)]
    ['CN-2024-CEILING-120']
    """
    if not math.isfinite(max_altitude_m):
        raise ValueError(f"max_altitude_m must be a finite number, got {max_altitude_m}")
    c = ruleset.drone_class(drone_class)
    limits = ruleset.class_limits[c.name]
    codes: list[str] = []
    if limits.needs_authorisation:
        codes.append(c.rule)
    if max_altitude_m > ruleset.ceiling_m:
        codes.append(ruleset.ceiling_rule)
    elif max_altitude_m > limits.max_altitude_m:
        codes.extend(code for code in limits.rules if code not in codes)
    return [ruleset.rules[code] for code in codes]
