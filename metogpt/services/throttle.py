"""Limits on tries: each try claims a slot before it is evaluated, so that parallel tries
cannot all slip in under the limit (issue 12: 35 parallel wrong passwords were all checked).

A slot is a ThrottleHit row of a key, counted until its `until`. Claiming counts the live
rows of the key and adds one in the same transaction, serialized per key: on SQLite
`write_session()` holds the database's write lock from its first statement (BEGIN
IMMEDIATE); on PostgreSQL a transaction-scoped advisory lock on the key's hash makes
claims of one key wait for each other (claims of other keys do not)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from metogpt.models import ThrottleHit, utcnow
from metogpt.services.errors import ErrorCode, RateLimited

# Expired rows of any key removed per claim: enough to keep up, small enough to be cheap.
_SWEEP = 100


def _lock(session: Session, key: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


def _sweep(session: Session, now: datetime) -> None:
    # SKIP LOCKED (PostgreSQL; SQLite already holds the write lock): two claims sweeping at
    # once take different rows instead of waiting for, or deadlocking on, each other's.
    expired = (
        select(ThrottleHit.id)
        .where(col(ThrottleHit.until) <= now)
        .limit(_SWEEP)
        .with_for_update(skip_locked=True)
    )
    session.exec(delete(ThrottleHit).where(col(ThrottleHit.id).in_(expired.scalar_subquery())))


def claim(
    session: Session,
    key: str,
    limit: int,
    window: timedelta,
    message: str,
    code: ErrorCode = ErrorCode.RATE_LIMITED,
) -> None:
    """Take one of `limit` slots of `key` for `window`, or raise RateLimited (with the
    seconds until the oldest slot frees up). Commits with the caller's transaction: run it
    in a transaction of its own, before the work it guards."""
    now = utcnow()
    _sweep(session, now)
    _lock(session, key)
    count, oldest = session.exec(
        select(func.count(), func.min(ThrottleHit.until)).where(
            ThrottleHit.key == key, col(ThrottleHit.until) > now
        )
    ).one()
    if count >= limit:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        retry = max(1, int((oldest - now).total_seconds()) + 1)
        raise RateLimited(message, code=code, retry_after=retry)
    session.add(ThrottleHit(key=key, until=now + window))


def release(session: Session, key: str) -> None:
    """Give back every slot of `key` (a successful sign-in clears the failed tries)."""
    session.exec(delete(ThrottleHit).where(col(ThrottleHit.key) == key))
