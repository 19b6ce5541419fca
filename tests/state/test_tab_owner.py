"""A tab's states hold one person's data: when its token names someone else (sign-out,
another sign-in, a failed authentication, a reconnect with another or no token), every
state under SessionState is back at its defaults before anything more is sent.
tests/e2e/test_tab_residue.py proves it on the served app, over the websocket and in
Chromium."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex_base.event import Event

from metogpt.state.admin import AdminState, BalanceState, RolesState, UsageState, UsersState
from metogpt.state.auth import AuthFormState
from metogpt.state.chat import ChatState, MessageRow
from metogpt.state.session import SessionState, TabOwner, user_state_classes
from tests.conftest import Account, make_account
from tests.fixtures.reflex_client import AUTH_TOKEN_VAR, HYDRATE
from tests.support import states

_KEPT = {"auth_token", "lang", "_user_id"}  # the tab's own vars, and whose data it holds


def _tab(token: str) -> rx.State:
    root = states.root()
    session = states.substate(root, SessionState)
    session.auth_token = token
    asyncio.run(session._claim(token))
    return root


def _call(state: rx.State, handler: Any, *args: Any) -> Any:
    result = handler.fn(state, *args)
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


def _changed(root: rx.State) -> dict[str, list[str]]:
    """Per state, the vars that are not at their defaults (the tab's own vars aside)."""
    found: dict[str, list[str]] = {}
    for cls in user_state_classes():
        state = states.substate(root, cls)
        names = [
            name
            for name, field in cls.__fields__.items()
            if field._owner is cls
            and name not in _KEPT
            and getattr(state, name) != field.default_value()
        ]
        if names:
            found[cls.__name__] = names
    return found


def _admin_at_work(admin: Account) -> rx.State:
    """A tab where the admin loaded the user list, a user's ledger, a role, usage, chat."""
    victim = make_account(balance=2000)
    root = _tab(admin.token)
    _call(states.substate(root, AdminState), AdminState.load)
    _call(states.substate(root, BalanceState), BalanceState.open_balance, victim.id)
    _call(states.substate(root, RolesState), RolesState.edit_role, "PRO")
    _call(states.substate(root, UsageState), UsageState.set_days, "7")
    chat = states.substate(root, ChatState)
    question = MessageRow(
        "m", "user", "the admin's question", "", "done", "", 0, 0, "1", 1, 1, "", ""
    )
    chat.messages = [question]
    assert states.substate(root, UsersState).rows and states.substate(root, BalanceState).ledger
    assert {"UsersState", "BalanceState", "RolesState", "ChatState"} <= set(_changed(root))
    return root


def test_every_state_that_shows_a_users_data_is_reset_with_the_session() -> None:
    names = {cls.__name__ for cls in user_state_classes()}
    assert {
        "SessionState",
        "AdminState",
        "UsersState",
        "BalanceState",
        "RolesState",
        "UsageState",
        "ChatState",
        "AuthFormState",
    } <= names


def test_sign_out_resets_every_state_of_the_tab(database: str, admin: Account) -> None:
    root = _admin_at_work(admin)
    session = states.substate(root, SessionState)
    _call(session, SessionState.logout)
    assert _changed(root) == {}
    assert session.auth_token == "" and session._user_id == ""


def test_another_persons_token_resets_the_tab(database: str, admin: Account) -> None:
    root = _admin_at_work(admin)
    other = make_account()
    session = states.substate(root, SessionState)
    asyncio.run(session._claim(admin.token))  # the same person: nothing is lost
    assert states.substate(root, UsersState).rows
    session.auth_token = other.token
    asyncio.run(session._claim(other.token))
    assert _changed(root) == {} and session._user_id == other.id


def test_a_failed_authentication_resets_the_tab(database: str, admin: Account) -> None:
    root = _admin_at_work(admin)
    users = states.substate(root, UsersState)
    users.auth_token = admin.token[:-4] + "AAAA"  # no longer a valid token
    _call(users, UsersState.search_users, "x")
    assert _changed(root) == {}


def test_a_handler_of_a_tab_that_changed_hands_starts_clean(database: str, admin: Account) -> None:
    """Without the middleware (e.g. a token swapped under the tab), the authentication of
    each handler resets the tab before it loads the new person's data."""
    root = _admin_at_work(admin)
    other = make_account()
    chat = states.substate(root, ChatState)
    chat.auth_token = other.token
    _call(chat, ChatState.load)
    assert (
        states.substate(root, UsersState).rows == []
        and states.substate(root, BalanceState).ledger == []
    )
    assert chat.messages == [] and chat._user_id == other.id


def test_a_login_that_fails_on_a_used_tab_leaves_nothing(database: str, admin: Account) -> None:
    root = _admin_at_work(admin)
    form = states.substate(root, AuthFormState)

    async def login() -> None:
        async for _ in AuthFormState.login.fn(form, {"email": "x@y.z", "password": "wrong"}):
            pass

    asyncio.run(login())
    assert set(_changed(root)) == {"AuthFormState"} and form.error  # only the refusal shows


def _event(name: str, payload: dict[str, Any]) -> Event:
    return Event(name=name, payload=payload)


def test_the_middleware_takes_the_token_that_arrives(database: str, admin: Account) -> None:
    guard = TabOwner()
    root = _admin_at_work(admin)
    # A reconnect with the same client token: the browser's storage has the admin's token.
    asyncio.run(
        guard.preprocess(None, root, _event(HYDRATE, {"vars": {AUTH_TOKEN_VAR: admin.token}}))
    )
    assert states.substate(root, UsersState).rows
    # An ordinary event keeps the token the tab has.
    asyncio.run(guard.preprocess(None, root, _event(f"{ChatState.get_full_name()}.stop", {})))
    assert states.substate(root, UsersState).rows
    # A reconnect without one (the browser sends no storage at all): reset before the
    # snapshot is taken.
    asyncio.run(guard.preprocess(None, root, _event(HYDRATE, {})))
    assert _changed(root) == {}
    root = _admin_at_work(admin)
    asyncio.run(guard.preprocess(None, root, _event(HYDRATE, {"vars": {}})))
    assert _changed(root) == {}


def test_a_sync_from_another_tab_resets_too(database: str, admin: Account) -> None:
    other = make_account()
    root = _admin_at_work(admin)
    sync = _event(
        "reflex___state____state.update_vars_internal_state.update_vars_internal",
        {"vars": {AUTH_TOKEN_VAR: other.token}},
    )
    asyncio.run(TabOwner().preprocess(None, root, sync))
    assert _changed(root) == {} and states.substate(root, SessionState)._user_id == other.id
