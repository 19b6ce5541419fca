"""Seed a large SQLite database for the benchmarks.

Creates a fresh database (default bench/.work/bench.db), migrated with metogpt's own
Alembic migrations, seeds the roles, then bulk-inserts 100,000 users and 1,000,000 ledger
rows with SQLAlchemy core `executemany` in a few big transactions:

- users: realistic names, e-mails and usernames (about 3% with Cyrillic names and the
  `ru` locale), roles USER / PRO / a few ADMINs, 2% disabled, created over the last year.
  All share one precomputed cheap bcrypt hash of bench._env.ADMIN_PASSWORD (100,000 real
  hashes would take hours); the first user is the admin the HTTP benchmark signs in as;
- ledger: one `grant` per user at sign-up, then charges (model, tokens, coefficient and
  the cost exactly as billing computes it) and admin adjustments, spread over users (a
  few heavy users, many light ones) and over time. Ids follow time, `balance_after` is the
  running balance and no balance ever drops below zero;
- the usage rollups (per day and model, per day and user) are summed from the ledger;
- `user.balance` is each user's final running balance, so balance == sum(ledger). The
  script checks that with metogpt.services.billing.reconcile() before it finishes.

Usage: python -m bench.seed_large [DB_PATH] [--users N] [--ledger N] [--seed S] [--json F]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._env import ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_USERNAME, DEFAULT_DB, use_database


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily "
    "Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah "
    "Timothy Stephanie Ronald Rebecca Jason Laura Edward Sharon Jeffrey Cynthia Ryan Kathleen "
    "Jacob Amy Gary Angela Nicholas Anna Eric Brenda Jonathan Emma Stephen Pamela Larry "
    "Nicole Justin Samantha Scott Katherine Brandon Christine Benjamin Helen Samuel Debra "
    "Gregory Rachel Alexander Carolyn Patrick Janet Frank Maria Raymond Olivia Jack Heather "
    "Dennis Diane Jerry Julie Tyler Joyce Aaron Victoria Jose Ruth Adam Virginia Nathan "
    "Lauren Henry Kelly Zachary Christina Douglas Joan Peter Evelyn Kyle Judith Noah Andrea "
    "Ethan Hannah Jeremy Megan Walter Cheryl Christian Jacqueline Keith Martha Roger Madison "
    "Terry Teresa Austin Gloria Sean Sara Gerald Janice Carl Ann Harold Kathryn Dylan Abigail"
)
LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales "
    "Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin "
    "Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens "
    "Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy"
)
# (Cyrillic, Latin transliteration used in the e-mail and username)
RU_FIRST = (
    ("Иван", "ivan"), ("Мария", "maria"), ("Алексей", "alexey"), ("Ольга", "olga"),
    ("Дмитрий", "dmitry"), ("Анна", "anna"), ("Сергей", "sergey"), ("Елена", "elena"),
    ("Андрей", "andrey"), ("Наталья", "natalia"), ("Михаил", "mikhail"), ("Татьяна", "tatiana"),
)  # fmt: skip
RU_LAST = (
    ("Иванов", "ivanov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"),
    ("Попов", "popov"), ("Соколов", "sokolov"), ("Лебедев", "lebedev"),
    ("Козлов", "kozlov"), ("Новиков", "novikov"), ("Морозов", "morozov"),
    ("Волков", "volkov"), ("Павлов", "pavlov"), ("Фёдоров", "fedorov"),
)  # fmt: skip
DOMAINS = (
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "proton.me", "icloud.com",
    "example.com", "acme.io", "contoso.com", "yandex.ru", "mail.ru", "fastmail.com",
)  # fmt: skip
# What each role's users chat with, as (model, coefficient) - the seeded role grants.
MODELS = {
    "USER": (("gpt-3.5-turbo", "1"),),
    "PRO": (("gpt-3.5-turbo", "1"), ("gpt-4", "1.5"), ("claude-3", "1.8")),
    "ADMIN": (("gpt-3.5-turbo", "1"), ("gpt-4", "1"), ("claude-3", "1")),
}
TOP_UPS = (1000, 2000, 5000, 10_000, 20_000)
TOP_UP_REASONS = ("monthly top-up", "promo credit", "support goodwill", None, None)
YEAR = timedelta(days=365)
CHUNK = 100_000


def _hex32(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def make_users(rng: random.Random, count: int, now: datetime, pw_hash: str) -> list[dict]:
    """`count` user rows (balance filled in later), oldest first; the first is the admin."""
    users: list[dict[str, Any]] = []
    for i in range(count):
        if rng.random() < 0.03:
            (first, first_l), (last, last_l) = rng.choice(RU_FIRST), rng.choice(RU_LAST)
            locale = "ru"
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            first_l, last_l, locale = first.lower(), last.lower(), "en"
        local = rng.choice(
            (f"{first_l}.{last_l}", f"{first_l[0]}{last_l}", f"{first_l}_{last_l}", last_l)
        )
        username = rng.choice((f"{first_l}{last_l[0]}", f"{last_l}.{first_l}", first_l))
        roll = rng.random()
        created = now - YEAR * rng.random()
        users.append(
            {
                "id": _hex32(rng),
                "email": f"{local}{i}@{rng.choice(DOMAINS)}",
                "username": f"{username}{i}",
                "name": f"{first} {last}",
                "password_hash": pw_hash,
                "role": "ADMIN" if roll < 0.001 else "PRO" if roll < 0.12 else "USER",
                "balance": 0,
                "reserved": 0,
                "enabled": rng.random() >= 0.02,
                "token_version": 0,
                "locale": locale,
                "created_at": created,
                "last_active_at": (
                    created + (now - created) * rng.random() if rng.random() < 0.8 else None
                ),
            }
        )
    admin = users[0]
    admin.update(
        email=ADMIN_EMAIL,
        username=ADMIN_USERNAME,
        name="Bench Administrator",
        role="ADMIN",
        enabled=True,
        created_at=now - YEAR - timedelta(days=1),
    )
    users.sort(key=lambda u: u["created_at"])
    return users


def make_ledger(rng: random.Random, users: list[dict], total: int, now: datetime) -> list[tuple]:
    """`total` ledger rows as tuples in time order; sets each user's final `balance`."""
    from metogpt.services.coefficients import affordable_tokens, cost

    admins = [u["id"] for u in users if u["role"] == "ADMIN"]
    # Activity is skewed: most users are light, a few are heavy (PRO users more so).
    weights = [rng.expovariate(1.0) * (3 if u["role"] == "PRO" else 1) for u in users]
    extra = [0] * len(users)
    for index in rng.choices(range(len(users)), weights, k=total - len(users)):
        extra[index] += 1
    rows: list[tuple] = []
    for user, count in zip(users, extra, strict=True):
        uid, start = user["id"], user["created_at"]
        balance = 10_000 if user["role"] == "PRO" else 2000
        rows.append((start, uid, "grant", balance, balance, *(None,) * 6, "registration", None))
        conversation = _hex32(rng)
        for when in sorted(start + (now - start) * rng.random() for _ in range(count)):
            model, coef = rng.choice(MODELS[user["role"]])
            prompt, completion = rng.randint(20, 600), rng.randint(1, 500)
            if cost(prompt + completion, coef) > balance:
                # Billing caps an answer at what the balance affords.
                completion = affordable_tokens(balance, coef) - prompt
            if rng.random() < 0.85 and completion >= 1:
                if rng.random() < 0.2:
                    conversation = _hex32(rng)
                amount = -cost(prompt + completion, coef)
                balance += amount
                row = (model, prompt, completion, coef, conversation, _hex32(rng), None, None)
                rows.append((when, uid, "charge", amount, balance, *row))
            else:
                if balance >= 100 and rng.random() < 0.1:
                    amount, reason = -rng.randint(1, min(balance, 2000)), "correction"
                else:
                    amount, reason = rng.choice(TOP_UPS), rng.choice(TOP_UP_REASONS)
                balance += amount
                row = (None,) * 6 + (reason, rng.choice(admins))
                rows.append((when, uid, "adjustment", amount, balance, *row))
        user["balance"] = balance
    rows.sort(key=lambda r: r[0])
    return rows


LEDGER_COLUMNS = _words(
    "created_at user_id kind amount balance_after model prompt_tokens completion_tokens "
    "coefficient conversation_id message_id reason actor_id"
)


def _chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def insert_all(users: list[dict], ledger: list[tuple]) -> None:
    from metogpt.models import LedgerEntry, User
    from metogpt.services.db import engines

    user_insert, ledger_insert = User.__table__.insert(), LedgerEntry.__table__.insert()  # type: ignore[attr-defined]
    engine = engines().write
    for chunk in _chunks(users, CHUNK):
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB while loading
            conn.execute(user_insert, list(chunk))
    for chunk in _chunks(ledger, 2 * CHUNK):
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
            conn.execute(ledger_insert, [dict(zip(LEDGER_COLUMNS, r, strict=True)) for r in chunk])


def seed(db_path: Path, n_users: int, n_ledger: int, seed_value: int) -> dict[str, Any]:
    """Build the database; returns a summary (counts, timings, file size)."""
    if n_ledger < n_users:
        raise SystemExit("every user gets a grant: --ledger must be at least --users")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    use_database(db_path)
    from metogpt.services import analytics, billing, roles, setup
    from metogpt.services.auth import hash_password
    from metogpt.services.db import engines, read_session, write_session

    began = time.perf_counter()
    setup.migrate()
    with write_session() as session:
        roles.seed_roles(session)
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    users = make_users(rng, n_users, now, hash_password(ADMIN_PASSWORD))
    ledger = make_ledger(rng, users, n_ledger, now)
    generated = time.perf_counter()
    print(f"generated {len(users):,} users, {len(ledger):,} ledger rows", flush=True)
    insert_all(users, ledger)
    with write_session() as session:  # the rows bypassed billing: sum the usage rollups
        analytics.rebuild_usage(session)
    inserted = time.perf_counter()
    print(f"inserted in {inserted - generated:.1f} s", flush=True)
    with read_session() as session:
        mismatches = billing.reconcile(session)
    if mismatches:
        raise SystemExit(f"reconcile found {len(mismatches)} mismatches, e.g. {mismatches[0]}")
    checked = time.perf_counter()
    engines().write.dispose()
    engines().read.dispose()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    summary = {
        "db": str(db_path),
        "users": len(users),
        "ledger_rows": len(ledger),
        "seed": seed_value,
        "generate_s": round(generated - began, 1),
        "insert_s": round(inserted - generated, 1),
        "reconcile_s": round(checked - inserted, 1),
        "total_s": round(time.perf_counter() - began, 1),
        "db_mb": round(db_path.stat().st_size / 2**20),
    }
    print(f"reconcile() clean in {checked - inserted:.1f} s; {summary}", flush=True)
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path, default=DEFAULT_DB)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--ledger", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args(argv)
    summary = seed(args.db, args.users, args.ledger, args.seed)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
