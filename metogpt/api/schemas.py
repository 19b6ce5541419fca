"""Wire shapes of the REST API (PRODUCT.md §4), seed-compatible field names included."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from metogpt.models import LedgerEntry, User
from metogpt.services import coefficients
from metogpt.services.billing import MAX_BALANCE, MAX_REASON
from metogpt.services.roles import RoleView
from metogpt.services.users import ModelOffer


def iso(ts: datetime | None) -> str | None:
    if ts is None:
        return None
    if ts.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class ErrorOut(BaseModel):
    error: str
    message: str


class UserOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    email: str
    username: str
    name: str
    role: str
    balance: int
    createdAt: str
    reserved: int
    enabled: bool
    locale: str
    lastActiveAt: str | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            _id=user.id,
            email=user.email,
            username=user.username,
            name=user.name,
            role=user.role,
            balance=user.balance,
            createdAt=iso(user.created_at) or "",
            reserved=user.reserved,
            enabled=user.enabled,
            locale=user.locale,
            lastActiveAt=iso(user.last_active_at),
        )


class ModelOut(BaseModel):
    model: str
    coefficient: float

    @classmethod
    def of(cls, offer: ModelOffer) -> ModelOut:
        return cls(model=offer.model, coefficient=coefficients.as_number(offer.coefficient))


class ModelGrantIO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool = True
    coefficient: float = Field(default=1, gt=0, le=1000, allow_inf_nan=False)


Matrix = dict[str, dict[str, StrictBool]]


class RoleOut(BaseModel):
    name: str
    permissions: Matrix
    modelAccess: dict[str, ModelGrantIO]
    userCount: int
    system: bool
    createdAt: str
    updatedAt: str

    @classmethod
    def of(cls, role: RoleView) -> RoleOut:
        return cls(
            name=role.name,
            permissions=role.permissions,
            modelAccess={
                m: ModelGrantIO(
                    enabled=g.enabled, coefficient=coefficients.as_number(g.coefficient)
                )
                for m, g in role.model_access.items()
            },
            userCount=role.user_count,
            system=role.system,
            createdAt=iso(role.created_at) or "",
            updatedAt=iso(role.updated_at) or "",
        )


class TransactionOut(BaseModel):
    id: int
    kind: Literal["grant", "charge", "adjustment", "refund"]
    amount: int
    balanceAfter: int
    model: str | None
    promptTokens: int | None
    completionTokens: int | None
    coefficient: float | None
    conversationId: str | None
    messageId: str | None
    reason: str | None
    actorId: str | None
    createdAt: str

    @classmethod
    def of(cls, e: LedgerEntry) -> TransactionOut:
        return cls(
            id=e.id or 0,
            kind=e.kind,  # type: ignore[arg-type]
            amount=e.amount,
            balanceAfter=e.balance_after,
            model=e.model,
            promptTokens=e.prompt_tokens,
            completionTokens=e.completion_tokens,
            coefficient=coefficients.as_number(e.coefficient) if e.coefficient else None,
            conversationId=e.conversation_id,
            messageId=e.message_id,
            reason=e.reason,
            actorId=e.actor_id,
            createdAt=iso(e.created_at) or "",
        )


# ---- requests -------------------------------------------------------------------------


class LoginIn(Strict):
    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=256)


class RegisterIn(Strict):
    email: StrictStr = Field(max_length=254)
    username: StrictStr = Field(max_length=64)
    name: StrictStr = Field(max_length=128)
    password: StrictStr = Field(max_length=256)


class BalanceIn(Strict):
    balance: StrictInt | None = Field(default=None, ge=0, le=MAX_BALANCE)
    delta: StrictInt | None = Field(default=None, ge=-MAX_BALANCE, le=MAX_BALANCE)
    reason: StrictStr | None = Field(default=None, max_length=MAX_REASON)

    @model_validator(mode="after")
    def _one_of(self) -> BalanceIn:
        if (self.balance is None) == (self.delta is None):
            raise ValueError("give exactly one of balance or delta")
        return self


class RoleAssignIn(Strict):
    role: StrictStr = Field(max_length=64)


class RoleCreateIn(Strict):
    name: StrictStr = Field(max_length=64)
    permissions: Matrix = Field(default_factory=dict)
    modelAccess: dict[str, ModelGrantIO] = Field(default_factory=dict)


class RoleUpdateIn(Strict):
    permissions: Matrix | None = None
    modelAccess: dict[str, ModelGrantIO] | None = None


def grants_in(access: dict[str, ModelGrantIO] | None) -> dict[str, dict[str, Any]] | None:
    """Hand modelAccess to the service, which validates models and decimals itself."""
    if access is None:
        return None
    return {m: g.model_dump() for m, g in access.items()}


# ---- responses ------------------------------------------------------------------------


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user: UserOut


class UserEnvelope(BaseModel):
    user: UserOut


class MeOut(BaseModel):
    user: UserOut
    permissions: Matrix
    models: list[ModelOut]


class UsersOut(BaseModel):
    users: list[UserOut]
    total: int


class BalanceOut(BaseModel):
    user: UserOut
    transaction: TransactionOut | None


class TransactionsOut(BaseModel):
    transactions: list[TransactionOut]
    total: int


class ModelsOut(BaseModel):
    models: list[ModelOut]


class RolesOut(BaseModel):
    roles: list[RoleOut]
