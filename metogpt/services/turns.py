"""A lock that hands the turn to the threads waiting for it in the order they came."""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FairTurn:
    """Re-entrant (a thread that holds it may take it again) and first come, first served:
    releasing it hands it straight to the oldest waiter, so a thread that releases and
    asks again at once queues behind the others instead of taking it back."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiting: deque[tuple[int, threading.Lock]] = deque()
        self._gates = threading.local()

    def __enter__(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me or self._owner is None:
                self._owner = me
                self._depth += 1
                return
            gate = self._gate()
            self._waiting.append((me, gate))
        gate.acquire()  # released by the holder when it hands the turn over

    def try_enter(self) -> bool:
        """Take the turn only if it is free (no holder, nobody waiting): for a caller that
        must not wait (the event loop), which then leaves it with `__exit__`."""
        if not self._mutex.acquire(blocking=False):  # a thread is taking or leaving it
            return False
        try:
            if self._owner is not None or self._waiting:
                return False
            self._owner = threading.get_ident()
            self._depth = 1
            return True
        finally:
            self._mutex.release()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            if not self._waiting:
                self._owner = None
                return
            self._owner, gate = self._waiting.popleft()
            self._depth = 1
        gate.release()

    def waiting(self) -> int:
        """How many threads wait for the turn."""
        with self._mutex:
            return len(self._waiting)

    def _gate(self) -> threading.Lock:
        """This thread's gate: a lock kept acquired, which the holder releases for it."""
        gate = getattr(self._gates, "gate", None)
        if gate is None:
            gate = self._gates.gate = threading.Lock()
            gate.acquire()
        return gate
