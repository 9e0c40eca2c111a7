"""The final, independent safety check of a replay: are the accepted flights really separated
from each other and clear of active restrictions?

It deliberately shares nothing with the planner's kernels: plain numpy for pairwise closest
approach between linear 4D segments, shapely for polygons. It is exact (no time sampling): two
route segments conflict when, at one instant of their common time window, their vertical
distance is < S_v and their horizontal distance is < S_h (DESIGN.md); the set of instants where
the vertical distance is small is an interval, and the horizontal distance is minimised in
closed form over it. A broad phase (space-time grid cells) only chooses which pairs to look at;
every segment is first cut at grid time-bucket boundaries so no pair that can conflict is missed.

Positions come in as lon/lat and are projected with the deployment's projection.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
from shapely.geometry import Polygon

from airspace.deployment import Deployment
from airspace.projection import Projection
from scenarios.safety_volumes import (
    AreaVolume,
    Conflict,
    RouteVolume,
    SafetyReport,
    ZoneViolation,
    ZoneWindow,
)
from scenarios.safety_zones import zone_violations, zone_windows
from scenarios.segments import (
    ROUNDING_M,
    candidate_pairs,
    clip,
    closest_approach,
    segments,
    split_at_buckets,
    xy_geometry,
    z_window,
)

# --- route segments -------------------------------------------------------------------------


def _segment_near_area(
    seg: np.ndarray, area: AreaVolume, area_xy: Polygon, sep_h_m: float, sep_v_m: float
) -> tuple[float, float, float] | None:
    """First instant a segment comes within the minima of an area operation, if it does, with
    the horizontal distance and vertical gap to the area volume then."""
    t_from, t_to = max(seg[3], area.start_s), min(seg[7], area.end_s)
    if t_from > t_to:
        return None
    w = z_window(clip(seg, t_from, t_to), area.lower_m - sep_v_m, area.upper_m + sep_v_m)
    if w is None:
        return None
    piece = clip(seg, w[0], w[1])
    h = xy_geometry(piece).distance(area_xy)
    if h < sep_h_m:
        z_lo, z_hi = min(piece[2], piece[6]), max(piece[2], piece[6])
        return w[0], h, max(0.0, area.lower_m - z_hi, z_lo - area.upper_m)
    return None


# --- the check ------------------------------------------------------------------------------


def check_safety(
    routes: Sequence[RouteVolume],
    areas: Sequence[AreaVolume] = (),
    zones: Sequence[ZoneWindow] = (),
    *,
    deployment: Deployment,
    sep_h_m: float,
    sep_v_m: float,
    authorised: Collection[str] = (),
    cell_m: float = 1000.0,
    bucket_s: float = 60.0,
) -> SafetyReport:
    """Check accepted flights for losses of separation and zone violations.

    Parameters
    ----------
    routes, areas : sequences
        The accepted route flights and area operations.
    zones : sequence of ZoneWindow
        Restrictions with their active seconds (see :func:`zone_windows`). Entering an active
        ``PROHIBITED`` volume is a violation; entering a ``REQ_AUTHORISATION`` volume is one
        unless the flight is in ``authorised`` (approved by a regulator's review).
    deployment : Deployment
        Provides the metric projection.
    sep_h_m, sep_v_m : float
        Separation minima (strict: exactly ``sep_v_m`` apart is separated).
    cell_m, bucket_s : float
        Broad-phase grid; they change speed only, never the answer.

    Returns
    -------
    SafetyReport
    """
    if sep_h_m <= 0 or sep_v_m <= 0:
        raise ValueError("separation minima must be > 0")
    projection = Projection.for_deployment(deployment)
    cell_m = max(cell_m, 2.0 * sep_h_m)
    segs, owner, _ = segments(routes, projection)
    pieces, piece_owner = split_at_buckets(segs, owner, bucket_s) if len(segs) else (segs, owner)
    area_xy = [projection.geometry_to_xy(a.polygon) for a in areas]
    ids = [r.flight_id for r in routes] + [a.flight_id for a in areas]
    n_routes = len(routes)

    half = sep_h_m / 2.0
    boxes = np.empty((len(pieces) + len(areas), 8))
    if len(pieces):
        boxes[: len(pieces), 0] = np.minimum(pieces[:, 0], pieces[:, 4]) - half
        boxes[: len(pieces), 1] = np.maximum(pieces[:, 0], pieces[:, 4]) + half
        boxes[: len(pieces), 2] = np.minimum(pieces[:, 1], pieces[:, 5]) - half
        boxes[: len(pieces), 3] = np.maximum(pieces[:, 1], pieces[:, 5]) + half
        boxes[: len(pieces), 4] = pieces[:, 3]
        boxes[: len(pieces), 5] = pieces[:, 7]
        boxes[: len(pieces), 6] = np.minimum(pieces[:, 2], pieces[:, 6])
        boxes[: len(pieces), 7] = np.maximum(pieces[:, 2], pieces[:, 6])
    for k, (a, g) in enumerate(zip(areas, area_xy, strict=True)):
        x0, y0, x1, y1 = g.bounds
        boxes[len(pieces) + k] = [
            x0 - half,
            x1 + half,
            y0 - half,
            y1 + half,
            a.start_s,
            a.end_s,
            a.lower_m,
            a.upper_m,
        ]
    elem_owner = np.concatenate([piece_owner, n_routes + np.arange(len(areas), dtype=np.int64)])

    pairs = candidate_pairs(boxes[:, :6], cell_m, bucket_s)
    if len(pairs):
        ia, ja = pairs[:, 0], pairs[:, 1]
        keep = elem_owner[ia] != elem_owner[ja]
        keep &= (boxes[ia, 0] < boxes[ja, 1]) & (boxes[ja, 0] < boxes[ia, 1])
        keep &= (boxes[ia, 2] < boxes[ja, 3]) & (boxes[ja, 2] < boxes[ia, 3])
        keep &= (boxes[ia, 4] <= boxes[ja, 5]) & (boxes[ja, 4] <= boxes[ia, 5])
        keep &= (boxes[ia, 6] - boxes[ja, 7] < sep_v_m) & (boxes[ja, 6] - boxes[ia, 7] < sep_v_m)
        pairs = pairs[keep]
    n_pieces = len(pieces)
    found: dict[tuple[int, int], tuple[float, float, float]] = {}

    def note(fa: int, fb: int, t: float, h: float, v: float) -> None:
        key = (min(fa, fb), max(fa, fb))
        if key not in found or t < found[key][0]:
            found[key] = (t, h, v)

    rr = pairs[(pairs[:, 0] < n_pieces) & (pairs[:, 1] < n_pieces)] if len(pairs) else pairs
    if len(rr):
        c, t, h, v = closest_approach(pieces[rr[:, 0]], pieces[rr[:, 1]], sep_h_m, sep_v_m)
        for k in np.flatnonzero(c).tolist():
            note(
                int(elem_owner[rr[k, 0]]),
                int(elem_owner[rr[k, 1]]),
                float(t[k]),
                float(h[k]),
                float(v[k]),
            )
    mixed = pairs[(pairs[:, 0] >= n_pieces) | (pairs[:, 1] >= n_pieces)] if len(pairs) else pairs
    for i, j in mixed.tolist():
        if i >= n_pieces and j >= n_pieces:
            a, b = areas[i - n_pieces], areas[j - n_pieces]
            ga, gb = area_xy[i - n_pieces], area_xy[j - n_pieces]
            t_lo, t_hi = max(a.start_s, b.start_s), min(a.end_s, b.end_s)
            gap_v = max(0.0, b.lower_m - a.upper_m, a.lower_m - b.upper_m)
            if t_lo <= t_hi and gap_v < sep_v_m - ROUNDING_M:
                d = ga.distance(gb)
                if d < sep_h_m - ROUNDING_M:
                    note(int(elem_owner[i]), int(elem_owner[j]), t_lo, d, gap_v)
        else:
            s_idx, a_idx = (i, j - n_pieces) if i < n_pieces else (j, i - n_pieces)
            a = areas[a_idx]
            hit = _segment_near_area(
                pieces[s_idx], a, area_xy[a_idx], sep_h_m - ROUNDING_M, sep_v_m - ROUNDING_M
            )
            if hit is not None:
                note(int(elem_owner[s_idx]), n_routes + a_idx, *hit)

    spans = [(float(r.trajectory[0, 3]), float(r.trajectory[-1, 3])) for r in routes]
    spans += [(a.start_s, a.end_s) for a in areas]

    def instant(a: int, b: int) -> bool:
        return min(spans[a][1], spans[b][1]) == max(spans[a][0], spans[b][0])

    conflicts = [
        Conflict(ids[a], ids[b], t, h, v, instant(a, b))
        for (a, b), (t, h, v) in sorted(found.items(), key=lambda kv: (kv[1][0], kv[0]))
    ]
    violations = zone_violations(
        segs, owner, ids, areas, area_xy, zones, projection, set(authorised)
    )
    return SafetyReport(
        flights=len(ids), pairs_checked=len(pairs), conflicts=conflicts, violations=violations
    )


__all__ = [
    "AreaVolume",
    "Conflict",
    "RouteVolume",
    "SafetyReport",
    "ZoneViolation",
    "ZoneWindow",
    "check_safety",
    "closest_approach",
    "zone_windows",
]
