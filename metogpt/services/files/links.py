"""Addresses a browser can open a file at without an Authorization header (an <img>, a
download link): `/api/files/<id>/content?s=<session>.<expiry>.<signature>`.

The signature (HMAC-SHA256 with the app's signing key) binds the file, the signed-in
session and the expiry; the link works only while that session lives (signing out kills
it) and only for the file's owner: otherwise it is a 404 like any unknown file."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC

from sqlmodel import Session

from metogpt.models import Attachment, AuthSession, utcnow
from metogpt.services import auth
from metogpt.services.db import is_key
from metogpt.services.errors import ErrorCode, NotFound
from metogpt.settings import settings

LINK_SECONDS = 12 * 3600


def _mac(file_id: str, session_id: str, expires: int) -> str:
    message = f"file:{file_id}:{session_id}:{expires}".encode()
    return hmac.new(settings.jwt_secret.encode(), message, hashlib.sha256).hexdigest()


def content_url(token: str | None, file_id: str, *, now: float | None = None) -> str:
    """The signed address of one file for the session `token` belongs to."""
    session_id = auth.session_id(token)
    expires = int((now or time.time()) + LINK_SECONDS)
    signature = f"{session_id}.{expires}.{_mac(file_id, session_id, expires)}"
    return f"/api/files/{file_id}/content?s={signature}"


def owner_by_link(session: Session, file_id: str, signature: str) -> str:
    """The user a signed link stands for; NotFound when it is not valid for this file."""
    gone = NotFound("file not found", code=ErrorCode.FILE_NOT_FOUND)
    parts = signature.split(".")
    if len(parts) != 3 or not is_key(parts[0]) or not parts[1].isdigit():
        raise gone
    session_id, expires = parts[0], int(parts[1])
    if expires < time.time() or not hmac.compare_digest(
        parts[2], _mac(file_id, session_id, expires)
    ):
        raise gone
    row = session.get(AuthSession, session_id)
    file = session.get(Attachment, file_id) if is_key(file_id) else None
    expires_at = row.expires_at if row else None
    if expires_at is not None and expires_at.tzinfo is None:  # SQLite: stored as UTC
        expires_at = expires_at.replace(tzinfo=UTC)
    if row is None or file is None or row.user_id != file.user_id:
        raise gone
    if expires_at is None or expires_at <= utcnow():
        raise gone
    return row.user_id
