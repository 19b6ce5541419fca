"""Where attachment bytes are kept, behind one small interface (`Storage`): a local directory
(DATA_DIR/uploads) by default, S3-compatible object storage when METOGPT_S3_URL is set.

Keys are chosen by services/files/ (random hex, never a user's file name), so neither
backend ever sees a path a user typed. Both backends pass one test suite
(tests/services/test_storage.py).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Protocol

from metogpt.settings import uploads_dir, uploads_storage_url

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


def get_storage() -> Storage:
    """The configured storage (METOGPT_S3_URL, else DATA_DIR/uploads), one per setting."""
    return _storage(uploads_storage_url(), uploads_dir())


@functools.cache
def _storage(s3_url: str | None, directory: Path) -> Storage:
    if s3_url:
        from metogpt.services.storage.s3 import S3Storage

        return S3Storage(s3_url)
    from metogpt.services.storage.local import LocalStorage

    return LocalStorage(directory)
