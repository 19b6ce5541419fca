"""What a provider's report of a payment does to the books: credit once, cancel, reverse.

Exactly once, with any number of webhooks and workers: crediting is claimed by a conditional
`UPDATE payment SET credited_at = … WHERE credited_at IS NULL` in the same transaction as
the `topup` ledger row, so of two transactions applying the same success exactly one
writes the row (PostgreSQL re-checks the condition after the row lock; SQLite runs writers
one at a time). Reversals are claimed the same way on `reversed_credits`.

Refunds never break `0 <= reserved <= balance`: a refund takes back what is free
(balance - reserved) at once, with a `refund` ledger row; the rest becomes `user.owed`.
While anything is owed the user cannot start an answer (holds.reserve refuses), and every
credit that comes in later (a top-up, a grant, an admin's adjustment once the periodic job
runs) pays the debt first, with its own `refund` row. So the balance never goes negative,
answers already running keep what they hold, and `balance == sum(ledger)` throughout.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from metogpt.models import REFUND, TOPUP, LedgerEntry, Payment, User, utcnow
from metogpt.services import billing
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import Conflict, ErrorCode, NotFound
from metogpt.services.gateways import ProviderState

log = logging.getLogger("metogpt.payments")
SUCCEEDED, PENDING, CANCELED, REFUNDED, FAILED = (
    "succeeded",
    "pending",
    "canceled",
    "refunded",
    "failed",
)


def apply_state(session: Session, payment_id: str, state: ProviderState) -> Payment:
    """Bring one payment in line with what its provider reports (a webhook or a
    reconciliation fetched `state` from the provider's API). Safe to repeat and to run
    concurrently: every step is a claim that only one transaction wins."""
    payment = _payment(session, payment_id)
    now = utcnow()
    _set(session, payment.id, provider_status=state.raw_status[:32], updated_at=now)
    if (state.amount, state.currency) != (payment.amount, payment.currency):
        problem = (
            f"amount mismatch: {payment.provider} reports {state.amount} {state.currency} "
            f"(minor units), the package was {payment.amount} {payment.currency}"
        )
        log.error("payment %s not credited: %s", payment.id, problem)
        _set(session, payment.id, problem=problem[:300])
        return _fresh(session, payment)
    if state.status == SUCCEEDED:
        _credit(session, payment, now)
        if state.refunded:
            _reverse(session, payment, state.refunded)
    elif state.status == CANCELED:
        session.exec(
            update(Payment)
            .where(col(Payment.id) == payment.id, col(Payment.credited_at).is_(None))
            .values(status=CANCELED)
        )
    return _fresh(session, payment)


def _credit(session: Session, payment: Payment, now: datetime) -> None:
    claimed = session.exec(
        update(Payment)
        .where(col(Payment.id) == payment.id, col(Payment.credited_at).is_(None))
        .values(credited_at=now, status=SUCCEEDED, problem=None)
    ).rowcount
    if claimed != 1:
        return  # credited before, by this or another worker
    entry = billing.apply_delta(
        session,
        payment.user_id,
        payment.credits,
        TOPUP,
        reason=f"payment {payment.id} ({payment.provider} {payment.provider_payment_id}): "
        f"{payment.package_name}"[: billing.MAX_REASON],
    )
    _set(session, payment.id, credit_entry_id=entry.id)
    log.info("payment %s credited %d to user %s", payment.id, payment.credits, payment.user_id)
    collect_owed(session, payment.user_id)


def _reverse(session: Session, payment: Payment, refunded: int) -> None:
    """Take back the credits of what was refunded: all of them for a full refund, the same
    share (rounded down) for a partial one; each refund is taken back once."""
    full = refunded >= payment.amount
    target = payment.credits if full else payment.credits * refunded // payment.amount
    for _ in range(20):
        done = session.exec(select(Payment.reversed_credits).where(Payment.id == payment.id)).one()
        if done >= target:
            return
        claimed = session.exec(
            update(Payment)
            .where(col(Payment.id) == payment.id, col(Payment.reversed_credits) == done)
            .values(
                reversed_credits=target,
                refunded_amount=refunded,
                status=REFUNDED if full else SUCCEEDED,
            )
        ).rowcount
        if claimed == 1:
            reason = f"refund of payment {payment.id} ({payment.provider}): {payment.package_name}"
            _take(session, payment.user_id, target - done, reason, from_owed=False)
            log.info("payment %s refunded: %d credits reversed", payment.id, target - done)
            return
    raise Conflict("the payment kept changing; try again", code=ErrorCode.BUSY)


def collect_owed(session: Session, user_id: str) -> int:
    """Pay what a refund left owed out of the free balance, as far as it goes."""
    reason = "refund: credits owed from a refunded payment"
    return _take(session, user_id, None, reason, from_owed=True)


def _take(session: Session, user_id: str, want: int | None, reason: str, *, from_owed: bool) -> int:
    """Take up to `want` credits (from_owed: up to what is owed) out of the free balance
    with one `refund` ledger row; a reversal's remainder is added to `owed`. A compare-and-
    set on balance, reserved and owed together, retried when an answer moved them."""
    for _ in range(20):
        user = session.exec(
            select(User.balance, User.reserved, User.owed).where(User.id == user_id)
        ).first()
        if user is None:
            raise NotFound("user not found", code=ErrorCode.USER_NOT_FOUND)
        balance, reserved, owed = user
        wanted = owed if from_owed else (want or 0)
        take = max(0, min(wanted, balance - reserved))
        owed_after = owed - take if from_owed else owed + wanted - take
        if take == 0 and owed_after == owed:
            return 0
        after = session.exec(
            update(User)
            .where(
                col(User.id) == user_id,
                col(User.balance) == balance,
                col(User.reserved) == reserved,
                col(User.owed) == owed,
            )
            .values(balance=balance - take, owed=owed_after)
            .returning(col(User.balance))
        ).scalar_one_or_none()
        if after is None:
            continue
        if take:
            session.add(
                LedgerEntry(
                    user_id=user_id, kind=REFUND, amount=-take, balance_after=after, reason=reason
                )
            )
            session.flush()
        if owed_after:
            log.warning("user %s owes %d credits of a refund: answers blocked", user_id, owed_after)
        return take
    raise Conflict("the balance kept changing; try again", code=ErrorCode.BUSY)


def collect_all_owed() -> int:
    """The periodic job's part: every user who owes, one transaction each."""
    with read_session() as session:
        owing = list(session.exec(select(User.id).where(col(User.owed) > 0)).all())
    taken = 0
    for user_id in owing:
        with write_session() as session:
            taken += collect_owed(session, user_id)
    return taken


def _payment(session: Session, payment_id: str) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("payment not found", code=ErrorCode.PAYMENT_NOT_FOUND)
    return payment


def _set(session: Session, payment_id: str, **values: object) -> None:
    session.exec(update(Payment).where(col(Payment.id) == payment_id).values(**values))


def _fresh(session: Session, payment: Payment) -> Payment:
    session.refresh(payment)
    return payment
