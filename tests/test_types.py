"""The packages type-check: mypy (configured in pyproject.toml) runs with the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["airspace", "planner", "api", "scenarios", "cli"]


def _mypy() -> list[str]:
    exe = Path(sys.executable).with_name("mypy")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("mypy")
    if found is None:
        pytest.fail("mypy is part of the test extra: pip install -e '.[test]'")
    return [found]


def test_mypy_is_clean():
    proc = subprocess.run(
        [*_mypy(), *PACKAGES], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
