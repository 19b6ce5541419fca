"""Admin state handlers called directly, as any client could (every public handler is
reachable over the websocket): the services refuse what the caller's role does not allow."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import func, select

from metogpt.models import LedgerEntry, User
from metogpt.services import holds, roles
from metogpt.services.db import read_session, write_session
from metogpt.services.permissions import Actor, full_matrix
from metogpt.state.admin import (
    AdminState,
    BalanceState,
    RolesState,
    UsageState,
    UsersState,
)
from tests.conftest import Account, make_account
from tests.support import states

READ_ONLY_MANAGER = "SUPPORT"
S = TypeVar("S", bound=rx.State)


class Tab:
    """One tab's state tree, signed in as `account`: its substates by class."""

    def __init__(self, account: Account) -> None:
        self.root = states.root()
        self.admin.auth_token = account.token
        asyncio.run(self.admin._claim(account.token))  # what TabOwner does as the tab opens

    def __getitem__(self, cls: type[S]) -> S:
        return states.substate(self.root, cls)

    @property
    def admin(self) -> AdminState:
        return self[AdminState]

    @property
    def users(self) -> UsersState:
        return self[UsersState]

    @property
    def balance(self) -> BalanceState:
        return self[BalanceState]

    @property
    def roles(self) -> RolesState:
        return self[RolesState]

    @property
    def usage(self) -> UsageState:
        return self[UsageState]


def _call(state: rx.State, handler: Any, *args: Any) -> Any:
    result = handler.fn(state, *args)
    if asyncio.iscoroutine(result):
        return asyncio.run(result)
    return result


def _toast(event: Any, level: str) -> str:
    """The JavaScript of a toast a handler returned (rx.toast.<level>), to look into."""
    assert isinstance(event, EventSpec), event
    script = str(event.args[0][1])
    assert f'["{level}"]' in script, script
    return script


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
    tab = Tab(support)
    _call(tab.admin, AdminState.load)
    assert tab.admin.can_users_read and not tab.admin.can_balance_update  # no control shown
    assert victim.id in {row.id for row in tab.users.rows}
    dialog = tab.balance
    dialog.user_id, dialog.amount, dialog.reason, dialog.mode = victim.id, "999999", "x", "set"
    _call(dialog, BalanceState.save_balance)
    assert tab.admin.problem == (
        "This needs the permission “Change balances”, which your role does not have."
    )
    assert _books(victim.id) == (2000, 1)
    dialog.user_id = ""
    refused = _call(dialog, BalanceState.open_balance, victim.id)  # reading the ledger too
    assert dialog.ledger == [] and "See balances" in _toast(refused, "error")
    assert dialog.user_email == "" and dialog.user_balance == 0  # nothing of the user shows


def test_balance_handler_works_for_an_admin(database: str, admin: Account) -> None:
    victim = make_account(balance=2000)
    tab = Tab(admin)
    _call(tab.admin, AdminState.load)
    dialog = tab.balance
    _call(dialog, BalanceState.open_balance, victim.id)
    assert (dialog.user_email, dialog.user_balance) == (victim.user.email, 2000)
    dialog.amount, dialog.reason = "5000", "top-up"
    _call(dialog, BalanceState.save_balance)
    assert tab.admin.problem == ""
    assert _books(victim.id) == (5000, 2)
    assert dialog.ledger[0].reason == "top-up" and dialog.ledger[0].amount == 3000
    assert next(r.balance for r in tab.users.rows if r.id == victim.id) == 5000
    _call(dialog, BalanceState.set_mode, "add")
    dialog.amount, dialog.reason = "-1x", "typo"
    _call(dialog, BalanceState.save_balance)  # not a number: refused, nothing changes
    assert tab.admin.problem and _books(victim.id) == (5000, 2)
    dialog.amount, dialog.reason = "-500", "  "
    _call(dialog, BalanceState.save_balance)  # a reason is required
    assert "reason" in tab.admin.problem.lower() and _books(victim.id) == (5000, 2)
    dialog.reason = "refund"
    _call(dialog, BalanceState.save_balance)
    assert _books(victim.id) == (4500, 3)


def test_role_picker_offers_every_role_only_to_role_readers(database: str, admin: Account) -> None:
    support = _support_account()  # USER_MANAGEMENT.READ, no ROLE_MANAGEMENT.READ
    tab = Tab(admin)
    _call(tab.admin, AdminState.load)
    with read_session() as s:
        every = [r.name for r in roles.list_roles(s, Actor("test", "ADMIN", full_matrix()))]
    assert tab.users.role_names == every and READ_ONLY_MANAGER in every
    limited = Tab(support)
    _call(limited.admin, AdminState.load)  # only the roles its rows show, no role list
    assert limited.users.role_names == sorted({row.role for row in limited.users.rows})
    assert limited.users.role_names != every


def test_a_model_disabled_in_the_role_editor_stays_disabled(database: str, admin: Account) -> None:
    tab = Tab(admin)
    _call(tab.admin, AdminState.load)
    editor = tab.roles
    for name in ("ADMIN", "PRO"):  # ADMIN gets unlisted models: its disabled row is stored
        _call(editor, RolesState.edit_role, name)
        model = editor.role_models[0].model
        _call(editor, RolesState.set_model_enabled, 0, False)
        _call(editor, RolesState.save_role)
        assert tab.admin.problem == "" and editor.editing_role == ""
        with read_session() as s:
            role = roles.get(s, name)
            assert model not in roles.enabled_models(role)
            stored = role.model_access or {}
            assert (model in stored) == (role.name == "ADMIN")


def test_role_and_enable_handlers_refuse_without_user_update(database: str) -> None:
    support = _support_account()
    victim = make_account()
    tab = Tab(support)
    # as a client could: the confirmation's vars forged, then confirmed
    tab.users.pending_user, tab.users.pending_role = victim.id, "ADMIN"
    refused = _call(tab.users, UsersState.confirm_role)
    assert "Change users" in _toast(refused, "error")
    refused = _call(tab.users, UsersState.set_enabled, victim.id, False)
    assert "Change users" in _toast(refused, "error")
    with read_session() as s:
        user = s.get(User, victim.id)
        assert user is not None and (user.role, user.enabled) == ("USER", True)


def test_a_forged_token_gets_nothing(database: str) -> None:
    victim = make_account(balance=2000)
    forged = Account(victim.user, victim.token[:-4] + "AAAA", "")
    tab = Tab(forged)
    _call(tab.admin, AdminState.load)
    assert tab.users.rows == [] and not tab.admin.can_users_read
    dialog = tab.balance
    dialog.user_id, dialog.amount, dialog.reason = victim.id, "1", "x"
    _call(dialog, BalanceState.save_balance)
    assert _books(victim.id) == (2000, 1)


def test_usage_handlers_need_analytics_read(database: str, admin: Account) -> None:
    spender = make_account(balance=5000)
    with write_session() as s:
        hold = holds.reserve(
            s, spender.id, model="gpt-4", coefficient="2", prompt_tokens=10, max_output=10
        )
    with write_session() as s:
        holds.settle(s, hold.reservation_id, 10, 10)  # 40 credits

    support = Tab(_support_account())  # USER_MANAGEMENT.READ only
    _call(support.admin, AdminState.set_tab, "usage")
    assert "“See usage”" in support.admin.load_problem
    _call(support.usage, UsageState.set_days, "7")
    _call(support.usage, UsageState.load_top_users)
    usage = support.usage
    assert (usage.total_credits, usage.by_day, usage.top_users) == (0, [], [])

    tab = Tab(admin)
    tab.admin.tab = "usage"
    _call(tab.admin, AdminState.load)
    assert tab.usage.total_credits == 40 and tab.usage.top_loading  # top spenders come next
    _call(tab.usage, UsageState.load_top_users)
    assert [u.key for u in tab.usage.top_users] == [spender.user.email]
    assert not tab.usage.top_loading

    # one user's usage: theirs only, no top spenders; an email of nobody is said
    usage = tab.usage
    assert _call(usage, UsageState.filter_user, {"email": spender.user.email}) is None
    assert (usage.total_credits, usage.top_users, usage.top_loading) == (40, [], False)
    _call(usage, UsageState.filter_user, {"email": make_account().user.email})
    assert (usage.total_answers, usage.by_model, usage.filter_problem) == (0, [], "")
    _call(usage, UsageState.filter_user, {"email": "nobody@example.com"})
    assert usage.filter_problem == "No user has this email." and usage.total_credits == 0
    _call(usage, UsageState.filter_user, {"email": ""})
    assert usage.filter_problem == "" and usage.total_credits == 40 and usage.top_loading
    # without the permission, the filter shows nothing either
    _call(support.usage, UsageState.filter_user, {"email": spender.user.email})
    assert "“See usage”" in support.admin.load_problem and support.usage.total_credits == 0


def test_a_role_change_waits_for_its_confirmation(database: str, admin: Account) -> None:
    victim = make_account()
    tab = Tab(admin)
    _call(tab.admin, AdminState.load)
    _call(tab.users, UsersState.search_users, victim.user.email)
    _call(tab.users, UsersState.ask_role, victim.id, "ADMIN")
    users = tab.users
    assert (users.pending_user, users.pending_role, users.pending_old) == (
        victim.id,
        "ADMIN",
        "USER",
    )
    assert users.pending_powers_known and users.pending_powers[0].startswith("Users: See users")
    with read_session() as s:
        assert s.get(User, victim.id).role == "USER"  # type: ignore[union-attr]
    _call(users, UsersState.cancel_role)
    assert users.pending_user == ""
    assert _call(users, UsersState.confirm_role) is None  # nothing pending: nothing done
    _call(users, UsersState.ask_role, victim.id, "PRO")
    assert users.pending_powers == []  # PRO holds no permission
    done = _call(users, UsersState.confirm_role)
    assert f"{victim.user.name} now has the role PRO" in _toast(done, "success")
    with read_session() as s:
        assert s.get(User, victim.id).role == "PRO"  # type: ignore[union-attr]
    assert [r.role for r in users.rows] == ["PRO"]


def test_the_role_editor_sets_api_limits_and_says_a_bad_one_by_its_box(
    database: str, admin: Account
) -> None:
    tab = Tab(admin)
    _call(tab.admin, AdminState.load)
    tab.admin.lang = "ru"  # the admin's language (load takes the account's)
    editor = tab.roles
    _call(editor, RolesState.edit_role, "PRO")
    _call(editor, RolesState.set_limit, "key_rpm", "1,5")
    _call(editor, RolesState.set_limit, "apiLimits", "9")  # no such box: ignored
    _call(editor, RolesState.save_role)
    assert editor.problem_field == "limit:key_rpm"
    assert tab.admin.problem.startswith("Целое число от 1 до 1 000 000 000")
    assert editor.editing_role == "PRO"  # the editor stays open with what was typed
    _call(editor, RolesState.set_limit, "key_rpm", "30")
    _call(editor, RolesState.save_role)
    assert tab.admin.problem == "" and editor.editing_role == ""
    with read_session() as s:
        assert roles.get(s, "PRO").api_limits == {"key_rpm": 30}
