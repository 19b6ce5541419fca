"""Accounts: self-registration (on/off, throttled per client address), accounts made by
operators, the bootstrap admin, and passwords (the rules; changed by their owner, reset by
an admin or at the console)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from metogpt.models import GRANT, User
from metogpt.services import auth, billing, roles, throttle, users
from metogpt.services.auth import hash_password
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import Conflict, ErrorCode, Forbidden, InvalidInput, NotFound
from metogpt.services.permissions import Actor
from metogpt.settings import settings

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,63}$")
REGISTER_WINDOW = timedelta(hours=1)


def _text(value: Any, field: str, low: int, high: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text")
    value = unicodedata.normalize("NFC", value).strip()
    if not low <= len(value) <= high:
        raise InvalidInput(f"{field} must be {low}–{high} characters")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in value):
        raise InvalidInput(f"{field} contains invisible or control characters")
    return value


def validate_email(value: Any) -> str:
    email = _text(value, "email", 3, 254).lower()
    if not EMAIL_RE.match(email):
        raise InvalidInput("email is not a valid address", code=ErrorCode.INVALID_EMAIL)
    return email


def validate_username(value: Any) -> str:
    username = _text(value, "username", 2, 64)
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "username must be 2–64 letters, digits, '_', '.' or '-'",
            code=ErrorCode.INVALID_USERNAME,
        )
    return username


def validate_name(value: Any) -> str:
    """A display name: 1–128 visible characters."""
    return _text(value, "name", 1, 128)


def validate_password(value: Any, email: str) -> str:
    """The password rules: 8–256 characters, and not the account's email."""
    if not isinstance(value, str) or not 8 <= len(value) <= 256:
        raise InvalidInput("password must be 8–256 characters", code=ErrorCode.INVALID_PASSWORD)
    if value.strip().lower() == email.strip().lower():
        raise InvalidInput("the password must not be the email", code=ErrorCode.PASSWORD_IS_EMAIL)
    return value


def register(email: Any, username: Any, name: Any, password: Any, *, address: str) -> User:
    """Self-registration, from the sign-up form or POST /api/auth/register: refused when
    registration is closed, and throttled per client address (METOGPT_REGISTER_PER_HOUR
    tries an hour, taken ones included: `email_taken` must not enumerate accounts, nor a
    script farm start balances). The new account has role USER and the start balance."""
    if not settings.allow_registration:
        raise Forbidden("registration is disabled", code=ErrorCode.REGISTRATION_DISABLED)
    fields = _validate(email, username, name, password)
    with write_session() as session:
        throttle.claim(
            session,
            f"register|{address[:100]}",
            settings.register_per_hour,
            REGISTER_WINDOW,
            "too many registrations from this address; try again later",
            code=ErrorCode.REGISTRATION_LIMITED,
        )
    return _create(*fields, roles.USER, settings.start_balance)


def create(
    email: Any,
    username: Any,
    name: Any,
    password: Any,
    *,
    role: str = roles.USER,
    balance: int | None = None,
) -> User:
    """An account made by an operator (CLI) or a test: neither closed registration nor the
    throttle applies."""
    fields = _validate(email, username, name, password)
    return _create(*fields, role, settings.start_balance if balance is None else balance)


def _validate(email: Any, username: Any, name: Any, password: Any) -> tuple[str, str, str, str]:
    email = validate_email(email)
    username = validate_username(username)
    name = validate_name(name)
    return email, username, name, validate_password(password, email)


def _create(email: str, username: str, name: str, password: str, role: str, start: int) -> User:
    pw_hash = hash_password(password)  # slow on purpose: outside any transaction
    try:
        with write_session() as session:
            return _insert(session, email, username, name, pw_hash, role, start)
    except IntegrityError:
        raise Conflict("that email or username is taken", code=ErrorCode.TAKEN) from None


def _insert(
    session: Session, email: str, username: str, name: str, pw_hash: str, role: str, start: int
) -> User:
    taken = session.exec(
        select(User.email, User.username).where(
            or_(col(User.email) == email, func.lower(User.username) == username.lower())
        )
    ).first()
    if taken is not None:
        if taken[0] == email:
            raise Conflict("that email is taken", code=ErrorCode.EMAIL_TAKEN)
        raise Conflict("that username is taken", code=ErrorCode.USERNAME_TAKEN)
    roles.get(session, role)
    user = User(email=email, username=username, name=name, password_hash=pw_hash, role=role)
    session.add(user)
    session.flush()
    if start:
        billing.apply_delta(session, user.id, start, GRANT, reason="registration")
    session.refresh(user)
    return user


def ensure_admin() -> str | None:
    """Make sure an active ADMIN exists (PRODUCT.md §1). Returns a generated password, to be
    printed once, when it had to make one up."""
    with write_session() as session:
        active = session.exec(
            select(func.count())
            .select_from(User)
            .where(User.role == roles.ADMIN, col(User.enabled).is_(True))
        ).one()
        if active:
            return None
        email = validate_email(settings.admin_email)
        generated = None if settings.admin_password else secrets.token_urlsafe(12)
        password = settings.admin_password or generated
        assert password is not None
        existing = session.exec(select(User).where(User.email == email)).first()
        if existing is not None:
            existing.role = roles.ADMIN
            existing.enabled = True
            existing.password_hash = hash_password(password)
            existing.token_version += 1
            session.add(existing)
            return generated
        username = "admin"
        if session.exec(select(User.id).where(User.username == username)).first():
            username = f"admin-{secrets.token_hex(3)}"
        _insert(
            session,
            email,
            username,
            "Administrator",
            hash_password(password),
            roles.ADMIN,
            settings.start_balance,
        )
        return generated


PASSWORD_TRIES = 7
PASSWORD_WINDOW = timedelta(minutes=5)


def change_password(token: str | None, current: Any, new: Any) -> None:
    """A signed-in user changes their own password. The current one must be given (and
    guessing it is throttled like signing in); every other session of the user ends, this
    one goes on. bcrypt runs outside any transaction."""
    with read_session() as session:
        user, _ = auth.authenticate(session, token)
    keep = auth.session_id(token)
    new = validate_password(new, user.email)
    key = f"password|{user.id}"
    with write_session() as session:
        throttle.claim(
            session, key, PASSWORD_TRIES, PASSWORD_WINDOW, "too many wrong passwords; try later"
        )
    if not isinstance(current, str) or not auth.verify_password(current, user.password_hash):
        raise Forbidden("the current password is wrong", code=ErrorCode.WRONG_PASSWORD)
    pw_hash = hash_password(new)
    with write_session() as session:
        throttle.release(session, key)
        _store(session, users.get(session, user.id), pw_hash, keep=keep)


def reset_password(actor: Actor, user_id: Any, new: Any) -> User:
    """An admin sets another user's password (USER_MANAGEMENT.UPDATE, and not for a user
    whose role holds powers the admin lacks): every session of that user ends."""
    with read_session() as session:
        actor.require("USER_MANAGEMENT", "UPDATE")
        user = users.get(session, user_id)
        users.guard_target(session, actor, user)
    pw_hash = hash_password(validate_password(new, user.email))
    with write_session() as session:
        # Checked again in the writing transaction: the role may have changed meanwhile.
        user = users.get(session, user_id)
        users.guard_target(session, actor, user)
        return _store(session, user, pw_hash)


def set_password(email: Any, new: Any) -> User:
    """The operator's console (python -m metogpt set-password): every session ends."""
    email = validate_email(email)
    with read_session() as session:
        user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        raise NotFound("user not found", code=ErrorCode.USER_NOT_FOUND)
    pw_hash = hash_password(validate_password(new, email))
    with write_session() as session:
        return _store(session, users.get(session, user.id), pw_hash)


def _store(session: Session, user: User, pw_hash: str, keep: str | None = None) -> User:
    """The new hash; the user's sessions end but `keep`. Without one to keep, the token
    version moves on too, so that no token issued before survives."""
    user.password_hash = pw_hash
    if keep is None:
        user.token_version += 1
    session.add(user)
    auth.end_sessions(session, user.id, keep=keep)
    session.flush()
    return user
