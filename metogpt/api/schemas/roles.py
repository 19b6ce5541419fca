"""Wire shapes of roles: the permission matrix, model access, grants and API limits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from metogpt.api.schemas.base import WHOLE, Strict
from metogpt.models import iso
from metogpt.services import coefficients, grants, permissions, roles
from metogpt.services.billing import MAX_BALANCE
from metogpt.services.catalog import get_catalog
from metogpt.services.roles import RoleView


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


class RolesOut(BaseModel):
    roles: list[RoleOut]
