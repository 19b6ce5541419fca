"""The conversation list: delete hides at once and can be undone until the purge; the date
groups the sidebar shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from metogpt.models import Conversation, Message, User
from metogpt.services import conversations
from metogpt.services.db import read_session
from metogpt.services.errors import NotFound
from tests.conftest import make_account
from tests.support.calls import in_write, user_row


def _chat(user: User, text: str) -> str:
    return in_write(
        conversations.post_user_message, user, None, text, "gpt-3.5-turbo"
    ).conversation_id


def test_delete_hides_at_once_undo_restores_and_the_purge_removes_for_good(
    database: str,
) -> None:
    user = user_row(make_account().id)
    kept, gone = _chat(user, "Keep me"), _chat(user, "Delete me")
    in_write(conversations.remove, user, gone)
    assert [c.id for c in in_write(conversations.listing, user)] == [kept]
    assert [c.id for c in in_write(conversations.listing, user, "delete me")] == []
    with pytest.raises(NotFound):
        in_write(conversations.get, user, gone)
    assert in_write(conversations.screen, user, gone).current is None
    with pytest.raises(NotFound):  # nothing can be added to it meanwhile
        in_write(conversations.post_user_message, user, gone, "more", "gpt-3.5-turbo")

    in_write(conversations.restore, user, gone)
    assert [c.id for c in in_write(conversations.listing, user)] == [gone, kept]
    assert in_write(conversations.get, user, gone).title == "Delete me"

    in_write(conversations.remove, user, gone)
    assert in_write(conversations.purge) == 0  # within the undo window: still restorable
    later = datetime.now(UTC) + timedelta(seconds=conversations.UNDO_SECONDS + 1)
    assert in_write(conversations.purge, later) == 1
    with read_session() as s:
        assert s.get(Conversation, gone) is None
        assert s.exec(select(Message).where(Message.conversation_id == gone)).all() == []
        assert s.get(Conversation, kept) is not None
    with pytest.raises(NotFound):
        in_write(conversations.restore, user, gone)


def test_only_the_owner_deletes_or_restores(database: str) -> None:
    owner, other = user_row(make_account().id), user_row(make_account().id)
    conv = _chat(owner, "Mine")
    with pytest.raises(NotFound):
        in_write(conversations.remove, other, conv)
    in_write(conversations.remove, owner, conv)
    with pytest.raises(NotFound):
        in_write(conversations.restore, other, conv)
    with pytest.raises(NotFound):  # a live conversation is not "restored" either
        in_write(conversations.restore, owner, _chat(owner, "Live"))
    in_write(conversations.restore, owner, conv)


@pytest.mark.parametrize(
    ("updated", "group"),
    [
        (datetime(2026, 12, 3, 0, 1, tzinfo=UTC), "today"),
        (datetime(2026, 12, 2, 23, 59, tzinfo=UTC), "yesterday"),
        (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "week"),
        (datetime(2026, 11, 26, 0, 0, tzinfo=UTC), "week"),
        (datetime(2026, 11, 25, 0, 0, tzinfo=UTC), "month"),
        (datetime(2026, 11, 3, 0, 0, tzinfo=UTC), "month"),
        (datetime(2026, 11, 2, 0, 0, tzinfo=UTC), "2026-11"),
        (datetime(2025, 1, 31, 0, 0), "2025-01"),  # naive (SQLite): UTC
    ],
)
def test_age_groups(updated: datetime, group: str) -> None:
    assert conversations.age_group(updated, date(2026, 12, 3)) == group


def test_age_groups_follow_the_given_time_zone() -> None:
    late = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)  # 01:30 on the 3rd in Moscow
    moscow = ZoneInfo("Europe/Moscow")
    assert conversations.age_group(late, date(2026, 12, 3)) == "yesterday"
    assert conversations.age_group(late, date(2026, 12, 3), moscow) == "today"
