"""The admin user list on PostgreSQL: `users.list_users` on 100,000 users, with and without
the trigram indexes of migration 0006.

How: a new database on the PostgreSQL server (--postgres-url, else BENCH_POSTGRES_URL,
else TEST_POSTGRES_URL), migrated; the users of the SQLite benchmarks (bench.seed_large's
generator and seed) bulk-inserted, then VACUUM ANALYZE (what autovacuum soon does). Then,
in this process, each scenario's service call (50 per page, newest first, as
`GET /api/admin/users?limit=50` asks) is timed N times in turn after a warm-up round, in
its own read transaction: first with the indexes, then again after dropping them (what a
database that refused pg_trgm gets). The database is dropped afterwards. Figures in ms
(p50 / p95 / max); the service call only, without HTTP (bench.api_users measures that,
on SQLite).

Usage: python -m bench.pg_search [--postgres-url URL] [--users N] [--runs N] [--json F]
       [--no-results]   (figures go to bench/RESULTS.md between the pg:search markers)
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench._browser import load_note, machine, summary, table
from bench._env import WORK, publish
from bench.seed_large import _chunks, make_users

SCENARIOS: tuple[tuple[str, str, int], ...] = (
    ("first page", "", 0),
    ("search 'smith' (part of a name)", "smith", 0),
    ("search 'smith', offset 500", "smith", 500),
    ("search 'an' (a third of the users)", "an", 0),
    ("search 'ивано' (Cyrillic, 3% of the users are Russian)", "ивано", 0),
    ("search matching nobody", "qzx-nobody", 0),
)
SEED = 20261124


def _load(database_url: str, count: int) -> None:
    from metogpt.models import User
    from metogpt.services import db, roles, setup

    db.configure(database_url)
    setup.migrate()
    with db.write_session() as session:
        roles.seed_roles(session)
    rows = make_users(random.Random(SEED), count, datetime.now(UTC), "x")
    insert = User.__table__.insert()  # type: ignore[attr-defined]
    with db.engines().write.begin() as conn:
        for chunk in _chunks(rows, 5_000):
            conn.execute(insert, list(chunk))
    with db.engines().write.connect() as conn:
        # What autovacuum does on its own shortly after such a load (visibility map, stats).
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            'VACUUM ANALYZE "user"'
        )


def _time_all(runs: int) -> dict[str, dict[str, Any]]:
    from metogpt.services import permissions, users
    from metogpt.services.db import read_session

    actor = permissions.Actor("bench", "ADMIN", permissions.full_matrix())
    times: dict[str, list[float]] = {name: [] for name, _, _ in SCENARIOS}
    totals: dict[str, int] = {}
    for round_ in range(runs + 1):  # round 0 warms the caches
        for name, needle, offset in SCENARIOS:
            with read_session() as session:
                began = time.perf_counter()
                _, total = users.list_users(session, actor, needle, 50, offset, "created", True)
                took = (time.perf_counter() - began) * 1000
            totals[name] = total
            if round_:
                times[name].append(took)
    return {name: {"total": totals[name], **summary(times[name])} for name in times}


def _drop_indexes() -> None:
    """Drop the trigram indexes of migration 0006 (named there; found by their prefix)."""
    from metogpt.services.db import engines

    with engines().write.begin() as conn:
        found = conn.execute(
            text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix\\_user\\_trgm\\_%'")
        ).scalars()
        names = list(found)
        if not names:
            raise SystemExit("no trigram indexes to drop: did migration 0006 create them?")
        for name in names:
            conn.execute(text(f'DROP INDEX "{name}"'))


def measure(server_url: str, count: int, runs: int) -> dict[str, Any]:
    from tests.support.server import fresh_postgres_database

    with fresh_postgres_database(server_url, f"metogpt_search_{os.getpid()}") as url:
        began = time.perf_counter()
        _load(url, count)
        print(f"{count:,} users loaded in {time.perf_counter() - began:.0f} s", flush=True)
        before = machine()
        indexed = _time_all(runs)
        _drop_indexes()
        scanned = _time_all(runs)
        after = machine()
        from metogpt.services import db

        with db.engines().read.connect() as conn:
            version = conn.exec_driver_sql("SHOW server_version").scalar()
        db.engines().write.dispose()
    return {
        "postgres": version,
        "users": count,
        "runs": runs,
        "machine_before": before,
        "machine_after": after,
        "with_indexes": indexed,
        "without_indexes": scanned,
    }


def report(fig: dict[str, Any]) -> str:
    with_, without = fig["with_indexes"], fig["without_indexes"]
    rows = [
        [
            name,
            with_[name]["total"],
            with_[name]["p50"],
            with_[name]["p95"],
            with_[name]["max"],
            without[name]["p50"],
            without[name]["p95"],
        ]
        for name, _, _ in SCENARIOS
    ]
    return "\n".join(
        [
            "## Admin user list on PostgreSQL (`python -m bench.pg_search`)",
            "",
            f"`users.list_users` (50 per page, newest first) on {fig['users']:,} users "
            f"(bench.seed_large's generator), PostgreSQL {fig['postgres']}, timed in-process "
            f"without HTTP, {fig['runs']} calls per scenario after a warm-up round; ms. "
            "Measured " + load_note(fig["machine_before"], fig["machine_after"]) + ". "
            "*Indexed*: the trigram GIN indexes of migration 0006; *scan*: the same calls "
            "after dropping them (a database that refused pg_trgm).",
            "",
            table(
                ["scenario", "matches", "p50", "p95", "max", "scan p50", "scan p95"],
                rows,
            ),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL"),
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path, default=WORK / "pg_search.json")
    parser.add_argument("--no-results", action="store_true", help="leave RESULTS.md alone")
    args = parser.parse_args(argv)
    if not args.postgres_url:
        parser.error("a PostgreSQL server is needed: --postgres-url")
    figures = measure(args.postgres_url, args.users, args.runs)
    publish(figures, args.json, report(figures), None if args.no_results else "pg:search")


if __name__ == "__main__":
    main()
