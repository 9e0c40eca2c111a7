"""One study run, as a Dask worker executes it: build the day (generated or read), set the
run's airspace (network, extra zones, separation, layer spacing), replay it exactly as
``qingkong replay`` does (in process, with the final safety check) and flatten the metrics into
one results row.

A run that raises is returned as a ``failed`` row carrying the error and its parameters, so
one bad run never stops the others. Tasks carry paths and parameters only; every worker reads
the files itself (on a multi-machine cluster the study's files must be at the same paths).
"""

from __future__ import annotations

import json
import os
import socket
import time
import traceback
from functools import cache
from pathlib import Path
from typing import Any

from scenarios.metrics import edge_utilisation

ROW_VERSION = 1


@cache
def _generated_network(spacing_m: float) -> str:
    """The demo network generated at this spacing, as GeoJSON text (cached per worker)."""
    from airspace.corridor_gen import qingdao_demo_geojson

    return json.dumps(qingdao_demo_geojson(spacing_m=spacing_m))


def _network_source(spec: dict[str, Any]) -> str | dict[str, Any]:
    if "file" in spec:
        return str(spec["file"])
    gen = spec["generate"]
    return json.loads(_generated_network(float(gen.get("spacing_m", 1800.0))))


def scenario_document(task: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    """The scenario document of a run (before its airspace changes) and its base folder."""
    from scenarios.format import read_document
    from scenarios.generate import generate_day

    src = task["scenario"]
    if "generate" in src:
        gen = dict(src["generate"])
        city = gen.pop("city", "qingdao")
        return generate_day(city, **gen), Path.cwd()
    path = Path(src["file"])
    return read_document(path), path.parent


def prepare(task: dict[str, Any]) -> tuple[Any, Any]:
    """The :class:`~scenarios.format.Scenario` and :class:`~scenarios.replay.Airspace` of a run."""
    from airspace.corridors import CorridorNetwork
    from scenarios.format import scenario_from_dict
    from scenarios.replay import load_airspace

    doc, base = scenario_document(task)
    doc = dict(doc)
    sep = dict(doc.get("separation") or {})
    if task.get("separation_h_m") is not None:
        sep["horizontal_m"] = float(task["separation_h_m"])
    if task.get("separation_v_m") is not None:
        sep["vertical_m"] = float(task["separation_v_m"])
    elif task.get("layer_spacing_m") is not None:
        # Layers are S_v slabs (DESIGN.md): spacing them closer means a smaller vertical minimum.
        sep["vertical_m"] = float(task["layer_spacing_m"])
    doc["separation"] = sep
    if task.get("zones"):
        air = dict(doc.get("airspace") or {})
        air["zones"] = list(air.get("zones") or []) + list(task["zones"])
        doc["airspace"] = air
    scenario = scenario_from_dict(doc, base_dir=base)
    airspace = load_airspace(scenario)
    spacing = task.get("layer_spacing_m") or task.get("separation_v_m")
    if task.get("network") is not None or spacing is not None:
        if task.get("network") is not None:
            source: str | dict[str, Any] = _network_source(task["network"])
        elif scenario.corridors_file is not None:
            source = str(scenario.corridors_file)
        else:
            raise ValueError("layer spacing: the scenario has no corridor network to re-layer")
        airspace.corridors = CorridorNetwork.from_geojson(
            source,
            scenario.deployment,
            separation_vertical_m=None if spacing is None else float(spacing),
        )
    return scenario, airspace


def metrics_row(document: dict[str, Any]) -> dict[str, Any]:
    """The flat results columns of one replay document.

    Examples
    --------
    >>> doc = {"decisions": [], "final": {}, "metrics": {"requests": 4, "approved": 3,
    ...     "pending": 0, "rejected": 1, "rejected_by_reason": {"NO_SLOT": 1},
    ...     "pending_by_reason": {}, "delay_s": {"mean": 5.0, "p50": 0.0, "p95": 18.0,
    ...     "max": 20.0, "delayed": 1}, "replans": 0, "revocations": 0, "reviews": 0,
    ...     "peak_airborne": 2, "event_errors": 0, "timing": {"wall_s": 1.5}}}
    >>> row = metrics_row(doc)
    >>> row["rejected_share"], row["rejected_NO_SLOT"], row["delay_p95_s"]
    (0.25, 1, 18.0)
    """
    m = document["metrics"]
    n = max(1, int(m["requests"]))
    d = m["delay_s"]
    row: dict[str, Any] = {
        "requests": int(m["requests"]),
        "approved": int(m["approved"]),
        "pending": int(m["pending"]),
        "rejected": int(m["rejected"]),
        "approved_share": round(m["approved"] / n, 6),
        "pending_share": round(m["pending"] / n, 6),
        "rejected_share": round(m["rejected"] / n, 6),
        "delay_mean_s": float(d["mean"]),
        "delay_p50_s": float(d["p50"]),
        "delay_p95_s": float(d["p95"]),
        "delay_max_s": float(d["max"]),
        "delayed": int(d["delayed"]),
        "replans": int(m["replans"]),
        "revocations": int(m["revocations"]),
        "reviews": int(m["reviews"]),
        "peak_airborne": int(m["peak_airborne"]),
        "event_errors": int(m["event_errors"]),
        "replay_wall_s": float(m.get("timing", {}).get("wall_s") or 0.0),
    }
    for code, count in (m.get("rejected_by_reason") or {}).items():
        row[f"rejected_{code}"] = int(count)
    for code, count in (m.get("pending_by_reason") or {}).items():
        row[f"pending_{code}"] = int(count)
    s = m.get("safety")
    if s is not None:
        row["safety_ok"] = bool(s["ok"])
        row["safety_conflicts"] = int(s["conflicts"])
        row["safety_zone_violations"] = int(s["zone_violations"])
    use = edge_utilisation(document.get("decisions", []), document.get("final", {}))
    row["corridors_used"] = len(use)
    row["corridor_use"] = json.dumps(dict(sorted(use.items())), separators=(",", ":"))
    return row


def execute_run(task: dict[str, Any]) -> dict[str, Any]:
    """Replay one run and return its results row (``status`` ``ok`` or ``failed``)."""
    started = time.perf_counter()
    cpu_started = time.process_time()
    row: dict[str, Any] = {
        "run_id": task["run_id"],
        "study": task["study"],
        **task["params"],
        "params": json.dumps(task["params"]),
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "numba_cache_dir": os.environ.get("NUMBA_CACHE_DIR", ""),
    }
    try:
        from scenarios.replay import replay

        scenario, airspace = prepare(task)
        result = replay(scenario, airspace=airspace, progress=False)
        row.update(metrics_row(result.document))
        row["status"] = "ok"
        row["error"] = ""
    except Exception as exc:  # a failed run is a results row, not the end of the study
        row["status"] = "failed"
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        row["error"] = f"{type(exc).__name__}: {exc}{where}"
    row["wall_s"] = round(time.perf_counter() - started, 3)
    # CPU seconds of the run: against wall_s it shows how much CPU the worker actually got.
    row["cpu_s"] = round(time.process_time() - cpu_started, 3)
    row["finished_at"] = time.time()
    return row


def warm_up() -> str:
    """Load (or compile once into the shared cache) the planner's numba kernels on a worker."""
    from scenarios.format import scenario_from_dict
    from scenarios.generate import generate_day
    from scenarios.replay import replay

    replay(scenario_from_dict(generate_day("qingdao", flights=20, seed=0)), progress=False)
    return os.environ.get("NUMBA_CACHE_DIR", "")
