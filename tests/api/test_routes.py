"""The REST app's surface: the docs offline, the OpenAPI schema listing every route of the
spec, and the catch-all for unknown paths and wrong methods (PRODUCT.md §4)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette

from metogpt.api import build_api
from tests.api.helpers import assert_error, each

LOGIN = "/api/auth/login"
ME = "/api/auth/me"

# ---- docs, schema, unknown routes -----------------------------------------------------------


def test_docs_work_offline_from_local_assets(api: TestClient, database: str) -> None:
    r = api.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", r.text)
    urls += re.findall(r"""url:\s*['"]([^'"]+)['"]""", r.text)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls), urls
    for url in urls:
        assert url.startswith(("/api/docs-assets/", "/api/openapi.json")), url
    assert not re.search(r"https?:|//[a-z]", r.text.lower())  # nothing from another host
    for url in urls:
        if url.startswith("/api/docs-assets/"):
            assert api.get(url).status_code == 200, url


def test_openapi_lists_every_route_of_the_spec(api: TestClient, database: str) -> None:
    spec = api.get("/api/openapi.json").json()
    routes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert routes == {
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/register"),
        ("GET", "/api/auth/me"),
        ("POST", "/api/auth/logout"),
        ("POST", "/api/auth/password"),
        ("PUT", "/api/admin/users/{userId}/password"),
        ("GET", "/api/admin/users"),
        ("PUT", "/api/admin/users/{userId}/balance"),
        ("GET", "/api/admin/users/{userId}/transactions"),
        ("PUT", "/api/admin/users/{userId}/role"),
        ("GET", "/api/admin/users/{userId}/models"),
        ("GET", "/api/admin/roles"),
        ("GET", "/api/admin/roles/{roleName}"),
        ("POST", "/api/admin/roles"),
        ("PUT", "/api/admin/roles/{roleName}"),
        ("DELETE", "/api/admin/roles/{roleName}"),
        # Money in (issue 18)
        ("GET", "/api/packages"),
        ("POST", "/api/payments"),
        ("GET", "/api/me/payments"),
        ("GET", "/api/me/grant"),
        ("POST", "/api/payments/yookassa/webhook"),
        ("POST", "/api/payments/stripe/webhook"),
        ("GET", "/api/admin/packages"),
        ("POST", "/api/admin/packages"),
        ("PUT", "/api/admin/packages/{packageId}"),
        ("DELETE", "/api/admin/packages/{packageId}"),
        ("GET", "/api/admin/payments"),
        ("POST", "/api/admin/payments/{paymentId}/reconcile"),
        # The account page (issue 17)
        ("GET", "/api/me/usage"),
        ("GET", "/api/me/transactions"),
        # Personal API keys (issue 17)
        ("GET", "/api/me/keys"),
        ("POST", "/api/me/keys"),
        ("DELETE", "/api/me/keys/{keyId}"),
        ("GET", "/api/admin/users/{userId}/keys"),
        ("DELETE", "/api/admin/keys/{keyId}"),
        # Files (issue 15)
        ("POST", "/api/files"),
        ("GET", "/api/files/{fileId}"),
        ("DELETE", "/api/files/{fileId}"),
        ("GET", "/api/files/{fileId}/content"),
        # Conversations that travel (issue 16)
        ("GET", "/api/conversations"),
        ("GET", "/api/conversations/export"),
        ("POST", "/api/conversations/import"),
        ("GET", "/api/conversations/{conversationId}/export"),
        ("POST", "/api/conversations/{conversationId}/archive"),
        ("POST", "/api/conversations/{conversationId}/unarchive"),
        ("POST", "/api/conversations/{conversationId}/share"),
        ("GET", "/api/shares"),
        ("DELETE", "/api/shares/{token}"),
        ("GET", "/api/presets"),
        ("POST", "/api/presets"),
        ("PUT", "/api/presets/{presetId}"),
        ("DELETE", "/api/presets/{presetId}"),
        # The live answer, delta by delta (issue 14)
        ("GET", "/api/answers/{messageId}/stream"),
    }


@pytest.fixture(params=["bare", "mounted"])
def routed(request: pytest.FixtureRequest, database: str) -> Iterator[TestClient]:
    """The REST app alone, and with an app mounted under it at "" as Reflex mounts itself
    (a mount that matches every path and method: it made every unknown path a 405)."""
    api = build_api()
    if request.param == "mounted":
        api.mount("", Starlette())
    with TestClient(api) as client:
        yield client


UNKNOWN_PATHS = ["/api/x", "/api/admin/nothing/here", "/api/auth/me/more"]
ALLOWED = [
    ("PUT", ME, "GET"),
    ("GET", LOGIN, "POST"),
    ("PATCH", "/api/admin/roles/PRO", "GET, PUT, DELETE"),
    ("DELETE", "/api/admin/users", "GET"),
    ("OPTIONS", "/api/admin/roles", "GET, POST"),
    ("TRACE", "/api/admin/users/abc/balance", "PUT"),
]


def test_an_unknown_api_path_is_a_json_404(routed: TestClient) -> None:
    def check(method: str) -> None:
        for path in UNKNOWN_PATHS:
            r = routed.request(method, path)
            assert_error(r, 404, "not_found")
            assert "Allow" not in r.headers

    each(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"], check)


def test_a_known_path_with_a_wrong_method_is_405_with_allow(routed: TestClient) -> None:
    def check(case: tuple[str, str, str]) -> None:
        method, path, allow = case
        r = routed.request(method, path)
        assert_error(r, 405, "method_not_allowed")
        assert r.headers.get("Allow") == allow

    each(
        [
            ("PUT", ME, "GET"),
            ("GET", LOGIN, "POST"),
            ("PATCH", "/api/admin/roles/PRO", "GET, PUT, DELETE"),
            ("DELETE", "/api/admin/users", "GET"),
            ("OPTIONS", "/api/admin/roles", "GET, POST"),
            *ALLOWED,
        ],
        check,
    )
