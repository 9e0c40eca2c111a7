"""The HTML report of a study (``results/report.html``): capacity curves with their knees, the
knee table, paired comparisons of two-valued settings, corridor utilisation heat maps, a table per
setting and demand level, the failed runs with their parameters, and every run.

The report is one self-contained file (figures embedded as PNG) rebuilt from the results folder
alone (``results.parquet`` and ``study.json``): ``qingkong study report results/``.
"""

from __future__ import annotations

import base64
import html
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from airspace.corridors import CorridorNetwork
from airspace.deployment import Deployment
from scenarios.study.compare import CompareError, axis_values, compare_axis
from scenarios.study.curves import DEMAND_AXIS, capacity_curves, knee, setting_of
from scenarios.study.figures import capacity_figure, heatmap_figure, heatmap_inputs
from scenarios.study.model import AIRSPACE_AXES, Knee
from scenarios.study.results import REPORT_FILE, read_rows, read_study_json

CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:right;font-variant-numeric:tabular-nums}
th{background:#f2f2f2}td.l,th.l{text-align:left}
.bad{color:#b00020;font-weight:bold}.ok{color:#1b7a1b}
img{max-width:100%}small{color:#666}
"""


def _e(v: Any) -> str:
    return html.escape(str(v))


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], left: int = 1) -> str:
    th = "".join(f'<th class="{"l" if i < left else ""}">{_e(h)}</th>' for i, h in enumerate(head))
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _fmt(v: Any, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return _e(f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else v)


class StudyContext:
    """What the report needs from ``study.json``: the deployment and each setting's network."""

    def __init__(self, study: Mapping[str, Any]):
        self.study = study

    @property
    def deployment(self) -> Deployment:
        """The deployment the study's days belong to (times are shown in its time zone)."""
        return self._scenario_info()[0]

    @cache  # noqa: B019 - one context per report
    def _scenario_info(self) -> tuple[Deployment, Any]:
        src = self.study["scenario"]
        if "generate" in src:
            from scenarios.generate import CITIES

            city = CITIES[src["generate"].get("city", "qingdao")]
            return city.deployment, city.corridors_path
        from scenarios.format import ScenarioError, load_scenario

        try:
            sc = load_scenario(src["file"])
        except ScenarioError:
            from airspace.deployment import QINGDAO

            return QINGDAO, None
        return sc.deployment, sc.corridors_file

    @cache  # noqa: B019
    def _network(self, name: str | None) -> CorridorNetwork | None:
        from scenarios.study.execute import _network_source

        deployment, default = self._scenario_info()
        try:
            if name is None:
                return (
                    None if default is None else CorridorNetwork.from_geojson(default, deployment)
                )
            return CorridorNetwork.from_geojson(
                _network_source(self.study["networks"][name]), deployment
            )
        except (ValueError, OSError, KeyError):
            return None  # a broken network file is reported by its failed runs

    def network_for(self, setting: Mapping[str, Any]) -> CorridorNetwork | None:
        """The corridor network a setting flies (its ``network`` axis value or the scenario's)."""
        return self._network(setting.get("network"))


def _knee_section(rows: Sequence[Mapping[str, Any]], kn: Knee) -> tuple[str, bytes | None]:
    delay = capacity_curves(rows, "delay_p95_s")
    rej = capacity_curves(rows, "rejected_share")
    if not delay:
        return "<p>No demand axis (flights) among the finished runs: no capacity curve.</p>", None
    table_rows = []
    for cd, cr in zip(delay, rej, strict=True):
        kd = knee(cd.points, kn.delay_p95_s)
        kr = knee(cr.points, kn.rejected_share)
        both = [k.demand for k in (kd, kr) if k.demand is not None]
        table_rows.append(
            [
                _e(cd.label),
                _e(kd.words()),
                _e(kr.words()),
                f"<b>{_e(f'{min(both):,.0f}') if both else 'not reached'}</b>",
                _fmt(int(cd.points[0].demand)) + " – " + _fmt(int(cd.points[-1].demand)),
                _fmt(max(p.runs for p in cd.points)),
            ]
        )
    head = [
        "setting / 设置",
        f"knee: p95 delay ≥ {kn.delay_p95_s:g} s",
        f"knee: rejected ≥ {kn.rejected_share:.0%}",
        "capacity (first knee) / 容量拐点",
        "demand swept (requests/day)",
        "seeds",
    ]
    fig = capacity_figure(
        [("delay_p95_s", delay, kn.delay_p95_s), ("rejected_share", rej, kn.rejected_share)]
    )
    return _table(head, table_rows), fig


def _comparisons(rows: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for axis in AIRSPACE_AXES:
        values = axis_values(rows, axis)
        if len(values) != 2:
            continue
        try:
            a, b, diffs = compare_axis(rows, axis)
        except CompareError as exc:
            parts.append(f"<p>{_e(axis)}: {_e(exc)}</p>")
            continue
        body = [
            [
                _e(d.metric),
                _fmt(d.pairs),
                _fmt(d.mean_a, 3),
                _fmt(d.mean_b, 3),
                _fmt(d.mean_diff, 3),
                "–" if d.ci_low is None else f"[{d.ci_low:,.3f}, {d.ci_high:,.3f}]",
            ]
            for d in diffs
        ]
        parts.append(
            f"<h3>{_e(axis)}: {_e(b)} − {_e(a)}</h3>"
            + _table(["metric", "pairs", f"A = {a}", f"B = {b}", "B − A", "95% CI"], body)
        )
    return "".join(parts) or "<p>No axis with exactly two settings to compare.</p>"


def _level_table(rows: Sequence[Mapping[str, Any]]) -> str:
    groups: dict[tuple, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        if r.get("status") == "ok":
            groups[(setting_of(r), r.get(DEMAND_AXIS) or 0)].append(r)

    def mean(rs: Sequence[Mapping[str, Any]], k: str) -> float | None:
        v = [float(r[k]) for r in rs if r.get(k) is not None]
        return float(np.mean(v)) if v else None

    body = []
    for (setting, demand), rs in sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        unsafe = sum(1 for r in rs if r.get("safety_ok") is False)
        body.append(
            [
                _e(" ".join(f"{k}={v}" for k, v in setting) or "all runs"),
                _fmt(demand),
                _fmt(len(rs)),
                _fmt(100 * (mean(rs, "approved_share") or 0)),
                _fmt(100 * (mean(rs, "pending_share") or 0)),
                _fmt(100 * (mean(rs, "rejected_share") or 0)),
                _fmt(mean(rs, "delay_p50_s")),
                _fmt(mean(rs, "delay_p95_s")),
                _fmt(mean(rs, "replans")),
                _fmt(mean(rs, "revocations")),
                _fmt(mean(rs, "peak_airborne")),
                '<span class="ok">OK</span>'
                if not unsafe
                else f'<span class="bad">{unsafe} FAILED</span>',
                _fmt(mean(rs, "wall_s")),
            ]
        )
    head = [
        "setting",
        "requests/day",
        "runs",
        "approved %",
        "pending %",
        "rejected %",
        "delay p50 (s)",
        "delay p95 (s)",
        "re-plans",
        "revocations",
        "peak airborne",
        "safety check",
        "wall (s)",
    ]
    return _table(head, body, left=1)


def _run_tables(rows: Sequence[Mapping[str, Any]], axes: Sequence[str]) -> tuple[str, str]:
    failed = [r for r in rows if r.get("status") != "ok"]
    failed_html = (
        _table(
            ["run", *axes, "error"],
            [
                [
                    _e(r["run_id"]),
                    *(_fmt(r.get(a)) for a in axes),
                    f'<span class="bad">{_e(r.get("error", ""))}</span>',
                ]
                for r in failed
            ],
        )
        if failed
        else "<p>None. / 无</p>"
    )
    cols = ["approved", "pending", "rejected", "delay_p95_s", "replans", "safety_ok", "wall_s"]
    all_html = _table(
        ["run", "status", *axes, *cols],
        [
            [_e(r["run_id"]), _e(r.get("status")), *(_fmt(r.get(c)) for c in [*axes, *cols])]
            for r in rows
        ],
    )
    return failed_html, all_html


def build_report(folder: Path | str) -> str:
    """The report HTML of a results folder."""
    study = read_study_json(folder)
    ids = study.get("run_ids") or []
    order = {rid: i for i, rid in enumerate(ids)}
    rows = sorted(
        (r for r in read_rows(folder) if r["run_id"] in order), key=lambda r: order[r["run_id"]]
    )
    ctx = StudyContext(study)
    kn = Knee(**study["knee"])
    axes = [a for a in study["sweep"]] + [
        a for d in study.get("design") or [] for a in d if a not in study["sweep"]
    ]
    axes = list(dict.fromkeys(axes))
    ok = [r for r in rows if r.get("status") == "ok"]
    unsafe = [r for r in ok if r.get("safety_ok") is False]
    now = datetime.now(ctx.deployment.tz).strftime("%Y-%m-%d %H:%M %Z")
    knee_html, cap_png = _knee_section(ok, kn)
    maps = heatmap_inputs(ok, ctx.network_for)
    failed_html, all_html = _run_tables(rows, axes)
    summary = (
        f"{len(ids)} runs in the study: {len(ok)} finished, "
        f'<span class="{"bad" if len(rows) > len(ok) else ""}">{len(rows) - len(ok)} failed</span>, '
        f"{len(ids) - len(rows)} not run yet; final safety check "
        + (
            f'<span class="bad">FAILED in {len(unsafe)} runs</span>'
            if unsafe
            else '<span class="ok">OK in every finished run</span>'
        )
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(study['name'])}: capacity study</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(study['name'])} <small>capacity study / 容量研究</small></h1>",
        f"<p>{_e(study.get('description', ''))}</p>",
        f"<p>{summary}.<br><small>Report written {now}; swept: {_e(', '.join(axes) or 'nothing')}; "
        f"knee thresholds: p95 delay {kn.delay_p95_s:g} s, rejected share {kn.rejected_share:.0%}."
        "</small></p>",
        "<h2>Capacity curves / 容量曲线</h2>",
        "<p>Mean over seeds; the shaded band spans the seeds' lowest and highest value. The knee "
        "(✕) is where the curve crosses its threshold (interpolated between demand levels).</p>",
        knee_html,
        _img(cap_png, "capacity curves") if cap_png else "",
        "<h2>Paired comparisons / 配对比较</h2>",
        "<p>Same days (same flights and seeds) under both settings; B − A per pair, Student-t 95 % "
        "confidence interval of the mean difference.</p>",
        _comparisons(ok),
        "<h2>Corridor utilisation / 走廊使用热图</h2>",
        _img(heatmap_figure(maps), "corridor utilisation") if maps else "<p>No finished runs.</p>",
        "<h2>By setting and demand / 按设置与需求</h2>",
        _level_table(ok),
        "<h2>Failed runs / 失败的运行</h2>",
        failed_html,
        f"<details><summary>All {len(rows)} runs / 全部运行</summary>{all_html}</details>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(folder: Path | str) -> Path:
    """Write ``report.html`` into a results folder and return its path."""
    path = Path(folder) / REPORT_FILE
    path.write_text(build_report(folder), encoding="utf-8")
    return path


def report_json(folder: Path | str) -> dict[str, Any]:
    """The knees of a results folder as plain JSON (``qingkong study report --json``)."""
    study = read_study_json(folder)
    ids = set(study.get("run_ids") or [])
    rows = [r for r in read_rows(folder) if r["run_id"] in ids and r.get("status") == "ok"]
    kn = Knee(**study["knee"])
    out = []
    for cd, cr in zip(
        capacity_curves(rows, "delay_p95_s"), capacity_curves(rows, "rejected_share"), strict=True
    ):
        out.append(
            {
                "setting": dict(cd.setting),
                "knee_delay_p95": knee(cd.points, kn.delay_p95_s).__dict__,
                "knee_rejected_share": knee(cr.points, kn.rejected_share).__dict__,
                "points": [
                    {
                        "flights": p.demand,
                        "runs": p.runs,
                        "delay_p95_s": p.mean,
                        "rejected_share": q.mean,
                    }
                    for p, q in zip(cd.points, cr.points, strict=True)
                ],
            }
        )
    return {"study": study["name"], "thresholds": study["knee"], "curves": out}
