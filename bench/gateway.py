"""The OpenAI-compatible API against LiteLLM's proxy, side by side in one run.

Three targets stream the same chat completion (20 tokens, no delay) from the same fake
OpenAI server (tests/fixtures/fake_providers/, a process of its own):

- direct: the fake server itself;
- metogpt: MetoGPT's /v1 (granian, as `reflex run --env prod` serves it; the REST app
  `metogpt.api:build_api` alone, one worker, a fresh SQLite database in bench/.work, a
  personal key of a user with a large balance: every request is authenticated, admitted,
  reserved, relayed and settled with its ledger row);
- litellm: LiteLLM's proxy (`litellm[proxy]` from PyPI, installed by this script into its
  own virtualenv under bench/.work/litellm-venv; one worker, no database, a master key).

Measured from this process with a minimal HTTP/1.1 client (bench/_stream_client.py): TTFT, from
writing the request to reading the first chunk that carries text ("tok0"), the overhead of
a proxy being its p50 minus direct's p50; requests/s, whole streams completed per second;
at concurrency 1 and 20.

The targets take turns in ROUNDS rounds (each round: every target, each concurrency), so a
passing load hits them alike; the figures are over all rounds (and MetoGPT's per round).

Usage: python -m bench.gateway [--rounds R] [--requests N] [--no-litellm] [--no-results]
       (figures go to bench/RESULTS.md between the gateway markers)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench._env import WORK, bench_environ, write_section
from bench._stream_client import MODEL, TOKENS, Target, run_batch
from tests.support.server import free_port

VENV = WORK / "litellm-venv"
DB = WORK / "gateway.db"


# ---- the servers ----------------------------------------------------------------------


def _wait(url: str, seconds: float = 180, headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2, headers=headers).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _litellm_venv() -> Path:
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "litellm").exists():
        print("installing litellm[proxy] into", VENV, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "litellm[proxy]"], check=True
        )
    return VENV / "bin" / "litellm"


def _litellm_version() -> str:
    code = "import importlib.metadata as m; print(m.version('litellm'))"
    python = str(VENV / "bin" / "python")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "?"


_SETUP = """
from metogpt.services import accounts, db, keys, setup
from metogpt.services.permissions import Actor
from metogpt.services import permissions
setup.migrate()
with db.write_session() as s:
    from metogpt.services import roles
    roles.seed_roles(s)
user = accounts.create("gw@example.com", "gw", "Gateway bench", "bench-password-1",
                       role="USER", balance=1_000_000_000)
actor = Actor(user.id, "USER", permissions.empty_matrix())
with db.write_session() as s:
    print(keys.create(s, actor, "bench")[1])
"""


def _metogpt_key(env: dict[str, str], db: Path = DB) -> str:
    """A personal key of a user with a large balance, on a fresh database at `db` (the one
    `env` points metogpt at)."""
    db.unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", _SETUP], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def _litellm_config(fake_port: int) -> Path:
    path = WORK / "litellm.yaml"
    path.write_text(
        "model_list:\n"
        f"  - model_name: {MODEL}\n"
        "    litellm_params:\n"
        f"      model: openai/{MODEL}\n"
        f"      api_base: http://127.0.0.1:{fake_port}/v1\n"
        "      api_key: sk-fake\n"
        "general_settings:\n"
        "  master_key: sk-bench-master\n"
        "litellm_settings:\n"
        "  telemetry: false\n"
    )
    return path


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def _measure(targets: list[Target], rounds: int, requests: int) -> None:
    for r in range(rounds):
        for concurrency in (1, 20):
            for target in targets:
                ttfts, rps, cpu = await run_batch(target, concurrency, requests)
                target.ttft.setdefault(concurrency, []).extend(ttfts)
                target.rps.setdefault(concurrency, []).append(rps)
                if cpu is not None:
                    target.cpu.setdefault(concurrency, []).append(cpu)
        print(f"round {r + 1}/{rounds} done", flush=True)


def _per_round(target: Target, c: int, rounds: int, n: int, direct: Target | None = None) -> str:
    """Each round's own p50 (ms), less direct's in the same round if given."""
    figures = []
    for i in range(rounds):
        p50 = statistics.median(target.ttft[c][i * n : i * n + n])
        if direct is not None:
            p50 -= statistics.median(direct.ttft[c][i * n : i * n + n])
        figures.append(f"{p50 * 1000:.2f}")
    return ", ".join(figures)


def _report(targets: list[Target], rounds: int, requests: int, load: tuple[float, float]) -> str:
    direct = targets[0]
    by = {t.name: t for t in targets}
    lines = [
        "## OpenAI-compatible API vs LiteLLM (bench/gateway.py)",
        "",
        f"One run: {rounds} rounds × {requests} streamed completions of {TOKENS} tokens per "
        "target and concurrency, the targets taking turns; the fake OpenAI server (no delay) "
        "behind all three; one worker each; "
        + (f"LiteLLM {_litellm_version()} (proxy, no database); " if "litellm" in by else "")
        + "MetoGPT on SQLite. "
        "TTFT in ms; overhead = p50 − direct's p50; requests/s = the median round; CPU = "
        "the server's processes' CPU (user + system) per request, the median round (direct: "
        "the fake server's own). Load average (1 min) at the start and at the end: "
        f"{load[0]:.1f}, {load[1]:.1f}.",
        "",
        "| target | conc. | TTFT p50 | TTFT p95 | overhead p50 | requests/s | CPU/request |",
        "|---|---|---|---|---|---|---|",
    ]
    figures: dict[tuple[str, int], tuple[float, float]] = {}
    for concurrency in (1, 20):
        base = statistics.median(direct.ttft[concurrency])
        for t in targets:
            p50 = statistics.median(t.ttft[concurrency])
            rps = statistics.median(t.rps[concurrency])
            figures[(t.name, concurrency)] = (p50 - base, rps)
            over = "—" if t is direct else f"{(p50 - base) * 1000:.2f}"
            cpu = t.cpu.get(concurrency)
            lines.append(
                f"| {t.name} | {concurrency} | {p50 * 1000:.2f} | "
                f"{_percentile(t.ttft[concurrency], 0.95) * 1000:.2f} | {over} | {rps:.0f} | "
                + (f"{statistics.median(cpu) * 1000:.2f} ms |" if cpu else "— |")
            )
    each = {c: _per_round(by["metogpt"], c, rounds, requests, direct) for c in (1, 20)}
    lines += [
        "",
        f"MetoGPT's overhead p50 in each round (ms), at 1: {each[1]}; at 20: {each[20]}. "
        f"Direct's own p50 at 20 in each round: {_per_round(direct, 20, rounds, requests)}.",
    ]
    lines += ["", "| target (issue 17) | conc. 1 | conc. 20 |", "|---|---|---|"]
    checks: list[tuple[str, Callable[[int], bool]]] = [
        ("MetoGPT TTFT overhead p50 ≤ 3 ms", lambda c: figures[("metogpt", c)][0] <= 0.003)
    ]
    if "litellm" in by:
        checks += [
            (
                "… and ≤ 0.25 × LiteLLM's",
                lambda c: figures[("metogpt", c)][0] <= 0.25 * figures[("litellm", c)][0],
            ),
            (
                "requests/s ≥ 3 × LiteLLM's",
                lambda c: figures[("metogpt", c)][1] >= 3 * figures[("litellm", c)][1],
            ),
        ]
    for label, check in checks:
        verdicts = ["met" if check(c) else "NOT met" for c in (1, 20)]
        lines.append(f"| {label} | {verdicts[0]} | {verdicts[1]} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    # Many short rounds: at 20 a round's p50 moves by ±5 ms with the machine (direct's own
    # too, bench/README.md session 12); the figures are over all of them.
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--no-litellm", action="store_true")
    parser.add_argument("--no-results", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        fake_port = free_port()
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.fixtures.fake_providers", "--port", str(fake_port)]
            )
        )
        _wait(f"http://127.0.0.1:{fake_port}/_fake/requests")
        behavior = {"reply_tokens": TOKENS, "include_usage": True}
        httpx.post(f"http://127.0.0.1:{fake_port}/_fake/behavior", json=behavior)
        targets = [Target("direct", fake_port, "/v1/chat/completions", "sk-direct", procs[0].pid)]

        env = bench_environ(DB) | {
            "OPENAI_API_KEY": "sk-fake",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{fake_port}/v1",
            "METOGPT_DEMO_DELAY": "0",
        }
        env.pop("REFLEX_REDIS_URL", None)
        key = _metogpt_key(env)
        port = free_port()
        procs.append(
            subprocess.Popen(
                [str(Path(sys.executable).parent / "granian"), "--interface", "asgi",
                 "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                 "--log-level", "warning", "bench._gateway_app:app"],
                env=env,
            )
        )  # fmt: skip
        _wait(f"http://127.0.0.1:{port}/api/health")
        targets.append(Target("metogpt", port, "/v1/chat/completions", key, procs[-1].pid))

        if not args.no_litellm:
            litellm = _litellm_venv()
            lport = free_port()
            lenv = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI", "DATABASE"))},
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "LITELLM_LOG": "ERROR",
                "LITELLM_TELEMETRY": "False",
            }
            procs.append(
                subprocess.Popen(
                    [str(litellm), "--config", str(_litellm_config(fake_port)), "--host",
                     "127.0.0.1", "--port", str(lport), "--num_workers", "1"],
                    env=lenv,
                    stdout=subprocess.DEVNULL,
                )
            )  # fmt: skip
            _wait(f"http://127.0.0.1:{lport}/health/liveliness")
            targets.append(
                Target("litellm", lport, "/v1/chat/completions", "sk-bench-master", procs[-1].pid)
            )

        load = os.getloadavg()[0]
        asyncio.run(_measure(targets, args.rounds, args.requests))
        report = _report(targets, args.rounds, args.requests, (load, os.getloadavg()[0]))
        print(report)
        if not args.no_results:
            write_section("gateway", report)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
