"""A signed-in page's load is the handlers the app registers for its route (Reflex runs
them as events of the tab, each holding the tab's lock); together they check the tab's
token once. Counted where it happens: every authentication reads the token's session row
(`auth_session`), and SQLAlchemy's own statement hook sees each statement the engines run."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import reflex as rx
from reflex.event import EventHandler
from reflex.istate.data import RouterData
from reflex_base import constants
from sqlalchemy import event

from metogpt import routes
from metogpt.metogpt import app
from metogpt.models import Role
from metogpt.services import conversations, grants
from metogpt.services.db import engines, write_session
from metogpt.services.permissions import CATALOG
from metogpt.state.account_keys import KeysState
from metogpt.state.admin import (
    AdminState,
    PackagesState,
    PaymentsState,
    RolesState,
    UsageState,
    UsersState,
)
from metogpt.state.admin.base import TABS
from metogpt.state.billing import BillingState
from metogpt.state.chat import ChatState
from metogpt.state.session import SessionState
from tests.conftest import Account, make_account
from tests.support import states

_SESSION_ROW = re.compile(r"\bauth_session\b")


@contextmanager
def _token_checks() -> Iterator[list[str]]:
    """The statements that read a token's session row while the block runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _SESSION_ROW.search(statement):
            seen.append(statement)

    targets = {id(e): e for e in (engines().read, engines().write)}.values()
    for engine in targets:
        event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        for engine in targets:
            event.remove(engine, "before_cursor_execute", note)


def _tab(token: str, url: str, route: str) -> rx.State:
    root = states.root()
    root.router = RouterData.from_router_data(
        {constants.RouteVar.ORIGIN: f"http://testserver{url}", constants.RouteVar.PATH: route}
    )
    states.substate(root, SessionState).auth_token = token
    return root


def _load(root: rx.State, url: str) -> list[Any]:
    """Run the page's on_load handlers, as registered with the app, in order; returns
    what they asked the browser to do next (a redirect)."""
    path = url.split("?")[0]
    handlers = app.get_load_events(path)
    assert handlers, f"no on_load for {path}"
    out: list[Any] = []
    for handler in handlers:
        assert isinstance(handler, EventHandler) and handler.state is not None, handler
        result = handler.fn(states.substate(root, handler.state))
        result = asyncio.run(result) if asyncio.iscoroutine(result) else result
        if result is not None:
            out.append(result)
    return out


def _conversation(account: Account) -> str:
    with write_session() as session:
        msg = conversations.post_user_message(
            session, account.user, None, "What is on the first screen?", "gpt-3.5-turbo"
        )
    return msg.conversation_id


@pytest.mark.parametrize("page", ["chat", "conversation", "account"])
def test_a_page_load_checks_the_token_once(database: str, page: str) -> None:
    account = make_account()
    conv_id = _conversation(account)
    url, route = {
        "chat": (routes.CHAT, "/"),
        "conversation": (routes.conversation(conv_id), "/c/[conversation_id]"),
        "account": (routes.ACCOUNT, routes.ACCOUNT),
    }[page]
    root = _tab(account.token, url, route)
    with _token_checks() as checks:
        assert _load(root, url) == []
    assert len(checks) == 1, checks
    # ... and the first screen is all there.
    chat = states.substate(root, ChatState)
    assert states.substate(root, SessionState).user_email == account.user.email
    assert [m.model for m in chat.models] == ["gpt-3.5-turbo"]
    if page == "account":
        assert states.substate(root, BillingState).balance == account.user.balance
        assert states.substate(root, KeysState).keys == []
    else:
        assert [c.id for c in chat.conversations] == [conv_id]
        assert chat.current_id == (conv_id if page == "conversation" else "")
        assert len(chat.messages) == (1 if page == "conversation" else 0)


@pytest.mark.parametrize("url", [routes.CHAT, routes.ACCOUNT + "?payment=p-1"])
def test_a_visitor_is_sent_to_sign_in_and_back(database: str, url: str) -> None:
    account = make_account()
    root = _tab(account.token[:-4] + "AAAA", url, url.split("?")[0])
    with _token_checks() as checks:
        out = _load(root, url)
    assert len(checks) <= 1  # a forged signature is refused before any read
    assert len(out) == 1 and routes.login_for(url) in str(out[0])
    assert (
        states.substate(root, SessionState).auth_token == ""
        and not states.substate(root, ChatState).models
    )


def test_an_unknown_conversation_shows_not_found(database: str) -> None:
    account, other = make_account(), make_account()
    url = routes.conversation(_conversation(other))
    root = _tab(account.token, url, "/c/[conversation_id]")
    assert _load(root, url) == []
    chat = states.substate(root, ChatState)
    assert chat.not_found and chat.current_id == "" and chat.messages == []


@contextmanager
def _daily_grant(role_name: str, amount: int) -> Iterator[None]:
    """While the block runs, `role_name` grants `amount` credits a day."""

    def policy(value: dict[str, Any] | None) -> None:
        with write_session() as session:
            role = session.get(Role, role_name)
            assert role is not None
            role.grant_policy = value

    policy(grants.parse_policy({"amount": amount, "every": 1, "unit": "days", "mode": "add"}))
    try:
        yield
    finally:
        policy(None)


def test_the_load_gives_a_due_grant_and_shows_the_balance_after_it(database: str) -> None:
    with _daily_grant("PRO", 500):
        account = make_account("PRO", balance=100)
        root = _tab(account.token, routes.ACCOUNT, routes.ACCOUNT)
        with _token_checks() as checks:
            assert _load(root, routes.ACCOUNT) == []
        assert len(checks) == 1
        assert states.substate(root, SessionState).balance == 600
        assert states.substate(root, BillingState).grant_amount == 500


@contextmanager
def _thread_hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The trips to the thread pool (`asyncio.to_thread`, which `in_read` and every page's
    load use) while the block runs, by the function sent."""
    hops: list[str] = []
    to_thread = asyncio.to_thread

    async def counted(fn: Any, /, *args: Any, **kw: Any) -> Any:
        hops.append(getattr(fn, "__qualname__", repr(fn)))
        return await to_thread(fn, *args, **kw)

    with monkeypatch.context() as patch:
        patch.setattr(asyncio, "to_thread", counted)
        yield hops


@pytest.mark.parametrize("due", [False, True], ids=["nothing-due", "grant-due"])
@pytest.mark.parametrize("tab", list(TABS))
def test_the_admin_page_load_is_one_authentication_and_one_hop(
    database: str, monkeypatch: pytest.MonkeyPatch, tab: str, due: bool
) -> None:
    """/admin's load: the header (after a due grant), the tab the admin had open and its
    data, with the token checked once in one trip to the thread pool."""
    with _daily_grant("ADMIN", 500) if due else contextlib.nullcontext():
        account = make_account("ADMIN", balance=100)
        root = _tab(account.token, routes.ADMIN, routes.ADMIN)
        states.substate(root, SessionState)._user_id = account.user.id  # the tab was theirs already
        states.substate(root, AdminState).tab = tab
        with _token_checks() as checks, _thread_hops(monkeypatch) as hops:
            out = _load(root, routes.ADMIN)
        assert len(checks) == 1, checks
        assert len(hops) == 1, hops
    # The usage tab asks for its top spenders by a second event, once the screen is out.
    assert [str(o) for o in out] == ([str(UsageState.load_top_users)] if tab == "usage" else [])
    admin = states.substate(root, AdminState)
    assert admin.tab == tab and admin.load_problem == ""
    assert admin.can_users_read and admin.can_analytics
    assert states.substate(root, SessionState).balance == (600 if due else 100)
    assert states.substate(root, SessionState).user_email == account.user.email
    users, roles = states.substate(root, UsersState), states.substate(root, RolesState)
    if tab == "users":
        assert account.user.email in [r.email for r in users.rows] and users.loaded
        assert users.total >= 1 and "ADMIN" in users.role_names
    else:
        assert not users.loaded
    assert ("ADMIN" in [r.name for r in roles.role_list]) == (tab == "roles")
    if tab == "usage":
        assert states.substate(root, UsageState).top_loading
    if tab == "packages":
        assert states.substate(root, PackagesState).packages == []
    if tab == "payments":
        assert states.substate(root, PaymentsState).payment_rows == []


def test_the_admin_page_opens_a_tab_the_admin_may_see(database: str) -> None:
    """A tab this admin may not see (it was open before, or its permission went away) gives
    way to the first one they may."""
    with write_session() as session:
        role = session.get(Role, "USER")
        assert role is not None
        role.permissions = {
            kind: {action: kind == "ROLE_MANAGEMENT" and action == "READ" for action in actions}
            for kind, actions in CATALOG.items()
        }
    account = make_account("USER")
    root = _tab(account.token, routes.ADMIN, routes.ADMIN)
    states.substate(root, SessionState)._user_id = account.user.id
    states.substate(root, AdminState).tab = "users"
    with _token_checks() as checks:
        assert _load(root, routes.ADMIN) == []
    assert len(checks) == 1
    assert states.substate(root, AdminState).tab == "roles"
    assert (
        states.substate(root, RolesState).role_list and not states.substate(root, UsersState).loaded
    )
