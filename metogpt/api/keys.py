"""/api/me/keys (a user's own personal API keys) and the admin's view of anyone's
(/api/admin/users/{id}/keys, /api/admin/keys/{id}). The rules are in services/keys.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, StrictStr

from metogpt.api.deps import ActorDep
from metogpt.api.schemas import Strict
from metogpt.models import iso
from metogpt.services import keys
from metogpt.services.db import read_session, write_session

router = APIRouter(tags=["keys"])

KeyId = Annotated[str, Path(max_length=32)]


class KeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    models: list[str] | None
    createdAt: str
    expiresAt: str | None
    lastUsedAt: str | None
    revokedAt: str | None
    expired: bool
    spent: int

    @classmethod
    def of(cls, key: keys.KeyView) -> KeyOut:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            models=key.models,
            createdAt=iso(key.created_at) or "",
            expiresAt=iso(key.expires_at),
            lastUsedAt=iso(key.last_used_at),
            revokedAt=iso(key.revoked_at),
            expired=key.expired(),
            spent=key.spent,
        )


class KeysOut(BaseModel):
    keys: list[KeyOut]


class KeyCreateIn(Strict):
    name: StrictStr = Field(max_length=keys.MAX_NAME * 4)
    expires_at: datetime | None = None
    models: list[Annotated[StrictStr, Field(max_length=64)]] | None = Field(
        default=None, max_length=200
    )


class KeyCreatedOut(BaseModel):
    key: KeyOut
    secret: str = Field(description="The key itself: shown this once, never again")


@router.get("/api/me/keys", response_model=KeysOut)
def my_keys(actor: ActorDep) -> KeysOut:
    with read_session() as session:
        return KeysOut(keys=[KeyOut.of(k) for k in keys.list_own(session, actor)])


@router.post("/api/me/keys", response_model=KeyCreatedOut, status_code=201)
def create_key(body: KeyCreateIn, actor: ActorDep) -> KeyCreatedOut:
    with write_session() as session:
        key, secret = keys.create(session, actor, body.name, body.expires_at, body.models)
        return KeyCreatedOut(key=KeyOut.of(key), secret=secret)


@router.delete("/api/me/keys/{keyId}", response_model=KeyOut)
def revoke_my_key(keyId: KeyId, actor: ActorDep) -> KeyOut:
    with write_session() as session:
        return KeyOut.of(keys.revoke_own(session, actor, keyId))


@router.get("/api/admin/users/{userId}/keys", response_model=KeysOut)
def user_keys(userId: KeyId, actor: ActorDep) -> KeysOut:
    with read_session() as session:
        return KeysOut(keys=[KeyOut.of(k) for k in keys.list_for_user(session, actor, userId)])


@router.delete("/api/admin/keys/{keyId}", response_model=KeyOut)
def revoke_key(keyId: KeyId, actor: ActorDep) -> KeyOut:
    with write_session() as session:
        return KeyOut.of(keys.revoke_any(session, actor, keyId))
