"""User management by admins: the list, roles, enabling, models; and a user's locale.
(Creating accounts and passwords: services/accounts.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, column, func, literal_column, or_, text
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from metogpt.models import Role, User
from metogpt.services import permissions, roles
from metogpt.services.db import is_key
from metogpt.services.errors import Conflict, ErrorCode, Forbidden, InvalidInput, NotFound
from metogpt.services.permissions import Actor

LOCALES = ("en", "ru")
MAX_PAGE = 500
# A search with at most this many matches is answered by one walk of ix_user_listing.
SEARCH_BATCH = 2000
SORTS = {
    "created": col(User.created_at),
    "email": col(User.email),
    "name": col(User.name),
    "balance": col(User.balance),
    "role": col(User.role),
    "active": col(User.last_active_at),
}


def get(session: Session, user_id: Any) -> User:
    user = session.get(User, user_id) if is_key(user_id) else None
    if user is None:
        raise NotFound("user not found", code=ErrorCode.USER_NOT_FOUND)
    return user


def page_args(limit: Any, offset: Any) -> tuple[int, int]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1–{MAX_PAGE}")
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= 10**9:
        raise InvalidInput("offset must be a non-negative whole number")
    return limit, offset


def _search_match(session: Session, needle: str) -> ColumnElement[bool]:
    """Case-insensitive substring match of a lower-cased needle on email (stored lower-cased),
    username and name."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    # ESCAPE only when there is something to escape: it makes SQLite's LIKE slower.
    escape = {"escape": "\\"} if escaped != needle else {}
    # PostgreSQL's LIKE is case-sensitive: lower() on both sides. SQLite's LIKE already
    # ignores ASCII case, which is all an ASCII needle can meet, so there the columns are
    # compared as stored (lower() would double the scan); a needle with other letters
    # (1-2 characters: longer ones use the search index) needs unicode_lower
    # (services/db.py), as SQLite's lower() folds ASCII only.
    if session.get_bind().dialect.name != "sqlite":
        fold: Any = func.lower
    else:
        fold = (lambda column: column) if needle.isascii() else func.unicode_lower
    return or_(
        col(User.email).like(pattern, **escape),
        fold(col(User.username)).like(pattern, **escape),
        fold(col(User.name)).like(pattern, **escape),
    )


def _window(
    session: Session,
    query: SelectOfScalar[Any],
    order: tuple[Any, ...],
    flipped: tuple[Any, ...],
    limit: int,
    offset: int,
    total: int,
) -> list[Any]:
    """Rows [offset, offset + limit) of `query` in `order`, out of `total`. A page in the far
    half is read from the other end, in the flipped order, and reversed: the same rows
    (the order is total, and DESC is the exact reverse of ASC, NULLs included), but no
    page walks more than half of the index - the last page costs what the first does."""
    if offset >= total:
        return []
    limit = min(limit, total - offset)
    from_end = total - offset - limit
    if from_end < offset:
        rows = session.exec(query.order_by(*flipped).limit(limit).offset(from_end)).all()
        return list(reversed(rows))
    return list(session.exec(query.order_by(*order).limit(limit).offset(offset)).all())


def list_users(
    session: Session,
    actor: Actor,
    search: str = "",
    limit: int = 50,
    offset: int = 0,
    sort: str = "created",
    descending: bool = True,
) -> tuple[list[User], int]:
    """One page of users and the exact number of users matching `search`.

    The id tie-break runs in the sort's direction, so that for the default order (newest
    first) the database walks ix_user_listing instead of sorting. A search first asks for
    the ids of up to SEARCH_BATCH + 1 matches in page order: that one walk of the index
    (which holds every searched column) answers most searches whole, the exact total being
    the number of ids; only a broader search also counts, and pages deeper than the batch
    are read by `_window`."""
    actor.require("USER_MANAGEMENT", "READ")
    limit, offset = page_args(limit, offset)
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}")
    if not isinstance(search, str) or len(search) > 200:
        raise InvalidInput("search must be at most 200 characters")
    if "\x00" in search:
        # Nothing stored holds a NUL (PostgreSQL cannot): no match, and no query to choke on.
        return [], 0
    column = SORTS[sort]
    ascending = (column.asc(), col(User.id).asc())
    descending_ = (column.desc(), col(User.id).desc())
    order, flipped = (descending_, ascending) if descending else (ascending, descending_)
    needle = search.strip().lower()
    if not needle:
        total = session.exec(select(func.count()).select_from(User)).one()
        return _window(session, select(User), order, flipped, limit, offset, total), total
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite" and len(needle) >= 3:
        page, total = _search_indexed(session, needle, sort, order, flipped, limit, offset)
    else:
        if dialect == "postgresql":
            # The best plan depends on the needle (the trigram indexes of migration 0006 for
            # a rare one, the listing index for a common one): no generic plan of a
            # prepared statement may choose for all needles (bench.pg_search).
            session.connection().execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        page, total = _search_walk(session, needle, order, flipped, limit, offset)
    if not page:
        return [], total
    rows = session.exec(select(User).where(col(User.id).in_(page)).order_by(*order)).all()
    return list(rows), total


def _search_walk(
    session: Session,
    needle: str,
    order: tuple[Any, ...],
    flipped: tuple[Any, ...],
    limit: int,
    offset: int,
) -> tuple[list[str], int]:
    """The ids of the page and the total, by walking the user list with LIKE."""
    match = _search_match(session, needle)
    ids = select(User.id).where(match)
    batch = session.exec(ids.order_by(*order).limit(SEARCH_BATCH + 1)).all()
    if len(batch) <= SEARCH_BATCH:
        total, page = len(batch), batch[offset : offset + limit]
    else:
        total = session.exec(select(func.count()).select_from(User).where(match)).one()
        if offset + limit <= len(batch):
            page = batch[offset : offset + limit]
        else:
            page = _window(session, ids, order, flipped, limit, offset, total)
    return list(page), total


def _search_indexed(
    session: Session,
    needle: str,
    sort: str,
    order: tuple[Any, ...],
    flipped: tuple[Any, ...],
    limit: int,
    offset: int,
) -> tuple[list[str], int]:
    """SQLite, a needle of 3+ characters: the FTS5 trigram index `user_search` (migration
    0005) gives the exact total and the matching rows at once. Up to SEARCH_BATCH matches
    are sorted whole; beyond that, newest first, the listing index is walked in order and
    each row tested against the matches, which stops as soon as the page is full."""
    phrase = '"' + needle.replace('"', '""') + '"'
    hits = (
        text("SELECT rowid FROM user_search WHERE user_search MATCH :q")
        .bindparams(q=phrase)
        .columns(column("rowid"))
    )
    total = session.exec(select(func.count()).select_from(hits.subquery())).one()
    ids = select(User.id).where(literal_column('"user".rowid').in_(hits))
    if total <= SEARCH_BATCH:
        return list(session.exec(ids.order_by(*order)).all()[offset : offset + limit]), total
    if sort == "created":
        ids = ids.with_hint(User, "INDEXED BY ix_user_listing", "sqlite")
    return list(_window(session, ids, order, flipped, limit, offset, total)), total


def guard_target(session: Session, actor: Actor, user: User) -> None:
    """Managing someone whose role holds powers you lack would be escalation by proxy."""
    current = session.get(Role, user.role)
    if current is not None:
        permissions.require_no_escalation(
            actor.permissions, current.permissions, f"the role of {user.email}"
        )


def _other_active_admins(session: Session, user_id: str) -> int:
    # FOR UPDATE (a no-op on SQLite, which already holds the write lock) makes two
    # admins demoting each other at once serialize instead of both succeeding.
    rows = session.exec(
        select(User.id)
        .where(User.role == roles.ADMIN, col(User.enabled).is_(True), User.id != user_id)
        .with_for_update()
    ).all()
    return len(rows)


def _would_lock_out(session: Session, user: User) -> bool:
    return user.role == roles.ADMIN and user.enabled and _other_active_admins(session, user.id) == 0


def change_role(session: Session, actor: Actor, user_id: Any, role_name: Any) -> User:
    actor.require("USER_MANAGEMENT", "UPDATE")
    user = get(session, user_id)
    if not isinstance(role_name, str):
        raise InvalidInput("role must be a role name")
    role = roles.get(session, role_name)
    guard_target(session, actor, user)
    permissions.require_no_escalation(actor.permissions, role.permissions, f"role {role.name}")
    if user.role == role.name:
        return user
    if role.name != roles.ADMIN and _would_lock_out(session, user):
        raise Conflict("the last active ADMIN cannot be demoted", code=ErrorCode.LAST_ADMIN)
    user.role = role.name
    user.token_version += 1
    session.add(user)
    session.flush()
    return user


def set_enabled(session: Session, actor: Actor, user_id: Any, enabled: Any) -> User:
    actor.require("USER_MANAGEMENT", "UPDATE")
    if not isinstance(enabled, bool):
        raise InvalidInput("enabled must be true or false")
    user = get(session, user_id)
    guard_target(session, actor, user)
    if not enabled and user.id == actor.user_id:
        raise Forbidden("you cannot disable your own account", code=ErrorCode.SELF_DISABLE)
    if user.enabled == enabled:
        return user
    if not enabled and _would_lock_out(session, user):
        raise Conflict("the last active ADMIN cannot be disabled", code=ErrorCode.LAST_ADMIN)
    user.enabled = enabled
    user.token_version += 1
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class ModelOffer:
    model: str
    coefficient: str


def models_of(session: Session, user: User) -> list[ModelOffer]:
    """The models this user may use right now, with their role's coefficients."""
    role = session.get(Role, user.role)
    if role is None:
        return []
    return [ModelOffer(m, c) for m, c in roles.enabled_models(role).items()]


def user_models(session: Session, actor: Actor, user_id: Any) -> list[ModelOffer]:
    actor.require("USER_MANAGEMENT", "READ")
    return models_of(session, get(session, user_id))


def set_locale(session: Session, user_id: str, locale: Any) -> None:
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}")
    user = get(session, user_id)
    user.locale = locale
    session.add(user)
