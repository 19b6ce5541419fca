"""The account page's password section."""

from __future__ import annotations

import reflex as rx

from metogpt.components.forms import error_callout, field, hydrated
from metogpt.state.account import AccountState
from metogpt.state.lang import t


def password_section() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(t("account.password.title"), size="4"),
            error_callout(AccountState.password_error),
            rx.cond(
                AccountState.password_changed,
                rx.callout(
                    t("account.password.changed"),
                    icon="circle_check",
                    color_scheme="green",
                    role="status",
                    width="100%",
                    id="password-changed",
                ),
            ),
            field(
                "account.password.current",
                "current_password",
                "password",
                auto_complete="current-password",
                required=True,
                max_length=256,
            ),
            field(
                "account.password.new",
                "new_password",
                "password",
                auto_complete="new-password",
                required=True,
                min_length=8,
                max_length=256,
                placeholder=t("auth.password_hint"),
            ),
            rx.text(t("account.password.rules"), size="1", color_scheme="gray"),
            rx.button(
                t("account.password.submit"),
                type="submit",
                size="3",
                loading=AccountState.password_busy,
                disabled=~hydrated(AccountState),
                id="password-submit",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=AccountState.change_password,
        width="100%",
    )
