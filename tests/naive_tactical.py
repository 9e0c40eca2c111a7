"""Slow, obviously-correct twin of the tactical conflict detector, in exact rational arithmetic.

Every float is turned into a :class:`fractions.Fraction` (exactly), so there is no rounding
anywhere in the decision. For one pair, with relative position ``d`` and velocity ``w``:

- ``J``: the instants of ``[0, T]`` where the vertical distance ``|dz + wz t|`` is ``< S_v``.
  It is an interval; when it is not empty it has a positive length (``T > 0`` and the
  vertical condition holds on an open set), so it is described by its closure ``[lo, hi]``;
- the squared horizontal distance minus ``S_h^2``, ``q(t)``, is a convex quadratic (or a
  constant); the pair conflicts exactly when ``q < 0`` somewhere on ``J``, that is when the
  minimum of ``q`` over ``[lo, hi]`` is negative (``q < 0`` is an open set: if it holds at an
  end of ``[lo, hi]`` it holds just inside too).

Every pair is examined (no broad phase). This deliberately does not share the kernel's
method (roots of both conditions, intersected).
"""

from __future__ import annotations

import math
from decimal import Context, Decimal
from fractions import Fraction

import numpy as np

_CTX = Context(prec=60)


def _dec(v: Fraction) -> Decimal:
    return _CTX.divide(Decimal(v.numerator), Decimal(v.denominator))


def _vertical_window(dz: Fraction, wz: Fraction, sep_v: Fraction, horizon: Fraction):
    """Closure ``(lo, hi)`` of the instants in ``[0, T]`` with ``|dz + wz t| < S_v``, or None."""
    if wz == 0:
        return (Fraction(0), horizon) if abs(dz) < sep_v else None
    ends = sorted(((-sep_v - dz) / wz, (sep_v - dz) / wz))
    lo, hi = max(ends[0], Fraction(0)), min(ends[1], horizon)
    return (lo, hi) if lo < hi else None


def _q(d: tuple[Fraction, Fraction], w: tuple[Fraction, Fraction], sep_h: Fraction, t: Fraction):
    x = d[0] + w[0] * t
    y = d[1] + w[1] * t
    return x * x + y * y - sep_h * sep_h


def pair_conflict(state_i, state_j, sep_h_m: float, sep_v_m: float, lookahead_s: float):
    """``(lost, t_los_s, t_cpa_s, h_cpa_m, v_cpa_m)`` of two ``[x, y, z, vx, vy, vz]`` states.

    ``lost`` is decided exactly; ``t_los_s`` (None when not lost) and the closest approach are
    returned as floats. Closest approach: the instant of ``[0, T]`` with the least horizontal
    distance (the vertical one when the horizontal distance is constant, else 0).
    """
    si = [Fraction(float(v)) for v in state_i]
    sj = [Fraction(float(v)) for v in state_j]
    d = [sj[k] - si[k] for k in range(3)]
    w = [sj[k] - si[k] for k in range(3, 6)]
    sep_h, sep_v, horizon = Fraction(sep_h_m), Fraction(sep_v_m), Fraction(lookahead_s)

    def clamp(t: Fraction) -> Fraction:
        return min(max(t, Fraction(0)), horizon)

    a = w[0] * w[0] + w[1] * w[1]
    if a != 0:
        t_cpa = clamp(-(d[0] * w[0] + d[1] * w[1]) / a)
    elif w[2] != 0:
        t_cpa = clamp(-d[2] / w[2])
    else:
        t_cpa = Fraction(0)
    h_cpa = math.hypot(float(d[0] + w[0] * t_cpa), float(d[1] + w[1] * t_cpa))
    v_cpa = abs(float(d[2] + w[2] * t_cpa))

    window = _vertical_window(d[2], w[2], sep_v, horizon)
    if window is None:
        return False, None, float(t_cpa), h_cpa, v_cpa
    lo, hi = window
    dh, wh = (d[0], d[1]), (w[0], w[1])
    t_min = min(max(-(d[0] * w[0] + d[1] * w[1]) / a, lo), hi) if a != 0 else lo
    if not _q(dh, wh, sep_h, t_min) < 0:
        return False, None, float(t_cpa), h_cpa, v_cpa
    if _q(dh, wh, sep_h, lo) < 0:
        t_los = float(lo)
    else:
        # q(lo) >= 0 > q(t_min): the first root of q after lo (a > 0 here)
        b = d[0] * w[0] + d[1] * w[1]
        disc = b * b - a * _q(dh, wh, sep_h, Fraction(0))
        t_los = float(_CTX.divide(-_dec(b) - _CTX.sqrt(_dec(disc)), _dec(a)))
    return True, t_los, float(t_cpa), h_cpa, v_cpa


def conflicts(states: np.ndarray, valid, sep_h_m: float, sep_v_m: float, lookahead_s: float):
    """``{(i, j): (t_los_s, t_cpa_s, h_cpa_m, v_cpa_m)}`` over every pair ``i < j`` of valid
    rows of an ``(N, 6)`` state array."""
    n = len(states)
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    out = {}
    for i in range(n):
        for j in range(i + 1, n):
            if not (valid[i] and valid[j]):
                continue
            lost, *values = pair_conflict(states[i], states[j], sep_h_m, sep_v_m, lookahead_s)
            if lost:
                out[(i, j)] = tuple(values)
    return out
