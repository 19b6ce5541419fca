"""/account: the signed-in user's account, one section per module.

Each section is a card of its own (`password.py`, ...); this module only lays them out."""

from __future__ import annotations

import reflex as rx

from metogpt.pages.account.keys import keys_section
from metogpt.pages.account.password import password_section
from metogpt.pages.layout import signed_in
from metogpt.state.lang import t
from metogpt.state.session import SessionState


@signed_in
def account_page() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading(t("account.title"), size="6"),
            rx.text(SessionState.user_email, color_scheme="gray", size="2", id="account-email"),
            rx.card(password_section(), size="3", width="100%"),
            rx.card(keys_section(), size="3", width="100%"),
            spacing="4",
            width="100%",
            max_width="480px",
            padding="1.5em",
        ),
        width="100%",
        align_items="start",
    )
