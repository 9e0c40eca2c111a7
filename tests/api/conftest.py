"""Fixtures of the API tests: the service on a fresh store (SQLite always, PostgreSQL too when
``QINGKONG_TEST_DATABASE_URL`` is set), keys per role, helpers to register drones and file
flights a few minutes from now."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette asks for httpx2 (DESIGN.md pitfalls)
    from fastapi.testclient import TestClient

from api.auth import create_user
from api.config import Settings
from api.main import create_app
from api.store import drop_schema

PG_URL = os.environ.get("QINGKONG_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store URL: a SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'qingkong.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("QINGKONG_TEST_DATABASE_URL is not set")
    drop_schema(PG_URL)
    yield PG_URL
    drop_schema(PG_URL)


@dataclass
class Service:
    """A running app with a client and one key per role (operators OP-A and OP-B)."""

    app: Any
    client: TestClient
    keys: dict[str, str]

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def now_s(self) -> float:
        return self.client.get("/v1/health").json()["now_s"]

    def drone(self, who: str, drone_id: str, **kw: Any) -> dict[str, Any]:
        body = {
            "id": drone_id,
            "serial": f"SN-{drone_id}",
            "empty_weight_kg": 0.9,
            "max_takeoff_weight_kg": 1.5,
            "max_speed_mps": 20.0,
            "capabilities": ["remote_id", "geofencing", "manual_takeover"],
        } | kw
        r = self.client.post("/v1/drones", json=body, headers=self.h(who))
        assert r.status_code == 201, r.text
        return r.json()

    def fly(
        self,
        who: str,
        drone: str,
        waypoints: list[list[float]],
        *,
        start_in_s: float = 600,
        window_s: float = 1800,
        **kw: Any,
    ):
        now = self.now_s()
        body = {
            "drone": drone,
            "departure": {"earliest": now + start_in_s, "latest": now + start_in_s + window_s},
            "speed_mps": 10.0,
            "route": {"waypoints": waypoints},
        } | kw
        return self.client.post("/v1/flights", json=body, headers=self.h(who))


def make_service(url: str, **settings: Any) -> Service:
    app = create_app(Settings(database_url=url, **settings))
    keys = {}
    with app.state.store.write() as s:
        for who, role, op in (
            ("admin", "admin", None),
            ("regulator", "regulator", None),
            ("a", "operator", "OP-A"),
            ("b", "operator", "OP-B"),
        ):
            keys[who] = create_user(s, role=role, operator_id=op)[1]
    return Service(app, TestClient(app), keys)


@pytest.fixture
def service(db_url: str) -> Iterator[Service]:
    svc = make_service(db_url)
    yield svc
    svc.client.close()
    svc.app.state.telemetry.stop()  # its lost-link timer must not outlive the test's store
    svc.app.state.store.dispose()


# A straight 1.8 km west-east hop in Qingdao at 60 m, and one crossing it north-south that
# reaches the crossing point at the same time when both leave together.
EAST = [[120.30, 36.10, 0.0], [120.30, 36.10, 60.0], [120.32, 36.10, 60.0], [120.32, 36.10, 0.0]]
NORTH = [
    [120.31, 36.0919, 0.0],
    [120.31, 36.0919, 60.0],
    [120.31, 36.1081, 60.0],
    [120.31, 36.1081, 0.0],
]
