"""Usage figures from the ledger's `charge` rows: per day, per model, per user, CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from metogpt.models import LedgerEntry, User, utcnow
from metogpt.services.errors import InvalidInput
from metogpt.services.permissions import Actor

MAX_DAYS = 366
EXPORT_LIMIT = 1_000_000


@dataclass(frozen=True)
class Bucket:
    key: str
    tokens: int
    credits: int
    answers: int


@dataclass(frozen=True)
class Usage:
    by_day: list[Bucket]
    by_model: list[Bucket]
    top_users: list[Bucket]  # key: email
    total: Bucket


def window(days: int) -> tuple[datetime, datetime]:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"the range must be 1–{MAX_DAYS} days")
    end = utcnow()
    return end - timedelta(days=days), end


def _charges(start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    return (
        col(LedgerEntry.kind) == "charge",
        col(LedgerEntry.created_at) >= start,
        col(LedgerEntry.created_at) < end,
    )


def _tokens():  # type: ignore[no-untyped-def]
    return func.coalesce(
        func.sum(
            func.coalesce(LedgerEntry.prompt_tokens, 0)
            + func.coalesce(LedgerEntry.completion_tokens, 0)
        ),
        0,
    )


def _buckets(rows) -> list[Bucket]:  # type: ignore[no-untyped-def]
    return [Bucket(str(k), int(t or 0), -int(c or 0), int(n or 0)) for k, t, c, n in rows]


def usage(session: Session, actor: Actor, days: int = 30) -> Usage:
    actor.require("ANALYTICS", "READ")
    start, end = window(days)
    where = _charges(start, end)
    credits, answers = func.coalesce(func.sum(LedgerEntry.amount), 0), func.count()
    day = func.date(LedgerEntry.created_at)
    by_day = session.exec(
        select(day, _tokens(), credits, answers).where(*where).group_by(day).order_by(day)
    ).all()
    by_model = session.exec(
        select(LedgerEntry.model, _tokens(), credits, answers)
        .where(*where)
        .group_by(LedgerEntry.model)
        .order_by(credits)
    ).all()
    top = session.exec(
        select(User.email, _tokens(), credits, answers)
        .join(User, col(User.id) == col(LedgerEntry.user_id))
        .where(*where)
        .group_by(User.email)
        .order_by(credits)
        .limit(10)
    ).all()
    total = session.exec(select(_tokens(), credits, answers).where(*where)).one()
    return Usage(
        by_day=_buckets(by_day),
        by_model=_buckets(by_model),
        top_users=_buckets(top),
        total=Bucket("total", int(total[0] or 0), -int(total[1] or 0), int(total[2] or 0)),
    )


def ledger_csv(session: Session, actor: Actor, days: int = 30) -> str:
    """The ledger of the range as CSV, every kind of row, with a totals line at the end."""
    actor.require("ANALYTICS", "READ")
    start, end = window(days)
    rows = session.exec(
        select(LedgerEntry, User.email)
        .join(User, col(User.id) == col(LedgerEntry.user_id))
        .where(col(LedgerEntry.created_at) >= start, col(LedgerEntry.created_at) < end)
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
