"""The latest position of every drone, as numpy columns (ready for a tactical picture)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from api.telemetry.positions import Position


@dataclass
class Latest:
    """Latest position per drone as columns (row ``row_of[drone]``); x, y in metres."""

    row_of: dict[str, int] = field(default_factory=dict)
    drones: list[str] = field(default_factory=list)
    xyzt: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    velocity: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    """Ground speed (m/s), track (deg) and vertical speed (m/s); ``nan`` when not reported."""
    previous: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    """The xyzt the row held before its latest update (motion when velocity is not reported)."""

    def update(self, p: Position, x: float, y: float) -> None:
        """Take ``p`` (at metres ``x``, ``y``) unless the row holds a newer position."""
        row = self.row_of.get(p.drone)
        if row is None:
            row = self.row_of[p.drone] = len(self.drones)
            self.drones.append(p.drone)
            if row >= len(self.xyzt):
                grow = max(64, 2 * len(self.xyzt))
                self.xyzt = np.vstack([self.xyzt, np.full((grow, 4), np.nan)])
                self.velocity = np.vstack([self.velocity, np.full((grow, 3), np.nan)])
                self.previous = np.vstack([self.previous, np.full((grow, 4), np.nan)])
        elif self.xyzt[row, 3] > p.t_s:
            return
        self.previous[row] = self.xyzt[row]
        self.xyzt[row] = (x, y, p.altitude_m, p.t_s)
        self.velocity[row] = [np.nan if v is None else v for v in p[6:9]]
