"""The storage interface and its key rule (shared by the backends)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol

_KEY = re.compile(r"[0-9a-f]{8,64}(\.[a-z]{1,8})?")


class Writer(Protocol):
    """An object written piece by piece as an upload arrives: invisible under its key until
    `commit`, and gone without a trace after `abort` (the upload was refused)."""

    def write(self, data: bytes) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None:
        """Drop what was written; no error when nothing was (or it is already gone)."""
        ...


class Storage(Protocol):
    def writer(self, key: str) -> Writer:
        """A new object under `key`, written by pieces (replacing what was there at commit)."""
        ...

    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` (replacing what was there)."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under `key`; FileNotFoundError when there are none."""
        ...

    def delete(self, key: str) -> None:
        """Forget `key`; no error when it is already gone."""
        ...

    def keys(self) -> list[str]:
        """Every key stored, and every piece of an unfinished write (tests and the
        operator: nothing left behind)."""
        ...

    def drop_unfinished(self, before: datetime) -> int:
        """Remove what writes begun before `before` and never committed or aborted left
        behind (a worker that died mid-upload); how many."""
        ...


def put(storage: Storage, key: str, data: bytes) -> None:
    """`Storage.put` by way of its writer (the backends' own `put`)."""
    out = storage.writer(key)
    try:
        out.write(data)
        out.commit()
    except BaseException:
        out.abort()
        raise


def check_key(key: str) -> str:
    """A key as services/files/ makes them: no slash, no dot-dot, nothing a path could abuse."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"invalid storage key {key!r}")
    return key
