"""The demand generator: a realistic day of drone traffic for a city, as a scenario document.

The day (07:00-22:00 local) mixes:

- **deliveries** (most flights) routed over the corridor network: from a logistics hub or a
  vertiport to a customer drop point near the network or another vertiport, with morning,
  lunch and evening peaks;
- **inspections**: short waypoint flights along a line (a facade, a pipeline, a power line) at
  40-80 m, flown as filed;
- **surveys**: area operations over a few hundred metres, 0-60/90 m, 15-60 minutes;
- a few **emergency medical flights** at high priority, filed minutes before they must leave.

Every request arrives before its departure window (minutes to hours ahead, emergencies only a
minute or two). The same ``seed`` always gives the same document.
"""

from __future__ import annotations

import math
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from airspace.corridors import QINGDAO_CORRIDORS_PATH, CorridorNetwork
from airspace.deployment import QINGDAO, Deployment
from airspace.formats import QINGDAO_ZONES_PATH
from airspace.projection import Projection

EMERGENCY_PRIORITY = 100
CAPABILITIES = ["remote_id", "geofencing", "manual_takeover"]
LIGHT = {"class": "light", "empty_weight_kg": 3.6, "mtow_kg": 6.8, "capabilities": CAPABILITIES}
"""A light delivery multicopter (CN 2024 rules: empty <= 4 kg, MTOW <= 7 kg)."""
SMALL = {"class": "small", "empty_weight_kg": 12.0, "mtow_kg": 24.0, "capabilities": CAPABILITIES}
"""A small medical-transport drone (empty <= 15 kg, MTOW <= 25 kg)."""
DAY_START_H = 7.0
DAY_END_H = 22.0


class City:
    """What the generator needs to know about a city: deployment, files and the network."""

    def __init__(
        self, name: str, deployment: Deployment, zones_path: Path, corridors_path: Path, start: str
    ):
        self.name = name
        self.deployment = deployment
        self.zones_path = zones_path
        self.corridors_path = corridors_path
        self.start = start


CITIES = {
    "qingdao": City(
        "qingdao", QINGDAO, QINGDAO_ZONES_PATH, QINGDAO_CORRIDORS_PATH, "2026-12-01T07:00:00+08:00"
    ),
}


def _departure_profile(rng: np.random.Generator, n: int) -> np.ndarray:
    """Departure hour-of-day samples: morning, lunch and evening peaks over a flat base."""
    peaks = [(9.5, 0.9, 0.35), (12.2, 0.6, 0.2), (18.0, 0.9, 0.25)]  # (hour, spread_h, share)
    base_share = 1.0 - sum(p[2] for p in peaks)
    which = rng.choice(len(peaks) + 1, size=n, p=[p[2] for p in peaks] + [base_share])
    hours = np.empty(n)
    for k, (h, s, _) in enumerate(peaks):
        m = which == k
        hours[m] = rng.normal(h, s, m.sum())
    m = which == len(peaks)
    hours[m] = rng.uniform(DAY_START_H, DAY_END_H - 1.0, m.sum())
    return np.clip(hours, DAY_START_H + 0.1, DAY_END_H - 0.75)


def _rounded(v: float, digits: int = 6) -> float:
    return float(round(float(v), digits))


def generate_day(
    city: str = "qingdao",
    *,
    flights: int = 1000,
    seed: int = 0,
    out_dir: Path | str | None = None,
    emergency_share: float = 0.005,
    inspection_share: float = 0.05,
    survey_share: float = 0.07,
) -> dict[str, Any]:
    """A scenario document of one day of demand.

    Parameters
    ----------
    city : str
        A key of :data:`CITIES` (``qingdao``).
    flights : int
        Number of flight requests.
    seed : int
        Random seed; the same seed gives the same document.
    out_dir : path, optional
        Folder the scenario will be written to: zone and corridor files are referenced
        relative to it (absolute paths when omitted).
    emergency_share, inspection_share, survey_share : float
        Shares of the request mix; the rest are corridor deliveries.

    Returns
    -------
    dict
        A ``qingkong_scenario: 1`` document.
    """
    if city not in CITIES:
        raise ValueError(f"city: unknown {city!r}; choose one of {sorted(CITIES)}")
    if flights < 1:
        raise ValueError(f"flights: must be at least 1, got {flights}")
    c = CITIES[city]
    rng = np.random.default_rng(seed)
    net = CorridorNetwork.from_geojson(c.corridors_path, c.deployment)
    proj = Projection.for_deployment(c.deployment)
    start = datetime.fromisoformat(c.start)
    t_day0 = (start.hour + start.minute / 60.0) * 3600.0  # seconds of day at t = 0

    vps = sorted(net.vertiports.values(), key=lambda v: v.id)
    hubs = [v for v in vps if v.kind == "hub"] or vps
    node_xy = np.array(
        [[d["x_m"], d["y_m"]] for _, d in sorted(net.graph.nodes(data=True), key=lambda nd: nd[0])]
    )

    n_emg = max(1, round(flights * emergency_share)) if flights >= 20 else 0
    n_insp = round(flights * inspection_share)
    n_surv = round(flights * survey_share)
    n_del = flights - n_emg - n_insp - n_surv
    kinds = np.array(
        ["delivery"] * n_del + ["inspection"] * n_insp + ["survey"] * n_surv + ["emergency"] * n_emg
    )
    rng.shuffle(kinds)
    hours = _departure_profile(rng, flights)

    operators = {
        "delivery": ["OP-SF", "OP-MEITUAN", "OP-JD"],
        "inspection": ["OP-GRID", "OP-PIPE"],
        "survey": ["OP-SURVEY"],
        "emergency": ["OP-QD-EMS"],
    }
    fleet_size = {k: max(1, math.ceil((kinds == k).sum() / 6)) for k in operators}
    drones: list[dict[str, Any]] = []
    fleet: dict[str, list[str]] = {}
    for kind, ops in operators.items():
        fleet[kind] = []
        for i in range(fleet_size[kind]):
            op = ops[i % len(ops)]
            did = f"DR-{op[3:]}-{i // len(ops) + 1:04d}"
            spec = {
                "delivery": {**LIGHT, "max_speed_mps": 20.0},
                "inspection": {**LIGHT, "max_speed_mps": 15.0},
                "survey": {**LIGHT, "max_speed_mps": 15.0},
                "emergency": {**SMALL, "max_speed_mps": 25.0},
            }[kind]
            drones.append({"id": did, "operator": op, **spec})
            fleet[kind].append(did)

    events: list[dict[str, Any]] = []
    counters = dict.fromkeys(operators, 0)
    for i, kind in enumerate(kinds.tolist()):
        dep_s = round(hours[i] * 3600.0 - t_day0)
        drone = fleet[kind][counters[kind] % len(fleet[kind])]
        counters[kind] += 1
        fid = f"{kind[:3].upper()}-{i + 1:05d}"
        if kind == "emergency":
            lead = float(rng.uniform(60, 240))
            window = 300.0
        else:
            lead = float(rng.choice([600, 1800, 3600, 7200], p=[0.3, 0.35, 0.25, 0.1])) + float(
                rng.uniform(0, 600)
            )
            window = float(rng.choice([600, 1200, 1800, 2700]))
        t = max(0.0, dep_s - lead)
        ev: dict[str, Any] = {
            "t": round(t, 1),
            "type": "request",
            "flight": fid,
            "drone": drone,
            "priority": EMERGENCY_PRIORITY if kind == "emergency" else 0,
            "departure": {"earliest": float(dep_s), "latest": float(dep_s + window)},
        }
        if kind in ("delivery", "emergency"):
            origin = (
                hubs[rng.integers(len(hubs))] if rng.random() < 0.6 else vps[rng.integers(len(vps))]
            )
            if rng.random() < 0.7:
                # a drop point near the network, a few hundred metres off a corridor node
                x, y = node_xy[rng.integers(len(node_xy))] + rng.normal(0.0, 150.0, 2)
                lon, lat = proj.to_lonlat([x], [y])
                dest = (float(lon[0]), float(lat[0]))
            else:
                v = vps[rng.integers(len(vps))]
                while v.id == origin.id:
                    v = vps[rng.integers(len(vps))]
                dest = (v.lon, v.lat)
            ev["speed_mps"] = 20.0 if kind == "emergency" else float(rng.choice([12.0, 15.0]))
            ev["route"] = {
                "from": [origin.lon, origin.lat],
                "to": [_rounded(dest[0]), _rounded(dest[1])],
            }
        elif kind == "inspection":
            x0, y0 = node_xy[rng.integers(len(node_xy))] + rng.normal(0.0, 800.0, 2)
            heading = rng.uniform(0, 2 * math.pi)
            length = rng.uniform(300, 1500)
            alt = float(rng.choice([40.0, 50.0, 60.0, 80.0]))
            xs = x0 + np.array([0.0, 0.0, length, length]) * math.sin(heading)
            ys = y0 + np.array([0.0, 0.0, length, length]) * math.cos(heading)
            lon, lat = proj.to_lonlat(xs, ys)
            zs = [0.0, alt, alt, 0.0]
            ev["speed_mps"] = float(rng.choice([5.0, 8.0, 10.0]))
            ev["route"] = {
                "waypoints": [
                    [_rounded(a), _rounded(b), z] for a, b, z in zip(lon, lat, zs, strict=True)
                ]
            }
        else:  # survey
            x0, y0 = node_xy[rng.integers(len(node_xy))] + rng.normal(0.0, 1500.0, 2)
            w, h = rng.uniform(150, 600, 2)
            a = rng.uniform(0, math.pi)
            corners = np.array([[-w, -h], [w, -h], [w, h], [-w, h], [-w, -h]]) / 2.0
            rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
            pts = corners @ rot.T + [x0, y0]
            lon, lat = proj.to_lonlat(pts[:, 0], pts[:, 1])
            ring = [[_rounded(p), _rounded(q)] for p, q in zip(lon, lat, strict=True)]
            ring[-1] = ring[0]
            ev["route"] = {
                "area": {"type": "Polygon", "coordinates": [ring]},
                "lower_m": 0.0,
                "upper_m": float(rng.choice([60.0, 90.0])),
                "duration_s": float(rng.choice([900.0, 1800.0, 2700.0, 3600.0])),
            }
        events.append(ev)
    events.sort(key=lambda e: (e["t"], e["flight"]))

    def ref(p: Path) -> str:
        if out_dir is None:
            return str(p)
        return os.path.relpath(p.resolve(), Path(out_dir).resolve())

    return {
        "qingkong_scenario": 1,
        "name": f"{city}-day-{flights}-seed{seed}",
        "description": (
            f"Generated day of {city} demand: {n_del} deliveries, {n_insp} inspections, "
            f"{n_surv} surveys, {n_emg} emergency medical flights (seed {seed})"
        ),
        "start": c.start,
        "separation": {
            "horizontal_m": c.deployment.separation_horizontal_m,
            "vertical_m": c.deployment.separation_vertical_m,
        },
        "airspace": {
            "ceiling_m": 120,
            "zones": [{"file": ref(c.zones_path)}],
            "corridors": {"file": ref(c.corridors_path)},
        },
        "drones": drones,
        "events": events,
    }
