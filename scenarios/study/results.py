"""A study's results folder: ``results.parquet`` (one row per run: its parameters and
metrics), optionally ``results.csv``, ``study.json`` (the resolved study, so the report can be
rebuilt from the folder alone) and ``report.html``.

The table is rewritten after every finished run (to a temporary file, then renamed), so a study
stopped at any moment leaves a readable table of the runs done so far; a re-run reads it and
skips the runs that finished (``status`` ``ok``) and retries the failed ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

RESULTS_FILE = "results.parquet"
CSV_FILE = "results.csv"
STUDY_FILE = "study.json"
REPORT_FILE = "report.html"
FRONT = ("run_id", "status", "study")


class ResultsError(ValueError):
    """A results folder cannot be read; the message says which file and why."""


def _columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    cols: dict[str, None] = dict.fromkeys(FRONT)
    for r in rows:
        for k in r:
            cols.setdefault(k, None)
    return list(cols)


def rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    """A table of result rows; columns are the union of the rows' keys (missing values null)."""
    cols = _columns(rows)
    return pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows])


def _atomic(path: Path, write: Any) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, path)


class ResultsFolder:
    """The rows of a results folder, kept in run order and written as runs finish."""

    def __init__(self, folder: Path | str, *, csv: bool = False):
        self.folder = Path(folder)
        self.csv = csv
        self.rows: dict[str, dict[str, Any]] = {}
        path = self.folder / RESULTS_FILE
        if path.is_file():
            for r in read_rows(self.folder):
                self.rows[str(r["run_id"])] = r

    def done(self) -> set[str]:
        """Ids of the runs that finished without error."""
        return {rid for rid, r in self.rows.items() if r.get("status") == "ok"}

    def add(self, row: dict[str, Any]) -> None:
        """Record a finished run and rewrite the table(s)."""
        self.rows[str(row["run_id"])] = row
        self.write()

    def write(self) -> None:
        """Write ``results.parquet`` (and ``results.csv`` when asked) atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        table = rows_table(list(self.rows.values()))
        _atomic(self.folder / RESULTS_FILE, lambda p: pq.write_table(table, p))
        if self.csv:
            flat = table.select(
                [
                    c
                    for c in table.column_names
                    if not pa.types.is_nested(table.schema.field(c).type)
                ]
            )
            _atomic(self.folder / CSV_FILE, lambda p: pacsv.write_csv(flat, p))


def read_rows(folder: Path | str) -> list[dict[str, Any]]:
    """The rows of ``results.parquet`` in a results folder.

    Raises
    ------
    ResultsError
        When the folder has no readable results table.
    """
    path = Path(folder) / RESULTS_FILE
    if not path.is_file():
        raise ResultsError(f"{path}: no results here (run 'qingkong study run' first)")
    try:
        return pq.read_table(path).to_pylist()
    except (OSError, pa.ArrowException) as exc:
        raise ResultsError(f"{path}: cannot read the results table ({exc})") from None


def save_study(folder: Path | str, study_json: dict[str, Any], run_ids: list[str]) -> None:
    """Write ``study.json``: the resolved study and the ids of its runs (in order)."""
    doc = {**study_json, "run_ids": run_ids}
    p = Path(folder) / STUDY_FILE
    p.parent.mkdir(parents=True, exist_ok=True)
    _atomic(
        p, lambda t: t.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    )


def read_study_json(folder: Path | str) -> dict[str, Any]:
    """The ``study.json`` of a results folder."""
    p = Path(folder) / STUDY_FILE
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except OSError:
        raise ResultsError(
            f"{p}: missing (is this a 'qingkong study run' output folder?)"
        ) from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{p}: not valid JSON ({exc})") from None
