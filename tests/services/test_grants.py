"""Periodic grants per role with a fake clock: `add` gives the amount once per user and
period whatever runs in parallel; `reset` tops up and never lowers; periods are fixed
windows every worker computes alike. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from metogpt.models import LedgerEntry, Role, User
from metogpt.services import billing, grants, roles
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import Forbidden, InvalidInput
from metogpt.services.grants import Policy
from metogpt.services.permissions import Actor
from tests.conftest import Account, make_account
from tests.support.calls import with_ledger_sum

DAY1 = datetime(2026, 12, 3, 0, 0, 5, tzinfo=UTC)


def _set_grant(role: str, **policy: object) -> None:
    with write_session() as s:
        row = s.get(Role, role)
        assert row is not None
        row.grant_policy = grants.parse_policy(policy)
        s.add(row)


def _balance(user_id: str) -> int:
    """The balance, checked against the ledger's sum."""
    user, total = with_ledger_sum(user_id)
    assert user.balance == total
    return user.balance


def _grant_rows(user_id: str) -> list[tuple[int, str | None]]:
    with read_session() as s:
        rows = s.exec(
            select(LedgerEntry)
            .where(LedgerEntry.user_id == user_id, LedgerEntry.kind == "grant")
            .where(LedgerEntry.grant_period.is_not(None))  # type: ignore[union-attr]
            .order_by(col(LedgerEntry.id))
        ).all()
        return [(r.amount, r.grant_period) for r in rows]


def _ensure(user_id: str, now: datetime) -> LedgerEntry | None:
    with write_session() as s:
        return grants.ensure(s, user_id, now)


def test_add_mode_gives_once_per_user_and_day_from_parallel_threads(database: str) -> None:
    _set_grant("USER", amount=1000, every=1, unit="days", mode="add")
    a, b = make_account(balance=0), make_account(balance=50)
    for day in range(3):
        now = DAY1 + timedelta(days=day, hours=day * 5)
        gate = threading.Barrier(12)

        def one(i: int, now: datetime = now, gate: threading.Barrier = gate) -> object:
            gate.wait()
            if i % 6 == 5:
                return grants.grant_due(now)  # the periodic job racing the requests
            return _ensure((a, b)[i % 2].id, now)

        with ThreadPoolExecutor(max_workers=12) as pool:
            list(pool.map(one, range(12)))
        assert _balance(a.id) == 1000 * (day + 1)
        assert _balance(b.id) == 50 + 1000 * (day + 1)
    assert _grant_rows(a.id) == [
        (1000, "2026-12-03T00:00Z"),
        (1000, "2026-12-04T00:00Z"),
        (1000, "2026-12-05T00:00Z"),
    ]
    with read_session() as s:
        reason = s.exec(  # the first period's row (without an order PostgreSQL picks any)
            select(LedgerEntry.reason)
            .where(LedgerEntry.grant_period.is_not(None))  # type: ignore[union-attr]
            .order_by(col(LedgerEntry.grant_period))
        ).first()
    assert reason and "role USER" in reason and "2026-12-03 00:00 UTC" in reason
    # A restart (nothing kept in memory) and the job again on the same day: nothing more.
    assert grants.grant_due(DAY1 + timedelta(days=2, hours=23)) == 0
    assert _balance(a.id) == 3000


def test_reset_mode_tops_up_and_never_lowers(database: str, admin: Account) -> None:
    _set_grant("USER", amount=1000, every=1, unit="days", mode="reset")
    low, rich = make_account(balance=300), make_account(balance=5000)
    assert grants.grant_due(DAY1) == 2
    assert (_balance(low.id), _balance(rich.id)) == (1000, 5000)
    assert _grant_rows(rich.id) == [(0, "2026-12-03T00:00Z")]  # the period is spent
    with write_session() as s:  # spent during the day: not topped up again that day
        billing.change_balance(s, admin.actor(), low.id, "add", -700, "spent")
    assert _ensure(low.id, DAY1 + timedelta(hours=20)) is None
    assert _balance(low.id) == 300
    assert _ensure(low.id, DAY1 + timedelta(days=1)) is not None
    assert _balance(low.id) == 1000
    assert _balance(rich.id) == 5000


def test_disabled_users_and_roles_without_a_grant_get_nothing(database: str) -> None:
    _set_grant("PRO", amount=10, every=1, unit="hours", mode="add")
    user, pro, off = make_account(balance=0), make_account("PRO", 0), make_account("PRO", 0)
    with write_session() as s:
        row = s.get(User, off.id)
        assert row is not None
        row.enabled = False
        s.add(row)
    assert grants.grant_due(DAY1) == 1
    assert (_balance(user.id), _balance(pro.id), _balance(off.id)) == (0, 10, 0)
    with read_session() as s:
        row = s.get(User, pro.id)
        assert row is not None
        assert grants.next_grant_at(s, row, DAY1) == datetime(2026, 12, 3, 1, tzinfo=UTC)


def test_the_job_passes_a_role_once_per_period_and_late_comers_get_theirs_on_request(
    database: str,
) -> None:
    _set_grant("USER", amount=100, every=1, unit="days", mode="add")
    early = make_account(balance=0)
    assert grants.grant_due(DAY1) == 1
    late = make_account(balance=0)
    assert grants.grant_due(DAY1 + timedelta(hours=1)) == 0  # the role's pass is done
    assert _balance(late.id) == 0
    assert _ensure(late.id, DAY1 + timedelta(hours=2)) is not None
    assert grants.grant_due(DAY1 + timedelta(days=1)) == 2  # a new period: a new pass
    assert (_balance(early.id), _balance(late.id)) == (200, 200)


@pytest.mark.parametrize(
    ("every", "unit", "now", "start", "after"),
    [
        (6, "hours", "2026-12-03T13:59", "2026-12-03T12:00", "2026-12-03T18:00"),
        (1, "days", "2026-12-03T23:59", "2026-12-03T00:00", "2026-12-04T00:00"),
        (1, "weeks", "2026-12-03T10:00", "2026-11-30T00:00", "2026-12-07T00:00"),  # a Monday
        (1, "months", "2026-12-31T23:59", "2026-12-01T00:00", "2027-01-01T00:00"),
        (3, "months", "2026-11-15T00:00", "2026-10-01T00:00", "2027-01-01T00:00"),
        (12, "months", "2026-02-01T00:00", "2026-01-01T00:00", "2027-01-01T00:00"),
    ],
)
def test_periods_are_fixed_windows(every: int, unit: str, now: str, start: str, after: str) -> None:
    policy = Policy(1, every, unit, "add")
    got = grants.period_start(datetime.fromisoformat(now).replace(tzinfo=UTC), policy)
    assert got == datetime.fromisoformat(start).replace(tzinfo=UTC)
    assert grants.next_start(got, policy) == datetime.fromisoformat(after).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "bad",
    [
        {"amount": 0, "every": 1, "unit": "days", "mode": "add"},
        {"amount": 10, "every": 0, "unit": "days", "mode": "add"},
        {"amount": 10, "every": 1, "unit": "years", "mode": "add"},
        {"amount": 10, "every": 1, "unit": "days", "mode": "double"},
        {"amount": True, "every": 1, "unit": "days", "mode": "add"},
        {"amount": 10, "every": 1, "unit": "days"},
        [],
    ],
)
def test_bad_grants_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        grants.parse_policy(bad)


def test_setting_a_grant_needs_the_balance_permission(database: str, admin: Account) -> None:
    matrix = {"ROLE_MANAGEMENT": {"READ": True, "UPDATE": True}}
    with write_session() as s:
        roles.create(s, admin.actor(), "ROLEMGR", matrix, {})
    manager = Actor("m", "ROLEMGR", roles.permissions.normalize(matrix))
    policy = {"amount": 1000, "every": 1, "unit": "days", "mode": "add"}
    with write_session() as s, pytest.raises(Forbidden):
        roles.update(s, manager, "USER", grant=policy)
    with write_session() as s:
        assert roles.update(s, admin.actor(), "USER", grant=policy).grant == policy
    with write_session() as s:  # other edits keep it, and need no balance power
        assert roles.update(s, manager, "USER", model_access={}).grant == policy
        assert roles.update(s, manager, "USER", grant=policy).grant == policy
    with write_session() as s:
        assert roles.update(s, admin.actor(), "USER", grant=None).grant is None


def _page_load(user_id: str, now: datetime) -> bool:
    """What a page's load does (services/screens.py): is_due in its read, give if so."""
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        due = grants.is_due(s, user, now)
    return grants.give(user_id, now) if due else False


def test_a_page_load_catches_up_once_and_costs_no_write_when_nothing_is_due(
    database: str,
) -> None:
    _set_grant("USER", amount=1000, every=1, unit="days", mode="add")
    user = make_account(balance=0).user
    assert _page_load(user.id, DAY1) is True
    assert _page_load(user.id, DAY1 + timedelta(hours=5)) is False
    assert _balance(user.id) == 1000
    assert _page_load(user.id, DAY1 + timedelta(days=1)) is True
    assert _balance(user.id) == 2000
    with write_session() as s:  # the role stops granting: nothing to catch up
        role = s.get(Role, "USER")
        assert role is not None
        role.grant_policy = None
        s.add(role)
    assert _page_load(user.id, DAY1 + timedelta(days=2)) is False
