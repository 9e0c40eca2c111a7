"""Benchmark of tactical conflict detection against a BlueSky-style N x N numpy detector.

Workload (metres, a local frame): a 30 x 30 km city; 97 % drones on layers of 30-120 m with
+-1.5 m of altitude noise, 0-25 m/s in every direction, a sixth of them climbing or
descending at 1-5 m/s, the rest with +-0.2 m/s of vertical noise; 1 % uncooperative drones at
any height up to 150 m; 2 % crewed aircraft (helicopters, light aircraft) at 150-600 m and
40-80 m/s. Separation 50 m / 20 m, look-ahead 60 s. A cycle moves every track 1 s ahead in a
straight line and runs :func:`planner.tactical.detect_pairs` (validation, grid, exact test,
sorting: all of it), single-threaded.

Reported, with compile time excluded: per-cycle wall and thread-CPU time (p50, p99, max) at
2,000 / 10,000 / 20,000 tracks, conflicts per cycle and grid entries per track; the baseline,
written the way BlueSky's ``StateBased.detect`` computes it (every pair as N x N numpy
matrices: closest approach, horizontal and vertical crossing times), on the same 2,000-track
cycles in the same process, the ratio of medians, and whether the two conflict sets are
identical on every compared cycle. The baseline takes the relative positions straight from
metres (BlueSky first computes bearings and distances from lat/lon on N x N matrices too), so
it is, if anything, faster than BlueSky's own.

Run ``python bench/tactical.py --json`` (about a minute) or ``--quick``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from planner.tactical import MAX_CELLS_PER_TRACK, cell_size_m, detect_pairs  # noqa: E402
from planner.tactical_kernels import BROAD_SLACK_M  # noqa: E402

CITY_M = 30_000.0
SEP_H_M = 50.0
SEP_V_M = 20.0
LOOKAHEAD_S = 60.0
LAYERS_M = np.array([30.0, 60.0, 80.0, 100.0, 120.0])


def make_traffic(rng: np.random.Generator, n: int) -> np.ndarray:
    """``(n, 6)`` states ``x, y, z, vx, vy, vz`` of the workload above."""
    kind = rng.random(n)
    x = rng.uniform(0, CITY_M, n)
    y = rng.uniform(0, CITY_M, n)
    z = rng.choice(LAYERS_M, n) + rng.normal(0, 1.5, n)
    speed = rng.uniform(0, 25, n)
    vz = np.where(rng.random(n) < 1 / 6, rng.uniform(1, 5, n) * rng.choice([-1, 1], n), 0.0)
    vz += rng.normal(0, 0.2, n)
    uncoop = (kind >= 0.97) & (kind < 0.98)
    z[uncoop] = rng.uniform(0, 150, uncoop.sum())
    crewed = kind >= 0.98
    z[crewed] = rng.uniform(150, 600, crewed.sum())
    speed[crewed] = rng.uniform(40, 80, crewed.sum())
    track = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([x, y, z, speed * np.sin(track), speed * np.cos(track), vz])


def bluesky_statebased(
    states: np.ndarray, rpz: float, hpz: float, dtlookahead: float
) -> np.ndarray:
    """Conflict matrix the way BlueSky's ``StateBased.detect`` computes it (N x N numpy).

    Positions are metres already, so ``dx, dy`` come from coordinate differences rather than
    from ``kwikqdrdist_matrix`` bearings; everything after follows BlueSky line by line.
    """
    n = len(states)
    eye = np.eye(n)
    x, y, alt = states[:, 0], states[:, 1], states[:, 2]
    gsu, gsv, vs = states[:, 3], states[:, 4], states[:, 5]
    dx = x.reshape((1, n)) - x.reshape((n, 1))  # [i, j]: j relative to i
    dy = y.reshape((1, n)) - y.reshape((n, 1))
    dist = np.sqrt(dx * dx + dy * dy) + 1e9 * eye

    du = gsu.reshape((1, n)) - gsu.reshape((n, 1))
    dv = gsv.reshape((1, n)) - gsv.reshape((n, 1))
    dv2 = du * du + dv * dv
    dv2 = np.where(np.abs(dv2) < 1e-6, 1e-6, dv2)
    vrel = np.sqrt(dv2)
    tcpa = -(du * dx + dv * dy) / dv2 + 1e9 * eye
    dcpa2 = np.abs(dist * dist - tcpa * tcpa * dv2)
    r2 = rpz * rpz
    swhorconf = dcpa2 < r2
    dxinhor = np.sqrt(np.maximum(0.0, r2 - dcpa2))
    dtinhor = dxinhor / vrel
    tinhor = np.where(swhorconf, tcpa - dtinhor, 1e8)
    touthor = np.where(swhorconf, tcpa + dtinhor, -1e8)

    dalt = alt.reshape((1, n)) - alt.reshape((n, 1)) + 1e9 * eye
    dvs = vs.reshape((1, n)) - vs.reshape((n, 1))
    dvs = np.where(np.abs(dvs) < 1e-6, 1e-6, dvs)
    tcrosshi = (dalt + hpz) / -dvs
    tcrosslo = (dalt - hpz) / -dvs
    tinver = np.minimum(tcrosshi, tcrosslo)
    toutver = np.maximum(tcrosshi, tcrosslo)

    tinconf = np.maximum(tinver, tinhor)
    toutconf = np.minimum(toutver, touthor)
    return np.array(
        swhorconf
        * (tinconf <= toutconf)
        * (toutconf > 0.0)
        * (tinconf < dtlookahead)
        * (1.0 - eye),
        dtype=np.bool_,
    )


def pair_set(matrix: np.ndarray) -> set[tuple[int, int]]:
    i, j = np.nonzero(matrix | matrix.T)
    keep = i < j
    return set(zip(i[keep].tolist(), j[keep].tolist(), strict=True))


def stats_ms(values_s: list[float]) -> dict:
    v = np.array(values_s) * 1e3
    return {
        "p50_ms": round(float(np.median(v)), 3),
        "p99_ms": round(float(np.quantile(v, 0.99)), 3),
        "max_ms": round(float(v.max()), 3),
        "mean_ms": round(float(v.mean()), 3),
    }


def run_cycles(states: np.ndarray, cycles: int) -> tuple[dict, list[set[tuple[int, int]]]]:
    """``cycles`` one-second cycles of detection; timings and each cycle's conflict set."""
    wall, cpu, found, counts = [], [], [], []
    for k in range(cycles):
        now = states.copy()
        now[:, :3] += states[:, 3:] * float(k)
        t0, c0 = time.perf_counter(), time.thread_time()
        pairs, _ = detect_pairs(now, sep_h_m=SEP_H_M, sep_v_m=SEP_V_M, lookahead_s=LOOKAHEAD_S)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        counts.append(len(pairs))
        found.append(set(map(tuple, pairs.tolist())))
    valid = np.ones(len(states), bool)
    cell_m = cell_size_m(states, valid, sep_h_m=SEP_H_M, lookahead_s=LOOKAHEAD_S)
    # cells each track covers, as the kernel computes them
    half = SEP_H_M / 2 + BROAD_SLACK_M
    ends = states[:, :2] + states[:, 3:5] * LOOKAHEAD_S
    lo = np.minimum(states[:, :2], ends) - half
    hi = np.maximum(states[:, :2], ends) + half
    origin = lo.min(axis=0)
    span = np.floor((hi - origin) / cell_m) - np.floor((lo - origin) / cell_m) + 1
    cells = span.prod(axis=1)
    entries = float(np.where(cells <= MAX_CELLS_PER_TRACK, cells, 0).mean())
    return {
        "tracks": len(states),
        "cycles": cycles,
        "wall": stats_ms(wall),
        "thread_cpu": stats_ms(cpu),
        "conflicts_per_cycle_median": int(np.median(counts)),
        "cell_m": round(cell_m, 1),
        "grid_entries_per_track": round(entries, 2),
        "tracks_checked_against_all": int((cells > MAX_CELLS_PER_TRACK).sum()),
    }, found


def baseline(states: np.ndarray, cycles: int, ours: list[set[tuple[int, int]]]) -> dict:
    wall, cpu, same, asymmetric = [], [], 0, 0
    for k in range(cycles):
        now = states.copy()
        now[:, :3] += states[:, 3:] * float(k)
        t0, c0 = time.perf_counter(), time.thread_time()
        matrix = bluesky_statebased(now, SEP_H_M, SEP_V_M, LOOKAHEAD_S)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
        asymmetric += int((matrix != matrix.T).sum() // 2)
        same += pair_set(matrix) == ours[k]
    return {
        "cycles": cycles,
        "wall": stats_ms(wall),
        "thread_cpu": stats_ms(cpu),
        "identical_conflict_sets": f"{same}/{cycles}",
        "asymmetric_pairs": asymmetric,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object (the only output)")
    ap.add_argument("--quick", action="store_true", help="fewer cycles (seconds)")
    ap.add_argument("--seed", type=int, default=20261129)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    cycles = {2000: 200, 10_000: 200, 20_000: 50} if not args.quick else {2000: 20, 10_000: 20}
    base_cycles = 10 if not args.quick else 3

    result: dict = {
        "benchmark": "planner.tactical.detect_pairs",
        "load_average_start": [round(v, 2) for v in os.getloadavg()],
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "threads": 1,
        },
        "workload": {
            "city_km": CITY_M / 1000,
            "separation_m": [SEP_H_M, SEP_V_M],
            "lookahead_s": LOOKAHEAD_S,
            "mix": "97% drones 0-25 m/s on 30-120 m layers, 1% uncooperative, 2% crewed 40-80 m/s",
        },
    }
    t0 = time.perf_counter()
    detect_pairs(make_traffic(rng, 100))
    result["first_call_s"] = round(time.perf_counter() - t0, 3)

    result["scales"] = {}
    found_2000: list[set[tuple[int, int]]] = []
    states_2000 = make_traffic(rng, 2000)
    for n, k in cycles.items():
        states = states_2000 if n == 2000 else make_traffic(rng, n)
        entry, found = run_cycles(states, k)
        result["scales"][str(n)] = entry
        if n == 2000:
            found_2000 = found

    base = baseline(states_2000, base_cycles, found_2000)
    ours_p50 = result["scales"]["2000"]["wall"]["p50_ms"]
    base["ratio_p50_wall"] = round(base["wall"]["p50_ms"] / ours_p50, 1)
    base["ratio_p50_thread_cpu"] = round(
        base["thread_cpu"]["p50_ms"] / result["scales"]["2000"]["thread_cpu"]["p50_ms"], 1
    )
    result["bluesky_style_baseline_2000"] = base
    top = result["scales"]["10000"]
    result["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    result["summary"] = {
        "p50_ms_10000": top["wall"]["p50_ms"],
        "p99_ms_10000": top["wall"]["p99_ms"],
        "ratio_vs_bluesky_2000_wall": base["ratio_p50_wall"],
        "ratio_vs_bluesky_2000_thread_cpu": base["ratio_p50_thread_cpu"],
        "identical_conflict_sets": base["identical_conflict_sets"],
        "targets_met": bool(
            top["wall"]["p99_ms"] <= 100.0
            and min(base["ratio_p50_wall"], base["ratio_p50_thread_cpu"]) >= 100.0
            and base["identical_conflict_sets"] == f"{base_cycles}/{base_cycles}"
        ),
    }
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
