"""The balance dialog: a user's balance, the change (with its reason) and the ledger."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import error_callout, field_error
from metogpt.components.tables import cell, empty_note, table
from metogpt.state.admin import AdminState, BalanceState
from metogpt.state.admin.balances import LedgerRow
from metogpt.state.lang import t, tn

KINDS = ("grant", "charge", "adjustment", "refund", "topup")  # models.LedgerEntry.kind


def _ledger_row(e: ObjectVar[LedgerRow]) -> rx.Component:
    return rx.table.row(
        cell("admin.ledger.time", rx.text(e.time, size="1")),
        cell(
            "admin.ledger.kind",
            rx.badge(
                rx.match(e.kind, *[(k, t(f"admin.kind.{k}")) for k in KINDS], e.kind), size="1"
            ),
        ),
        cell("admin.ledger.amount", rx.text(e.amount)),
        cell("admin.ledger.after", rx.text(e.after)),
        cell(
            "admin.ledger.details",
            rx.text(
                e.model,
                " ",
                rx.cond(e.tokens.to(int) > 0, tn("admin.n.tokens", e.tokens.to(int)), ""),
                " ",
                e.reason,
                size="1",
                color_scheme="gray",
            ),
        ),
        class_name="ledger-row",
        data_kind=e.kind,
    )


def _field_error(field: str) -> rx.Component:
    """The dialog's problem, under the field it is about."""
    return field_error(BalanceState.problem_field == field, AdminState.problem)


def _controls() -> rx.Component:
    return rx.vstack(
        rx.segmented_control.root(
            rx.segmented_control.item(t("admin.balance.set"), value="set"),
            rx.segmented_control.item(t("admin.balance.adjust"), value="add"),
            value=BalanceState.mode,
            on_change=BalanceState.set_mode,
            size=rx.breakpoints(initial="1", sm="2"),
            width="100%",
        ),
        rx.input(
            value=BalanceState.amount,
            input_mode="numeric",
            on_change=BalanceState.set_amount,
            placeholder=t("admin.balance.amount"),
            id="balance-amount",
            width="100%",
        ),
        _field_error("amount"),
        rx.input(
            value=BalanceState.reason,
            on_change=BalanceState.set_reason,
            placeholder=t("admin.balance.reason"),
            id="balance-reason",
            width="100%",
        ),
        _field_error("reason"),
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
                rx.cond(BalanceState.problem_field == "", error_callout(AdminState.problem)),
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
                    empty_note(
                        BalanceState.ledger.length() == 0, t("admin.ledger.empty"), "ledger-empty"
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
            padding=rx.breakpoints(initial="1em", sm="1.5em"),
            class_name="break-anywhere",  # a long email in the title must not widen it
            id="balance-dialog",
        ),
        open=BalanceState.user_id != "",
        on_open_change=BalanceState.dialog_open_changed,
    )
