"""The REST surface as `reflex run` serves it, over real HTTP: the app Reflex builds mounts
itself under our FastAPI app, which is what the bare-app tests in tests/api cannot see."""

from __future__ import annotations

import httpx
import pytest

from tests.api.helpers import assert_error

pytestmark = pytest.mark.e2e


def test_an_unknown_api_path_is_a_json_404(http: httpx.Client) -> None:
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
        for path in ("/api/x", "/api/admin/nothing/here", "/api/auth/me/more"):
            r = http.request(method, path)
            assert_error(r, 404, "not_found")
            assert "allow" not in r.headers, (method, path, r.headers)


def test_a_known_path_with_a_wrong_method_is_405_with_its_own_methods(http: httpx.Client) -> None:
    for method, path, allow in [
        ("PUT", "/api/auth/me", "GET"),
        ("GET", "/api/auth/login", "POST"),
        ("PATCH", "/api/admin/roles/PRO", "GET, PUT, DELETE"),
        ("DELETE", "/api/admin/users", "GET"),
    ]:
        r = http.request(method, path)
        assert_error(r, 405, "method_not_allowed")
        assert r.headers.get("allow") == allow, (method, path, r.headers.get("allow"))
