"""/admin — users, balances, roles and usage. Each control shows only for those allowed;
the server refuses the rest anyway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from metogpt.i18n import t
from metogpt.pages.components import error_callout
from metogpt.pages.layout import signed_in
from metogpt.services.permissions import CATALOG
from metogpt.state.admin import PAGE_SIZE, RANGES, AdminState


def _table(
    headers: list[str | rx.Component],
    rows: rx.Var,
    render: Callable[[rx.Var], rx.Component],
) -> rx.Component:
    """A compact table: header cells from i18n keys (or ready cells), one row per item."""
    cells = [rx.table.column_header_cell(t(h)) if isinstance(h, str) else h for h in headers]
    return rx.table.root(
        rx.table.header(rx.table.row(*cells)),
        rx.table.body(rx.foreach(rows, render)),
        size="1",
        width="100%",
    )


# ---- users --------------------------------------------------------------------------------


def _sort_header(label_key: str, column: str, extra: str = "") -> rx.Component:
    """What rx.table.column_header_cell holding an rx.hstack renders, as plain elements."""
    return rx.el.th(
        rx.el.div(
            t(label_key),
            # Two fixed icons: an icon named by a Var makes Reflex bundle a loader for
            # every Lucide icon (200 KB more of script for a new tab to evaluate).
            rx.cond(
                AdminState.sort == column,
                rx.cond(
                    AdminState.descending,
                    rx.icon("chevron-down", size=14),
                    rx.icon("chevron-up", size=14),
                ),
            ),
            class_name="rt-Flex rt-r-ai-center rt-r-gap-1 sortable",
            on_click=AdminState.sort_by(column),
        ),
        class_name=f"rt-TableCell rt-TableColumnHeaderCell {extra}".strip(),
    )


def _cell(*children: rx.Component | rx.Var, extra: str = "") -> rx.Component:
    return rx.el.td(*children, class_name=f"rt-TableCell {extra}".strip())


def _text(value: rx.Var, size: str = "1", gray: bool = False, extra: str = "") -> rx.Component:
    """What rx.text renders (a Radix Text's classes on a plain element)."""
    return rx.el.div(
        value,
        class_name=f"rt-Text rt-r-size-{size} {extra}".strip(),
        data_accent_color="gray" if gray else None,
    )


def _switch(checked: rx.Var, enabled: rx.Var, on_click: rx.EventSpec) -> rx.Component:
    """What rx.switch renders: a button with role=switch and Radix Themes' classes."""
    state = rx.cond(checked, "checked", "unchecked")
    return rx.el.button(
        rx.el.span(class_name="rt-SwitchThumb", data_state=state),
        type="button",
        role="switch",
        aria_checked=checked,
        data_state=state,
        disabled=~enabled,
        class_name="rt-reset rt-SwitchRoot rt-r-size-2 rt-variant-surface",
        aria_label=t("admin.col.enabled"),
        on_click=on_click,
    )


def _user_row(row: rx.Var) -> rx.Component:
    """One row of the user list: plain elements wearing Radix Themes' classes, styled by
    assets/metogpt.css. They look the same as rx.table.cell, rx.text, rx.switch and
    rx.button but skip those per-element React components and style props, which a new
    browser tab pays for in full (bench/admin_first_screen.py)."""
    return rx.el.tr(
        _cell(
            _text(row["name"], size="2", extra="rt-r-weight-medium"),
            _text(row["email"], gray=True),
        ),
        _cell(
            rx.cond(
                AdminState.can_users_update,
                # A native select: 25 rows of Radix selects cost ~100 ms of rendering.
                rx.el.select(
                    rx.foreach(AdminState.role_names, lambda n: rx.el.option(n, value=n)),
                    value=row["role"].to(str),
                    on_change=lambda v: AdminState.change_role(row["id"], v),
                    class_name="role-select",
                    aria_label=t("admin.col.role"),
                ),
                rx.badge(row["role"]),
            )
        ),
        _cell(_text(row["balance"], size="2", extra="user-balance")),
        _cell(
            _switch(
                row["enabled"].to(bool),
                AdminState.can_users_update,
                AdminState.set_enabled(row["id"], ~row["enabled"].to(bool)),
            )
        ),
        _cell(_text(row["active"]), extra="wide-only"),
        _cell(_text(row["created"]), extra="wide-only"),
        _cell(
            rx.cond(
                AdminState.can_balance_read,
                rx.el.button(
                    rx.el.span(class_name="icon-coins"),
                    rx.el.span(t("admin.balance.edit"), class_name="wide-label"),
                    type="button",
                    class_name="rt-reset rt-BaseButton rt-r-size-1 rt-variant-soft rt-Button"
                    " open-balance",
                    aria_label=t("admin.balance.edit"),
                    on_click=AdminState.open_balance(row["id"]),
                ),
            )
        ),
        class_name="rt-TableRow user-row",
        data_email=row["email"].to(str),
    )


def users_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=14)),
                placeholder=t("admin.search_users"),
                value=AdminState.query,
                on_change=AdminState.search_users.debounce(300),
                width="100%",
                max_width="420px",
                id="user-search",
            ),
            rx.spacer(),
            rx.text(AdminState.total, " ", t("admin.users_total"), size="2", id="user-total"),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.box(
            _table(
                [
                    _sort_header("admin.col.user", "email"),
                    _sort_header("admin.col.role", "role"),
                    _sort_header("admin.col.balance", "balance"),
                    "admin.col.enabled",
                    _sort_header("admin.col.active", "active", extra="wide-only"),
                    _sort_header("admin.col.created", "created", extra="wide-only"),
                    "admin.col.actions",
                ],
                AdminState.rows,
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
                disabled=AdminState.page == 0,
                on_click=AdminState.go_page(-1),
            ),
            rx.text(t("admin.page"), " ", AdminState.page + 1, size="2"),
            rx.button(
                t("admin.next"),
                size="1",
                variant="soft",
                id="next-page",
                disabled=(AdminState.page + 1) * PAGE_SIZE >= AdminState.total,
                on_click=AdminState.go_page(1),
            ),
            align="center",
        ),
        balance_dialog(),
        width="100%",
        spacing="3",
    )


def _ledger_row(e: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(e["time"], size="1")),
        rx.table.cell(rx.badge(e["kind"], size="1")),
        rx.table.cell(rx.text(e["amount"])),
        rx.table.cell(rx.text(e["after"])),
        rx.table.cell(
            rx.text(
                e["model"],
                " ",
                rx.cond(e["tokens"].to(int) > 0, e["tokens"].to(str), ""),
                " ",
                e["reason"],
                size="1",
                color_scheme="gray",
            )
        ),
        class_name="ledger-row",
        data_kind=e["kind"].to(str),
    )


def balance_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("admin.balance.title"), " ", AdminState.balance_user_email),
            rx.vstack(
                rx.text(
                    t("admin.balance.current"),
                    ": ",
                    rx.text.strong(AdminState.balance_user_balance),
                    id="dialog-balance",
                ),
                rx.cond(
                    AdminState.can_balance_update,
                    rx.vstack(
                        rx.segmented_control.root(
                            rx.segmented_control.item(t("admin.balance.set"), value="set"),
                            rx.segmented_control.item(t("admin.balance.adjust"), value="adjust"),
                            value=AdminState.balance_mode,
                            on_change=AdminState.set_balance_mode,
                        ),
                        rx.input(
                            value=AdminState.balance_amount,
                            input_mode="numeric",
                            on_change=AdminState.set_balance_amount,
                            placeholder=t("admin.balance.amount"),
                            id="balance-amount",
                        ),
                        rx.input(
                            value=AdminState.balance_reason,
                            on_change=AdminState.set_balance_reason,
                            placeholder=t("admin.balance.reason"),
                            id="balance-reason",
                        ),
                        rx.button(
                            t("admin.balance.save"),
                            on_click=AdminState.save_balance,
                            id="balance-save",
                        ),
                        width="100%",
                        id="balance-controls",
                    ),
                ),
                error_callout(AdminState.problem),
                rx.heading(t("admin.ledger"), size="3"),
                rx.box(
                    _table(
                        [
                            "admin.ledger.time",
                            "admin.ledger.kind",
                            "admin.ledger.amount",
                            "admin.ledger.after",
                            "admin.ledger.details",
                        ],
                        AdminState.ledger,
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
                    on_click=AdminState.close_balance,
                ),
                width="100%",
            ),
            max_width="720px",
        ),
        open=AdminState.balance_user_id != "",
        on_open_change=AdminState.dialog_open_changed,
    )


# ---- roles --------------------------------------------------------------------------------


def _role_row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.text(r["name"], weight="medium"),
                rx.cond(r["system"].to(bool), rx.badge(t("admin.roles.system"), size="1")),
            )
        ),
        rx.table.cell(r["users"]),
        rx.table.cell(r["perms"]),
        rx.table.cell(r["models"]),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    t("admin.roles.edit"),
                    size="1",
                    variant="soft",
                    on_click=AdminState.edit_role(r["name"]),
                ),
                rx.cond(
                    AdminState.can_roles_delete & ~r["system"].to(bool),
                    rx.button(
                        t("admin.roles.delete"),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=AdminState.delete_role(r["name"]),
                    ),
                ),
            )
        ),
        class_name="role-row",
        data_role=r["name"].to(str),
    )


def _perm_matrix() -> rx.Component:
    return rx.vstack(
        *[
            rx.hstack(
                rx.text(ptype, size="1", weight="bold", width="170px"),
                *[
                    rx.checkbox(
                        action,
                        checked=AdminState.role_perms[f"{ptype}.{action}"],
                        on_change=lambda v, k=f"{ptype}.{action}": AdminState.toggle_perm(k, v),
                        size="1",
                        id=f"perm-{ptype}-{action}",
                    )
                    for action in actions
                ],
                wrap="wrap",
                spacing="3",
            )
            for ptype, actions in CATALOG.items()
        ],
        spacing="2",
    )


def _model_row(m: rx.Var, i: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m["model"]),
        rx.table.cell(
            rx.checkbox(
                checked=m["enabled"].to(bool),
                on_change=lambda v: AdminState.set_model_enabled(i, v),
            )
        ),
        rx.table.cell(
            rx.input(
                value=m["coefficient"].to(str),
                size="1",
                width="90px",
                input_mode="decimal",
                on_change=lambda v: AdminState.set_model_coefficient(i, v),
            )
        ),
        data_model=m["model"].to(str),
        class_name="model-row",
    )


def role_editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.cond(
                AdminState.role_is_new,
                rx.input(
                    value=AdminState.role_name,
                    on_change=AdminState.set_role_name,
                    placeholder=t("admin.roles.name"),
                    id="role-name",
                ),
                rx.heading(AdminState.role_name, size="4"),
            ),
            rx.text(t("admin.roles.permissions"), weight="bold", size="2"),
            _perm_matrix(),
            rx.text(t("admin.roles.escalation_hint"), size="1", color_scheme="gray"),
            rx.text(t("admin.roles.models"), weight="bold", size="2"),
            _table(
                ["chat.model", "admin.roles.enabled", "admin.roles.coefficient"],
                AdminState.role_models,
                _model_row,
            ),
            error_callout(AdminState.problem),
            rx.hstack(
                rx.button(
                    t("chat.cancel"),
                    variant="soft",
                    color_scheme="gray",
                    on_click=AdminState.close_role,
                ),
                rx.button(
                    t("admin.roles.save"),
                    on_click=AdminState.save_role,
                    id="role-save",
                    disabled=rx.cond(
                        AdminState.role_is_new,
                        ~AdminState.can_roles_create,
                        ~AdminState.can_roles_update,
                    ),
                ),
            ),
            width="100%",
        ),
        width="100%",
        max_width="640px",
    )


def roles_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.cond(
                AdminState.can_roles_create,
                rx.button(
                    rx.icon("plus", size=14),
                    t("admin.roles.new"),
                    on_click=AdminState.new_role,
                    id="new-role",
                ),
            ),
            rx.text(t("admin.roles.in_use_hint"), size="1", color_scheme="gray"),
            align="center",
            wrap="wrap",
        ),
        rx.cond(AdminState.editing_role != "", role_editor()),
        rx.box(
            _table(
                [
                    "admin.roles.name",
                    "admin.roles.users",
                    "admin.roles.permissions",
                    "admin.roles.models",
                    "admin.col.actions",
                ],
                AdminState.role_list,
                _role_row,
            ),
            width="100%",
            overflow_x="auto",
        ),
        width="100%",
        spacing="3",
    )


# ---- usage --------------------------------------------------------------------------------


class UsageChart(rx.NoSSRComponent):
    """A bar chart from usage_chart.jsx beside this file. A NoSSRComponent compiles to a
    dynamic import, so recharts loads when the usage tab first shows, not with /admin."""

    library = "$/public" + rx.asset("usage_chart.jsx", shared=True)
    lib_dependencies: list[str] = ["recharts@3.10.1"]  # the version reflex itself pins
    tag = "UsageChart"

    data: rx.Var[list[dict[str, Any]]]
    value_key: rx.Var[str]
    label_key: rx.Var[str]
    series: rx.Var[str]
    height: rx.Var[int]
    vertical: rx.Var[bool]


def _chart(title: str, data: rx.Var, chart_id: str, **props: Any) -> rx.Component:
    return rx.card(
        rx.text(t(title), weight="bold", size="2"),
        rx.cond(
            data.length() > 0,  # type: ignore[attr-defined]
            UsageChart.create(
                data=data,
                value_key=AdminState.metric,
                label_key="key",
                series=rx.cond(
                    AdminState.metric == "tokens", t("admin.usage.tokens"), t("admin.usage.credits")
                ),
                id=chart_id,
                **props,
            ),
            rx.center(rx.text(t("admin.usage.empty"), size="2", color_scheme="gray"), height="8em"),
        ),
        width="100%",
    )


def _figure(label: str, value: rx.Var, figure_id: str) -> rx.Component:
    return rx.card(
        rx.text(t(label), size="1", color_scheme="gray"),
        rx.heading(value, size="5", id=figure_id),
        min_width="9em",
    )


def _top_row(u: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(u["key"]),
        rx.table.cell(u["credits"]),
        rx.table.cell(u["tokens"]),
        rx.table.cell(u["answers"]),
        class_name="top-user",
    )


def usage_tab() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.hstack(
                rx.text(t("admin.usage.range"), size="2"),
                rx.select(
                    list(RANGES),
                    value=AdminState.days,
                    id="usage-range",
                    on_change=AdminState.set_days,
                    size="1",
                ),
                rx.text(t("admin.usage.days"), size="2"),
                align="center",
            ),
            rx.segmented_control.root(
                rx.segmented_control.item(t("admin.usage.credits"), value="credits"),
                rx.segmented_control.item(t("admin.usage.tokens"), value="tokens"),
                value=AdminState.metric,
                on_change=AdminState.set_metric,
                size="1",
                id="usage-metric",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=14),
                t("admin.usage.export"),
                size="1",
                variant="soft",
                on_click=AdminState.export_csv,
                id="export-csv",
            ),
            width="100%",
            align="center",
            gap="3",
            wrap="wrap",
        ),
        rx.flex(
            _figure("admin.usage.credits", AdminState.total_credits, "usage-credits"),
            _figure("admin.usage.tokens", AdminState.total_tokens, "usage-tokens"),
            _figure("admin.usage.answers", AdminState.total_answers, "usage-answers"),
            gap="3",
            wrap="wrap",
        ),
        rx.grid(
            _chart("admin.usage.by_day", AdminState.by_day, "chart-day"),
            _chart("admin.usage.by_model", AdminState.by_model, "chart-model"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        rx.cond(
            AdminState.top_loading,
            rx.center(rx.spinner(size="3"), width="100%", padding="3em", id="top-loading"),
            rx.grid(
                _chart("admin.usage.by_user", AdminState.top_users, "chart-user", vertical=True),
                rx.card(
                    rx.text(t("admin.usage.top"), weight="bold", size="2"),
                    _table(
                        [
                            "admin.col.user",
                            "admin.usage.credits",
                            "admin.usage.tokens",
                            "admin.usage.answers",
                        ],
                        AdminState.top_users,
                        _top_row,
                    ),
                    width="100%",
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
        ),
        width="100%",
        spacing="3",
    )


@signed_in
def admin_page() -> rx.Component:
    return rx.vstack(
        rx.heading(t("admin.title"), size="6"),
        rx.cond(
            AdminState.can_admin,
            rx.vstack(
                rx.tabs.root(
                    rx.tabs.list(
                        rx.cond(
                            AdminState.can_users_read,
                            rx.tabs.trigger(t("admin.tab.users"), value="users", id="tab-users"),
                        ),
                        rx.cond(
                            AdminState.can_roles_read,
                            rx.tabs.trigger(t("admin.tab.roles"), value="roles", id="tab-roles"),
                        ),
                        rx.cond(
                            AdminState.can_analytics,
                            rx.tabs.trigger(t("admin.tab.usage"), value="usage", id="tab-usage"),
                        ),
                    ),
                    value=AdminState.tab,
                    on_change=AdminState.set_tab,
                    # The value follows the server, so with automatic activation a click
                    # fired on_change twice (mousedown, then focus) and loaded the tab twice
                    # (bench/admin_first_screen.py); manual activates on click/Enter only.
                    activation_mode="manual",
                    width="100%",
                ),
                rx.cond(
                    AdminState.notice != "",
                    rx.callout(AdminState.notice, icon="check", color_scheme="green", size="1"),
                ),
                rx.cond(
                    (AdminState.problem != "") & (AdminState.balance_user_id == ""),
                    error_callout(AdminState.problem),
                ),
                rx.match(
                    AdminState.tab,
                    ("users", users_tab()),
                    ("roles", roles_tab()),
                    ("usage", usage_tab()),
                    rx.fragment(),
                ),
                width="100%",
                spacing="3",
            ),
            rx.callout(t("admin.denied"), icon="lock", color_scheme="red"),
        ),
        padding=["0.75em", "1.5em"],
        width="100%",
        max_width="1200px",
        margin_x="auto",
        spacing="4",
    )
