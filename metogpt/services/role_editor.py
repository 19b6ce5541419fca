"""The dashboard's role editor: its form as the person types it (permission boxes, the model
table, the periodic grant, the API limits), decoded and saved through the same rules as
`/api/admin/roles` (services/roles.py). A refusal names the field it is about."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from metogpt.services import coefficients, grants, permissions
from metogpt.services.catalog import get_catalog
from metogpt.services.errors import ErrorCode, InvalidInput, ServiceError
from metogpt.services.gateway import limits as gateway_limits
from metogpt.services.roles import ADMIN, RoleView, create, update, validate_name

# Spaces people type between thousands ("10 000", with a no-break or narrow one in Russian).
_SPACES = str.maketrans("", "", " \u00a0\u202f")


@dataclass
class EditorModel:
    """One row of the role editor's model table, as the person edits it."""

    model: str
    enabled: bool
    coefficient: str  # as typed: checked by save_from_editor


@dataclass
class LimitsForm:
    """The editor's API limits (services/gateway/limits.py) as typed, per minute: requests
    and tokens per user and per key, "" for no limit. `apiLimits` in the REST API."""

    user_rpm: str = ""
    user_tpm: str = ""
    key_rpm: str = ""
    key_tpm: str = ""

    @classmethod
    def of(cls, limits: dict[str, int] | None) -> LimitsForm:
        stored = limits or {}
        return cls(**{name: str(stored[name]) for name in gateway_limits.NAMES if name in stored})

    def limits(self) -> dict[str, int] | None:
        """What the role stores (None: no limits); a refusal names the field, "limit:<name>"."""
        given: dict[str, int] = {}
        for name in gateway_limits.NAMES:
            raw = str(getattr(self, name)).translate(_SPACES)
            if not raw:
                continue
            value = int(raw) if raw.isascii() and raw.isdigit() else 0
            if not 1 <= value <= gateway_limits.MAX_LIMIT:
                raise InvalidInput(
                    f"{name} must be a whole number from 1 to {gateway_limits.MAX_LIMIT:,},"
                    " or empty for no limit",
                    code=ErrorCode.BAD_API_LIMITS,
                    field=f"limit:{name}",
                )
            given[name] = value
        return gateway_limits.parse(given)


@dataclass
class EditorForm:
    """The role editor's form: `perms` keyed "TYPE.ACTION", every catalog model a row, the
    periodic grant and the API limits (stored through the same checks as
    `/api/admin/roles`' `grant` and `apiLimits`)."""

    perms: dict[str, bool]
    models: list[EditorModel]
    grant: grants.GrantForm = field(default_factory=grants.GrantForm)
    limits: LimitsForm = field(default_factory=LimitsForm)


def editor_form(view: RoleView | None) -> EditorForm:
    """The form for a role (None: a new role, nothing granted)."""
    matrix = view.permissions if view else permissions.empty_matrix()
    access = view.model_access if view else {}
    return EditorForm(
        perms={f"{t}.{a}": v for t, acts in matrix.items() for a, v in acts.items()},
        models=[
            EditorModel(m, access[m].enabled, access[m].coefficient)
            if m in access
            else EditorModel(m, False, "1")
            for m in get_catalog().names()
        ],
        grant=grants.GrantForm.of(view.grant if view else None),
        limits=LimitsForm.of(view.api_limits if view else None),
    )


# Which field of the editor a refusal is about (the `field` detail of the error).
_EDITOR_FIELDS = {
    ErrorCode.ROLE_EXISTS: "name",
    ErrorCode.ESCALATION: "permissions",
    ErrorCode.ADMIN_PERMISSIONS: "permissions",
}


def save_from_editor(
    session: Session, actor: permissions.Actor, name: Any, new: bool, form: EditorForm
) -> RoleView:
    """Create (`new`) or update the role `name` from the editor's form, through the same
    rules as the REST API. Only enabled models are stored, except for ADMIN, which would
    otherwise get a disabled model back by default (see effective_model_access).

    A refusal names the editor's field it is about in its `field` detail ("name",
    "permissions", "model:<model>" or "limit:<name>") and says what is wrong in the editor's words,
    not the API's ("Coefficient for gpt-4 must be …", not "modelAccess.gpt-4…")."""
    if new:
        try:
            validate_name(name)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field="name") from None
    matrix: dict[str, dict[str, Any]] = {}
    for key, value in form.perms.items():
        ptype, _, action = str(key).partition(".")
        matrix.setdefault(ptype, {})[action] = value  # unknown names: normalize refuses
    access: dict[str, dict[str, Any]] = {}
    for row in form.models:
        if row.enabled is True or (not new and name == ADMIN):
            try:
                coefficient = coefficients.parse(row.coefficient)
            except InvalidInput:
                raise InvalidInput(
                    f"Coefficient for {row.model} must be a number above 0 and at most"
                    f" {coefficients.MAX_COEFFICIENT}, with at most 4 decimals",
                    field=f"model:{row.model}",
                    model=row.model,
                ) from None
            access[row.model] = {"enabled": row.enabled, "coefficient": coefficient}
    grant, limits = form.grant.policy(), form.limits.limits()
    try:
        if new:
            return create(session, actor, name, matrix, access, grant, limits)
        return update(session, actor, name, matrix, access, grant, limits)
    except ServiceError as exc:
        if exc.code in _EDITOR_FIELDS:
            exc.details.setdefault("field", _EDITOR_FIELDS[exc.code])
        raise
