"""The planner's kernels compiled (or loaded from the numba cache) step by step, with names.

A fresh machine compiles every kernel on first use, which takes tens of seconds; a service
runs :data:`WARMUP_STEPS` in the background and reports progress (``qingkong serve`` prints
it, ``/v1/ready`` shows it). Each step exercises one family of kernels on a tiny airspace.

>>> [name for name, _ in WARMUP_STEPS][:2]
['space-time index', 'route slot search']
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from shapely.geometry import Polygon

from planner.deconflict import earliest_slot
from planner.forbidden import ZoneBlock
from planner.index import SpaceTimeIndex
from planner.trajectory import AreaOp

_SQUARE = Polygon([(0, 0), (300, 0), (300, 300), (0, 300)])
_ROUTE = np.array([[0, 0, 0, 0], [0, 0, 60, 20], [1000, 0, 60, 100], [1000, 0, 0, 120.0]])


def _index() -> SpaceTimeIndex:
    idx = SpaceTimeIndex()
    idx.insert("warm-route", 0, _ROUTE)
    idx.insert("warm-area", 0, AreaOp.from_polygon(_SQUARE, 0, 60, 0, 600))
    return idx


def warm_index() -> None:
    """Insert, query, compact and remove."""
    idx = _index()
    idx.candidates(np.array([[-50, 50, -50, 50, 0, 100, 0, 10.0]]))
    idx._compact()
    idx.remove("warm-route")


def warm_route_search() -> None:
    """The stepped search of a route flight (the hot path of decisions)."""
    idx = SpaceTimeIndex()
    idx.insert("warm-route", 0, _ROUTE)
    earliest_slot(_ROUTE, 0, 600, idx, [], 50, 20)


def warm_zones_and_areas() -> None:
    """Zones and area operations, both as the new flight and in the way."""
    idx = _index()
    zone = ZoneBlock.from_polygon("warm-zone", _SQUARE, 0, 120, [[0, 60]])
    earliest_slot(_ROUTE, 0, 600, idx, [zone], 50, 20)
    earliest_slot(AreaOp.from_polygon(_SQUARE, 0, 60, 0, 60), 0, 600, idx, [zone], 50, 20)


def warm_one_shot() -> None:
    """The one-shot search (short windows, exact conflict checks at one delay)."""
    idx = _index()
    zone = ZoneBlock.from_polygon("warm-zone", _SQUARE, 0, 120, [[0, 60]])
    earliest_slot(_ROUTE, 0, 600, idx, [zone], 50, 20, one_shot=True)


WARMUP_STEPS: list[tuple[str, Callable[[], None]]] = [
    ("space-time index", warm_index),
    ("route slot search", warm_route_search),
    ("zones and area operations", warm_zones_and_areas),
    ("one-shot search", warm_one_shot),
]
"""Named warm-up steps, in the order a service runs them."""


def warm_all() -> None:
    """Run every step."""
    for _, step in WARMUP_STEPS:
        step()
