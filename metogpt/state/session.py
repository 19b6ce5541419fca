"""Who is signed in, and the language. Identity lives only in backend vars (`_user_id`)
and is re-derived from the signed token by the auth service on every privileged event."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import reflex as rx
from sqlmodel import Session

from metogpt import i18n
from metogpt.models import User
from metogpt.services import auth, users
from metogpt.services.catalog import get_catalog
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import ServiceError
from metogpt.services.permissions import Actor

P = ParamSpec("P")
T = TypeVar("T")


async def in_write(fn: Callable[Concatenate[Session, P], T], *args: P.args, **kw: P.kwargs) -> T:
    """Run a service call in its own write transaction, off the event loop."""

    def call() -> T:
        with write_session() as session:
            return fn(session, *args, **kw)

    return await asyncio.to_thread(call)


async def in_read(fn: Callable[Concatenate[Session, P], T], *args: P.args, **kw: P.kwargs) -> T:
    """Run a service query in a read transaction, off the event loop."""

    def call() -> T:
        with read_session() as session:
            return fn(session, *args, **kw)

    return await asyncio.to_thread(call)


class SessionState(rx.State):
    # The browser keeps the token (it is the user's own credential); the server trusts
    # nothing else about identity and checks its signature and version on every use.
    auth_token: str = rx.LocalStorage("", name="metogpt_token", sync=True)
    lang: str = rx.LocalStorage("en", name="metogpt_lang", sync=True)

    # What the header shows. UX only: every privileged action re-checks on the server.
    signed_in: bool = False
    user_name: str = ""
    user_email: str = ""
    user_role: str = ""
    balance: int = 0
    can_admin: bool = False
    demo_mode: bool = False
    models: list[dict[str, str]] = []

    _user_id: str = ""

    async def _actor(self) -> tuple[User, Actor]:
        """The signed-in user and their permissions, fresh from the database."""
        user, actor = await in_read(auth.authenticate, self.auth_token)
        self._user_id = user.id
        return user, actor

    async def _caller(self) -> tuple[User, Actor] | None:
        """Like `_actor`, but None for a visitor who is not (or no longer) signed in."""
        try:
            return await self._actor()
        except ServiceError:
            return None

    def _show(self, user: User, actor: Actor) -> None:
        self.signed_in = True
        self.user_name = user.name
        self.user_email = user.email
        self.user_role = user.role
        self.balance = user.balance
        self.can_admin = any(
            actor.can(ptype, "READ")
            for ptype in ("USER_MANAGEMENT", "ROLE_MANAGEMENT", "BALANCE_MANAGEMENT", "ANALYTICS")
        )
        self.demo_mode = get_catalog().uses_demo()

    def _forget(self) -> None:
        self.auth_token = ""
        self._user_id = ""
        self.signed_in = False
        self.user_name = self.user_email = self.user_role = ""
        self.balance = 0
        self.can_admin = False

    async def _enter(self, *, models: bool = True) -> Actor | None:
        """Opening a signed-in page: show the user and (for a page that offers them) their
        models; None for a visitor who is not (or no longer) signed in, who is then
        forgotten."""
        try:
            user, actor = await self._actor()
        except ServiceError:
            self._forget()
            return None
        self.lang = i18n.normalize_lang(user.locale)
        self._show(user, actor)
        if models:
            offers = await in_read(users.models_of, user)
            self.models = [{"model": o.model, "coefficient": o.coefficient} for o in offers]
        return actor

    @rx.event
    async def require_login(self):
        """on_load of signed-in pages: show the user, or send them to sign in."""
        return None if await self._enter() else rx.redirect("/login")

    @rx.event
    async def redirect_if_signed_in(self):
        """on_load of the sign-in pages."""
        if not self.auth_token:
            return None
        try:
            await self._actor()
        except ServiceError:
            self._forget()
            return None
        return rx.redirect("/")

    @rx.event
    async def logout(self):
        # The token's session ends on the server too: a copy of it is refused from now on.
        with contextlib.suppress(ServiceError):
            await in_write(auth.logout, self.auth_token)
        self._forget()
        return rx.redirect("/login")

    @rx.event
    async def switch_lang(self):
        self.lang = "en" if self.lang == "ru" else "ru"
        if self.auth_token:
            try:
                user, _ = await self._actor()
            except ServiceError:
                return
            await in_write(users.set_locale, user.id, self.lang)
