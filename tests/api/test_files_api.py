"""/api/files: upload by multipart, fetch by the owner only (bearer token or signed link),
the security headers, removal of unsent files; the same tests on both storages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from metogpt.services.files import links
from metogpt.services.storage import Storage
from tests.api.helpers import assert_error
from tests.conftest import Account, make_account
from tests.fixtures import documents

KEYS = {"id", "name", "size", "type", "kind", "width", "height", "tokens", "text_layer"}


@pytest.fixture
def owner(database: str, storage: Storage) -> Account:
    return make_account("PRO")


def _upload(api, acc: Account, name: str, data: bytes, mime: str = "application/octet-stream"):
    return api.post("/api/files", headers=acc.headers, files={"file": (name, data, mime)})


def test_upload_describe_fetch(api, owner: Account, storage: Storage) -> None:
    response = _upload(api, owner, "shot.png", documents.image(120, 80), "image/png")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == KEYS
    assert (body["name"], body["type"], body["kind"]) == ("shot.png", "image/png", "image")
    assert (body["width"], body["height"]) == (120, 80) and len(body["id"]) == 32
    assert api.get(f"/api/files/{body['id']}", headers=owner.headers).json() == body
    content = api.get(f"/api/files/{body['id']}/content", headers=owner.headers)
    assert content.status_code == 200 and content.content[:4] == b"\x89PNG"
    assert content.headers["content-type"] == "image/png"
    assert content.headers["x-content-type-options"] == "nosniff"
    assert content.headers["content-disposition"] == "inline; filename*=UTF-8''shot.png"
    assert len(storage.keys()) == 1


@pytest.mark.parametrize(
    "name", ["page.html", "logo.svg", "notes.txt"], ids=["html", "svg", "text"]
)
def test_html_and_svg_are_never_served_inline(api, owner: Account, name: str) -> None:
    data = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    file_id = _upload(api, owner, name, data, "text/html").json()["id"]
    content = api.get(f"/api/files/{file_id}/content", headers=owner.headers)
    assert content.headers["content-type"] == "text/plain; charset=utf-8"
    assert content.headers["content-disposition"].startswith("attachment;")
    assert content.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in content.headers["content-security-policy"]


def test_another_users_file_is_404_everywhere(api, owner: Account, storage: Storage) -> None:
    file_id = _upload(api, owner, "a.txt", b"secret").json()["id"]
    other = make_account("PRO")
    for method, path in [
        ("GET", f"/api/files/{file_id}"),
        ("GET", f"/api/files/{file_id}/content"),
        ("DELETE", f"/api/files/{file_id}"),
    ]:
        assert_error(api.request(method, path, headers=other.headers), 404, "file_not_found")
    assert_error(api.get(f"/api/files/{file_id}/content"), 401)
    assert_error(api.get(f"/api/files/{'0' * 32}/content", headers=owner.headers), 404)
    assert len(storage.keys()) == 1


def test_signed_links_serve_the_owner_only_while_signed_in(api, owner: Account) -> None:
    file_id = _upload(api, owner, "a.txt", b"secret").json()["id"]
    url = links.content_url(owner.token, file_id)
    assert api.get(url).content == b"secret"  # no Authorization header: the link is enough
    signature = parse_qs(urlsplit(url).query)["s"][0]
    tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert_error(api.get(f"/api/files/{file_id}/content?s={tampered}"), 404)
    other = make_account("PRO")
    assert_error(api.get(links.content_url(other.token, file_id)), 404)
    expired = links.content_url(owner.token, file_id, now=1_000_000.0)
    assert_error(api.get(expired), 404)
    assert api.post("/api/auth/logout", headers=owner.headers).status_code == 204
    assert_error(api.get(url), 404)


def test_refusals_are_clear_4xx_and_leave_nothing(
    api, owner: Account, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_error(_upload(api, owner, "setup.png", documents.ELF), 415, "file_type")
    assert_error(_upload(api, owner, "bomb.txt", documents.zip_bomb()), 415, "file_type")
    assert_error(_upload(api, owner, "big.png", documents.png_bomb()), 422, "image_too_large")
    assert_error(_upload(api, owner, "x.pdf", b"%PDF-1.4\n%%EOF garbage"), 422, "bad_file")
    monkeypatch.setenv("METOGPT_UPLOAD_MAX_MB", "1")
    assert_error(_upload(api, owner, "big.txt", b"a" * (1024 * 1024 + 1)), 413, "file_too_large")
    assert_error(_upload(api, owner, "huge.txt", b"a" * (3 * 1024 * 1024)), 413, "too_large")
    assert storage.keys() == []


def test_unsent_files_can_be_removed(api, owner: Account, storage: Storage) -> None:
    file_id = _upload(api, owner, "a.txt", b"x").json()["id"]
    assert api.delete(f"/api/files/{file_id}", headers=owner.headers).status_code == 204
    assert storage.keys() == []
    assert_error(api.get(f"/api/files/{file_id}", headers=owner.headers), 404)


def test_the_multipart_body_is_read_as_it_comes(api, owner: Account, storage: Storage) -> None:
    """Other fields around the file are ignored; the file's name is kept (UTF-8)."""
    response = api.post(
        "/api/files",
        headers=owner.headers,
        data={"note": "before", "zzz": "after"},
        files={"file": ("отчёт.md", b"# Hello\r\n" * 10_000, "text/markdown")},
    )
    assert response.status_code == 201, response.text
    assert (response.json()["name"], response.json()["size"]) == ("отчёт.md", 90_000)
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nhello, cut off"
    ).encode()
    headers = {**owner.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    assert_error(api.post("/api/files", headers=headers, content=body), 422, "invalid")
    missing = api.post("/api/files", headers=owner.headers, files={"other": ("x.txt", b"x")})
    assert_error(missing, 422, "invalid")
    assert_error(api.post("/api/files", headers=owner.headers, json={"file": "x"}), 422, "invalid")
    assert len(storage.keys()) == 1
