"""Billing: reservations, settlement, admin edits, the ledger invariant, concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import func, select

from metogpt.models import LedgerEntry, Reservation, User
from metogpt.services import billing, coefficients, holds
from metogpt.services.db import read_session, write_session, write_tx
from metogpt.services.errors import Conflict, InsufficientBalance, InvalidInput
from tests.conftest import make_account


def _balance(user_id: str) -> tuple[int, int]:
    with read_session() as s:
        u = s.get(User, user_id)
        assert u is not None
        return u.balance, u.reserved


def _ledger_sum(user_id: str) -> int:
    with read_session() as s:
        return int(
            s.exec(
                select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                    LedgerEntry.user_id == user_id
                )
            ).one()
        )


def _reserve(user_id: str, prompt: int = 10, max_output: int = 100, coef: str = "1") -> holds.Hold:
    with write_session() as s:
        return holds.reserve(
            s, user_id, model="gpt-4", coefficient=coef, prompt_tokens=prompt, max_output=max_output
        )


def test_registration_writes_one_grant(database: str) -> None:
    acc = make_account(balance=2000)
    with read_session() as s:
        rows = s.exec(select(LedgerEntry).where(LedgerEntry.user_id == acc.id)).all()
    assert [(r.kind, r.amount, r.balance_after) for r in rows] == [("grant", 2000, 2000)]


def test_reserve_caps_answer_and_settle_charges_exactly(database: str) -> None:
    acc = make_account(balance=1000)
    hold = _reserve(acc.id, prompt=100, max_output=4096, coef="1.5")
    # 1000 credits at 1.5 pay for 666 tokens; 100 go to the prompt.
    assert hold.max_tokens == 566
    assert hold.amount == coefficients.cost(666, "1.5") == 999
    assert _balance(acc.id) == (1000, 999)
    with write_session() as s:
        entry = holds.settle(s, hold.reservation_id, 100, 33)
    assert entry is not None and entry.amount == -200  # ceil(133 × 1.5) = 199.5 → 200
    assert _balance(acc.id) == (800, 0)
    assert _ledger_sum(acc.id) == 800
    with write_session() as s:  # settling again changes nothing
        assert holds.settle(s, hold.reservation_id, 100, 33) is None
    assert _balance(acc.id) == (800, 0)


def test_insufficient_balance_refuses_before_anything(database: str) -> None:
    acc = make_account(balance=10)
    with pytest.raises(InsufficientBalance):
        _reserve(acc.id, prompt=10, coef="1")  # needs 11 for prompt + one token
    assert _balance(acc.id) == (10, 0)
    with read_session() as s:
        assert s.exec(select(func.count()).select_from(Reservation)).one() == 0


def test_release_returns_everything(database: str) -> None:
    acc = make_account(balance=500)
    hold = _reserve(acc.id)
    with write_session() as s:
        holds.release(s, hold.reservation_id)
    assert _balance(acc.id) == (500, 0)
    assert _ledger_sum(acc.id) == 500


def test_admin_set_and_adjust_write_ledger_rows(database: str, admin) -> None:
    acc = make_account(balance=100)
    actor = admin.actor()
    with write_session() as s:
        e1 = billing.change_balance(s, actor, acc.id, "set", 5000, "top-up")
        e2 = billing.change_balance(s, actor, acc.id, "add", -300, "correction")
    assert e1 is not None and e2 is not None
    assert (e1.amount, e1.balance_after, e1.actor_id) == (4900, 5000, admin.id)
    assert (e2.amount, e2.balance_after, e2.reason) == (-300, 4700, "correction")
    assert _balance(acc.id) == (4700, 0) and _ledger_sum(acc.id) == 4700


@pytest.mark.parametrize("bad", [-1, True, 1.5, "100", None, 10**13, float("nan")])
def test_set_balance_rejects_bad_values(database: str, admin, bad) -> None:
    acc = make_account(balance=100)
    with pytest.raises(InvalidInput), write_session() as s:
        billing.change_balance(s, admin.actor(), acc.id, "set", bad, "r")
    assert _balance(acc.id) == (100, 0)


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (None, "reason_required"),
        ("", "reason_required"),
        (" \n\t ", "reason_required"),
        ("x" * (billing.MAX_REASON + 1), "reason_too_long"),
        ("nul\x00", "reason_invalid"),
        (5, "reason_invalid"),
    ],
)
@pytest.mark.parametrize("op", ["set", "add"])
def test_every_admin_change_needs_a_reason(database: str, admin, op, reason, code) -> None:
    acc = make_account(balance=100)
    with pytest.raises(InvalidInput) as refused, write_session() as s:
        billing.change_balance(s, admin.actor(), acc.id, op, 50, reason)
    assert refused.value.code == code
    assert _balance(acc.id) == (100, 0) and _ledger_sum(acc.id) == 100


def test_a_reason_is_kept_trimmed_and_an_unknown_operation_is_refused(database: str, admin) -> None:
    acc = make_account(balance=100)
    with write_session() as s:
        entry = billing.change_balance(s, admin.actor(), acc.id, "add", 5, "  paid  ")
    assert entry is not None and entry.reason == "paid"
    with pytest.raises(InvalidInput), write_session() as s:
        billing.change_balance(s, admin.actor(), acc.id, "multiply", 5, "r")  # type: ignore[arg-type]
    assert _balance(acc.id) == (105, 0)


def test_balance_cannot_drop_below_what_is_reserved(database: str, admin) -> None:
    acc = make_account(balance=1000)
    hold = _reserve(acc.id, prompt=10, max_output=500)
    with pytest.raises(Conflict), write_session() as s:
        billing.change_balance(s, admin.actor(), acc.id, "set", hold.amount - 1, "r")
    with pytest.raises(InsufficientBalance), write_session() as s:
        billing.change_balance(s, admin.actor(), acc.id, "add", -(1000 - hold.amount + 1), "r")
    assert _balance(acc.id) == (1000, hold.amount)


def test_recover_stale_returns_crash_leftovers(database: str) -> None:
    acc = make_account(balance=1000)
    _reserve(acc.id)
    _reserve(acc.id)
    with write_session() as s:
        assert holds.recover_stale(s, timedelta(hours=1)) == []  # too young: maybe alive
        assert len(holds.recover_stale(s, timedelta(0))) == 2
    assert _balance(acc.id) == (1000, 0)
    with read_session() as s:
        assert billing.reconcile(s) == []


def test_reconcile_finds_a_tampered_balance(database: str) -> None:
    acc = make_account(balance=1000)
    with write_session() as s:
        user = s.get(User, acc.id)
        assert user is not None
        user.balance = 999  # a write that bypassed the ledger
        s.add(user)
    with read_session() as s:
        bad = billing.reconcile(s)
    assert [(m.user_id, m.balance, m.ledger_sum) for m in bad] == [(acc.id, 999, 1000)]


def test_a_failed_transaction_of_its_own_leaves_nothing(database: str) -> None:
    acc = make_account(balance=1000)
    with pytest.raises(RuntimeError), write_tx() as tx:
        holds.reserve(tx, acc.id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=50)
        raise RuntimeError("the caller failed after reserving")
    assert _balance(acc.id) == (1000, 0)
    with read_session() as s:
        assert s.exec(select(func.count()).select_from(Reservation)).one() == 0


@pytest.mark.parametrize("transaction", [write_session, write_tx], ids=["session", "tx"])
def test_200_parallel_reservations_never_overdraw(database: str, transaction) -> None:
    """One user, 200 requests at once; the balance pays for about a third of them. In ORM
    sessions (the chat) and in transactions of their own (the hot path)."""
    acc = make_account(balance=7000)
    start = threading.Barrier(20)

    def one(i: int) -> str:
        if i < 20:
            start.wait()
        try:
            with transaction() as tx:  # 100 credits each
                hold = holds.reserve(
                    tx, acc.id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=90
                )
        except InsufficientBalance:
            return "refused"
        with transaction() as tx:
            holds.settle(tx, hold.reservation_id, 10, 90 if i % 2 else 40)
        return "charged"

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(200)))
    balance, reserved = _balance(acc.id)
    assert reserved == 0
    assert balance >= 0
    assert balance == _ledger_sum(acc.id)
    charged = results.count("charged")
    assert 70 <= charged <= 140, charged  # every charge is 50 or 100 of the 7000
    with read_session() as s:
        assert billing.reconcile(s) == []


def test_admin_edits_racing_with_charges_lose_nothing(database: str, admin) -> None:
    acc = make_account(balance=100_000)
    actor = admin.actor()

    def charge(_: int) -> int:
        with write_tx() as tx:
            hold = holds.reserve(
                tx, acc.id, model="gpt-4", coefficient="1", prompt_tokens=5, max_output=20
            )
        with write_tx() as tx:
            entry = holds.settle(tx, hold.reservation_id, 5, 15)
        return entry.amount if entry else 0

    def grant(_: int) -> int:
        with write_session() as s:
            return billing.change_balance(s, actor, acc.id, "add", 7, "race").amount  # type: ignore[union-attr]

    with ThreadPoolExecutor(max_workers=16) as pool:
        moves = list(pool.map(lambda i: charge(i) if i % 2 else grant(i), range(200)))
    balance, reserved = _balance(acc.id)
    assert reserved == 0
    assert balance == 100_000 + sum(moves) == 100_000 - 100 * 20 + 100 * 7
    assert balance == _ledger_sum(acc.id)


def test_the_console_needs_a_reason_too(database: str) -> None:
    from metogpt import cli

    acc = make_account(balance=100)
    with pytest.raises(SystemExit):  # argparse: --reason is required
        cli.main(["add-balance", acc.user.email, "5"])
    assert cli.main(["add-balance", acc.user.email, "5", "--reason", "   "]) == 2
    assert _balance(acc.id) == (100, 0)
    assert cli.main(["set-balance", acc.user.email, "40", "--reason", "invoice 7"]) == 0
    assert _balance(acc.id) == (40, 0) and _ledger_sum(acc.id) == 40
