"""Fixtures shared by every test package: the deployment, paths to the public interop samples."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import settings

from airspace.deployment import Deployment
from airspace.projection import Projection
from tests.builders import CITY, EPOCH, PROJECTION

# Property tests explore new random cases on every developer run; in CI (CI=true) they replay a
# fixed derivation so that a landing is judged on the same cases it was tested with. No test
# depends on wall-clock speed, so hypothesis's per-example deadline is off everywhere.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT.parent / "shared" / "interop"


@pytest.fixture(scope="session")
def interop() -> Path:
    """The folder of real public UTM data files (``../shared/interop``)."""
    assert INTEROP.is_dir(), f"expected the shared interop samples at {INTEROP}"
    return INTEROP


@pytest.fixture(scope="session")
def qingdao() -> Deployment:
    """The one small city of the tests (:data:`tests.builders.CITY`)."""
    return CITY


@pytest.fixture(scope="session")
def epoch() -> datetime:
    """The tests' day (:data:`tests.builders.EPOCH`)."""
    return EPOCH


@pytest.fixture(scope="session")
def projection() -> Projection:
    """The city's metric frame (:data:`tests.builders.PROJECTION`)."""
    return PROJECTION
