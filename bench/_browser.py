"""What the Chromium benchmarks share: the real app, the browser, figures, RESULTS.md.

- `BenchAppServer` is the e2e suite's `AppServer` (`reflex run --env prod` on a free port,
  in its own process group) with a frontend build dir of its own under bench/.work/ (each
  script passes its own: a build names its port, so two servers must never share one),
  and optionally a database of its own choosing (the seeded large one);
- `chromium()` launches Debian's /usr/bin/chromium through Playwright's sync API with the
  flags the e2e suite uses;
- `clock_offset_ms()` relates the page's clock (`performance.timeOrigin +
  performance.now()`) to this process's `time.time()`, so times stamped in the page and in
  the fake provider server can be subtracted.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from bench._env import WORK
from tests.support.server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, AppServer

VIEWPORT: ViewportSize = {"width": 1280, "height": 800}


@dataclass
class BenchAppServer(AppServer):
    """`AppServer` building into a web dir of its own under bench/.work/ (never one another
    benchmark or an e2e run may be building or serving from at the same time: the build
    names its port), optionally on a given database URL."""

    database_url: str | None = None
    web_dir: Path = WORK / "web-chromium"

    @property
    def db_url(self) -> str:
        return self.database_url or super().db_url

    def env(self) -> dict[str, str]:
        env = super().env()
        env["REFLEX_WEB_WORKDIR"] = str(self.web_dir)
        return env

    def start(self) -> None:
        _prepare_web_dir(self.web_dir)
        super().start()


def _prepare_web_dir(web_dir: Path) -> None:
    """Seed `web_dir` from the e2e suite's web dir when it has one: reflex then finds
    node_modules installed and skips `npm install` (it still rebuilds the app)."""
    source = ARTIFACTS / "e2e-web"
    if (web_dir / "node_modules").is_dir() or not (source / "node_modules").is_dir():
        return
    shutil.rmtree(web_dir, ignore_errors=True)

    def skip_outputs(folder: str, names: list[str]) -> set[str]:
        # Only the top level's build outputs: packages in node_modules have `build/` dirs too.
        return {"build", ".react-router"} & set(names) if Path(folder) == source else set()

    shutil.copytree(source, web_dir, symlinks=True, ignore=skip_outputs)


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright (its own download does not work here)."""
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Page, email: str, password: str) -> None:
    """The login form, like a person: fill, submit, wait for the chat page's composer."""
    page.goto("/login")
    submit = page.locator("#login-submit")
    submit.wait_for(state="visible")
    page.wait_for_function("!document.querySelector('#login-submit').disabled")
    page.fill("#email", email)
    page.fill("#password", password)
    submit.click()
    page.locator("#composer").wait_for(state="visible", timeout=30_000)


def admin_token(http: httpx.Client, email: str, password: str) -> str:
    response = http.post("/api/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    return response.json()["token"]


def clock_offset_ms(page: Page, samples: int = 7) -> float:
    """Milliseconds to add to a page wall-clock time (`performance.timeOrigin +
    performance.now()`) to get this process's `time.time()` in ms. Taken from the sample
    with the shortest round trip, so it is good to about half of that (~1 ms)."""
    best: tuple[float, float] | None = None
    for _ in range(samples):
        before = time.time()
        page_ms = page.evaluate("performance.timeOrigin + performance.now()")
        after = time.time()
        rtt = after - before
        offset = (before + after) / 2 * 1000 - page_ms
        if best is None or rtt < best[0]:
            best = (rtt, offset)
    assert best is not None
    return best[1]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / max / min / mean of a list of milliseconds, rounded to 0.1 ms."""
    if not values:
        return {}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "max": round(max(values), 1),
        "min": round(min(values), 1),
        "mean": round(sum(values) / len(values), 1),
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was."""
    return {
        "cpus": os.cpu_count(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "other_pytest_processes": _count_processes("pytest"),
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }


def _count_processes(word: str) -> int:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=False)
    return sum(1 for line in out.stdout.splitlines() if word in line)


def load_note(before: dict[str, Any], after: dict[str, Any]) -> str:
    return (
        f"{before['when']}, {before['cpus']} CPUs; load average (1/5/15 min) "
        f"{'/'.join(map(str, before['load_avg']))} before, "
        f"{'/'.join(map(str, after['load_avg']))} after; "
        f"other pytest processes running: {before['other_pytest_processes']}"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
