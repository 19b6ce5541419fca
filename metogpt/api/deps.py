"""What every route needs: the caller's identity, checked by the auth service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from metogpt.models import User
from metogpt.services import auth, clients
from metogpt.services.db import read_session
from metogpt.services.permissions import Actor

_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/auth/login")


def bearer_token(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    return creds.credentials if creds else None


async def bearer_token_here(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    """The bearer token, read on the event loop (a plain `def` dependency takes a thread
    from the pool): for a route that authenticates inside its own service call."""
    return creds.credentials if creds else None


def current(token: Annotated[str | None, Depends(bearer_token)]) -> tuple[User, Actor]:
    with read_session() as session:
        return auth.authenticate(session, token)


def current_actor(caller: Annotated[tuple[User, Actor], Depends(current)]) -> Actor:
    return caller[1]


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else None
    return clients.client_address(peer, request.headers.get("x-forwarded-for"))


Token = Annotated[str | None, Depends(bearer_token)]
TokenHere = Annotated[str | None, Depends(bearer_token_here)]
Caller = Annotated[tuple[User, Actor], Depends(current)]
ActorDep = Annotated[Actor, Depends(current_actor)]
