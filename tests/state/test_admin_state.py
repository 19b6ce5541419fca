"""Admin state handlers called directly, as any client could (every public handler is
reachable over the websocket): the services refuse what the caller's role does not allow."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from sqlmodel import func, select

from metogpt.models import LedgerEntry, User
from metogpt.services import holds, roles
from metogpt.services.db import read_session, write_session
from metogpt.services.permissions import Actor, full_matrix
from metogpt.state.admin import AdminState
from tests.conftest import Account, make_account

READ_ONLY_MANAGER = "SUPPORT"


def _state(account: Account) -> AdminState:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(AdminState.get_full_name().split(".")[1:])
    assert isinstance(state, AdminState)
    state.auth_token = account.token
    return state


def _call(state: AdminState, handler: Any, *args: Any) -> None:
    result = handler.fn(state, *args)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


def _books(user_id: str) -> tuple[int, int]:
    with read_session() as s:
        user = s.get(User, user_id)
        rows = s.exec(
            select(func.count()).select_from(LedgerEntry).where(LedgerEntry.user_id == user_id)
        ).one()
        assert user is not None
        return user.balance, rows


def _support_account() -> Account:
    system = Actor("test", "ADMIN", full_matrix())
    with write_session() as s:
        roles.create(s, system, READ_ONLY_MANAGER, {"USER_MANAGEMENT": {"READ": True}}, {})
    return make_account(READ_ONLY_MANAGER)


def test_balance_handler_refuses_a_role_without_balance_update(database: str) -> None:
    support = _support_account()
    victim = make_account(balance=2000)
    state = _state(support)
    _call(state, AdminState.load)
    assert state.can_users_read and not state.can_balance_update  # no control is shown
    assert victim.id in {row["id"] for row in state.rows}
    state.balance_user_id, state.balance_amount, state.balance_reason = victim.id, "999999", "x"
    state.balance_mode = "set"
    _call(state, AdminState.save_balance)
    assert "BALANCE_MANAGEMENT.UPDATE" in state.problem
    assert _books(victim.id) == (2000, 1)
    _call(state, AdminState.open_balance, victim.id)  # reading the ledger is refused too
    assert state.ledger == [] and "BALANCE_MANAGEMENT.READ" in state.problem


def test_balance_handler_works_for_an_admin(database: str, admin: Account) -> None:
    victim = make_account(balance=2000)
    state = _state(admin)
    _call(state, AdminState.load)
    _call(state, AdminState.open_balance, victim.id)
    state.balance_amount, state.balance_reason = "5000", "top-up"
    _call(state, AdminState.save_balance)
    assert state.problem == ""
    assert _books(victim.id) == (5000, 2)
    state.balance_mode, state.balance_amount, state.balance_reason = "adjust", "-1x", "typo"
    _call(state, AdminState.save_balance)  # not a number: refused, nothing changes
    assert state.problem and _books(victim.id) == (5000, 2)
    state.balance_amount, state.balance_reason = "-500", ""
    _call(state, AdminState.save_balance)  # the UI requires a reason
    assert state.problem and _books(victim.id) == (5000, 2)


def test_role_picker_offers_every_role_only_to_role_readers(database: str, admin: Account) -> None:
    support = _support_account()  # USER_MANAGEMENT.READ, no ROLE_MANAGEMENT.READ
    state = _state(admin)
    _call(state, AdminState.load)
    with read_session() as s:
        every = [r.name for r in roles.list_roles(s, Actor("test", "ADMIN", full_matrix()))]
    assert state.role_names == every and READ_ONLY_MANAGER in every
    limited = _state(support)
    _call(limited, AdminState.load)  # only the roles its rows show, no role list
    assert limited.role_names == sorted({row["role"] for row in limited.rows})
    assert limited.role_names != every


def test_a_model_disabled_in_the_role_editor_stays_disabled(database: str, admin: Account) -> None:
    state = _state(admin)
    _call(state, AdminState.load)
    for name in ("ADMIN", "PRO"):  # ADMIN gets unlisted models: its disabled row is stored
        _call(state, AdminState.edit_role, name)
        model = state.role_models[0]["model"]
        _call(state, AdminState.set_model_enabled, 0, False)
        _call(state, AdminState.save_role)
        assert state.problem == ""
        with read_session() as s:
            role = roles.get(s, name)
            assert model not in roles.enabled_models(role)
            stored = role.model_access or {}
            assert (model in stored) == (role.name == "ADMIN")


def test_role_and_enable_handlers_refuse_without_user_update(database: str) -> None:
    support = _support_account()
    victim = make_account()
    state = _state(support)
    _call(state, AdminState.change_role, victim.id, "ADMIN")
    _call(state, AdminState.set_enabled, victim.id, False)
    with read_session() as s:
        user = s.get(User, victim.id)
        assert user is not None and (user.role, user.enabled) == ("USER", True)


def test_a_forged_token_gets_nothing(database: str) -> None:
    victim = make_account(balance=2000)
    forged = Account(victim.user, victim.token[:-4] + "AAAA", "")
    state = _state(forged)
    _call(state, AdminState.load)
    assert state.rows == [] and not state.can_users_read
    state.balance_user_id, state.balance_amount, state.balance_reason = victim.id, "1", "x"
    _call(state, AdminState.save_balance)
    assert _books(victim.id) == (2000, 1)


def test_usage_handlers_need_analytics_read(database: str, admin: Account) -> None:
    spender = make_account(balance=5000)
    with write_session() as s:
        hold = holds.reserve(
            s, spender.id, model="gpt-4", coefficient="2", prompt_tokens=10, max_output=10
        )
    with write_session() as s:
        holds.settle(s, hold.reservation_id, 10, 10)  # 40 credits

    support = _state(_support_account())  # USER_MANAGEMENT.READ only
    _call(support, AdminState.set_tab, "usage")
    assert "ANALYTICS.READ" in support.problem
    _call(support, AdminState.set_days, "7")
    _call(support, AdminState.load_top_users)
    assert (support.total_credits, support.by_day, support.top_users) == (0, [], [])

    state = _state(admin)
    state.tab = "usage"
    _call(state, AdminState.load)
    assert state.total_credits == 40 and state.top_loading  # top spenders come next
    _call(state, AdminState.load_top_users)
    assert [u["key"] for u in state.top_users] == [spender.user.email]
    assert not state.top_loading
