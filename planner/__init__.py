"""4D trajectories, the numba deconfliction kernels, the earliest-conflict-free-slot search,
routing over corridors and the flight decision (approve / pending / reject with reasons).

``planner`` imports only from ``airspace``.
"""

from planner.numba_cache import use_keyed_cache_dir

use_keyed_cache_dir()
