"""Group commit of the API's settlements (services/gateway/settlements.py): batched, each
is charged exactly as alone; one that fails fails alone; requests finishing together on a
loop share a transaction."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from sqlmodel import select

from metogpt.models import LedgerEntry, User
from metogpt.services import billing, coefficients
from metogpt.services.db import engines, read_session
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
    write, write_now = settlements.write, settlements.write_now

    def counted(items: list[settlements.Item]) -> list[int | Exception]:
        sizes.append(len(items))
        return write(items)

    def counted_now(items: list[settlements.Item]) -> list[int | Exception] | None:
        written = write_now(items)
        if written is not None:
            sizes.append(len(items))
        return written

    monkeypatch.setattr(settlements, "write", counted)
    monkeypatch.setattr(settlements, "write_now", counted_now)

    async def all_of_them() -> list[int]:
        return await asyncio.gather(*(settlements.settle(t, 10, 5) for t in batch))

    spent = asyncio.run(all_of_them())
    assert sum(sizes) == 12 and len(sizes) < 12  # the first alone, the rest waited for it
    balance, reserved, charges = _books(key.account.id)
    assert reserved == 0 and sorted(charges) == sorted(-s for s in spent)
    assert balance == 100_000 - sum(spent)


def test_written_on_the_loop_when_the_database_is_free_else_in_a_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SQLite with its write turn free: no hop to a thread. The turn held elsewhere (or
    PostgreSQL, where a transaction is a round trip): in a thread, charged the same."""
    key = keyed("PRO", balance=100_000)
    first, second = _tickets(key, 2)
    threads: list[int] = []
    settle_in = tickets.settle_in

    def watched(*args: object) -> int:
        threads.append(threading.get_ident())
        return settle_in(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(tickets, "settle_in", watched)
    loop_thread = threading.get_ident()
    spent = asyncio.run(settlements.settle(first, 10, 5))
    on_loop = engines().write_turn is not None
    assert (threads == [loop_thread]) is on_loop

    turn = engines().write_turn
    if turn is not None:  # SQLite: another thread holds the turn while the loop settles

        async def behind_the_holder() -> int:
            held, release = threading.Event(), threading.Event()

            def hold() -> None:
                with turn:
                    held.set()
                    release.wait(5)

            holder = asyncio.get_running_loop().run_in_executor(None, hold)
            await asyncio.to_thread(held.wait, 5)
            settling = asyncio.ensure_future(settlements.settle(second, 10, 6))
            await asyncio.sleep(0.05)
            assert not settling.done()  # waiting in a thread for the turn, not refused
            release.set()
            await holder
            return await settling

        threads.clear()
        more = asyncio.run(behind_the_holder())
        assert threads and threads[0] != loop_thread
        spent += more
    else:
        spent += tickets.settle(second, 10, 6)
    balance, reserved, charges = _books(key.account.id)
    assert reserved == 0 and balance == 100_000 - spent and len(charges) == 2
