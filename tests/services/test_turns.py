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


def test_try_enter_takes_only_a_free_turn() -> None:
    turn = FairTurn()
    assert turn.try_enter()
    turn.__exit__(None, None, None)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with turn:
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(30)
    assert not turn.try_enter()  # held by another thread
    waiter = threading.Thread(target=lambda: turn.__enter__() or turn.__exit__(None, None, None))
    waiter.start()
    _wait_until(lambda: turn.waiting() == 1)
    release.set()
    holder.join(timeout=30)
    waiter.join(timeout=30)
    assert turn.try_enter()  # free again: the waiter had its turn and let go
    turn.__exit__(None, None, None)


def test_try_enter_does_not_jump_the_queue() -> None:
    """Even at the moment the turn is handed over, someone waiting keeps try_enter out."""
    turn = FairTurn()
    turn.__enter__()
    inside, release = threading.Event(), threading.Event()

    def wait_then_hold() -> None:
        with turn:
            inside.set()
            release.wait(30)

    waiter = threading.Thread(target=wait_then_hold)
    waiter.start()
    _wait_until(lambda: turn.waiting() == 1)
    assert not turn.try_enter()
    turn.__exit__(None, None, None)  # handed to the waiter
    inside.wait(30)
    assert not turn.try_enter()
    release.set()
    waiter.join(timeout=30)
    assert turn.try_enter()
    turn.__exit__(None, None, None)


def test_try_enter_does_not_wait_for_a_thread_in_the_middle_of_taking_the_turn() -> None:
    """The turn's own bookkeeping held by another thread (taking or leaving the turn, and
    perhaps waiting for the GIL there): the event loop is told no at once, never blocked."""
    turn = FairTurn()
    answers: list[bool] = []
    turn._mutex.acquire()  # pyright: ignore[reportPrivateUsage]  # that thread's moment
    try:
        asker = threading.Thread(target=lambda: answers.append(turn.try_enter()))
        asker.start()
        asker.join(timeout=5)
        assert answers == [False], "try_enter waited for the turn's bookkeeping"
    finally:
        turn._mutex.release()  # pyright: ignore[reportPrivateUsage]
        asker.join(timeout=30)
    assert turn.try_enter()
    turn.__exit__(None, None, None)
