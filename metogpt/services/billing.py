"""Balances and the ledger.

Invariants, kept by construction:
- `user.balance` changes only together with exactly one ledger row for that change, in
  one transaction, so `balance == sum(ledger.amount)` for every user at every commit;
- `0 <= user.reserved <= user.balance`: an answer in flight holds credits through a
  reservation (`reserved`), and every update that could break this is a conditional
  `UPDATE … WHERE …` checked by the database itself, so parallel requests (tabs,
  workers, the API) cannot overdraw, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from metogpt.models import (
    ADJUSTMENT,
    LedgerEntry,
    Reservation,
    User,
)
from metogpt.services.db import is_key
from metogpt.services.errors import Conflict, ErrorCode, InsufficientBalance, InvalidInput, NotFound
from metogpt.services.permissions import Actor

MAX_BALANCE = 10**12
MAX_REASON = 500


def _user_or_404(session: Session, user_id: Any) -> User:
    user = session.get(User, user_id) if is_key(user_id) else None
    if user is None:
        raise NotFound("user not found", code=ErrorCode.USER_NOT_FOUND)
    return user


def _ledger(session: Session, user_id: str, kind: str, amount: int, after: int, **fields: Any):
    entry = LedgerEntry(user_id=user_id, kind=kind, amount=amount, balance_after=after, **fields)
    session.add(entry)
    session.flush()
    return entry


def apply_delta(
    session: Session, user_id: str, delta: int, kind: str, **fields: Any
) -> LedgerEntry:
    """Move a balance by `delta` and write its ledger row; refuses to go below what is
    reserved (and so below zero) or above MAX_BALANCE."""
    after = session.exec(
        update(User)
        .where(
            col(User.id) == user_id,
            col(User.balance) + delta >= col(User.reserved),
            col(User.balance) + delta <= MAX_BALANCE,
        )
        .values(balance=col(User.balance) + delta)
        .returning(col(User.balance))
    ).scalar_one_or_none()
    if after is None:
        user = _user_or_404(session, user_id)
        if user.balance + delta > MAX_BALANCE:
            raise InvalidInput(f"the balance cannot exceed {MAX_BALANCE}", code=ErrorCode.TOO_LARGE)
        raise InsufficientBalance(
            f"the balance ({user.balance}, of which {user.reserved} held by answers in "
            f"progress) cannot go down by {-delta}"
        )
    return _ledger(session, user_id, kind, delta, after, **fields)


def _amount(value: Any, name: str, *, allow_negative: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name} must be a whole number")
    if not allow_negative and value < 0:
        raise InvalidInput(f"{name} cannot be negative")
    if abs(value) > MAX_BALANCE:
        raise InvalidInput(
            f"{name} must be at most {MAX_BALANCE} in size", code=ErrorCode.TOO_LARGE
        )
    return value


BalanceOp = Literal["set", "add"]


def _reason(reason: Any) -> str:
    """An admin's reason for a balance change: required, so that every adjustment in the
    ledger says why it was made."""
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput("reason must be text", code=ErrorCode.REASON_INVALID)
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("a reason is required", code=ErrorCode.REASON_REQUIRED)
    if "\x00" in text:  # PostgreSQL text cannot hold NUL
        raise InvalidInput("reason cannot contain NUL characters", code=ErrorCode.REASON_INVALID)
    if len(text) > MAX_REASON:
        raise InvalidInput(
            f"reason must be at most {MAX_REASON} characters", code=ErrorCode.REASON_TOO_LONG
        )
    return text


def change_balance(
    session: Session, actor: Actor, user_id: str, op: BalanceOp, amount: Any, reason: Any
) -> LedgerEntry | None:
    """Every change of a balance by a person (the admin dashboard, the REST API, the
    console): "set" puts the balance at `amount`, "add" moves it by `amount` (a negative
    amount takes credits away). A reason is required. Returns the ledger row, or None when
    "set" found the balance already there."""
    actor.require("BALANCE_MANAGEMENT", "UPDATE")
    if op not in ("set", "add"):
        raise InvalidInput("the operation must be set or add", code=ErrorCode.INVALID)
    amount = _amount(amount, "balance" if op == "set" else "delta", allow_negative=op == "add")
    note = _reason(reason)
    _user_or_404(session, user_id)
    if op == "set":
        return _set_balance(session, actor, user_id, amount, note)
    if amount == 0:
        raise InvalidInput("delta must not be zero")
    return apply_delta(session, user_id, amount, ADJUSTMENT, reason=note, actor_id=actor.user_id)


def _set_balance(
    session: Session, actor: Actor, user_id: str, target: int, reason: str
) -> LedgerEntry | None:
    """The ledger records the exact difference from the balance it replaced, even when
    charges land in between (compare-and-set, retried)."""
    for _ in range(20):
        user = _user_or_404(session, user_id)
        session.refresh(user)
        if target < user.reserved:
            raise Conflict(
                f"{user.reserved} credits are held by answers in progress; "
                f"the balance cannot be set below that",
                code=ErrorCode.RESERVED,
            )
        delta = target - user.balance
        if delta == 0:
            return None
        changed = session.exec(
            update(User)
            .where(col(User.id) == user_id, col(User.balance) == user.balance)
            .where(col(User.reserved) <= target)
            .values(balance=target)
        ).rowcount
        if changed == 1:
            return _ledger(
                session, user_id, ADJUSTMENT, delta, target, reason=reason, actor_id=actor.user_id
            )
    raise Conflict("the balance kept changing; try again", code=ErrorCode.BUSY)


@dataclass(frozen=True)
class Mismatch:
    user_id: str
    balance: int
    ledger_sum: int
    reserved: int
    open_reservations: int


def reconcile(session: Session) -> list[Mismatch]:
    """Every user whose balance differs from the sum of their ledger, or whose held
    credits differ from their open reservations. Empty means the books are right."""
    ledger = (
        select(LedgerEntry.user_id, func.sum(LedgerEntry.amount).label("total"))
        .group_by(LedgerEntry.user_id)
        .subquery()
    )
    holds = (
        select(Reservation.user_id, func.sum(Reservation.amount).label("total"))
        .group_by(Reservation.user_id)
        .subquery()
    )
    # SQLAlchemy's select: SQLModel's typed one takes at most four columns.
    rows = (
        session.connection()
        .execute(
            sa_select(
                col(User.id),
                col(User.balance),
                func.coalesce(ledger.c.total, 0),
                col(User.reserved),
                func.coalesce(holds.c.total, 0),
            )
            .outerjoin(ledger, ledger.c.user_id == User.id)
            .outerjoin(holds, holds.c.user_id == User.id)
            .where(
                (col(User.balance) != func.coalesce(ledger.c.total, 0))
                | (col(User.reserved) != func.coalesce(holds.c.total, 0))
            )
        )
        .all()
    )
    return [Mismatch(*map(_plain, row)) for row in rows]


def _plain(value: Any) -> Any:
    return int(value) if not isinstance(value, str) else value


def ledger_page(
    session: Session, actor: Actor, user_id: str, limit: int = 50, offset: int = 0
) -> tuple[list[LedgerEntry], int]:
    actor.require("BALANCE_MANAGEMENT", "READ")
    _user_or_404(session, user_id)
    return ledger_rows(session, user_id, limit, offset)


def ledger_rows(
    session: Session, user_id: str, limit: int, offset: int
) -> tuple[list[LedgerEntry], int]:
    """A page of a user's ledger, newest first, and its length. No check: the caller's."""
    total = session.exec(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.user_id == user_id)
    ).one()
    rows = session.exec(
        select(LedgerEntry)
        .where(LedgerEntry.user_id == user_id)
        .order_by(col(LedgerEntry.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


@dataclass(frozen=True)
class Statement:
    """A user's balance and the newest page of their ledger, for the balance dialog."""

    user: User
    entries: list[LedgerEntry]
    total: int


def statement(
    session: Session, actor: Actor, user_id: str, limit: int = 50, offset: int = 0
) -> Statement:
    entries, total = ledger_page(session, actor, user_id, limit, offset)  # checks the right
    return Statement(_user_or_404(session, user_id), entries, total)
