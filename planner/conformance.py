"""Conformance monitoring: each reported position against its drone's approved 4D plan at that
instant, alert episodes and the ASTM F3548 states of flights in the air.

:class:`ConformanceMonitor` is pure and clock-free: callers pass the receipt time ``now_s``
(planner seconds) with every batch and to :meth:`ConformanceMonitor.tick`, so the service,
the scenario replay and the tests drive the same code. Positions arrive in metres
(the deployment projection) and planner seconds; the kernels are in
:mod:`planner.conformance_kernels`.

Rules, per position of an airborne drone (altitude above ``airborne_m``):

- the drone's flight is its flight in the air, else its accepted flight whose window (widened
  by ``time_s``) holds the position's time; none -> ``UNAUTHORISED_FLIGHT``;
- an accepted flight not activated -> ``NOT_ACTIVATED``, unless ``auto_activate`` and the
  position is within the tolerances of the departure point and time (the flight activates);
- an activated flight is checked by the kernels: ``OFF_ROUTE`` / ``OUTSIDE_AREA``, then
  ``OFF_ALTITUDE``, then ``OFF_SCHEDULE`` (the first that fails); it becomes
  ``nonconforming``, ``contingent`` once the deviation lasts ``contingent_s``, and
  ``activated`` again on the first conforming position;
- everyone: ``ZONE_BREACH`` inside an active PROHIBITED zone, or a REQ_AUTHORISATION zone the
  flight's plan does not enter (only an approved plan can have been authorised there);
  ``CEILING_BREACH`` above the ceiling unless the plan was approved that high;
- no position for ``lost_link_s`` (receipt time) after one in the air -> ``LOST_LINK`` and
  ``contingent`` (a flight activated that never reported is not alerted); a flight landing within ``lateral_m`` of its route's end is ``ended``.

An alert is raised once per episode (subject, code) and cleared when it no longer holds.

Examples
--------
>>> import numpy as np
>>> from planner.trajectory import Trajectory4D
>>> m = ConformanceMonitor(Thresholds(lateral_m=20, vertical_m=10, time_s=30))
>>> plan = Trajectory4D(np.array([[0, 0, 50, 0], [1000, 0, 50, 100.0]]))
>>> m.watch("F-1", "D-1", plan, "activated", now_s=0.0)
>>> [e.code for e in m.observe(["D-1"], [500.0], [5.0], [52.0], [50.0], now_s=50.0)]
[]
>>> [(e.kind, e.code) for e in m.observe(["D-1"], [600.0], [80.0], [50.0], [60.0], now_s=60.0)]
[('state', 'nonconforming'), ('raised', 'OFF_ROUTE')]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from planner.conformance_events import (
    AIRBORNE,
    DEVIATION_CODES,
    TELEMETRY_CODES,
    Event,
    ZoneVolumeXY,
)
from planner.conformance_measure import Thresholds, _Packed, deviation_code, deviations
from planner.trajectory import AreaOp, Trajectory4D

_RECENT_TIMES = 64
"""Times remembered per drone to drop QoS-1 redeliveries (drone, time); a position older than
all of them is dropped too."""


@dataclass
class _Watch:
    flight_id: str
    drone_id: str
    plan: Trajectory4D | AreaOp
    state: str
    authorised_zones: frozenset[str]
    max_altitude_m: float
    since_s: float | None = None  # start of the current deviation


@dataclass
class _Drone:
    last_rx_s: float = -np.inf
    last_xyz: tuple[float, float, float] | None = None
    last_t_s: float = -np.inf
    recent: deque = field(default_factory=lambda: deque(maxlen=_RECENT_TIMES))


class ConformanceMonitor:
    """Watches drones in the air against approved plans (see the module docstring).

    Parameters
    ----------
    thresholds : Thresholds
    ceiling_m : float
        True-height ceiling of the airspace open to drones (``inf``: none).
    auto_activate : bool
        Activate an accepted flight on its first airborne position at its departure.
    """

    def __init__(
        self, thresholds: Thresholds, *, ceiling_m: float = np.inf, auto_activate: bool = False
    ):
        self.th = thresholds
        self.ceiling_m = float(ceiling_m)
        self.auto_activate = auto_activate
        self.watches: dict[str, _Watch] = {}
        self.by_drone: dict[str, list[str]] = {}
        self.drones: dict[str, _Drone] = {}
        self.open: dict[tuple[str, str], Event] = {}
        self._open_codes: dict[str, set[str]] = {}
        self.zones: list[ZoneVolumeXY] = []
        self._zone_tree: Any = None
        self.kept: list[int] = []
        self._packed: _Packed | None = None

    # -- plans and zones -------------------------------------------------------------------
    def set_zones(self, volumes: Sequence[ZoneVolumeXY]) -> None:
        """The restricted volumes positions may breach (PROHIBITED, REQ_AUTHORISATION)."""
        self.zones = [v for v in volumes if v.restriction in ("PROHIBITED", "REQ_AUTHORISATION")]
        self._zone_tree = (
            shapely.STRtree([v.polygon_xy for v in self.zones]) if self.zones else None
        )

    def _zone_candidates(self, x: np.ndarray, y: np.ndarray) -> dict[int, list[int]]:
        """Positions (index) inside the polygon of some zone volume, with those volumes."""
        if self._zone_tree is None or len(x) == 0:
            return {}
        pos, vol = self._zone_tree.query(shapely.points(x, y), predicate="intersects")
        out: dict[int, list[int]] = {}
        for i, v in zip(pos.tolist(), vol.tolist(), strict=True):
            out.setdefault(i, []).append(v)
        return out

    def watch(
        self,
        flight_id: str,
        drone_id: str,
        plan: Trajectory4D | AreaOp,
        state: str,
        *,
        now_s: float,
    ) -> None:
        """Start (or update) watching an accepted or airborne flight."""
        if isinstance(plan, Trajectory4D):
            geom = shapely.linestrings(plan.xyzt[:, :2])
            lo, hi = float(plan.xyzt[:, 2].min()), float(plan.xyzt[:, 2].max())
        else:
            geom, lo, hi = plan.polygon_xy, plan.lower_m, plan.upper_m
        authorised = frozenset(
            v.zone_id
            for v in self.zones
            if v.restriction == "REQ_AUTHORISATION"
            and v.lower_m <= hi
            and lo <= v.upper_m
            and shapely.intersects(v.polygon_xy, geom)
        )
        old = self.watches.get(flight_id)
        self.watches[flight_id] = _Watch(flight_id, drone_id, plan, state, authorised, hi)
        if old is not None and old.state in AIRBORNE and state in AIRBORNE:
            self.watches[flight_id].since_s = old.since_s
        if old is None:
            self.by_drone.setdefault(drone_id, []).append(flight_id)
        self._packed = None

    def forget(self, flight_id: str) -> list[Event]:
        """Stop watching a flight (ended, cancelled, revoked); its open alerts are cleared."""
        w = self.watches.pop(flight_id, None)
        if w is None:
            return []
        self.by_drone[w.drone_id].remove(flight_id)
        self._packed = None
        return [self._clear(k, None) for k in list(self.open) if k[0] == flight_id]

    def state_of(self, flight_id: str) -> str | None:
        """The conformance state of a watched flight, or ``None``."""
        w = self.watches.get(flight_id)
        return w.state if w else None

    def flight_for(self, drone_id: str, t_s: float) -> str | None:
        """The flight a drone's position at ``t_s`` belongs to (``None``: none)."""
        w = self._flight_for(drone_id, t_s)
        return w.flight_id if w is not None else None

    def _flight_for(self, drone_id: str, t_s: float) -> _Watch | None:
        best = None
        for fid in self.by_drone.get(drone_id, ()):
            w = self.watches[fid]
            if w.state in AIRBORNE:
                return w
            if w.plan.start_s - self.th.time_s <= t_s <= w.plan.end_s + self.th.time_s and (
                best is None or w.plan.start_s < best.plan.start_s
            ):
                best = w
        return best

    # -- episodes --------------------------------------------------------------------------
    def _raise(self, subject: str, ev: Event) -> list[Event]:
        key = (subject, ev.code)
        if key in self.open:
            return []
        self.open[key] = ev
        self._open_codes.setdefault(subject, set()).add(ev.code)
        return [ev]

    def _clear(self, key: tuple[str, str], t_s: float | None) -> Event:
        ev = self.open.pop(key)
        codes = self._open_codes[key[0]]
        codes.discard(key[1])
        if not codes:
            del self._open_codes[key[0]]
        return Event("cleared", ev.code, ev.drone, ev.flight, ev.t_s if t_s is None else t_s)

    def _clear_all(self, subject: str, codes: Sequence[str], t_s: float) -> list[Event]:
        if subject not in self._open_codes:
            return []  # the common case: nothing open
        return [self._clear((subject, c), t_s) for c in codes if (subject, c) in self.open]

    def refused(
        self, subject: str, code: str, drone: str, now_s: float, detail: dict[str, Any]
    ) -> list[Event]:
        """A ``TELEMETRY_*`` refusal: one episode per (subject, code), cleared by the drone's
        next good position."""
        return self._raise(subject, Event("raised", code, drone, None, now_s, None, detail))

    def _set_state(self, w: _Watch, state: str, t_s: float) -> list[Event]:
        if w.state == state:
            return []
        w.state = state
        return [Event("state", state, w.drone_id, w.flight_id, t_s)]

    # -- positions -------------------------------------------------------------------------
    def observe(self, drones: Sequence[str], x, y, z, t, *, now_s: float) -> list[Event]:
        """Check one batch of positions (any order; repeats of (drone, time) are ignored:
        :attr:`kept` lists the indices of the positions that were new)."""
        x, y, z, t = (np.asarray(v, dtype=np.float64) for v in (x, y, z, t))
        order = np.argsort(t, kind="stable")
        keep, flights = [], []
        t_list, z_list = t.tolist(), z.tolist()
        for i in order.tolist():
            d = self.drones.get(drones[i]) or self.drones.setdefault(drones[i], _Drone())
            ti = t_list[i]
            if ti in d.recent or (len(d.recent) == _RECENT_TIMES and ti < d.recent[0]):
                continue  # a redelivery, or older than everything remembered
            d.recent.append(ti)
            d.last_rx_s = max(d.last_rx_s, now_s)
            keep.append(i)
            w = self._flight_for(drones[i], ti) if z_list[i] > self.th.airborne_m else None
            flights.append(w.flight_id if w is not None and w.state in AIRBORNE else None)
        if self._packed is None:
            self._packed = _Packed(self.watches)
        self.kept = sorted(keep)
        idx = np.array(keep, dtype=np.int64)
        lat, ver, tim, is_area = deviations(
            self._packed, flights, x[idx], y[idx], z[idx], t[idx], self.th
        )
        events: list[Event] = []
        in_zones = self._zone_candidates(x[idx], y[idx])
        xs, ys, zs, ts = (v[idx].tolist() for v in (x, y, z, t))
        lat, ver, tim, is_area = lat.tolist(), ver.tolist(), tim.tolist(), is_area.tolist()
        for j, i in enumerate(keep):
            measured = (lat[j], ver[j], tim[j], is_area[j])
            events.extend(
                self._one(drones[i], xs[j], ys[j], zs[j], ts[j], *measured, in_zones.get(j, ()))
            )
        return events

    def _one(self, drone, xi, yi, zi, ti, lat, ver, tim, is_area, zones=()) -> list[Event]:
        d = self.drones[drone]
        if ti >= d.last_t_s:
            d.last_t_s, d.last_xyz = ti, (xi, yi, zi)
        xyz = (xi, yi, zi)
        ev: list[Event] = self._clear_all(drone, TELEMETRY_CODES, ti)
        airborne = zi > self.th.airborne_m
        w = self._flight_for(drone, ti) if airborne else None
        if not airborne:
            ev += self._clear_all(drone, ("UNAUTHORISED_FLIGHT",), ti)
            return ev + self._on_ground(drone, xi, yi, ti)
        ev += self._zone_checks(drone, w, xi, yi, zi, ti, zones)
        if w is None:
            return ev + self._raise(
                drone, Event("raised", "UNAUTHORISED_FLIGHT", drone, None, ti, xyz)
            )
        ev += self._clear_all(drone, ("UNAUTHORISED_FLIGHT",), ti)
        fid = w.flight_id
        if w.state not in AIRBORNE:
            if self.auto_activate and self._at_departure(w, xi, yi, zi, ti):
                ev += self._set_state(w, "activated", ti)
                self._packed = None
                lat, ver, tim, area = deviations(
                    self.watches, [fid], [xi], [yi], [zi], [ti], self.th
                )
                lat, ver, tim, is_area = float(lat[0]), float(ver[0]), float(tim[0]), bool(area[0])
            else:
                return ev + self._raise(fid, Event("raised", "NOT_ACTIVATED", drone, fid, ti, xyz))
        ev += self._clear_all(fid, ("NOT_ACTIVATED", "LOST_LINK"), ti)
        code = deviation_code(lat, ver, tim, is_area, self.th)
        stale = [c for c in DEVIATION_CODES if c != code]
        ev += self._clear_all(fid, stale, ti)
        if code is None:
            w.since_s = None
            return ev + self._set_state(w, "activated", ti)
        dev = {"lateral_m": lat, "vertical_m": ver, "time_s": tim}
        ev += self._set_state(w, "nonconforming" if w.state == "activated" else w.state, ti)
        if w.since_s is None:
            w.since_s = ti
        elif ti - w.since_s >= self.th.contingent_s:
            ev += self._set_state(w, "contingent", ti)
        return ev + self._raise(fid, Event("raised", code, drone, fid, ti, xyz, dev))

    def _at_departure(self, w: _Watch, xi, yi, zi, ti) -> bool:
        if isinstance(w.plan, AreaOp):
            return bool(shapely.contains_xy(w.plan.polygon_xy, xi, yi))
        x0, y0, _z0, t0 = w.plan.xyzt[0]
        return bool(
            np.hypot(xi - x0, yi - y0) <= self.th.lateral_m and abs(ti - t0) <= self.th.time_s
        )

    def _on_ground(self, drone, xi, yi, ti) -> list[Event]:
        """A landing at the route's destination ends the flight."""
        for fid in list(self.by_drone.get(drone, ())):
            w = self.watches[fid]
            if w.state in AIRBORNE and isinstance(w.plan, Trajectory4D):
                xe, ye = w.plan.xyzt[-1, :2]
                if np.hypot(xi - xe, yi - ye) <= self.th.lateral_m:
                    ev = [Event("state", "ended", drone, fid, ti)]
                    return ev + self.forget(fid)
        return []

    def _zone_checks(self, drone, w, xi, yi, zi, ti, zones) -> list[Event]:
        """Ceiling and zones; ``zones``: the volumes whose polygon holds the position."""
        subject = w.flight_id if w is not None else drone
        fid = w.flight_id if w is not None else None
        ev: list[Event] = []
        ceiling = max(self.ceiling_m, w.max_altitude_m if w is not None else -np.inf)
        if zi > ceiling:
            ev += self._raise(
                subject,
                Event("raised", "CEILING_BREACH", drone, fid, ti, (xi, yi, zi), {"altitude_m": zi}),
            )
        else:
            ev += self._clear_all(subject, ("CEILING_BREACH",), ti)
        inside = None
        for k in sorted(zones):
            v = self.zones[k]
            if w is not None and v.zone_id in w.authorised_zones:
                continue
            if v.lower_m <= zi <= v.upper_m and v.active_at(ti):
                inside = v.zone_id
                break
        if inside is not None:
            ev += self._raise(
                subject,
                Event("raised", "ZONE_BREACH", drone, fid, ti, (xi, yi, zi), {"zone": inside}),
            )
        else:
            ev += self._clear_all(subject, ("ZONE_BREACH",), ti)
        return ev

    # -- time ------------------------------------------------------------------------------
    def tick(self, now_s: float) -> list[Event]:
        """Lost links: airborne flights whose drone sent nothing for ``lost_link_s``."""
        ev: list[Event] = []
        for w in self.watches.values():
            if w.state not in AIRBORNE or (w.flight_id, "LOST_LINK") in self.open:
                continue
            d = self.drones.get(w.drone_id)
            if d is None or d.last_xyz is None or d.last_xyz[2] <= self.th.airborne_m:
                continue  # never reported, or last seen on the ground: not a lost link
            silent = now_s - d.last_rx_s
            if silent >= self.th.lost_link_s:
                ev += self._set_state(w, "contingent", now_s)
                ev += self._raise(
                    w.flight_id,
                    Event(
                        "raised",
                        "LOST_LINK",
                        w.drone_id,
                        w.flight_id,
                        now_s,
                        d.last_xyz,
                        {"silent_s": silent},
                    ),
                )
        return ev


__all__ = [
    "AIRBORNE",
    "DEVIATION_CODES",
    "TELEMETRY_CODES",
    "ConformanceMonitor",
    "Event",
    "Thresholds",
    "ZoneVolumeXY",
    "deviation_code",
    "deviations",
]
