"""Cold start: health answers while the kernels compile, ready shows the progress, and a
flight filed meanwhile waits for the kernels instead of failing."""

from __future__ import annotations

import threading
import time

import pytest

import planner.warm
from api.warmup import KernelWarmup
from tests.api.conftest import EAST, make_service


def test_progress_goes_from_compiling_to_ready_and_a_failure_is_reported():
    seen = []
    gate = threading.Event()
    w = KernelWarmup([("first", gate.wait), ("second", lambda: None)], report=seen.append)
    w.start()
    time.sleep(0.05)
    assert w.progress()["state"] == "compiling"
    assert w.describe().startswith("planner kernels: 0 of 2 compiled (first, ")
    gate.set()
    assert w.wait(5.0)
    assert w.progress() | {"elapsed_s": 0} == {
        "state": "ready",
        "done": 2,
        "total": 2,
        "step": None,
        "elapsed_s": 0,
        "error": None,
    }
    assert [p["done"] for p in seen] == [0, 1, 2, 2]

    def broken() -> None:
        raise RuntimeError("no compiler")

    bad = KernelWarmup([("broken", broken)])
    bad.run()
    assert bad.ready and bad.progress()["state"] == "failed"
    assert "no compiler" in bad.describe()


def test_flights_filed_while_kernels_compile_wait_and_are_decided(tmp_path, monkeypatch):
    release = threading.Event()
    steps = [("slow compile", release.wait), *planner.warm.WARMUP_STEPS]
    monkeypatch.setattr(planner.warm, "WARMUP_STEPS", steps)
    svc = make_service(f"sqlite:///{tmp_path / 'q.sqlite'}", warmup_background=True)
    try:
        assert svc.client.get("/v1/health").status_code == 200
        r = svc.client.get("/v1/ready")
        assert r.status_code == 503
        assert r.json()["kernels"]["state"] == "compiling"
        assert r.json()["kernels"]["step"] == "slow compile"
        assert "compiled" in r.json()["error"]["message"]
        svc.drone("a", "DR-1")
        answer = {}

        def file() -> None:
            answer["r"] = svc.fly("a", "DR-1", EAST)

        t = threading.Thread(target=file)
        t.start()
        t.join(0.5)
        assert t.is_alive(), "the decision waits for the kernels"
        release.set()
        t.join(60)
        assert answer["r"].status_code == 201, answer["r"].text
        assert answer["r"].json()["status"] == "approved"
        assert svc.app.state.kernels.wait(60)
        ready = svc.client.get("/v1/ready")
        assert ready.status_code == 200 and ready.json()["kernels"]["state"] == "ready"
    finally:
        release.set()
        svc.client.close()
        svc.app.state.store.dispose()


@pytest.mark.parametrize("background", [False])
def test_without_background_warmup_the_app_is_ready_at_once(tmp_path, background):
    svc = make_service(f"sqlite:///{tmp_path / 'q.sqlite'}", warmup_background=background)
    try:
        r = svc.client.get("/v1/ready")
        assert r.status_code == 200 and r.json()["kernels"]["state"] == "ready"
    finally:
        svc.client.close()
        svc.app.state.store.dispose()
