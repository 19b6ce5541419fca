"""What a user reads and changes about themselves (services/me.py, analytics.own_usage and
own_ledger_csv): the profile and theme are validated whole, and a user's usage, ledger and
CSV hold their own rows only, summed as the ledger says, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from metogpt.models import LedgerEntry, utcnow
from metogpt.services import analytics, billing, holds, me
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import InvalidInput
from tests.conftest import Account, make_account
from tests.support.calls import user_row


def _charge(user_id: str, model: str, coef: str, prompt: int, completion: int) -> int:
    with write_session() as s:
        hold = holds.reserve(
            s, user_id, model=model, coefficient=coef, prompt_tokens=prompt, max_output=500
        )
    with write_session() as s:
        holds.settle(s, hold.reservation_id, prompt, completion)
    with read_session() as s:
        entry = s.exec(
            select(LedgerEntry)
            .where(LedgerEntry.user_id == user_id)
            .order_by(col(LedgerEntry.id).desc())
        ).first()
    assert entry is not None and entry.kind == "charge"
    return entry.id or 0


# ---- profile and theme ------------------------------------------------------------------


def test_profile_changes_name_language_and_theme(database: str) -> None:
    alice = make_account()
    with write_session() as s:
        me.update_profile(s, alice.actor(), "  Alice Liddell ", "ru", "dark")
    user = user_row(alice.id)
    assert (user.name, user.locale, user.theme) == ("Alice Liddell", "ru", "dark")


@pytest.mark.parametrize(
    ("name", "locale", "theme"),
    [
        ("", "en", "dark"),
        ("x" * 129, "en", "dark"),
        ("Bad\u200bName", "en", "dark"),
        ("Alice", "de", "dark"),
        ("Alice", "en", "sepia"),
        ("Alice", "en", None),
    ],
)
def test_a_bad_profile_changes_nothing(
    database: str, name: str, locale: str, theme: str | None
) -> None:
    alice = make_account()
    before = user_row(alice.id)
    with pytest.raises(InvalidInput), write_session() as s:
        me.update_profile(s, alice.actor(), name, locale, theme)
    after = user_row(alice.id)
    assert (after.name, after.locale, after.theme) == (before.name, before.locale, "system")


def test_the_theme_is_remembered_per_user(database: str) -> None:
    alice, bob = make_account(), make_account()
    assert user_row(alice.id).theme == "system"  # the default: follow the device
    for theme in ("dark", "light", "system", "dark"):
        with write_session() as s:
            me.set_theme(s, alice.actor(), theme)
        assert user_row(alice.id).theme == theme
    assert user_row(bob.id).theme == "system"
    with pytest.raises(InvalidInput), write_session() as s:
        me.set_theme(s, alice.actor(), "DARK")
    assert user_row(alice.id).theme == "dark"


# ---- usage, ledger, CSV: one's own only ---------------------------------------------------


def test_own_usage_sums_only_ones_own_charges_by_day_and_model(database: str) -> None:
    alice, bob = make_account(balance=100_000), make_account(balance=100_000)
    _charge(alice.id, "gpt-4", "1.5", 100, 41)  # ceil(141 × 1.5) = 212
    _charge(alice.id, "gpt-4", "1.5", 10, 10)  # 30
    _charge(alice.id, "claude-3", "1", 7, 3)  # 10
    old = _charge(alice.id, "gpt-4", "1", 50, 50)  # moved 3 days back
    _charge(bob.id, "gpt-4", "2", 1000, 1000)  # someone else's: never in Alice's figures
    with write_session() as s:
        s.exec(update(LedgerEntry).where(col(LedgerEntry.id) == old)
               .values(created_at=utcnow() - timedelta(days=3)))  # fmt: skip

    with read_session() as s:
        week = analytics.own_usage(s, alice.actor(), 7)
        today = analytics.own_usage(s, alice.actor(), 1)
    assert [(b.key, b.tokens, b.credits, b.answers) for b in today.by_model] == [
        ("gpt-4", 161, 242, 2),
        ("claude-3", 10, 10, 1),
    ]
    assert (today.total.tokens, today.total.credits, today.total.answers) == (171, 252, 3)
    assert len(week.by_day) == 7 and len(today.by_day) == 1
    assert week.by_day[-1].key == utcnow().date().isoformat()
    assert [b.credits for b in week.by_day] == [0, 0, 0, 100, 0, 0, 252]
    assert (week.total.credits, week.total.answers) == (352, 4)
    # Summed independently from the ledger: what was charged is what is shown.
    per_model: dict[str, int] = defaultdict(int)
    for e in _ledger(alice.id):
        if e.kind == "charge":
            per_model[e.model or ""] -= e.amount
    assert {b.key: b.credits for b in week.by_model} == per_model


@pytest.mark.parametrize("days", [0, 367, -1, True, "7"])
def test_own_usage_range_is_checked(database: str, days: object) -> None:
    alice = make_account()
    with pytest.raises(InvalidInput), read_session() as s:
        analytics.own_usage(s, alice.actor(), days)  # type: ignore[arg-type]


def _ledger(user_id: str) -> list[LedgerEntry]:
    with read_session() as s:
        rows = s.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id)).all()
    return sorted(rows, key=lambda e: e.id or 0)


def test_own_ledger_pages_newest_first_with_reasons(database: str, admin: Account) -> None:
    alice, bob = make_account(balance=1000), make_account(balance=1000)
    with write_session() as s:
        billing.change_balance(s, admin.actor(), alice.id, "add", 500, "a gift for the survey")
    _charge(alice.id, "gpt-4", "1", 5, 5)
    _charge(bob.id, "gpt-4", "1", 5, 5)
    mine = _ledger(alice.id)
    with read_session() as s:
        first, total = me.own_ledger(s, alice.actor(), 2, 0)
        rest, _ = me.own_ledger(s, alice.actor(), 2, 2)
    assert total == len(mine) == 3
    assert [e.id for e in first + rest] == [e.id for e in reversed(mine)]
    assert {e.user_id for e in first + rest} == {alice.id}
    assert [e.kind for e in first] == ["charge", "adjustment"]
    assert first[1].reason == "a gift for the survey"
    for limit, offset in [(0, 0), (501, 0), (10, -1), ("10", 0)]:
        with pytest.raises(InvalidInput), read_session() as s:
            me.own_ledger(s, alice.actor(), limit, offset)


def test_own_csv_holds_ones_own_rows_and_a_total(database: str, admin: Account) -> None:
    alice, bob = make_account(balance=1000), make_account(balance=1000)
    with write_session() as s:
        billing.change_balance(s, admin.actor(), alice.id, "add", 5, "=HYPERLINK(1)")
    _charge(alice.id, "gpt-4", "2", 10, 11)
    _charge(bob.id, "gpt-4", "1", 5, 5)
    with read_session() as s:
        text = analytics.own_ledger_csv(s, alice.actor())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["id", "time", "user", "kind", "amount"]
    body, total = rows[1:-1], rows[-1]
    mine = _ledger(alice.id)
    assert [int(r[0]) for r in body] == [e.id for e in mine]
    assert [int(r[4]) for r in body] == [e.amount for e in mine]
    assert {r[2] for r in body} == {alice.user.email}
    assert body[1][10] == "'=HYPERLINK(1)"  # defused for spreadsheets
    assert total[0] == "total" and int(total[4]) == sum(e.amount for e in mine)
