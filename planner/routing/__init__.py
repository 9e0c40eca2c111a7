"""Routing over the corridor network: from a lon/lat origin to a lon/lat destination, the
fastest corridor routes that no active PROHIBITED zone blocks while the flight would be on them,
as 4D trajectories the planner consumes.

A route is: take-off at the origin and a climbing leg to an entry node of the network (one of
the nearest nodes, vertiports included), the corridor edges at their altitude layers (the layer
set of each edge follows its direction, see :mod:`airspace.corridors`; at a node where the
layer changes the drone climbs or descends vertically), then a descending leg from the exit node
to the destination. A mixed climbing/descending leg takes the longer of its horizontal and
vertical times (DESIGN.md). Cruise speed on an edge is ``min(speed_mps, edge speed limit)``;
access and egress legs fly at ``speed_mps`` or, when it is not given, at the slowest corridor
limit of the network.

Blocking: an edge flown at layer altitude ``h`` is blocked while an active PROHIBITED zone
volume intersects the corridor (centreline buffered by half its width) and the volume's band
overlaps ``[h - S_v/2, h + S_v/2]``. The fastest route comes from a time-dependent Dijkstra
(:func:`planner.routing.kernels.td_dijkstra`) over the compiled network; alternatives from
:func:`shortest_simple_paths` between the same entry and exit nodes (networkx's Yen loop over
a numba port of its spur search: networkx's paths in networkx's order, computed once per
entry, exit, speed, layer choice and set of edges blocked in the horizon, then re-timed and
re-checked against the zones at each request's own time). Waiting is not allowed on the way; the access/egress legs and vertical layer
changes are not checked against zones here (the decision layer checks the whole trajectory).

Modules: :mod:`~planner.routing.router` (the router), :mod:`~planner.routing.plan` (a route
and its errors), :mod:`~planner.routing.timing` (timing one path exactly, its trajectory), :mod:`~planner.routing.blocks` (which zone blocks which edge layer, and
when), :mod:`~planner.routing.yen` (k alternatives: the Yen loop) and
:mod:`~planner.routing.kernels` (the numba searches).
"""

from planner.routing.plan import RoutePlan, RoutingError
from planner.routing.router import PATH_CACHE_SIZE, Router
from planner.routing.yen import graph_adjacency, shortest_simple_paths

__all__ = [
    "PATH_CACHE_SIZE",
    "RoutePlan",
    "Router",
    "RoutingError",
    "graph_adjacency",
    "shortest_simple_paths",
]
