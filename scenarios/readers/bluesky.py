"""BlueSky simulator scenarios (``.scn``) as a traffic source: drone routes become qingkong
flight requests; what cannot be carried over is reported, line by line.

BlueSky lines look like ``HH:MM:SS.hh>COMMAND arg,arg arg`` (commas and spaces both separate
arguments; ``acid COMMAND ...`` is the same as ``COMMAND acid ...``). Read here:

- ``CRE acid,type,lat,lon,hdg,alt,spd``: an aircraft (altitude in ft or ``FLnnn``, speed in
  knots); its creation time becomes the request time and earliest departure.
- ``ADDWPT acid (lat,lon | wpname)[,alt[,spd]]``: route waypoints; ``DEFWPT name lat lon`` names
  positions; ``DEST acid lat,lon`` adds a final waypoint; ``ORIG`` is accepted when it is the
  creation position.
- Geofences (``POLY``, ``POLYALT``, ``CIRCLE``) are left to :func:`airspace.formats.load_zones`,
  which reads ``.scn`` files: the generated scenario references the file as a zone source.
- Display and simulator control (``PAN``, ``ZOOM``, ``COLOR``, ``ASAS``, ``FF``, ...) have no
  meaning for a plan and are listed as ignored.

Not understood (reported): commands that change a flight after creation (``ALT``, ``SPD``,
``HDG``, ``VS``...), aircraft without waypoints (BlueSky would fly them on a heading forever),
waypoint turn modes (``FLYBY``/``FLYTURN``/``TURNSPD``: routes are flown as straight legs here),
crewed aircraft types (skipped unless asked for: they are not drones filing with a UTM).

This module reads the file (:func:`read_bluesky_traffic`); turning what it read into a
scenario document is :mod:`scenarios.readers.bluesky_scenario`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FEET_M = 0.3048
KNOT_MPS = 1852.0 / 3600.0
DRONE_TYPES = frozenset(
    {"M600", "M300", "M200", "M100", "M210", "MAVIC", "PHANTOM", "MATRICE", "AMZN", "DRONE", "UAV"}
)
"""BlueSky aircraft types read as drones (others are crewed aircraft)."""

_IGNORED = frozenset(
    {
        "PAN",
        "ZOOM",
        "COLOR",
        "COLOUR",
        "TRAILS",
        "SYMBOL",
        "ECHO",
        "PLOT",
        "OP",
        "HOLD",
        "FF",
        "RTF",
        "ASAS",
        "RESO",
        "RMETHH",
        "RMETHV",
        "RFACH",
        "RFACV",
        "PRIORULES",
        "DTLOOK",
        "LNAV",
        "VNAV",
        "SWRAD",
        "DT",
        "DTMULT",
        "SEED",
        "IC",
        "RESET",
        "FIXDT",
        "CDMETHOD",
        "ZONER",
        "ZONEDH",
        "NOISE",
        "SCREEN",
        "LABEL",
        "FILTERALT",
        "SAVEIC",
        "+",
        "-",
    }
)
_ZONE_COMMANDS = frozenset({"POLY", "POLYALT", "CIRCLE", "BOX", "DEL", "AREA"})
_AFTER_CREATION = frozenset(
    {"ALT", "SPD", "HDG", "VS", "DELWPT", "DIRECT", "MOVE", "DEL", "AT", "AFTER", "BEFORE"}
)
_ROUTE_COMMANDS = frozenset({"CRE", "ADDWPT", "DEFWPT", "DEST", "ORIG"})
_TURN_MODES = frozenset({"FLYBY", "FLYTURN", "TURNSPD", "TURNRAD", "TURNBANK", "TURNHDGR"})
_LINE = re.compile(r"^\s*(\d+):(\d+):(\d+(?:\.\d*)?)\s*>\s*(.*)$")


class BlueSkyError(ValueError):
    """A BlueSky line that cannot be read although its command is known (names file and line)."""


@dataclass
class Note:
    """One thing about the file that did not become part of the scenario."""

    line: int
    command: str
    status: str
    """``ignored`` (no meaning for a plan) or ``not understood`` (lost in translation)."""
    why: str

    def to_json(self) -> dict[str, Any]:
        """The line's verdict as plain data."""
        return {"line": self.line, "command": self.command, "status": self.status, "why": self.why}


@dataclass
class Aircraft:
    """A BlueSky aircraft as created, with its waypoints ``(lon, lat, altitude_m, speed_mps)``."""

    acid: str
    type: str
    t_s: float
    line: int
    lon: float
    lat: float
    altitude_m: float
    speed_mps: float
    waypoints: list[tuple[float, float, float | None, float | None]] = field(default_factory=list)

    @property
    def is_drone(self) -> bool:
        """Whether the aircraft type names a drone."""
        t = self.type.upper()
        return t in DRONE_TYPES or any(k in t for k in ("DRONE", "UAV"))


@dataclass
class BlueSkyFile:
    """What was read from one ``.scn`` file."""

    path: Path
    aircraft: dict[str, Aircraft]
    geofences: int
    notes: list[Note]


def _altitude_m(text: str) -> float:
    t = text.strip().upper()
    if t.startswith("FL"):
        return float(t[2:]) * 100.0 * FEET_M
    return float(t) * FEET_M


def _speed_mps(text: str) -> float:
    v = float(text)
    if v < 1.0:  # BlueSky reads values below 1 as Mach numbers
        raise ValueError(f"speed {text} is a Mach number; drones give knots")
    return v * KNOT_MPS


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _split(cmdline: str) -> list[str]:
    return [a for a in re.split(r"[,\s]+", cmdline.strip()) if a]


def read_bluesky_traffic(path: Path | str) -> BlueSkyFile:
    """Read the aircraft, routes and notes of a BlueSky scenario file.

    Parameters
    ----------
    path : path
        The ``.scn`` file.

    Returns
    -------
    BlueSkyFile

    Raises
    ------
    BlueSkyError
        A known command with unreadable arguments (file and line named).
    """
    p = Path(path)
    aircraft: dict[str, Aircraft] = {}
    named: dict[str, tuple[float, float]] = {}
    notes: list[Note] = []
    geofences = 0
    for lineno, raw in enumerate(
        p.read_text(encoding="utf-8", errors="replace").splitlines(), start=1
    ):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        m = _LINE.match(text)
        if not m:
            notes.append(
                Note(lineno, text[:20], "not understood", "not a 'HH:MM:SS.hh>COMMAND' line")
            )
            continue
        t_s = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
        args = _split(m[4])
        if not args:
            continue
        cmd = args[0].upper()
        known = _IGNORED | _ZONE_COMMANDS | _AFTER_CREATION | _ROUTE_COMMANDS
        if cmd not in known and len(args) > 1 and args[1].upper() in known:
            args = [args[1], args[0], *args[2:]]  # "acid COMMAND args" form
            cmd = args[0].upper()
        try:
            if cmd == "CRE":
                if len(args) < 8:
                    raise ValueError("CRE needs acid,type,lat,lon,hdg,alt,spd")
                acid, actype = args[1], args[2]
                lat, lon = float(args[3]), float(args[4])
                aircraft[acid] = Aircraft(
                    acid, actype, t_s, lineno, lon, lat, _altitude_m(args[6]), _speed_mps(args[7])
                )
            elif cmd == "DEFWPT":
                named[args[1].upper()] = (float(args[3]), float(args[2]))
            elif cmd in ("ADDWPT", "DEST"):
                acid = args[1]
                if acid not in aircraft:
                    raise ValueError(f"{cmd} for {acid}, which was not created (CRE) before")
                rest = args[2:]
                if rest and rest[0].upper() in _TURN_MODES:
                    notes.append(
                        Note(
                            lineno,
                            f"ADDWPT {rest[0].upper()}",
                            "not understood",
                            "turn modes are not modelled; legs are straight",
                        )
                    )
                    continue
                if rest and rest[0].upper() in named:
                    lon, lat = named[rest[0].upper()]
                    rest = rest[1:]
                elif len(rest) >= 2 or (rest and not _is_number(rest[0])):
                    if not _is_number(rest[0]):
                        notes.append(
                            Note(
                                lineno,
                                f"ADDWPT {acid} {rest[0]}",
                                "not understood",
                                f"waypoint {rest[0]} is not defined in the file (BlueSky navigation database); left out of the route",
                            )
                        )
                        continue
                    lat, lon = float(rest[0]), float(rest[1])
                    rest = rest[2:]
                else:
                    raise ValueError(
                        f"{cmd} needs lat,lon or a waypoint defined by DEFWPT (got {rest})"
                    )
                alt = _altitude_m(rest[0]) if rest and rest[0] not in ("", "-") else None
                spd = _speed_mps(rest[1]) if len(rest) > 1 and rest[1] not in ("", "-") else None
                aircraft[acid].waypoints.append((lon, lat, alt, spd))
            elif cmd == "ORIG":
                ac = aircraft.get(args[1])
                if (
                    ac is None
                    or len(args) < 4
                    or (abs(float(args[2]) - ac.lat) > 1e-5 or abs(float(args[3]) - ac.lon) > 1e-5)
                ):
                    notes.append(
                        Note(
                            lineno,
                            "ORIG",
                            "not understood",
                            "origin differs from the creation position or names an airport",
                        )
                    )
            elif cmd in _ZONE_COMMANDS:
                if cmd in ("POLY", "POLYALT", "CIRCLE"):
                    geofences += 1
                else:
                    notes.append(
                        Note(
                            lineno,
                            cmd,
                            "not understood",
                            "only POLY, POLYALT and CIRCLE geofences are read",
                        )
                    )
            elif cmd in _AFTER_CREATION:
                notes.append(
                    Note(
                        lineno,
                        " ".join(args[:2]),
                        "not understood",
                        "changes a flight after creation; a plan is filed once",
                    )
                )
            elif cmd in _IGNORED or cmd.startswith("+"):
                notes.append(Note(lineno, cmd, "ignored", "display or simulator control"))
            else:
                notes.append(Note(lineno, cmd, "not understood", "unknown BlueSky command"))
        except (ValueError, IndexError) as exc:
            raise BlueSkyError(f"{p}:{lineno}: {cmd}: {exc}") from None
    return BlueSkyFile(path=p, aircraft=aircraft, geofences=geofences, notes=notes)
