"""The permission catalog and the checks every privileged caller goes through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metogpt.services.errors import ErrorCode, Forbidden, InvalidInput

CATALOG: dict[str, tuple[str, ...]] = {
    "USER_MANAGEMENT": ("READ", "UPDATE"),
    "ROLE_MANAGEMENT": ("READ", "CREATE", "UPDATE", "DELETE"),
    "BALANCE_MANAGEMENT": ("READ", "UPDATE"),
    "ANALYTICS": ("READ",),
}

Permissions = dict[str, dict[str, bool]]
Grant = tuple[str, str]


def empty_matrix() -> Permissions:
    return {ptype: dict.fromkeys(actions, False) for ptype, actions in CATALOG.items()}


def full_matrix() -> Permissions:
    return {ptype: dict.fromkeys(actions, True) for ptype, actions in CATALOG.items()}


def normalize(raw: Any) -> Permissions:
    """Validate `{TYPE: {ACTION: bool}}` and return the full matrix (missing = false)."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("permissions must be an object of {TYPE: {ACTION: bool}}")
    matrix = empty_matrix()
    for ptype, actions in raw.items():
        if ptype not in CATALOG:
            raise InvalidInput(f"unknown permission type: {str(ptype)[:64]!r}")
        if not isinstance(actions, Mapping):
            raise InvalidInput(f"permissions.{ptype} must be an object of {{ACTION: bool}}")
        for action, value in actions.items():
            if action not in CATALOG[ptype]:
                raise InvalidInput(f"unknown action {str(action)[:64]!r} for {ptype}")
            if not isinstance(value, bool):
                raise InvalidInput(f"permissions.{ptype}.{action} must be true or false")
            matrix[ptype][action] = value
    return matrix


def grants(matrix: Mapping[str, Mapping[str, bool]]) -> frozenset[Grant]:
    return frozenset(
        (ptype, action)
        for ptype, actions in matrix.items()
        for action, allowed in actions.items()
        if allowed
    )


def has(matrix: Mapping[str, Mapping[str, bool]], ptype: str, action: str) -> bool:
    if action not in CATALOG.get(ptype, ()):
        raise ValueError(f"not in the permission catalog: {ptype}.{action}")
    return bool(matrix.get(ptype, {}).get(action, False))


def require(matrix: Mapping[str, Mapping[str, bool]], ptype: str, action: str) -> None:
    if not has(matrix, ptype, action):
        raise Forbidden(
            f"this needs the {ptype}.{action} permission",
            code=ErrorCode.FORBIDDEN,
            permission=f"{ptype}.{action}",
        )


def require_no_escalation(
    actor: Mapping[str, Mapping[str, bool]], target: Mapping[str, Mapping[str, bool]], what: str
) -> None:
    """Nobody hands out (or touches) a permission they do not hold themselves."""
    missing = sorted(grants(target) - grants(actor))
    if missing:
        names = ", ".join(f"{t}.{a}" for t, a in missing)
        raise Forbidden(
            f"{what} holds permissions you do not have: {names}",
            code=ErrorCode.ESCALATION,
            missing=[f"{t}.{a}" for t, a in missing],
        )


@dataclass(frozen=True)
class Actor:
    """Who is acting, as loaded from the database for this very request."""

    user_id: str
    role: str
    permissions: Permissions

    def can(self, ptype: str, action: str) -> bool:
        return has(self.permissions, ptype, action)

    def require(self, ptype: str, action: str) -> None:
        require(self.permissions, ptype, action)


def can_open_admin(actor: Actor) -> bool:
    """The admin area opens for anyone who may read at least one of its screens."""
    return any(actor.can(ptype, "READ") for ptype in CATALOG if "READ" in CATALOG[ptype])
