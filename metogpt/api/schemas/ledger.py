"""Wire shapes of the ledger: transactions and balance changes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

from metogpt.api.schemas.base import Page, Strict, rows_named
from metogpt.api.schemas.users import UserOut
from metogpt.models import LedgerEntry, iso
from metogpt.services import coefficients
from metogpt.services.billing import MAX_BALANCE, MAX_REASON


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


class BalanceOut(BaseModel):
    user: UserOut
    transaction: TransactionOut | None


class TransactionsOut(Page[TransactionOut]):
    model_config = rows_named("transactions")
