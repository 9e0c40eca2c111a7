"""openutm verification trajectories (GeoJSON LineStrings, e.g. the Bern set) as a traffic
source: each line becomes a waypoint flight request.

The files hold only a ground track (``[lon, lat]``, no altitude, no time, no speed), so the
import supplies them: take off vertically at the first point to ``altitude_m``, fly the track at
``speed_mps``, land vertically at the last point. Requests arrive ``spacing_s`` apart with a
departure window of ``window_s``; the report says what was assumed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scenarios.generate import LIGHT


class TrajectoryFileError(ValueError):
    """A trajectory file that is not a GeoJSON LineString (file and feature named)."""


def read_tracks(path: Path | str) -> list[list[tuple[float, float]]]:
    """The LineString ground tracks of a GeoJSON file (Feature, FeatureCollection or geometry).

    Raises
    ------
    TrajectoryFileError
        When the file holds no LineString or a position is not ``[lon, lat]``.
    """
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TrajectoryFileError(f"{p}: cannot read GeoJSON ({exc})") from None
    if doc.get("type") == "FeatureCollection":
        geoms = [f.get("geometry") or {} for f in doc.get("features", [])]
    elif doc.get("type") == "Feature":
        geoms = [doc.get("geometry") or {}]
    else:
        geoms = [doc]
    tracks = []
    for i, g in enumerate(geoms):
        if g.get("type") != "LineString":
            raise TrajectoryFileError(
                f"{p}: feature {i}: expected a LineString, got {g.get('type')!r}"
            )
        coords = g.get("coordinates") or []
        if len(coords) < 2:
            raise TrajectoryFileError(f"{p}: feature {i}: a track needs at least 2 positions")
        track = []
        for k, c in enumerate(coords):
            lon, lat = float(c[0]), float(c[1])
            if abs(lat) > 90 or abs(lon) > 180:
                raise TrajectoryFileError(
                    f"{p}: feature {i}: coordinates[{k}] = {c} is not [lon, lat]"
                )
            track.append((lon, lat))
        tracks.append(track)
    if not tracks:
        raise TrajectoryFileError(f"{p}: no LineString in the file")
    return tracks


def openutm_to_scenario(
    files: Iterable[Path | str],
    *,
    start: str = "2026-12-01T08:00:00+00:00",
    altitude_m: float = 60.0,
    speed_mps: float = 10.0,
    spacing_s: float = 0.0,
    window_s: float = 900.0,
    name: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A scenario document with one waypoint request per track, and the list of assumptions.

    All requests ask for the same earliest departure unless ``spacing_s`` spreads them, so
    overlapping tracks show the planner's delays.
    """
    drones, events, report = [], [], []
    lons: list[float] = []
    lats: list[float] = []
    k = 0
    for f in files:
        p = Path(f)
        for i, track in enumerate(read_tracks(p)):
            fid = p.stem if i == 0 else f"{p.stem}-{i}"
            t = k * spacing_s
            (lon0, lat0), (lon1, lat1) = track[0], track[-1]
            rows = (
                [[lon0, lat0, 0.0]]
                + [[lon, lat, altitude_m] for lon, lat in track]
                + [[lon1, lat1, 0.0]]
            )
            drones.append(
                {
                    "id": f"DR-{fid}",
                    "operator": "openutm",
                    **LIGHT,
                    "max_speed_mps": max(speed_mps, 15.0),
                }
            )
            events.append(
                {
                    "t": t,
                    "type": "request",
                    "flight": fid,
                    "drone": f"DR-{fid}",
                    "departure": {"earliest": t + 300.0, "latest": t + 300.0 + window_s},
                    "speed_mps": speed_mps,
                    "route": {"waypoints": rows},
                }
            )
            report.append(
                {
                    "file": str(p),
                    "feature": i,
                    "status": "assumed",
                    "why": f"no altitude, time, speed or drone in the file: flown at {altitude_m:g} m AGL, {speed_mps:g} m/s, vertical take-off and landing, by a light multicopter",
                }
            )
            lons.extend(x for x, _ in track)
            lats.extend(y for _, y in track)
            k += 1
    if not events:
        raise TrajectoryFileError("no trajectory files given")
    doc = {
        "qingkong_scenario": 1,
        "name": name or "openutm-tracks",
        "description": "Imported openutm verification trajectories",
        "start": start,
        "deployment": {
            "centre": [round(sum(lons) / len(lons), 6), round(sum(lats) / len(lats), 6)],
            "timezone": "UTC",
        },
        "drones": drones,
        "events": events,
    }
    return doc, report
