"""One suite for both storages: the local directory and S3 (moto's server on loopback)."""

from __future__ import annotations

import pytest

from metogpt.services.storage import Storage, check_key, get_storage
from metogpt.services.storage.s3 import parse_url


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
