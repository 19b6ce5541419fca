"""What bench.load runs around the app: its settings, a fresh database, the fake provider
in a process of its own, and the sampler of CPU and memory."""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from bench._proc import cpu_seconds

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "bench" / ".work"  # git-ignored
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "load"  # bench/RESULTS.md's section: <!-- load:begin --> ... <!-- load:end -->
# --profile 500 (issue 14): 500 chats of 300 tokens at 30 tokens/s with 3 s pauses and 50
# REST clients for 60 s, in a section of its own.
PROFILES: dict[str, dict[str, Any]] = {
    "500": {
        "chats": 500,
        "rest": 50,
        "seconds": 60.0,
        "reply_tokens": 300,
        "tokens_per_second": 30.0,
        "think": 3.0,
        "baseline_seconds": 0.0,
        "section": "load500",
    }
}


def _markers(section: str) -> tuple[str, str]:
    return f"<!-- {section}:begin -->", f"<!-- {section}:end -->"


# The app reads these at import; set before anything imports metogpt (the checks do).
os.environ.setdefault("METOGPT_DATA_DIR", str(WORK / "data"))
os.environ.setdefault("METOGPT_JWT_SECRET", "bench-only-secret-not-for-production-0123456789abcdef")

TURNS_PER_CONVERSATION = 5
BALANCE_TOP_UP = 10_000_000  # no answer in the run is refused for balance
ANSWER_TIMEOUT = 120.0  # seconds: a turn that takes longer counts as failed


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- the stack ---------------------------------------------------------------------------------


def fresh_database(server_url: str) -> contextlib.AbstractContextManager[str]:
    """A new database on `server_url`'s server for this run, dropped afterwards."""
    from tests.support.server import fresh_postgres_database

    return fresh_postgres_database(server_url, f"metogpt_load_{os.getpid()}")


@contextlib.contextmanager
def fake_provider(reply_tokens: int, tokens_per_second: float) -> Iterator[tuple[str, int]]:
    """The fake provider in a process of its own (it must not share this one's CPU time
    slices with the load generator); yields its base URL and process id."""
    from tests.support.server import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fixtures.fake_providers", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                behavior = {"reply_tokens": reply_tokens, "tokens_per_second": tokens_per_second}
                if httpx.post(f"{base}/_fake/behavior", json=behavior).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the fake provider did not start")
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


class Sampler:
    """Over one phase of the run, from /proc: the app's peak memory (PSS, which splits the
    pages forked workers share, and RSS) and CPU time, the fake provider's CPU time, and
    how busy the whole machine was."""

    def __init__(self, app_pids: Callable[[], list[int]], provider_pid: int) -> None:
        self._app_pids = app_pids  # called each time: workers may be replaced
        self._provider_pid = provider_pid
        self.peak_pss_mb = 0.0
        self.peak_rss_mb = 0.0
        self.peak_worker_rss_mb = 0.0
        self.app_cpu_seconds = 0.0
        self.provider_cpu_seconds = 0.0
        self.machine_busy = 0.0  # fraction of all CPUs' time not idle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = (0.0, 0.0, (0, 0))

    @staticmethod
    def _kib(path: Path, key: str) -> float:
        for line in path.read_text().splitlines():
            if line.startswith(key):
                return float(line.split()[1])
        return 0.0

    @staticmethod
    def _machine() -> tuple[int, int]:
        """(busy, total) jiffies of all CPUs since boot."""
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values) - idle, sum(values)

    def _counters(self) -> tuple[float, float, tuple[int, int]]:
        return (
            sum(map(cpu_seconds, self._app_pids())),
            cpu_seconds(self._provider_pid),
            self._machine(),
        )

    def sample(self) -> None:
        pss = rss = 0.0
        for index, pid in enumerate(self._app_pids()):
            with contextlib.suppress(OSError):
                proc_pss = self._kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss:") / 1024
                proc_rss = self._kib(Path(f"/proc/{pid}/status"), "VmRSS:") / 1024
                pss += proc_pss
                rss += proc_rss
                if index > 0:  # the first is granian's main process, the rest workers
                    self.peak_worker_rss_mb = max(self.peak_worker_rss_mb, proc_rss)
        self.peak_pss_mb = max(self.peak_pss_mb, pss)
        self.peak_rss_mb = max(self.peak_rss_mb, rss)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def __enter__(self) -> Sampler:
        self._start = self._counters()
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
        app, provider, (busy, total) = self._counters()
        self.app_cpu_seconds = app - self._start[0]
        self.provider_cpu_seconds = provider - self._start[1]
        start_busy, start_total = self._start[2]
        self.machine_busy = (busy - start_busy) / max(total - start_total, 1)


# --- clients -----------------------------------------------------------------------------------
