"""Reserve and settle as one statement each on PostgreSQL (services/holds_sql.py): the price
computed in SQL is the Python price to the credit, a charge the balance cannot pay is capped
at the hold on both databases, the usage slots add up, and `db.statement_tx()` hands its
connection back as it found it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from metogpt.models import LedgerEntry, UsageDaily, User
from metogpt.services import analytics, billing, coefficients, db, holds, holds_sql
from metogpt.services.db import Sql, read_session, statement_tx, write_session
from metogpt.services.errors import InsufficientBalance
from tests.conftest import Account, make_account

_PRICE = Sql(
    f"SELECT {holds_sql.cost_sql('CAST(:tokens AS bigint)', 'CAST(:coefficient AS text)')}, "
    f"{holds_sql.affordable_sql('CAST(:credits AS bigint)', 'CAST(:coefficient AS text)')}"
)

# Canonical coefficients (what coefficients.parse keeps) and strings that are not: more
# decimals than four (both sides truncate them), trailing zeros, an exponent.
coefficient_strings = st.one_of(
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4).map(
        lambda d: coefficients.parse(str(d))
    ),
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=7).map(str),
    st.sampled_from(["0.0001", "0.3333", "0.6667", "1.1", "1.5000", "999.9999", "1000", "1E+1"]),
)
TRICKY_TOKENS = [0, 1, 2, 3, 7, 9_999, 10_000, 10_001, 33_333, 2**31 - 1, 2**31, 10**12]
TRICKY_CREDITS = [-(10**6), -1, 0, 1, 2, 3, 9_999, 10_001, 2**31, 10**15, 9 * 10**18]


def _in_sql(tx: db.Tx, tokens: int, credits: int, coefficient: str) -> tuple[int, int]:
    cost, affordable = tx.run(
        _PRICE, {"tokens": tokens, "credits": credits, "coefficient": coefficient}
    ).fetchone()
    return int(cost), int(affordable)


def _in_python(tokens: int, credits: int, coefficient: str) -> tuple[int, int]:
    return (
        coefficients.cost(tokens, coefficient),
        coefficients.affordable_tokens(credits, coefficient),
    )


def _postgres_only(database: str) -> None:
    if database != "postgres":
        pytest.skip("the one-statement path is PostgreSQL's; SQLite prices in Python")


def test_the_sql_price_is_the_python_price_for_tricky_values(database: str) -> None:
    _postgres_only(database)
    coefs = ["0.0001", "0.0003", "0.3333", "0.5", "0.6667", "1", "1.1", "1.5", "2.00005",
             "3.14159", "999.9999", "1000"]  # fmt: skip
    with db.read_tx() as tx:
        for coefficient in coefs:
            for tokens, credits in zip(TRICKY_TOKENS, TRICKY_CREDITS, strict=False):
                assert _in_sql(tx, tokens, credits, coefficient) == _in_python(
                    tokens, credits, coefficient
                ), (tokens, credits, coefficient)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tokens=st.integers(min_value=0, max_value=10**12),
    credits=st.integers(min_value=-(10**6), max_value=10**15),
    coefficient=coefficient_strings,
)
def test_the_sql_price_is_the_python_price(
    database: str, tokens: int, credits: int, coefficient: str
) -> None:
    _postgres_only(database)
    with db.read_tx() as tx:
        assert _in_sql(tx, tokens, credits, coefficient) == _in_python(tokens, credits, coefficient)


def _charge_rows(user_id: str) -> list[tuple[int, int, str | None]]:
    with read_session() as s:
        rows = s.exec(
            select(LedgerEntry)
            .where(LedgerEntry.user_id == user_id, LedgerEntry.kind == "charge")
            .order_by(col(LedgerEntry.id))
        ).all()
    return [(r.amount, r.balance_after, r.reason) for r in rows]


def _hold(user_id: str) -> holds.Hold:
    with statement_tx() as tx:
        return holds.reserve(
            tx, user_id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=50
        )


def test_a_charge_past_the_hold_is_taken_when_the_balance_pays_it(database: str) -> None:
    acc = make_account(balance=1000)
    hold = _hold(acc.id)
    assert (hold.amount, hold.max_tokens) == (60, 50)
    with statement_tx() as tx:  # the provider answered 100 tokens, not 50
        charge = holds.settle(tx, hold.reservation_id, 10, 100)
    assert charge == holds.Charge(-110, 890)
    assert _charge_rows(acc.id) == [(-110, 890, None)]


def test_a_charge_the_balance_cannot_pay_is_capped_at_the_hold(database: str) -> None:
    acc = make_account(balance=100)
    first, second = _hold(acc.id), _hold(acc.id)  # 60 held, then the 40 left
    assert (first.amount, second.amount) == (60, 40)
    with statement_tx() as tx:
        charge = holds.settle(tx, first.reservation_id, 10, 500)
    assert charge == holds.Charge(-60, 40)
    with statement_tx() as tx:
        assert holds.settle(tx, second.reservation_id, 0, 0) is None  # released whole
        assert holds.settle(tx, second.reservation_id, 10, 10) is None  # already settled
    assert _charge_rows(acc.id) == [(-60, 40, "charge capped at the reserved amount")]
    with read_session() as s:
        assert billing.reconcile(s) == []


def test_usage_sums_the_slots_of_a_day_and_model(database: str, admin: Account) -> None:
    today = date.today()
    with write_session() as s:
        for slot in (0, 3, 15):
            s.add(UsageDaily(day=today, model="gpt-4", slot=slot, tokens=10, credits=5, answers=1))
    with read_session() as s:
        report = analytics.usage(s, admin.actor(), 1)
    assert [(b.key, b.tokens, b.credits, b.answers) for b in report.by_model] == [
        ("gpt-4", 30, 15, 3)
    ]
    assert report.by_day[-1] == analytics.Bucket(today.isoformat(), 30, 15, 3)


def test_parallel_settles_of_one_model_spread_over_the_slots(database: str) -> None:
    acc = make_account(balance=100_000)
    for _ in range(40):
        hold = _hold(acc.id)
        with statement_tx() as tx:
            holds.settle(tx, hold.reservation_id, 10, 20)
    with read_session() as s:
        slots = s.exec(select(UsageDaily.slot, UsageDaily.answers)).all()
    assert sum(answers for _, answers in slots) == 40
    if database == "postgres":
        assert len(slots) > 1  # 40 charges in one of 16 slots: 16 ** -39
    else:
        assert [slot for slot, _ in slots] == [0]


def test_statement_tx_gives_its_connection_back_as_it_found_it(database: str) -> None:
    _postgres_only(database)
    acc = make_account(balance=1000)
    with statement_tx() as tx:
        assert tx.dbapi.autocommit
        holds.reserve(tx, acc.id, model="gpt-4", coefficient="1", prompt_tokens=10, max_output=5)
    pooled = [db.engines().write.raw_connection() for _ in range(3)]
    try:
        assert not any(p.dbapi_connection.autocommit for p in pooled)  # type: ignore[union-attr]
    finally:
        for p in pooled:
            p.close()


def test_parallel_answers_that_overrun_their_holds_keep_the_books(database: str) -> None:
    """20 answers at once on one balance, half using more than they held once the balance
    runs low: every settle charges what the balance pays beside the other holds (capped at
    its own hold when it cannot), no row breaks its CHECKs and the books reconcile, five
    balances in a row. (Deciding the charge on a row read before another answer changed
    it broke `reserved <= balance` about once in five balances.)"""
    for _ in range(5):
        user_id = make_account(balance=7000).id

        def one(i: int, user_id: str = user_id) -> bool:
            """One answer; False when it could not start."""
            try:
                with statement_tx() as tx:
                    hold = holds.reserve(
                        tx, user_id, model="gpt-4", coefficient="1", prompt_tokens=10,
                        max_output=90,
                    )  # fmt: skip
            except InsufficientBalance:
                return False
            with statement_tx() as tx:
                holds.settle(tx, hold.reservation_id, 10, 90 if i % 2 else 40)
            return True

        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(one, range(200)))
        # The last parallel attempts may all be refused while others still held credits
        # (seen once in CI: 150 left): what remains is spent one answer at a time.
        while one(1):
            pass
        with read_session() as s:
            user = s.get(User, user_id)
            assert user is not None and user.reserved == 0 and 0 <= user.balance < 100
    with read_session() as s:
        assert billing.reconcile(s) == []
