"""One suite for both storages: the local directory and S3 (moto's server on loopback)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from metogpt.models import utcnow
from metogpt.services.storage import Storage, check_key, get_storage
from metogpt.services.storage.local import LocalStorage
from metogpt.services.storage.s3 import PART_BYTES, parse_url


def test_put_get_delete_roundtrip(storage: Storage) -> None:
    data = bytes(range(256)) * 1000
    storage.put("0123abcd", data)
    storage.put("0123abce.txt", b"text")
    assert storage.get("0123abcd") == data
    assert storage.keys() == ["0123abcd", "0123abce.txt"]
    storage.put("0123abcd", b"replaced")
    assert storage.get("0123abcd") == b"replaced"
    storage.delete("0123abcd")
    storage.delete("0123abcd")  # gone already: no error
    assert storage.keys() == ["0123abce.txt"]
    with pytest.raises(FileNotFoundError):
        storage.get("0123abcd")


@pytest.mark.parametrize(
    "size", [10, 2 * PART_BYTES, 2 * PART_BYTES + 123], ids=["one-put", "parts", "short-last"]
)
def test_a_writer_shows_nothing_until_commit_and_nothing_after_abort(
    storage: Storage, size: int
) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    out = storage.writer("0123abcd")
    for start in range(0, size, 3 * 1024 * 1024):
        out.write(data[start : start + 3 * 1024 * 1024])
    with pytest.raises(FileNotFoundError):
        storage.get("0123abcd")
    out.commit()
    assert storage.get("0123abcd") == data
    dropped = storage.writer("0123abce")
    dropped.write(data)
    dropped.abort()
    dropped.abort()  # twice: no error
    assert storage.keys() == ["0123abcd"]


def test_unfinished_writes_are_dropped_once_old(storage: Storage) -> None:
    """A worker that died mid-upload leaves a temporary file or an open multipart upload."""
    out = storage.writer("0123abcd")
    out.write(b"x" * (2 * PART_BYTES + 1))  # S3: the first part is sent
    assert len(storage.keys()) == 1 and storage.keys()[0].startswith(("0123abcd", ".upload"))
    if isinstance(storage, LocalStorage):  # moto dates every multipart upload 2010-11-10
        assert storage.drop_unfinished(utcnow() - timedelta(hours=1)) == 0  # too young
    assert storage.drop_unfinished(utcnow() + timedelta(minutes=1)) == 1
    assert storage.keys() == []


def test_the_app_uses_the_configured_storage(storage: Storage) -> None:
    get_storage().put("feedbeef", b"x")
    assert storage.keys() == ["feedbeef"]


@pytest.mark.parametrize("key", ["../etc/passwd", "a/b", "", "ABCDEF12", "short", "x" * 80])
def test_keys_that_could_escape_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError):
        storage.put(key, b"x")
    with pytest.raises(ValueError):
        check_key(key)


def test_s3_url_forms() -> None:
    assert parse_url("s3://bucket/some/prefix") == (None, "bucket", "some/prefix")
    assert parse_url("http://127.0.0.1:9000/b") == ("http://127.0.0.1:9000", "b", "")
    with pytest.raises(ValueError):
        parse_url("ftp://host/bucket")
