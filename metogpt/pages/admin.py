"""/admin — the dashboard (users, balances, roles, usage)."""

from __future__ import annotations

import reflex as rx

from metogpt.i18n import t
from metogpt.pages.layout import signed_in
from metogpt.state.session import SessionState


@signed_in
def admin_page() -> rx.Component:
    return rx.box(
        rx.heading(t("admin.title"), size="6"),
        rx.cond(
            SessionState.can_admin,
            rx.fragment(),
            rx.callout(t("admin.denied"), icon="lock", color_scheme="red"),
        ),
        padding="2em",
        width="100%",
    )
