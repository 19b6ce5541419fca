"""Files every browser asks for on its own, served by the real app."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_favicon_ico_is_served(http: httpx.Client) -> None:
    # Browsers request /favicon.ico whatever the page links; it was a 404 on every page.
    response = http.get("/favicon.ico")
    assert response.status_code == 200
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert http.get("/favicon.svg").status_code == 200
