"""The users screen: search, the sortable user list, pages."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.tables import (
    plain_cell,
    plain_switch,
    plain_text,
    sort_header,
    table,
)
from metogpt.pages.admin.balances import balance_dialog
from metogpt.state.admin import PAGE_SIZE, AdminState, BalanceState, UsersState
from metogpt.state.admin.users import UserRow
from metogpt.state.lang import t


def _sort_header(label_key: str, column: str, extra: str = "") -> rx.Component:
    return sort_header(
        label_key,
        UsersState.sort == column,
        UsersState.descending,
        UsersState.sort_by(column),
        extra,
    )


def _user_row(row: ObjectVar[UserRow]) -> rx.Component:
    """One row of the user list: plain elements wearing Radix Themes' classes (see
    components/tables.py)."""
    return rx.el.tr(
        plain_cell(
            plain_text(row.name, size="2", extra="rt-r-weight-medium"),
            plain_text(row.email, gray=True),
        ),
        plain_cell(
            rx.cond(
                AdminState.can_users_update,
                # A native select: 25 rows of Radix selects cost ~100 ms of rendering.
                rx.el.select(
                    rx.foreach(UsersState.role_names, lambda n: rx.el.option(n, value=n)),
                    value=row.role,
                    on_change=lambda v: UsersState.change_role(row.id, v),
                    class_name="role-select",
                    aria_label=t("admin.col.role"),
                ),
                rx.badge(row.role),
            )
        ),
        plain_cell(plain_text(row.balance, size="2", extra="user-balance")),
        plain_cell(
            plain_switch(
                row.enabled,
                AdminState.can_users_update,
                UsersState.set_enabled(row.id, ~row.enabled),
                t("admin.col.enabled"),
            )
        ),
        plain_cell(plain_text(row.active), extra="wide-only"),
        plain_cell(plain_text(row.created), extra="wide-only"),
        plain_cell(
            rx.cond(
                AdminState.can_balance_read,
                rx.el.button(
                    rx.el.span(class_name="icon-coins"),
                    rx.el.span(t("admin.balance.edit"), class_name="wide-label"),
                    type="button",
                    class_name="rt-reset rt-BaseButton rt-r-size-1 rt-variant-soft rt-Button"
                    " open-balance",
                    aria_label=t("admin.balance.edit"),
                    on_click=BalanceState.open_balance(row.id),
                ),
            )
        ),
        class_name="rt-TableRow user-row",
        data_email=row.email,
    )


def users_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=14)),
                placeholder=t("admin.search_users"),
                value=UsersState.query,
                on_change=UsersState.search_users.debounce(300),
                width="100%",
                max_width="420px",
                id="user-search",
            ),
            rx.spacer(),
            rx.text(UsersState.total, " ", t("admin.users_total"), size="2", id="user-total"),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.box(
            table(
                [
                    _sort_header("admin.col.user", "email"),
                    _sort_header("admin.col.role", "role"),
                    _sort_header("admin.col.balance", "balance"),
                    "admin.col.enabled",
                    _sort_header("admin.col.active", "active", extra="wide-only"),
                    _sort_header("admin.col.created", "created", extra="wide-only"),
                    "admin.col.actions",
                ],
                UsersState.rows,
                _user_row,
            ),
            width="100%",
            overflow_x="auto",
        ),
        rx.hstack(
            rx.button(
                t("admin.prev"),
                size="1",
                variant="soft",
                disabled=UsersState.page == 0,
                on_click=UsersState.go_page(-1),
            ),
            rx.text(t("admin.page"), " ", UsersState.page + 1, size="2"),
            rx.button(
                t("admin.next"),
                size="1",
                variant="soft",
                id="next-page",
                disabled=(UsersState.page + 1) * PAGE_SIZE >= UsersState.total,
                on_click=UsersState.go_page(1),
            ),
            align="center",
        ),
        balance_dialog(),
        width="100%",
        spacing="3",
    )
