"""Fixtures shared by every test package: the deployment, paths to the public interop samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from airspace.deployment import QINGDAO, Deployment

ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT.parent / "shared" / "interop"


@pytest.fixture(scope="session")
def interop() -> Path:
    """The folder of real public UTM data files (``../shared/interop``)."""
    assert INTEROP.is_dir(), f"expected the shared interop samples at {INTEROP}"
    return INTEROP


@pytest.fixture(scope="session")
def qingdao() -> Deployment:
    return QINGDAO
