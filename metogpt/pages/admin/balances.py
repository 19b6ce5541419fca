"""The balance dialog: a user's balance, the change (with its reason) and the ledger."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import error_callout
from metogpt.components.tables import table
from metogpt.state.admin import AdminState, BalanceState
from metogpt.state.admin.balances import LedgerRow
from metogpt.state.lang import t


def _ledger_row(e: ObjectVar[LedgerRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(e.time, size="1")),
        rx.table.cell(rx.badge(e.kind, size="1")),
        rx.table.cell(rx.text(e.amount)),
        rx.table.cell(rx.text(e.after)),
        rx.table.cell(
            rx.text(
                e.model,
                " ",
                rx.cond(e.tokens.to(int) > 0, e.tokens.to(str), ""),
                " ",
                e.reason,
                size="1",
                color_scheme="gray",
            )
        ),
        class_name="ledger-row",
        data_kind=e.kind,
    )


def _controls() -> rx.Component:
    return rx.vstack(
        rx.segmented_control.root(
            rx.segmented_control.item(t("admin.balance.set"), value="set"),
            rx.segmented_control.item(t("admin.balance.adjust"), value="add"),
            value=BalanceState.mode,
            on_change=BalanceState.set_mode,
        ),
        rx.input(
            value=BalanceState.amount,
            input_mode="numeric",
            on_change=BalanceState.set_amount,
            placeholder=t("admin.balance.amount"),
            id="balance-amount",
        ),
        rx.input(
            value=BalanceState.reason,
            on_change=BalanceState.set_reason,
            placeholder=t("admin.balance.reason"),
            id="balance-reason",
        ),
        rx.button(t("admin.balance.save"), on_click=BalanceState.save_balance, id="balance-save"),
        width="100%",
        id="balance-controls",
    )


def balance_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("admin.balance.title"), " ", BalanceState.user_email),
            rx.vstack(
                rx.text(
                    t("admin.balance.current"),
                    ": ",
                    rx.text.strong(BalanceState.user_balance),
                    id="dialog-balance",
                ),
                rx.cond(AdminState.can_balance_update, _controls()),
                error_callout(AdminState.problem),
                rx.heading(t("admin.ledger"), size="3"),
                rx.box(
                    table(
                        [
                            "admin.ledger.time",
                            "admin.ledger.kind",
                            "admin.ledger.amount",
                            "admin.ledger.after",
                            "admin.ledger.details",
                        ],
                        BalanceState.ledger,
                        _ledger_row,
                    ),
                    max_height="40vh",
                    overflow_y="auto",
                    width="100%",
                ),
                rx.button(
                    t("admin.close"),
                    variant="soft",
                    color_scheme="gray",
                    on_click=BalanceState.close_balance,
                ),
                width="100%",
            ),
            max_width="720px",
        ),
        open=BalanceState.user_id != "",
        on_open_change=BalanceState.dialog_open_changed,
    )
