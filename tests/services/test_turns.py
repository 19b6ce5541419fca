"""services/turns.FairTurn: the write turn of a process on SQLite (services/db.py)."""

from __future__ import annotations

import threading
import time

from metogpt.services.turns import FairTurn


def _wait_until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_the_turn_goes_to_the_waiters_in_arrival_order() -> None:
    """The holder lets go and asks again at once: it queues behind the threads that were
    waiting, which get the turn in the order they asked. (A plain lock often lets it
    straight back in, and the others come in the scheduler's order: hence the rounds.)"""
    turn = FairTurn()
    for _ in range(10):
        order: list[str] = []
        turn.__enter__()

        def take(name: str, order: list[str] = order) -> None:
            with turn:
                order.append(name)

        threads = []
        for name in ("a", "b", "c"):
            thread = threading.Thread(target=take, args=(name,))
            thread.start()
            threads.append(thread)
            _wait_until(lambda n=len(threads): turn.waiting() == n)
        turn.__exit__(None, None, None)
        with turn:
            order.append("holder again")
        for thread in threads:
            thread.join(timeout=30)
        assert order == ["a", "b", "c", "holder again"]


def test_the_holder_may_take_it_again() -> None:
    turn = FairTurn()
    with turn, turn:
        pass
    done = threading.Event()

    def other() -> None:
        with turn:
            done.set()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=30)
    assert done.is_set()  # released as often as taken: free again


def test_one_holder_at_a_time() -> None:
    turn = FairTurn()
    inside = 0
    most = 0

    def work() -> None:
        nonlocal inside, most
        for _ in range(200):
            with turn:
                inside += 1
                most = max(most, inside)
                time.sleep(0)  # let the others run while the turn is held
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert most == 1 and inside == 0
