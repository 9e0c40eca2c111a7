"""Replay metrics from decision entries."""

from __future__ import annotations

from scenarios.metrics import airborne_counts, delay_distribution, edge_utilisation, replay_metrics


def _d(fid, status, kind="request", delay=0.0, dep=0.0, arr=100.0, reasons=(), edges=None):
    d = {
        "flight": fid,
        "status": status,
        "kind": kind,
        "delay_s": delay,
        "reasons": [{"code": c} for c in reasons],
    }
    if status in ("approved", "pending"):
        d["trajectory"] = [[120.0, 36.0, 0.0, dep], [120.1, 36.0, 0.0, arr]]
    if edges:
        d["route"] = {"edges": edges}
    return d


def test_delay_distribution():
    dist = delay_distribution([0, 0, 0, 100])
    assert dist == {"count": 4, "mean": 25.0, "p50": 0.0, "p95": 85.0, "max": 100.0, "delayed": 1}
    assert delay_distribution([])["count"] == 0


def test_metrics_count_statuses_reasons_changes_and_airborne():
    decisions = [
        _d("A", "approved", delay=0.0, dep=0, arr=600, edges=["C1", "C2"]),
        _d("B", "approved", delay=60.0, dep=60, arr=660, edges=["C1"]),
        _d("C", "rejected", reasons=["ZONE_PROHIBITED", "CONFLICT"]),
        _d("D", "pending", reasons=["ZONE_REQ_AUTHORISATION"], dep=1000, arr=1200),
        _d("B", "approved", kind="replanned", delay=300.0, dep=300, arr=900, edges=["C3"]),
        _d("D", "approved", kind="review", dep=1000, arr=1200),
        _d("A", "rejected", kind="revoked", reasons=["OUTRANKED"]),
    ]
    final = {"A": "revoked", "B": "accepted", "C": "rejected", "D": "accepted"}
    m = replay_metrics(decisions, final, requests=4, wall_s=2.0)
    assert (m["approved"], m["pending"], m["rejected"]) == (2, 1, 1)
    assert m["rejected_by_reason"] == {"CONFLICT": 1, "ZONE_PROHIBITED": 1}
    assert m["pending_by_reason"] == {"ZONE_REQ_AUTHORISATION": 1}
    assert m["delay_s"]["max"] == 60.0 and m["delay_s"]["count"] == 2
    assert (m["revocations"], m["replans"], m["reviews"]) == (1, 1, 1)
    assert m["timing"] == {"decisions": 5, "wall_s": 2.0, "decisions_per_s": 2.5}
    t, n = airborne_counts(decisions, final, step_s=100)
    assert list(n[:13]) == [
        0,
        0,
        0,
        1,
        1,
        1,
        1,
        1,
        1,
        0,
        1,
        1,
        0,
    ]  # B replanned to 300-900, D 1000-1200
    assert m["peak_airborne"] == 1
    assert edge_utilisation(decisions, final) == {"C3": 1}
