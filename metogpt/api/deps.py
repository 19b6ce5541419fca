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


# A dependency that does no I/O is `async def`: FastAPI runs a plain `def` one in a thread
# of the pool, a hop there and back per request (~0.3 ms of CPU each, more under load).
async def bearer_token(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    return creds.credentials if creds else None


def current(token: Annotated[str | None, Depends(bearer_token)]) -> tuple[User, Actor]:
    """The caller (a thread: it reads the database)."""
    with read_session() as session:
        return auth.authenticate(session, token)


async def current_actor(caller: Annotated[tuple[User, Actor], Depends(current)]) -> Actor:
    return caller[1]


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else None
    return clients.client_address(peer, request.headers.get("x-forwarded-for"))


Token = Annotated[str | None, Depends(bearer_token)]
Caller = Annotated[tuple[User, Actor], Depends(current)]
ActorDep = Annotated[Actor, Depends(current_actor)]
