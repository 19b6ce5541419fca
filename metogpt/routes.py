"""The app's page addresses, in one place for pages, states and redirects."""

from __future__ import annotations

CHAT = "/"  # a new conversation
CONVERSATION = "/c/[conversation_id]"  # one conversation; its id is the route's argument
LOGIN = "/login"
REGISTER = "/register"
ADMIN = "/admin"
ACCOUNT = "/account"

_CONVERSATION_PREFIX = "/c/"


def conversation(conversation_id: str) -> str:
    """The address of one conversation."""
    return f"{_CONVERSATION_PREFIX}{conversation_id}"


def conversation_in(path: str) -> str:
    """The conversation id in a page's path ("" for a new one, at /)."""
    path = path.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return path.removeprefix(_CONVERSATION_PREFIX) if path.startswith(_CONVERSATION_PREFIX) else ""


SHARE = "/s/[share_token]"  # a share link's public page


def share_path(token: str) -> str:
    return f"/s/{token}"
