"""Group commit of the API's settlements: the requests of one event loop that finish while
a settlement is being written queue theirs, and one drainer writes the queue in the next
transaction: on the event loop when the database lets it begin at once (SQLite, the write
turn free: `write_now`), else in a thread.

At 20 streams at a time each settlement in its own `write_tx` in its own hop to the thread
pool cost its BEGIN and COMMIT, two crossings of the loop and the GIL, and a turn of the
SQLite write lock that the next admissions then waited for (bench/README.md, session 9).
Batched, a request still waits for its own charge (its closing chunk comes after it), and
each settlement is the same statements as alone (tickets.settle_in): money is unchanged.
A batch whose transaction fails is rolled back whole and its settlements are written one
by one, so one failure fails only its own request.

On the loop rather than in a thread when it can (session 11, bench/README.md): the hop
cost each batch two crossings of the loop and the GIL, and the thread held SQLite's write
turn across every statement's GIL handoff, which sent the next admissions to a thread too;
the statements themselves take ~0.1 ms per settlement (WAL, no fsync at commit).
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field

from metogpt.services.db import write_tx, write_tx_now
from metogpt.services.gateway import tickets
from metogpt.services.gateway.tickets import Ticket

Item = tuple[Ticket, int, int]


def write(batch: list[Item]) -> list[int | Exception]:
    """The credits each settlement charged (or what it raised): one transaction for all,
    else one each."""
    try:
        with write_tx() as tx:
            return [tickets.settle_in(tx, *item) for item in batch]
    except Exception:
        if len(batch) == 1:
            raise
    results: list[int | Exception] = []
    for item in batch:
        try:
            results.append(tickets.settle(*item))
        except Exception as exc:  # this one's own failure, for its own request
            results.append(exc)
    return results


def write_now(batch: list[Item]) -> list[int | Exception] | None:
    """write() in one transaction if one can begin at once (db.write_tx_now), else None:
    nothing written. None too when it fails: write() then writes the batch again, one by
    one if need be."""
    try:
        with write_tx_now() as tx:
            return None if tx is None else [tickets.settle_in(tx, *item) for item in batch]
    except Exception:  # rolled back whole
        return None


async def _written(batch: list[Item]) -> list[int | Exception]:
    now = write_now(batch)
    return now if now is not None else await asyncio.to_thread(write, batch)


@dataclass
class _Queue:
    waiting: list[tuple[Item, asyncio.Future[int]]] = field(default_factory=list)
    drainer: asyncio.Task[None] | None = None

    async def drain(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                try:
                    results = await _written([item for item, _ in batch])
                except Exception as exc:
                    results = [exc] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():  # its request was cancelled: the charge stands
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self.drainer = None


_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue] = weakref.WeakKeyDictionary()


async def settle(ticket: Ticket, prompt_tokens: int, completion_tokens: int) -> int:
    """tickets.settle, written with the other settlements waiting on this loop. Written
    even if the caller is cancelled meanwhile."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = _Queue()
    future: asyncio.Future[int] = loop.create_future()
    queue.waiting.append(((ticket, prompt_tokens, completion_tokens), future))
    if queue.drainer is None:
        queue.drainer = loop.create_task(queue.drain())
    return await future
