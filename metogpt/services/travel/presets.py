"""Presets: a name, a model, a system prompt and sampling parameters, saved to start chats.

A user's own presets are ordered by `position` (they reorder them). Shared presets have no
owner: someone holding ROLE_MANAGEMENT.UPDATE publishes them to chosen roles. A preset
whose model the user's role does not (or no longer) include is listed as unavailable and
`for_chat` refuses it: a chat never silently switches to another model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, func, select

from metogpt.models import Preset, Role, utcnow
from metogpt.services import roles
from metogpt.services.catalog import get_catalog
from metogpt.services.conversations import MAX_SYSTEM_CHARS, storable
from metogpt.services.db import is_key
from metogpt.services.errors import ErrorCode, Forbidden, InvalidInput, NotFound
from metogpt.services.permissions import Actor
from metogpt.services.travel import sampling

MAX_NAME = 100
MAX_PRESETS = 200  # of one user


@dataclass(frozen=True)
class PresetInput:
    name: Any
    model: Any
    system_prompt: Any = ""
    temperature: Any = None
    top_p: Any = None
    max_tokens: Any = None
    position: Any = None  # where to move it among the owner's presets (0 first); None: last
    shared: bool = False
    roles: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class PresetView:
    id: str
    name: str
    model: str
    system_prompt: str
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    position: int
    shared: bool
    roles: list[str]
    available: bool


def _models(session: Session, actor: Actor) -> dict[str, str]:
    role = session.get(Role, actor.role)
    return roles.enabled_models(role) if role else {}


def _view(p: Preset, allowed: dict[str, str]) -> PresetView:
    return PresetView(
        p.id, p.name, p.model, p.system_prompt, p.temperature, p.top_p, p.max_tokens,
        p.position, p.owner_id is None, list(p.roles), p.model in allowed,
    )  # fmt: skip


def visible(session: Session, actor: Actor) -> list[PresetView]:
    """The user's presets in their order, then the shared ones offered to their role (all
    shared ones for who may publish them), each marked available or not."""
    allowed = _models(session, actor)
    own = session.exec(
        select(Preset).where(col(Preset.owner_id) == actor.user_id).order_by(col(Preset.position))
    ).all()
    shared = [
        p
        for p in session.exec(
            select(Preset).where(col(Preset.owner_id).is_(None)).order_by(col(Preset.position))
        )
        if actor.role in p.roles or actor.can("ROLE_MANAGEMENT", "UPDATE")
    ]
    return [_view(p, allowed) for p in [*own, *shared]]


def publishable_roles(session: Session, actor: Actor) -> list[str]:
    """The roles a shared preset can be offered to, for who may publish one (by name);
    nobody else gets any."""
    if not actor.can("ROLE_MANAGEMENT", "UPDATE"):
        return []
    return list(session.exec(select(Role.name).order_by(col(Role.name))).all())


def for_chat_page(session: Session, actor: Actor) -> tuple[list[PresetView], list[str]]:
    """What the chat page's presets control shows, read together: the visible presets and
    the roles the user may offer a shared one to."""
    return visible(session, actor), publishable_roles(session, actor)


def _find(session: Session, actor: Actor, preset_id: Any, *, edit: bool) -> Preset:
    p = session.get(Preset, preset_id) if is_key(preset_id) else None
    if p is not None and p.owner_id is None:
        if edit:
            actor.require("ROLE_MANAGEMENT", "UPDATE")
            return p
        if actor.role in p.roles or actor.can("ROLE_MANAGEMENT", "UPDATE"):
            return p
    if p is None or (p.owner_id is not None and p.owner_id != actor.user_id):
        raise NotFound("preset not found", code=ErrorCode.PRESET_NOT_FOUND)
    return p


def _fill(session: Session, actor: Actor, p: Preset, data: PresetInput) -> None:
    name = " ".join(data.name.split()) if isinstance(data.name, str) else ""
    if not name or len(name) > MAX_NAME:
        raise InvalidInput("a preset name is 1–100 characters", code=ErrorCode.BAD_PRESET_NAME)
    spec = get_catalog().get(data.model) if isinstance(data.model, str) else None
    if spec is None:
        raise InvalidInput(f"unknown model {str(data.model)[:64]!r}", code=ErrorCode.UNKNOWN_MODEL)
    if not data.shared and spec.name not in _models(session, actor):
        raise Forbidden(
            f"your role does not include the model {spec.name!r}", code=ErrorCode.MODEL_NOT_ALLOWED
        )
    if not isinstance(data.system_prompt, str) or len(data.system_prompt) > MAX_SYSTEM_CHARS:
        raise InvalidInput(
            f"a system prompt can be at most {MAX_SYSTEM_CHARS} characters",
            code=ErrorCode.SYSTEM_TOO_LONG,
        )
    params = sampling.check(data.temperature, data.top_p, data.max_tokens, spec)
    p.name, p.model, p.system_prompt = name, spec.name, storable(data.system_prompt)
    p.temperature, p.top_p, p.max_tokens = params.temperature, params.top_p, params.max_tokens
    if data.shared:
        p.roles = _roles(session, data.roles)
    p.updated_at = utcnow()


def _roles(session: Session, names: Any) -> list[str]:
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise InvalidInput("a shared preset needs a list of roles", code=ErrorCode.BAD_ROLES)
    unknown = [n for n in names if session.get(Role, n) is None]
    if unknown:
        raise InvalidInput(f"unknown role {unknown[0][:32]!r}", code=ErrorCode.BAD_ROLES)
    return sorted(set(names))


def _siblings(session: Session, owner_id: str | None) -> list[Preset]:
    owner = col(Preset.owner_id)
    where = owner.is_(None) if owner_id is None else owner == owner_id
    return list(session.exec(select(Preset).where(where).order_by(col(Preset.position))))


def _place(session: Session, p: Preset, position: Any) -> None:
    """Put `p` at `position` among its owner's presets (None: last) and renumber them 0…n."""
    others = [o for o in _siblings(session, p.owner_id) if o.id != p.id]
    if position is None:
        position = len(others)
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise InvalidInput("position must be a whole number ≥ 0", code=ErrorCode.BAD_PARAMETER)
    others.insert(min(position, len(others)), p)
    for i, item in enumerate(others):
        item.position = i
        session.add(item)


def create(session: Session, actor: Actor, data: PresetInput) -> PresetView:
    if data.shared:
        actor.require("ROLE_MANAGEMENT", "UPDATE")
    else:
        owned = session.exec(
            select(func.count()).select_from(Preset).where(col(Preset.owner_id) == actor.user_id)
        ).one()
        if owned >= MAX_PRESETS:
            raise InvalidInput(f"at most {MAX_PRESETS} presets", code=ErrorCode.BAD_PARAMETER)
    p = Preset(owner_id=None if data.shared else actor.user_id, name="", model="")
    _fill(session, actor, p, data)
    session.add(p)
    _place(session, p, data.position)
    session.flush()
    return _view(p, _models(session, actor))


def update(session: Session, actor: Actor, preset_id: Any, data: PresetInput) -> PresetView:
    p = _find(session, actor, preset_id, edit=True)
    _fill(session, actor, p, PresetInput(**{**data.__dict__, "shared": p.owner_id is None}))
    _place(session, p, p.position if data.position is None else data.position)
    session.flush()
    return _view(p, _models(session, actor))


def remove(session: Session, actor: Actor, preset_id: Any) -> None:
    p = _find(session, actor, preset_id, edit=True)
    session.delete(p)


def reorder(session: Session, actor: Actor, preset_ids: list[str]) -> None:
    """The user's own presets in the order given (ids not listed keep their turn after)."""
    own = {p.id: p for p in _siblings(session, actor.user_id)}
    ordered = [own.pop(i) for i in dict.fromkeys(preset_ids) if i in own]
    for i, p in enumerate([*ordered, *sorted(own.values(), key=lambda p: p.position)]):
        p.position = i
        session.add(p)


def for_chat(session: Session, actor: Actor, preset_id: Any) -> PresetView:
    """The preset to start a chat with; refused when its model is not the role's."""
    view = _view(_find(session, actor, preset_id, edit=False), _models(session, actor))
    if not view.available:
        raise Forbidden(
            f"the model {view.model!r} of this preset is not available to your role",
            code=ErrorCode.PRESET_UNAVAILABLE,
        )
    return view
