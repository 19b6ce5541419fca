"""Attachments as files in a local directory: `<root>/<first two hex digits>/<key>`."""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from metogpt.services.storage.base import Writer, check_key, put

_PARTIAL = ".upload-"


class _FileWriter:
    """Written under a temporary name beside the key's file and renamed at commit: a reader
    never sees half a file, and a crash mid-write leaves no file under the key (only a
    temporary one, which `drop_unfinished` removes later)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(dir=path.parent, prefix=_PARTIAL)
        self.file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self.file.write(data)

    def commit(self) -> None:
        self.file.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)[:2] / key

    def writer(self, key: str) -> Writer:
        return _FileWriter(self._path(key))

    def put(self, key: str, data: bytes) -> None:
        put(self, key, data)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def keys(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.glob("*/*") if p.is_file())

    def drop_unfinished(self, before: datetime) -> int:
        """Remove the temporary files of writes begun before `before` and never finished
        (a worker that died mid-upload); how many."""
        dropped = 0
        for path in self.root.glob(f"*/{_PARTIAL}*"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < before.timestamp():
                    path.unlink()
                    dropped += 1
        return dropped
