"""The account page's profile: display name and language, saved together with the theme
(which, like the header's menu, applies and is saved as soon as it is picked)."""

from __future__ import annotations

import reflex as rx

from metogpt import i18n
from metogpt.services import me
from metogpt.services.errors import ServiceError
from metogpt.state.session import FAILED, SessionState


class ProfileState(SessionState):
    profile_name: str = ""
    profile_locale: str = "en"
    profile_error: str = ""
    profile_saved: bool = False
    profile_busy: bool = False

    def _loaded(self, name: str, lang: str) -> None:
        """The account page's load (`AccountState.load`): the form starts from what is
        saved (the signed-in user's name and language)."""
        self.profile_name, self.profile_locale = name, lang
        self.profile_error, self.profile_saved = "", False

    @rx.event
    def set_profile_name(self, value: str):
        self.profile_name, self.profile_saved = value, False

    @rx.event
    def set_profile_locale(self, value: str):
        self.profile_locale, self.profile_saved = value, False

    @rx.event
    async def save_profile(self):
        self.profile_error, self.profile_saved, self.profile_busy = "", False, True
        yield
        user = await self._call(
            me.update_profile,
            self.profile_name,
            self.profile_locale,
            self.theme or "system",
            write=True,
        )
        self.profile_busy = False
        if user is FAILED:
            return
        # The header, the page's language and the theme follow at once.
        self.profile_name = self.user_name = user.name
        self.lang, self.theme = i18n.normalize_lang(user.locale), user.theme
        self.profile_saved = True

    def _refused(self, exc: ServiceError) -> None:
        self.profile_error = self._error_text(exc)
