"""The account page: changing one's own password."""

from __future__ import annotations

import asyncio

import reflex as rx

from metogpt import i18n
from metogpt.services import accounts
from metogpt.services.errors import ServiceError
from metogpt.state.session import SessionState

FIELDS = ("current_password", "new_password")


class AccountState(SessionState):
    password_error: str = ""
    password_changed: bool = False
    password_busy: bool = False

    @rx.event
    def reset_form(self) -> None:
        """on_load: a clean form each time the page opens."""
        self.password_error, self.password_changed, self.password_busy = "", False, False

    @rx.event
    async def change_password(self, form: dict):
        self.password_error, self.password_changed, self.password_busy = "", False, True
        yield
        try:
            await asyncio.to_thread(
                accounts.change_password,
                self.auth_token,
                form.get("current_password", ""),
                form.get("new_password", ""),
            )
        except ServiceError as exc:
            self.password_error = i18n.error_text(exc.code, exc.message, self.lang)
            self.password_busy = False
            return
        self.password_busy, self.password_changed = False, True
        yield [rx.set_value(name, "") for name in FIELDS]
