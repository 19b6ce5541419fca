"""Who may publish shared presets (ROLE_MANAGEMENT.UPDATE) is offered every role for them, by
name; anyone else none (the chat page's dialog shows the choice only then)."""

from __future__ import annotations

from metogpt.services import permissions, roles
from metogpt.services.permissions import Actor
from metogpt.services.travel import presets
from tests.support.calls import in_write


def _actor(matrix: dict) -> Actor:
    return Actor("x", "X", permissions.normalize(matrix))


def test_a_publisher_is_offered_every_role(database: str) -> None:
    publisher = _actor({"ROLE_MANAGEMENT": {"UPDATE": True}})
    assert in_write(presets.publishable_roles, publisher) == ["ADMIN", "PRO", "USER"]
    in_write(roles.create, _actor({"ROLE_MANAGEMENT": {"CREATE": True}}), "Analysts", {}, {})
    assert in_write(presets.publishable_roles, publisher) == ["ADMIN", "Analysts", "PRO", "USER"]
    views, offered = in_write(presets.for_chat_page, publisher)  # what the chat page reads
    assert views == [] and offered == ["ADMIN", "Analysts", "PRO", "USER"]


def test_who_may_not_publish_is_offered_none(database: str) -> None:
    for matrix in ({}, {"ROLE_MANAGEMENT": {"READ": True, "CREATE": True, "DELETE": True}}):
        assert in_write(presets.publishable_roles, _actor(matrix)) == []
