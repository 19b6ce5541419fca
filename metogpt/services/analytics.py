"""Usage figures: per day, per model, per user, and the ledger as CSV.

Each `charge` row of the ledger is also added, in the same transaction, to two small
rollup tables (`record_charge`): per UTC day and model, and per UTC day and user. The
charts read the first (a few hundred rows for a month), top spenders the second (one row
per active user and day), never the ledger, so the page does not slow down as the ledger
grows. A range is whole UTC days: the last `days` days, today included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    cast,
    delete,
    func,
    insert,
    inspect,
    literal_column,
)
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from metogpt.models import CHARGE, LedgerEntry, UsageDaily, UsageUserDaily, User, utcnow
from metogpt.services.db import Sql, Tx
from metogpt.services.errors import ErrorCode, InvalidInput, NotFound
from metogpt.services.permissions import Actor

MAX_DAYS = 366
EXPORT_LIMIT = 1_000_000
TOP_USERS = 10


@dataclass(frozen=True)
class Bucket:
    key: str
    tokens: int
    credits: int
    answers: int


@dataclass(frozen=True)
class Usage:
    by_day: list[Bucket]  # every day of the range, oldest first, empty days included
    by_model: list[Bucket]  # most credits first
    total: Bucket


def first_day(days: int) -> date:
    """The first UTC day of a range of `days` days ending today."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"the range must be 1–{MAX_DAYS} days")
    return utcnow().date() - timedelta(days=days - 1)


# ---- writing -----------------------------------------------------------------------------


# A day and model is spread over this many `usage_daily` rows (migration 0017): on
# PostgreSQL each settle adds to one at random (services/holds_sql.py), so parallel
# settles of one model do not queue on one row lock until their COMMITs. Readers sum them.
SLOTS = 16


def rollup_upsert(table: str, key: str, rows: str, *, slotted: bool = False) -> str:
    """Add charges to a rollup (SQLite and PostgreSQL spell the upsert alike). `rows`: a
    VALUES or SELECT of (day, key[, slot], tokens, credits, answers)."""
    keys = f"day, {key}, slot" if slotted else f"day, {key}"
    return (
        f"INSERT INTO {table} ({keys}, tokens, credits, answers) {rows} "
        f"ON CONFLICT ({keys}) DO UPDATE SET tokens = {table}.tokens + excluded.tokens, "
        f"credits = {table}.credits + excluded.credits, "
        f"answers = {table}.answers + excluded.answers"
    )


# One transaction writes at a time on SQLite: one slot (0) is enough there.
_PER_MODEL = Sql(
    rollup_upsert(
        "usage_daily", "model", "VALUES (:day, :model, 0, :tokens, :credits, 1)", slotted=True
    )
)
_PER_USER = Sql(
    rollup_upsert("usage_user_daily", "user_id", "VALUES (:day, :user_id, :tokens, :credits, 1)")
)


def record_charge(
    tx: Tx, *, day: date, model: str | None, user_id: str, tokens: int, credits: int
) -> None:
    """Add one `charge` ledger row to the rollups; call in the transaction that wrote it
    (`day`: the row's UTC day)."""
    sums = {"day": tx.day(day), "tokens": tokens, "credits": credits}
    tx.run(_PER_MODEL, {**sums, "model": model or ""})
    tx.run(_PER_USER, {**sums, "user_id": user_id})


def _ledger_day(session: Session) -> Any:
    """The UTC day of a ledger row, in SQL (SQLite stores the moments as UTC text)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(LedgerEntry.created_at)
    return cast(literal_column("ledger_entry.created_at AT TIME ZONE 'UTC'"), Date)


def _ledger_tokens() -> Any:
    prompt, completion = LedgerEntry.prompt_tokens, LedgerEntry.completion_tokens
    return func.sum(func.coalesce(prompt, 0) + func.coalesce(completion, 0))


def rebuild_usage(session: Session) -> None:
    """Recompute both rollups from the ledger (for rows written in bulk, bypassing billing)."""
    day = _ledger_day(session)
    sums = (_ledger_tokens(), -func.sum(LedgerEntry.amount), func.count())
    charges = col(LedgerEntry.kind) == CHARGE
    for table, key in (
        (UsageDaily, func.coalesce(LedgerEntry.model, "")),
        (UsageUserDaily, col(LedgerEntry.user_id)),
    ):
        session.exec(delete(table))
        names = ["day", inspect(table).columns[1].name, "tokens", "credits", "answers"]
        rows = sa_select(day, key, *sums).where(charges).group_by(day, key)
        session.exec(insert(table).from_select(names, rows))  # usage_daily: slot 0


# ---- reading -----------------------------------------------------------------------------


def _bucket(key: Any, tokens: Any, credits: Any, answers: Any) -> Bucket:
    return Bucket(str(key), int(tokens or 0), int(credits or 0), int(answers or 0))


def usage(session: Session, actor: Actor, days: int = 30) -> Usage:
    actor.require("ANALYTICS", "READ")
    first = first_day(days)
    # SQLAlchemy's select: SQLModel's typed one takes at most four columns.
    rows = session.connection().execute(
        sa_select(col(UsageDaily.day), col(UsageDaily.model), col(UsageDaily.tokens),
                  col(UsageDaily.credits), col(UsageDaily.answers))
        .where(col(UsageDaily.day) >= first)
    )  # fmt: skip
    return _report(first, days, ((day, model, sums) for day, model, *sums in rows))


def own_usage(session: Session, actor: Actor, days: int = 30) -> Usage:
    """The actor's own usage by day and model (the account page, GET /api/me/usage): anyone
    signed in may read their own."""
    return _usage_of(session, actor.user_id, days)


def user_usage(session: Session, actor: Actor, email: str, days: int = 30) -> Usage:
    """One user's usage by day and model, the user named by their email (the dashboard's
    usage of one user)."""
    actor.require("ANALYTICS", "READ")
    return _usage_of(session, _user_id(session, email), days)


def _user_id(session: Session, email: str) -> str:
    wanted = email.strip().lower() if isinstance(email, str) else ""
    user_id = session.exec(select(User.id).where(col(User.email) == wanted)).first()
    if user_id is None:
        raise NotFound("no user has this email", code=ErrorCode.USER_NOT_FOUND)
    return user_id


def _usage_of(session: Session, user_id: str, days: int) -> Usage:
    """The rollups hold no per-user-and-model sums, so this sums the user's own `charge`
    rows of the range, reached through ix_ledger_user_id_id."""
    first = first_day(days)
    start = datetime.combine(first, time.min, tzinfo=UTC)
    day = _ledger_day(session)
    model = func.coalesce(LedgerEntry.model, "")
    rows = session.connection().execute(
        sa_select(day, model, _ledger_tokens(), -func.sum(LedgerEntry.amount), func.count())
        .where(col(LedgerEntry.user_id) == user_id, col(LedgerEntry.kind) == CHARGE,
               col(LedgerEntry.created_at) >= start)
        .group_by(day, model)
    )  # fmt: skip
    # SQLite answers the day as text, PostgreSQL as a date.
    return _report(first, days, ((date.fromisoformat(str(d)), m, sums) for d, m, *sums in rows))


def _report(first: date, days: int, rows: Iterable[tuple[date, str, list[int]]]) -> Usage:
    """Sums of (day, model, [tokens, credits, answers]) rows by day (every day of the range)
    and by model (most credits first)."""
    per_day: dict[date, list[int]] = {first + timedelta(days=i): [0, 0, 0] for i in range(days)}
    per_model: dict[str, list[int]] = {}
    for day, model, sums in rows:
        for into in (per_day.setdefault(day, [0, 0, 0]), per_model.setdefault(model, [0, 0, 0])):
            for i, value in enumerate(sums):
                into[i] += value
    total = [sum(v[i] for v in per_model.values()) for i in range(3)]
    by_model = sorted(per_model.items(), key=lambda kv: (-kv[1][1], kv[0]))
    return Usage(
        by_day=[_bucket(d.isoformat(), *v) for d, v in sorted(per_day.items())],
        by_model=[_bucket(m, *v) for m, v in by_model],
        total=_bucket("total", *total),
    )


def top_users(session: Session, actor: Actor, days: int = 30) -> list[Bucket]:
    """The users who were charged the most in the range (key: email), most first. Sums
    one rollup row per active user and day: the slowest figure of the page (~0.1 s for
    50,000 such rows on SQLite), so the page asks for it after the rest."""
    actor.require("ANALYTICS", "READ")
    first = first_day(days)
    credits = func.sum(UsageUserDaily.credits)
    top = session.exec(
        select(UsageUserDaily.user_id, func.sum(UsageUserDaily.tokens), credits,
               func.sum(UsageUserDaily.answers))
        .where(col(UsageUserDaily.day) >= first)
        .group_by(UsageUserDaily.user_id)
        .order_by(credits.desc(), UsageUserDaily.user_id)
        .limit(TOP_USERS)
    ).all()  # fmt: skip
    ids = [row[0] for row in top]
    emails = dict(session.exec(select(User.id, User.email).where(col(User.id).in_(ids))).all())
    return [_bucket(emails.get(uid, uid), *sums) for uid, *sums in top]


def ledger_csv(session: Session, actor: Actor, days: int = 30, email: str = "") -> str:
    """The ledger of the range as CSV, every kind of row, with a totals line at the end;
    `email`: that user's rows only."""
    actor.require("ANALYTICS", "READ")
    start = datetime.combine(first_day(days), time.min, tzinfo=UTC)
    where = col(LedgerEntry.created_at) >= start
    if email:
        where = and_(where, col(LedgerEntry.user_id) == _user_id(session, email))
    return _export(session, where)


def own_ledger_csv(session: Session, actor: Actor) -> str:
    """The actor's own whole ledger as CSV, in the same columns (the account page)."""
    return _export(session, col(LedgerEntry.user_id) == actor.user_id)


def _export(session: Session, where: ColumnElement[bool]) -> str:
    rows = session.exec(
        select(LedgerEntry, User.email)
        .join(User, col(User.id) == col(LedgerEntry.user_id))
        .where(where)
        .order_by(col(LedgerEntry.id))
        .limit(EXPORT_LIMIT)
    ).all()
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "id",
            "time",
            "user",
            "kind",
            "amount",
            "balance_after",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "coefficient",
            "reason",
        ]
    )
    amount = tokens = 0
    for e, email in rows:
        w.writerow(
            [
                e.id,
                e.created_at.isoformat(),
                _safe(email),
                e.kind,
                e.amount,
                e.balance_after,
                e.model or "",
                e.prompt_tokens or 0,
                e.completion_tokens or 0,
                e.coefficient or "",
                _safe(e.reason or ""),
            ]
        )
        amount += e.amount
        tokens += (e.prompt_tokens or 0) + (e.completion_tokens or 0)
    w.writerow(["total", "", "", "", amount, "", "", tokens, "", "", ""])
    return out.getvalue()


def _safe(cell: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets: defuse it.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell
