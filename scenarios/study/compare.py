"""Paired comparison of two settings on identical demand: for every run of setting A there is a
run of setting B with the same day (same flights, seed and every other axis); the difference
B − A of each metric is taken per pair, and the mean difference gets a Student-t confidence
interval (pairs remove the day-to-day variation both settings share).

Two ways to name A and B: two values of one axis of a study (``--axis network --a demo --b
dense``), or two results folders whose runs share their demand axes (flights, seed, ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from scenarios.study.model import AXES, GENERATOR_AXES

DEFAULT_METRICS = (
    "approved_share",
    "rejected_share",
    "delay_mean_s",
    "delay_p95_s",
    "replans",
    "revocations",
    "peak_airborne",
)


class CompareError(ValueError):
    """Two settings cannot be compared; the message says what to change."""


@dataclass(frozen=True)
class Difference:
    """The paired difference B − A of one metric."""

    metric: str
    pairs: int
    mean_a: float
    mean_b: float
    mean_diff: float
    ci_low: float | None
    ci_high: float | None
    """Confidence interval of the mean difference (None with fewer than two pairs)."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def paired_difference(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> tuple:
    """Mean of ``b - a`` and its Student-t confidence interval.

    Examples
    --------
    >>> m, lo, hi = paired_difference([10, 20, 30], [12, 23, 31])
    >>> round(m, 3), round(lo, 3), round(hi, 3)
    (2.0, -0.484, 4.484)
    """
    d = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    n = d.size
    mean = float(d.mean())
    if n < 2:
        return mean, None, None
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * float(d.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def _key(row: Mapping[str, Any], axes: Sequence[str]) -> tuple:
    return tuple(row.get(x) for x in axes)


def compare_rows(
    rows_a: Sequence[Mapping[str, Any]],
    rows_b: Sequence[Mapping[str, Any]],
    pair_on: Sequence[str],
    *,
    metrics: Sequence[str] = DEFAULT_METRICS,
    confidence: float = 0.95,
) -> list[Difference]:
    """Pair the finished runs of A and B on the ``pair_on`` axes and difference ``metrics``."""
    a = {_key(r, pair_on): r for r in rows_a if r.get("status") == "ok"}
    b = {_key(r, pair_on): r for r in rows_b if r.get("status") == "ok"}
    keys = sorted(set(a) & set(b), key=str)
    if not keys:
        raise CompareError(
            f"no pairs: no finished run of A has a run of B with the same {', '.join(pair_on)}"
        )
    out = []
    for m in metrics:
        ks = [k for k in keys if a[k].get(m) is not None and b[k].get(m) is not None]
        if not ks:
            continue
        va = [float(a[k][m]) for k in ks]
        vb = [float(b[k][m]) for k in ks]
        mean, lo, hi = paired_difference(va, vb, confidence)
        out.append(Difference(m, len(ks), float(np.mean(va)), float(np.mean(vb)), mean, lo, hi))
    return out


def axis_values(rows: Sequence[Mapping[str, Any]], axis: str) -> list[Any]:
    """The distinct values of an axis in the rows, in first-seen order."""
    seen: dict[Any, None] = {}
    for r in rows:
        if r.get(axis) is not None:
            seen.setdefault(r[axis], None)
    return list(seen)


def compare_axis(
    rows: Sequence[Mapping[str, Any]],
    axis: str,
    a: Any = None,
    b: Any = None,
    **kw: Any,
) -> tuple[Any, Any, list[Difference]]:
    """Compare two values of one axis of a study, pairing on every other axis."""
    if axis not in AXES:
        raise CompareError(f"--axis: {axis!r} is not a study axis (one of {', '.join(AXES)})")
    values = axis_values(rows, axis)
    if a is None and b is None:
        if len(values) != 2:
            raise CompareError(
                f"--axis {axis}: the study has {len(values)} values ({values}); name two with --a and --b"
            )
        a, b = values

    def pick(v: Any, flag: str) -> Any:
        for known in values:
            if str(known) == str(v):
                return known
        raise CompareError(f"{flag}: {v!r} is not a value of {axis} here (values: {values})")

    a, b = pick(a, "--a"), pick(b, "--b")
    others = [x for x in AXES if x != axis and any(r.get(x) is not None for r in rows)]
    diffs = compare_rows(
        [r for r in rows if r.get(axis) == a], [r for r in rows if r.get(axis) == b], others, **kw
    )
    return a, b, diffs


def compare_folders(
    rows_a: Sequence[Mapping[str, Any]], rows_b: Sequence[Mapping[str, Any]], **kw: Any
) -> tuple[list[str], list[Difference]]:
    """Compare two studies' runs, pairing on the demand axes both sweep (and any other axis
    both sweep over the same values)."""

    def swept(rows: Sequence[Mapping[str, Any]]) -> dict[str, set]:
        return {x: {r.get(x) for r in rows} - {None} for x in AXES}

    sa, sb = swept(rows_a), swept(rows_b)
    pair_on = [x for x in AXES if sa[x] and sb[x] and (x in GENERATOR_AXES or sa[x] == sb[x])]
    if not pair_on:
        raise CompareError("the two studies share no demand axis (flights, seed, ...) to pair on")
    return pair_on, compare_rows(rows_a, rows_b, pair_on, **kw)
