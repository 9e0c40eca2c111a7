"""Drones as the rules see them: the properties a real-name registration records.

The class (micro/light/small/medium/large) is derived from these by a national rule set,
see :func:`airspace.rules.classify`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Drone:
    """A registered unmanned aircraft.

    ``drone_class`` may be given (e.g. by a scenario file); otherwise it is derived from the
    weights, speed and capabilities by the deployment's rule set.
    """

    id: str
    operator_id: str = ""
    serial: str = ""
    empty_weight_kg: float | None = None
    max_takeoff_weight_kg: float | None = None
    max_speed_mps: float = 20.0
    max_altitude_m: float | None = None
    vertical_rate_mps: float = 3.0
    capabilities: frozenset[str] = field(default_factory=frozenset)
    """E.g. ``remote_id``, ``geofencing``, ``remote_control_only``, ``payload_release``."""
    drone_class: str | None = None
