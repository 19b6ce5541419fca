"""/api/admin: users, balances, roles. Each route is one service call in one transaction;
the permission checks happen inside the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from metogpt.api.deps import ActorDep
from metogpt.api.schemas import (
    BalanceIn,
    BalanceOut,
    ModelOut,
    ModelsOut,
    PasswordResetIn,
    RoleAssignIn,
    RoleCreateIn,
    RoleOut,
    RolesOut,
    RoleUpdateIn,
    TransactionOut,
    TransactionsOut,
    UserEnvelope,
    UserOut,
    UsersOut,
    grants_in,
)
from metogpt.services import accounts, billing, roles, users
from metogpt.services.db import read_session, write_session

router = APIRouter(prefix="/api/admin", tags=["admin"])

UserId = Annotated[str, Path(max_length=32)]
RoleName = Annotated[str, Path(max_length=64)]
Limit = Annotated[int, Query(ge=1, le=users.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


@router.get("/users", response_model=UsersOut)
def list_users(
    actor: ActorDep,
    search: Annotated[str, Query(max_length=200)] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> UsersOut:
    with read_session() as session:
        rows, total = users.list_users(session, actor, search, limit, offset)
        return UsersOut(rows=[UserOut.of(u) for u in rows], total=total)


@router.put("/users/{userId}/balance", response_model=BalanceOut)
def put_balance(userId: UserId, body: BalanceIn, actor: ActorDep) -> BalanceOut:
    with write_session() as session:
        if body.delta is not None:
            entry = billing.change_balance(session, actor, userId, "add", body.delta, body.reason)
        else:
            entry = billing.change_balance(session, actor, userId, "set", body.balance, body.reason)
        user = users.get(session, userId)
        session.refresh(user)
        return BalanceOut(
            user=UserOut.of(user), transaction=TransactionOut.of(entry) if entry else None
        )


@router.get("/users/{userId}/transactions", response_model=TransactionsOut)
def transactions(
    userId: UserId, actor: ActorDep, limit: Limit = 50, offset: Offset = 0
) -> TransactionsOut:
    with read_session() as session:
        rows, total = billing.ledger_page(session, actor, userId, limit, offset)
        return TransactionsOut(rows=[TransactionOut.of(e) for e in rows], total=total)


@router.put("/users/{userId}/role", response_model=UserEnvelope)
def put_role(userId: UserId, body: RoleAssignIn, actor: ActorDep) -> UserEnvelope:
    with write_session() as session:
        return UserEnvelope(user=UserOut.of(users.change_role(session, actor, userId, body.role)))


@router.put("/users/{userId}/password", response_model=UserEnvelope)
def put_password(userId: UserId, body: PasswordResetIn, actor: ActorDep) -> UserEnvelope:
    """Set the user's password: every session of theirs ends."""
    return UserEnvelope(user=UserOut.of(accounts.reset_password(actor, userId, body.password)))


@router.get("/users/{userId}/models", response_model=ModelsOut)
def user_models(userId: UserId, actor: ActorDep) -> ModelsOut:
    with read_session() as session:
        return ModelsOut(models=[ModelOut.of(m) for m in users.user_models(session, actor, userId)])


@router.get("/roles", response_model=RolesOut)
def list_roles(actor: ActorDep) -> RolesOut:
    with read_session() as session:
        return RolesOut(roles=[RoleOut.of(r) for r in roles.list_roles(session, actor)])


@router.get("/roles/{roleName}", response_model=RoleOut)
def get_role(roleName: RoleName, actor: ActorDep) -> RoleOut:
    with read_session() as session:
        return RoleOut.of(roles.view(session, actor, roleName))


@router.post("/roles", response_model=RoleOut, status_code=201)
def create_role(body: RoleCreateIn, actor: ActorDep) -> RoleOut:
    with write_session() as session:
        return RoleOut.of(
            roles.create(
                session,
                actor,
                body.name,
                body.permissions,
                grants_in(body.modelAccess),
                body.grant.model_dump() if body.grant else None,
                body.apiLimits.given() if body.apiLimits else None,
            )
        )


@router.put("/roles/{roleName}", response_model=RoleOut)
def update_role(roleName: RoleName, body: RoleUpdateIn, actor: ActorDep) -> RoleOut:
    with write_session() as session:
        return RoleOut.of(
            roles.update(
                session,
                actor,
                roleName,
                body.permissions,
                grants_in(body.modelAccess),
                body.grant_in(),
                body.limits_in(),
            )
        )


@router.delete("/roles/{roleName}", status_code=204, response_class=Response)
def delete_role(roleName: RoleName, actor: ActorDep) -> Response:
    with write_session() as session:
        roles.delete(session, actor, roleName)
    return Response(status_code=204)
