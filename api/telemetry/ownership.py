"""Whose position is it: a position is taken only from the operator its drone (and flight,
if named) is registered to. Operators name drones and flights by their own ids
(:mod:`api.scoped_ids`); a position naming another operator's drone is a mismatch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from api.scoped_ids import qualified
from api.telemetry.positions import Position, Refusal


def unknown_drone(drone: str) -> Refusal:
    """The refusal of a position of a drone the sender has not registered (whether or not
    another operator has a drone of that id: the sender cannot tell)."""
    return Refusal("TELEMETRY_INVALID", f"drone: {drone!r} is not registered", drone)


def check_owner(
    p: Position,
    operator: str,
    *,
    owner_of: Callable[[str], str | None],
    flight_owner: Mapping[str, str],
) -> Position | Refusal:
    """``p`` in stored ids if ``operator`` may send it, else its refusal.

    ``owner_of`` answers a drone's operator (``None``: unknown drone); ``flight_owner``
    maps a flight id to its operator.
    """
    mine = qualified(operator, p.drone)
    if owner_of(p.drone) != operator and owner_of(mine) == operator:
        p = p._replace(drone=mine)
    if p.flight is not None and flight_owner.get(p.flight) != operator:
        mine = qualified(operator, p.flight)
        if flight_owner.get(mine) == operator:
            p = p._replace(flight=mine)
    owner = owner_of(p.drone)
    if owner is None:
        return unknown_drone(p.drone)
    if owner != operator:
        return Refusal(
            "TELEMETRY_MISMATCH",
            f"operator {operator} sent a position of drone {p.drone!r} of operator {owner}",
            p.drone,
        )
    if p.flight is not None and flight_owner.get(p.flight) != operator:
        return Refusal("TELEMETRY_INVALID", f"flight: {p.flight!r} is not yours", p.drone)
    return p
