"""Fixtures for the fault tests: the survey's own places and questionnaires.

They are the survey tests' fixtures (tests/surveys/conftest.py), re-exported so a
fault is injected into exactly the situation the survey tests prove works.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from urllib.parse import urlencode

import pytest

from tests.surveys.conftest import (  # noqa: F401 - fixtures re-exported
    centre,
    citizen,
    counter,
    exit_version,
    filled_form,
    fresh_cache,
    procedures,
    province,
    questionnaires,
)


def send(client, url: str, data: dict):
    """POST a form the way a browser does (application/x-www-form-urlencoded)."""
    return client.post(
        url,
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own on a free port; never the shared 6379 one."""

    def __init__(self) -> None:
        self.port = closed_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = OwnRedis()
    yield redis
    redis.stop()
