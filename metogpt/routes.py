"""The app's page addresses, in one place for pages, states and redirects."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

CHAT = "/"  # a new conversation
CONVERSATION = "/c/[conversation_id]"  # one conversation; its id is the route's argument
LOGIN = "/login"
REGISTER = "/register"
ADMIN = "/admin"
ACCOUNT = "/account"
SHARE = "/s/[share_token]"  # a share link's public page

_CONVERSATION_PREFIX = "/c/"
NEXT = "next"  # the login page's query parameter: where to go once signed in
_NEXT_MAX = 2000


def conversation(conversation_id: str) -> str:
    """The address of one conversation."""
    return f"{_CONVERSATION_PREFIX}{conversation_id}"


def conversation_in(path: str) -> str:
    """The conversation id in a page's path ("" for a new one, at /)."""
    path = path.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return path.removeprefix(_CONVERSATION_PREFIX) if path.startswith(_CONVERSATION_PREFIX) else ""


def share_path(token: str) -> str:
    return f"/s/{token}"


def login_for(wanted: str) -> str:
    """The sign-in page that leads back to `wanted` (a path with its query) afterwards."""
    target = after_login(wanted)
    return LOGIN if target == CHAT else f"{LOGIN}?{NEXT}={quote(target, safe='/')}"


def after_login(wanted: str | None) -> str:
    """Where signing in leads: `wanted` when it is a path of this site, else the chat.

    Only a path that starts with one "/" passes: "//evil.com" and "/\\evil.com" are
    addresses of another host to a browser, "https://evil" has a scheme, and a control
    character or backslash anywhere could be read as either by some browser. The sign-in
    pages themselves lead to the chat (no loop back to the form)."""
    if not wanted or len(wanted) > _NEXT_MAX or not wanted.startswith("/"):
        return CHAT
    if (
        wanted.startswith("//")
        or "\\" in wanted
        or any(ord(c) < 32 or ord(c) == 127 for c in wanted)
    ):
        return CHAT
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or parts.path.rstrip("/") in (LOGIN, REGISTER):
        return CHAT
    return wanted
