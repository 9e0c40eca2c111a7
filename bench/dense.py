"""The dense hour of issue 12: 20,000 route requests departing within one hour over 30 x 30 km.

Each request is a vertical climb at 4 m/s to a layer drawn from {60, 75, 90, 105} m, 10 cruise
legs at one speed drawn from 12-18 m/s along the origin -> destination line with lateral jitter
of the 9 inner waypoints (normal, sigma = 3 % of the square), and a vertical descent. Origins and
destinations are uniform in the square, at least 3 km apart. Departures are uniform in the hour;
requests are filed (and decided, first come first served) in order of departure. Separation
50 m / 10 m, departure window 1,800 s, delay quantum 1 s.

Shared by ``bench/planner.py`` (the benchmark) and its identity check; deterministic for a
seed.
"""

from __future__ import annotations

import numpy as np

SQUARE_M = 30_000.0
HOUR_S = 3600.0
LAYERS_M = (60.0, 75.0, 90.0, 105.0)
CLIMB_MPS = 4.0
MIN_DISTANCE_M = 3000.0
JITTER_SIGMA_M = 0.03 * SQUARE_M
SEP_H_M = 50.0
SEP_V_M = 10.0
WINDOW_S = 1800.0
QUANTUM_S = 1.0
SEED = 12


def dense_flight(rng: np.random.Generator, depart_s: float) -> np.ndarray:
    """One request: rows ``x, y, z, t`` (climb, 10 cruise legs, descent), undelayed."""
    while True:
        a = rng.uniform(0.0, SQUARE_M, 2)
        b = rng.uniform(0.0, SQUARE_M, 2)
        length = float(np.hypot(*(b - a)))
        if length >= MIN_DISTANCE_M:
            break
    layer = float(rng.choice(LAYERS_M))
    speed = float(rng.uniform(12.0, 18.0))
    f = np.linspace(0.0, 1.0, 11)
    xy = a + f[:, None] * (b - a)
    normal = np.array([-(b - a)[1], (b - a)[0]]) / length
    xy[1:-1] += rng.normal(0.0, JITTER_SIGMA_M, (9, 1)) * normal
    xyz = np.vstack([[*a, 0.0], np.column_stack([xy, np.full(11, layer)]), [*b, 0.0]])
    legs = np.diff(xyz, axis=0)
    dt = np.maximum(np.hypot(legs[:, 0], legs[:, 1]) / speed, np.abs(legs[:, 2]) / CLIMB_MPS)
    t = depart_s + np.concatenate([[0.0], np.cumsum(dt)])
    return np.ascontiguousarray(np.column_stack([xyz, t]))


def dense_hour(n: int = 20_000, seed: int = SEED) -> list[np.ndarray]:
    """``n`` requests in filing order (by departure), deterministic for ``seed``.

    >>> reqs = dense_hour(3, seed=1)
    >>> [r.shape for r in reqs], bool(reqs[0][0, 3] <= reqs[1][0, 3] <= reqs[2][0, 3])
    ([(13, 4), (13, 4), (13, 4)], True)
    """
    rng = np.random.default_rng(seed)
    departs = np.sort(rng.uniform(0.0, HOUR_S, n))
    return [dense_flight(rng, float(d)) for d in departs]
