"""Page addresses: where signing in leads (only a path of this site; no open redirect)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from metogpt import routes


@pytest.mark.parametrize(
    "wanted",
    [
        "/c/abc123",
        "/account",
        "/account?payment=p-1&status=ok",
        "/admin",
        "/c/abc?x=%2F%2Fevil.com",
    ],
)
def test_a_path_of_this_site_is_where_signing_in_leads(wanted: str) -> None:
    assert routes.after_login(wanted) == wanted
    # there and back: the sign-in page's `next`, as the browser hands it over, leads here
    query = urlsplit(routes.login_for(wanted)).query
    assert routes.after_login(parse_qs(query)[routes.NEXT][0]) == wanted


@pytest.mark.parametrize(
    "wanted",
    [
        None,
        "",
        "//evil.com",
        "//evil.com/c/x",
        "https://evil",
        "https://evil.com/c/abc",
        "http:/evil.com",
        "javascript:alert(1)",
        "/\\evil.com",
        "/\\/evil.com",
        "\\\\evil.com",
        "/\t/evil.com",
        "/\n/evil.com",
        "evil.com",
        "c/abc",
        "/login",
        "/login/",
        "/login?next=/admin",
        "/register",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_leads_to_the_chat(wanted: str | None) -> None:
    assert routes.after_login(wanted) == routes.CHAT


def test_the_login_page_carries_the_wanted_page_encoded() -> None:
    assert routes.login_for("/c/abc") == "/login?next=/c/abc"
    assert (
        routes.login_for("/account?payment=p&x=1") == "/login?next=/account%3Fpayment%3Dp%26x%3D1"
    )
    # nothing worth coming back to: the plain sign-in page
    assert routes.login_for("/") == routes.LOGIN
    assert routes.login_for("//evil.com") == routes.LOGIN
