"""The life of a billed answer, with the real SDKs talking to the fake provider server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from metogpt import i18n
from metogpt.models import Conversation, Message, MessageStatus, Reservation, User
from metogpt.services import answers, auth, billing, coefficients, conversations, live, relay
from metogpt.services.db import read_session, write_session
from metogpt.services.errors import Forbidden, InsufficientBalance, InvalidInput, NotFound
from metogpt.services.llm.tokens import count_prompt_tokens
from tests.conftest import make_account
from tests.fixtures.fake_providers import FakeBehavior
from tests.support.calls import asked, charges_of, in_write, message_row, user_row


async def _stop_when(p: answers.PreparedAnswer, enough: Callable[[str], bool]) -> relay.Outcome:
    """Run the answer while a reader follows it through the hub, as the page does, and
    asks for a stop (through the hub, as the Stop button does) once `enough` of its text
    has arrived."""
    hub = live.hub()
    answer = asyncio.ensure_future(relay.stream_answer(p))
    shown = ""
    async for event in await live.follow(_token_of(p), p.assistant_message_id):
        if isinstance(event, live.Delta):
            shown += event.text
            if enough(shown):
                await hub.request_stop(p.assistant_message_id)
    return await answer


def _token_of(p: answers.PreparedAnswer) -> str:
    """A token of the answer's owner, as the page has."""
    with write_session() as s:
        conv = s.get(Conversation, p.conversation_id)
        assert conv is not None
        user = s.get(User, conv.user_id)
        assert user is not None
        return auth.issue_token(s, user)[0]


def test_answer_is_billed_by_reported_usage_and_coefficient(database: str, fake) -> None:
    acc = make_account(role="PRO", balance=2000)
    fake.behavior = FakeBehavior(reply_tokens=40, prompt_tokens=25)
    outcome = asyncio.run(relay.stream_answer(asked(acc.id, "Hi there", "gpt-4")))
    assert outcome.status == MessageStatus.DONE and outcome.text.startswith("tok0")
    expected = coefficients.cost(25 + 40, "1.5")  # ceil(65 × 1.5) = 98
    assert outcome.charged == expected == 98
    assert user_row(acc.id).balance == 2000 - 98
    [entry] = charges_of(acc.id)
    assert (entry.prompt_tokens, entry.completion_tokens, entry.coefficient) == (25, 40, "1.5")
    # a second model with its own coefficient bills with its own
    fake.behavior = FakeBehavior(reply_tokens=10, prompt_tokens=10)
    claude = asyncio.run(relay.stream_answer(asked(acc.id, "Again", "claude-3")))
    assert claude.charged == coefficients.cost(20, "1.8") == 36
    assert fake.request_count == 2


def test_low_balance_refuses_without_calling_the_provider(database: str, fake) -> None:
    acc = make_account(balance=3)
    msg = in_write(
        conversations.post_user_message,
        user_row(acc.id),
        None,
        "Hello, are you there?",
        "gpt-3.5-turbo",
    )
    with pytest.raises(InsufficientBalance):
        in_write(answers.begin_answer, user_row(acc.id), msg.id, "gpt-3.5-turbo")
    assert fake.request_count == 0
    assert message_row(msg.id).content == "Hello, are you there?"  # kept for a retry
    assert user_row(acc.id).balance == 3 and user_row(acc.id).reserved == 0


def test_model_outside_the_role_is_refused(database: str, fake) -> None:
    acc = make_account(balance=2000)  # USER: gpt-3.5-turbo only
    with pytest.raises(Forbidden):
        in_write(conversations.post_user_message, user_row(acc.id), None, "Hi", "gpt-4")
    assert fake.request_count == 0


def test_stop_charges_only_what_was_used(database: str, fake) -> None:
    acc = make_account(balance=5000)
    fake.behavior = FakeBehavior(reply_tokens=400, tokens_per_second=200)
    p = asked(acc.id, "Tell me a long story", "gpt-3.5-turbo")
    outcome = asyncio.run(_stop_when(p, lambda shown: len(shown.split()) >= 10))
    assert outcome.status == MessageStatus.STOPPED
    with read_session() as s:
        msg = s.get(Message, p.assistant_message_id)
    assert msg is not None and msg.prompt_tokens is not None and msg.completion_tokens is not None
    assert 10 <= len(outcome.text.split()) < 400
    expected = coefficients.cost(msg.prompt_tokens + msg.completion_tokens, "1")
    assert outcome.charged == expected
    assert user_row(acc.id).balance == 5000 - expected
    assert expected < coefficients.cost(msg.prompt_tokens + 400, "1")


def test_stop_before_the_first_token_ends_the_answer_at_once(database: str, fake) -> None:
    acc = make_account(balance=5000)
    fake.behavior = FakeBehavior(first_token_delay=30)  # a provider that thinks for long
    p = asked(acc.id, "Think hard", "gpt-3.5-turbo")

    async def stop_while_thinking() -> relay.Outcome:
        answer = asyncio.ensure_future(relay.stream_answer(p))
        while fake.request_count == 0:  # the request reaches the provider, which thinks
            await asyncio.sleep(0.02)
        await asyncio.sleep(1)  # its response has begun (headers, no text): the stream is open
        await live.hub().request_stop(p.assistant_message_id)
        return await answer

    began = time.monotonic()
    outcome = asyncio.run(stop_while_thinking())
    assert time.monotonic() - began < 10  # not the 30 s the first token would take
    # The request had reached the provider, which read the prompt: the prompt is charged.
    prompt_cost = coefficients.cost(p.prompt_tokens, "1")
    assert (outcome.status, outcome.text) == (MessageStatus.STOPPED, "")
    assert outcome.charged == prompt_cost > 0
    assert user_row(acc.id).balance == 5000 - prompt_cost and user_row(acc.id).reserved == 0
    [charge] = charges_of(acc.id)
    assert (charge.prompt_tokens, charge.completion_tokens) == (p.prompt_tokens, 0)
    with read_session() as s:
        msg = s.get(Message, p.assistant_message_id)
        assert msg is not None and msg.status == MessageStatus.STOPPED
        assert (msg.prompt_tokens, msg.charged) == (p.prompt_tokens, prompt_cost)
        assert billing.reconcile(s) == []


def test_stop_while_connecting_cancels_the_request(database: str, fake) -> None:
    acc = make_account(balance=5000)
    fake.behavior = FakeBehavior(status=429, retry_after=4)  # open_stream waits 2 x 4 s
    p = asked(acc.id, "Hello", "gpt-3.5-turbo")

    async def stop_while_connecting() -> relay.Outcome:
        answer = asyncio.ensure_future(relay.stream_answer(p))
        while fake.request_count == 0:  # refused once: open_stream waits to retry
            await asyncio.sleep(0.02)
        await live.hub().request_stop(p.assistant_message_id)
        return await answer

    began = time.monotonic()
    outcome = asyncio.run(stop_while_connecting())
    assert time.monotonic() - began < 3  # not the 8 s of retry waits
    # No request was open at the provider (each was refused): nothing is charged.
    assert (outcome.status, outcome.charged) == (MessageStatus.STOPPED, 0)
    assert user_row(acc.id).reserved == 0 and charges_of(acc.id) == []
    with read_session() as s:
        msg = s.get(Message, p.assistant_message_id)
        assert msg is not None and (msg.prompt_tokens, msg.charged) == (0, 0)


def test_provider_error_before_output_charges_nothing(database: str, fake) -> None:
    acc = make_account(balance=2000)
    fake.behavior = FakeBehavior(status=500)
    p = asked(acc.id, "Hello", "gpt-3.5-turbo")
    outcome = asyncio.run(relay.stream_answer(p))
    assert (outcome.status, outcome.error, outcome.charged) == (
        MessageStatus.ERROR,
        "unavailable",
        0,
    )
    assert user_row(acc.id).balance == 2000 and user_row(acc.id).reserved == 0
    assert charges_of(acc.id) == []
    assert message_row(p.user_message_id).content == "Hello"


def test_cut_stream_charges_what_arrived(database: str, fake) -> None:
    acc = make_account(balance=2000)
    fake.behavior = FakeBehavior(reply_tokens=50, cut_after_tokens=12)
    outcome = asyncio.run(relay.stream_answer(asked(acc.id, "Hello", "gpt-3.5-turbo")))
    assert (outcome.status, outcome.error) == (MessageStatus.CUT, "cut")
    assert outcome.charged > 0
    assert user_row(acc.id).balance == 2000 - outcome.charged
    with read_session() as s:
        assert billing.reconcile(s) == []


def test_edit_and_regenerate_keep_branches(database: str, fake) -> None:
    acc = make_account(balance=5000)
    user = user_row(acc.id)
    first = asked(acc.id, "Question one", "gpt-3.5-turbo")
    asyncio.run(relay.stream_answer(first))
    # regenerate: a sibling answer under the same prompt
    prompt = in_write(conversations.regenerate_from, user, first.assistant_message_id)
    again = in_write(answers.begin_answer, user, prompt.id, "gpt-3.5-turbo")
    asyncio.run(relay.stream_answer(again))
    view = in_write(conversations.thread, user, first.conversation_id)
    assert [v.sibling_count for v in view] == [1, 2]
    assert view[1].id == again.assistant_message_id and view[1].sibling_index == 2
    # edit the question: a sibling prompt with its own answer
    edited = in_write(
        conversations.edit_user_message, user, first.user_message_id, "Question one, edited"
    )
    branch = in_write(answers.begin_answer, user, edited.id, "gpt-3.5-turbo")
    asyncio.run(relay.stream_answer(branch))
    view = in_write(conversations.thread, user, first.conversation_id)
    assert view[0].content == "Question one, edited" and view[0].sibling_count == 2
    # switch back to the first branch: its latest answer is shown
    in_write(conversations.switch_branch, user, first.user_message_id)
    view = in_write(conversations.thread, user, first.conversation_id)
    assert [v.id for v in view] == [first.user_message_id, again.assistant_message_id]


def test_conversations_search_rename_delete(database: str, fake) -> None:
    acc = make_account(balance=5000)
    user = user_row(acc.id)
    p = asked(acc.id, "Tell me about zebras", "gpt-3.5-turbo")
    asyncio.run(relay.stream_answer(p))
    asked(acc.id, "Other topic", "gpt-3.5-turbo")
    assert [c.id for c in in_write(conversations.listing, user, "zebra")] == [p.conversation_id]
    assert [c.id for c in in_write(conversations.listing, user, "fake provider")] == [
        p.conversation_id
    ]
    in_write(conversations.rename, user, p.conversation_id, "Zoo")
    assert in_write(conversations.get, user, p.conversation_id).title == "Zoo"
    other = make_account()
    with pytest.raises(Exception, match="not found"):
        in_write(conversations.get, user_row(other.id), p.conversation_id)
    in_write(conversations.remove, user, p.conversation_id)
    assert len(in_write(conversations.listing, user)) == 1


def test_system_prompt_is_sent_first(database: str, fake) -> None:
    acc = make_account(balance=5000)
    user = user_row(acc.id)
    first = asked(acc.id, "Hello", "gpt-3.5-turbo")
    asyncio.run(relay.stream_answer(first))
    in_write(conversations.set_system_prompt, user, first.conversation_id, "Answer like a pirate.")
    msg = in_write(
        conversations.post_user_message, user, first.conversation_id, "Again", "gpt-3.5-turbo"
    )
    second = in_write(answers.begin_answer, user, msg.id, "gpt-3.5-turbo")
    asyncio.run(relay.stream_answer(second))
    sent = fake.requests[-1]["body"]["messages"]
    assert sent[0] == {"role": "system", "content": "Answer like a pirate."}
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[-1]["content"] == "Again"


def test_nul_characters_never_reach_the_database(database: str, fake) -> None:
    acc = make_account(balance=5000)
    user = user_row(acc.id)
    with pytest.raises(InvalidInput):
        in_write(conversations.post_user_message, user, None, "bad\x00text", "gpt-3.5-turbo")
    with pytest.raises(NotFound):
        in_write(conversations.get, user, "abc\x00")
    fake.behavior = FakeBehavior(reply_text="odd \x00 reply")
    p = asked(acc.id, "Hello", "gpt-3.5-turbo")
    outcome = asyncio.run(relay.stream_answer(p))
    assert outcome.status == MessageStatus.DONE and outcome.charged > 0
    assert message_row(p.assistant_message_id).content == "odd \ufffd reply"


def test_message_status_names_match_their_stored_values() -> None:
    assert [(s.name, s.value) for s in MessageStatus] == [
        ("STREAMING", "streaming"),
        ("DONE", "done"),
        ("STOPPED", "stopped"),
        ("CUT", "cut"),
        ("ERROR", "error"),
    ]


@pytest.mark.parametrize("filler", ["\u00a0", "\u3000", " "])
def test_invisible_padding_is_paid_for_before_the_request_leaves(
    database: str, fake, filler: str
) -> None:
    # Issue 12: "hi" + 99,998 blanks was estimated at ~1 token and sent on a 50-credit balance.
    acc = make_account(balance=50)
    prompt = "hi" + filler * 99_998
    msg = in_write(conversations.post_user_message, user_row(acc.id), None, prompt, "gpt-3.5-turbo")
    with pytest.raises(InsufficientBalance) as refused:
        in_write(answers.begin_answer, user_row(acc.id), msg.id, "gpt-3.5-turbo")
    needed = refused.value.details["needed"]
    assert isinstance(needed, int) and needed > 700
    assert fake.request_count == 0
    assert user_row(acc.id).balance == 50 and user_row(acc.id).reserved == 0


@pytest.mark.parametrize("control", ["\x1c", "\x00", "\x7f", "\x85", "\x0b"])
def test_control_characters_are_refused_and_nothing_is_stored(
    database: str, fake, control: str
) -> None:
    acc = make_account(balance=5000)
    user = user_row(acc.id)
    with pytest.raises(InvalidInput) as refused:
        in_write(conversations.post_user_message, user, None, "hi" + control * 3, "gpt-3.5-turbo")
    assert refused.value.code == "control_characters" and refused.value.status == 422
    assert in_write(conversations.listing, user) == [] and fake.request_count == 0


def test_tabs_and_line_ends_are_kept_with_cr_folded_into_lf(database: str, fake) -> None:
    acc = make_account(balance=5000)
    msg = in_write(
        conversations.post_user_message,
        user_row(acc.id),
        None,
        "a\tb\r\nc\rd\ne",
        "gpt-3.5-turbo",
    )
    assert msg.content == "a\tb\nc\nd\ne"


def test_credits_held_by_answers_in_progress_are_named_in_the_refusal(database: str, fake) -> None:
    # Issue 12: a 10,000-credit user with answers in flight was told "0 credits available".
    acc = make_account(balance=10_000)
    started: list[answers.PreparedAnswer] = []
    with pytest.raises(InsufficientBalance) as refused:
        for i in range(10):
            started.append(asked(acc.id, f"Question number {i}", "gpt-3.5-turbo"))
    assert started  # the first answers began before one was refused (pytest.raises above)
    held = user_row(acc.id).reserved
    assert refused.value.code == "balance_held"
    facts = refused.value.details
    assert (facts["answers"], facts["held"], facts["available"]) == (
        len(started),
        held,
        10_000 - held,
    )
    english = i18n.tr("chat.error.balance_held", "en", **facts)
    assert f"{held} credits are held by {len(started)} answers in progress" in english
    assert f"{held} кредитов удерживают идущие ответы ({len(started)})" in i18n.tr(
        "chat.error.balance_held", "ru", **facts
    )
    for answer in started:  # once they finish, the credits are free again
        asyncio.run(relay.stream_answer(answer))
    assert user_row(acc.id).reserved == 0
    asked(acc.id, "One more", "gpt-3.5-turbo")


def test_a_balance_too_small_by_itself_is_plain_insufficient(database: str, fake) -> None:
    acc = make_account(balance=30)
    asked(acc.id, "Hi", "gpt-3.5-turbo")  # holds all 30 credits
    assert user_row(acc.id).reserved == 30
    with pytest.raises(InsufficientBalance) as refused:  # 30 would not pay for this anyway
        asked(acc.id, "word " * 100, "gpt-3.5-turbo")
    assert refused.value.code == "insufficient_balance"
    needed = refused.value.details["needed"]
    assert isinstance(needed, int) and needed > 30


@pytest.mark.parametrize("model", ["gpt-4", "claude-3"])
def test_oldest_turns_are_dropped_to_fit_and_the_reservation_counts_what_is_sent(
    database: str, fake, model: str
) -> None:
    acc = make_account(role="PRO", balance=100_000)
    user = user_row(acc.id)
    first = asked(acc.id, "word " * 4000, model)  # gpt-4: 8,192 tokens, 2,048 kept for answers
    asyncio.run(relay.stream_answer(first))
    msg = in_write(
        conversations.post_user_message, user, first.conversation_id, "more " * 3000, model
    )
    second = in_write(answers.begin_answer, user, msg.id, model)
    sent = [m.content for m in second.messages]
    if model == "gpt-4":
        # the first question no longer fits; its (short) answer still does
        assert sent == ["Hello! This is the fake provider.", "more " * 3000]
    else:  # 200,000 tokens: everything fits
        assert sent[0] == "word " * 4000 and len(sent) == 3
    assert second.prompt_tokens == count_prompt_tokens(second.messages, second.provider_kind)
    with read_session() as s:
        hold = s.get(Reservation, second.reservation_id)
        assert hold is not None and hold.prompt_tokens == second.prompt_tokens
