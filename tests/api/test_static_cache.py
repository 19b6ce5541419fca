"""Hashed build files are served as immutable; pages and misses are not."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from metogpt.api import ImmutableAssets

IMMUTABLE = "public, max-age=31536000, immutable"


def _client(tmp_path: Path) -> TestClient:
    (tmp_path / "entry-Ab12.js").write_text("export default 1;\n")

    def page(_: object) -> HTMLResponse:
        return HTMLResponse("<html></html>", headers={"Cache-Control": "no-cache"})

    app = Starlette(
        routes=[Route("/admin", page), Mount("/assets", StaticFiles(directory=tmp_path))]
    )
    return TestClient(ImmutableAssets(app))


def test_hashed_assets_are_immutable_when_served_or_revalidated(tmp_path: Path) -> None:
    client = _client(tmp_path)
    first = client.get("/assets/entry-Ab12.js")
    assert first.status_code == 200
    assert first.headers["cache-control"] == IMMUTABLE
    again = client.get("/assets/entry-Ab12.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == IMMUTABLE


def test_pages_and_misses_keep_their_own_caching(tmp_path: Path) -> None:
    client = _client(tmp_path)
    assert client.get("/admin").headers["cache-control"] == "no-cache"
    missing = client.get("/assets/nope-1234.js")
    assert missing.status_code == 404
    assert "cache-control" not in missing.headers
