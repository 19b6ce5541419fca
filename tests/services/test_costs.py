"""The composer's estimate and the header's balance read (services/costs.py, auth.own_balance)."""

from __future__ import annotations

import asyncio

import pytest

from metogpt.services import answers, auth, billing, conversations, costs, files, relay
from metogpt.services.coefficients import cost
from metogpt.services.errors import ErrorCode, Forbidden, NotFound, ServiceError, Unauthorized
from metogpt.services.storage import Storage
from tests.conftest import make_account
from tests.fixtures import documents
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.calls import in_write, user_row


@pytest.mark.parametrize("model", ["gpt-4", "claude-3"])
def test_the_estimate_is_the_prompt_the_answer_reserves_for(
    database: str, fake: FakeProviderServer, model: str
) -> None:
    """The figure shown before sending is the prompt begin_answer counts, × coefficient:
    the history resent (system prompt, earlier turns) plus the draft."""
    acc = make_account(role="PRO", balance=100_000)
    fake.behavior = FakeBehavior(reply_text="An answer of a few words, with **markdown**.")
    first = in_write(
        conversations.post_user_message,
        user_row(acc.id),
        None,
        "First question",
        model,
        system_prompt="Be brief.",
    )
    prepared = in_write(answers.begin_answer, user_row(acc.id), first.id, model)
    asyncio.run(relay.stream_answer(prepared))
    conv = prepared.conversation_id
    draft = "And a second one,\r\nover two lines — with ünïcode"

    found = in_write(costs.estimate, user_row(acc.id), conv, draft, model)
    # The history is counted once: asked again (as the composer does), the same figure.
    assert in_write(costs.estimate, user_row(acc.id), conv, draft, model) == found
    second = in_write(conversations.post_user_message, user_row(acc.id), conv, draft, model)
    reserved = in_write(answers.begin_answer, user_row(acc.id), second.id, model)
    assert found.prompt_tokens == reserved.prompt_tokens > 0
    coefficient = {"gpt-4": "1.5", "claude-3": "1.8"}[model]
    assert found.coefficient == coefficient
    assert found.credits == cost(found.prompt_tokens, coefficient)
    assert found.typical == cost(costs.TYPICAL_TURN_TOKENS, coefficient)


@pytest.mark.parametrize("model", ["gpt-4", "claude-3", "gpt-3.5-turbo"])
def test_the_estimate_counts_files_as_the_answer_will(
    database: str, storage: Storage, fake: FakeProviderServer, model: str
) -> None:
    """Files in the history and in the composer: text and PDF tokens, image tokens by the
    provider's formula (a vision model only), exactly what begin_answer reserves for."""
    acc = make_account(role="PRO", balance=100_000)
    vision = model != "gpt-3.5-turbo"
    actor = acc.actor()

    def upload_set(tag: str) -> list[str]:
        found = [
            files.upload(actor, f"{tag}.md", f"# Notes {tag}\n".encode() + b"word " * 300),
            files.upload(actor, f"{tag}.pdf", documents.pdf([f"Report {tag}", "Page two"])),
        ]
        if vision:
            found.append(files.upload(actor, f"{tag}.png", documents.image(1600, 900)))
        return [f.id for f in found]

    first = in_write(
        conversations.post_user_message,
        user_row(acc.id),
        None,
        "Read",
        model,
        file_ids=upload_set("a"),
    )
    prepared = in_write(answers.begin_answer, user_row(acc.id), first.id, model)
    asyncio.run(relay.stream_answer(prepared))
    conv, draft_files = prepared.conversation_id, upload_set("b")
    bare = in_write(costs.estimate, user_row(acc.id), conv, "And these?", model)
    found = in_write(costs.estimate, user_row(acc.id), conv, "And these?", model, "", draft_files)
    only_files = in_write(costs.estimate, user_row(acc.id), conv, "  ", model, "", draft_files)
    second = in_write(
        conversations.post_user_message,
        user_row(acc.id),
        conv,
        "And these?",
        model,
        file_ids=draft_files,
    )
    reserved = in_write(answers.begin_answer, user_row(acc.id), second.id, model)
    assert found.prompt_tokens == reserved.prompt_tokens
    assert found.prompt_tokens > only_files.prompt_tokens > bare.prompt_tokens
    images = sum(i.tokens for m in reserved.messages for i in m.images)
    assert (images > 0) == vision and len(reserved.messages[-1].files) == 2


def test_the_estimate_refuses_an_image_for_a_model_without_vision(
    database: str, storage: Storage
) -> None:
    acc = make_account(role="PRO", balance=1000)
    shot = files.upload(acc.actor(), "shot.png", documents.image(50, 50))
    with pytest.raises(ServiceError) as refused:
        in_write(
            costs.estimate, user_row(acc.id), None, "What is it?", "gpt-3.5-turbo", "", [shot.id]
        )
    assert refused.value.code == ErrorCode.NO_VISION
    other = make_account(role="PRO", balance=1000)
    with pytest.raises(NotFound):  # someone else's file
        in_write(costs.estimate, user_row(other.id), None, "What is it?", "gpt-4", "", [shot.id])


def test_a_new_conversation_counts_its_system_prompt_and_the_draft(database: str) -> None:
    acc = make_account(role="USER", balance=1000)
    bare = in_write(costs.estimate, user_row(acc.id), None, "Hello", "gpt-3.5-turbo")
    framed = in_write(costs.estimate, user_row(acc.id), None, "Hello", "gpt-3.5-turbo", "Be brief.")
    empty = in_write(costs.estimate, user_row(acc.id), None, "", "gpt-3.5-turbo")
    assert empty.prompt_tokens < bare.prompt_tokens < framed.prompt_tokens
    assert bare.credits == bare.prompt_tokens  # coefficient 1.0


def test_the_estimate_refuses_what_the_user_may_not_use(database: str) -> None:
    owner = make_account(role="PRO", balance=1000)
    other = make_account(role="USER", balance=1000)
    msg = in_write(conversations.post_user_message, user_row(owner.id), None, "Mine", "gpt-4")
    with pytest.raises(Forbidden):
        in_write(costs.estimate, user_row(other.id), None, "x", "gpt-4")
    with pytest.raises(NotFound):
        in_write(costs.estimate, user_row(other.id), msg.conversation_id, "x", "gpt-3.5-turbo")


def test_own_balance_follows_changes_and_checks_the_token(database: str, admin) -> None:
    acc = make_account(role="USER", balance=700)
    token = acc.token
    assert in_write(auth.own_balance, token) == 700
    in_write(billing.change_balance, admin.actor(), acc.id, "add", -200, "test")
    assert in_write(auth.own_balance, token) == 500
    in_write(auth.logout, token)
    with pytest.raises(Unauthorized):
        in_write(auth.own_balance, token)
    with pytest.raises(Unauthorized):
        in_write(auth.own_balance, "not-a-token")
