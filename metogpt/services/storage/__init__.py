"""Where attachment bytes are kept, behind one small interface (`Storage`): a local directory
(DATA_DIR/uploads) by default, S3-compatible object storage when METOGPT_S3_URL is set.

Keys are chosen by services/files/ (random hex, never a user's file name), so neither
backend ever sees a path a user typed. Both backends pass one test suite
(tests/services/test_storage.py).
"""

from __future__ import annotations

import functools
from pathlib import Path

from metogpt.services.storage.base import Storage, Writer, check_key
from metogpt.settings import uploads_dir, uploads_storage_url

__all__ = ["Storage", "Writer", "check_key", "get_storage"]


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
