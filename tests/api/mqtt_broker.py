"""A private Mosquitto broker for the tests: a free port on 127.0.0.1, the password file and
ACL that ``qingkong mqtt`` writes, and restart on demand."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import paho.mqtt.client as mqtt

from api.telemetry.mosquitto import write_files

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    def __init__(self, directory: Path, operators: list[str]):
        self.dir = directory
        self.port = free_port()
        self.passwords = write_files(directory, operators, port=self.port)
        if os.geteuid() == 0:
            # Started as root, mosquitto would switch to its own user, who cannot read the
            # 0600 password file this test wrote.
            with (directory / "mosquitto.conf").open("a") as f:
                f.write("user root\n")
        self.proc: subprocess.Popen | None = None

    def url(self, user: str = "qingkong") -> str:
        return f"mqtt://{user}:{self.passwords[user]}@127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.dir / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def publisher(self, user: str) -> mqtt.Client:
        c = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=user)
        c.username_pw_set(user, self.passwords[user])
        c.connect("127.0.0.1", self.port)
        c.loop_start()
        return c
