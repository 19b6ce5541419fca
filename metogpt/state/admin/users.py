"""The users screen: search, sort, page; role and enabled switches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from metogpt.models import User, iso
from metogpt.services import roles, users
from metogpt.services.db import in_read
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
    rows: list[UserRow] = []
    total: int = 0
    query: str = ""
    sort: str = "created"
    descending: bool = True
    page: int = 0
    role_names: list[str] = []

    @staticmethod
    def _allowed(actor: Actor) -> bool:
        return actor.can("USER_MANAGEMENT", "READ")

    async def _show(self, actor: Actor) -> Any:
        found, total = await in_read(
            users.list_users,
            actor,
            self.query,
            PAGE_SIZE,
            self.page * PAGE_SIZE,
            self.sort,
            self.descending,
        )
        self.rows, self.total = [UserRow.of(u) for u in found], total
        if actor.can("ROLE_MANAGEMENT", "READ"):
            self.role_names = await in_read(roles.names, actor)
        else:
            self.role_names = sorted({r.role for r in self.rows})
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
    async def change_role(self, user_id: str, role: str):
        if await self._call(users.change_role, user_id, role, write=True) is not FAILED:
            self._done()
        await self._refresh()

    @rx.event
    async def set_enabled(self, user_id: str, enabled: bool):
        if await self._call(users.set_enabled, user_id, enabled, write=True) is not FAILED:
            self._done()
        await self._refresh()
