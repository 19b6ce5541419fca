"""/api/auth: login, register, me."""

from __future__ import annotations

from fastapi import APIRouter, Request

from metogpt.api.deps import Caller, Token, client_address
from metogpt.api.schemas import (
    LoginIn,
    MeOut,
    ModelOut,
    PasswordChangeIn,
    RegisterIn,
    TokenOut,
    UserEnvelope,
    UserOut,
)
from metogpt.services import accounts, auth, users
from metogpt.services.db import read_session, write_session

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=TokenOut)
def login(body: LoginIn, request: Request) -> TokenOut:
    user, token, ttl = auth.login(body.email, body.password, client_address(request))
    return TokenOut(token=token, expires_in=ttl, user=UserOut.of(user))


@router.post("/register", response_model=UserEnvelope, status_code=201)
def register(body: RegisterIn, request: Request) -> UserEnvelope:
    user = accounts.register(
        body.email, body.username, body.name, body.password, address=client_address(request)
    )
    return UserEnvelope(user=UserOut.of(user))


@router.post("/logout", status_code=204)
def logout(token: Token) -> None:
    """End this token's session on every worker: it is refused from now on."""
    with write_session() as session:
        auth.logout(session, token)


@router.post("/password", status_code=204)
def change_password(body: PasswordChangeIn, token: Token) -> None:
    """Change your own password: your other sessions end, this one goes on."""
    accounts.change_password(token, body.current_password, body.new_password)


@router.get("/me", response_model=MeOut)
def me(caller: Caller) -> MeOut:
    user, actor = caller
    with read_session() as session:
        models = users.models_of(session, user)
    return MeOut(
        user=UserOut.of(user),
        permissions=actor.permissions,
        models=[ModelOut.of(m) for m in models],
    )
