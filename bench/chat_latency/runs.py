"""One timed answer in Chromium (`Run`) and the whole measurement (`measure`)."""

from __future__ import annotations

import itertools
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page

from bench._browser import (
    VIEWPORT,
    BenchAppServer,
    admin_token,
    chromium,
    clock_offset_ms,
    machine,
    sign_in,
    summary,
)
from bench._env import WORK
from bench._proc import cpu_seconds
from bench.chat_latency.probes import COLLECT, PROBE, WS_RECORDER, TimedFakeProviderServer
from tests.fixtures.fake_providers import FakeBehavior
from tests.support.server import free_port

FIRST_TOKENS = 20  # length of the answers timed for the first token
LONG_SIZES = (2000, 10_000, 20_000)  # tokens of the long answers
LONG_RATE = 200.0  # tokens per second


@dataclass
class Run:
    """One answer, all times in ms on the server's clock (time.time() * 1000)."""

    kind: str
    tokens: int
    delay_ms: float
    enter: float
    request: float
    chunks: list[float]
    first_dom: float
    first_frame: float
    last_dom: float
    last_frame: float
    samples: list[tuple[float, int]]  # (DOM time, highest token index shown)
    frames: list[tuple[float, int, int]]  # (arrival, size, highest token index carried)
    sent: list[tuple[float, int]]  # WebSocket messages the page sent: (time, size)
    longtasks: list[tuple[float, float]]  # (start, duration)
    app_cpu_s: float  # the app's CPU time (all its processes) from Enter to the answer's end

    def frame_with(self, index: int) -> tuple[float, int, int] | None:
        """The first WebSocket frame that carried token `index`."""
        return next((f for f in self.frames if f[2] >= index), None)

    def first_token(self) -> dict[str, float]:
        frame = self.frame_with(0)
        # The event the Enter sent (socket.io pings are a few bytes).
        event = next((t for t, size in self.sent if t >= self.enter and size > 16), self.enter)
        before = [t for t, _, _ in self.frames if event <= t <= self.request]
        answered = before[-1] if before else event
        return {
            "send_to_screen_minus_delay": self.first_frame - self.enter - self.delay_ms,
            "send_to_dom_minus_delay": self.first_dom - self.enter - self.delay_ms,
            "enter_to_request": self.request - self.enter,
            "enter_to_ws_send": event - self.enter,
            "ws_send_to_state_frames": answered - event,
            "state_frames_before_request": len(before),
            "last_state_frame_to_request": self.request - answered,
            "request_to_chunk": self.chunks[0] - self.request - self.delay_ms,
            "chunk_to_ws": (frame[0] if frame else float("nan")) - self.chunks[0],
            "ws_to_dom": self.first_dom - (frame[0] if frame else float("nan")),
            "dom_to_frame": self.first_frame - self.first_dom,
        }

    def stream_lag(self) -> dict[str, float]:
        last = self.tokens - 1
        frame = self.frame_with(last)
        lags = [t - self.chunks[i] for t, i in self.samples]
        ws_to_dom = [t - f[0] for t, i in self.samples if (f := self.frame_with(i)) is not None]
        frames = [f for f in self.frames if f[2] >= 0]
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(frames)]
        busy = [d for s, d in self.longtasks if self.chunks[0] <= s <= self.last_frame]
        return {
            "last_lag_screen": self.last_frame - self.chunks[last],
            "last_lag_dom": self.last_dom - self.chunks[last],
            "last_chunk_to_ws": (frame[0] if frame else float("nan")) - self.chunks[last],
            "last_ws_to_dom": self.last_dom - (frame[0] if frame else float("nan")),
            "last_ws_frame_kb": (frame[1] / 1024) if frame else float("nan"),
            "server_stream_s": (self.chunks[last] - self.chunks[0]) / 1000,
            "lag_during_p50": _p(lags, 50),
            "lag_during_max": max(lags),
            "screen_updates": len(self.samples),
            "ws_frames": len(frames),
            "ws_gap_p50": _p(gaps, 50),
            "ws_gap_max": max(gaps) if gaps else float("nan"),
            "ws_to_dom_p50": _p(ws_to_dom, 50),
            "ws_to_dom_max": max(ws_to_dom) if ws_to_dom else float("nan"),
            "longtasks": len(busy),
            "longtask_ms": sum(busy),
            "app_cpu_s": self.app_cpu_s,
            "app_cpu_ms_per_1000_tokens": 1e6 * self.app_cpu_s / self.tokens,
        }


def _p(values: list[float], p: float) -> float:
    stats = summary(values)
    return stats[f"p{p:g}"] if stats else float("nan")


def _register(http: httpx.Client, server: BenchAppServer, balance: int) -> tuple[str, str]:
    """A fresh user with `balance` credits; returns (email, password)."""
    tag = uuid.uuid4().hex[:8]
    email, password = f"bench-{tag}@example.com", f"pw-{tag}-long"
    body = {"email": email, "username": f"bench_{tag}", "name": "Bench", "password": password}
    response = http.post("/api/auth/register", json=body)
    response.raise_for_status()
    user_id = response.json()["user"]["_id"]
    token = admin_token(http, server.admin_email, server.admin_password)
    response = http.put(
        f"/api/admin/users/{user_id}/balance",
        json={"balance": balance, "reason": "bench"},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return email, password


def _answer(
    page: Page,
    fake: TimedFakeProviderServer,
    kind: str,
    tokens: int,
    rate: float | None,
    delay: float,
    app_cpu: Callable[[], float],
    fresh: bool = True,
) -> Run:
    """Send one message (in a new conversation unless `fresh` is False) and time its
    answer; `app_cpu()` is the app's CPU time so far."""
    if fresh:
        page.click("#new-chat")
        page.locator(".msg").first.wait_for(state="detached")
    done = page.locator(".msg-assistant[data-status=done]").count()
    fake.behavior = FakeBehavior(
        reply_tokens=tokens, tokens_per_second=rate, first_token_delay=delay, prompt_tokens=12
    )
    page.fill("#composer", f"bench {kind} {uuid.uuid4().hex[:6]}")
    page.wait_for_timeout(300)  # the draft's on_change round trip settles first
    before = len(fake.timings)
    page.evaluate(PROBE, tokens - 1)
    offset = clock_offset_ms(page)
    cpu_before = app_cpu()
    page.locator("#composer").press("Enter")
    page.wait_for_function(
        "window.__probe.lastFrame !== null", timeout=int(60_000 + tokens / (rate or 1e9) * 2000)
    )
    page.locator(".msg-assistant[data-status=done]").nth(done).wait_for(timeout=30_000)
    cpu = app_cpu() - cpu_before
    page.wait_for_timeout(200)
    got = page.evaluate(COLLECT)
    if len(fake.timings) != before + 1:
        raise RuntimeError(f"expected one provider request, got {len(fake.timings) - before}")
    timing = fake.timings[-1]
    base = got["timeOrigin"] + offset

    def server_ms(t: float) -> float:
        return base + t

    return Run(
        kind=kind,
        tokens=tokens,
        delay_ms=delay * 1000,
        enter=server_ms(got["enter"]),
        request=timing.request_at * 1000,
        chunks=[t * 1000 for t in timing.chunk_at],
        first_dom=server_ms(got["first"]),
        first_frame=server_ms(got["firstFrame"]),
        last_dom=server_ms(got["last"]),
        last_frame=server_ms(got["lastFrame"]),
        samples=[(server_ms(t), i) for t, i in got["samples"]],
        frames=[(server_ms(t), size, top) for t, size, top in got["frames"]],
        sent=[(server_ms(t), size) for t, size in got["sent"]],
        longtasks=[(server_ms(s), d) for s, d in got["longtasks"]],
        app_cpu_s=cpu,
    )


def _long_output_catalog(tokens: int) -> Path:
    """A catalog file that lets gpt-3.5-turbo (every user's model) answer `tokens` tokens:
    the built-in entry caps an answer at 4,096."""
    path = WORK / "chat-latency-catalog.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[[models]]\n"
        'name = "gpt-3.5-turbo"\nprovider = "openai"\nupstream_id = "gpt-3.5-turbo"\n'
        f"context_window = {4 * tokens}\nmax_output = {2 * tokens}\n"
    )
    return path


def measure(
    n_first: int,
    n_long: int,
    delay: float,
    warmup: int,
    history: int = 0,
    sizes: tuple[int, ...] = LONG_SIZES,
) -> dict[str, Any]:
    """Start the fake and the app, sign in, time the answers; returns every figure."""
    data_dir = WORK / "chat-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    log_path = WORK / "chat-app.log"
    log_path.write_text("")
    with TimedFakeProviderServer() as fake:
        server = BenchAppServer(
            port=free_port(),
            web_dir=WORK / "web-chat",
            data_dir=data_dir,
            log_path=log_path,
            extra_env={
                "OPENAI_BASE_URL": fake.openai_base_url,
                "OPENAI_API_KEY": "sk-bench-fake",
                "ANTHROPIC_BASE_URL": fake.anthropic_base_url,
                "ANTHROPIC_API_KEY": "sk-ant-bench-fake",
                "METOGPT_CONFIG": str(_long_output_catalog(max(sizes))),
            },
        )
        print(f"starting the app on {server.base_url} (prod build, ~1-2 min)", flush=True)
        server.start()

        def app_cpu() -> float:
            assert server.process is not None
            return sum(cpu_seconds(pid) for pid in [server.process.pid, *server.worker_pids()])

        try:
            with httpx.Client(base_url=server.base_url, timeout=30) as http:
                email, password = _register(http, server, 10_000_000)
            with chromium() as browser:
                context = browser.new_context(
                    viewport=VIEWPORT, base_url=server.base_url, locale="en-US"
                )
                context.set_default_timeout(30_000)
                context.add_init_script(WS_RECORDER)
                page = context.new_page()
                sign_in(page, email, password)
                version = browser.version
                for _ in range(warmup):
                    _answer(page, fake, "warmup", FIRST_TOKENS, None, delay, app_cpu)
                before = machine()
                first = []
                for i in range(n_first):
                    run = _answer(page, fake, "first", FIRST_TOKENS, None, delay, app_cpu)
                    first.append(run.first_token())
                    print(
                        f"first token {i + 1:2}/{n_first}: "
                        f"{first[-1]['send_to_screen_minus_delay']:6.1f} ms over the delay",
                        flush=True,
                    )
                long: dict[int, list[dict[str, float]]] = {size: [] for size in sizes}
                for i in range(history):  # earlier answers of the long runs' conversation
                    _answer(page, fake, "history", 2000, None, 0.0, app_cpu, fresh=i == 0)
                for size in sizes:
                    for i in range(n_long):
                        run = _answer(
                            page, fake, "long", size, LONG_RATE, delay, app_cpu, fresh=not history
                        )
                        long[size].append(run.stream_lag())
                        print(
                            f"{size:,} tokens {i + 1}/{n_long}: last token on screen "
                            f"{long[size][-1]['last_lag_screen']:6.1f} ms after the server "
                            f"sent it; app CPU {run.app_cpu_s:.2f} s",
                            flush=True,
                        )
                after = machine()
                context.close()
        finally:
            server.stop()
    return {
        "chromium": version,
        "history": history,
        "machine_before": before,
        "machine_after": after,
        "first_token_delay_ms": delay * 1000,
        "first_token_runs": first,
        "long_runs": long,
        "first_token": {k: summary([r[k] for r in first]) for k in first[0]} if first else {},
        "long": {
            size: {k: summary([r[k] for r in runs]) for k in runs[0]}
            for size, runs in long.items()
            if runs
        },
    }
