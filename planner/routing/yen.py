"""k alternatives: networkx's Yen loop (:func:`shortest_simple_paths`) over the numba port of
its spur search (:func:`planner.routing.kernels.bidirectional_dijkstra`), and the lazily read,
remembered path streams the router keeps per query key."""

from __future__ import annotations

from collections.abc import Iterator
from heapq import heappop, heappush
from itertools import count
from typing import Any

import networkx as nx
import numpy as np

from planner.routing.kernels import bidirectional_dijkstra


class _PathBuffer:
    """networkx's ``PathBuffer``: candidate paths by (cost, insertion order), without repeats."""

    def __init__(self) -> None:
        self.paths: set[tuple[int, ...]] = set()
        self.sortedpaths: list[tuple[float, int, list[int]]] = []
        self.counter = count()

    def __len__(self) -> int:
        return len(self.sortedpaths)

    def push(self, cost: float, path: list[int]) -> None:
        hashable_path = tuple(path)
        if hashable_path not in self.paths:
            heappush(self.sortedpaths, (cost, next(self.counter), path))
            self.paths.add(hashable_path)

    def pop(self) -> list[int]:
        (_cost, _num, path) = heappop(self.sortedpaths)
        self.paths.remove(tuple(path))
        return path


def graph_adjacency(
    graph: nx.DiGraph, edge_index: dict[tuple[int, int], int], n_nodes: int
) -> tuple[np.ndarray, ...]:
    """``(succ_ptr, succ_node, succ_edge, pred_ptr, pred_node, pred_edge)`` of a digraph on
    nodes ``0..n_nodes-1``, neighbours in the graph's own iteration order (the order networkx
    searches them in)."""
    succ: tuple[list[int], list[int], list[int]] = ([0], [], [])
    pred: tuple[list[int], list[int], list[int]] = ([0], [], [])
    for v in range(n_nodes):
        for w in graph.successors(v):
            succ[1].append(int(w))
            succ[2].append(edge_index[(v, int(w))])
        succ[0].append(len(succ[1]))
        for u in graph.predecessors(v):
            pred[1].append(int(u))
            pred[2].append(edge_index[(int(u), v)])
        pred[0].append(len(pred[1]))
    return tuple(np.array(a, dtype=np.int64) for a in (*succ, *pred))


def shortest_simple_paths(
    adjacency: tuple[np.ndarray, ...],
    weight_s: np.ndarray,
    usable: np.ndarray,
    edge_index: dict[tuple[int, int], int],
    source: int,
    target: int,
    weight_list: list[float] | None = None,
) -> Iterator[list[int]]:
    """Simple paths from ``source`` to ``target``, shortest first: networkx's
    ``shortest_simple_paths(G, source, target, weight=w)`` (Yen's algorithm) with
    ``w(u, v) = weight_s[e]`` for usable edges ``e = (u, v)`` and ``None`` otherwise, yielding
    the same paths in the same order, ties included.

    The loop below is networkx's own (networkx 3.x), with its spur search replaced by the
    step-for-step array port :func:`planner.routing.kernels.bidirectional_dijkstra` and the
    ignored nodes and edges held as masks. ``adjacency`` is ``(succ_ptr, succ_node,
    succ_edge, pred_ptr, pred_node, pred_edge)`` in the graph's iteration order;
    ``weight_list`` is ``weight_s.tolist()`` when the caller already holds it (it is shared).

    Raises
    ------
    networkx.NetworkXNoPath
        On the first step, when ``target`` cannot be reached at all.
    """
    weight_s = np.ascontiguousarray(weight_s, dtype=np.float64)
    usable = np.ascontiguousarray(usable, dtype=np.bool_)
    wl = weight_s.tolist() if weight_list is None else weight_list
    n = adjacency[0].size - 1
    m = weight_s.size

    def length_func(path: list[int]) -> float:
        return sum(wl[edge_index[(u, v)]] for (u, v) in zip(path, path[1:]))  # noqa: B905

    def shortest_path_func(
        src: int, ignore_nodes: np.ndarray, ignore_edges: np.ndarray
    ) -> tuple[float, list[int]]:
        found, length, path = bidirectional_dijkstra(  # type: ignore[call-arg]  # numba Dispatcher stub
            *adjacency, weight_s, usable, src, target, ignore_nodes, ignore_edges
        )
        if not found:
            raise nx.NetworkXNoPath(f"No path between {src} and {target}.")
        return length, path.tolist()

    listA: list[list[int]] = []
    listB = _PathBuffer()
    prev_path: list[int] | None = None
    while True:
        if not prev_path:
            length, path = shortest_path_func(
                source, np.zeros(n, dtype=np.bool_), np.zeros(m, dtype=np.bool_)
            )
            listB.push(length, path)
        else:
            ignore_nodes = np.zeros(n, dtype=np.bool_)
            ignore_edges = np.zeros(m, dtype=np.bool_)
            for i in range(1, len(prev_path)):
                root = prev_path[:i]
                root_length = length_func(root)
                for path in listA:
                    if path[:i] == root:
                        ignore_edges[edge_index[(path[i - 1], path[i])]] = True
                try:
                    length, spur = shortest_path_func(root[-1], ignore_nodes, ignore_edges)
                    path = root[:-1] + spur
                    listB.push(root_length + length, path)
                except nx.NetworkXNoPath:
                    pass
                ignore_nodes[root[-1]] = True

        if listB:
            path = listB.pop()
            yield path
            listA.append(path)
            prev_path = path
        else:
            break


class PathStream:
    """The paths of a ``shortest_simple_paths`` generator, read lazily and kept: ``get(i)``
    is the ``i``-th path as ``(nodes, edge indices)``, or ``None`` past the last one."""

    def __init__(self, gen: Any, edge_index: dict[tuple[int, int], int]):
        self._gen = gen
        self._index = edge_index
        self._paths: list[tuple[list[int], list[int]]] = []

    def get(self, i: int) -> tuple[list[int], list[int]] | None:
        """The ``i``-th path as ``(nodes, edge indices)``, or ``None`` past the last one."""
        while len(self._paths) <= i and self._gen is not None:
            try:
                nodes = next(self._gen)
            except (StopIteration, nx.NetworkXNoPath):
                self._gen = None
                break
            edges = [self._index[(a, b)] for a, b in zip(nodes[:-1], nodes[1:], strict=True)]
            self._paths.append((nodes, edges))
        return self._paths[i] if i < len(self._paths) else None
