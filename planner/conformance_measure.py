"""Measuring positions against approved plans: the route and area plans packed into the
kernels' array layout, the three deviations of each position, and the first bound it breaks.
The exact geometry is explained in :mod:`planner.conformance_kernels`; episodes and flight
states are :mod:`planner.conformance`.

Examples
--------
>>> import numpy as np
>>> from planner.trajectory import Trajectory4D
>>> plan = Trajectory4D(np.array([[0, 0, 50, 0], [1000, 0, 50, 100.0]]))
>>> th = Thresholds(lateral_m=20, vertical_m=10, time_s=30)
>>> lat, ver, tim, area = deviations({"F-1": plan}, ["F-1"], [500.0], [40.0], [50.0], [50.0], th)
>>> float(lat[0]), deviation_code(lat[0], ver[0], tim[0], area[0], th)
(40.0, 'OFF_ROUTE')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.conformance_kernels import area_deviation, route_deviation
from planner.trajectory import Trajectory4D


@dataclass(frozen=True)
class Thresholds:
    """Conformance bounds of a deployment (metres and seconds)."""

    lateral_m: float = 30.0
    vertical_m: float = 15.0
    time_s: float = 60.0
    contingent_s: float = 30.0
    lost_link_s: float = 5.0
    airborne_m: float = 2.0


class _Packed:
    """The route and area plans in the kernels' array layout (rebuilt when plans change)."""

    def __init__(self, watches: dict[str, Any]):
        """``watches``: flight id -> its plan (or any object with a ``plan``)."""
        self.route_of: dict[str, int] = {}
        self.area_of: dict[str, int] = {}
        segs, seg_start = [], [0]
        rings, ring_start, plan_ring, bands, windows = [], [0], [0], [], []
        for fid, w in watches.items():
            plan = getattr(w, "plan", w)  # a watch, or the plan itself
            if isinstance(plan, Trajectory4D):
                self.route_of[fid] = len(seg_start) - 1
                segs.append(plan.segments)
                seg_start.append(seg_start[-1] + len(plan.segments))
            else:
                self.area_of[fid] = len(plan_ring) - 1
                rings.append(plan.ring_xy)
                ring_start.extend((plan.ring_start[1:] + ring_start[-1]).tolist())
                plan_ring.append(len(ring_start) - 1)
                bands.append((plan.lower_m, plan.upper_m))
                windows.append((plan.start_s, plan.end_s))
        self.seg = np.ascontiguousarray(np.vstack(segs)) if segs else np.zeros((0, 8))
        self.seg_start = np.array(seg_start, dtype=np.int64)
        self.ring_xy = np.ascontiguousarray(np.vstack(rings)) if rings else np.zeros((0, 2))
        self.ring_start = np.array(ring_start, dtype=np.int64)
        self.plan_ring = np.array(plan_ring, dtype=np.int64)
        self.band = np.array(bands, dtype=np.float64).reshape(-1, 2)
        self.window = np.array(windows, dtype=np.float64).reshape(-1, 2)


def deviations(
    watches: dict[str, Any] | _Packed, flights: Sequence[str | None], x, y, z, t, th: Thresholds
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lateral, vertical and time deviations of each position from its flight's plan, and
    whether that plan is an area (``nan`` where ``flights[i]`` is ``None``). ``watches``:
    flight id -> plan (or watch), or an already packed set."""
    packed = watches if isinstance(watches, _Packed) else _Packed(watches)
    n = len(flights)
    r_idx = np.array([packed.route_of.get(f, -1) if f else -1 for f in flights], dtype=np.int64)
    a_idx = np.array([packed.area_of.get(f, -1) if f else -1 for f in flights], dtype=np.int64)
    args = [np.ascontiguousarray(v, dtype=np.float64) for v in (x, y, z, t)]
    lat, ver, tim = (np.full(n, np.nan) for _ in range(3))
    if np.any(r_idx >= 0):
        rl, rv, rt = route_deviation(  # type: ignore[call-arg]  # numba Dispatcher stub
            *args, r_idx, packed.seg, packed.seg_start, th.lateral_m, th.vertical_m
        )
        m = r_idx >= 0
        lat[m], ver[m], tim[m] = rl[m], rv[m], rt[m]
    if np.any(a_idx >= 0):
        al, av, at = area_deviation(  # type: ignore[call-arg]  # numba Dispatcher stub
            *args,
            a_idx,
            packed.ring_xy,
            packed.ring_start,
            packed.plan_ring,
            packed.band,
            packed.window,
        )
        m = a_idx >= 0
        lat[m], ver[m], tim[m] = al[m], av[m], at[m]
    return lat, ver, tim, a_idx >= 0


def deviation_code(
    lateral_m: float, vertical_m: float, time_s: float, is_area: bool, th: Thresholds
) -> str | None:
    """The first bound a position breaks (``None``: it conforms)."""
    if not lateral_m <= th.lateral_m:
        return "OUTSIDE_AREA" if is_area else "OFF_ROUTE"
    if not vertical_m <= th.vertical_m:
        return "OFF_ALTITUDE"
    if not abs(time_s) <= th.time_s:
        return "OFF_SCHEDULE"
    return None
