"""The sweep: the earliest grid delay outside every forbidden interval."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from planner.kernels.constants import NO_DELAY as _NONE

# --------------------------------------------------------------------------- the sweep


@njit(cache=True)
def earliest_free_delay(lo, hi, earliest_s, latest_s, quantum_s):
    """The earliest delay on the grid ``earliest_s + k*quantum_s`` outside every closed interval.

    Parameters
    ----------
    lo, hi : float64 arrays
        Forbidden closed intervals (any order, may overlap).
    earliest_s, latest_s : float
        The window of acceptable delays.
    quantum_s : float
        Grid step; after an interval the next grid point strictly above its upper end is tried.

    Returns
    -------
    float
        The delay, or NaN when none is at most ``latest_s``.
    """
    order = np.argsort(lo, kind="mergesort")
    cur = earliest_s
    if cur > latest_s:
        return _NONE
    for idx in range(order.shape[0]):
        i = order[idx]
        if lo[i] > cur:
            break
        if hi[i] >= cur:
            if hi[i] >= latest_s:
                return _NONE
            kq = math.floor((hi[i] - earliest_s) / quantum_s) + 1.0
            cur = earliest_s + kq * quantum_s
            while cur <= hi[i]:
                kq += 1.0
                cur = earliest_s + kq * quantum_s
            if cur > latest_s:
                return _NONE
    return cur
