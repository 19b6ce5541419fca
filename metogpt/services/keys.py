"""Personal API keys: created by their owner (shown once), listed, revoked; found on every
API request by one indexed lookup (`authenticate`).

A secret is `mgpt-` and 32 random bytes (base64url). Only its SHA-256 is stored: a key
this random cannot be guessed from its hash, so a slow password hash would only slow every
request down. The first characters (`prefix`) are kept in clear to recognise a key in the
list.

Nothing about a key is cached: every request reads the key, its user and the user's role
in one statement (a unique-index lookup and two primary-key joins), so a revocation, an
expiry, a disabled user or a role change apply to the very next request on every worker.
It runs in the transaction that reserves the credits, which a request needs anyway, and
costs ~11 µs of CPU there: a cache could save no more than that (~1% of a request,
bench/README.md) and would need its own invalidation across workers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import func
from sqlmodel import Session, col, select

from metogpt.models import ApiKey, Role, User, utcnow
from metogpt.services import roles, users
from metogpt.services.db import Sql, Tx, is_key
from metogpt.services.errors import ErrorCode, InvalidInput, NotFound, Unauthorized
from metogpt.services.permissions import Actor

SECRET_PREFIX = "mgpt-"
SECRET_BYTES = 32
PREFIX_CHARS = 12  # "mgpt-" and 7 characters of the random part
MAX_KEYS = 50  # live keys per user
MAX_NAME = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class KeyView:
    id: str
    name: str
    prefix: str
    models: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    spent: int

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and _aware(self.expires_at) <= (now or utcnow())


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _view(key: ApiKey) -> KeyView:
    return KeyView(
        key.id,
        key.name,
        key.prefix,
        key.models,
        key.created_at,
        key.expires_at,
        key.last_used_at,
        key.revoked_at,
        key.spent,
    )


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _name(raw: Any) -> str:
    name = raw.strip() if isinstance(raw, str) else ""
    if not name or len(name) > MAX_NAME or _CONTROL.search(name):
        raise InvalidInput(
            f"a key's name is 1-{MAX_NAME} characters, no control characters",
            code=ErrorCode.INVALID_KEY_NAME,
        )
    return name


def _expiry(raw: Any) -> datetime | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raw = None
    if not isinstance(raw, datetime):
        raise InvalidInput("expires_at must be an ISO 8601 moment", code=ErrorCode.INVALID_EXPIRY)
    moment = _aware(raw).astimezone(UTC)
    if moment <= utcnow() or moment.year > 9000:
        raise InvalidInput("expires_at must be in the future", code=ErrorCode.INVALID_EXPIRY)
    return moment


def _models(session: Session, user: User, raw: Any) -> list[str] | None:
    """A subset of what the user's role allows now (None: whatever the role allows)."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(m, str) for m in raw):
        raise InvalidInput("models must be a non-empty list of model names", code=ErrorCode.INVALID)
    role = session.get(Role, user.role)
    allowed = roles.enabled_models(role) if role else {}
    outside = [m for m in raw if m not in allowed]
    if outside:
        raise InvalidInput(
            f"your role does not include the model {outside[0][:64]!r}",
            code=ErrorCode.MODEL_NOT_ALLOWED,
        )
    return list(dict.fromkeys(raw))


def create(
    session: Session, actor: Actor, name: Any, expires_at: Any = None, models: Any = None
) -> tuple[KeyView, str]:
    """A new key of the actor's own; returns it and its secret (never shown again)."""
    user = users.get(session, actor.user_id)
    key_name, expiry, subset = _name(name), _expiry(expires_at), _models(session, user, models)
    live = session.exec(
        select(func.count())
        .select_from(ApiKey)
        .where(ApiKey.user_id == user.id, col(ApiKey.revoked_at).is_(None))
    ).one()
    if live >= MAX_KEYS:
        raise InvalidInput(
            f"at most {MAX_KEYS} keys per user; revoke one first", code=ErrorCode.TOO_MANY_KEYS
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    key = ApiKey(
        user_id=user.id,
        name=key_name,
        prefix=secret[:PREFIX_CHARS],
        secret_hash=digest(secret),
        models=subset,
        expires_at=expiry,
    )
    session.add(key)
    session.flush()
    return _view(key), secret


def _listing(session: Session, user_id: str, with_revoked: bool) -> list[KeyView]:
    query = select(ApiKey).where(ApiKey.user_id == user_id)
    if not with_revoked:
        query = query.where(col(ApiKey.revoked_at).is_(None))
    rows = session.exec(query.order_by(col(ApiKey.created_at).desc(), col(ApiKey.id))).all()
    return [_view(k) for k in rows]


def list_own(session: Session, actor: Actor) -> list[KeyView]:
    """The actor's keys that are not revoked (expired ones included), newest first."""
    return _listing(session, actor.user_id, with_revoked=False)


def list_for_user(session: Session, actor: Actor, user_id: Any) -> list[KeyView]:
    """Any user's keys, revoked ones included (USER_MANAGEMENT.UPDATE)."""
    actor.require("USER_MANAGEMENT", "UPDATE")
    user = users.get(session, user_id)
    return _listing(session, user.id, with_revoked=True)


def _key(session: Session, key_id: Any) -> ApiKey:
    key = session.get(ApiKey, key_id) if is_key(key_id) else None
    if key is None:
        raise NotFound("API key not found", code=ErrorCode.KEY_NOT_FOUND)
    return key


def _revoke(session: Session, key: ApiKey) -> KeyView:
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        session.flush()
    return _view(key)


def revoke_own(session: Session, actor: Actor, key_id: Any) -> KeyView:
    key = _key(session, key_id)
    if key.user_id != actor.user_id:  # someone else's key is not found, not forbidden
        raise NotFound("API key not found", code=ErrorCode.KEY_NOT_FOUND)
    return _revoke(session, key)


def revoke_any(session: Session, actor: Actor, key_id: Any) -> KeyView:
    """Revoke any user's key (USER_MANAGEMENT.UPDATE, and no escalation by proxy)."""
    actor.require("USER_MANAGEMENT", "UPDATE")
    key = _key(session, key_id)
    if key.user_id != actor.user_id:
        users.guard_target(session, actor, users.get(session, key.user_id))
    return _revoke(session, key)


# ---- the hot path: one request of the API ---------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """What a valid key may do right now."""

    key_id: str
    user_id: str
    models: dict[str, str]  # model -> coefficient: the role's, narrowed by the key's list
    limits: Mapping[str, int]  # the role's api_limits


_LOOKUP = Sql(
    "SELECT k.id, k.user_id, k.models, k.expires_at, k.revoked_at, u.enabled, r.name, "
    'r.model_access, r.api_limits FROM api_key k JOIN "user" u ON u.id = k.user_id '
    "JOIN role r ON r.name = u.role WHERE k.secret_hash = :hash"
)


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value  # ours: valid


def _moment(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite
        value = datetime.fromisoformat(value)
    return _aware(value)


def bad_key() -> Unauthorized:
    return Unauthorized("invalid API key", code=ErrorCode.INVALID_API_KEY)


def authenticate(tx: Tx, secret: str | None) -> KeyGrant:
    """The grant of a live key, or Unauthorized (unknown, revoked, expired, its user
    disabled). One statement on the driver's connection."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        raise bad_key()
    row = tx.run(_LOOKUP, {"hash": digest(secret)}).fetchone()
    if row is None:
        raise bad_key()
    key_id, user_id, subset, expires, revoked, enabled, role, access, limits = row
    if revoked is not None or not enabled:
        raise bad_key()
    if expires is not None and _moment(expires) <= utcnow():
        raise Unauthorized("this API key has expired", code=ErrorCode.API_KEY_EXPIRED)
    models = roles.enabled_for(role, _json(access) or {})
    subset = _json(subset)
    if subset is not None:
        models = {m: c for m, c in models.items() if m in subset}
    return KeyGrant(key_id, user_id, models, _json(limits) or {})


_USED = Sql("UPDATE api_key SET spent = spent + :spent, last_used_at = :now WHERE id = :key_id")


def record_use(tx: Tx, key_id: str, spent: int) -> None:
    """A request of the key was settled: its spend and last use."""
    tx.run(_USED, {"key_id": key_id, "spent": spent, "now": tx.moment(utcnow())})
