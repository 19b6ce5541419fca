"""Reserve + settle pairs per second on the large database, in one process.

How: a pair is what one answer does to the books. `holds.reserve` holds credits in its own
transaction (`db.statement_tx()`: the driver's connection; SQLite: BEGIN IMMEDIATE,
PostgreSQL: one statement on an autocommit connection), then `holds.settle` charges the
tokens used and returns the rest in another, as an answer does around the provider call (the
message rows the chat also writes are left out: this measures billing). `--session` runs
them in ORM sessions (`db.write_session()`) instead, as the chat's answer path does today.
Each pair picks a random user among those with credits, a prompt of 20-600 tokens and an
answer of 1-500 tokens, at the seeded USER coefficient. The loop runs for a fixed time,
first on one thread, then on four threads sharing the process (and its engines). A refusal
for lack of credits still counts as a reserve, not as a pair. At the end
`billing.reconcile()` must be empty and no reservation may be left open.

Usage: python -m bench.billing_throughput [DB_PATH] [--seconds S] [--threads N] [--session]
       [--json F]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench._env import DEFAULT_DB, use_database

MODEL, COEFFICIENT = "gpt-3.5-turbo", "1"


@dataclass
class Tally:
    pairs: int = 0
    refused: int = 0
    latencies_ms: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Run:
    threads: int
    seconds: float
    pairs: int
    refused: int
    pairs_per_s: float
    pair_p50_ms: float
    pair_p99_ms: float
    # Process CPU time over the run: on a busy machine, pairs per CPU-second says what one
    # free core would do.
    cpu_s: float
    pairs_per_cpu_s: float


def _percentile(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)] if sorted_ms else 0.0


def _worker(
    user_ids: list[str], until: float, seed: int, max_output: int, session: bool, tally: Tally
) -> None:
    from metogpt.services import holds
    from metogpt.services.db import statement_tx, write_session

    transaction = write_session if session else statement_tx
    from metogpt.services.errors import InsufficientBalance

    rng = random.Random(seed)
    while time.perf_counter() < until:
        user_id = rng.choice(user_ids)
        prompt = rng.randint(20, 600)
        began = time.perf_counter()
        try:
            with transaction() as tx:
                hold = holds.reserve(
                    tx,
                    user_id,
                    model=MODEL,
                    coefficient=COEFFICIENT,
                    prompt_tokens=prompt,
                    max_output=max_output,
                )
        except InsufficientBalance:
            tally.refused += 1
            continue
        completion = rng.randint(1, min(500, hold.max_tokens))
        with transaction() as tx:
            holds.settle(tx, hold.reservation_id, prompt, completion)
        tally.latencies_ms.append((time.perf_counter() - began) * 1000)
        tally.pairs += 1


def run_pairs(
    user_ids: list[str], threads: int, seconds: float, max_output: int, session: bool
) -> Run:
    tallies = [Tally() for _ in range(threads)]
    until = time.perf_counter() + seconds
    began, cpu_began = time.perf_counter(), time.process_time()
    workers = [
        threading.Thread(
            target=_worker,
            args=(user_ids, until, 1000 + i, max_output, session, tally),
        )
        for i, tally in enumerate(tallies)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    pairs = sum(t.pairs for t in tallies)
    latencies = sorted(ms for t in tallies for ms in t.latencies_ms)
    return Run(
        threads=threads,
        seconds=round(elapsed, 2),
        pairs=pairs,
        refused=sum(t.refused for t in tallies),
        pairs_per_s=round(pairs / elapsed, 1),
        pair_p50_ms=round(_percentile(latencies, 50), 2),
        pair_p99_ms=round(_percentile(latencies, 99), 2),
        cpu_s=round(cpu, 2),
        pairs_per_cpu_s=round(pairs / cpu, 1) if cpu else 0.0,
    )


def run(db_path: Path, seconds: float, threads: int, session: bool) -> dict[str, Any]:
    if not db_path.exists():
        raise SystemExit(f"{db_path} does not exist: run python -m bench.seed_large first")
    use_database(db_path)
    from sqlalchemy import func
    from sqlmodel import col, select

    from metogpt.models import LedgerEntry, Reservation, User
    from metogpt.services import billing
    from metogpt.services.catalog import get_catalog
    from metogpt.services.db import read_session

    max_output = get_catalog().models[MODEL].max_output
    # (Not `session`: that name is the flag, and a Session is truthy: until session 6 every
    # run measured the ORM path.)
    with read_session() as s:
        user_ids = list(s.exec(select(User.id).where(col(User.balance) >= 1000)).all())
        ledger_before = s.exec(select(func.count()).select_from(LedgerEntry)).one()
    print(f"{len(user_ids):,} users with at least 1000 credits", flush=True)
    runs = []
    for n in sorted({1, threads}):
        result = run_pairs(user_ids, n, seconds, max_output, session)
        print(
            f"{n} thread(s): {result.pairs_per_s:,.0f} pairs/s ({result.pairs:,} pairs, "
            f"{result.refused} refused; pair p50 {result.pair_p50_ms} ms, "
            f"p99 {result.pair_p99_ms} ms; {result.pairs_per_cpu_s:,.0f} pairs per CPU-second)",
            flush=True,
        )
        runs.append(asdict(result))
    began = time.perf_counter()
    with read_session() as s:
        mismatches = billing.reconcile(s)
        open_holds = s.exec(select(func.count()).select_from(Reservation)).one()
        ledger_after = s.exec(select(func.count()).select_from(LedgerEntry)).one()
    reconcile_s = time.perf_counter() - began
    print(
        f"reconcile(): {len(mismatches)} mismatches, {open_holds} open reservations "
        f"({reconcile_s:.1f} s)"
    )
    if mismatches or open_holds:
        raise SystemExit("the books do not reconcile after the run")
    return {
        "path": "session" if session else "statement_tx",
        "runs": runs,
        "users_sampled": len(user_ids),
        "ledger_rows_before": ledger_before,
        "ledger_rows_after": ledger_after,
        "reconcile_mismatches": len(mismatches),
        "open_reservations": open_holds,
        "reconcile_s": round(reconcile_s, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path, default=DEFAULT_DB)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--session", action="store_true", help="ORM sessions, as the chat's answer path"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    figures = run(args.db, args.seconds, args.threads, args.session)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
