"""The study file (``qingkong_study: 1``): read a YAML or JSON study, check it against the
published JSON Schema (``study.schema.json``, printed by ``qingkong study schema``) and against
what the schema cannot say (files that exist, names the axes refer to), and hold it as a
:class:`Study`.

Every error is a :class:`StudyError` whose message names the file and the field to fix
(``study.yaml: sweep.network[1]: 'dense' is not a network of this study; define it under
networks: (known: demo)``). Paths in a study are relative to the study file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from scenarios.format import ScenarioError, read_document

STUDY_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "study.schema.json"
"""The published JSON Schema of study files."""

GENERATOR_AXES = ("flights", "seed", "emergency_share", "inspection_share", "survey_share")
"""Axes that change the generated demand (they need ``scenario: {generate: ...}``)."""
AIRSPACE_AXES = ("network", "zones", "separation_h_m", "separation_v_m", "layer_spacing_m")
"""Axes that change the airspace a day is replayed in."""
AXES = GENERATOR_AXES + AIRSPACE_AXES
"""Every axis a study may sweep, in the order run parameters are listed."""
GENERATOR_DEFAULTS: dict[str, Any] = {"city": "qingdao", "flights": 1000, "seed": 0}
MAX_RUNS = 20000


class StudyError(ValueError):
    """A study cannot be read; the message names the file and the field to fix."""


@dataclass(frozen=True)
class Knee:
    """Thresholds that mark a capacity curve's knee (the demand where delays or rejections explode)."""

    delay_p95_s: float = 600.0
    rejected_share: float = 0.10


@dataclass
class Study:
    """A checked study: where days come from, the axes to sweep and the named alternatives."""

    name: str
    description: str
    base_dir: Path
    scenario: dict[str, Any]
    """``{"generate": {city, flights, seed, ...}}`` or ``{"file": absolute path}``."""
    sweep: dict[str, list[Any]]
    design: list[dict[str, Any]]
    networks: dict[str, dict[str, Any]]
    """Name -> ``{"file": absolute path}`` or ``{"generate": {...}}``."""
    zone_sets: dict[str, list[dict[str, Any]]]
    """Name -> zone entries, ``file`` entries made absolute."""
    knee: Knee = field(default_factory=Knee)
    source: dict[str, Any] = field(default_factory=dict)
    """The study document as written."""

    @property
    def generated(self) -> bool:
        """Whether runs generate their day (``scenario: {generate: ...}``)."""
        return "generate" in self.scenario

    def to_json(self) -> dict[str, Any]:
        """The resolved study (absolute paths) as saved next to its results (``study.json``)."""
        return {
            "qingkong_study": STUDY_VERSION,
            "name": self.name,
            "description": self.description,
            "base_dir": str(self.base_dir),
            "scenario": self.scenario,
            "sweep": self.sweep,
            "design": self.design,
            "networks": self.networks,
            "zone_sets": self.zone_sets,
            "knee": {
                "delay_p95_s": self.knee.delay_p95_s,
                "rejected_share": self.knee.rejected_share,
            },
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Study:
        """Inverse of :meth:`to_json` (paths are already absolute)."""
        return cls(
            name=doc["name"],
            description=doc.get("description", ""),
            base_dir=Path(doc["base_dir"]),
            scenario=doc["scenario"],
            sweep=doc["sweep"],
            design=doc["design"],
            networks=doc["networks"],
            zone_sets=doc["zone_sets"],
            knee=Knee(**doc["knee"]),
            source=doc,
        )


@cache
def study_schema() -> dict[str, Any]:
    """The published JSON Schema of study files (draft 2020-12)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _path_of(error: jsonschema.ValidationError) -> str:
    out = ""
    for p in error.absolute_path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "study"


def _schema_errors(doc: Any) -> None:
    validator = jsonschema.Draft202012Validator(study_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: (list(e.absolute_path), e.message))
    if not errors:
        return
    best = jsonschema.exceptions.best_match(errors)
    if best.validator == "oneOf" and best.context:
        # Say what the closest alternative wanted rather than "is not valid under any".
        best = jsonschema.exceptions.best_match(best.context)
    msg = best.message
    if best.validator == "additionalProperties":
        allowed = sorted((best.schema.get("properties") or {}).keys())
        if allowed:
            msg += f" (allowed: {', '.join(allowed)})"
    raise StudyError(f"{_path_of(best)}: {msg}")


def _file(base: Path, value: str, where: str) -> str:
    p = (base / value).resolve()
    if not p.is_file():
        raise StudyError(f"{where}: {p} does not exist")
    return str(p)


def _zone_entries(entries: list[dict[str, Any]], base: Path, where: str) -> list[dict[str, Any]]:
    out = []
    for k, z in enumerate(entries):
        if "file" in z:
            out.append({**z, "file": _file(base, str(z["file"]), f"{where}[{k}].file")})
        elif not isinstance(z.get("id"), str):
            raise StudyError(f"{where}[{k}]: an inline zone needs an 'id' (or give a 'file')")
        else:
            out.append(dict(z))
    return out


def study_from_dict(doc: Any, *, base_dir: Path | str = ".") -> Study:
    """Check a study document (parsed YAML/JSON) and return a :class:`Study`.

    Examples
    --------
    >>> s = study_from_dict({"qingkong_study": 1, "name": "tiny",
    ...                      "scenario": {"generate": {"city": "qingdao"}},
    ...                      "sweep": {"flights": [20, 40], "seed": [1]}})
    >>> s.sweep["flights"], s.scenario["generate"]["flights"]
    ([20, 40], 1000)
    """
    _schema_errors(doc)
    base = Path(base_dir).resolve()
    raw_scenario = doc["scenario"]
    if "generate" in raw_scenario:
        scenario: dict[str, Any] = {"generate": {**GENERATOR_DEFAULTS, **raw_scenario["generate"]}}
    else:
        scenario = {"file": _file(base, raw_scenario["file"], "scenario.file")}
    sweep = {k: list(v) for k, v in (doc.get("sweep") or {}).items()}
    design = [dict(d) for d in doc.get("design") or []]
    networks: dict[str, dict[str, Any]] = {}
    for name, spec in (doc.get("networks") or {}).items():
        if "file" in spec:
            networks[name] = {"file": _file(base, spec["file"], f"networks.{name}.file")}
        else:
            networks[name] = {"generate": {"kind": "qingdao-demo", **spec["generate"]}}
    zone_sets = {
        name: _zone_entries(list(entries), base, f"zone_sets.{name}")
        for name, entries in (doc.get("zone_sets") or {}).items()
    }
    points = [("sweep", sweep)] + [(f"design[{i}]", d) for i, d in enumerate(design)]
    for where, point in points:
        for axis, value in point.items():
            values = value if isinstance(value, list) else [value]
            for k, v in enumerate(values):
                at = f"{where}.{axis}" + (f"[{k}]" if isinstance(value, list) else "")
                if axis in GENERATOR_AXES and not scenario.get("generate"):
                    raise StudyError(
                        f"{at}: {axis} changes generated demand; it needs scenario: {{generate: ...}}"
                        " (this study replays one scenario file)"
                    )
                if axis == "network" and v not in networks:
                    raise StudyError(
                        f"{at}: {v!r} is not a network of this study; define it under networks:"
                        f" (known: {', '.join(sorted(networks)) or 'none'})"
                    )
                if axis == "zones" and v not in zone_sets:
                    raise StudyError(
                        f"{at}: {v!r} is not a zone set of this study; define it under zone_sets:"
                        f" (known: {', '.join(sorted(zone_sets)) or 'none'})"
                    )
    n_runs = max(1, len(design))
    for values in sweep.values():
        n_runs *= len(values)
    if n_runs > MAX_RUNS:
        raise StudyError(f"sweep: {n_runs} runs is more than {MAX_RUNS}; split the study")
    knee = Knee(**(doc.get("knee") or {}))
    return Study(
        name=doc["name"],
        description=str(doc.get("description", "")),
        base_dir=base,
        scenario=scenario,
        sweep=sweep,
        design=design,
        networks=networks,
        zone_sets=zone_sets,
        knee=knee,
        source=dict(doc),
    )


def load_study(path: Path | str) -> Study:
    """Read and check a study file (YAML or JSON).

    Raises
    ------
    StudyError
        Naming the file and the field to fix.
    """
    p = Path(path)
    try:
        doc = read_document(p)
    except ScenarioError as exc:
        raise StudyError(str(exc)) from None
    try:
        return study_from_dict(doc, base_dir=p.resolve().parent)
    except StudyError as exc:
        raise StudyError(f"{p}: {exc}") from None
