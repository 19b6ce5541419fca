"""bench.chat_latency's figures as the RESULTS.md section."""

from __future__ import annotations

from typing import Any

from bench._browser import (
    load_note,
    table,
)
from bench.chat_latency.runs import FIRST_TOKENS, LONG_RATE

FIRST_TARGET_MS = 50.0
LAG_TARGET_MS = 100.0


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
