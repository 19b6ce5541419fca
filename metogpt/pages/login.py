"""/login and /register."""

from __future__ import annotations

import reflex as rx

from metogpt import routes
from metogpt.components.forms import error_callout, field, hydrated, lang_switch
from metogpt.state.auth import AuthFormState
from metogpt.state.lang import t


def _keeping_query(path: str) -> rx.Var[str]:
    """`path` with this page's query: switching between the two forms keeps `next`, the
    page to go to once signed in (checked by routes.after_login when it is used)."""
    query = rx.State.router.url.query
    return rx.cond(query != "", path + "?" + query, path)


def _auth_card(title_key: str, body: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.hstack(
                rx.hstack(
                    rx.icon("sparkles", size=22, color=rx.color("accent", 9)),
                    rx.heading(t("app.name"), size="6"),
                    align="center",
                    spacing="2",
                ),
                rx.spacer(),
                lang_switch(),
                width="100%",
                align="center",
            ),
            rx.text(t("app.tagline"), color_scheme="gray", size="2"),
            rx.card(
                rx.vstack(rx.heading(t(title_key), size="5"), body, spacing="4", width="100%"),
                size="3",
                width="100%",
            ),
            spacing="4",
            width="100%",
            max_width="420px",
            padding="1.5em",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )


def login_page() -> rx.Component:
    form = rx.form(
        rx.vstack(
            error_callout(AuthFormState.error),
            field("auth.email", "email", "email", auto_complete="username", required=True),
            field(
                "auth.password",
                "password",
                "password",
                auto_complete="current-password",
                required=True,
            ),
            rx.button(
                t("auth.login.submit"),
                type="submit",
                size="3",
                width="100%",
                loading=AuthFormState.busy,
                # Live once hydrated: a click before that (slow network, no JS) submits the
                # form natively, as a GET with the password in the URL.
                disabled=~hydrated(AuthFormState),
                id="login-submit",
            ),
            rx.cond(
                AuthFormState.registration_open,
                rx.hstack(
                    rx.text(t("auth.login.no_account"), size="2"),
                    rx.link(
                        t("auth.login.to_register"),
                        href=_keeping_query(routes.REGISTER),
                        size="2",
                        id="to-register",
                    ),
                    spacing="1",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=AuthFormState.login,
        width="100%",
    )
    return _auth_card("auth.login.title", form)


def register_page() -> rx.Component:
    form = rx.cond(
        AuthFormState.registration_open,
        rx.form(
            rx.vstack(
                error_callout(AuthFormState.error),
                field("auth.email", "email", "email", auto_complete="email", required=True),
                field(
                    "auth.username",
                    "username",
                    auto_complete="username",
                    required=True,
                    min_length=2,
                    max_length=64,
                ),
                field("auth.name", "name", auto_complete="name", required=True, max_length=128),
                field(
                    "auth.password",
                    "password",
                    "password",
                    auto_complete="new-password",
                    required=True,
                    min_length=8,
                    max_length=256,
                    placeholder=t("auth.password_hint"),
                ),
                rx.button(
                    t("auth.register.submit"),
                    type="submit",
                    size="3",
                    width="100%",
                    loading=AuthFormState.busy,
                    disabled=~hydrated(AuthFormState),
                    id="register-submit",
                ),
                rx.hstack(
                    rx.text(t("auth.register.have_account"), size="2"),
                    rx.link(
                        t("auth.register.to_login"),
                        href=_keeping_query(routes.LOGIN),
                        size="2",
                        id="to-login",
                    ),
                    spacing="1",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=AuthFormState.register,
            width="100%",
        ),
        rx.callout(t("auth.register.closed"), icon="info"),
    )
    return _auth_card("auth.register.title", form)
