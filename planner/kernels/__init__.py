"""numba kernels of the exact deconfliction: forbidden departure delays in closed form.

Every kernel takes contiguous float64 (or int64) arrays and scalars and returns arrays; the
Python functions people call live in :mod:`planner.forbidden` and :mod:`planner.deconflict`,
which validate inputs and convert geometry to metres first. Each kernel has a slow, obviously-correct twin in
``tests/naive.py``.

Geometry of a delayed flight. The new flight is shifted in time by a delay ``delay_s``; one
of its segments (linear motion) against one segment of an accepted flight is conflicting
on a set of ``(u, delay_s)`` (``u`` the new flight's own clock) that is a parallelogram (both
time windows) ∩ a slab (vertical separation) ∩ an ellipse-cylinder (horizontal separation).
That set is convex, so its projection on ``delay_s`` is one closed interval, found from the
vertices of the clipped polygon inside the ellipse, polygon-edge/ellipse crossings and the
ellipse's tangent points in the ``delay_s`` direction.

Separation is strict (``< S``); the kernels compute closed sets for minima shrunk by
:data:`SEPARATION_MARGIN_M`, so flights exactly ``S`` apart are separated and any true
overlap larger than the margin is caught.

Modules by topic: :mod:`~planner.kernels.route_route` (segment pairs),
:mod:`~planner.kernels.route_volume` (segments against zone volumes and area operations),
:mod:`~planner.kernels.sweep` (the earliest free delay), :mod:`~planner.kernels.index` (the
space-time hash index), :mod:`~planner.kernels.slot` (the fused stepped slot search), their
numeric constants in :mod:`~planner.kernels.constants`. All are ``njit(cache=True)``.
"""

from planner.kernels.constants import INSIDE_TOLERANCE, SEPARATION_MARGIN_M
from planner.kernels.route_route import (
    route_route_intervals,
    route_route_intervals_since,
    segment_pair_delay_interval,
)
from planner.kernels.route_volume import (
    route_volume_intervals,
    segment_polygon_times,
    volume_route_intervals,
)
from planner.kernels.sweep import earliest_free_delay

__all__ = [
    "INSIDE_TOLERANCE",
    "SEPARATION_MARGIN_M",
    "earliest_free_delay",
    "route_route_intervals",
    "route_route_intervals_since",
    "route_volume_intervals",
    "segment_pair_delay_interval",
    "segment_polygon_times",
    "volume_route_intervals",
]
