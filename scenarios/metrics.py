"""What a replay measured: counts of decisions by status and reason, the delay distribution,
revocations and re-plans, airborne flights over time, corridor-edge use, and timing.

Everything here reads the replay's JSON pieces (decision entries and final states), so the
numbers are the same whether the replay ran in process or against a server. Wall-clock
numbers live under ``timing`` (the only part of a replay that is not deterministic).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

FLYING_STATES = frozenset({"accepted", "activated", "ended", "nonconforming", "contingent"})
"""Final states of flights that were (or will be) flown."""


def delay_distribution(delays_s: Iterable[float]) -> dict[str, float | int]:
    """Mean, median, 95th percentile and maximum of assigned departure delays (seconds).

    Examples
    --------
    >>> delay_distribution([0, 0, 10, 30])["p50"]
    5.0
    """
    d = np.asarray([float(x) for x in delays_s], dtype=np.float64)
    if d.size == 0:
        return {"count": 0, "mean": 0.0, "p50": 0.0, "p95": 0.0, "max": 0.0, "delayed": 0}
    return {
        "count": int(d.size),
        "mean": round(float(d.mean()), 3),
        "p50": round(float(np.percentile(d, 50)), 3),
        "p95": round(float(np.percentile(d, 95)), 3),
        "max": round(float(d.max()), 3),
        "delayed": int(np.count_nonzero(d > 0)),
    }


def final_decisions(decisions: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The latest decision entry carrying a plan (trajectory or area) for every flight."""
    out: dict[str, Mapping[str, Any]] = {}
    for d in decisions:
        if "flight" in d and d.get("status") in ("approved", "pending"):
            out[str(d["flight"])] = d
    return out


def flight_interval(d: Mapping[str, Any]) -> tuple[float, float] | None:
    """Departure and arrival second of a decision (route trajectory or area window)."""
    traj = d.get("trajectory")
    if traj:
        return float(traj[0][3]), float(traj[-1][3])
    if d.get("area") is not None:
        return float(d["start"]), float(d["end"])
    return None


def airborne_counts(
    decisions: Sequence[Mapping[str, Any]], final: Mapping[str, str], step_s: float = 60.0
) -> tuple[np.ndarray, np.ndarray]:
    """Number of flights airborne (route flights and area operations) at every ``step_s``.

    Returns the sample instants and the counts; a flight counts on ``[departure, arrival)``.
    """
    spans = []
    for fid, d in final_decisions(decisions).items():
        if final.get(fid) in FLYING_STATES:
            iv = flight_interval(d)
            if iv is not None:
                spans.append(iv)
    if not spans:
        return np.zeros(1), np.zeros(1, dtype=np.int64)
    s = np.asarray(spans)
    t = np.arange(0.0, float(s[:, 1].max()) + step_s, step_s)
    starts = np.sort(s[:, 0])
    ends = np.sort(s[:, 1])
    counts = np.searchsorted(starts, t, side="right") - np.searchsorted(ends, t, side="right")
    return t, counts.astype(np.int64)


def edge_utilisation(
    decisions: Sequence[Mapping[str, Any]], final: Mapping[str, str]
) -> Counter[str]:
    """How many flown flights use each corridor (from the decisions' ``route.edges``)."""
    use: Counter[str] = Counter()
    for fid, d in final_decisions(decisions).items():
        if final.get(fid) not in FLYING_STATES:
            continue
        route = d.get("route") or {}
        for e in route.get("edges") or route.get("corridors") or []:
            use[str(e)] += 1
    return use


def _reason_counts(entries: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    c: Counter[str] = Counter()
    for d in entries:
        codes = {str(r.get("code")) for r in d.get("reasons") or []}
        for code in codes or {"UNSPECIFIED"}:
            c[code] += 1
    return dict(sorted(c.items()))


def replay_metrics(
    decisions: Sequence[Mapping[str, Any]],
    final: Mapping[str, str],
    *,
    requests: int,
    safety: Mapping[str, Any] | None = None,
    wall_s: float | None = None,
    errors: int = 0,
) -> dict[str, Any]:
    """The ``metrics`` object of a replay.

    Parameters
    ----------
    decisions : sequence of dict
        The replay's decision entries (``kind`` ``request``, ``review``, ``replanned``,
        ``revoked``, ``approved``).
    final : mapping
        Flight id -> final state.
    requests : int
        Number of request events replayed.
    safety : dict, optional
        The final safety check (:meth:`SafetyReport.to_json`).
    wall_s : float, optional
        Wall time of the replay; gives ``timing.decisions_per_s``.
    errors : int
        Events the backend refused (unknown flight, ...).
    """
    first = [d for d in decisions if d.get("kind") == "request"]
    by_status = Counter(str(d.get("status")) for d in first)
    approved = [d for d in first if d.get("status") == "approved"]
    kinds = Counter(str(d.get("kind")) for d in decisions)
    t, airborne = airborne_counts(decisions, final)
    peak = int(airborne.max()) if airborne.size else 0
    out: dict[str, Any] = {
        "requests": int(requests),
        "approved": by_status.get("approved", 0),
        "pending": by_status.get("pending", 0),
        "rejected": by_status.get("rejected", 0),
        "rejected_by_reason": _reason_counts(d for d in first if d.get("status") == "rejected"),
        "pending_by_reason": _reason_counts(d for d in first if d.get("status") == "pending"),
        "delay_s": delay_distribution(d.get("delay_s") or 0.0 for d in approved),
        "revocations": kinds.get("revoked", 0),
        "replans": kinds.get("replanned", 0),
        "reviews": kinds.get("review", 0),
        "final_states": dict(sorted(Counter(final.values()).items())),
        "peak_airborne": peak,
        "peak_airborne_at": float(t[int(np.argmax(airborne))]) if airborne.size and peak else None,
        "event_errors": int(errors),
    }
    if safety is not None:
        out["safety"] = dict(safety)
    n_decisions = len(first) + kinds.get("review", 0)
    timing: dict[str, Any] = {"decisions": n_decisions}
    if wall_s is not None:
        timing["wall_s"] = round(float(wall_s), 3)
        timing["decisions_per_s"] = round(n_decisions / wall_s, 1) if wall_s > 0 else None
    out["timing"] = timing
    return out
