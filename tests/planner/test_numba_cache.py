"""The kernels' cache folder follows their source, so an upgrade never loads a stale kernel."""

from __future__ import annotations

import shutil
from pathlib import Path

import numba

import planner
from planner import numba_cache


def test_planner_points_numba_at_the_keyed_folder():
    assert planner is not None
    assert Path(numba.config.CACHE_DIR).name == f"kernels-{numba_cache.kernel_digest()}"


def test_a_change_to_a_callee_file_alone_moves_the_cache(tmp_path, monkeypatch):
    """kernels/slot.py calls kernels/index.py: editing only index.py must not reuse slot.py's
    compiled code (numba's own check looks at slot.py's file only)."""
    copy = tmp_path / "planner"
    shutil.copytree(numba_cache.PLANNER_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(numba_cache, "PLANNER_DIR", copy)
    before = numba_cache.kernel_digest()
    assert numba_cache.kernel_digest() == before
    callee = copy / "kernels" / "index.py"
    callee.write_text(callee.read_text() + "\n# a changed callee\n")
    assert numba_cache.kernel_digest() != before
    # a module without kernels does not move it
    after = numba_cache.kernel_digest()
    (copy / "reasons.py").write_text("# unrelated\n")
    assert numba_cache.kernel_digest() == after


def test_the_base_folder_is_numba_cache_dir_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert numba_cache.keyed_cache_dir().parent == tmp_path
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    assert numba_cache.keyed_cache_dir().parent == numba_cache.DEFAULT_BASE
