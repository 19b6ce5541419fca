"""The roles screen: the role list and the role editor."""

from __future__ import annotations

import reflex as rx
from reflex.vars import NumberVar, ObjectVar

from metogpt.components.forms import error_callout
from metogpt.components.tables import table
from metogpt.pages.admin.grant_field import grant_field
from metogpt.services.permissions import CATALOG
from metogpt.services.roles import EditorModel
from metogpt.state.admin import AdminState, RolesState
from metogpt.state.admin.roles import RoleRow
from metogpt.state.lang import t


def _role_row(r: ObjectVar[RoleRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.text(r.name, weight="medium"),
                rx.cond(r.system, rx.badge(t("admin.roles.system"), size="1")),
            )
        ),
        rx.table.cell(r.users),
        rx.table.cell(r.perms),
        rx.table.cell(r.models),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    t("admin.roles.edit"),
                    size="1",
                    variant="soft",
                    on_click=RolesState.edit_role(r.name),
                ),
                rx.cond(
                    AdminState.can_roles_delete & ~r.system,
                    rx.button(
                        t("admin.roles.delete"),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=RolesState.delete_role(r.name),
                    ),
                ),
            )
        ),
        class_name="role-row",
        data_role=r.name,
    )


def _perm_matrix() -> rx.Component:
    return rx.vstack(
        *[
            rx.hstack(
                rx.text(ptype, size="1", weight="bold", width="170px"),
                *[
                    rx.checkbox(
                        action,
                        checked=RolesState.role_perms[f"{ptype}.{action}"],
                        on_change=lambda v, k=f"{ptype}.{action}": RolesState.toggle_perm(k, v),
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


def _model_row(m: ObjectVar[EditorModel], i: NumberVar[int]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m.model),
        rx.table.cell(
            rx.checkbox(
                checked=m.enabled,
                on_change=lambda v: RolesState.set_model_enabled(i, v),
            )
        ),
        rx.table.cell(
            rx.input(
                value=m.coefficient,
                size="1",
                width="90px",
                input_mode="decimal",
                on_change=lambda v: RolesState.set_model_coefficient(i, v),
            )
        ),
        data_model=m.model,
        class_name="model-row",
    )


def role_editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.cond(
                RolesState.role_is_new,
                rx.input(
                    value=RolesState.role_name,
                    on_change=RolesState.set_role_name,
                    placeholder=t("admin.roles.name"),
                    id="role-name",
                ),
                rx.heading(RolesState.role_name, size="4"),
            ),
            rx.text(t("admin.roles.permissions"), weight="bold", size="2"),
            _perm_matrix(),
            rx.text(t("admin.roles.escalation_hint"), size="1", color_scheme="gray"),
            rx.text(t("admin.roles.models"), weight="bold", size="2"),
            table(
                ["chat.model", "admin.roles.enabled", "admin.roles.coefficient"],
                RolesState.role_models,
                _model_row,
            ),
            grant_field(),
            error_callout(AdminState.problem),
            rx.hstack(
                rx.button(
                    t("chat.cancel"),
                    variant="soft",
                    color_scheme="gray",
                    on_click=RolesState.close_role,
                ),
                rx.button(
                    t("admin.roles.save"),
                    on_click=RolesState.save_role,
                    id="role-save",
                    disabled=rx.cond(
                        RolesState.role_is_new,
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
                    on_click=RolesState.new_role,
                    id="new-role",
                ),
            ),
            rx.text(t("admin.roles.in_use_hint"), size="1", color_scheme="gray"),
            align="center",
            wrap="wrap",
        ),
        rx.cond(RolesState.editing_role != "", role_editor()),
        rx.box(
            table(
                [
                    "admin.roles.name",
                    "admin.roles.users",
                    "admin.roles.permissions",
                    "admin.roles.models",
                    "admin.col.actions",
                ],
                RolesState.role_list,
                _role_row,
            ),
            width="100%",
            overflow_x="auto",
        ),
        width="100%",
        spacing="3",
    )
