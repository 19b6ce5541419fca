"""The users screen: search, the sortable user list, pages, and the confirmation a role
change asks for."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from metogpt.components.forms import confirm_dialog
from metogpt.components.tables import (
    empty_note,
    plain_cell,
    plain_switch,
    plain_text,
    sort_header,
    table,
)
from metogpt.pages.admin.balances import balance_dialog
from metogpt.state.admin import AdminState, BalanceState, UsersState
from metogpt.state.admin.users import UserRow
from metogpt.state.lang import t, tf, tn


def _sort_header(label_key: str, column: str) -> rx.Component:
    return sort_header(
        label_key,
        UsersState.sort == column,
        UsersState.descending,
        UsersState.sort_by(column),
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
                # A native select: 25 rows of Radix selects cost ~100 ms of rendering. Its
                # value follows the row, so it shows the current role until a change is
                # confirmed (and again when it is cancelled).
                rx.el.select(
                    rx.foreach(UsersState.role_names, lambda n: rx.el.option(n, value=n)),
                    value=row.role,
                    on_change=lambda v: UsersState.ask_role(row.id, v),
                    class_name="role-select",
                    aria_label=t("admin.col.role"),
                ),
                rx.badge(row.role),
            ),
            label=t("admin.col.role"),
        ),
        plain_cell(
            plain_text(row.balance, size="2", extra="user-balance"), label=t("admin.col.balance")
        ),
        plain_cell(
            plain_switch(
                row.enabled,
                AdminState.can_users_update,
                UsersState.set_enabled(row.id, ~row.enabled),
                t("admin.col.enabled"),
            ),
            label=t("admin.col.enabled"),
        ),
        plain_cell(
            rx.cond(
                row.active,
                plain_text(row.active, extra="user-active"),
                plain_text(t("admin.never_active"), gray=True, extra="user-active"),
            ),
            label=t("admin.col.active"),
        ),
        plain_cell(plain_text(row.created), label=t("admin.col.created")),
        plain_cell(
            rx.cond(
                AdminState.can_balance_read,
                rx.el.button(
                    rx.el.span(class_name="icon-coins"),
                    t("admin.balance.edit"),
                    type="button",
                    class_name="rt-reset rt-BaseButton rt-r-size-1 rt-variant-soft rt-Button"
                    " open-balance",
                    on_click=BalanceState.open_balance(row.id),
                ),
            ),
            label="",
            extra="row-actions",
        ),
        class_name="rt-TableRow user-row",
        data_email=row.email,
    )


def _role_dialog() -> rx.Component:
    """Asked before a role picked in the table is given; it names the user, the new role
    and what that role may do. OK is a plain button: confirm_role closes the dialog itself,
    by clearing the pending user."""
    role = UsersState.pending_role
    return confirm_dialog(
        t("admin.confirm.title"),
        rx.alert_dialog.description(
            tf(
                "admin.confirm.body",
                user=UsersState.pending_who,
                role=role,
                old=UsersState.pending_old,
            ),
            size="2",
        ),
        (t("admin.confirm.ok"), UsersState.confirm_role, "role-confirm-ok"),
        t("admin.confirm.cancel"),
        UsersState.pending_user != "",
        danger=False,
        details=rx.cond(
            UsersState.pending_powers_known,
            rx.cond(
                UsersState.pending_powers.length() > 0,
                rx.callout.root(
                    rx.callout.text(tf("admin.confirm.powers", role=role)),
                    rx.el.ul(
                        rx.foreach(
                            UsersState.pending_powers,
                            lambda p: rx.el.li(p, class_name="rt-Text rt-r-size-2"),
                        ),
                        class_name="power-list",
                    ),
                    color_scheme="amber",
                    size="1",
                    id="role-confirm-powers",
                    margin_top="0.75em",
                ),
                rx.text(
                    tf("admin.confirm.no_powers", role=role),
                    size="2",
                    color_scheme="gray",
                    as_="p",
                    margin_top="0.75em",
                ),
            ),
        ),
        on_open_change=UsersState.role_dialog_changed,
        cancel_props={"id": "role-confirm-cancel"},
        id="role-confirm",
        max_width="460px",
    )


def users_tab() -> rx.Component:
    return rx.vstack(
        rx.flex(
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
            rx.text(tn("admin.n.users", UsersState.total), size="2", id="user-total"),
            width="100%",
            align="center",
            wrap="wrap",
            spacing="2",
        ),
        rx.box(
            table(
                [
                    _sort_header("admin.col.user", "email"),
                    _sort_header("admin.col.role", "role"),
                    _sort_header("admin.col.balance", "balance"),
                    "admin.col.enabled",
                    _sort_header("admin.col.active", "active"),
                    _sort_header("admin.col.created", "created"),
                    "admin.col.actions",
                ],
                UsersState.rows,
                _user_row,
            ),
            empty_note(
                UsersState.loaded & (UsersState.rows.length() == 0),
                rx.cond(
                    UsersState.query != "",
                    tf("admin.empty.search", query=UsersState.query),
                    t("admin.empty.users"),
                ),
                "users-empty",
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
            rx.text(
                tf("admin.page_of", page=UsersState.page + 1, pages=UsersState.pages),
                size="2",
                id="page-of",
            ),
            rx.button(
                t("admin.next"),
                size="1",
                variant="soft",
                id="next-page",
                disabled=UsersState.page + 1 >= UsersState.pages,
                on_click=UsersState.go_page(1),
            ),
            align="center",
        ),
        _role_dialog(),
        balance_dialog(),
        width="100%",
        spacing="3",
    )
