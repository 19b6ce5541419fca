"""A payment's status as a badge in the reader's language (the account page and the admin's
payments screen)."""

from __future__ import annotations

import reflex as rx

from metogpt.state.lang import t


def status_badge(status: rx.Var[str]) -> rx.Component:
    """A payment's status in the reader's language (the admin's payments screen too)."""
    return rx.match(  # pyright: ignore[reportReturnType]  (a match of components)
        status,
        ("succeeded", rx.badge(t("billing.status.succeeded"), color_scheme="green")),
        ("pending", rx.badge(t("billing.status.pending"), color_scheme="amber")),
        ("canceled", rx.badge(t("billing.status.canceled"), color_scheme="gray")),
        ("refunded", rx.badge(t("billing.status.refunded"), color_scheme="orange")),
        rx.badge(t("billing.status.failed"), color_scheme="red"),
    )
