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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, bindparam, delete, func, insert, update
from sqlmodel import Session, col, select

from metogpt.models import (
    ADJUSTMENT,
    CHARGE,
    LedgerEntry,
    Reservation,
    User,
    new_id,
    utcnow,
)
from metogpt.services import analytics, coefficients
from metogpt.services.db import is_key
from metogpt.services.errors import Conflict, InsufficientBalance, InvalidInput, NotFound
from metogpt.services.permissions import Actor

MAX_BALANCE = 10**12
MAX_REASON = 500


def _user_or_404(session: Session, user_id: Any) -> User:
    user = session.get(User, user_id) if is_key(user_id) else None
    if user is None:
        raise NotFound("user not found", code="user_not_found")
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
            raise InvalidInput(f"the balance cannot exceed {MAX_BALANCE}", code="too_large")
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
        raise InvalidInput(f"{name} must be at most {MAX_BALANCE} in size", code="too_large")
    return value


def _reason(reason: Any, required: bool) -> str | None:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            raise InvalidInput("a reason is required", code="reason_required")
        return None
    if not isinstance(reason, str):
        raise InvalidInput("reason must be text")
    if "\x00" in reason:  # PostgreSQL text cannot hold NUL
        raise InvalidInput("reason cannot contain NUL characters")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason must be at most {MAX_REASON} characters")
    return reason.strip()


def adjust(
    session: Session,
    actor: Actor,
    user_id: str,
    delta: Any,
    reason: Any = None,
    *,
    reason_required: bool = False,
) -> LedgerEntry:
    actor.require("BALANCE_MANAGEMENT", "UPDATE")
    delta = _amount(delta, "delta", allow_negative=True)
    reason = _reason(reason, reason_required)
    _user_or_404(session, user_id)
    if delta == 0:
        raise InvalidInput("delta must not be zero")
    return apply_delta(session, user_id, delta, ADJUSTMENT, reason=reason, actor_id=actor.user_id)


def set_balance(
    session: Session,
    actor: Actor,
    user_id: str,
    balance: Any,
    reason: Any = None,
    *,
    reason_required: bool = False,
) -> LedgerEntry | None:
    """Set a balance; the ledger records the exact difference from the balance it replaced,
    even when charges land in between (compare-and-set, retried)."""
    actor.require("BALANCE_MANAGEMENT", "UPDATE")
    target = _amount(balance, "balance", allow_negative=False)
    reason = _reason(reason, reason_required)
    for _ in range(20):
        user = _user_or_404(session, user_id)
        session.refresh(user)
        if target < user.reserved:
            raise Conflict(
                f"{user.reserved} credits are held by answers in progress; "
                f"the balance cannot be set below that",
                code="reserved",
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
    raise Conflict("the balance kept changing; try again", code="busy")


@dataclass(frozen=True)
class Hold:
    reservation_id: str
    amount: int
    max_tokens: int
    coefficient: str


# ---- the answer path ---------------------------------------------------------------------
# Every chat answer runs reserve and settle. They use SQLAlchemy Core statements built once
# (a built statement keeps its cache key): the ORM spent ~4 ms of CPU per answer building
# statements and flushing objects, five times what the database itself needs
# (bench/billing_throughput.py, bench/README.md).

_USER, _HOLDS, _LEDGER = User.__table__, Reservation.__table__, LedgerEntry.__table__  # type: ignore[attr-defined]
_AVAILABLE = select(_USER.c.balance, _USER.c.reserved).where(_USER.c.id == bindparam("user_id"))
_HOLD = (
    update(_USER)
    .where(
        _USER.c.id == bindparam("user_id"),
        _USER.c.balance - _USER.c.reserved >= bindparam("amount", type_=BigInteger),
    )
    .values(reserved=_USER.c.reserved + bindparam("amount", type_=BigInteger))
)
_ADD_HOLD = insert(_HOLDS)
# The DELETE is the claim: of two concurrent settles exactly one gets the row back.
_CLAIM = (
    delete(_HOLDS)
    .where(_HOLDS.c.id == bindparam("reservation_id"))
    .returning(_HOLDS.c.user_id, _HOLDS.c.amount, _HOLDS.c.model, _HOLDS.c.coefficient,
               _HOLDS.c.conversation_id, _HOLDS.c.message_id)
)  # fmt: skip
_CHARGE = (
    update(_USER)
    .where(
        _USER.c.id == bindparam("user_id"),
        _USER.c.balance - bindparam("charge", type_=BigInteger)
        >= _USER.c.reserved - bindparam("held", type_=BigInteger),
    )
    .values(
        balance=_USER.c.balance - bindparam("charge", type_=BigInteger),
        reserved=_USER.c.reserved - bindparam("held", type_=BigInteger),
    )
    .returning(_USER.c.balance)
)
_ADD_ENTRY = insert(_LEDGER).returning(_LEDGER.c.id)


@dataclass(frozen=True)
class Charge:
    """The `charge` ledger row a settlement wrote."""

    entry_id: int
    amount: int  # negative: the credits taken
    balance_after: int


def reserve(
    session: Session,
    user_id: str,
    *,
    model: str,
    coefficient: str,
    prompt_tokens: int,
    max_output: int,
    conversation_id: str | None = None,
    message_id: str | None = None,
) -> Hold:
    """Hold credits for the prompt plus the largest answer the balance can pay (capped at
    the model's output limit). Refused, before any provider call, when the balance cannot
    pay for the prompt plus one answer token."""
    conn = session.connection()
    for _ in range(20):
        row = conn.execute(_AVAILABLE, {"user_id": user_id}).first() if is_key(user_id) else None
        if row is None:
            raise NotFound("user not found", code="user_not_found")
        available = row.balance - row.reserved
        max_tokens = min(
            max_output, coefficients.affordable_tokens(available, coefficient) - prompt_tokens
        )
        if max_tokens < 1:
            raise InsufficientBalance(
                f"insufficient balance: {available} credits available, this message needs "
                f"at least {coefficients.cost(prompt_tokens + 1, coefficient)}",
                available=available,
                needed=coefficients.cost(prompt_tokens + 1, coefficient),
            )
        amount = coefficients.cost(prompt_tokens + max_tokens, coefficient)
        if conn.execute(_HOLD, {"user_id": user_id, "amount": amount}).rowcount == 1:
            hold_id = new_id()
            conn.execute(
                _ADD_HOLD,
                {
                    "id": hold_id,
                    "user_id": user_id,
                    "amount": amount,
                    "model": model,
                    "coefficient": coefficient,
                    "prompt_tokens": prompt_tokens,
                    "max_tokens": max_tokens,
                    "conversation_id": conversation_id,
                    "message_id": message_id,
                    "created_at": utcnow(),
                },
            )
            return Hold(hold_id, amount, max_tokens, coefficient)
        # Another request took part of the balance between our read and our update.
    raise Conflict("the balance kept changing; try again", code="busy")


def settle(
    session: Session, reservation_id: str, prompt_tokens: int, completion_tokens: int
) -> Charge | None:
    """Close a reservation: charge ceil(tokens × coefficient), return the rest. With no
    tokens used nothing is charged. Settling twice is a no-op (the row is gone)."""
    if prompt_tokens < 0 or completion_tokens < 0:
        raise ValueError("token counts cannot be negative")
    conn = session.connection()
    res = conn.execute(_CLAIM, {"reservation_id": reservation_id}).first()
    if res is None:
        return None
    tokens = prompt_tokens + completion_tokens
    charge = coefficients.cost(tokens, res.coefficient)
    after = _release_and_charge(conn, res.user_id, res.amount, charge)
    note = None
    if after is None:
        # The provider used more than was held and the rest of the balance is gone too:
        # charge what was held, never more than the user has.
        charge = res.amount
        after = _release_and_charge(conn, res.user_id, res.amount, charge)
        note = "charge capped at the reserved amount"
    if charge == 0:
        return None
    row = {
        "user_id": res.user_id,
        "kind": CHARGE,
        "amount": -charge,
        "balance_after": after,
        "model": res.model,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "coefficient": res.coefficient,
        "conversation_id": res.conversation_id,
        "message_id": res.message_id,
        "reason": note,
        "actor_id": None,
        "created_at": utcnow(),
    }
    entry_id = conn.execute(_ADD_ENTRY, row).scalar_one()
    analytics.record_charge(conn, row)
    return Charge(entry_id, -charge, after)


def _release_and_charge(conn: Connection, user_id: str, held: int, charge: int) -> int | None:
    return conn.execute(
        _CHARGE, {"user_id": user_id, "charge": charge, "held": held}
    ).scalar_one_or_none()


def release(session: Session, reservation_id: str) -> None:
    """Return a reservation whole (provider failed before any output)."""
    settle(session, reservation_id, 0, 0)


def recover_stale(
    session: Session,
    older_than: timedelta,
    used_tokens: Callable[[Reservation], tuple[int, int]] | None = None,
) -> list[tuple[Reservation, Charge | None]]:
    """Settle reservations left behind by a crashed process: charge what the stored answer
    shows was used (if a callback can tell), return the rest. Returns each reservation
    with the charge it came to."""
    cutoff = utcnow() - older_than
    stale = session.exec(select(Reservation).where(col(Reservation.created_at) < cutoff)).all()
    settled = []
    for res in stale:
        prompt, completion = used_tokens(res) if used_tokens else (0, 0)
        settled.append((res, settle(session, res.id, prompt, completion)))
    return settled


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
    rows = session.exec(
        select(
            User.id,
            User.balance,
            func.coalesce(ledger.c.total, 0),
            User.reserved,
            func.coalesce(holds.c.total, 0),
        )
        .outerjoin(ledger, ledger.c.user_id == User.id)
        .outerjoin(holds, holds.c.user_id == User.id)
        .where(
            (User.balance != func.coalesce(ledger.c.total, 0))
            | (User.reserved != func.coalesce(holds.c.total, 0))
        )
    ).all()
    return [Mismatch(*map(_plain, row)) for row in rows]


def _plain(value: Any) -> Any:
    return int(value) if not isinstance(value, str) else value


def ledger_page(
    session: Session, actor: Actor, user_id: str, limit: int = 50, offset: int = 0
) -> tuple[list[LedgerEntry], int]:
    actor.require("BALANCE_MANAGEMENT", "READ")
    _user_or_404(session, user_id)
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
