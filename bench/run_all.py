"""Run the SQLite benchmarks and rewrite their section of bench/RESULTS.md (`make bench`).

Seeds bench/.work/bench.db when it is missing (or with --fresh), runs bench.api_users
against it and bench.billing_throughput against a copy of it (billing writes, and the
next run should find the same data), each in its own process, then writes the figures
as JSON (bench/.work/figures.json) and the section of RESULTS.md between the
`<!-- sqlite:begin -->` / `<!-- sqlite:end -->` markers: date, machine, dataset, tables,
targets met or not, and the "before" figures from bench/baseline.json when present.
Other scripts' sections of RESULTS.md are left as they are; `--browser` also runs the
Chromium benchmarks (bench.admin_first_screen, bench.chat_latency), which write their own.

`--no-report --json-out bench/baseline.json` records a baseline instead (run it on the
code to compare against).`--report-only` rewrites the section from the last
figures without running anything.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._env import DEFAULT_DB, RESULTS, ROOT, WORK, bench_environ, write_section

BASELINE = ROOT / "bench" / "baseline.json"
SECTION = "sqlite"
BROWSER_BENCHES = ("admin_first_screen", "chat_latency")
TARGET_P50_MS, TARGET_P99_MS = 15.0, 50.0
# Reserve + settle pairs per second (issue 14): by thread count, and the pair's p99 with 4.
TARGET_PAIRS_PER_S = {1: 3000.0, 4: 2000.0}
TARGET_PAIR_P99_MS = 20.0


def _step(module: str, *args: str | Path) -> None:
    command = [sys.executable, "-m", f"bench.{module}", *map(str, args)]
    print(f"$ {' '.join(command[1:])}", flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem_kb = next(
        (int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(mem_kb / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def dataset(db_path: Path) -> dict[str, Any]:
    with sqlite3.connect(db_path) as conn:
        users, ledger = (
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ('"user"', "ledger_entry")
        )
        roles = dict(conn.execute('SELECT role, count(*) FROM "user" GROUP BY role'))
    return {
        "users": users,
        "ledger_rows": ledger,
        "roles": roles,
        "db_mb": round(db_path.stat().st_size / 2**20),
    }


def commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "metogpt", "alembic"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run(db_path: Path, fresh: bool, requests: int, seconds: float, note: str) -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    seed_json = WORK / "seed.json"
    if fresh or not db_path.exists():
        _step("seed_large", db_path, "--json", seed_json)
    else:  # a database seeded by older code: bring it to the current schema
        subprocess.run(
            [sys.executable, "-m", "metogpt", "migrate"],
            cwd=ROOT,
            check=True,
            env=bench_environ(db_path),
        )
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    data = dataset(db_path)
    _step("api_users", db_path, "--requests", str(requests), "--json", WORK / "api.json")
    copy = WORK / "billing.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db_path, copy)
    _step("billing_throughput", copy, "--seconds", str(seconds), "--json", WORK / "billing.json")
    return {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "code": commit(),
        "note": note,
        "machine": machine(),
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "dataset": data,
        "seed": json.loads(seed_json.read_text()) if seed_json.exists() else None,
        "api": json.loads((WORK / "api.json").read_text()),
        "billing": json.loads((WORK / "billing.json").read_text()),
    }


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _api_table(now: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    old = {s["name"]: s for s in before["api"]["scenarios"]} if before else {}
    head = "| scenario | total | p50 | p95 | p99 | max | server CPU | target (p50 ≤ 15, p99 ≤ 50) |"
    rule = "|---|---:|---:|---:|---:|---:|---:|---|"
    if old:
        head += " before: p50 | before: p99 |"
        rule += "---:|---:|"
    lines = [head, rule]
    for s in now["api"]["scenarios"]:
        users = s["path"] == "/api/admin/users"
        target = _met(s["p50"] <= TARGET_P50_MS and s["p99"] <= TARGET_P99_MS) if users else "–"
        row = (
            f"| {s['name']} | {s['total'] if s['total'] is not None else '–'} | {s['p50']} "
            f"| {s['p95']} | {s['p99']} | {s['max']} | {s.get('server_cpu_ms', '–')} | {target} |"
        )
        if old:
            prev = old.get(s["name"])
            row += f" {prev['p50']} | {prev['p99']} |" if prev else " – | – |"
        lines.append(row)
    return lines


def _billing_table(now: dict[str, Any], before: dict[str, Any] | None) -> list[str]:
    old = {r["threads"]: r for r in before["billing"]["runs"]} if before else {}
    head = "| threads | pairs | pairs/s | pair p50 ms | pair p99 ms | pairs per CPU-second |"
    rule = "|---:|---:|---:|---:|---:|---:|"
    if old:
        head += " before: pairs/s |"
        rule += "---:|"
    lines = [head, rule]
    for r in now["billing"]["runs"]:
        row = (
            f"| {r['threads']} | {r['pairs']:,} | {r['pairs_per_s']:,.0f} | {r['pair_p50_ms']} "
            f"| {r['pair_p99_ms']} | {r['pairs_per_cpu_s']:,.0f} |"
        )
        if old:
            prev = old.get(r["threads"])
            row += f" {prev['pairs_per_s']:,.0f} |" if prev else " – |"
        lines.append(row)
    return lines


def report(now: dict[str, Any], before: dict[str, Any] | None) -> str:
    m, d, seed = now["machine"], now["dataset"], now["seed"]
    users = [s for s in now["api"]["scenarios"] if s["path"] == "/api/admin/users"]
    api_ok = all(s["p50"] <= TARGET_P50_MS and s["p99"] <= TARGET_P99_MS for s in users)
    runs = {r["threads"]: r for r in now["billing"]["runs"]}
    billing_rows = [
        f"| reserve + settle pairs in one process, {n} thread(s): ≥ {target:,.0f}/s"
        + (f", pair p99 ≤ {TARGET_PAIR_P99_MS:g} ms" if n > 1 else "")
        + f" | {runs[n]['pairs_per_s']:,.0f}/s, p99 {runs[n]['pair_p99_ms']} ms | "
        + _met(
            runs[n]["pairs_per_s"] >= target
            and (n == 1 or runs[n]["pair_p99_ms"] <= TARGET_PAIR_P99_MS)
        )
        + " |"
        for n, target in TARGET_PAIRS_PER_S.items()
        if n in runs
    ]
    lines = [
        "## REST user list and billing on SQLite",
        "",
        f"Written by `python -m bench.run_all` (`make bench`) on {now['date']}, code "
        f"{now['code']}. How each figure is measured: the docstrings of bench/*.py; "
        "analysis and history: bench/README.md. Timings are wall-clock.",
        "",
        "### Summary",
        "",
        "| target | figure | |",
        "|---|---|---|",
        f"| `GET /api/admin/users?limit=50`: p50 ≤ {TARGET_P50_MS:g} ms, p99 ≤ "
        f"{TARGET_P99_MS:g} ms in every scenario, search included | worst p50 "
        f"{max(s['p50'] for s in users)} ms, worst p99 {max(s['p99'] for s in users)} ms "
        f"| {_met(api_ok)} |",
        *billing_rows,
        "",
        "### Machine",
        "",
        f"- {m['nproc']} CPUs ({m['cpu']}), {m['ram_gib']} GiB RAM; {m['os']}",
        f"- Python {m['python']}, SQLite {m['sqlite']}; {now['api']['server']}",
        f"- load average (1, 5, 15 min) {now['load_average']['before']} at the start, "
        f"{now['load_average']['after']} at the end: a load above the CPU count means other "
        "work shared the machine and the figures are pessimistic.",
        "",
        "### Dataset",
        "",
        f"- SQLite file of {d['db_mb']} MB, migrated with metogpt's migrations: "
        f"{d['users']:,} users (roles: "
        + ", ".join(f"{r} {n:,}" for r, n in sorted(d["roles"].items()))
        + f"), {d['ledger_rows']:,} ledger rows; balance == sum(ledger) for every user "
        "(reconcile() checked after seeding).",
    ]
    if seed:
        lines.append(
            f"- Seeded by `python -m bench.seed_large` in {seed['total_s']} s "
            f"(generation {seed['generate_s']} s, inserts {seed['insert_s']} s, "
            f"reconcile {seed['reconcile_s']} s)."
        )
    api = now["api"]
    lines += [
        "",
        f"### `GET /api/admin/users` over HTTP ({api['requests']} sequential requests per "
        f"scenario, interleaved, after {api['warmup']} warm-up ones; ms)",
        "",
        *_api_table(now, before),
        "",
        "`total` is the exact number of matching users the response reports; `server CPU` "
        "is the server process's CPU time per request (ms). The health check is the floor "
        "that HTTP, uvicorn and FastAPI cost by themselves.",
        "",
        f"### Reserve + settle pairs ({now['billing']['runs'][0]['seconds']} s per run, one "
        f"process, a copy of the dataset, `{now['billing'].get('path', 'session')}`)",
        "",
        *_billing_table(now, before),
        "",
        f"After the runs: `reconcile()` found {now['billing']['reconcile_mismatches']} "
        f"mismatches and {now['billing']['open_reservations']} open reservations "
        f"(ledger {now['billing']['ledger_rows_before']:,} → "
        f"{now['billing']['ledger_rows_after']:,} rows).",
    ]
    if before:
        lines += [
            "",
            "### Before",
            "",
            f'The "before" columns: {before["date"]}, code {before["code"]}'
            + (f" ({before['note']})" if before.get("note") else "")
            + f"; load average {before['load_average']['before']} at its start. "
            "Recorded with `python -m bench.run_all --no-report --json-out bench/baseline.json`.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--fresh", action="store_true", help="seed again even if present")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json-out", type=Path, default=WORK / "figures.json")
    parser.add_argument("--no-report", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite RESULTS.md from --json-out, run nothing"
    )
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--note", default="", help="a word on what code this measures")
    parser.add_argument(
        "--browser", action="store_true", help="also run " + ", ".join(BROWSER_BENCHES)
    )
    args = parser.parse_args(argv)
    if args.report_only:
        figures = json.loads(args.json_out.read_text())
    else:
        figures = run(args.db, args.fresh, args.requests, args.seconds, args.note)
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n")
    if not args.no_report:
        before = json.loads(args.baseline.read_text()) if args.baseline.exists() else None
        write_section(SECTION, report(figures, before))
        print(f"wrote the {SECTION} section of {RESULTS.relative_to(ROOT)}")
    if args.browser:
        for module in BROWSER_BENCHES:
            _step(module)


if __name__ == "__main__":
    main()
