"""Corridor networks made by code: synthetic grid and radial networks of any size (tests,
benchmarks) and the illustrative Qingdao demo network shipped in
``airspace/data/qingdao_corridors.geojson``.

Every generator returns a GeoJSON FeatureCollection dict that
:meth:`airspace.corridors.CorridorNetwork.from_geojson` reads. Regenerate the demo file with::

    python -m airspace.corridor_gen qingdao airspace/data/qingdao_corridors.geojson
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from airspace.deployment import QINGDAO, Deployment
from airspace.projection import Projection


def _corridor(
    cid: str,
    coords: list[tuple[float, float]],
    *,
    lower_m: float,
    upper_m: float,
    width_m: float,
    speed_max_mps: float,
    oneway: bool = False,
    **extra: Any,
) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "id": cid,
            "lower_m": lower_m,
            "upper_m": upper_m,
            "width_m": width_m,
            "speed_max_mps": speed_max_mps,
            "oneway": oneway,
            **extra,
        },
        "geometry": {
            "type": "LineString",
            "coordinates": [[round(lon, 7), round(lat, 7)] for lon, lat in coords],
        },
    }


def _vertiport(
    vid: str, lon: float, lat: float, name: str = "", kind: str = "vertiport", **extra: Any
) -> dict:
    return {
        "type": "Feature",
        "properties": {"id": vid, "name": name, "kind": kind, **extra},
        "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
    }


def grid_network_geojson(
    rows: int,
    cols: int,
    spacing_m: float = 500.0,
    *,
    centre_lon: float = 120.38,
    centre_lat: float = 36.07,
    deployment: Deployment = QINGDAO,
    lower_m: float = 60.0,
    upper_m: float = 120.0,
    width_m: float = 40.0,
    speed_max_mps: float = 18.0,
    seed: int | None = None,
    oneway_fraction: float = 0.0,
) -> dict:
    """A ``rows`` x ``cols`` grid of two-way corridors with a vertiport at each corner.

    Parameters
    ----------
    rows, cols : int
        Grid nodes per column and per row (>= 2). There are ``rows*(cols-1) + cols*(rows-1)``
        corridors, twice as many directed edges when none is one-way.
    spacing_m : float
        Distance between neighbouring nodes before jitter.
    seed : int, optional
        When given, node positions are jittered by up to 20 % of the spacing and each corridor
        gets a random speed limit in ``[0.6, 1] * speed_max_mps``, so path lengths differ.
    oneway_fraction : float
        Share of corridors made one-way (random direction; needs ``seed``).

    Examples
    --------
    >>> fc = grid_network_geojson(3, 4)
    >>> sum(f["geometry"]["type"] == "LineString" for f in fc["features"])
    17
    """
    if rows < 2 or cols < 2:
        raise ValueError("a grid network needs at least 2 rows and 2 columns")
    rng = np.random.default_rng(seed)
    proj = Projection.for_deployment(deployment)
    cx, cy = proj.to_xy([centre_lon], [centre_lat])
    jj, ii = np.meshgrid(np.arange(cols), np.arange(rows))
    x = cx[0] + (jj - (cols - 1) / 2.0) * spacing_m
    y = cy[0] + (ii - (rows - 1) / 2.0) * spacing_m
    if seed is not None:
        x = x + rng.uniform(-0.2, 0.2, x.shape) * spacing_m
        y = y + rng.uniform(-0.2, 0.2, y.shape) * spacing_m
    lon, lat = proj.to_lonlat(x, y)
    feats: list[dict] = []

    def add(a: tuple[int, int], b: tuple[int, int]) -> None:
        speed = (
            speed_max_mps
            if seed is None
            else round(float(rng.uniform(0.6, 1.0)) * speed_max_mps, 2)
        )
        oneway = seed is not None and bool(rng.random() < oneway_fraction)
        if oneway and rng.random() < 0.5:
            a, b = b, a
        feats.append(
            _corridor(
                f"G{a[0]}-{a[1]}_{b[0]}-{b[1]}",
                [(lon[a], lat[a]), (lon[b], lat[b])],
                lower_m=lower_m,
                upper_m=upper_m,
                width_m=width_m,
                speed_max_mps=speed,
                oneway=oneway,
            )
        )

    for i in range(rows):
        for j in range(cols):
            if j + 1 < cols:
                add((i, j), (i, j + 1))
            if i + 1 < rows:
                add((i, j), (i + 1, j))
    for i, j in ((0, 0), (0, cols - 1), (rows - 1, 0), (rows - 1, cols - 1)):
        feats.append(_vertiport(f"V{i}-{j}", float(lon[i, j]), float(lat[i, j]), kind="vertiport"))
    return {"type": "FeatureCollection", "name": f"grid {rows}x{cols}", "features": feats}


def radial_network_geojson(
    rings: int,
    spokes: int,
    ring_spacing_m: float = 1000.0,
    *,
    centre_lon: float = 120.38,
    centre_lat: float = 36.07,
    deployment: Deployment = QINGDAO,
    lower_m: float = 60.0,
    upper_m: float = 120.0,
    width_m: float = 40.0,
    speed_max_mps: float = 18.0,
    arc_points: int = 6,
) -> dict:
    """A hub with ``spokes`` radial corridors crossed by ``rings`` ring corridors.

    The hub is a vertiport, so is the outer end of every spoke. Ring arcs between neighbouring
    spokes are polylines of ``arc_points`` vertices.
    """
    if rings < 1 or spokes < 3:
        raise ValueError("a radial network needs at least 1 ring and 3 spokes")
    proj = Projection.for_deployment(deployment)
    cx, cy = (float(v[0]) for v in proj.to_xy([centre_lon], [centre_lat]))
    feats: list[dict] = []

    def ll(px: np.ndarray, py: np.ndarray) -> list[tuple[float, float]]:
        lo, la = proj.to_lonlat(px, py)
        return list(zip(lo.tolist(), la.tolist(), strict=True))

    angles = np.arange(spokes) * 2.0 * math.pi / spokes
    for s, a in enumerate(angles):
        r = np.arange(rings + 1) * ring_spacing_m
        pts = ll(cx + r * math.sin(a), cy + r * math.cos(a))
        for k in range(rings):
            feats.append(
                _corridor(
                    f"S{s}-{k}",
                    [pts[k], pts[k + 1]],
                    lower_m=lower_m,
                    upper_m=upper_m,
                    width_m=width_m,
                    speed_max_mps=speed_max_mps,
                )
            )
        feats.append(_vertiport(f"VS{s}", *pts[-1]))
    for k in range(1, rings + 1):
        ring_m = k * ring_spacing_m
        for s in range(spokes):
            arc = np.linspace(angles[s], angles[s] + 2.0 * math.pi / spokes, arc_points)
            feats.append(
                _corridor(
                    f"R{k}-{s}",
                    ll(cx + ring_m * np.sin(arc), cy + ring_m * np.cos(arc)),
                    lower_m=lower_m,
                    upper_m=upper_m,
                    width_m=width_m,
                    speed_max_mps=speed_max_mps,
                )
            )
    feats.append(_vertiport("HUB", centre_lon, centre_lat, name="hub", kind="hub"))
    return {"type": "FeatureCollection", "name": f"radial {rings}x{spokes}", "features": feats}


# --------------------------------------------------------------------------- Qingdao demo

_DISTRICTS: dict[str, list[tuple[float, float]]] = {
    # Rough, illustrative outlines of the served urban districts (lon, lat).
    "Shinan-Shibei": [
        (120.300, 36.058), (120.330, 36.052), (120.370, 36.052), (120.420, 36.056),
        (120.445, 36.070), (120.445, 36.100), (120.400, 36.115), (120.350, 36.120),
        (120.315, 36.105), (120.300, 36.080),
    ],
    "Laoshan": [
        (120.430, 36.070), (120.500, 36.085), (120.520, 36.120), (120.500, 36.150),
        (120.440, 36.150), (120.430, 36.110),
    ],
    "Licang": [
        (120.350, 36.115), (120.440, 36.115), (120.450, 36.150), (120.440, 36.215),
        (120.370, 36.215), (120.350, 36.170),
    ],
    "Chengyang": [
        (120.300, 36.215), (120.460, 36.215), (120.460, 36.340), (120.320, 36.340),
        (120.290, 36.280),
    ],
    "Huangdao": [
        (120.130, 35.950), (120.230, 35.950), (120.250, 35.990), (120.240, 36.060),
        (120.170, 36.080), (120.120, 36.040),
    ],
}  # fmt: skip

_VERTIPORTS: list[tuple[str, str, float, float, str]] = [
    ("VP-WUSI", "Wusi Square (Shinan)", 120.384, 36.062, "vertiport"),
    ("VP-BADAGUAN", "Badaguan", 120.345, 36.055, "vertiport"),
    ("VP-ZHONGSHAN", "Zhongshan Park", 120.352, 36.068, "vertiport"),
    ("VP-SAILING", "Olympic Sailing Center", 120.397, 36.057, "vertiport"),
    ("VP-TAIDONG", "Taidong (Shibei)", 120.355, 36.090, "vertiport"),
    ("VP-LAOSHAN", "Laoshan district centre", 120.468, 36.107, "vertiport"),
    ("VP-LICANG", "Licang", 120.380, 36.180, "vertiport"),
    ("VP-QD-NORTH", "Qingdao North Station", 120.372, 36.165, "hub"),
    ("VP-CHENGYANG", "Chengyang", 120.390, 36.310, "vertiport"),
    ("VP-HUANGDAO", "Huangdao", 120.190, 36.000, "vertiport"),
    ("VP-QIANWAN", "Qianwan port", 120.215, 36.045, "hub"),
    ("VP-AIRPORT-LOG", "Jiaodong airport logistics hub", 120.215, 36.305, "hub"),
]

_CONNECTORS: list[tuple[str, list[tuple[float, float]]]] = [
    # Over-water and outlying links; the ends snap to the nearest grid node.
    ("QD-BAY-TUNNEL", [(120.300, 36.070), (120.265, 36.050), (120.235, 36.035)]),
    ("QD-BAY-BRIDGE", [(120.355, 36.175), (120.270, 36.210), (120.215, 36.150), (120.215, 36.060)]),
    ("QD-AIRPORT-LINK", [(120.300, 36.290), (120.255, 36.300), (120.215, 36.305)]),
]


def qingdao_demo_geojson(spacing_m: float = 1800.0, deployment: Deployment = QINGDAO) -> dict:
    """The illustrative Qingdao corridor network (a grid over the coastal districts).

    A grid of corridors over the served districts (every third line a 60-120 m trunk at
    20 m/s, the rest 60-100 m local corridors at 15 m/s), over-water links across Jiaozhou
    Bay and to the airport logistics hub (kept outside the airport control zone), and spur corridors to the
    vertiports. Every feature is marked ``illustrative``: this is not real airspace design.
    """
    proj = Projection.for_deployment(deployment)
    served = shapely.union_all([Polygon(p) for p in _DISTRICTS.values()])
    served_xy = proj.geometry_to_xy(served)
    minx, miny, maxx, maxy = served_xy.bounds
    xs = np.arange(minx, maxx + spacing_m, spacing_m)
    ys = np.arange(miny, maxy + spacing_m, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(served_xy, gx, gy)
    lon, lat = proj.to_lonlat(gx, gy)
    feats: list[dict] = []
    common: dict[str, Any] = {"illustrative": True}
    trunk: dict[str, Any] = {
        "lower_m": 60.0,
        "upper_m": 120.0,
        "width_m": 50.0,
        "speed_max_mps": 20.0,
    }
    local: dict[str, Any] = {
        "lower_m": 60.0,
        "upper_m": 100.0,
        "width_m": 30.0,
        "speed_max_mps": 15.0,
    }
    rows, cols = inside.shape
    for i in range(rows):
        for j in range(cols):
            if not inside[i, j]:
                continue
            if j + 1 < cols and inside[i, j + 1]:
                feats.append(
                    _corridor(
                        f"QD-E{i:02d}-{j:02d}",
                        [(lon[i, j], lat[i, j]), (lon[i, j + 1], lat[i, j + 1])],
                        **(trunk if i % 3 == 0 else local),
                        **common,
                    )
                )
            if i + 1 < rows and inside[i + 1, j]:
                feats.append(
                    _corridor(
                        f"QD-N{i:02d}-{j:02d}",
                        [(lon[i, j], lat[i, j]), (lon[i + 1, j], lat[i + 1, j])],
                        **(trunk if j % 3 == 0 else local),
                        **common,
                    )
                )
    node_xy = np.column_stack([gx[inside], gy[inside]])
    node_ll = np.column_stack([lon[inside], lat[inside]])

    def nearest(lo: float, la: float) -> tuple[float, float]:
        x, y = proj.to_xy([lo], [la])
        k = int(np.argmin(np.hypot(node_xy[:, 0] - x[0], node_xy[:, 1] - y[0])))
        return float(node_ll[k, 0]), float(node_ll[k, 1])

    for cid, pts in _CONNECTORS:
        coords = [nearest(*pts[0]), *pts[1:-1], nearest(*pts[-1])]
        if cid == "QD-AIRPORT-LINK":
            coords[-1] = pts[-1]
        feats.append(_corridor(cid, coords, **trunk, **common))
    for vid, name, vlon, vlat, kind in _VERTIPORTS:
        feats.append(_vertiport(vid, vlon, vlat, name=name, kind=kind, **common))
        if vid == "VP-AIRPORT-LOG":
            continue
        feats.append(
            _corridor(f"{vid}-SPUR", [(vlon, vlat), nearest(vlon, vlat)], **local, **common)
        )
    return {
        "type": "FeatureCollection",
        "name": "qingdao-demo-corridors",
        "description": (
            "ILLUSTRATIVE demo corridor network for Qingdao (coastal districts, Jiaozhou Bay links, "
            "airport logistics hub). Not real airspace design; generated by "
            "`python -m airspace.corridor_gen qingdao`."
        ),
        "features": feats,
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m airspace.corridor_gen qingdao|grid ROWS COLS|radial RINGS SPOKES OUT``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(main.__doc__, file=sys.stderr)
        return 2
    kind = args.pop(0)
    if kind == "qingdao":
        fc = qingdao_demo_geojson()
    elif kind == "grid":
        fc = grid_network_geojson(int(args.pop(0)), int(args.pop(0)))
    elif kind == "radial":
        fc = radial_network_geojson(int(args.pop(0)), int(args.pop(0)))
    else:
        print(f"unknown network kind {kind!r}", file=sys.stderr)
        return 2
    text = json.dumps(fc, ensure_ascii=False, indent=None, separators=(",", ":"))
    if args:
        Path(args[0]).write_text(text.replace('},{"type"', '},\n{"type"') + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
