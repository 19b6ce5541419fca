"""The header's balance: polled while the tab is visible, green, amber below what a
typical answer costs with the selected model, red at zero or below what the message in
the composer needs."""

from __future__ import annotations

import reflex as rx

from metogpt.components.timers import VisiblePoll
from metogpt.state.costs import POLL_MS, BalanceState
from metogpt.state.lang import t
from metogpt.state.session import SessionState


def balance_badge() -> rx.Component:
    balance = SessionState.balance
    short = (balance <= 0) | ((BalanceState.short_below > 0) & (balance < BalanceState.short_below))
    low = balance < BalanceState.warn_below
    level = rx.cond(short, "short", rx.cond(low, "low", "ok"))
    return rx.fragment(
        rx.badge(
            rx.icon("coins", size=14),
            rx.text(balance, id="balance"),
            color_scheme=rx.cond(short, "red", rx.cond(low, "amber", "green")),
            size="2",
            title=rx.cond(
                short,
                t("render.balance.short"),
                rx.cond(low, t("render.balance.low"), t("shell.balance")),
            ),
            id="balance-badge",
            data_level=level,
        ),
        VisiblePoll.create(interval=POLL_MS, on_tick=BalanceState.poll),
    )
