"""The storage interface and its key rule (shared by the backends)."""

from __future__ import annotations

import re
from typing import Protocol

_KEY = re.compile(r"[0-9a-f]{8,64}(\.[a-z]{1,8})?")


class Storage(Protocol):
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
        """Every key stored (tests and the operator: nothing left behind)."""
        ...


def check_key(key: str) -> str:
    """A key as services/files/ makes them: no slash, no dot-dot, nothing a path could abuse."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"invalid storage key {key!r}")
    return key
