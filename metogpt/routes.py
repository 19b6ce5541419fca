"""The app's page addresses, in one place for pages, states and redirects."""

from __future__ import annotations

CHAT = "/"
LOGIN = "/login"
REGISTER = "/register"
ADMIN = "/admin"
ACCOUNT = "/account"
