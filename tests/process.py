"""Run the approval service in a child process on loopback: what the race tests, the browser
tests and ``bench/api.py`` need to talk to a real uvicorn server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


class ServerFailed(RuntimeError):
    """The child server exited or did not become ready; the message ends with its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn_server(
    database_url: str, port: int, log: Path, *, demo: bool = False
) -> subprocess.Popen:
    """Start ``qingkong serve`` on 127.0.0.1:``port`` with its output in ``log``.

    The child shares the numba cache (``NUMBA_CACHE_DIR``, default ``.numba_cache`` in the
    checkout) so that it loads compiled kernels instead of compiling them again.
    """
    env = os.environ | {
        "NUMBA_CACHE_DIR": os.environ.get("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    }
    args = ["serve", "--demo" if demo else "--no-demo", "--port", str(port)]
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *args, "--database", database_url],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_ready(base_url: str, proc: subprocess.Popen, log: Path, timeout_s: float = 120.0) -> None:
    """Poll ``/v1/ready`` until the server answers 200; raise :class:`ServerFailed` otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerFailed(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/v1/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise ServerFailed(f"server not ready in {timeout_s:.0f} s:\n{log.read_text()[-3000:]}")
