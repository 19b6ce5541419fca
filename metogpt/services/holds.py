"""Holding credits for an answer and paying for it: the books' side of every answer.

`reserve` runs before the provider is called: it holds the prompt plus the largest answer
the balance can pay for (capped at the model's output limit), or refuses. `settle` runs
after: it charges ceil(tokens × coefficient) with one `charge` ledger row, adds it to the
usage rollups and returns the rest of the hold. Both are conditional updates checked by
the database itself, so parallel answers (tabs, workers, the API) cannot overdraw.

They run on every answer, so their statements are written once in SQL and executed on the
driver's connection (services/db.Tx): through SQLAlchemy they cost five times as much CPU
(bench/billing_throughput.py). On PostgreSQL each is ONE statement (services/holds_sql.py:
one round trip; the price computed in SQL, exactly as here), so a caller with nothing else
to write runs it on `db.statement_tx()`, an autocommit connection: no BEGIN, no COMMIT.
On SQLite they are the few statements below, in the caller's transaction. They take a
Session (its transaction, alongside the ORM writes of the same use case) or a Tx
(`db.write_tx()`, `db.statement_tx()`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from metogpt.models import CHARGE, Reservation, new_id, utcnow
from metogpt.services import analytics, coefficients, holds_sql
from metogpt.services.db import Sql, Tx, as_tx, is_key
from metogpt.services.errors import Conflict, ErrorCode, InsufficientBalance, NotFound


@dataclass(frozen=True)
class Hold:
    reservation_id: str
    amount: int
    max_tokens: int
    coefficient: str


@dataclass(frozen=True)
class Charge:
    """The `charge` ledger row a settlement wrote."""

    amount: int  # negative: the credits taken
    balance_after: int


_AVAILABLE = Sql('SELECT balance, reserved, owed FROM "user" WHERE id = :user_id')
# Nothing is held for a user who owes credits to a refund (services/topups.py).
_HOLD = Sql(
    'UPDATE "user" SET reserved = reserved + :amount '
    "WHERE id = :user_id AND balance - reserved >= :amount AND owed = 0 RETURNING id"
)
_ADD_HOLD = Sql(
    "INSERT INTO reservation (id, user_id, amount, model, coefficient, prompt_tokens, "
    "max_tokens, conversation_id, message_id, api_key_id, created_at) VALUES (:id, :user_id, "
    ":amount, :model, :coefficient, :prompt_tokens, :max_tokens, :conversation_id, "
    ":message_id, :api_key_id, :created_at)"
)
# The DELETE is the claim: of two concurrent settles exactly one gets the row back.
_CLAIM = Sql(
    "DELETE FROM reservation WHERE id = :reservation_id "
    "RETURNING user_id, amount, model, coefficient, conversation_id, message_id, api_key_id"
)
_CHARGE = Sql(
    'UPDATE "user" SET balance = balance - :charge, reserved = reserved - :held '
    "WHERE id = :user_id AND balance - :charge >= reserved - :held RETURNING balance"
)
_ADD_ENTRY = Sql(
    "INSERT INTO ledger_entry (user_id, kind, amount, balance_after, model, prompt_tokens, "
    "completion_tokens, coefficient, conversation_id, message_id, reason, actor_id, "
    "api_key_id, created_at) VALUES (:user_id, :kind, :amount, :balance_after, :model, "
    ":prompt_tokens, :completion_tokens, :coefficient, :conversation_id, :message_id, "
    ":reason, NULL, :api_key_id, :created_at)"
)


def reserve(
    session: Session | Tx,
    user_id: str,
    *,
    model: str,
    coefficient: str,
    prompt_tokens: int,
    max_output: int,
    conversation_id: str | None = None,
    message_id: str | None = None,
    api_key_id: str | None = None,
) -> Hold:
    """Hold credits for the prompt plus the largest answer the balance can pay (capped at
    the model's output limit). Refused, before any provider call, when the balance cannot
    pay for the prompt plus one answer token. `api_key_id`: the personal key of an API
    request (services/gateway), carried to the `charge` row."""
    tx = as_tx(session)
    if not tx.sqlite:
        return _reserve_in_one(
            tx,
            {
                "user_id": user_id,
                "model": model,
                "coefficient": coefficient,
                "prompt_tokens": prompt_tokens,
                "max_output": max_output,
                "conversation_id": conversation_id,
                "message_id": message_id,
                "api_key_id": api_key_id,
            },
        )
    for _ in range(20):
        max_tokens = _payable(tx, user_id, coefficient, prompt_tokens, max_output)
        amount = coefficients.cost(prompt_tokens + max_tokens, coefficient)
        if tx.run(_HOLD, {"user_id": user_id, "amount": amount}).fetchone() is not None:
            hold_id = new_id()
            tx.run(
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
                    "api_key_id": api_key_id,
                    "created_at": tx.moment(utcnow()),
                },
            )
            return Hold(hold_id, amount, max_tokens, coefficient)
        # Another request took part of the balance between our read and our update.
    raise Conflict("the balance kept changing; try again", code=ErrorCode.BUSY)


def _payable(tx: Tx, user_id: str, coefficient: str, prompt_tokens: int, max_output: int) -> int:
    """The largest answer the user's balance pays for now (capped at `max_output`), or why
    there is none: NotFound, credits owed, or the refusal (`_refusal`)."""
    row = tx.run(_AVAILABLE, {"user_id": user_id}).fetchone() if is_key(user_id) else None
    if row is None:
        raise NotFound("user not found", code=ErrorCode.USER_NOT_FOUND)
    if row[2]:
        raise Conflict(
            f"{row[2]} credits of a refunded payment are still owed",
            code=ErrorCode.CREDITS_OWED,
        )
    available = row[0] - row[1]
    max_tokens = min(
        max_output, coefficients.affordable_tokens(available, coefficient) - prompt_tokens
    )
    if max_tokens < 1:
        raise _refusal(
            tx, user_id, row[0], row[1], coefficients.cost(prompt_tokens + 1, coefficient)
        )
    return max_tokens


def _reserve_in_one(tx: Tx, params: dict[str, Any]) -> Hold:
    """PostgreSQL: one statement (holds_sql.RESERVE). When it holds nothing, the user's row
    says why (`_payable`); if it now could pay (a settle returned credits meanwhile), try
    again."""
    for _ in range(20):
        if is_key(params["user_id"]):
            hold_id = new_id()
            params = {**params, "id": hold_id, "created_at": utcnow()}
            row = tx.run(holds_sql.RESERVE, params).fetchone()
            if row is not None:
                return Hold(hold_id, row[0], row[1], params["coefficient"])
        _payable(
            tx,
            params["user_id"],
            params["coefficient"],
            params["prompt_tokens"],
            params["max_output"],
        )
    raise Conflict("the balance kept changing; try again", code=ErrorCode.BUSY)


_OPEN_HOLDS = Sql("SELECT count(*) FROM reservation WHERE user_id = :user_id")


def _refusal(tx: Tx, user_id: str, balance: int, reserved: int, needed: int) -> InsufficientBalance:
    """Why an answer cannot start. When the balance itself would pay for it but answers in
    progress hold the credits (each their worst case), say so and how much (code
    `balance_held`): the user has to wait for them, not to top up."""
    available = balance - reserved
    if not reserved or balance < needed:
        return InsufficientBalance(
            f"insufficient balance: {available} credits available, this message needs "
            f"at least {needed}",
            available=available,
            needed=needed,
        )
    answers = tx.run(_OPEN_HOLDS, {"user_id": user_id}).fetchone()[0]
    return InsufficientBalance(
        f"{reserved} credits are held by {answers} answers in progress; {available} "
        f"credits are available, this message needs at least {needed}",
        code=ErrorCode.BALANCE_HELD,
        answers=answers,
        held=reserved,
        available=available,
        needed=needed,
    )


def settle(
    session: Session | Tx, reservation_id: str, prompt_tokens: int, completion_tokens: int
) -> Charge | None:
    """Close a reservation: charge ceil(tokens × coefficient), return the rest. With no
    tokens used nothing is charged. Settling twice is a no-op (the row is gone)."""
    if prompt_tokens < 0 or completion_tokens < 0:
        raise ValueError("token counts cannot be negative")
    tx = as_tx(session)
    if not tx.sqlite:
        return _settle_in_one(tx, reservation_id, prompt_tokens, completion_tokens)
    claimed = tx.run(_CLAIM, {"reservation_id": reservation_id}).fetchone()
    if claimed is None:
        return None
    user_id, held, model, coefficient, conversation_id, message_id, api_key_id = claimed
    charge = coefficients.cost(prompt_tokens + completion_tokens, coefficient)
    after = _release_and_charge(tx, user_id, held, charge)
    note = None
    if after is None:
        # The provider used more than was held and the rest of the balance is gone too:
        # charge what was held, never more than the user has.
        charge = held
        after = _release_and_charge(tx, user_id, held, charge)
        # Charging what is held always fits: balance >= reserved (a CHECK constraint too).
        assert after is not None
        note = "charge capped at the reserved amount"
    if charge == 0:
        return None
    now = utcnow()
    entry = {
        "user_id": user_id,
        "kind": CHARGE,
        "amount": -charge,
        "balance_after": after,
        "model": model,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "coefficient": coefficient,
        "conversation_id": conversation_id,
        "message_id": message_id,
        "reason": note,
        "api_key_id": api_key_id,
        "created_at": tx.moment(now),
    }
    tx.run(_ADD_ENTRY, entry)
    analytics.record_charge(
        tx,
        day=now.date(),
        model=model,
        user_id=user_id,
        tokens=prompt_tokens + completion_tokens,
        credits=charge,
    )
    return Charge(-charge, after)


def _settle_in_one(
    tx: Tx, reservation_id: str, prompt_tokens: int, completion_tokens: int
) -> Charge | None:
    """PostgreSQL: one statement (holds_sql.SETTLE)."""
    if not is_key(reservation_id):
        return None
    now = utcnow()
    params = {
        "reservation_id": reservation_id,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "tokens": prompt_tokens + completion_tokens,
        "created_at": now,
        "day": now.date(),
        "slot": random.randrange(analytics.SLOTS),
    }
    row = tx.run(holds_sql.SETTLE, params).fetchone()
    if row is None or row[1] == 0:
        return None
    return Charge(-row[1], row[0])


def _release_and_charge(tx: Tx, user_id: str, held: int, charge: int) -> int | None:
    row = tx.run(_CHARGE, {"user_id": user_id, "charge": charge, "held": held}).fetchone()
    return None if row is None else row[0]


def release(session: Session | Tx, reservation_id: str) -> None:
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
