"""The account page's profile section: display name, language and theme."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.event import EventCallback, EventSpec, EventType

from metogpt.components.forms import error_callout, hydrated
from metogpt.components.theme import choose_theme
from metogpt.services.me import THEMES
from metogpt.services.users import LOCALES
from metogpt.state.account_profile import ProfileState
from metogpt.state.lang import t
from metogpt.state.session import SessionState


def _label(key: str, html_for: str) -> rx.Component:
    return rx.text(t(key), as_="label", size="2", weight="medium", html_for=html_for)


def _choice(
    label_key: str,
    field_id: str,
    value: rx.Var | str,
    on_change: EventType[str] | Callable[[rx.Var[str]], list[EventSpec | EventCallback[()]]],
    options: dict[str, str],
) -> rx.Component:
    return rx.vstack(
        _label(label_key, field_id),
        rx.select.root(
            rx.select.trigger(id=field_id, width="100%"),
            rx.select.content(
                *[rx.select.item(t(key), value=value_) for value_, key in options.items()]
            ),
            value=value,
            on_change=on_change,
            size="3",
        ),
        spacing="1",
        width="100%",
    )


def profile_section() -> rx.Component:
    return rx.vstack(
        rx.heading(t("account.profile.title"), size="4"),
        error_callout(ProfileState.profile_error),
        rx.cond(
            ProfileState.profile_saved,
            rx.callout(
                t("account.profile.saved"),
                icon="circle_check",
                color_scheme="green",
                role="status",
                width="100%",
                id="profile-saved",
            ),
        ),
        rx.vstack(
            _label("account.profile.name", "profile-name"),
            rx.input(
                value=ProfileState.profile_name,
                on_change=ProfileState.set_profile_name,
                id="profile-name",
                max_length=128,
                size="3",
                width="100%",
                auto_complete="name",
            ),
            spacing="1",
            width="100%",
        ),
        rx.grid(
            _choice(
                "account.profile.language",
                "profile-language",
                ProfileState.profile_locale,
                ProfileState.set_profile_locale,
                {lang: f"account.lang.{lang}" for lang in LOCALES},
            ),
            _choice(
                "theme.label",
                "profile-theme",
                rx.cond(SessionState.theme == "", "system", SessionState.theme),
                choose_theme,
                {theme: f"theme.{theme}" for theme in THEMES},
            ),
            columns="2",
            spacing="3",
            width="100%",
        ),
        rx.button(
            t("account.profile.save"),
            size="3",
            on_click=ProfileState.save_profile,
            loading=ProfileState.profile_busy,
            disabled=~hydrated(ProfileState),
            id="profile-save",
        ),
        spacing="3",
        width="100%",
        id="profile-section",
    )
