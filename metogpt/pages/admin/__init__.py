"""/admin — the dashboard's frame: one tab per screen (users, roles, usage; the balance
dialog belongs to users), each in its own module. Each control shows only for those
allowed; the server refuses the rest anyway."""

from __future__ import annotations

import reflex as rx

from metogpt.components.forms import error_callout
from metogpt.pages.admin.packages import packages_tab
from metogpt.pages.admin.payments import payments_tab
from metogpt.pages.admin.roles import roles_tab
from metogpt.pages.admin.usage import usage_tab
from metogpt.pages.admin.users import users_tab
from metogpt.pages.layout import signed_in
from metogpt.state.admin import AdminState
from metogpt.state.lang import t


def _tabs() -> rx.Component:
    return rx.tabs.root(
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
            rx.cond(
                AdminState.can_balance_read,
                rx.fragment(
                    rx.tabs.trigger(t("admin.tab.packages"), value="packages", id="tab-packages"),
                    rx.tabs.trigger(t("admin.tab.payments"), value="payments", id="tab-payments"),
                ),
            ),
            class_name="admin-tabs",
        ),
        value=AdminState.tab,
        on_change=AdminState.set_tab,
        # The value follows the server, so with automatic activation a click fired
        # on_change twice (mousedown, then focus) and loaded the tab twice
        # (bench/admin_first_screen.py); manual activates on click/Enter only.
        activation_mode="manual",
        width="100%",
    )


@signed_in
def admin_page() -> rx.Component:
    return rx.vstack(
        rx.heading(t("admin.title"), size="6"),
        rx.cond(
            AdminState.can_admin,
            rx.vstack(
                _tabs(),
                # Saves and the tables' refusals are toasts; a dialog or the role editor
                # shows its own problem where the person is working.
                error_callout(AdminState.load_problem),
                rx.match(
                    AdminState.tab,
                    ("users", users_tab()),
                    ("roles", roles_tab()),
                    ("usage", usage_tab()),
                    ("packages", packages_tab()),
                    ("payments", payments_tab()),
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
