"""The admin dashboard's frame: which screens this admin may see, the open tab, the
problem lines and toasts. Each screen is a substate of AdminState in its own module
(users, balances, roles, usage), so an event of one screen carries only its own vars.

Every handler re-authenticates and calls a service that checks the permission itself;
the `can_*` flags only decide what the page shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from metogpt import i18n
from metogpt.services import screens
from metogpt.services.db import in_read
from metogpt.services.errors import ErrorCode, ServiceError
from metogpt.services.permissions import Actor
from metogpt.state.session import SessionState, user_state_classes

S = TypeVar("S", bound="AdminState")

# The tabs, in the order they show; the first one the admin may see opens first.
TABS = ("users", "roles", "usage", "packages", "payments")
# Tab name -> the state of that screen (filled by `screen`).
SCREENS: dict[str, type[AdminState]] = {}


class AdminState(SessionState):
    tab: str = "users"
    problem: str = ""  # a refusal shown where the person is working (a dialog, the editor)
    load_problem: str = ""  # the screen's data could not be shown
    # What this admin may do (display only).
    can_users_read: rx.Field[bool] = rx.field(False)
    can_users_update: rx.Field[bool] = rx.field(False)
    can_balance_read: rx.Field[bool] = rx.field(False)
    can_balance_update: rx.Field[bool] = rx.field(False)
    can_roles_read: rx.Field[bool] = rx.field(False)
    can_roles_create: rx.Field[bool] = rx.field(False)
    can_roles_update: rx.Field[bool] = rx.field(False)
    can_roles_delete: rx.Field[bool] = rx.field(False)
    can_analytics: rx.Field[bool] = rx.field(False)

    def _refused(self, exc: ServiceError) -> None:
        self.problem = self._error_text(exc)

    def _error_text(self, exc: ServiceError) -> str:
        """In plain words: the permission a refusal needs and those an escalation lacks by
        their labels, a role in use with its count (the services' English messages name
        the API's terms)."""
        missing, count = exc.details.get("missing"), exc.details.get("user_count")
        needed = exc.details.get("permission")
        if exc.code == ErrorCode.FORBIDDEN and f"admin.perm.{needed}" in i18n.MESSAGES:
            name = i18n.tr(f"admin.perm.{needed}", self.lang)
            return i18n.tr("admin.err.forbidden", self.lang, name=name)
        if exc.code == ErrorCode.ESCALATION and isinstance(missing, list):
            names = ", ".join(
                i18n.tr(f"admin.perm.{key}", self.lang)
                for key in missing
                if f"admin.perm.{key}" in i18n.MESSAGES
            )
            return i18n.tr("admin.err.escalation", self.lang, names=names)
        if exc.code == ErrorCode.ROLE_IN_USE and isinstance(count, int):
            return i18n.trn("admin.err.role_in_use", count, self.lang)
        return super()._error_text(exc)

    def _done(self, key: str, **values: object) -> EventSpec:
        """A save went through: the problem line clears and a toast says what was done."""
        self.problem = ""
        return rx.toast.success(i18n.tr(key, self.lang, **values))

    def _failed(self) -> EventSpec:
        """A refusal of a table's own control (no dialog to show it in): a toast."""
        problem, self.problem = self.problem, ""
        return rx.toast.error(problem)

    def _flags(self, a: Actor) -> None:
        self.can_users_read = a.can("USER_MANAGEMENT", "READ")
        self.can_users_update = a.can("USER_MANAGEMENT", "UPDATE")
        self.can_balance_read = a.can("BALANCE_MANAGEMENT", "READ")
        self.can_balance_update = a.can("BALANCE_MANAGEMENT", "UPDATE")
        self.can_roles_read = a.can("ROLE_MANAGEMENT", "READ")
        self.can_roles_create = a.can("ROLE_MANAGEMENT", "CREATE")
        self.can_roles_update = a.can("ROLE_MANAGEMENT", "UPDATE")
        self.can_roles_delete = a.can("ROLE_MANAGEMENT", "DELETE")
        self.can_analytics = a.can("ANALYTICS", "READ")

    @rx.event
    async def load(self):
        """on_load of /admin: the signed-in user (after a due grant; or /login) and the tab
        they had open (or the first they may see) with its data: one event, one
        authentication, one trip to the thread pool."""
        await self._claim(self.auth_token)  # the tabs' readers take this user's settings
        tabs = {name: await self._tab(name) for name in TABS if name in SCREENS}
        page = await self._open(screens.admin, self.tab, tabs)
        if page is None:
            return self._to_login()
        self._flags(page.actor)
        for cls in user_state_classes():
            if issubclass(cls, AdminState):
                await (await self.get_state(cls))._leave()
        self.tab, self.problem, self.load_problem = page.tab, "", ""
        if page.tab not in SCREENS:
            return None
        return (await self.get_state(SCREENS[page.tab]))._put(page.data)

    async def _tab(self, name: str) -> screens.Tab:
        cls = SCREENS[name]
        return cls._allowed, (await self.get_state(cls))._reader()

    @rx.event
    async def set_tab(self, tab: str):
        caller = await self._caller()
        if caller is None:
            return None
        self.tab = tab
        return await self._open_tab(caller[1])

    # ---- what each screen (a substate) provides ------------------------------------------

    @staticmethod
    def _allowed(actor: Actor) -> bool:
        """May `actor` open this screen (display only: the services check again)?"""
        raise NotImplementedError

    def _reader(self) -> Callable[[Session, Actor], Any]:
        """The read of the screen's data as this state asks for it now (its search, page,
        range): a function of a read session and the actor, which touches no state, so it
        can run in a worker thread."""
        raise NotImplementedError

    def _shown(self, data: Any) -> Any:
        """Show what `_reader` read; may return an event to run once it is out."""
        raise NotImplementedError

    async def _leave(self) -> None:
        """Close what the state had open (a dialog, an editor) when /admin opens again."""

    async def _refresh(self, actor: Actor | None = None) -> Any:
        """Show this screen's data (again), for `actor` or whoever is signed in now; what
        `_shown` returns (an event to run next) goes out."""
        if actor is None:
            caller = await self._caller()
            if caller is None:
                return None
            actor = caller[1]
        try:
            data = await in_read(self._reader(), actor)
        except ServiceError as exc:
            data = exc
        return self._put(data)

    def _put(self, data: Any) -> Any:
        """Show the screen's data, or its refusal in the data's place."""
        if isinstance(data, ServiceError):
            self.load_problem = self._error_text(data)
            return None
        return self._shown(data)

    async def _open_tab(self, actor: Actor) -> Any:
        self.problem = self.load_problem = ""
        if self.tab not in SCREENS:
            return None
        return await (await self.get_state(SCREENS[self.tab]))._refresh(actor)


def screen(name: str) -> Callable[[type[S]], type[S]]:
    """Register a dashboard screen under its tab name."""

    assert name in TABS, name

    def register(cls: type[S]) -> type[S]:
        SCREENS[name] = cls
        return cls

    return register
