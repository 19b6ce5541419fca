"""Sign-in and registration forms."""

from __future__ import annotations

import asyncio
import functools

import reflex as rx

from metogpt import i18n
from metogpt.services import accounts, auth, users
from metogpt.services.db import in_write
from metogpt.services.errors import ServiceError
from metogpt.settings import settings
from metogpt.state.session import SessionState


class AuthFormState(SessionState):
    error: str = ""
    busy: bool = False
    registration_open: bool = settings.allow_registration

    def _address(self) -> str:
        # Reflex resolves it from the websocket's peer, through METOGPT_TRUSTED_PROXIES
        # proxies (rxconfig.py's trusted_proxy_hops), as services/clients.py does for REST.
        return self.router.session.client_ip or "unknown"

    @rx.event
    async def login(self, form: dict):
        self.error, self.busy = "", True
        yield
        try:
            user, token, _ = await asyncio.to_thread(
                auth.login, form.get("email", ""), form.get("password", ""), self._address()
            )
        except ServiceError as exc:
            await self._forget()  # whoever held this tab before: nothing of theirs stays
            self.error = self._error_text(exc)
            return
        await self._sign_in(token)
        self.lang = i18n.normalize_lang(user.locale)
        yield rx.redirect(self._after_login())

    @rx.event
    async def register(self, form: dict):
        self.error, self.busy = "", True
        yield
        try:
            user = await asyncio.to_thread(
                functools.partial(accounts.register, address=self._address()),
                form.get("email", ""),
                form.get("username", ""),
                form.get("name", ""),
                form.get("password", ""),
            )
            await in_write(users.set_locale, user.id, self.lang)
            _, token, _ = await asyncio.to_thread(
                auth.login,
                form.get("email", ""),
                form.get("password", ""),
                self._address(),
            )
        except ServiceError as exc:
            self.error = self._error_text(exc)
            self.busy = False
            return
        await self._sign_in(token)
        yield rx.redirect(self._after_login())
