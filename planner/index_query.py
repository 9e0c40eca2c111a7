"""What a query of the space-time index (:mod:`planner.index`) asks and what it finds: the
swept boxes of a request (everything it could come near when delayed within a window, grown
by the separation minima) and the candidates the index hands to the exact kernels."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.trajectory import AreaOp, Trajectory4D


@dataclass
class Candidates:
    """What a query found: route segments as arrays plus area operations.

    Attributes
    ----------
    seg : float64 (m, 8)
        ``x0, y0, z0, t0, x1, y1, z1, t1`` of candidate accepted segments.
    seg_owner : int64 (m,)
        Flight slot of each segment (see :meth:`planner.index.SpaceTimeIndex.flight_id`).
    areas : list of (slot, AreaOp)
        Candidate accepted area operations.
    """

    seg: np.ndarray
    seg_owner: np.ndarray
    areas: list[tuple[int, AreaOp]] = field(default_factory=list)


def swept_boxes(
    flight: Trajectory4D | AreaOp,
    delay_min_s: float,
    delay_max_s: float,
    sep_h_m: float,
    sep_v_m: float,
) -> np.ndarray:
    """Query boxes covering everything a flight delayed within a window could come near.

    Returns
    -------
    float64 (q, 8)
        One box per segment (or one for an area operation).
    """
    if isinstance(flight, AreaOp):
        b = flight.box[None, :].copy()
    else:
        s = flight.segments
        b = np.column_stack(
            [
                np.minimum(s[:, 0], s[:, 4]),
                np.maximum(s[:, 0], s[:, 4]),
                np.minimum(s[:, 1], s[:, 5]),
                np.maximum(s[:, 1], s[:, 5]),
                np.minimum(s[:, 2], s[:, 6]),
                np.maximum(s[:, 2], s[:, 6]),
                s[:, 3],
                s[:, 7],
            ]
        )
    b[:, [0, 2]] -= sep_h_m
    b[:, [1, 3]] += sep_h_m
    b[:, 4] -= sep_v_m
    b[:, 5] += sep_v_m
    b[:, 6] += delay_min_s
    b[:, 7] += delay_max_s
    return np.ascontiguousarray(b)
