"""The checks a request passes before any slot search: drone class and its limits, speed,
altitude and the true-height ceiling, the departure window against the planner clock, and the
geometry. Each finding is a :class:`~planner.requests.Reason`: some reject the request
(``SPEED``, ``ALTITUDE``, ``TIME_IN_PAST``, ``TOO_FAR_AHEAD``, ``INVALID``, ``TERRAIN``), others
only make it wait for a regulator (``CEILING``, ``DRONE_CLASS``). Heights are true heights: with a
terrain model, a route's are sampled along its legs (:mod:`planner.true_height`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from airspace.rules import ClassLimits, RuleSet, authorisation_rules, classify
from planner.bounds import RequestBounds, bound_findings
from planner.requests import (
    AreaRoute,
    CorridorRoute,
    FlightRequest,
    Reason,
    ReasonCode,
    WaypointRoute,
)
from planner.true_height import TrueHeight, where_text

MAX_PLAN_AHEAD_S = 30 * 86400.0
"""How far ahead a flight may be planned (ASTM F3548 ``OiMaxPlanHorizon``: 30 days)."""


@dataclass
class Checked:
    """What validation found for one request.

    Attributes
    ----------
    rejections, pending : list of Reason
        Reasons to reject, and reasons that need a regulator's authorisation.
    depart_lo_s, depart_hi_s : float
        The departures the planner may choose from (planner seconds), after clamping to now.
    speed_mps : float or None
        Cruise ground speed to fly (route flights).
    drone_class : str
        The drone's class under the rule set.
    max_altitude_m : float
        The altitude above which the class rules reject (``inf`` when only the ceiling applies).
    true_height_m : float or None
        The highest true height of the flight (waypoint and area routes), ``None`` until known.
    """

    rejections: list[Reason] = field(default_factory=list)
    pending: list[Reason] = field(default_factory=list)
    depart_lo_s: float = 0.0
    depart_hi_s: float = 0.0
    speed_mps: float | None = None
    drone_class: str = ""
    max_altitude_m: float = math.inf
    true_height_m: float | None = None


def drone_limits(request: FlightRequest, ruleset: RuleSet) -> tuple[str, ClassLimits]:
    """The drone's class and that class's limits; ``ValueError`` naming an unknown class."""
    cls = classify(request.drone, ruleset)
    return cls, ruleset.class_limits[cls]


def altitude_findings(
    altitude_m: float,
    checked: Checked,
    ruleset: RuleSet,
    where: tuple[float, float] | None = None,
) -> tuple[list[Reason], list[Reason]]:
    """Reject and pending reasons for flying up to ``altitude_m`` (m AGL).

    Above the drone's own limit: rejected (``ALTITUDE``). Above the true-height ceiling
    (``CEILING``) or the class's height limit (``ALTITUDE``, e.g. micro above 50 m): pending,
    citing the rule (:func:`airspace.rules.authorisation_rules`). ``where`` (lon, lat), given
    when terrain made the highest true height somewhere between waypoints, is named in the text
    and the detail.
    """
    reject: list[Reason] = []
    pending: list[Reason] = []
    said = f"{altitude_m:g} m"
    extra: dict[str, float] = {}
    if where is not None:
        said = f"{altitude_m:.1f} m true height{where_text(where)}"
        extra = {"lon": round(where[0], 6), "lat": round(where[1], 6)}
    if altitude_m > checked.max_altitude_m:
        reject.append(
            Reason(
                ReasonCode.ALTITUDE,
                f"{said} is above the drone's {checked.max_altitude_m:g} m limit",
                rule="drone.max_altitude_m",
                detail={
                    "altitude_m": float(altitude_m),
                    "limit_m": float(checked.max_altitude_m),
                    **extra,
                },
            )
        )
        return reject, pending
    for rule in authorisation_rules(ruleset, checked.drone_class, float(altitude_m)):
        if rule.code == ruleset.ceiling_rule:
            pending.append(
                Reason(
                    ReasonCode.CEILING,
                    f"{said} is above the {ruleset.ceiling_m:g} m true-height ceiling",
                    rule=rule.code,
                    detail={
                        "altitude_m": float(altitude_m),
                        "limit_m": float(ruleset.ceiling_m),
                        **extra,
                    },
                )
            )
        elif rule.code != ruleset.drone_class(checked.drone_class).rule:
            limit = ruleset.class_limits[checked.drone_class].max_altitude_m
            pending.append(
                Reason(
                    ReasonCode.ALTITUDE,
                    f"{said} is above the {limit:g} m a {checked.drone_class} drone "
                    "may fly without authorisation",
                    rule=rule.code,
                    detail={"altitude_m": float(altitude_m), "limit_m": float(limit), **extra},
                )
            )
    return reject, pending


def validate(
    request: FlightRequest,
    now_s: float,
    ruleset: RuleSet,
    bounds: RequestBounds | None = None,
    say: Callable[[float], str] | None = None,
    heights: Callable[[np.ndarray], TrueHeight] | None = None,
) -> Checked:
    """Check a request against the rules and the clock (no airspace needed).

    Parameters
    ----------
    request : FlightRequest
    now_s : float
        The planner clock.
    ruleset : RuleSet
        National rules: ceiling and class limits.
    bounds : RequestBounds, optional
        Limits on the work one request may cause (:mod:`planner.bounds`); the defaults if
        not given. A request breaking one is rejected before anything else is computed.
    say : callable, optional
        Planner seconds as words in messages (:meth:`Planner.say_time`); ``"<t> s"`` if absent.
    heights : callable, optional
        ``[lon, lat, altitude_m]`` rows -> :class:`~planner.true_height.TrueHeight` over the
        terrain (:meth:`Planner.true_height`); absent: flat ground, the filed altitudes.

    Returns
    -------
    Checked
        Reasons found and the usable departure window. A window wholly before now gives
        ``TIME_IN_PAST`` (an area operation only when it has ended); an earliest departure
        before now is clamped to now; one more than 30 days ahead gives ``TOO_FAR_AHEAD``.
    """
    out = Checked()
    try:
        cls, limits = drone_limits(request, ruleset)
    except ValueError as exc:
        out.rejections.append(Reason(ReasonCode.DRONE_CLASS, str(exc), rule="class"))
        return out
    out.drone_class = cls
    if request.drone.max_altitude_m is not None:
        out.max_altitude_m = float(request.drone.max_altitude_m)
    if limits.needs_authorisation:
        rule = ruleset.drone_class(cls).rule
        out.pending.append(
            Reason(
                ReasonCode.DRONE_CLASS,
                f"every flight of a {cls} drone needs a regulator's authorisation",
                rule=rule,
            )
        )

    route = request.route
    if not isinstance(route, AreaRoute):
        top_mps = min(limits.max_speed_mps, request.drone.max_speed_mps)
        speed = request.speed_mps if request.speed_mps is not None else top_mps
        if not (math.isfinite(speed) and speed > 0.0):
            out.rejections.append(
                Reason(ReasonCode.INVALID, f"speed_mps must be positive, got {speed}")
            )
        elif speed > top_mps:
            out.rejections.append(
                Reason(
                    ReasonCode.SPEED,
                    f"{speed:g} m/s is above the {top_mps:g} m/s limit for drone "
                    f"{request.drone.id} ({cls})",
                    rule=ruleset.drone_class(cls).rule
                    if limits.max_speed_mps <= request.drone.max_speed_mps
                    else "drone.max_speed_mps",
                    detail={"speed_mps": float(speed), "limit_mps": float(top_mps)},
                )
            )
        out.speed_mps = float(speed)

    bounded = bound_findings(request, cls, bounds or RequestBounds(), out.speed_mps)
    if bounded:
        out.rejections.extend(bounded)
        return out

    if isinstance(route, WaypointRoute):
        rows = np.asarray(route.waypoints, dtype=float)
        alts = rows[:, 2]
        th = heights(rows) if heights is not None and alts.min() >= 0.0 else None
        if th is None or th.where_max is None:
            _altitude_band(float(alts.min()), float(alts.max()), out, ruleset)
        else:
            _altitude_band(float(alts.min()), th.max_m, out, ruleset, th.where_max)
            if th.min_m < 0.0:
                out.rejections.append(below_ground(th))
        out.true_height_m = float(alts.max()) if th is None else th.max_m
    elif isinstance(route, AreaRoute):
        _altitude_band(route.lower_m, route.upper_m, out, ruleset)
        out.true_height_m = float(route.upper_m)
    elif not isinstance(route, CorridorRoute):
        out.rejections.append(
            Reason(ReasonCode.INVALID, f"unknown route type {type(route).__name__}")
        )

    duration_s = route.duration_s if isinstance(route, AreaRoute) else 0.0
    earliest, latest = float(request.earliest_s), float(request.latest_s)
    if not (math.isfinite(earliest) and math.isfinite(latest)) or latest < earliest:
        out.rejections.append(
            Reason(ReasonCode.INVALID, "departure: need finite earliest <= latest")
        )
        return out
    say = say or (lambda t: f"{t:g} s")
    if latest + duration_s < now_s:
        out.rejections.append(
            Reason(
                ReasonCode.TIME_IN_PAST,
                f"the window ends at {say(latest + duration_s)}, before now ({say(now_s)})",
                detail={"now_s": float(now_s)},
            )
        )
    elif earliest - now_s > MAX_PLAN_AHEAD_S:
        out.rejections.append(
            Reason(
                ReasonCode.TOO_FAR_AHEAD,
                f"departure {say(earliest)} is more than 30 days after now ({say(now_s)})",
                rule="max_plan_ahead_s",
                detail={"limit_s": MAX_PLAN_AHEAD_S},
            )
        )
    if isinstance(route, AreaRoute):
        # An area operation already under way keeps its filed start: its past part is flown.
        out.depart_lo_s = max(earliest, min(now_s, latest))
    else:
        out.depart_lo_s = max(earliest, now_s)
    out.depart_hi_s = min(latest, now_s + MAX_PLAN_AHEAD_S)
    out.depart_hi_s = max(out.depart_hi_s, out.depart_lo_s)
    return out


def below_ground(th: TrueHeight) -> Reason:
    """``TERRAIN``: a straight leg of the route passes below the ground."""
    return Reason(
        ReasonCode.TERRAIN,
        f"the straight leg from waypoint {th.leg_min} to {th.leg_min + 1} passes "
        f"{-th.min_m:.1f} m below the "
        f"ground{where_text(th.where_min)}: add a waypoint or fly higher",
        rule="terrain",
        detail={
            "true_height_m": round(th.min_m, 1),
            "leg": th.leg_min,
            **(
                {"lon": round(th.where_min[0], 6), "lat": round(th.where_min[1], 6)}
                if th.where_min
                else {}
            ),
        },
    )


def _altitude_band(
    lower_m: float,
    upper_m: float,
    out: Checked,
    ruleset: RuleSet,
    where: tuple[float, float] | None = None,
) -> None:
    if lower_m < 0.0:
        out.rejections.append(
            Reason(
                ReasonCode.INVALID,
                f"altitude {lower_m:g} m is below the ground (altitudes are m AGL)",
            )
        )
    reject, pending = altitude_findings(upper_m, out, ruleset, where)
    out.rejections.extend(reject)
    out.pending.extend(pending)
