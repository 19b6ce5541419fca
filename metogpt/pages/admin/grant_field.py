"""The role editor's periodic grant: off, or an amount every N hours/days/weeks/months, added
or topped up to (services/grants.py). Saved with the role, through the same checks as the
`grant` of /api/admin/roles."""

from __future__ import annotations

import reflex as rx

from metogpt.components.forms import switch_label
from metogpt.services.grants import MODES, UNITS
from metogpt.state.admin import RolesState
from metogpt.state.lang import t


def grant_field() -> rx.Component:
    grant = RolesState.role_grant
    return rx.vstack(
        switch_label(
            t("grant.title"),
            grant.on,
            lambda v: RolesState.set_grant_field("on", v),
            "grant-on",
            weight="bold",
            size="2",
        ),
        rx.cond(
            grant.on,
            rx.flex(
                rx.input(
                    value=grant.amount,
                    on_change=lambda v: RolesState.set_grant_field("amount", v),
                    input_mode="numeric",
                    placeholder=t("grant.amount"),
                    aria_label=t("grant.amount"),
                    width="110px",
                    id="grant-amount",
                ),
                rx.text(t("grant.every"), size="2"),
                rx.input(
                    value=grant.every,
                    on_change=lambda v: RolesState.set_grant_field("every", v),
                    input_mode="numeric",
                    aria_label=t("grant.every"),
                    width="64px",
                    id="grant-every",
                ),
                rx.select.root(
                    rx.select.trigger(aria_label=t("grant.unit"), id="grant-unit"),
                    rx.select.content(
                        *[rx.select.item(t(f"grant.unit.{u}"), value=u) for u in UNITS],
                    ),
                    value=grant.unit,
                    on_change=lambda v: RolesState.set_grant_field("unit", v),
                ),
                rx.segmented_control.root(
                    *[rx.segmented_control.item(t(f"grant.mode.{m}"), value=m) for m in MODES],
                    value=grant.mode,
                    on_change=lambda v: RolesState.set_grant_field("mode", v.to(str)),
                    size="1",
                    id="grant-mode",
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
        ),
        rx.cond(
            grant.on,
            rx.text(
                rx.cond(grant.mode == "reset", t("grant.hint.reset"), t("grant.hint.add")),
                size="1",
                color_scheme="gray",
            ),
        ),
        spacing="2",
        width="100%",
        id="grant-field",
    )
