"""Sign-in and registration forms."""

from __future__ import annotations

import asyncio

import reflex as rx

from metogpt import i18n, routes
from metogpt.services import auth, users
from metogpt.services.db import in_write
from metogpt.services.errors import ServiceError
from metogpt.settings import settings
from metogpt.state.session import SessionState


class AuthFormState(SessionState):
    error: str = ""
    busy: bool = False
    registration_open: bool = settings.allow_registration

    @rx.event
    async def login(self, form: dict):
        self.error, self.busy = "", True
        yield
        address = self.router.session.client_ip or "unknown"
        try:
            user, token, _ = await asyncio.to_thread(
                auth.login, form.get("email", ""), form.get("password", ""), address
            )
        except ServiceError as exc:
            await self._forget()  # whoever held this tab before: nothing of theirs stays
            self.error = self._error_text(exc)
            return
        await self._sign_in(token)
        self.lang = i18n.normalize_lang(user.locale)
        yield rx.redirect(routes.CHAT)

    @rx.event
    async def register(self, form: dict):
        self.error, self.busy = "", True
        yield
        if not settings.allow_registration:
            self.error = i18n.tr("error.registration_disabled", self.lang)
            self.busy = False
            return
        try:
            user = await asyncio.to_thread(
                users.register,
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
                self.router.session.client_ip or "unknown",
            )
        except ServiceError as exc:
            self.error = self._error_text(exc)
            self.busy = False
            return
        await self._sign_in(token)
        yield rx.redirect(routes.CHAT)
