"""A corridor route as the router returns it (:class:`RoutePlan`), the router's error, and
the per-query state the router threads through one search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from airspace.clock import Clock
from planner.routing.blocks import LayerChoice


class RoutingError(ValueError):
    """A route request that cannot be served as given (e.g. origin far from every corridor)."""


@dataclass(frozen=True)
class RoutePlan:
    """One corridor route with its 4D trajectory.

    ``trajectory`` rows are ``[lon, lat, altitude_m AGL, t_s]`` (planner seconds), starting on the
    ground at the origin at ``depart_s`` and ending on the ground at the destination. Shifting
    all ``t_s`` by a delay gives the same route flown later.
    """

    edges: list[str]
    """Corridor ids of the edges flown, in order (a corridor split at junctions repeats)."""
    nodes: list[int]
    layer_m: float
    """Cruise altitude of the first edge (``edge_layers_m`` holds each edge's)."""
    edge_layers_m: list[float]
    length_m: float
    duration_s: float
    trajectory: np.ndarray
    depart_s: float
    entry_node: int
    exit_node: int
    entry_vertiport: str | None = None
    exit_vertiport: str | None = None
    authorisation_zones: list[str] = field(default_factory=list)
    """REQ_AUTHORISATION zones active on the route while it is flown (the flight needs review)."""
    trajectory_xy: np.ndarray | None = None
    """The same rows in the network's projected metres ``[x, y, altitude_m, t_s]`` (the planner
    indexes these; ``trajectory`` is their lon/lat for answers and terrain)."""

    @property
    def arrival_s(self) -> float:
        """Planner seconds of the landing at the destination."""
        return self.depart_s + self.duration_s

    def to_json(self) -> dict[str, Any]:
        """The ``route`` object of a decision."""
        return {
            "edges": list(self.edges),
            "layer_m": self.layer_m,
            "edge_layers_m": list(self.edge_layers_m),
            "length_m": round(self.length_m, 3),
            "duration_s": round(self.duration_s, 3),
            "entry_vertiport": self.entry_vertiport,
            "exit_vertiport": self.exit_vertiport,
            "authorisation_zones": list(self.authorisation_zones),
        }

    def to_geojson_feature(self, epoch: datetime | None = None) -> dict[str, Any]:
        """A GeoJSON LineString with ``[lon, lat, altitude_m]`` positions and per-point times."""
        props: dict[str, Any] = self.to_json()
        props["t_s"] = [round(float(t), 3) for t in self.trajectory[:, 3]]
        if epoch is not None:
            clock = Clock(epoch)
            props["times"] = [
                clock.to_datetime(t).isoformat(timespec="milliseconds")
                for t in self.trajectory[:, 3]
            ]
        return {
            "type": "Feature",
            "properties": props,
            "geometry": {
                "type": "LineString",
                "coordinates": [
                    [round(float(r[0]), 7), round(float(r[1]), 7), round(float(r[2]), 2)]
                    for r in self.trajectory
                ],
            },
        }


@dataclass
class Query:
    """One :meth:`Router.routes` call: where from and to, when, how fast, which layers."""

    origin_xy: tuple[float, float]
    destination_xy: tuple[float, float]
    depart_s: float
    epoch: datetime
    speed_mps: float | None
    access_speed_mps: float
    vertical_rate_mps: float
    choice: LayerChoice
    layer_offset: int = 0
    travel_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    block: tuple = ()
    auth: tuple = ()
    lists: tuple | None = None
    """Plain-list copies of the arrays :meth:`PathTimer.plan <planner.routing.timing.PathTimer.plan>` reads (made on first use)."""
    ends_lonlat: tuple[tuple[float, float], tuple[float, float]] | None = None
    """lon/lat of ``origin_xy`` and ``destination_xy`` (made on first use)."""
