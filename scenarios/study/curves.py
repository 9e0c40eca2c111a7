"""Capacity curves: a metric (p95 delay, rejected share) against demand, one curve per setting
(network, separation, zone set, ...), averaged over seeds, and the curve's *knee*: the demand
where the metric crosses a threshold.

The knee is interpolated linearly between the last demand level below the threshold and the
first one at or above it; a curve already over the threshold at its lowest demand has its knee
"at or below" that demand, a curve that never crosses it has none within the sweep.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.study.model import AXES

DEMAND_AXIS = "flights"
REPLICATE_AXIS = "seed"


@dataclass(frozen=True)
class CurvePoint:
    """One demand level of a curve: the mean over its seeds, and their min and max."""

    demand: float
    runs: int
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class KneePoint:
    """Where a curve crosses its threshold (``demand`` None: not within the sweep)."""

    demand: float | None
    at_or_below: bool = False
    """The curve is over the threshold already at its lowest demand."""

    def words(self) -> str:
        """The knee in words, e.g. ``≈ 6,150 requests/day``."""
        if self.demand is None:
            return "not reached"
        return ("≤ " if self.at_or_below else "≈ ") + f"{self.demand:,.0f}"


@dataclass(frozen=True)
class Curve:
    """A metric against demand for one setting of the other axes."""

    setting: tuple[tuple[str, Any], ...]
    metric: str
    points: tuple[CurvePoint, ...]

    @property
    def label(self) -> str:
        """The setting in words (``network=demo layer_spacing_m=15``), or ``all runs``."""
        return " ".join(f"{k}={v}" for k, v in self.setting) or "all runs"


def setting_of(
    row: Mapping[str, Any], *, exclude: Iterable[str] = ()
) -> tuple[tuple[str, Any], ...]:
    """The swept-axis values of a row other than demand, replicate and ``exclude``."""
    skip = {DEMAND_AXIS, REPLICATE_AXIS, *exclude}
    return tuple((a, row[a]) for a in AXES if a not in skip and row.get(a) is not None)


def capacity_curves(rows: Sequence[Mapping[str, Any]], metric: str) -> list[Curve]:
    """One curve of ``metric`` against ``flights`` per setting, from the finished runs.

    Examples
    --------
    >>> rows = [{"status": "ok", "flights": f, "seed": s, "rejected_share": f / 1e4 + s / 100}
    ...         for f in (1000, 2000) for s in (1, 2)]
    >>> [(p.demand, round(p.mean, 3)) for p in capacity_curves(rows, "rejected_share")[0].points]
    [(1000.0, 0.115), (2000.0, 0.215)]
    """
    groups: dict[tuple, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r.get("status") != "ok" or r.get(DEMAND_AXIS) is None or r.get(metric) is None:
            continue
        groups[setting_of(r)][float(r[DEMAND_AXIS])].append(float(r[metric]))
    curves = []
    for setting in sorted(groups, key=lambda s: [str(v) for _, v in s]):
        levels = groups[setting]
        pts = tuple(
            CurvePoint(x, len(v), float(np.mean(v)), float(np.min(v)), float(np.max(v)))
            for x, v in sorted(levels.items())
        )
        curves.append(Curve(setting, metric, pts))
    return curves


def knee(points: Sequence[CurvePoint], threshold: float) -> KneePoint:
    """The demand where the curve's mean first reaches ``threshold``.

    Examples
    --------
    >>> pts = [CurvePoint(2000, 1, 60, 60, 60), CurvePoint(4000, 1, 300, 300, 300),
    ...        CurvePoint(8000, 1, 900, 900, 900)]
    >>> knee(pts, 600).demand
    6000.0
    >>> knee(pts, 30).words(), knee(pts, 1000).words()
    ('≤ 2,000', 'not reached')
    """
    prev: CurvePoint | None = None
    for p in points:
        if p.mean >= threshold:
            if prev is None:
                return KneePoint(p.demand, at_or_below=True)
            frac = (threshold - prev.mean) / (p.mean - prev.mean)
            return KneePoint(prev.demand + frac * (p.demand - prev.demand))
        prev = p
    return KneePoint(None)
