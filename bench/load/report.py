"""bench.load's figures as the RESULTS.md section."""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.load.infra import RESULTS, SECTION, _markers


def markdown(results: list[dict[str, Any]], problems: list[str], args: argparse.Namespace) -> str:
    machine = f"{os.cpu_count()} CPUs, {_mem_total_gb():.0f} GB RAM"
    verdict = "all checks passed" if not problems else "FAILED: " + "; ".join(problems)
    names = [r["phase"] for r in results]

    def row(label: str, cell: Callable[[dict[str, Any]], str]) -> str:
        return f"| {label} | " + " | ".join(cell(r) for r in results) + " |"

    def kinds(r: dict[str, Any]) -> str:
        return ", ".join(
            f"{kind} {v['p50_ms']:.0f}/{v['p99_ms']:.0f}" for kind, v in r["rest_by_kind"].items()
        )

    begin, end = _markers(args.section)
    title = f" ({args.chats} chats)" if args.section != SECTION else ""
    return "\n".join(
        [
            begin,
            f"## Load{title}: streaming chats + REST clients on PostgreSQL + Redis + workers",
            "",
            f"`python -m bench.load --chats {args.chats} --rest {args.rest} --seconds "
            f"{args.seconds:g} --workers {args.workers} --reply-tokens {args.reply_tokens} "
            f"--tokens-per-second {args.tokens_per_second:g} --think {args.think:g}` on "
            f"{time.strftime('%Y-%m-%d')}: {args.workers} granian workers, {machine}, shared by "
            "the app, PostgreSQL, Redis, the fake provider and the load generator. Chat "
            "clients speak Reflex's websocket protocol; each answer is "
            f"{args.reply_tokens} tokens streamed at {args.tokens_per_second:g} tokens/s by the "
            f"fake provider, then the user pauses about {args.think:g} s. REST clients send "
            "back to back (no pause). Time to first token: from sending the message to the "
            "first text on the answer's stream (GET /api/answers/{id}/stream, as the page "
            "reads it).",
            "",
            "| | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(results),
            row("chat clients + REST clients", lambda r: f"{r['chats']} + {r['rest_clients']}"),
            row("duration", lambda r: f"{r['seconds']:.0f} s"),
            row("chats streaming at once (peak)", lambda r: str(r["streaming_peak"])),
            row("answers completed", lambda r: f"{r['answers']} ({r['answers_per_s']}/s)"),
            row("streamed tokens", lambda r: f"{r['streamed_tokens_per_s']:.0f}/s"),
            row(
                "time to first token p50 / p99",
                lambda r: f"{r['ttft_p50_ms']:.0f} / {r['ttft_p99_ms']:.0f} ms",
            ),
            row(
                "whole answer p50 / p99",
                lambda r: f"{r['answer_p50_ms']:.0f} / {r['answer_p99_ms']:.0f} ms",
            ),
            row("REST requests", lambda r: f"{r['rest_requests']} ({r['rest_per_s']}/s)"),
            row(
                "REST latency p50 / p99",
                lambda r: f"{r['rest_p50_ms']:.0f} / {r['rest_p99_ms']:.0f} ms",
            ),
            row("REST p50/p99 by call (ms)", kinds),
            row(
                "failed chat turns / failed requests",
                lambda r: f"{r['failed_chat_turns']} / {r['failed_requests']}",
            ),
            row(
                "app peak memory, PSS / RSS (largest worker RSS)",
                lambda r: (
                    f"{r['peak_pss_mb']} / {r['peak_rss_mb']} MB ({r['peak_worker_rss_mb']} MB)"
                ),
            ),
            row(
                "CPU cores used: app / fake provider / load generator",
                lambda r: (
                    f"{r['app_cpu_cores']} / {r['provider_cpu_cores']} / "
                    f"{r['load_generator_cpu_cores']}"
                ),
            ),
            row(
                "CPU cores used by the rest: PostgreSQL, Redis, other processes",
                lambda r: str(r["rest_of_machine_cpu_cores"]),
            ),
            row(
                "app CPU per 1,000 streamed tokens",
                lambda r: f"{r['app_cpu_ms_per_1000_tokens']:.0f} ms",
            ),
            row("machine CPU busy", lambda r: f"{r['machine_busy_percent']} %"),
            "",
            f"After the run: {verdict} (every message sent stored once with its answer, no "
            "answer left streaming, no reservation open, balance == sum(ledger) for every user).",
            end,
        ]
    )


def _mem_total_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return float(line.split()[1]) / 1024 / 1024
    return math.nan


def write_results(section: str, name: str = SECTION) -> None:
    """Replace our section of bench/RESULTS.md (other scripts own the rest of the file)."""
    begin, end = _markers(name)
    current = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        tail = rest.split(end, 1)[1]
        updated = head + section + tail
    else:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(updated)
