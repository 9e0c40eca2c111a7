"""The interval arithmetic of a route crossing a zone volume (used by
:meth:`airspace.geoawareness.ZoneIndex.along_route`): where along each straight segment the
route is inside an altitude band, merging closed intervals, and intersecting them with a
schedule's half-open active intervals.

Examples
--------
>>> import numpy as np
>>> lo, hi = band_parameters(np.array([0.0, 50.0]), np.array([100.0, 0.0]),
...                          np.array([20.0, 20.0]), np.array([60.0, 60.0]))
>>> lo.tolist(), hi.tolist()
([0.2, 0.0], [0.6, 1.0])
>>> merge_closed(np.array([0.0, 1.0, 3.0]), np.array([1.0, 2.0, 4.0]))
[(0.0, 2.0), (3.0, 4.0)]
>>> intersect_with_active([(0.0, 2.0)], [(1.0, 2.0), (2.0, 3.0)])
[(1.0, 2.0), (2.0, 2.0)]
"""

from __future__ import annotations

import numpy as np


def band_parameters(
    z0: np.ndarray, dz: np.ndarray, lower_m: np.ndarray, upper_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For segments z(s) = z0 + s * dz, s in [0, 1], the closed s-range inside [lower, upper]
    (``lo > hi`` when empty)."""
    flat = dz == 0.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = (lower_m - z0) / dz
        b = (upper_m - z0) / dz
    lo = np.where(flat, np.where((lower_m <= z0) & (z0 <= upper_m), 0.0, np.inf), np.minimum(a, b))
    hi = np.where(flat, 1.0, np.maximum(a, b))
    return np.maximum(lo, 0.0), np.minimum(hi, 1.0)


def merge_closed(lo: np.ndarray, hi: np.ndarray) -> list[tuple[float, float]]:
    """Merge closed intervals sorted by start; touching intervals join."""
    out: list[tuple[float, float]] = []
    for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def intersect_with_active(
    inside: list[tuple[float, float]], active: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """Closed intervals ``inside`` intersected with half-open active intervals ``[a, b)``."""
    out: list[tuple[float, float]] = []
    for lo, hi in inside:
        for a, b in active:
            c, d = max(lo, a), min(hi, b)
            if c <= d and c < b:
                out.append((c, d))
    return out
