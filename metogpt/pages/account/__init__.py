"""/account: the signed-in user's account, one section per module.

Each section is a card of its own (`profile.py`, `password.py`, ...); this module only lays
them out: one column on a phone, the short forms side by side on a wide screen."""

from __future__ import annotations

import reflex as rx

from metogpt.pages.account.billing import billing_section
from metogpt.pages.account.ledger import ledger_section
from metogpt.pages.account.password import password_section
from metogpt.pages.account.profile import profile_section
from metogpt.pages.account.travel import travel_section
from metogpt.pages.account.usage import usage_section
from metogpt.pages.layout import signed_in
from metogpt.state.lang import t
from metogpt.state.session import SessionState


def _card(section: rx.Component) -> rx.Component:
    return rx.card(section, size=rx.breakpoints(initial="2", sm="3"), width="100%", min_width="0")


@signed_in
def account_page() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading(t("account.title"), size="6"),
            rx.text(SessionState.user_email, color_scheme="gray", size="2", id="account-email"),
            rx.grid(
                _card(profile_section()),
                _card(password_section()),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            _card(billing_section()),
            _card(usage_section()),
            _card(ledger_section()),
            _card(travel_section()),
            spacing="4",
            width="100%",
            max_width="1100px",
            padding=rx.breakpoints(initial="0.75em", sm="1.5em"),
        ),
        width="100%",
        align_items="start",
    )
