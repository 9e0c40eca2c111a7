"""Altitude layers and the semicircular direction rule of the corridor network (see
:mod:`airspace.corridors`)."""

from __future__ import annotations

import math

from airspace.errors import AirspaceError


def layer_altitudes_m(
    lower_m: float,
    upper_m: float,
    separation_vertical_m: float,
    track_deg: float | None = None,
    *,
    parity: int | None = None,
) -> tuple[float, ...]:
    """The cruise altitudes (m AGL) of the layers that fit in a band, optionally for one direction.

    Parameters
    ----------
    lower_m, upper_m : float
        The corridor's vertical band, metres above ground.
    separation_vertical_m : float
        The vertical separation ``S_v``; layer ``i`` is the slab ``[i*S_v, (i+1)*S_v]``.
    track_deg : float, optional
        Direction of flight (grid north, clockwise). ``[0, 180)`` keeps the even layers,
        ``[180, 360)`` the odd ones; ``None`` returns the layers of both directions.
    parity : int, optional
        0 (even layers) or 1 (odd layers) directly, e.g. from :func:`direction_parity_xy`.

    Returns
    -------
    tuple of float
        Layer altitudes in increasing order (empty when no layer fits).

    Examples
    --------
    >>> layer_altitudes_m(60, 120, 20)
    (70.0, 90.0, 110.0)
    >>> layer_altitudes_m(60, 120, 20, track_deg=45), layer_altitudes_m(60, 120, 20, track_deg=270)
    ((90.0,), (70.0, 110.0))
    """
    s = float(separation_vertical_m)
    if not s > 0:
        raise AirspaceError(f"vertical separation must be positive, got {separation_vertical_m}")
    eps = 1e-9
    first = max(0, math.ceil(lower_m / s - eps))
    last = math.floor(upper_m / s + eps) - 1
    if parity is None and track_deg is not None:
        parity = direction_parity(track_deg)
    return tuple((i + 0.5) * s for i in range(first, last + 1) if parity is None or i % 2 == parity)


def direction_parity(track_deg: float) -> int:
    """0 for tracks in ``[0, 180)`` degrees (even layers), 1 for ``[180, 360)`` (odd layers)."""
    return 0 if (float(track_deg) % 360.0) < 180.0 else 1


def direction_parity_xy(dx_m: float, dy_m: float) -> int:
    """:func:`direction_parity` of a displacement, exact for opposite displacements.

    East-going (``dx > 0``) and due-north displacements give 0, their opposites 1, without
    going through an angle (so a north-south corridor cannot round both ways into one set).
    """
    return 0 if dx_m > 0.0 or (dx_m == 0.0 and dy_m > 0.0) else 1


def track_deg(dx_m: float, dy_m: float) -> float:
    """Track angle of a displacement in degrees, grid north = 0, clockwise, in ``[0, 360)``."""
    return math.degrees(math.atan2(dx_m, dy_m)) % 360.0


# --------------------------------------------------------------------------- model
