"""`qingkong study run` on Dask, as a user runs it: a local cluster of worker processes, a
separately started scheduler with two workers on loopback, resuming, and a failing run that
does not stop the others."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from airspace.corridor_gen import grid_network_geojson

BIN = Path(sys.executable).parent
MINIMAL = """\
qingkong_study: 1
name: qingdao-capacity
scenario: {generate: {city: qingdao}}
sweep: {flights: [20, 40], seed: [1, 2]}
"""


def _env(cache: Path) -> dict[str, str]:
    return {**os.environ, "NUMBA_CACHE_DIR": str(cache)}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """The shared numba cache: the test session's own when set (kernels already compiled)."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    return Path(given) if given else tmp_path_factory.mktemp("numba")


def _qingkong(*args: str, cache: Path, timeout: float = 400) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "qingkong"), *args],
        capture_output=True,
        text=True,
        env=_env(cache),
        timeout=timeout,
    )


def _rows(out: Path) -> list[dict]:
    return pq.read_table(out / "results.parquet").to_pylist()


@pytest.fixture(scope="module")
def local_study(tmp_path_factory, cache_dir):
    d = tmp_path_factory.mktemp("local")
    (d / "study.yaml").write_text(MINIMAL)
    res = _qingkong(
        "study",
        "run",
        str(d / "study.yaml"),
        "--out",
        str(d / "out"),
        "--workers",
        "2",
        cache=cache_dir,
    )
    return d, res


def test_minimal_study_runs_on_a_local_cluster(local_study, cache_dir):
    d, res = local_study
    assert res.returncode == 0, res.stderr
    assert "4 runs, 0 already done" in res.stderr and "4 runs finished, 0 failed" in res.stderr
    assert "flights=40 seed=2:" in res.stderr  # one line per finished run
    rows = _rows(d / "out")
    assert len(rows) == 4 and {r["status"] for r in rows} == {"ok"}
    assert {(r["flights"], r["seed"]) for r in rows} == {(20, 1), (20, 2), (40, 1), (40, 2)}
    assert all(r["safety_ok"] and r["requests"] == r["flights"] for r in rows)
    # Worker processes, not this one, all pointed at the one shared numba cache.
    assert {r["numba_cache_dir"] for r in rows} == {str(cache_dir.resolve())}
    assert all(int(r["worker"].rsplit(":", 1)[1]) != os.getpid() for r in rows)
    report = (d / "out" / "report.html").read_text()
    assert "Capacity curves" in report and "knee" in report and "data:image/png;base64," in report


def test_second_run_resumes_instead_of_recomputing(local_study, cache_dir):
    d, first = local_study
    assert first.returncode == 0, first.stderr
    before = {r["run_id"]: r["finished_at"] for r in _rows(d / "out")}
    res = _qingkong("study", "run", str(d / "study.yaml"), "--out", str(d / "out"), cache=cache_dir)
    assert res.returncode == 0, res.stderr
    assert "4 runs, 4 already done" in res.stderr and "0 to run" in res.stderr
    assert {r["run_id"]: r["finished_at"] for r in _rows(d / "out")} == before
    # A wider sweep runs only what is new.
    (d / "study.yaml").write_text(MINIMAL.replace("seed: [1, 2]", "seed: [1, 2, 3]"))
    res = _qingkong(
        "study",
        "run",
        str(d / "study.yaml"),
        "--out",
        str(d / "out"),
        "--workers",
        "1",
        "--json",
        cache=cache_dir,
    )
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert (out["runs"], out["skipped"], out["finished"]) == (6, 4, 2)
    rows = {r["run_id"]: r for r in _rows(d / "out")}
    assert len(rows) == 6 and all(rows[k]["finished_at"] == v for k, v in before.items())


def test_a_failing_run_is_reported_and_the_others_finish(tmp_path, cache_dir):
    (tmp_path / "grid.geojson").write_text(json.dumps(grid_network_geojson(3, 3, 1500.0)))
    broken = grid_network_geojson(2, 2)
    del broken["features"][0]["properties"]["width_m"]
    (tmp_path / "broken.geojson").write_text(json.dumps(broken))
    (tmp_path / "study.yaml").write_text(
        "qingkong_study: 1\nname: networks\nscenario: {generate: {city: qingdao}}\n"
        "networks: {grid: {file: grid.geojson}, broken: {file: broken.geojson}}\n"
        "sweep: {flights: [20], seed: [1, 2], network: [grid, broken]}\n"
    )
    out = tmp_path / "out"
    res = _qingkong(
        "study",
        "run",
        str(tmp_path / "study.yaml"),
        "--out",
        str(out),
        "--workers",
        "2",
        "--json",
        cache=cache_dir,
    )
    assert res.returncode == 1
    summary = json.loads(res.stdout)
    assert summary["finished"] == 2 and len(summary["failed"]) == 2
    for f in summary["failed"]:
        assert f["params"]["network"] == "broken" and "width_m" in f["error"]
    assert "FAILED" in res.stderr and "network=broken" in res.stderr
    assert "error: 2 runs failed" in res.stderr
    rows = _rows(out)
    assert sorted((r["network"], r["status"]) for r in rows) == [
        ("broken", "failed"),
        ("broken", "failed"),
        ("grid", "ok"),
        ("grid", "ok"),
    ]
    report = (out / "report.html").read_text()
    assert "Failed runs" in report and "width_m" in report
    # Fix the file: the re-run retries only the failed runs.
    (tmp_path / "broken.geojson").write_text(json.dumps(grid_network_geojson(2, 2)))
    res = _qingkong(
        "study",
        "run",
        str(tmp_path / "study.yaml"),
        "--out",
        str(out),
        "--workers",
        "1",
        "--json",
        cache=cache_dir,
    )
    assert res.returncode == 0, res.stderr
    assert (json.loads(res.stdout)["skipped"], json.loads(res.stdout)["finished"]) == (2, 2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_study_runs_on_a_separately_started_dask_cluster(tmp_path, cache_dir):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = _env(cache_dir)
    logs = [open(tmp_path / f"dask-{i}.log", "w") for i in range(3)]  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-dashboard",
            ],
            env=env,
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        )
    ]
    try:
        for i in (1, 2):
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "dask"),
                        "worker",
                        address,
                        "--host",
                        "127.0.0.1",
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                    ],
                    env=env,
                    stdout=logs[i],
                    stderr=subprocess.STDOUT,
                )
            )
        from distributed import Client

        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout="5s") as c:
                    c.wait_for_workers(2, timeout=120)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        (tmp_path / "study.yaml").write_text(MINIMAL.replace("seed: [1, 2]", "seed: [1, 2, 3]"))
        res = _qingkong(
            "study",
            "run",
            str(tmp_path / "study.yaml"),
            "--out",
            str(tmp_path / "out"),
            "--scheduler",
            address,
            cache=cache_dir,
        )
        assert res.returncode == 0, res.stderr
        assert f"on Dask scheduler {address}" in res.stderr and "on 2 workers" in res.stderr
        rows = _rows(tmp_path / "out")
        assert len(rows) == 6 and {r["status"] for r in rows} == {"ok"}
        assert len({r["worker"] for r in rows}) == 2  # both workers replayed days
        assert {r["numba_cache_dir"] for r in rows} == {str(cache_dir)}
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, cache_dir):
    (tmp_path / "study.yaml").write_text(MINIMAL)
    address = f"tcp://127.0.0.1:{_free_port()}"
    res = _qingkong(
        "study",
        "run",
        str(tmp_path / "study.yaml"),
        "--out",
        str(tmp_path / "out"),
        "--scheduler",
        address,
        cache=cache_dir,
        timeout=120,
    )
    assert res.returncode == 2
    assert (
        res.stderr.strip()
        .splitlines()[-1]
        .startswith(f"error: cannot reach the Dask scheduler at {address}")
    )
