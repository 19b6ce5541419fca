"""The account page: its load (every section's first screen, in one event) and changing
one's own password."""

from __future__ import annotations

import asyncio

import reflex as rx

from metogpt import i18n
from metogpt.services import accounts, screens
from metogpt.services.errors import ServiceError
from metogpt.state.account_keys import KeysState
from metogpt.state.account_ledger import LedgerState
from metogpt.state.account_profile import ProfileState
from metogpt.state.account_usage import MyUsageState
from metogpt.state.billing import RETURN_MARKER, BillingState
from metogpt.state.session import SessionState
from metogpt.state.travel import TravelAccountState

FIELDS = ("current_password", "new_password")


class AccountState(SessionState):
    password_error: str = ""
    password_changed: bool = False
    password_busy: bool = False

    @rx.event
    async def load(self):
        """on_load of /account: one event, one authentication, one trip to the thread pool
        for every section's first screen (each section's state shows its part); to the
        sign-in page and back for a visitor."""
        await self._claim(self.auth_token)  # the tab is the token's user's before any read
        billing = await self.get_state(BillingState)
        ledger = await self.get_state(LedgerState)
        usage = await self.get_state(MyUsageState)
        page = await self._open(
            screens.account,
            self.router.url.query_parameters.get(RETURN_MARKER, ""),
            *ledger._window(),
            usage._days(),
        )
        if page is None:
            return self._to_login()
        # A clean password form each time the page opens.
        self.password_error, self.password_changed, self.password_busy = "", False, False
        billing._loaded(page.overview)
        (await self.get_state(TravelAccountState))._show_links(page.links)
        (await self.get_state(KeysState))._loaded(page.keys)
        (await self.get_state(ProfileState))._loaded(self.user_name, self.lang)
        ledger._loaded(page.ledger)
        usage._loaded(page.usage)
        return None

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
