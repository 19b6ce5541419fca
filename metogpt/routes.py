"""The app's page addresses, in one place for pages, states and redirects."""

from __future__ import annotations

CHAT = "/"
LOGIN = "/login"
REGISTER = "/register"
ADMIN = "/admin"
ACCOUNT = "/account"
SHARE = "/s/[share_token]"  # a share link's public page


def share_path(token: str) -> str:
    return f"/s/{token}"
