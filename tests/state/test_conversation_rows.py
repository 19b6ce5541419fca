"""The conversation list's rows: each date group's first row carries the group's heading."""

from __future__ import annotations

from datetime import UTC, date, datetime

from metogpt.models import Conversation
from metogpt.state.chat import ConversationRow


def _conv(title: str, when: datetime) -> Conversation:
    return Conversation(user_id="u", title=title, updated_at=when)


def test_each_group_is_headed_once_and_months_apart() -> None:
    rows = ConversationRow.list_of(
        [
            _conv("a", datetime(2026, 12, 3, 9, tzinfo=UTC)),
            _conv("b", datetime(2026, 12, 3, 1, tzinfo=UTC)),
            _conv("", datetime(2026, 12, 2, 1, tzinfo=UTC)),
            _conv("c", datetime(2026, 10, 20, tzinfo=UTC)),
            _conv("d", datetime(2026, 10, 2, tzinfo=UTC)),
            _conv("e", datetime(2026, 9, 30, tzinfo=UTC)),
        ],
        date(2026, 12, 3),
    )
    assert [(r.title, r.heading, r.month, r.year) for r in rows] == [
        ("a", "today", 0, ""),
        ("b", "", 0, ""),
        ("…", "yesterday", 0, ""),  # an untitled conversation still has something to click
        ("c", "older", 10, "2026"),
        ("d", "", 10, "2026"),  # the same month: no second heading
        ("e", "older", 9, "2026"),
    ]
