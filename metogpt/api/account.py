"""/api/me: the caller's own usage and ledger (the account page's figures, for scripts).
Each route reads only the caller's rows: no id in the path, nothing else reachable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from metogpt.api.deps import ActorDep
from metogpt.api.schemas import TransactionOut, TransactionsOut
from metogpt.services import analytics, me, users
from metogpt.services.db import read_session

router = APIRouter(prefix="/api/me", tags=["me"])


class BucketOut(BaseModel):
    key: str  # a UTC day (YYYY-MM-DD), a model, or "total"
    tokens: int
    credits: int
    answers: int

    @classmethod
    def of(cls, b: analytics.Bucket) -> BucketOut:
        return cls(key=b.key, tokens=b.tokens, credits=b.credits, answers=b.answers)


class UsageOut(BaseModel):
    days: int
    byDay: list[BucketOut]  # every day of the range, oldest first, empty days included
    byModel: list[BucketOut]  # most credits first
    total: BucketOut


@router.get("/usage", response_model=UsageOut)
def usage(
    actor: ActorDep, days: Annotated[int, Query(ge=1, le=analytics.MAX_DAYS)] = 30
) -> UsageOut:
    """Your charges summed by UTC day and by model over the last `days` days, today included."""
    with read_session() as session:
        report = analytics.own_usage(session, actor, days)
    return UsageOut(
        days=days,
        byDay=[BucketOut.of(b) for b in report.by_day],
        byModel=[BucketOut.of(b) for b in report.by_model],
        total=BucketOut.of(report.total),
    )


@router.get("/transactions", response_model=TransactionsOut)
def transactions(
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=users.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> TransactionsOut:
    """Your ledger, newest first: charges, grants, top-ups, adjustments and refunds."""
    with read_session() as session:
        rows, total = me.own_ledger(session, actor, limit, offset)
    return TransactionsOut(rows=[TransactionOut.of(e) for e in rows], total=total)
