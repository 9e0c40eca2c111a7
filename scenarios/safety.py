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

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

from airspace.deployment import Deployment
from airspace.projection import Projection
from airspace.schedule import active_intervals
from airspace.zones import Restriction, Zone

ROUNDING_M = 1e-6
"""Floating-point allowance on the separation minima (a micrometre)."""


@dataclass(frozen=True)
class RouteVolume:
    """An accepted route flight: rows ``[lon, lat, altitude_m AGL, t_s]``, linear between rows."""

    flight_id: str
    trajectory: np.ndarray


@dataclass(frozen=True)
class AreaVolume:
    """An accepted area operation: polygon (lon/lat) x ``[lower_m, upper_m]`` x ``[start_s, end_s]``."""

    flight_id: str
    polygon: Polygon
    lower_m: float
    upper_m: float
    start_s: float
    end_s: float


@dataclass(frozen=True)
class ZoneWindow:
    """A restriction volume and the scenario seconds during which it applies."""

    zone_id: str
    restriction: Restriction
    polygon: Polygon
    lower_m: float
    upper_m: float
    intervals: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Conflict:
    """Two accepted flights closer than the separation minima at ``t_s``."""

    flight_a: str
    flight_b: str
    t_s: float
    horizontal_m: float
    vertical_m: float
    instant: bool = False
    """The two flights share only one instant (one ends exactly when the other starts)."""

    def to_json(self) -> dict[str, Any]:
        """The conflict as plain data."""
        out: dict[str, Any] = {
            "flights": [self.flight_a, self.flight_b],
            "t": round(self.t_s, 3),
            "horizontal_m": round(self.horizontal_m, 3),
            "vertical_m": round(self.vertical_m, 3),
        }
        if self.instant:
            out["instant"] = True
        return out


@dataclass(frozen=True)
class ZoneViolation:
    """An accepted flight inside an active restriction it was not authorised for."""

    flight_id: str
    zone_id: str
    restriction: str
    t_s: float

    def to_json(self) -> dict[str, Any]:
        """The violation as plain data."""
        return {
            "flight": self.flight_id,
            "zone": self.zone_id,
            "restriction": self.restriction,
            "t": round(self.t_s, 3),
        }


@dataclass
class SafetyReport:
    """Result of :func:`check_safety`; ``ok`` is what the replay's exit status follows."""

    flights: int
    pairs_checked: int
    conflicts: list[Conflict] = field(default_factory=list)
    violations: list[ZoneViolation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No conflict and no zone violation."""
        return not self.conflicts and not self.violations

    def to_json(self) -> dict[str, Any]:
        """The report as plain data."""
        return {
            "ok": self.ok,
            "flights": self.flights,
            "pairs_checked": self.pairs_checked,
            "conflicts": len(self.conflicts),
            "conflicts_at_one_instant": sum(c.instant for c in self.conflicts),
            "zone_violations": len(self.violations),
            "conflict_details": [c.to_json() for c in self.conflicts[:50]],
            "violation_details": [v.to_json() for v in self.violations[:50]],
        }


def zone_windows(
    zones: Iterable[Zone],
    *,
    start: datetime,
    horizon_s: float,
    deployment: Deployment,
    published_s: dict[str, float] | None = None,
    withdrawn_s: dict[str, float] | None = None,
) -> list[ZoneWindow]:
    """The restriction volumes of ``zones`` with their active seconds in ``[0, horizon_s]``.

    Parameters
    ----------
    zones : iterable of Zone
    start : datetime
        The scenario start (t = 0).
    horizon_s : float
        End of the window to evaluate schedules in.
    deployment : Deployment
        For AMSL/WGS84 to AGL conversion and the schedule time zone.
    published_s, withdrawn_s : dict, optional
        Zone id -> second it was published / withdrawn; the zone only counts in between.
    """
    out: list[ZoneWindow] = []
    end = start + timedelta(seconds=horizon_s)
    for z in zones:
        if z.restriction not in (Restriction.PROHIBITED, Restriction.REQ_AUTHORISATION):
            continue
        lo_s = (published_s or {}).get(z.identifier, 0.0)
        hi_s = (withdrawn_s or {}).get(z.identifier, horizon_s)
        ivs = []
        for a, b in active_intervals(z, start, end, deployment.tz):
            a_s = max((a - start).total_seconds(), lo_s)
            b_s = min((b - start).total_seconds(), hi_s)
            if a_s < b_s:
                ivs.append((a_s, b_s))
        if not ivs:
            continue
        for v in z.volumes:
            lower, upper = v.band_agl_m(deployment)
            out.append(ZoneWindow(z.identifier, z.restriction, v.polygon, lower, upper, tuple(ivs)))
    return out


# --- route segments -------------------------------------------------------------------------


def _segments(
    routes: Sequence[RouteVolume], projection: Projection
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All segments as ``(n, 8)`` rows ``x0 y0 z0 t0 x1 y1 z1 t1`` in metres, their flight
    index and their position in the flight."""
    if not routes:
        return np.empty((0, 8)), np.empty(0, np.int64), np.empty(0, np.int64)
    rows = [np.asarray(r.trajectory, dtype=np.float64).reshape(-1, 4) for r in routes]
    pts = np.concatenate(rows)
    x, y = projection.to_xy(pts[:, 0], pts[:, 1])
    xyzt = np.column_stack([x, y, pts[:, 2], pts[:, 3]])
    segs, owner, order = [], [], []
    at = 0
    for i, r in enumerate(rows):
        n = len(r)
        if n >= 2:
            p = xyzt[at : at + n]
            segs.append(np.hstack([p[:-1], p[1:]]))
            owner.append(np.full(n - 1, i, np.int64))
            order.append(np.arange(n - 1))
        elif n == 1:
            segs.append(np.hstack([xyzt[at : at + 1], xyzt[at : at + 1]]))
            owner.append(np.array([i], np.int64))
            order.append(np.zeros(1, np.int64))
        at += n
    return np.concatenate(segs), np.concatenate(owner), np.concatenate(order)


def _split_at_buckets(
    segs: np.ndarray, owner: np.ndarray, bucket_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Cut segments at multiples of ``bucket_s`` (exact linear interpolation)."""
    t0, t1 = segs[:, 3], segs[:, 7]
    k0 = np.floor(t0 / bucket_s)
    k1 = np.ceil(t1 / bucket_s)
    pieces = np.maximum(k1 - k0, 1).astype(np.int64)
    idx = np.repeat(np.arange(len(segs)), pieces)
    j = np.arange(len(idx)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    s = segs[idx]
    ta = np.maximum(s[:, 3], (k0[idx] + j) * bucket_s)
    tb = np.minimum(s[:, 7], (k0[idx] + j + 1) * bucket_s)
    dur = s[:, 7] - s[:, 3]
    with np.errstate(invalid="ignore", divide="ignore"):
        fa = np.where(dur > 0, (ta - s[:, 3]) / dur, 0.0)
        fb = np.where(dur > 0, (tb - s[:, 3]) / dur, 1.0)
    p0, p1 = s[:, 0:3], s[:, 4:7]
    a = p0 + fa[:, None] * (p1 - p0)
    b = p0 + fb[:, None] * (p1 - p0)
    out = np.column_stack([a, np.where(dur > 0, ta, s[:, 3]), b, np.where(dur > 0, tb, s[:, 7])])
    return out, owner[idx]


def _candidate_pairs(boxes: np.ndarray, cell_m: float, bucket_s: float) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of boxes ``xmin xmax ymin ymax tmin tmax`` sharing a grid
    cell and a time bucket (boxes must already be grown by half the horizontal minimum)."""
    n = len(boxes)
    if n < 2:
        return np.empty((0, 2), np.int64)
    gx0 = np.floor(boxes[:, 0] / cell_m).astype(np.int64)
    gx1 = np.floor(boxes[:, 1] / cell_m).astype(np.int64)
    gy0 = np.floor(boxes[:, 2] / cell_m).astype(np.int64)
    gy1 = np.floor(boxes[:, 3] / cell_m).astype(np.int64)
    b0 = np.floor(boxes[:, 4] / bucket_s).astype(np.int64)
    b1 = np.floor(boxes[:, 5] / bucket_s).astype(np.int64)
    nx, ny, nb = gx1 - gx0 + 1, gy1 - gy0 + 1, b1 - b0 + 1
    counts = nx * ny * nb
    elem = np.repeat(np.arange(n), counts)
    k = np.arange(len(elem)) - np.repeat(np.cumsum(counts) - counts, counts)
    nxe, nye = nx[elem], ny[elem]
    ix = gx0[elem] + k % nxe - gx0.min()
    iy = gy0[elem] + (k // nxe) % nye - gy0.min()
    ib = b0[elem] + k // (nxe * nye) - b0.min()
    span_x = int(ix.max()) + 1
    span_y = int(iy.max()) + 1
    key = (ib * span_y + iy) * span_x + ix
    order = np.lexsort((elem, key))
    key, elem = key[order], elem[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    sizes = np.diff(np.r_[starts, len(key)])
    grp_end = np.repeat(starts + sizes, sizes)
    cnt = grp_end - np.arange(len(key)) - 1
    a = np.repeat(np.arange(len(key)), cnt)
    off = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt) + 1
    i, j = elem[a], elem[a + off]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    pair_key = np.unique(lo * n + hi)
    return np.column_stack([pair_key // n, pair_key % n])


def closest_approach(
    a: np.ndarray, b: np.ndarray, sep_h_m: float, sep_v_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exact conflict test for pairs of linear 4D segments.

    Parameters
    ----------
    a, b : ndarray, shape (n, 8)
        Segment rows ``x0 y0 z0 t0 x1 y1 z1 t1`` (metres, seconds).
    sep_h_m, sep_v_m : float
        Separation minima; a conflict needs horizontal < ``sep_h_m`` and vertical < ``sep_v_m``
        at the same instant (less :data:`ROUNDING_M`).

    Returns
    -------
    conflict : ndarray of bool
    t_s : ndarray
        The instant of closest horizontal approach while vertically too close (NaN if never).
    horizontal_m, vertical_m : ndarray
        Distances at that instant.

    Examples
    --------
    >>> a = np.array([[0, 0, 50, 0, 1000, 0, 50, 100.0]])
    >>> b = np.array([[1000, 30, 60, 0, 0, 30, 60, 100.0]])
    >>> c, t, h, v = closest_approach(a, b, 50.0, 20.0)
    >>> bool(c[0]), float(t[0]), float(h[0]), float(v[0])
    (True, 50.0, 30.0, 10.0)
    """
    # Distances within ROUNDING_M of a minimum count as separated: the minima are strict, and
    # a plan that exactly touches them must not fail on floating-point noise.
    sep_h_m = sep_h_m - ROUNDING_M
    sep_v_m = sep_v_m - ROUNDING_M
    lo = np.maximum(a[:, 3], b[:, 3])
    hi = np.minimum(a[:, 7], b[:, 7])

    def state(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dur = s[:, 7] - s[:, 3]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            vel = np.where(dur[:, None] > 0, (s[:, 4:7] - s[:, 0:3]) / dur[:, None], 0.0)
        pos_lo = s[:, 0:3] + vel * (lo - s[:, 3])[:, None]
        return pos_lo, vel

    pa, va = state(a)
    pb, vb = state(b)
    d0 = pa - pb
    v = va - vb
    span = hi - lo
    dz0, vz = d0[:, 2], v[:, 2]
    # Instants (relative to lo) where |dz| < sep_v: an open interval (or everything / nothing).
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        r1 = (-sep_v_m - dz0) / vz
        r2 = (sep_v_m - dz0) / vz
    moving = vz != 0
    zlo = np.where(moving, np.minimum(r1, r2), np.where(np.abs(dz0) < sep_v_m, -np.inf, np.inf))
    zhi = np.where(moving, np.maximum(r1, r2), np.where(np.abs(dz0) < sep_v_m, np.inf, -np.inf))
    ta = np.maximum(zlo, 0.0)
    tb = np.minimum(zhi, span)
    with np.errstate(invalid="ignore"):
        feasible = (span >= 0) & ((tb > ta) | ((tb == ta) & (np.abs(dz0 + vz * ta) < sep_v_m)))
    dxy0, vxy = d0[:, :2], v[:, :2]
    vv = np.einsum("ij,ij->i", vxy, vxy)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.where(vv > 0, -np.einsum("ij,ij->i", dxy0, vxy) / vv, 0.0)
    tau = np.clip(tau, ta, np.where(tb >= ta, tb, ta))
    tau = np.where(feasible, tau, 0.0)
    dxy = dxy0 + vxy * tau[:, None]
    h = np.hypot(dxy[:, 0], dxy[:, 1])
    vz_at = np.abs(dz0 + vz * tau)
    conflict = feasible & (h < sep_h_m)
    t = np.where(feasible, lo + tau, np.nan)
    return conflict, t, h, vz_at


# --- areas ----------------------------------------------------------------------------------


def _clip(seg: np.ndarray, t_from: float, t_to: float) -> np.ndarray:
    """The part of a linear segment between two instants inside its time window."""
    dur = seg[7] - seg[3]
    if dur <= 0:
        return seg.copy()

    def at(t: float) -> np.ndarray:
        return seg[0:3] + (t - seg[3]) / dur * (seg[4:7] - seg[0:3])

    return np.concatenate([at(t_from), [t_from], at(t_to), [t_to]])


def _xy_geometry(seg: np.ndarray) -> Point | LineString:
    if seg[0] == seg[4] and seg[1] == seg[5]:
        return Point(seg[0], seg[1])
    return LineString([seg[0:2], seg[4:6]])


def _z_window(seg: np.ndarray, z_lo: float, z_hi: float) -> tuple[float, float] | None:
    """Instants of ``seg`` (absolute seconds) where z lies strictly inside ``(z_lo, z_hi)``."""
    t0, t1 = seg[3], seg[7]
    z0, z1 = seg[2], seg[6]
    if t1 <= t0 or z0 == z1:
        return (t0, t1) if z_lo < z0 < z_hi else None
    rate = (z1 - z0) / (t1 - t0)
    ra = t0 + (z_lo - z0) / rate if math.isfinite(z_lo) else -math.copysign(math.inf, rate)
    rb = t0 + (z_hi - z0) / rate if math.isfinite(z_hi) else math.copysign(math.inf, rate)
    a, b = max(t0, min(ra, rb)), min(t1, max(ra, rb))
    return (a, b) if a < b else None


def _segment_near_area(
    seg: np.ndarray, area: AreaVolume, area_xy: Polygon, sep_h_m: float, sep_v_m: float
) -> tuple[float, float, float] | None:
    """First instant a segment comes within the minima of an area operation, if it does, with
    the horizontal distance and vertical gap to the area volume then."""
    t_from, t_to = max(seg[3], area.start_s), min(seg[7], area.end_s)
    if t_from > t_to:
        return None
    w = _z_window(_clip(seg, t_from, t_to), area.lower_m - sep_v_m, area.upper_m + sep_v_m)
    if w is None:
        return None
    piece = _clip(seg, w[0], w[1])
    h = _xy_geometry(piece).distance(area_xy)
    if h < sep_h_m:
        z_lo, z_hi = min(piece[2], piece[6]), max(piece[2], piece[6])
        return w[0], h, max(0.0, area.lower_m - z_hi, z_lo - area.upper_m)
    return None


def _segment_in_zone(seg: np.ndarray, zone_xy: Polygon, zw: ZoneWindow) -> float | None:
    """First instant a segment is inside an active zone volume (interior, not boundary)."""
    for a, b in zw.intervals:
        t_from, t_to = max(seg[3], a), min(seg[7], b)
        if t_from >= t_to:
            continue
        w = _z_window(_clip(seg, t_from, t_to), zw.lower_m, zw.upper_m)
        if w is None:
            continue
        geom = _xy_geometry(_clip(seg, w[0], w[1]))
        if geom.intersects(zone_xy) and not geom.touches(zone_xy):
            if isinstance(geom, Point):
                return w[0]
            inside = shapely.get_coordinates(geom.intersection(zone_xy))
            first_m = min(geom.project(Point(c)) for c in inside)
            return w[0] + first_m / geom.length * (w[1] - w[0])
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
    segs, owner, _ = _segments(routes, projection)
    pieces, piece_owner = _split_at_buckets(segs, owner, bucket_s) if len(segs) else (segs, owner)
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

    pairs = _candidate_pairs(boxes[:, :6], cell_m, bucket_s)
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
    violations = _zone_violations(
        segs, owner, ids, areas, area_xy, zones, projection, set(authorised)
    )
    return SafetyReport(
        flights=len(ids), pairs_checked=len(pairs), conflicts=conflicts, violations=violations
    )


def _zone_violations(
    segs: np.ndarray,
    owner: np.ndarray,
    ids: list[str],
    areas: Sequence[AreaVolume],
    area_xy: list[Polygon],
    zones: Sequence[ZoneWindow],
    projection: Projection,
    authorised: set[str],
) -> list[ZoneViolation]:
    if not zones:
        return []
    zone_xy = [projection.geometry_to_xy(z.polygon) for z in zones]
    tree = shapely.STRtree(zone_xy)
    n_routes = len(ids) - len(areas)
    hits: dict[tuple[str, str], ZoneViolation] = {}

    def note(fid: str, zw: ZoneWindow, t: float) -> None:
        if zw.restriction == Restriction.REQ_AUTHORISATION and fid in authorised:
            return
        key = (fid, zw.zone_id)
        if key not in hits or t < hits[key].t_s:
            hits[key] = ZoneViolation(fid, zw.zone_id, str(zw.restriction), t)

    if len(segs):
        lines = shapely.linestrings(np.stack([segs[:, [0, 1]], segs[:, [4, 5]]], axis=1))
        s_idx, z_idx = tree.query(lines, predicate="intersects")
        for s, z in zip(s_idx.tolist(), z_idx.tolist(), strict=True):
            t = _segment_in_zone(segs[s], zone_xy[z], zones[z])
            if t is not None:
                note(ids[int(owner[s])], zones[z], t)
    for k, (a, g) in enumerate(zip(areas, area_xy, strict=True)):
        for z in tree.query(g, predicate="intersects").tolist():
            zw = zones[z]
            if not (a.lower_m < zw.upper_m and zw.lower_m < a.upper_m):
                continue
            if g.touches(zone_xy[z]):
                continue
            for lo, hi in zw.intervals:
                if max(lo, a.start_s) < min(hi, a.end_s):
                    note(ids[n_routes + k], zw, max(lo, a.start_s))
                    break
    return sorted(hits.values(), key=lambda v: (v.t_s, v.flight_id, v.zone_id))
