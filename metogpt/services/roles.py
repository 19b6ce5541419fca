"""Roles: the seeded three, validation of names, permissions and model access, and the
create / update / delete rules (no escalation, never lock out, in-use roles stay)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from metogpt.models import Meta, Role, User, utcnow
from metogpt.services import coefficients, grants, permissions
from metogpt.services.catalog import Catalog, get_catalog
from metogpt.services.errors import Conflict, ErrorCode, InvalidInput, NotFound
from metogpt.services.gateway import limits as gateway_limits
from metogpt.services.permissions import Permissions

ADMIN, USER, PRO = "ADMIN", "USER", "PRO"
SYSTEM_ROLES = frozenset({ADMIN, USER})
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")  # used with fullmatch: "$" allows "\n"
_SEEDED_KEY = "roles_seeded"

_SEED: dict[str, dict[str, dict[str, Any]]] = {
    ADMIN: {},  # every catalog model at 1.0 unless set: see effective_model_access
    USER: {"gpt-3.5-turbo": {"enabled": True, "coefficient": "1"}},
    PRO: {
        "gpt-3.5-turbo": {"enabled": True, "coefficient": "1"},
        "gpt-4": {"enabled": True, "coefficient": "1.5"},
        "claude-3": {"enabled": True, "coefficient": "1.8"},
    },
}


@dataclass(frozen=True)
class ModelGrant:
    enabled: bool
    coefficient: str


@dataclass(frozen=True)
class RoleView:
    name: str
    permissions: Permissions
    model_access: dict[str, ModelGrant]
    user_count: int
    system: bool
    grant: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    api_limits: dict[str, int] | None = None


def seed_roles(session: Session) -> None:
    """Create the seeded roles once per installation. Later starts never touch them again,
    so an admin's edits (or deletion of PRO) survive restarts; ADMIN and USER, which can
    never be deleted, are re-created only if somehow missing."""
    seeded = session.get(Meta, _SEEDED_KEY) is not None
    for name, access in _SEED.items():
        if seeded and name not in SYSTEM_ROLES:
            continue
        if session.get(Role, name) is None:
            matrix = permissions.full_matrix() if name == ADMIN else permissions.empty_matrix()
            session.add(
                Role(
                    name=name,
                    name_key=name.lower(),
                    permissions=matrix,
                    model_access=access,
                    system=name in SYSTEM_ROLES,
                )
            )
    if not seeded:
        session.add(Meta(key=_SEEDED_KEY, value=utcnow().isoformat()))
    session.flush()


def validate_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise InvalidInput(
            "role name must be 1–32 letters, digits, '_' or '-', starting with a letter"
        )
    return name


def parse_model_access(raw: Any, catalog: Catalog) -> dict[str, dict[str, Any]]:
    """Validate `{model: {enabled, coefficient}}` against the catalog."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("modelAccess must be an object of {model: {enabled, coefficient}}")
    result: dict[str, dict[str, Any]] = {}
    for model, entry in raw.items():
        if catalog.get(model) is None:
            raise InvalidInput(f"unknown model: {str(model)[:64]!r}", code=ErrorCode.UNKNOWN_MODEL)
        if not isinstance(entry, Mapping):
            raise InvalidInput(f"modelAccess.{model} must be an object {{enabled, coefficient}}")
        unknown = set(entry) - {"enabled", "coefficient"}
        if unknown:
            raise InvalidInput(f"modelAccess.{model}: unknown field {sorted(unknown)[0][:64]!r}")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise InvalidInput(f"modelAccess.{model}.enabled must be true or false")
        coefficient = coefficients.parse(
            entry.get("coefficient", 1), where=f"modelAccess.{model}.coefficient"
        )
        result[model] = {"enabled": enabled, "coefficient": coefficient}
    return result


def effective_model_access(role: Role, catalog: Catalog | None = None) -> dict[str, ModelGrant]:
    """What the role may use, in catalog order. ADMIN gets every catalog model at 1.0
    unless its own entry says otherwise; models no longer in the catalog drop out."""
    catalog = catalog or get_catalog()
    stored = role.model_access or {}
    result: dict[str, ModelGrant] = {}
    for model in catalog.names():
        entry = stored.get(model)
        if entry is not None:
            result[model] = ModelGrant(bool(entry["enabled"]), str(entry["coefficient"]))
        elif role.name == ADMIN:
            result[model] = ModelGrant(True, "1")
    return result


def enabled_models(role: Role, catalog: Catalog | None = None) -> dict[str, str]:
    """model -> coefficient for the models this role may use."""
    return enabled_for(role.name, role.model_access or {}, catalog)


def enabled_for(
    name: str, stored: Mapping[str, Any], catalog: Catalog | None = None
) -> dict[str, str]:
    """enabled_models of a role known by its name and stored model_access (the API's hot
    path reads them with plain SQL, services/keys.py)."""
    catalog = catalog or get_catalog()
    result: dict[str, str] = {}
    for model in catalog.names():
        entry = stored.get(model)
        if entry is not None:
            if entry["enabled"]:
                result[model] = str(entry["coefficient"])
        elif name == ADMIN:
            result[model] = "1"
    return result


def _user_count(session: Session, name: str) -> int:
    return session.exec(select(func.count()).select_from(User).where(User.role == name)).one()


def _view(session: Session, role: Role, count: int | None = None) -> RoleView:
    return RoleView(
        name=role.name,
        permissions=permissions.normalize(role.permissions),
        model_access=effective_model_access(role),
        user_count=_user_count(session, role.name) if count is None else count,
        system=role.system,
        grant=role.grant_policy,
        created_at=role.created_at,
        updated_at=role.updated_at,
        api_limits=role.api_limits,
    )


def get(session: Session, name: str) -> Role:
    # A name no role can have is not looked up (PostgreSQL would choke on a NUL in it).
    role = session.get(Role, name) if isinstance(name, str) and NAME_RE.fullmatch(name) else None
    if role is None:
        raise NotFound(f"role {str(name)[:64]!r} does not exist", code=ErrorCode.ROLE_NOT_FOUND)
    return role


# The order of the role list and of the role picker: oldest first (the seeded roles lead).
_LISTING = (col(Role.created_at), col(Role.name))


def list_roles(session: Session, actor: permissions.Actor) -> list[RoleView]:
    actor.require("ROLE_MANAGEMENT", "READ")
    counts = dict(session.exec(select(User.role, func.count()).group_by(User.role)).all())
    roles = session.exec(select(Role).order_by(*_LISTING)).all()
    return [_view(session, r, counts.get(r.name, 0)) for r in roles]


def names(session: Session, actor: permissions.Actor) -> list[str]:
    """The role names in list_roles' order, without its per-role user counts (which read
    the whole user table): what a role picker needs."""
    actor.require("ROLE_MANAGEMENT", "READ")
    return list(session.exec(select(Role.name).order_by(*_LISTING)).all())


def view(session: Session, actor: permissions.Actor, name: str) -> RoleView:
    actor.require("ROLE_MANAGEMENT", "READ")
    return _view(session, get(session, name))


KEEP: Any = object()  # update(): leave the grant as it is


def _grant(
    actor: permissions.Actor, raw: Any, current: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """A periodic grant mints credits: changing one needs the balance power as well."""
    policy = grants.parse_policy(raw)
    if policy != current:
        actor.require("BALANCE_MANAGEMENT", "UPDATE")
    return policy


def create(
    session: Session,
    actor: permissions.Actor,
    name: Any,
    perms: Any,
    model_access: Any,
    grant: Any = None,
    api_limits: Any = None,
) -> RoleView:
    actor.require("ROLE_MANAGEMENT", "CREATE")
    name = validate_name(name)
    matrix = permissions.normalize(perms if perms is not None else {})
    access = parse_model_access(model_access if model_access is not None else {}, get_catalog())
    permissions.require_no_escalation(actor.permissions, matrix, f"role {name}")
    clash = session.exec(select(Role.name).where(Role.name_key == name.lower())).first()
    if clash is not None:
        raise Conflict(f"a role named {clash!r} already exists", code=ErrorCode.ROLE_EXISTS)
    policy = _grant(actor, grant)
    role = Role(
        name=name,
        name_key=name.lower(),
        permissions=matrix,
        model_access=access,
        grant_policy=policy,
        api_limits=gateway_limits.parse(api_limits),
    )
    session.add(role)
    try:
        session.flush()
    except IntegrityError:  # a concurrent create of the same name won the race
        raise Conflict(
            f"a role named {name!r} already exists", code=ErrorCode.ROLE_EXISTS
        ) from None
    return _view(session, role, 0)


def update(
    session: Session,
    actor: permissions.Actor,
    name: str,
    perms: Any = None,
    model_access: Any = None,
    grant: Any = KEEP,
    api_limits: Any = KEEP,
) -> RoleView:
    actor.require("ROLE_MANAGEMENT", "UPDATE")
    role = get(session, name)
    current = permissions.normalize(role.permissions)
    # Touching a role that holds powers you lack would let you re-shape it: refused too.
    permissions.require_no_escalation(actor.permissions, current, f"role {role.name}")
    if perms is not None:
        matrix = permissions.normalize(perms)
        if role.name == ADMIN and matrix != permissions.full_matrix():
            raise Conflict("ADMIN keeps every permission", code=ErrorCode.ADMIN_PERMISSIONS)
        permissions.require_no_escalation(actor.permissions, matrix, f"role {role.name}")
        role.permissions = matrix
    if model_access is not None:
        role.model_access = parse_model_access(model_access, get_catalog())
    if grant is not KEEP:
        role.grant_policy = _grant(actor, grant, role.grant_policy)
    if api_limits is not KEEP:
        role.api_limits = gateway_limits.parse(api_limits)
    role.updated_at = utcnow()
    session.add(role)
    session.flush()
    return _view(session, role)


def delete(session: Session, actor: permissions.Actor, name: str) -> None:
    actor.require("ROLE_MANAGEMENT", "DELETE")
    role = get(session, name)
    if role.system or role.name in SYSTEM_ROLES:
        raise Conflict(
            f"{role.name} is a system role and cannot be deleted", code=ErrorCode.SYSTEM_ROLE
        )
    permissions.require_no_escalation(
        actor.permissions, permissions.normalize(role.permissions), f"role {role.name}"
    )
    count = _user_count(session, role.name)
    if count:
        raise Conflict(
            f"role {role.name} is assigned to {count} user(s)",
            code=ErrorCode.ROLE_IN_USE,
            user_count=count,
        )
    session.delete(role)
    try:
        session.flush()
    except IntegrityError:  # a user was given this role meanwhile
        raise Conflict(f"role {role.name} is in use", code=ErrorCode.ROLE_IN_USE) from None
