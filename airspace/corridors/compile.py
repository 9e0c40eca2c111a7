"""The corridor graph flattened into CSR arrays for the numba kernels (:class:`CompiledNetwork`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from airspace.corridors.network import CorridorNetwork


@dataclass(frozen=True)
class CompiledNetwork:
    """The graph as plain arrays (CSR by tail node) for numba kernels.

    Edge ``e`` runs from ``tail[e]`` to ``head[e]``; the out-edges of node ``u`` are
    ``indptr[u]:indptr[u+1]``. ``layers_m[e, :layer_count[e]]`` are the altitudes the edge's
    direction may use (NaN padding). ``edge_uv`` maps edge index to the graph's ``(u, v)``.
    """

    node_xy_m: np.ndarray
    indptr: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    length_m: np.ndarray
    speed_max_mps: np.ndarray
    lower_m: np.ndarray
    upper_m: np.ndarray
    width_m: np.ndarray
    layer_count: np.ndarray
    layers_m: np.ndarray
    edge_uv: list[tuple[int, int]]

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.indptr.size - 1)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return int(self.head.size)


# --------------------------------------------------------------------------- parsing


def compile_network(network: CorridorNetwork) -> CompiledNetwork:
    """Flatten the graph into CSR arrays (see :class:`CompiledNetwork`)."""
    g = network.graph
    n = g.number_of_nodes()
    edges = sorted(g.edges(data=True), key=lambda e: (e[0], e[1]))
    m = len(edges)
    tail = np.fromiter((e[0] for e in edges), dtype=np.int64, count=m)
    head = np.fromiter((e[1] for e in edges), dtype=np.int64, count=m)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, tail + 1, 1)
    indptr = np.cumsum(indptr)
    lmax = max((len(e[2]["layers_m"]) for e in edges), default=0)
    layers = np.full((m, max(lmax, 1)), np.nan)
    count = np.zeros(m, dtype=np.int64)
    for i, e in enumerate(edges):
        ls = e[2]["layers_m"]
        count[i] = len(ls)
        layers[i, : len(ls)] = ls

    def col(key: str) -> np.ndarray:
        return np.fromiter((e[2][key] for e in edges), dtype=np.float64, count=m)

    return CompiledNetwork(
        node_xy_m=np.ascontiguousarray(network.node_xy_m().reshape(n, 2), dtype=np.float64),
        indptr=indptr,
        tail=tail,
        head=head,
        length_m=col("length_m"),
        speed_max_mps=col("speed_max_mps"),
        lower_m=col("lower_m"),
        upper_m=col("upper_m"),
        width_m=col("width_m"),
        layer_count=count,
        layers_m=np.ascontiguousarray(layers),
        edge_uv=[(int(e[0]), int(e[1])) for e in edges],
    )
