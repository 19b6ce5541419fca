"""The chat's send in one transaction (answers.post_and_begin): the token checked, the prompt
saved and its answer begun; a refused answer keeps the prompt and changes nothing else."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from metogpt.models import LedgerEntry, Message, MessageStatus, Reservation
from metogpt.services import answers
from metogpt.services.db import read_session
from metogpt.services.errors import Forbidden, InsufficientBalance, Unauthorized
from tests.conftest import make_account
from tests.support.calls import in_write, user_row


def _counts() -> tuple[int, int, int]:
    with read_session() as s:
        return (
            s.exec(select(func.count()).select_from(Message)).one(),
            s.exec(select(func.count()).select_from(Reservation)).one(),
            s.exec(select(func.count()).select_from(LedgerEntry)).one(),
        )


def test_a_send_saves_the_prompt_and_begins_its_answer(database: str) -> None:
    acc = make_account(balance=2000)
    posted = in_write(answers.post_and_begin, acc.token, None, "Hello", "gpt-3.5-turbo")
    assert posted.user.id == acc.id and posted.prompt.content == "Hello"
    assert isinstance(posted.answer, answers.PreparedAnswer)
    assert posted.answer.user_message_id == posted.prompt.id
    with read_session() as s:
        answer = s.get(Message, posted.answer.assistant_message_id)
        assert answer is not None and answer.status == MessageStatus.STREAMING
        assert answer.parent_id == posted.prompt.id
    assert user_row(acc.id).reserved > 0


def test_a_refused_answer_keeps_the_prompt_and_nothing_else(database: str) -> None:
    acc = make_account(balance=3)
    messages, reservations, ledger = _counts()
    posted = in_write(
        answers.post_and_begin, acc.token, None, "Hello, are you there?", "gpt-3.5-turbo"
    )
    assert isinstance(posted.answer, InsufficientBalance)
    assert _counts() == (messages + 1, reservations, ledger)  # the prompt, for a retry
    with read_session() as s:
        kept = s.get(Message, posted.prompt.id)
        assert kept is not None and kept.content == "Hello, are you there?"
        assert s.exec(select(Message).where(Message.role == "assistant")).first() is None
    assert user_row(acc.id).balance == 3 and user_row(acc.id).reserved == 0


@pytest.mark.parametrize(
    ("token", "model", "error"),
    [("not-a-token", "gpt-3.5-turbo", Unauthorized), (None, "gpt-4", Forbidden)],
)
def test_a_bad_token_or_model_stores_nothing(
    database: str, token: str | None, model: str, error: type[Exception]
) -> None:
    acc = make_account(balance=2000)  # USER: gpt-3.5-turbo only
    before = _counts()
    with pytest.raises(error):
        in_write(answers.post_and_begin, token or acc.token, None, "Hi", model)
    assert _counts() == before
