"""A conversation's sampling parameters (a preset's) reach both providers in their own
forms, and the reservation is sized on its max tokens; real SDKs against the fakes."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from metogpt.models import Reservation
from metogpt.services import answers, conversations, relay
from metogpt.services.db import read_session
from metogpt.services.errors import InvalidInput
from metogpt.services.travel.sampling import Sampling
from tests.conftest import make_account
from tests.support.calls import in_write, user_row


@pytest.mark.parametrize("model", ["gpt-4", "claude-3"])
def test_preset_parameters_reach_the_provider(database: str, fake, model: str) -> None:
    acc = make_account("PRO", balance=50_000)
    user = user_row(acc.id)
    msg = in_write(
        conversations.post_user_message,
        user,
        None,
        "Hello",
        model,
        system_prompt="Be brief.",
        sampling=Sampling(temperature=1.5, top_p=0.8, max_tokens=50),
    )
    prepared = in_write(answers.begin_answer, user, msg.id, model)
    assert prepared.max_tokens == 50
    with read_session() as s:
        held = s.exec(select(Reservation).where(Reservation.user_id == acc.id)).one()
    assert held.max_tokens == 50  # the reservation covers 50 answer tokens, not the model's max
    asyncio.run(relay.stream_answer(prepared))

    body = fake.requests[-1]["body"]
    assert body["max_tokens"] == 50
    assert body["top_p"] == 0.8
    # OpenAI takes 0..2; Anthropic 0..1, so the preset's 1.5 is sent as 1.0 there.
    assert body["temperature"] == (1.5 if model == "gpt-4" else 1.0)


def test_without_parameters_the_provider_defaults_apply(database: str, fake) -> None:
    acc = make_account("PRO", balance=50_000)
    user = user_row(acc.id)
    msg = in_write(conversations.post_user_message, user, None, "Hello", "gpt-4")
    asyncio.run(relay.stream_answer(in_write(answers.begin_answer, user, msg.id, "gpt-4")))
    body = fake.requests[-1]["body"]
    assert "temperature" not in body and "top_p" not in body


@pytest.mark.parametrize(
    "params",
    [
        Sampling(temperature=2.5),
        Sampling(top_p=-0.1),
        Sampling(max_tokens=0),
        Sampling(max_tokens=10**7),
    ],
)
def test_out_of_range_parameters_are_refused(database: str, params: Sampling) -> None:
    acc = make_account("PRO", balance=50_000)
    with pytest.raises(InvalidInput):
        in_write(
            conversations.post_user_message, user_row(acc.id), None, "Hi", "gpt-4", sampling=params
        )
