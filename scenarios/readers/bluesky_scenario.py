"""BlueSky traffic as a qingkong scenario document: each drone one waypoint request.

:func:`bluesky_to_scenario` reads ``.scn`` files with
:func:`scenarios.readers.bluesky.read_bluesky_traffic` and writes what it read as a
``qingkong_scenario: 1`` document, with the report of what was not carried over (the reader's
notes, crewed aircraft skipped, aircraft without waypoints, approximated speeds, assumed
weights).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scenarios.readers.bluesky import BlueSkyError, read_bluesky_traffic

DRONE_SPECS: dict[str, dict[str, Any]] = {
    "M600": {
        "class": "small",
        "empty_weight_kg": 9.5,
        "mtow_kg": 15.5,
        "capabilities": ["remote_id", "geofencing", "manual_takeover"],
    },
}
"""Published weights of BlueSky drone types (DJI Matrice 600: 9.5 kg empty, 15.5 kg MTOW)."""


def bluesky_to_scenario(
    files: Iterable[Path | str],
    *,
    out_dir: Path | str,
    start: str = "2026-12-01T00:00:00+00:00",
    window_s: float = 600.0,
    include_crewed: bool = False,
    name: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Build a scenario document from BlueSky files, and the report of what was not carried over.

    Each drone becomes a drone entry and one waypoint ``request`` at its creation time, with
    departure window ``[t, t + window_s]``: route = creation position, then the waypoints
    (missing altitudes repeat the previous one); speed = the creation speed (when waypoint
    speeds differ, the report says so). Geofences are referenced as zone files (relative to
    ``out_dir``, where the scenario will be written). The deployment is a local one centred on
    the traffic, in UTC.

    Returns
    -------
    scenario : dict
        A ``qingkong_scenario: 1`` document.
    report : list of dict
        One entry per note: file, line, command, status, why.
    """
    read = [read_bluesky_traffic(f) for f in files]
    out_dir = Path(out_dir)
    drones: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    report: list[dict[str, Any]] = []
    zones: list[dict[str, str]] = []
    lons: list[float] = []
    lats: list[float] = []
    for bf in read:
        for n in bf.notes:
            report.append({"file": str(bf.path), **n.to_json()})
        if bf.geofences:
            zones.append({"file": os.path.relpath(bf.path.resolve(), out_dir.resolve())})
        for ac in bf.aircraft.values():
            where = {"file": str(bf.path), "line": ac.line, "command": f"CRE {ac.acid}"}
            if not ac.is_drone and not include_crewed:
                report.append(
                    {
                        **where,
                        "status": "skipped",
                        "why": f"aircraft type {ac.type} is crewed, not a drone",
                    }
                )
                continue
            if not ac.waypoints:
                report.append(
                    {
                        **where,
                        "status": "not understood",
                        "why": "no waypoints: BlueSky flies it on a heading",
                    }
                )
                continue
            fid = f"{bf.path.stem}-{ac.acid}"
            rows = [[ac.lon, ac.lat, round(ac.altitude_m, 2)]]
            speeds = {round(ac.speed_mps, 3)}
            for lon, lat, alt, spd in ac.waypoints:
                rows.append([lon, lat, round(alt if alt is not None else rows[-1][2], 2)])
                if spd is not None:
                    speeds.add(round(spd, 3))
            if len(speeds) > 1:
                report.append(
                    {
                        **where,
                        "status": "approximated",
                        "why": f"waypoint speeds {sorted(speeds)} m/s flown at {ac.speed_mps:.2f} m/s",
                    }
                )
            spec = DRONE_SPECS.get(ac.type.upper())
            if spec is None:
                report.append(
                    {
                        **where,
                        "status": "assumed",
                        "why": f"no weights known for type {ac.type}: the rules class it large",
                    }
                )
            drone = {"id": fid, "operator": bf.path.stem, **(spec or {})}
            drones.append({**drone, "max_speed_mps": round(max(speeds) + 0.01, 2)})
            events.append(
                {
                    "t": ac.t_s,
                    "type": "request",
                    "flight": fid,
                    "drone": fid,
                    "departure": {"earliest": ac.t_s, "latest": ac.t_s + window_s},
                    "speed_mps": round(ac.speed_mps, 3),
                    "route": {"waypoints": rows},
                }
            )
            lons.extend(r[0] for r in rows)
            lats.extend(r[1] for r in rows)
    if not events:
        raise BlueSkyError(
            "no drone flight with waypoints in " + ", ".join(str(b.path) for b in read)
        )
    doc: dict[str, Any] = {
        "qingkong_scenario": 1,
        "name": name or "-".join(b.path.stem for b in read),
        "description": "Imported from BlueSky: " + ", ".join(b.path.name for b in read),
        "start": start,
        "deployment": {
            "centre": [round(sum(lons) / len(lons), 6), round(sum(lats) / len(lats), 6)],
            "timezone": "UTC",
        },
        "airspace": {"zones": zones},
        "drones": drones,
        "events": sorted(events, key=lambda e: e["t"]),
    }
    return doc, report
