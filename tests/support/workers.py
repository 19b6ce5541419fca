"""Real worker processes serving the REST API (`uvicorn --factory metogpt.api:build_api`) on
free loopback ports, for the tests that prove two workers on one database agree
(tests/api/test_payments_workers.py, tests/gateway/test_gateway_workers.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

# Each worker imports the whole app: a few seconds of CPU, but minutes of wall time on a
# loaded 2-core machine (84 s measured at load average 15-18). Their start is legitimately
# that slow there; a worker that exits is reported at once instead.
START_TIMEOUT = 240.0
# A request to a worker there: not httpx's default of 5 s.
REQUEST_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Workers:
    """`count` workers with `env`; `urls[i]` is worker i's base URL."""

    def __init__(self, env: dict[str, str], count: int = 2) -> None:
        self.env = env
        self.count = count
        self.procs: list[subprocess.Popen[bytes]] = []
        self.urls: list[str] = []

    def start(self) -> None:
        for _ in range(self.count):
            port = _free_port()
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", "--factory", "metogpt.api:build_api",
                     "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                    env=self.env,
                )
            )  # fmt: skip
            self.urls.append(f"http://127.0.0.1:{port}")
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()  # a fixture that fails before its yield is not torn down
            raise

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        for proc, url in zip(self.procs, self.urls, strict=True):
            while not _healthy(url):
                assert proc.poll() is None, f"the worker on {url} exited with {proc.returncode}"
                assert time.monotonic() < deadline, f"the worker on {url} did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(timeout=30)
        self.procs, self.urls = [], []


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
