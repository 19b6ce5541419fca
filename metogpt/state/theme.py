"""The theme picked in the header's menu or on the account page: saved on the user, so it
follows them to every browser they sign in on (`SessionState.theme`, applied by
components/theme.py)."""

from __future__ import annotations

import reflex as rx

from metogpt.services import me
from metogpt.services.errors import ServiceError
from metogpt.state.session import FAILED, SessionState


class ThemeState(SessionState):
    @rx.event
    async def choose(self, theme: str):
        user = await self._call(me.set_theme, theme, write=True)
        if user is not FAILED:
            self.theme = user.theme

    def _refused(self, exc: ServiceError) -> None:
        """Only a hand-made event names a theme the menu does not offer: nothing to show."""
