"""Replaying through the HTTP API gives the same document as replaying in process.

The service runs in this process (FastAPI's TestClient) on a fresh SQLite store whose planner
clock starts at the scenario start; its clock is moved to each event's time, as the in-process
replay decides each event at its ``t``.
"""

from __future__ import annotations

import json
import warnings
from datetime import datetime, timedelta

import pytest

import api.airspace_state
from airspace.corridors import QINGDAO_CORRIDORS_PATH
from api.auth import create_user
from api.config import Settings
from api.main import create_app
from scenarios.format import QINGDAO_SCENARIOS, load_scenario
from scenarios.http import HttpBackend, ServerError
from scenarios.replay import load_airspace, replay

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def _comparable(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    doc["metrics"].pop("timing")
    doc.pop("backend")
    return doc


@pytest.fixture
def service(tmp_path, monkeypatch):
    clock = {"now": datetime(2026, 12, 1, 7, tzinfo=datetime.now().astimezone().tzinfo)}
    monkeypatch.setattr(api.airspace_state, "utcnow", lambda: clock["now"])

    def start(scenario):
        clock["now"] = scenario.start
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'qk.sqlite'}",
            epoch=scenario.start.isoformat(),
            corridors_path=str(QINGDAO_CORRIDORS_PATH),
            warmup=False,
            workflow=str(scenario.extra.get("workflow", "none")),
        )
        app = create_app(settings)
        with app.state.store.write() as s:
            _user, key = create_user(s, role="admin", name="replay test")
        client = TestClient(app)

        def tick(t_s: float) -> None:
            clock["now"] = scenario.start + timedelta(seconds=t_s)

        return client, key, tick

    return start


@pytest.mark.parametrize(
    "name", ["emergency-priority.yaml", "airport-review.yaml", "sailing-week.yaml"]
)
def test_same_results_in_process_and_over_http(service, name):
    sc = load_scenario(QINGDAO_SCENARIOS / name)
    local = replay(sc, progress=False).document
    client, key, tick = service(sc)
    backend = HttpBackend(
        "http://testserver", key, sc, load_airspace(sc), client=client, on_event=tick
    )
    remote = replay(sc, backend=backend, progress=False).document
    assert remote["backend"] == "http"
    a, b = _comparable(remote), _comparable(local)
    for x, y in zip(a["decisions"], b["decisions"], strict=True):
        assert x == y, {k: (x.get(k), y.get(k)) for k in set(x) | set(y) if x.get(k) != y.get(k)}
    assert a == b


def test_wrong_deployment_or_key_is_refused(service):
    sc = load_scenario(QINGDAO_SCENARIOS / "emergency-priority.yaml")
    client, key, _ = service(sc)
    with pytest.raises(ServerError, match="401"):
        HttpBackend("http://testserver", "not-a-key", sc, load_airspace(sc), client=client)
