"""Benchmark: geo-awareness queries over 5,000 zones around Qingdao.

Ours: :class:`airspace.geoawareness.ZoneIndex` (STRtree broad phase, exact narrow phase).
Baseline: shapely on every zone volume without an index (points: ``intersects_xy`` over all
polygons at once; routes: every segment against every polygon, then the same exact
segment/band/schedule arithmetic written out plainly in Python).

Agreement: both must report the same (zone, volume) hits for every query; for routes the
entry/exit times must agree to 1 ms.

Usage: ``python bench/geoawareness.py [--zones 5000] [--points 500] [--routes 200] [--seed 1]``
Prints one JSON document: median and p99 latency per query in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import shapely
from shapely.affinity import rotate
from shapely.geometry import Polygon, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airspace.deployment import QINGDAO  # noqa: E402
from airspace.geoawareness import ZoneIndex  # noqa: E402
from airspace.projection import Projection  # noqa: E402
from airspace.schedule import active_intervals  # noqa: E402
from airspace.zones import Applicability, Restriction, Zone, ZoneVolume  # noqa: E402

EPOCH = datetime(2026, 12, 1, 8, tzinfo=QINGDAO.tz)
HALF_SPAN_M = 20_000.0
DAY_S = 12 * 3600.0


def make_zones(
    n: int, rng: np.random.Generator, proj: Projection, x0: float, y0: float
) -> list[Zone]:
    zones = []
    for i in range(n):
        volumes = []
        cx, cy = np.array([x0, y0]) + rng.uniform(-HALF_SPAN_M, HALF_SPAN_M, 2)
        for k in range(int(rng.integers(1, 3))):
            if rng.random() < 0.5:
                m = int(rng.integers(5, 16))
                a = np.sort(rng.uniform(0, 2 * math.pi, m))
                r = rng.uniform(100.0, 800.0, m)
                poly = Polygon(np.column_stack([cx + r * np.cos(a), cy + r * np.sin(a)]))
            else:
                w, h = rng.uniform(100.0, 800.0, 2)
                poly = rotate(box(cx - w, cy - h, cx + w, cy + h), rng.uniform(0, 90))
            if not poly.is_valid or poly.area <= 0:
                continue
            lower = 40.0 * k
            volumes.append(
                ZoneVolume(proj.geometry_to_lonlat(poly), lower, lower + rng.uniform(20, 120))
            )
        applicability: tuple[Applicability, ...] = ()
        if rng.random() < 0.5:
            s = rng.uniform(0, DAY_S)
            applicability = (
                Applicability(
                    permanent=False,
                    start=EPOCH + timedelta(seconds=s),
                    end=EPOCH + timedelta(seconds=s + rng.uniform(600, 7200)),
                ),
            )
        if volumes:
            zones.append(
                Zone(
                    f"Z{i:05d}", Restriction.PROHIBITED, tuple(volumes), applicability=applicability
                )
            )
    return zones


class BruteForce:
    """Every volume, no index."""

    def __init__(self, zones: list[Zone], proj: Projection):
        self.proj = proj
        self.items = [
            (zi, vi, proj.geometry_to_xy(v.polygon), *v.band_agl_m(QINGDAO))
            for zi, z in enumerate(zones)
            for vi, v in enumerate(z.volumes)
        ]
        self.zones = zones
        self.polys = np.array([it[2] for it in self.items], dtype=object)
        self.lo = np.array([it[3] for it in self.items])
        self.hi = np.array([it[4] for it in self.items])

    def at_point(self, lon: float, lat: float, alt: float, at: datetime) -> set[tuple[int, int]]:
        x, y = self.proj.to_xy([lon], [lat])
        inside = shapely.intersects_xy(self.polys, x[0], y[0]) & (self.lo <= alt) & (alt <= self.hi)
        out = set()
        for i in np.flatnonzero(inside):
            zi, vi = self.items[i][:2]
            if active_intervals(self.zones[zi], at, at + timedelta(microseconds=1), QINGDAO.tz):
                out.add((zi, vi))
        return out

    def along_route(self, rows: np.ndarray) -> dict[tuple[int, int], tuple[float, float]]:
        """(zone, volume) -> (first, last) second inside while active."""
        x, y = self.proj.to_xy(rows[:, 0], rows[:, 1])
        z, t = rows[:, 2], rows[:, 3]
        found: dict[tuple[int, int], list[float]] = {}
        for k in range(len(rows) - 1):
            seg = shapely.linestrings([[x[k], y[k]], [x[k + 1], y[k + 1]]])
            pieces = shapely.intersection(seg, self.polys)
            for i in np.flatnonzero(~shapely.is_empty(pieces)):
                zi, vi, _, lo, hi = self.items[i]
                dx, dy = x[k + 1] - x[k], y[k + 1] - y[k]
                for part in shapely.get_parts(pieces[i]):
                    c = shapely.get_coordinates(part)
                    s = ((c[:, 0] - x[k]) * dx + (c[:, 1] - y[k]) * dy) / (dx * dx + dy * dy)
                    s0, s1 = float(np.clip(s.min(), 0, 1)), float(np.clip(s.max(), 0, 1))
                    dz = z[k + 1] - z[k]
                    if dz == 0:
                        if not lo <= z[k] <= hi:
                            continue
                    else:
                        a, b = sorted(((lo - z[k]) / dz, (hi - z[k]) / dz))
                        s0, s1 = max(s0, a), min(s1, b)
                    if s0 > s1:
                        continue
                    t0, t1 = t[k] + s0 * (t[k + 1] - t[k]), t[k] + s1 * (t[k + 1] - t[k])
                    for a_dt, b_dt in active_intervals(
                        self.zones[zi],
                        EPOCH + timedelta(seconds=t0),
                        EPOCH + timedelta(seconds=t1 + 1e-6),
                        QINGDAO.tz,
                    ):
                        lo_s = max(t0, (a_dt - EPOCH).total_seconds())
                        hi_s = min(t1, (b_dt - EPOCH).total_seconds())
                        if lo_s <= hi_s:
                            found.setdefault((zi, vi), []).extend([lo_s, hi_s])
        return {key: (min(v), max(v)) for key, v in found.items()}


def stats_ms(samples: list[float]) -> dict[str, float]:
    a = np.asarray(samples) * 1e3
    return {
        "median_ms": round(float(np.median(a)), 4),
        "p99_ms": round(float(np.percentile(a, 99)), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zones", type=int, default=5000)
    ap.add_argument("--points", type=int, default=500)
    ap.add_argument("--routes", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    proj = Projection.for_deployment(QINGDAO)
    (x0,), (y0,) = proj.to_xy([QINGDAO.centre_lon], [QINGDAO.centre_lat])
    zones = make_zones(args.zones, rng, proj, x0, y0)

    t = time.perf_counter()
    index = ZoneIndex(zones, QINGDAO)
    build_s = time.perf_counter() - t
    brute = BruteForce(zones, proj)

    ours_pt, base_pt, point_hits, mismatches = [], [], 0, 0
    for _ in range(args.points):
        px, py = np.array([x0, y0]) + rng.uniform(-HALF_SPAN_M, HALF_SPAN_M, 2)
        (lon,), (lat,) = proj.to_lonlat([px], [py])
        alt = float(rng.uniform(0, 150))
        at = EPOCH + timedelta(seconds=float(rng.uniform(0, DAY_S)))
        t = time.perf_counter()
        hits = index.at_point(lon, lat, alt, at)
        ours_pt.append(time.perf_counter() - t)
        t = time.perf_counter()
        want = brute.at_point(lon, lat, alt, at)
        base_pt.append(time.perf_counter() - t)
        got = {(index.zones.index(h.zone), h.volume_index) for h in hits}
        point_hits += len(got)
        mismatches += got != want

    ours_rt, base_rt, route_hits = [], [], 0
    for _ in range(args.routes):
        n = 5
        start = np.array([x0, y0]) + rng.uniform(-HALF_SPAN_M, HALF_SPAN_M, 2)
        steps = rng.normal(0, 1500.0, (n - 1, 2))
        xy = np.vstack([start, start + np.cumsum(steps, axis=0)])
        lon, lat = proj.to_lonlat(xy[:, 0], xy[:, 1])
        alt = np.concatenate([[0.0], rng.uniform(20, 140, n - 2), [0.0]])
        t_s = float(rng.uniform(0, DAY_S)) + np.concatenate(
            [[0.0], np.cumsum(rng.uniform(60, 300, n - 1))]
        )
        rows = np.column_stack([lon, lat, alt, t_s])
        t = time.perf_counter()
        hits = index.along_route(rows, EPOCH)
        ours_rt.append(time.perf_counter() - t)
        t = time.perf_counter()
        want = brute.along_route(rows)
        base_rt.append(time.perf_counter() - t)
        got = {
            (index.zones.index(h.zone), h.volume_index): (
                (h.intervals[0][0] - EPOCH).total_seconds(),
                (h.intervals[-1][1] - EPOCH).total_seconds(),
            )
            for h in hits
        }
        route_hits += len(got)
        same = got.keys() == want.keys() and all(
            abs(got[k][0] - want[k][0]) < 1e-3 and abs(got[k][1] - want[k][1]) < 1e-3 for k in got
        )
        mismatches += not same

    print(
        json.dumps(
            {
                "benchmark": "geoawareness",
                "zones": len(zones),
                "volumes": len(index.volumes),
                "index_build_s": round(build_s, 3),
                "points": {
                    "n": args.points,
                    "hits": point_hits,
                    "ours": stats_ms(ours_pt),
                    "brute_force": stats_ms(base_pt),
                },
                "routes": {
                    "n": args.routes,
                    "hits": route_hits,
                    "ours": stats_ms(ours_rt),
                    "brute_force": stats_ms(base_rt),
                },
                "mismatches": int(mismatches),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
