"""Wire shapes of users and their sign-in: the user, its models, tokens and passwords."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from metogpt.api.schemas.base import Page, Strict, rows_named
from metogpt.api.schemas.roles import Matrix
from metogpt.models import User, iso
from metogpt.services import coefficients
from metogpt.services.users import ModelOffer


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


class UsersOut(Page[UserOut]):
    model_config = rows_named("users")


class ModelsOut(BaseModel):
    models: list[ModelOut]
