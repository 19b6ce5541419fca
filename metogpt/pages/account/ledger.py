"""The account page's ledger section: the user's own transactions, paginated, with their
reasons, and a CSV export of all of them."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.tables import table
from metogpt.state.account_ledger import LedgerRow, LedgerState
from metogpt.state.lang import t

KINDS = ("charge", "grant", "topup", "adjustment", "refund")


def _kind(kind: rx.Var[str]) -> rx.Component | rx.Var:
    return rx.match(
        kind,
        *[
            (k, rx.badge(t(f"account.kind.{k}"), color_scheme="gray", variant="soft"))
            for k in KINDS
        ],
        rx.badge(kind, color_scheme="gray", variant="soft"),
    )


def _row(e: ObjectVar[LedgerRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.text(e.time, white_space="nowrap"),
            # A phone has no room for the details column: they go under the time.
            rx.text(e.details, size="1", color_scheme="gray", display=["block", "none"]),
        ),
        rx.table.cell(_kind(e.kind)),
        rx.table.cell(
            e.amount,
            color=rx.cond(e.amount.to(int) < 0, rx.color("red", 11), rx.color("green", 11)),
            class_name="amount",
        ),
        rx.table.cell(e.balance_after, display=["none", "table-cell"]),
        rx.table.cell(
            e.details, class_name="details", word_break="break-word", display=["none", "table-cell"]
        ),
        class_name="ledger-row",
        data_id=e.id,
    )


def ledger_section() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(t("account.ledger.title"), size="4"),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=14),
                t("account.ledger.export"),
                size="2",
                variant="soft",
                on_click=LedgerState.export_ledger,
                id="ledger-export",
            ),
            width="100%",
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(
            LedgerState.ledger_total > 0,
            table(
                [
                    "account.ledger.time",
                    "account.ledger.kind",
                    "account.ledger.amount",
                    rx.table.column_header_cell(
                        t("account.ledger.balance"), display=["none", "table-cell"]
                    ),
                    rx.table.column_header_cell(
                        t("account.ledger.details"), display=["none", "table-cell"]
                    ),
                ],
                LedgerState.ledger_rows,
                _row,
            ),
            rx.text(t("account.ledger.empty"), size="2", color_scheme="gray"),
        ),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=14),
                t("account.ledger.prev"),
                size="1",
                variant="soft",
                disabled=LedgerState.ledger_page == 0,
                on_click=LedgerState.turn_page(-1),
                id="ledger-prev",
            ),
            rx.text(
                t("account.ledger.page"),
                " ",
                LedgerState.ledger_page + 1,
                " ",
                t("account.ledger.of"),
                " ",
                LedgerState.ledger_pages,
                size="2",
                id="ledger-page",
            ),
            rx.button(
                t("account.ledger.next"),
                rx.icon("chevron-right", size=14),
                size="1",
                variant="soft",
                disabled=LedgerState.ledger_page + 1 >= LedgerState.ledger_pages,
                on_click=LedgerState.turn_page(1),
                id="ledger-next",
            ),
            align="center",
            spacing="3",
        ),
        spacing="3",
        width="100%",
        id="ledger-section",
    )
