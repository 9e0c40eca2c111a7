"""The numeric constants of the planner's numba kernels, in one place.

Tolerances and margins are in the units their names say; bit masks and the hash multiplier
belong to the space-time index's key packing (:mod:`planner.kernels.index`).
"""

from __future__ import annotations

import numpy as np

SEPARATION_MARGIN_M = 1e-6
"""Minima are shrunk by this much to turn the strict ``< S`` into closed sets (metres)."""

INSIDE_TOLERANCE = 1e-9
"""Slack (seconds / metres) when testing whether a tangent point lies in the clipped polygon."""

NO_DELAY = np.nan
"""What a kernel returns for "no delay" (no interval, no free grid point)."""

FOUND_AREA = 1
"""``flags`` bit of the fused slot search: an accepted area operation is in the way."""

KEY_MASK16 = (1 << 16) - 1
"""Index key packing: 16-bit field mask."""
KEY_MASK21 = (1 << 21) - 1
"""Index key packing: 21-bit field mask."""
KEY_MASK10 = (1 << 10) - 1
"""Index key packing: 10-bit field mask."""
KEY_MIX = 0x5851F42D4C957F2D
"""Index key hash multiplier (64-bit)."""
