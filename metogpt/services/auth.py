"""Passwords, tokens, login (with throttling) and turning a token back into an actor."""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import time
from datetime import timedelta
from typing import Any

import bcrypt
import jwt
from sqlalchemy import delete
from sqlmodel import Session, col, select

from metogpt.models import AuthSession, Role, User, utcnow
from metogpt.services import permissions, throttle
from metogpt.services.db import is_key, write_session
from metogpt.services.errors import ErrorCode, Unauthorized
from metogpt.services.permissions import Actor
from metogpt.settings import settings

THROTTLE_TRIES = 7
THROTTLE_WINDOW = timedelta(minutes=5)
_ALGORITHM = "HS256"
_TOO_MANY = "too many sign-in attempts; try again later"


def _prehash(password: str) -> bytes:
    # bcrypt reads only 72 bytes; a SHA-256 digest first lets every character count.
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


def hash_password(password: str) -> str:
    """Slow on purpose (bcrypt): async callers run it with asyncio.to_thread."""
    salt = bcrypt.gensalt(rounds=settings.bcrypt_rounds)
    return bcrypt.hashpw(_prehash(password), salt).decode()


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode())
    except ValueError:
        return False


@functools.cache
def _dummy_hash() -> str:
    """Compared against when the email is unknown, so that both paths cost one bcrypt
    check of the same rounds (the setting's, as every real hash has)."""
    return hash_password(secrets.token_hex(16))


def issue_token(session: Session, user: User) -> tuple[str, int]:
    """A signed token for a new sign-in session of `user`, and its lifetime in seconds. The
    session is a row (its id is the token's `jti`) that signing out deletes: a token is
    good only while its row exists, on every worker."""
    now = utcnow()
    ttl = settings.token_ttl_seconds
    expires = now + timedelta(seconds=ttl)
    # The user's sessions that have expired by themselves go as a new one starts.
    session.exec(
        delete(AuthSession).where(
            col(AuthSession.user_id) == user.id, col(AuthSession.expires_at) < now
        )
    )
    row = AuthSession(user_id=user.id, expires_at=expires)
    session.add(row)
    claims = {
        "sub": user.id,
        "ver": user.token_version,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": row.id,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=_ALGORITHM), ttl


@functools.lru_cache(maxsize=4096)
def _signed(token: str, secret: str) -> dict[str, Any] | None:
    """The claims of a token whose signature is good (None: forged or malformed), its
    expiry not checked. Kept for the token's next uses: a tab's token is checked on each
    of its events and requests, and a signature stays good (~50 µs of CPU each time)."""
    try:
        return jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"verify_exp": False})
    except jwt.PyJWTError:
        return None


def _claims(token: str) -> dict[str, Any]:
    claims = _signed(token, settings.jwt_secret)
    try:
        if claims is None or any(name not in claims for name in ("sub", "ver", "jti")):
            raise ValueError
        expires = int(claims["exp"])
    except (KeyError, ValueError, TypeError, OverflowError):
        raise Unauthorized("invalid token", code=ErrorCode.INVALID_TOKEN) from None
    if expires <= time.time():  # as PyJWT checks it (its leeway is 0)
        raise Unauthorized("the session has expired; sign in again", code=ErrorCode.TOKEN_EXPIRED)
    return claims


def _revoked() -> Unauthorized:
    return Unauthorized(
        "the session is no longer valid; sign in again", code=ErrorCode.TOKEN_REVOKED
    )


def _token_claims(token: str | None) -> dict[str, Any]:
    if not token or len(token) > 4096:
        raise Unauthorized("sign in first", code=ErrorCode.UNAUTHENTICATED)
    claims = _claims(token)
    if not is_key(claims["jti"]) or not is_key(claims["sub"]):
        raise _revoked()
    return claims


def session_id(token: str | None) -> str:
    """The id of the sign-in session a well-signed, unexpired token belongs to."""
    return _token_claims(token)["jti"]


def authenticate(session: Session, token: str | None) -> tuple[User, Actor]:
    """The user and their current permissions, or Unauthorized. Read fresh on every call:
    the token's session row must still exist (one primary-key read: signing out or a
    password change deletes it), and a role or enabled change bumps `token_version`,
    which kills every older token of the user."""
    claims = _token_claims(token)
    # One indexed read (the session's primary key, the user's, the role's) for the three:
    # it runs for every request, every chat turn and every answer's live stream.
    found = session.exec(
        select(User, Role.permissions)
        .join(AuthSession, col(AuthSession.user_id) == col(User.id))
        .outerjoin(Role, col(Role.name) == col(User.role))
        .where(col(AuthSession.id) == claims["jti"], col(User.id) == claims["sub"])
    ).first()
    if found is None or claims["ver"] != found[0].token_version:
        raise _revoked()
    user, matrix = found
    if not user.enabled:
        raise Unauthorized("this account is disabled", code=ErrorCode.ACCOUNT_DISABLED)
    matrix = permissions.normalize(matrix) if matrix is not None else permissions.empty_matrix()
    return user, Actor(user_id=user.id, role=user.role, permissions=matrix)


def own_balance(session: Session, token: str | None) -> int:
    """The token's user's balance, checked as `authenticate` checks (the session row, the
    token version, the account enabled) in one indexed read: the header polls it."""
    claims = _token_claims(token)
    balance = session.exec(
        select(User.balance)
        .join(AuthSession, col(AuthSession.user_id) == col(User.id))
        .where(
            col(AuthSession.id) == claims["jti"],
            col(User.id) == claims["sub"],
            col(User.token_version) == claims["ver"],
            col(User.enabled).is_(True),
        )
    ).first()
    if balance is None:
        raise _revoked()
    return balance


def logout(session: Session, token: str | None) -> None:
    """Sign out: the token's session ends for every worker (its row is deleted). A token
    that is no longer valid is refused like any other use of it."""
    authenticate(session, token)
    session.exec(delete(AuthSession).where(col(AuthSession.id) == session_id(token)))


def end_sessions(session: Session, user_id: str, keep: str | None = None) -> None:
    """End every sign-in session of the user, but `keep` (a session id) if given."""
    query = delete(AuthSession).where(col(AuthSession.user_id) == user_id)
    if keep is not None:
        query = query.where(col(AuthSession.id) != keep)
    session.exec(query)


def end_expired_sessions(session: Session) -> None:
    """Forget the sessions whose tokens have expired (at start: each sign-in also clears
    its own user's, so only those of users who never came back wait for this)."""
    session.exec(delete(AuthSession).where(col(AuthSession.expires_at) < utcnow()))


def actor_for(session: Session, user: User) -> Actor:
    role = session.get(Role, user.role)
    matrix = permissions.normalize(role.permissions) if role else permissions.empty_matrix()
    return Actor(user_id=user.id, role=user.role, permissions=matrix)


def _throttle_key(email: str, address: str) -> str:
    return f"login|{email[:254]}|{address[:100]}"


def login(email: Any, password: Any, address: str) -> tuple[User, str, int]:
    """Check credentials. Throttled per (email, address): each try claims one of
    THROTTLE_TRIES slots of THROTTLE_WINDOW before its password is checked, so the 8th try
    within five minutes, parallel ones included, is refused with 429 whatever the password.
    A failed try keeps its slot; a successful one gives back every slot of its key.

    Runs its own short transactions: the slow bcrypt check happens outside any of them
    (it would otherwise hold SQLite's write lock), and the claimed slot is committed before
    the password is checked."""
    if not isinstance(email, str) or not isinstance(password, str):
        raise Unauthorized("wrong email or password", code=ErrorCode.BAD_CREDENTIALS)
    email = email.strip().lower()
    if "\x00" in email:
        # No account has such an email, and PostgreSQL could not even look it up or record
        # the failed try (NUL in text): refused at once, there is nothing to throttle.
        raise Unauthorized("wrong email or password", code=ErrorCode.BAD_CREDENTIALS)
    key = _throttle_key(email, address)
    with write_session() as session:
        throttle.claim(session, key, THROTTLE_TRIES, THROTTLE_WINDOW, _TOO_MANY)
        user = session.exec(select(User).where(User.email == email)).first()
    # Known and unknown emails cost the same bcrypt check (the dummy has the same rounds).
    ok = verify_password(password, user.password_hash if user else _dummy_hash())
    if not ok or user is None:
        raise Unauthorized("wrong email or password", code=ErrorCode.BAD_CREDENTIALS)
    with write_session() as session:
        throttle.release(session, key)
        user = session.get(User, user.id)
        issued = None
        if user is not None and user.enabled:
            user.last_active_at = utcnow()
            session.add(user)
            issued = issue_token(session, user)
    if user is None or issued is None:
        raise Unauthorized("this account is disabled", code=ErrorCode.ACCOUNT_DISABLED)
    return user, *issued


def subject(token: str | None) -> str:
    """Whose token this is, by its signature alone ("" for none or a forged one), expired
    or revoked or not: it names whose data a browser tab may hold, not who may act."""
    if not token or len(token) > 4096:
        return ""
    claims = _signed(token, settings.jwt_secret)
    sub = claims.get("sub") if claims is not None else None
    return sub if isinstance(sub, str) else ""
