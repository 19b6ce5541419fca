"""Usage analytics: the per-day rollups written with every charge agree with the ledger,
under parallel charges too, and the report, its range and the CSV export read them right."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from metogpt.models import LedgerEntry, UsageDaily, UsageUserDaily, utcnow
from metogpt.services import analytics, billing, holds, setup
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ErrorCode, Forbidden, InvalidInput, NotFound
from tests.conftest import Account, make_account

Sums = dict[tuple[str, str], tuple[int, int, int]]


def _charge(user_id: str, model: str, coef: str, prompt: int, completion: int) -> None:
    with write_session() as s:
        hold = holds.reserve(
            s, user_id, model=model, coefficient=coef, prompt_tokens=prompt, max_output=500
        )
    with write_session() as s:
        holds.settle(s, hold.reservation_id, prompt, completion)


def _from_ledger() -> tuple[Sums, Sums]:
    """What the rollups must hold, summed here in Python from the ledger's charge rows."""
    per_model: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    per_user: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    with read_session() as s:
        for e in s.exec(select(LedgerEntry).where(LedgerEntry.kind == "charge")).all():
            day = e.created_at.date().isoformat()
            for sums in (per_model[(day, e.model or "")], per_user[(day, e.user_id)]):
                sums[0] += (e.prompt_tokens or 0) + (e.completion_tokens or 0)
                sums[1] -= e.amount
                sums[2] += 1
    return (
        {k: (t, c, n) for k, (t, c, n) in per_model.items()},
        {k: (t, c, n) for k, (t, c, n) in per_user.items()},
    )


def _rollups() -> tuple[Sums, Sums]:
    """The rollups, usage_daily's slots summed (migration 0017)."""
    with read_session() as s:
        models = s.exec(select(UsageDaily)).all()
        people = s.exec(select(UsageUserDaily)).all()
    per_model: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in models:
        for i, value in enumerate((r.tokens, r.credits, r.answers)):
            per_model[(r.day.isoformat(), r.model)][i] += value
    return (
        {k: (t, c, n) for k, (t, c, n) in per_model.items()},
        {(r.day.isoformat(), r.user_id): (r.tokens, r.credits, r.answers) for r in people},
    )


def _usage(actor: Account, days: int = 30) -> analytics.Usage:
    with read_session() as s:
        return analytics.usage(s, actor.actor(), days)


def test_report_sums_charges_by_day_model_and_user(database: str, admin: Account) -> None:
    alice, bob = make_account(balance=100_000), make_account(balance=100_000)
    _charge(alice.id, "gpt-4", "2", 100, 50)  # 300 credits
    _charge(alice.id, "gpt-4o-mini", "0.5", 11, 0)  # ceil(5.5) = 6
    _charge(bob.id, "gpt-4", "2", 10, 10)  # 40
    with write_session() as s:  # not a charge: not usage
        billing.change_balance(s, admin.actor(), bob.id, "add", 500, "top-up")

    report = _usage(admin, 7)
    assert report.total == analytics.Bucket("total", 181, 346, 3)
    assert [(b.key, b.tokens, b.credits, b.answers) for b in report.by_model] == [
        ("gpt-4", 170, 340, 2),
        ("gpt-4o-mini", 11, 6, 1),
    ]
    with read_session() as s:
        top = analytics.top_users(s, admin.actor(), 7)
    assert [(b.key, b.tokens, b.credits, b.answers) for b in top] == [
        (alice.user.email, 161, 306, 2),
        (bob.user.email, 20, 40, 1),
    ]
    today = utcnow().date()
    assert [b.key for b in report.by_day] == [
        (today - timedelta(days=d)).isoformat() for d in range(6, -1, -1)
    ]
    assert [b.credits for b in report.by_day] == [0] * 6 + [346]


def test_rollups_match_the_ledger_under_parallel_charges(database: str) -> None:
    people = [make_account(balance=50_000) for _ in range(4)]
    jobs = [
        (people[i % 4].id, ("gpt-4", "gpt-4o-mini")[i % 2], ("1.5", "0.3")[i % 2], 7 + i, i % 40)
        for i in range(120)
    ]
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda job: _charge(*job), jobs))
    expected = _from_ledger()
    assert sum(n for _, _, n in expected[0].values()) == sum(1 for j in jobs if j[3] + j[4] > 0)
    assert _rollups() == expected

    # Rebuilding from the ledger (what bulk loads use) gives the same rows.
    with write_session() as s:
        analytics.rebuild_usage(s)
    assert _rollups() == expected


def test_migration_fills_the_rollups_from_an_existing_ledger(database: str) -> None:
    for i, acc in enumerate([make_account(balance=10_000) for _ in range(3)]):
        _charge(acc.id, "claude-3-haiku", "1", 20 + i, 30)
    with write_session() as s:  # one charge from two days ago
        s.exec(update(LedgerEntry).where(col(LedgerEntry.kind) == "charge")
               .where(col(LedgerEntry.prompt_tokens) == 20)
               .values(created_at=utcnow() - timedelta(days=2)))  # fmt: skip
    expected = _from_ledger()
    assert len(expected[0]) == 2
    setup.migrate("0003", down=True)
    setup.migrate()
    assert _rollups() == expected


def test_range_is_whole_utc_days_for_report_and_export(database: str, admin: Account) -> None:
    acc = make_account(balance=10_000)
    _charge(acc.id, "gpt-4", "1", 10, 10)
    _charge(acc.id, "gpt-4", "1", 5, 0)
    ten_days_ago = utcnow() - timedelta(days=10)
    with write_session() as s:
        s.exec(update(LedgerEntry).where(col(LedgerEntry.prompt_tokens) == 5)
               .values(created_at=ten_days_ago))  # fmt: skip
        analytics.rebuild_usage(s)
    assert _usage(admin, 10).total.credits == 20  # days 0..9 back
    assert _usage(admin, 11).total.credits == 25
    assert len(_usage(admin, 11).by_day) == 11

    def exported(days: int) -> list[list[str]]:
        with read_session() as s:
            return list(csv.reader(io.StringIO(analytics.ledger_csv(s, admin.actor(), days))))

    def kinds(rows: list[list[str]]) -> list[str]:
        return [r[3] for r in rows if r[2] == acc.user.email]

    short, long = exported(10), exported(11)
    assert kinds(short) == ["grant", "charge"]  # the grant was made today
    assert kinds(long) == ["grant", "charge", "charge"]
    assert long[-1][0] == "total"
    assert int(long[-1][4]) == sum(int(r[4]) for r in long[1:-1])


@pytest.mark.parametrize("days", [0, -1, 367, True, "30", 2.5])
def test_range_out_of_bounds_is_refused(database: str, admin: Account, days: object) -> None:
    with read_session() as s, pytest.raises(InvalidInput):
        analytics.usage(s, admin.actor(), days)  # type: ignore[arg-type]


def test_report_needs_analytics_read(database: str) -> None:
    plain = make_account()
    with read_session() as s:
        with pytest.raises(Forbidden):
            analytics.usage(s, plain.actor(), 30)
        with pytest.raises(Forbidden):
            analytics.top_users(s, plain.actor(), 30)
        with pytest.raises(Forbidden):
            analytics.ledger_csv(s, plain.actor(), 30)
        with pytest.raises(Forbidden):
            analytics.user_usage(s, plain.actor(), plain.user.email, 30)


def test_the_usage_of_one_user_named_by_email(database: str, admin: Account) -> None:
    alice, bob, idle = (make_account(balance=100_000) for _ in range(3))
    _charge(alice.id, "gpt-4", "1.5", 100, 41)
    _charge(bob.id, "claude-3", "1", 7, 3)
    with read_session() as s:
        theirs = analytics.user_usage(s, admin.actor(), f"  {alice.user.email.upper()} ", 7)
        own = analytics.own_usage(s, alice.actor(), 7)
        nothing = analytics.user_usage(s, admin.actor(), idle.user.email, 7)
        with pytest.raises(NotFound) as unknown:
            analytics.user_usage(s, admin.actor(), "nobody@example.com", 7)
    assert theirs == own  # the same figures the user sees on their account page
    assert [(b.key, b.credits) for b in theirs.by_model] == [("gpt-4", 212)]
    # no charges: every day of the range at zero, no model, zero totals
    assert nothing.by_model == [] and len(nothing.by_day) == 7
    assert all(b.answers == 0 for b in nothing.by_day) and nothing.total.answers == 0
    assert unknown.value.code == ErrorCode.USER_NOT_FOUND
    # the export of that user's rows only (their grant and their charge)
    with read_session() as s:
        text = analytics.ledger_csv(s, admin.actor(), 7, alice.user.email)
    users = {row[2] for row in csv.reader(io.StringIO(text))} - {"user", ""}
    assert users == {alice.user.email}


def test_export_defuses_spreadsheet_formulas(database: str, admin: Account) -> None:
    acc = make_account(balance=100)
    with write_session() as s:
        billing.change_balance(s, admin.actor(), acc.id, "add", 5, "=HYPERLINK(1)")
    with read_session() as s:
        text = analytics.ledger_csv(s, admin.actor(), 1)
    reasons = [row[10] for row in csv.reader(io.StringIO(text))]
    assert "'=HYPERLINK(1)" in reasons and "=HYPERLINK(1)" not in reasons
