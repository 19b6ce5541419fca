"""The roles screen: the role list and the role editor (permission matrix, model table)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from metogpt import i18n
from metogpt.services import grants, permissions, role_editor, roles
from metogpt.services.errors import ErrorCode, ServiceError
from metogpt.services.gateway import limits as gateway_limits
from metogpt.services.permissions import Actor
from metogpt.state.admin.base import AdminState, screen
from metogpt.state.session import FAILED


@dataclass
class RoleRow:
    name: str
    users: int
    system: bool
    perms: int  # how many permissions it grants
    models: int  # how many models it enables

    @classmethod
    def of(cls, r: roles.RoleView) -> RoleRow:
        return cls(
            name=r.name,
            users=r.user_count,
            system=r.system,
            perms=len(permissions.grants(r.permissions)),
            models=sum(1 for g in r.model_access.values() if g.enabled),
        )


@screen("roles")
class RolesState(AdminState):
    role_list: list[RoleRow] = []
    editing_role: str = ""  # the role in the editor; "+" for a new one; "" when closed
    role_is_new: bool = False
    role_name: str = ""
    role_perms: dict[str, bool] = {}
    role_models: list[role_editor.EditorModel] = []
    # The editor's field the problem is about: "name", "permissions", "model:<model>",
    # "limit:<name>", or "" for the editor as a whole.
    problem_field: str = ""

    def _refused(self, exc: ServiceError) -> None:
        field = exc.details.get("field")
        self.problem_field = field if isinstance(field, str) else ""
        model = exc.details.get("model")
        if exc.code == ErrorCode.INVALID and self.problem_field == "name":
            self.problem = i18n.tr("admin.err.name", self.lang)
        elif exc.code == ErrorCode.INVALID and isinstance(model, str):
            self.problem = i18n.tr("admin.err.coefficient", self.lang, model=model)
        elif exc.code == ErrorCode.BAD_API_LIMITS and self.problem_field.startswith("limit:"):
            self.problem = i18n.tr("admin.err.limit", self.lang)
        else:
            super()._refused(exc)

    role_grant: grants.GrantForm = grants.GrantForm()
    role_limits: role_editor.LimitsForm = role_editor.LimitsForm()

    @staticmethod
    def _allowed(actor: Actor) -> bool:
        return actor.can("ROLE_MANAGEMENT", "READ")

    def _reader(self) -> Callable[[Session, Actor], Any]:
        return roles.list_roles

    def _shown(self, data: list[roles.RoleView]) -> Any:
        self.role_list = [RoleRow.of(r) for r in data]
        return None

    async def _leave(self) -> None:
        self.editing_role = ""

    def _fill_editor(self, name: str, form: role_editor.EditorForm) -> None:
        self.role_name, self.role_perms, self.role_models = name, form.perms, form.models
        self.problem = self.problem_field = ""
        self.role_grant, self.role_limits = form.grant, form.limits

    @rx.event
    async def edit_role(self, name: str):
        view = await self._call(roles.view, name)
        if view is FAILED:
            return self._failed()
        self.editing_role, self.role_is_new = view.name, False
        self._fill_editor(view.name, role_editor.editor_form(view))
        return None

    @rx.event
    def new_role(self):
        self.editing_role, self.role_is_new = "+", True
        self._fill_editor("", role_editor.editor_form(None))

    @rx.event
    def close_role(self):
        self.editing_role = ""

    @rx.event
    def set_role_name(self, value: str):
        self.role_name = value[:64]

    @rx.event
    def toggle_perm(self, key: str, value: bool):
        if key in self.role_perms:
            self.role_perms[key] = bool(value)

    @rx.event
    def set_model_enabled(self, index: int, value: bool):
        if 0 <= index < len(self.role_models):
            row = self.role_models[index]
            self.role_models[index] = dataclasses.replace(row, enabled=bool(value))

    @rx.event
    def set_model_coefficient(self, index: int, value: str):
        if 0 <= index < len(self.role_models):
            row = self.role_models[index]
            self.role_models[index] = dataclasses.replace(row, coefficient=value[:16])

    @rx.event
    def set_grant_field(self, key: str, value: str | bool):
        """The grant field's parts: `on` (a switch), the rest as typed or picked."""
        if key == "on":
            self.role_grant = dataclasses.replace(self.role_grant, on=bool(value))
        elif key in ("amount", "every", "unit", "mode"):
            self.role_grant = dataclasses.replace(self.role_grant, **{key: str(value)[:20]})

    @rx.event
    def set_limit(self, name: str, value: str):
        """One API limit as typed (checked when the role is saved)."""
        if name in gateway_limits.NAMES:
            self.role_limits = dataclasses.replace(self.role_limits, **{name: str(value)[:16]})

    @rx.event
    async def save_role(self):
        # A new role takes the typed name; an edited one keeps its stored name.
        name = self.role_name if self.role_is_new else self.editing_role
        form = role_editor.EditorForm(
            dict(self.role_perms), list(self.role_models), self.role_grant, self.role_limits
        )
        saved = await self._call(
            role_editor.save_from_editor, name, self.role_is_new, form, write=True
        )
        if saved is FAILED:
            return None
        self.editing_role = ""
        await self._refresh()
        return self._done("admin.toast.role_saved", role=saved.name)

    @rx.event
    async def delete_role(self, name: str):
        if await self._call(roles.delete, name, write=True) is FAILED:
            return self._failed()
        self.editing_role = ""
        await self._refresh()
        return self._done("admin.toast.role_deleted", role=name)
