"""The users screen: search, sort, page; role changes (confirmed first) and enabled
switches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from metogpt import i18n
from metogpt.models import User, iso
from metogpt.services import permissions, roles, users
from metogpt.services.permissions import Actor
from metogpt.state.admin.base import AdminState, screen
from metogpt.state.session import FAILED

PAGE_SIZE = 25


@dataclass
class UserRow:
    id: str
    email: str
    username: str
    name: str
    role: str
    balance: int
    enabled: bool
    created: str  # YYYY-MM-DD
    active: str  # YYYY-MM-DD HH:MM, or ""

    @classmethod
    def of(cls, u: User) -> UserRow:
        return cls(
            id=u.id,
            email=u.email,
            username=u.username,
            name=u.name,
            role=u.role,
            balance=u.balance,
            enabled=u.enabled,
            created=(iso(u.created_at) or "")[:10],
            active=(iso(u.last_active_at) or "")[:16].replace("T", " "),
        )


@screen("users")
class UsersState(AdminState):
    rows: rx.Field[list[UserRow]] = rx.field(default_factory=list)
    total: int = 0
    pages: int = 1  # how many pages the total fills (at least one)
    loaded: bool = False  # rows were asked for at least once (an empty list means none)
    query: str = ""
    sort: str = "created"
    descending: bool = True
    page: int = 0
    role_names: list[str] = []
    # The role change waiting for confirmation ("" user: none).
    pending_user: str = ""
    pending_who: str = ""
    pending_role: str = ""
    pending_old: str = ""
    # the new role's permissions, one line per kind: "Roles: See roles, Edit roles"
    pending_powers: rx.Field[list[str]] = rx.field(default_factory=list)
    pending_powers_known: bool = False  # False: this admin may not read roles

    def _row(self, user_id: str) -> UserRow | None:
        return next((r for r in self.rows if r.id == user_id), None)

    @staticmethod
    def _allowed(actor: Actor) -> bool:
        return actor.can("USER_MANAGEMENT", "READ")

    def _reader(self) -> Callable[[Session, Actor], Any]:
        asked = (self.query, PAGE_SIZE, self.page * PAGE_SIZE, self.sort, self.descending)

        def read(session: Session, actor: Actor) -> tuple[list[User], int, list[str] | None]:
            found, total = users.list_users(session, actor, *asked)
            may_read_roles = actor.can("ROLE_MANAGEMENT", "READ")
            return found, total, roles.names(session, actor) if may_read_roles else None

        return read

    def _shown(self, data: tuple[list[User], int, list[str] | None]) -> Any:
        found, total, role_names = data
        self.rows, self.total = [UserRow.of(u) for u in found], total
        self.pages = max(1, -(-total // PAGE_SIZE))
        self.loaded = True
        self.role_names = role_names if role_names is not None else sorted({u.role for u in found})
        return None

    @rx.event
    async def search_users(self, value: str):
        self.query, self.page = value[:200], 0
        await self._refresh()

    @rx.event
    async def sort_by(self, column: str):
        if column not in users.SORTS:
            return
        self.descending = not self.descending if self.sort == column else True
        self.sort, self.page = column, 0
        await self._refresh()

    @rx.event
    async def go_page(self, delta: int):
        last = max(0, (self.total - 1) // PAGE_SIZE)
        self.page = min(max(0, self.page + delta), last)
        await self._refresh()

    @rx.event
    async def ask_role(self, user_id: str, role: str):
        """A role picked in the table: nothing changes until the admin confirms. The
        select keeps showing the current role (its value follows the row)."""
        row = self._row(user_id)
        if row is None or role == row.role or role not in self.role_names:
            return
        self.pending_powers, self.pending_powers_known = [], False
        if self.can_roles_read:
            view = await self._call(roles.view, role)
            if view is FAILED:
                return self._failed()
            self.pending_powers = _power_lines(view.permissions, self.lang)
            self.pending_powers_known = True
        self.pending_user, self.pending_who = row.id, row.name or row.email
        self.pending_role, self.pending_old = role, row.role
        return None

    @rx.event
    def cancel_role(self):
        self.pending_user = ""

    @rx.event
    def role_dialog_changed(self, is_open: bool):
        if not is_open:
            self.pending_user = ""

    @rx.event
    async def confirm_role(self):
        user_id, role, self.pending_user = self.pending_user, self.pending_role, ""
        if not user_id:
            return None
        changed = await self._call(users.change_role, user_id, role, write=True)
        await self._refresh()
        if changed is FAILED:
            return self._failed()
        return self._done("admin.toast.role", user=changed.name or changed.email, role=role)

    @rx.event
    async def set_enabled(self, user_id: str, enabled: bool):
        changed = await self._call(users.set_enabled, user_id, enabled, write=True)
        await self._refresh()
        if changed is FAILED:
            return self._failed()
        key = "admin.toast.enabled" if changed.enabled else "admin.toast.disabled"
        return self._done(key, user=changed.name or changed.email)


def _power_lines(matrix: permissions.Permissions, lang: str) -> list[str]:
    """A role's permissions for people, in the catalog's order: one line per kind held."""
    lines = []
    for ptype, actions in permissions.CATALOG.items():
        held = [a for a in actions if matrix.get(ptype, {}).get(a)]
        if held:
            labels = ", ".join(i18n.tr(f"admin.perm.{ptype}.{a}", lang) for a in held)
            lines.append(f"{i18n.tr(f'admin.perm.{ptype}', lang)}: {labels}")
    return lines
