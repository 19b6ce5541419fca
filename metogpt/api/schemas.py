"""Wire shapes of the REST API (PRODUCT.md §4), seed-compatible field names included."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from metogpt.models import LedgerEntry, User, iso
from metogpt.services import coefficients, grants, permissions, roles
from metogpt.services.billing import MAX_BALANCE, MAX_REASON
from metogpt.services.catalog import get_catalog
from metogpt.services.roles import RoleView
from metogpt.services.users import ModelOffer


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
    owed: int  # credits a refund took back that the balance could not cover yet
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
            owed=user.owed,
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
    # multipleOf documents the four decimals; the coefficients service enforces them exactly.
    # Strict: true or "1.5" is not a coefficient (lax float would take them as 1.0 and 1.5).
    coefficient: StrictFloat = Field(
        default=1, gt=0, le=1000, allow_inf_nan=False, json_schema_extra={"multipleOf": 0.0001}
    )


def _matrix_schema(*, full: bool) -> WithJsonSchema:
    """The permission catalog spelled out in the schema, so that clients (and schemathesis)
    know an unknown type or action is invalid. Answers always carry the full matrix."""
    types: dict[str, Any] = {}
    for ptype, actions in permissions.CATALOG.items():
        types[ptype] = {
            "type": "object",
            "properties": {action: {"type": "boolean"} for action in actions},
            "additionalProperties": False,
        }
        if full:
            types[ptype]["required"] = list(actions)
    schema: dict[str, Any] = {"type": "object", "properties": types, "additionalProperties": False}
    if full:
        schema["required"] = list(permissions.CATALOG)
    return WithJsonSchema(schema)


# Validated loosely here; permissions.normalize gives the precise message for what is wrong.
MatrixIn = Annotated[dict[str, dict[str, StrictBool]], _matrix_schema(full=False)]
Matrix = Annotated[dict[str, dict[str, StrictBool]], _matrix_schema(full=True)]


class _CatalogModelNames:
    """Documents that modelAccess keys are catalog model names (read when the schema is
    built); the roles service checks them."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["propertyNames"] = {"enum": get_catalog().names()}
        return schema


ModelAccess = Annotated[dict[str, ModelGrantIO], _CatalogModelNames()]


def _whole(value: Any) -> Any:
    # JSON has one number type: 100.0 is the whole number 100, as JSON Schema's "integer"
    # says; 100.5, "100" and true stay refused by StrictInt.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# A StrictInt that takes 100.0 for 100: `Annotated[StrictInt, Field(ge=.., le=..), WHOLE]`
# (after the constraints, so the schema documents them as minimum and maximum).
WHOLE = BeforeValidator(_whole)


class GrantIO(BaseModel):
    """A role's periodic grant (services/grants.py)."""

    model_config = ConfigDict(extra="forbid")

    amount: Annotated[StrictInt, Field(ge=1, le=MAX_BALANCE), WHOLE]
    every: Annotated[StrictInt, Field(ge=1, le=grants.MAX_EVERY), WHOLE]
    unit: Literal["hours", "days", "weeks", "months"]
    mode: Literal["add", "reset"]


class ApiLimitsIO(BaseModel):
    """Rate limits of the OpenAI-compatible API (/v1), per minute; null or absent: none."""

    model_config = ConfigDict(extra="forbid")

    user_rpm: Annotated[StrictInt, Field(ge=1, le=10**9), WHOLE] | None = None
    user_tpm: Annotated[StrictInt, Field(ge=1, le=10**9), WHOLE] | None = None
    key_rpm: Annotated[StrictInt, Field(ge=1, le=10**9), WHOLE] | None = None
    key_tpm: Annotated[StrictInt, Field(ge=1, le=10**9), WHOLE] | None = None

    def given(self) -> dict[str, int]:
        return self.model_dump(exclude_none=True)


class RoleOut(BaseModel):
    name: str
    permissions: Matrix
    modelAccess: ModelAccess
    userCount: int
    system: bool
    grant: GrantIO | None
    createdAt: str
    updatedAt: str
    apiLimits: ApiLimitsIO | None = None

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
            grant=GrantIO(**role.grant) if role.grant else None,
            createdAt=iso(role.created_at) or "",
            updatedAt=iso(role.updated_at) or "",
            apiLimits=ApiLimitsIO(**role.api_limits) if role.api_limits else None,
        )


class TransactionOut(BaseModel):
    id: int
    kind: Literal["grant", "charge", "adjustment", "refund", "topup"]
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
    # Lengths as the users service counts them (it also trims, normalizes and checks more).
    email: StrictStr = Field(min_length=3, max_length=254)
    username: StrictStr = Field(min_length=2, max_length=64)
    name: StrictStr = Field(min_length=1, max_length=128)
    password: StrictStr = Field(min_length=8, max_length=256)


class PasswordChangeIn(Strict):
    # The rules (8–256 characters, not the email) are the accounts service's.
    current_password: StrictStr = Field(max_length=256)
    new_password: StrictStr = Field(min_length=8, max_length=256)


class PasswordResetIn(Strict):
    password: StrictStr = Field(min_length=8, max_length=256)


class BalanceIn(Strict):
    # Documents "exactly one of balance or delta" so that clients (and schemathesis) know
    # that sending both, or neither, is invalid input rather than a valid request; and that
    # a reason is required (billing.change_balance refuses a missing or blank one with
    # the code reason_required, so the field itself is optional here).
    model_config = ConfigDict(
        json_schema_extra={
            "required": ["reason"],
            "oneOf": [
                {"required": ["balance"], "properties": {"balance": {"type": "integer"}}},
                {"required": ["delta"], "properties": {"delta": {"type": "integer"}}},
            ],
        }
    )

    balance: StrictInt | None = Field(default=None, ge=0, le=MAX_BALANCE)
    # A zero delta is refused by billing.change_balance (an adjustment that adjusts nothing).
    delta: StrictInt | None = Field(
        default=None, ge=-MAX_BALANCE, le=MAX_BALANCE, json_schema_extra={"not": {"const": 0}}
    )
    # Documented as text with something besides the spaces str.strip() removes, and no NUL
    # (PostgreSQL text cannot hold one); billing.change_balance checks it.
    reason: Annotated[
        StrictStr | None,
        WithJsonSchema(
            {
                "type": "string",
                "maxLength": MAX_REASON,
                "pattern": "^[^\\x00]*[^\\x00\\s\\x1c-\\x1f\\x85][^\\x00]*$",
            }
        ),
    ] = Field(default=None, max_length=MAX_REASON)

    @model_validator(mode="before")
    @classmethod
    def _whole_floats(cls, data: Any) -> Any:
        # JSON has one number type: 100.0 is the whole number 100, as JSON Schema's
        # "integer" says. 100.5, "100" and true stay refused by StrictInt.
        if isinstance(data, dict):
            data = dict(data)
            for key in ("balance", "delta"):
                value = data.get(key)
                if isinstance(value, float) and value.is_integer():
                    data[key] = int(value)
        return data

    @model_validator(mode="after")
    def _one_of(self) -> BalanceIn:
        if (self.balance is None) == (self.delta is None):
            raise ValueError("give exactly one of balance or delta")
        return self


class RoleAssignIn(Strict):
    role: StrictStr = Field(max_length=64)


class RoleCreateIn(Strict):
    # The pattern is documented here and enforced by the roles service (clearer message).
    name: StrictStr = Field(
        max_length=64, json_schema_extra={"pattern": f"^{roles.NAME_RE.pattern}$"}
    )
    permissions: MatrixIn = Field(default_factory=dict)
    modelAccess: ModelAccess = Field(default_factory=dict)
    grant: GrantIO | None = None
    apiLimits: ApiLimitsIO | None = None


class RoleUpdateIn(Strict):
    permissions: MatrixIn | None = None
    modelAccess: ModelAccess | None = None
    grant: GrantIO | None = None  # null removes the grant; leaving it out keeps it
    apiLimits: ApiLimitsIO | None = None  # null removes the limits; leaving it out keeps them

    def grant_in(self) -> Any:
        if "grant" not in self.model_fields_set:
            return roles.KEEP
        return self.grant.model_dump() if self.grant else None

    def limits_in(self) -> Any:
        if "apiLimits" not in self.model_fields_set:
            return roles.KEEP
        return self.apiLimits.given() if self.apiLimits else None


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


class FileOut(BaseModel):
    """An uploaded file (POST /api/files): send its id with a message to attach it."""

    id: str
    name: str
    size: int = Field(description="bytes as stored (images are re-encoded)")
    type: str = Field(description="media type of the stored bytes, judged by their content")
    kind: Literal["image", "pdf", "text"]
    width: int = Field(description="images: pixels (0 otherwise)")
    height: int
    tokens: int = Field(description="text files and PDFs: tokens of the text given to the model")
    text_layer: bool = Field(description="false for a PDF whose text could not be read")
