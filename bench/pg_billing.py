"""Reserve + settle pairs per second on PostgreSQL, in one process.

How: a fresh database on the server (`--postgres-url`, else BENCH_POSTGRES_URL, else
TEST_POSTGRES_URL), migrated, with `--users` users (default 10,000) who each got 1,000,000
credits by one grant row. Then bench.billing_throughput's loop: each pair reserves in one
transaction and settles in another, each one statement on an autocommit connection
(`db.statement_tx()`, services/holds_sql.py), first on one thread, then on `--threads`
threads (default 8; the pool holds 10 connections plus 20 of overflow). The books must
reconcile at the end. The database is dropped afterwards.

Usage: python -m bench.pg_billing [--postgres-url URL] [--users N] [--seconds S]
       [--threads N] [--session] [--json F] [--no-results]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._browser import machine, table
from bench._env import WORK, publish
from bench.billing_throughput import MODEL, run_pairs
from bench.seed_large import _chunks, make_users

CREDITS = 1_000_000


def _load(database_url: str, count: int) -> list[str]:
    from metogpt.models import GRANT, LedgerEntry, User
    from metogpt.services import db, roles, setup

    db.configure(database_url)
    setup.migrate()
    with db.write_session() as session:
        roles.seed_roles(session)
    now = datetime.now(UTC)
    rows = make_users(random.Random(20261203), count, now, "x")
    for row in rows:
        row["balance"] = CREDITS
    grants = [
        {"user_id": row["id"], "kind": GRANT, "amount": CREDITS, "balance_after": CREDITS,
         "created_at": now}
        for row in rows
    ]  # fmt: skip
    with db.engines().write.begin() as conn:
        for chunk in _chunks(rows, 5_000):
            conn.execute(User.__table__.insert(), list(chunk))  # type: ignore[attr-defined]
        for chunk in _chunks(grants, 5_000):
            conn.execute(LedgerEntry.__table__.insert(), list(chunk))  # type: ignore[attr-defined]
    with db.engines().write.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    return [row["id"] for row in rows]


def measure(
    server_url: str, count: int, seconds: float, threads: int, session: bool
) -> dict[str, Any]:
    from tests.support.server import fresh_postgres_database

    with fresh_postgres_database(server_url, f"metogpt_billing_{os.getpid()}") as url:
        user_ids = _load(url, count)
        from sqlmodel import func, select

        from metogpt.models import Reservation
        from metogpt.services import billing, db
        from metogpt.services.catalog import get_catalog

        max_output = get_catalog().models[MODEL].max_output
        before = machine()
        runs = []
        for n in sorted({1, threads}):
            result = run_pairs(user_ids, n, seconds, max_output, session)
            print(f"{n} thread(s): {result.pairs_per_s:,.0f} pairs/s", flush=True)
            runs.append(asdict(result))
        after = machine()
        with db.read_session() as s:
            mismatches = len(billing.reconcile(s))
            open_holds = s.exec(select(func.count()).select_from(Reservation)).one()
        with db.engines().read.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        db.engines().write.dispose()
    if mismatches or open_holds:
        raise SystemExit("the books do not reconcile after the run")
    return {
        "postgres": version,
        "users": count,
        "path": "session" if session else "statement_tx",
        "runs": runs,
        "reconcile_mismatches": mismatches,
        "open_reservations": open_holds,
        "machine_before": before,
        "machine_after": after,
        "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def report(figures: dict[str, Any]) -> str:
    rows = [
        [
            str(r["threads"]),
            f"{r['pairs']:,}",
            f"{r['pairs_per_s']:,.0f}",
            str(r["pair_p50_ms"]),
            str(r["pair_p99_ms"]),
            f"{r['pairs_per_cpu_s']:,.0f}",
        ]
        for r in figures["runs"]
    ]
    return "\n".join(
        [
            f"### Reserve + settle pairs on PostgreSQL {figures['postgres']} "
            f"({figures['users']:,} users, `{figures['path']}`)",
            "",
            f"{figures['at']}; load before {figures['machine_before']}, after "
            f"{figures['machine_after']}. Books reconciled, no reservation left open.",
            "",
            table(["threads", "pairs", "pairs/s", "p50 ms", "p99 ms", "pairs per CPU-s"], rows),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL"),
    )
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--session", action="store_true", help="ORM sessions instead")
    parser.add_argument("--json", type=Path, default=WORK / "pg_billing.json")
    parser.add_argument("--no-results", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args(argv)
    if not args.postgres_url:
        parser.error("a PostgreSQL server is needed: --postgres-url")
    figures = measure(args.postgres_url, args.users, args.seconds, args.threads, args.session)
    publish(figures, args.json, report(figures), None if args.no_results else "pg:billing")


if __name__ == "__main__":
    main()
