"""Group commit of the API's settlements (services/gateway/settlements.py): batched, each
is charged exactly as alone; one that fails fails alone; requests finishing together on a
loop share a transaction."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlmodel import select

from metogpt.models import LedgerEntry, User
from metogpt.services import billing, coefficients
from metogpt.services.db import read_session
from metogpt.services.gateway import settlements, tickets
from metogpt.services.gateway.calls import parse
from metogpt.services.gateway.tickets import Ticket
from tests.gateway.conftest import Keyed, keyed

pytestmark = pytest.mark.usefixtures("database")

MODEL = "gpt-3.5-turbo"


def _tickets(key: Keyed, n: int) -> list[Ticket]:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 50}
    call = parse(json.dumps(body).encode())
    return [tickets.admit(key.secret, call) for _ in range(n)]


def _books(user_id: str) -> tuple[int, int, list[int]]:
    """(balance, reserved, the charges' amounts oldest first); the balance is the ledger's."""
    with read_session() as s:
        user = s.get(User, user_id)
        assert user is not None
        assert billing.reconcile(s) == []
        entries = s.exec(select(LedgerEntry).where(LedgerEntry.user_id == user_id)).all()
        assert user.balance == sum(e.amount for e in entries)
        charges = [e.amount for e in sorted(entries, key=lambda e: e.id or 0) if e.kind == "charge"]
        return user.balance, user.reserved, charges


def test_a_batch_charges_each_exactly_as_alone() -> None:
    key = keyed("PRO", balance=100_000)
    batch = _tickets(key, 3)
    coefficient = batch[0].grant.models[MODEL]
    results = settlements.write([(t, 10, 5 + i) for i, t in enumerate(batch)])
    expected = [coefficients.cost(10 + 5 + i, coefficient) for i in range(3)]
    assert results == expected
    balance, reserved, charges = _books(key.account.id)
    assert reserved == 0
    assert charges == [-e for e in expected]
    assert balance == 100_000 - sum(expected)


def test_a_failing_settlement_fails_alone() -> None:
    key = keyed("PRO", balance=100_000)
    good, bad, other = _tickets(key, 3)
    coefficient = good.grant.models[MODEL]
    first, failed, third = settlements.write([(good, 10, 5), (bad, -1, 5), (other, 10, 7)])
    assert first == coefficients.cost(15, coefficient)
    assert isinstance(failed, ValueError)
    assert third == coefficients.cost(17, coefficient)
    assert isinstance(first, int) and isinstance(third, int)
    balance, reserved, charges = _books(key.account.id)
    assert charges == [-first, -third]
    assert reserved > 0  # the failed one's hold is still held, to be settled right
    assert balance == 100_000 - first - third
    last = tickets.settle(bad, 10, 6)
    assert last == coefficients.cost(16, coefficient)
    assert _books(key.account.id) == (balance - last, 0, [*charges, -last])


def test_settlements_finishing_together_share_transactions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = keyed("PRO", balance=100_000)
    batch = _tickets(key, 12)
    sizes: list[int] = []
    write = settlements.write

    def counted(items: list[settlements.Item]) -> list[int | Exception]:
        sizes.append(len(items))
        return write(items)

    monkeypatch.setattr(settlements, "write", counted)

    async def all_of_them() -> list[int]:
        return await asyncio.gather(*(settlements.settle(t, 10, 5) for t in batch))

    spent = asyncio.run(all_of_them())
    assert sum(sizes) == 12 and len(sizes) < 12  # the first alone, the rest waited for it
    balance, reserved, charges = _books(key.account.id)
    assert reserved == 0 and sorted(charges) == sorted(-s for s in spent)
    assert balance == 100_000 - sum(spent)
