"""Chat latency in Chromium against the fake OpenAI server: first token, and streaming lag.

What is measured (targets from the issue):

1. First token: from the Enter keypress in #composer to the first assistant text ("tok0")
   on screen, minus the fake server's scripted first-token delay (300 ms by default).
   Target: p50 <= 50 ms. N answers of 20 tokens, each in a new conversation.
2. Stream lag: for answers of 2,000, 10,000 and 20,000 tokens streamed at 200 tokens/s
   (--long-sizes), how long after the fake server sent its last chunk that token is
   painted (issue 14: <= 100 ms for 20,000), and the app's CPU time for each answer (its
   processes' user + system time from /proc while it streams: it must grow linearly with
   the answer's length). A few runs per size; p50 and max reported. With --history H,
   those answers go into one conversation that already holds H answers of 2,000 tokens
   (each on screen as Markdown while the new one streams).

How: a `TimedFakeProviderServer` (the tests' FakeProviderServer, subclassed here) stamps
each request's arrival and each text chunk just before it is written, with `time.time()`.
The app runs for real (`reflex run --env prod`, see bench/_browser.BenchAppServer) with its
OpenAI and Anthropic SDKs pointed at the fake, and a fresh database. A user registered over
REST (balance set by the admin through PUT /api/admin/users/{id}/balance) signs in in
Chromium. In the page:

- an init script wraps `WebSocket` so every frame the app receives is stamped with
  `performance.now()` on arrival (with its size and the highest "tokN" it carries), and
  `fetch` so that every chunk of an answer's stream (GET /api/answers/{id}/stream, read by
  components/live.jsx) is stamped the same way;
- before each Enter, a probe installs a keydown listener (capture phase: the send time)
  and a MutationObserver that stamps every text added to the answer (a delta appended to
  the live answer, or the answer shown whole; DOM time) with the last "tokN" it holds,
  plus the next `requestAnimationFrame` after the first and the last token (the frame
  that paints it: "on screen"); and a longtask
  PerformanceObserver (main-thread work over 50 ms);
- page times become server times with `performance.timeOrigin` and a measured offset
  between the page's clock and `time.time()` (same machine; see clock_offset_ms).

That splits each latency into: Enter -> provider request (the app's work before it calls
the provider), provider chunk -> stream chunk in the browser (SDK, the hub's
FLUSH_SECONDS batching, transport) and chunk -> DOM -> frame painted.

Usage: python -m bench.chat_latency [--first N] [--long N] [--long-sizes 2000,10000,20000]
       [--delay S] [--history H] [--json F] [--no-results]
       (figures go to bench/RESULTS.md between the chromium:chat markers)
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page
from starlette.requests import Request

from bench._browser import (
    VIEWPORT,
    BenchAppServer,
    admin_token,
    chromium,
    clock_offset_ms,
    load_note,
    machine,
    sign_in,
    summary,
    table,
)
from bench._env import WORK, write_section
from bench.api_users import cpu_seconds
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.server import free_port

FIRST_TOKENS = 20  # length of the answers timed for the first token
LONG_SIZES = (2000, 10_000, 20_000)  # tokens of the long answers
LONG_RATE = 200.0  # tokens per second
FIRST_TARGET_MS = 50.0
LAG_TARGET_MS = 100.0

# Stamps every WebSocket frame the app receives, before the app's own handler runs.
WS_RECORDER = """
(() => {
  if (window.__benchWs) return;
  window.__benchWs = {on: false, frames: [], sent: []};
  // The highest "tokN" of the answer a frame carries: in the streamed text, or in the last
  // message of a message list (the earlier answers of the conversation do not count).
  const highest = (text) => {
    let top = -1;
    for (const m of String(text).matchAll(/tok(\\d+)/g)) top = Math.max(top, Number(m[1]));
    return top;
  };
  const topToken = (frame) => {
    let data;
    // A socket.io frame: a type and a namespace, then the JSON array of the event.
    try { data = JSON.parse(frame.slice(frame.indexOf('['))); } catch { return highest(frame); }
    let top = -1;
    const walk = (node) => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key.startsWith('stream_text')) top = Math.max(top, highest(value));
        else if (key.startsWith('messages') && Array.isArray(value) && value.length)
          top = Math.max(top, highest(value[value.length - 1].content));
        else walk(value);
      }
    };
    walk(data);
    return top;
  };
  const Native = window.WebSocket;
  class Recording extends Native {
    send(data) {
      const rec = window.__benchWs;
      if (rec.on) rec.sent.push([performance.now(), typeof data === 'string' ? data.length : 0]);
      return super.send(data);
    }
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const rec = window.__benchWs;
        if (!rec.on) return;
        const t = performance.now();
        const s = typeof e.data === 'string' ? e.data : '';
        rec.frames.push([t, s.length, topToken(s)]);
      });
    }
  }
  window.WebSocket = Recording;
  // The answer's own stream: each chunk read from it, stamped as it arrives.
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const response = await nativeFetch(...args);
    const url = String(args[0] && args[0].url ? args[0].url : args[0]);
    if (!url.includes('/api/answers/') || !response.body) return response;
    const [mine, theirs] = response.body.tee();
    (async () => {
      const reader = mine.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        let value, done;
        try { ({value, done} = await reader.read()); } catch { return; }  // aborted
        if (done) return;
        const rec = window.__benchWs;
        if (rec.on) {
          const text = decoder.decode(value, {stream: true});
          rec.frames.push([performance.now(), value.length, highest(text)]);
        }
      }
    })();
    return new Response(theirs, {status: response.status, headers: response.headers});
  };
})();
"""

# Installed before each Enter; `lastIndex` is the index of the answer's last token.
PROBE = """
(lastIndex) => {
  const old = window.__probe;
  if (old) { old.obs.disconnect(); old.lt.disconnect();
             window.removeEventListener('keydown', old.onKey, true); }
  const p = {enter: null, first: null, firstFrame: null, last: null, lastFrame: null,
             samples: [], longtasks: []};
  p.onKey = (e) => { if (e.key === 'Enter' && p.enter === null) p.enter = performance.now(); };
  window.addEventListener('keydown', p.onKey, true);
  let shown = -1;
  const check = (records) => {
    const t = performance.now();
    for (const r of records) {
      for (const node of r.addedNodes) {
        // Text appended to the live answer, or the answer shown whole (a short one can end
        // before its stream is read).
        const text = node.nodeType === 3 ? node.data : node.textContent;
        const el = node.nodeType === 3 ? node.parentElement : node;
        if (!text || !el?.closest?.('.msg-assistant')) continue;
        const m = text.slice(-24).match(/tok(\\d+)\\s*$/);
        if (!m || Number(m[1]) <= shown) continue;
        shown = Number(m[1]);
        p.samples.push([t, shown]);
        if (p.first === null) {
          p.first = t;
          requestAnimationFrame(() => { p.firstFrame = performance.now(); });
        }
        if (shown >= lastIndex && p.last === null) {
          p.last = t;
          requestAnimationFrame(() => { p.lastFrame = performance.now(); });
        }
      }
    }
  };
  p.obs = new MutationObserver(check);
  p.obs.observe(document.body, {childList: true, subtree: true});
  p.lt = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) p.longtasks.push([e.startTime, e.duration]);
  });
  p.lt.observe({type: 'longtask'});
  window.__probe = p;
  window.__benchWs.frames = [];
  window.__benchWs.sent = [];
  window.__benchWs.on = true;
}
"""

COLLECT = """
() => {
  const p = window.__probe;
  window.__benchWs.on = false;
  return {enter: p.enter, first: p.first, firstFrame: p.firstFrame, last: p.last,
          lastFrame: p.lastFrame, samples: p.samples, longtasks: p.longtasks,
          frames: window.__benchWs.frames, sent: window.__benchWs.sent,
          timeOrigin: performance.timeOrigin};
}
"""


@dataclass
class StreamTiming:
    """One API request to the fake: when it arrived and when each text chunk left."""

    request_at: float
    chunk_at: list[float] = field(default_factory=list)


class TimedFakeProviderServer(FakeProviderServer):
    """The tests' fake provider server, stamping requests and text chunks (time.time())."""

    def __init__(self) -> None:
        super().__init__()
        self.timings: list[StreamTiming] = []

    async def _record(self, request: Request) -> tuple[dict[str, Any], FakeBehavior, bool]:
        arrived = time.time()
        recorded = await super()._record(request)
        self.timings.append(StreamTiming(arrived))
        return recorded

    async def _paced(self, chunks: list[str], behavior: FakeBehavior) -> AsyncIterator[str]:
        timing = self.timings[-1]
        async for chunk in super()._paced(chunks, behavior):
            timing.chunk_at.append(time.time())
            yield chunk


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


def _verdict(value: float, target: float) -> str:
    return "**met**" if value <= target else "**not met**"


FIRST_PARTS = (
    ("send_to_screen_minus_delay", "Enter -> painted, minus delay"),
    ("send_to_dom_minus_delay", "Enter -> in the DOM, minus delay"),
    ("enter_to_request", "Enter -> request reaches the provider"),
    ("enter_to_ws_send", "of which: Enter -> the page sends the event"),
    ("ws_send_to_state_frames", "of which: event sent -> last state update before the request"),
    ("last_state_frame_to_request", "of which: that update -> request reaches the provider"),
    ("state_frames_before_request", "(state updates before the request)"),
    ("request_to_chunk", "provider: request -> first chunk, minus delay"),
    ("chunk_to_ws", "first chunk sent -> its stream chunk in the browser"),
    ("ws_to_dom", "stream chunk -> text in the DOM"),
    ("dom_to_frame", "DOM -> next animation frame"),
)
LONG_PARTS = (
    ("last_lag_screen", "last token: server sent -> painted"),
    ("last_lag_dom", "last token: server sent -> in the DOM"),
    ("last_chunk_to_ws", "last token: server sent -> stream chunk in the browser"),
    ("last_ws_to_dom", "last token: stream chunk -> DOM"),
    ("last_ws_frame_kb", "size of that chunk (KiB)"),
    ("lag_during_p50", "lag of each screen update, p50 over the stream"),
    ("lag_during_max", "lag of each screen update, max over the stream"),
    ("ws_gap_p50", "gap between stream chunks, p50 (flush cadence)"),
    ("ws_gap_max", "gap between stream chunks, max"),
    ("ws_to_dom_p50", "chunk -> DOM per update, p50"),
    ("ws_to_dom_max", "chunk -> DOM per update, max"),
    ("screen_updates", "screen updates per answer"),
    ("longtask_ms", "main-thread long tasks per answer (ms)"),
    ("server_stream_s", "server stream duration (s)"),
    ("app_cpu_s", "app CPU time for the answer (s)"),
    ("app_cpu_ms_per_1000_tokens", "app CPU per 1,000 tokens (ms)"),
)


def _first_report(ft: dict[str, Any], delay: float) -> list[str]:
    main = ft["send_to_screen_minus_delay"]
    return [
        f"**First token** (answers of {FIRST_TOKENS} tokens, fake first-token delay "
        f"{delay:.0f} ms, {main['n']} runs, each in a new conversation): Enter keypress -> "
        f"first text painted, minus the delay: p50 {main['p50']} (target <= "
        f"{FIRST_TARGET_MS:.0f}: {_verdict(main['p50'], FIRST_TARGET_MS)}), p95 {main['p95']}.",
        "",
        table(
            ["part", "p50", "p95", "max"],
            [[label, ft[k]["p50"], ft[k]["p95"], ft[k]["max"]] for k, label in FIRST_PARTS],
        ),
    ]


def _long_report(long: dict[int, dict[str, Any]], history: int) -> list[str]:
    where = f", one conversation that already held {history} such answers" if history else ""
    sizes = sorted(long)
    lines = [
        f"**Stream lag and server CPU** (answers of {', '.join(f'{n:,}' for n in sizes)} "
        f"tokens at {LONG_RATE:.0f} tokens/s{where}; p50 of the runs, max in brackets)."
    ]
    for size in sizes:
        main = long[size]["last_lag_screen"]
        lines.append(
            f"{size:,} tokens ({main['n']} runs): last token painted after the server sent it "
            f"p50 {main['p50']}, max {main['max']} ms (target <= {LAG_TARGET_MS:.0f}: "
            f"{_verdict(main['max'], LAG_TARGET_MS)})."
        )
    return [
        *lines,
        "",
        table(
            ["figure", *(f"{n:,} tokens" for n in sizes)],
            [
                [label, *(f"{long[n][k]['p50']} ({long[n][k]['max']})" for n in sizes)]
                for k, label in LONG_PARTS
            ],
        ),
    ]


def report(fig: dict[str, Any]) -> str:
    """The RESULTS.md section."""
    parts = [
        "## Chat latency in Chromium (`python -m bench.chat_latency`)",
        "",
        "Real app (`reflex run --env prod`, SQLite, one machine), Debian Chromium "
        f"{fig['chromium']} headless, the app's OpenAI SDK talking to the fake provider "
        "server on loopback. Measured "
        + load_note(fig["machine_before"], fig["machine_after"])
        + ". Times in ms. How it is measured: the script's docstring.",
    ]
    if fig["first_token"]:
        parts += ["", *_first_report(fig["first_token"], fig["first_token_delay_ms"])]
    if fig["long"]:
        parts += ["", *_long_report(fig["long"], fig.get("history", 0))]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=int, default=20, help="first-token runs")
    parser.add_argument("--long", type=int, default=2, help="runs of each long answer")
    parser.add_argument(
        "--long-sizes",
        default=",".join(map(str, LONG_SIZES)),
        help="tokens of the long answers, comma-separated",
    )
    parser.add_argument("--delay", type=float, default=0.3, help="first-token delay (s)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="run the 2,000-token answers in one conversation that already holds this many",
    )
    parser.add_argument("--json", type=Path, default=WORK / "chat_latency.json")
    parser.add_argument("--no-results", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.long_sizes.split(","))
    figures = measure(args.first, args.long, args.delay, args.warmup, args.history, sizes)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2))
    text = report(figures)
    print(text)
    if not args.no_results:
        write_section("chromium:chat", text)


if __name__ == "__main__":
    main()
