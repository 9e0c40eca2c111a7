"""A study's runs: the cross product of its sweep (crossed with each ``design`` entry) as
:class:`Run` objects with stable ids.

A run id is a digest of everything that decides the run's outcome: the scenario source, the
parameters, and the definitions (file contents, generator parameters) of the network and zone
set it names. The same run in a re-run, or in another study, gets the same id, so finished runs
are skipped; change a corridor file and the runs that use it get new ids and are replayed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from scenarios.study.model import AXES, GENERATOR_AXES, Study


@dataclass(frozen=True)
class Run:
    """One run of a study: its id, its parameters (one value per swept axis) and its task."""

    run_id: str
    params: dict[str, Any]
    task: dict[str, Any]
    """What a worker needs to replay it (plain JSON: paths and parameters, no large objects)."""

    @property
    def label(self) -> str:
        """The parameters in words, e.g. ``flights=2000 seed=1``."""
        return " ".join(f"{k}={v}" for k, v in self.params.items())


@cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _fingerprint(value: Any) -> Any:
    """``value`` with every ``file`` path replaced by its content digest (moves keep the id)."""
    if isinstance(value, dict):
        return {
            k: (
                "sha256:" + _file_digest(v)
                if k == "file" and isinstance(v, str)
                else _fingerprint(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_fingerprint(v) for v in value]
    return value


def run_id_of(task: dict[str, Any]) -> str:
    """The stable id of a run task (12 hex digits of a SHA-256 over its fingerprint)."""
    body = {k: v for k, v in task.items() if k not in ("run_id", "study", "label")}
    canon = json.dumps(_fingerprint(body), sort_keys=True, separators=(",", ":"))
    return "r" + hashlib.sha256(canon.encode("utf-8")).hexdigest()[:12]


def _task(study: Study, params: dict[str, Any]) -> dict[str, Any]:
    if study.generated:
        gen = dict(study.scenario["generate"])
        gen.update({k: params[k] for k in GENERATOR_AXES if k in params})
        scenario: dict[str, Any] = {"generate": gen}
    else:
        scenario = {"file": study.scenario["file"]}
    net_name = params.get("network")
    zones_name = params.get("zones")
    return {
        "scenario": scenario,
        "network": None if net_name is None else study.networks[net_name],
        "zones": [] if zones_name is None else study.zone_sets[zones_name],
        "separation_h_m": params.get("separation_h_m"),
        "separation_v_m": params.get("separation_v_m"),
        "layer_spacing_m": params.get("layer_spacing_m"),
    }


def expand(study: Study) -> list[Run]:
    """The runs of a study, in a stable order (sweep axes in :data:`AXES` order, then design).

    Examples
    --------
    >>> from scenarios.study.model import study_from_dict
    >>> s = study_from_dict({"qingkong_study": 1, "name": "tiny",
    ...     "scenario": {"generate": {"city": "qingdao"}},
    ...     "sweep": {"seed": [1, 2], "flights": [20, 40]}})
    >>> [r.label for r in expand(s)]
    ['flights=20 seed=1', 'flights=20 seed=2', 'flights=40 seed=1', 'flights=40 seed=2']
    >>> expand(s)[0].run_id == expand(s)[0].run_id and len({r.run_id for r in expand(s)})
    4
    """
    axes = [a for a in AXES if a in study.sweep]
    combos = [
        dict(zip(axes, values, strict=True))
        for values in itertools.product(*(study.sweep[a] for a in axes))
    ]
    design = study.design or [{}]
    runs: list[Run] = []
    seen: set[str] = set()
    for combo in combos:
        for point in design:
            merged = {**combo, **point}
            params = {a: merged[a] for a in AXES if a in merged}
            task = _task(study, params)
            rid = run_id_of(task)
            if rid in seen:
                continue
            seen.add(rid)
            runs.append(
                Run(rid, params, {**task, "run_id": rid, "study": study.name, "params": params})
            )
    return runs
