"""The roles screen: the role list and the role editor."""

from __future__ import annotations

import reflex as rx
from reflex.vars import NumberVar, ObjectVar

from metogpt.components.forms import (
    error_callout,
    field_error,
    form_buttons,
    form_card,
    list_toolbar,
)
from metogpt.components.tables import cell, table
from metogpt.pages.admin.grant_field import grant_field
from metogpt.services.gateway.limits import NAMES as LIMITS
from metogpt.services.permissions import CATALOG
from metogpt.services.role_editor import EditorModel
from metogpt.state.admin import AdminState, RolesState
from metogpt.state.admin.roles import RoleRow
from metogpt.state.lang import t, tn


def _role_row(r: ObjectVar[RoleRow]) -> rx.Component:
    return rx.table.row(
        cell(
            None,
            rx.hstack(
                rx.text(r.name, weight="medium"),
                rx.cond(r.system, rx.badge(t("admin.roles.system"), size="1")),
            ),
        ),
        cell("admin.roles.users", tn("admin.n.users", r.users)),
        cell("admin.roles.permissions", tn("admin.n.permissions", r.perms)),
        cell("admin.roles.models", tn("admin.n.models", r.models)),
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
                wrap="wrap",
            ),
            class_name="row-actions",
        ),
        class_name="role-row",
        data_role=r.name,
    )


def _field_error(field: str | rx.Var[str]) -> rx.Component:
    """The editor's problem, next to the field it is about."""
    return field_error(RolesState.problem_field == field, AdminState.problem, data_field=field)


def _perm(ptype: str, action: str) -> rx.Component:
    """One permission: a checkbox with its label and what it allows."""
    key = f"{ptype}.{action}"
    return rx.el.label(
        rx.checkbox(
            checked=RolesState.role_perms[key],
            on_change=lambda v: RolesState.toggle_perm(key, v),
            size="1",
            id=f"perm-{ptype}-{action}",
            margin_top="0.2em",
        ),
        rx.box(
            rx.text(t(f"admin.perm.{key}"), size="2", weight="medium", as_="div"),
            rx.text(t(f"admin.perm.{key}.hint"), size="1", color_scheme="gray", as_="div"),
        ),
        class_name="perm-option",
        data_perm=key,
    )


def _perm_matrix() -> rx.Component:
    return rx.grid(
        *[
            rx.box(
                rx.text(t(f"admin.perm.{ptype}"), size="1", weight="bold", as_="div"),
                rx.vstack(*[_perm(ptype, action) for action in actions], spacing="2"),
                class_name="perm-group",
            )
            for ptype, actions in CATALOG.items()
        ],
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="3",
        width="100%",
        id="perm-matrix",
    )


def _model_row(m: ObjectVar[EditorModel], i: NumberVar[int]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(m.model),
        rx.table.cell(
            rx.checkbox(
                checked=m.enabled,
                on_change=lambda v: RolesState.set_model_enabled(i, v),
                aria_label=t("admin.roles.enabled"),
            )
        ),
        rx.table.cell(
            rx.input(
                value=m.coefficient,
                size="1",
                width="90px",
                input_mode="decimal",
                on_change=lambda v: RolesState.set_model_coefficient(i, v),
                aria_label=t("admin.roles.coefficient"),
            ),
            _field_error(rx.Var.create(f"model:{m.model}")),
        ),
        data_model=m.model,
        class_name="model-row",
    )


def _limit(name: str) -> rx.Component:
    """One API limit per minute: empty for none, a bad value said under its box."""
    return rx.box(
        rx.text(t(f"admin.limits.{name}"), as_="label", size="1", html_for=f"limit-{name}"),
        rx.input(
            value=getattr(RolesState.role_limits, name),
            on_change=lambda v: RolesState.set_limit(name, v),
            input_mode="numeric",
            placeholder=t("admin.limits.none"),
            size="1",
            width="100%",
            id=f"limit-{name}",
        ),
        _field_error(f"limit:{name}"),
        min_width="0",
    )


def _limits() -> rx.Component:
    """The API limits of the OpenAI-compatible API (services/gateway/limits.py)."""
    return rx.vstack(
        rx.text(t("admin.limits.title"), weight="bold", size="2"),
        rx.text(t("admin.limits.hint"), size="1", color_scheme="gray"),
        rx.grid(
            *[_limit(name) for name in LIMITS],
            columns=rx.breakpoints(initial="1", xs="2"),
            spacing="2",
            width="100%",
        ),
        spacing="1",
        width="100%",
        id="limits-field",
    )


def role_editor() -> rx.Component:
    return form_card(
        rx.cond(
            RolesState.role_is_new,
            rx.box(
                rx.input(
                    value=RolesState.role_name,
                    on_change=RolesState.set_role_name,
                    placeholder=t("admin.roles.name"),
                    id="role-name",
                ),
                _field_error("name"),
                width="100%",
            ),
            rx.heading(RolesState.role_name, size="4"),
        ),
        rx.text(t("admin.roles.permissions"), weight="bold", size="2"),
        _perm_matrix(),
        rx.text(t("admin.roles.escalation_hint"), size="1", color_scheme="gray"),
        _field_error("permissions"),
        rx.text(t("admin.roles.models"), weight="bold", size="2"),
        # The model table keeps its columns on a phone: three narrow ones fit.
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell(t("chat.model")),
                    rx.table.column_header_cell(t("admin.roles.enabled")),
                    rx.table.column_header_cell(t("admin.roles.coefficient")),
                )
            ),
            rx.table.body(rx.foreach(RolesState.role_models, _model_row)),
            size="1",
            width="100%",
        ),
        grant_field(),
        _limits(),
        # A refusal no field of the editor is about (shown here only, once).
        rx.cond(RolesState.problem_field == "", error_callout(AdminState.problem)),
        form_buttons(
            RolesState.close_role,
            "admin.roles.save",
            RolesState.save_role,
            "role-save",
            disabled=rx.cond(
                RolesState.role_is_new,
                ~AdminState.can_roles_create,
                ~AdminState.can_roles_update,
            ),
        ),
        id="role-editor",
    )


def roles_tab() -> rx.Component:
    return rx.vstack(
        list_toolbar(
            AdminState.can_roles_create,
            "admin.roles.new",
            RolesState.new_role,
            "new-role",
            "admin.roles.in_use_hint",
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
