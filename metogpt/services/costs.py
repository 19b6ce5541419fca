"""What a message will cost, before it is sent, and what a typical answer costs.

The whole branch goes back to the model with every message, so the least a message costs
is its prompt: the history resent plus the draft, with their files, counted exactly as
`answers.begin_answer` counts the prompt it reserves for (same tokenizer, same framing,
files as the same context blocks, images by the provider's formula, same dropping of the
oldest turns), × the user's coefficient for the model. The answer comes on top.

Counting a long history is the expensive part; a branch's turn sizes are cached per
conversation and leaf (a finished message never changes: edits and regenerations add new
ones), so while the user types only the draft is counted again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from metogpt.models import Conversation, MessageStatus, User
from metogpt.services import coefficients, conversations, files
from metogpt.services.answers import branch_turns, fit_prompt, provider_kind, turn
from metogpt.services.catalog import ModelSpec, ProviderKind

# A typical turn: a short question with some history and an answer of several paragraphs.
# The header's balance turns amber below what this costs with the selected model.
TYPICAL_TURN_TOKENS = 1000
MAX_DRAFT = 100_000  # the composer's limit
_CACHE_SIZE = 2048

_sizes: OrderedDict[tuple[str, str, str, bool], list[tuple[int, int]]] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Estimate:
    model: str
    coefficient: str
    prompt_tokens: int  # the history resent plus the draft, as the reservation counts it
    credits: int  # ceil(prompt_tokens × coefficient): the least this message costs
    typical: int  # what a typical turn costs with this model (TYPICAL_TURN_TOKENS)


def typical_cost(coefficient: str) -> int:
    return coefficients.cost(TYPICAL_TURN_TOKENS, coefficient)


def _history(
    session: Session, conv: Conversation, spec: ModelSpec, kind: ProviderKind
) -> list[tuple[int, int]]:
    """(size, image tokens) of each turn the open branch resends, oldest first (cached).
    Image tokens depend on the provider's formula and on the model seeing images at all."""
    key = (conv.id, conv.active_leaf_id or "", kind, spec.vision)
    with _lock:
        if key in _sizes:
            _sizes.move_to_end(key)
            return _sizes[key]
    path = conversations.branch(session, conv.id, conv.active_leaf_id)
    sizes = [(t.size, t.image_tokens) for t in branch_turns(session, path, spec, kind)]
    if all(m.status != MessageStatus.STREAMING for m in path):  # a growing answer: not yet
        with _lock:
            _sizes[key] = sizes
            while len(_sizes) > _CACHE_SIZE:
                _sizes.popitem(last=False)
    return sizes


def estimate(
    session: Session,
    user: User,
    conversation_id: str | None,
    draft: Any,
    model: Any,
    system_prompt: str = "",
    file_ids: Any = None,
) -> Estimate:
    """The least the draft, with the user's unsent files `file_ids`, will cost if sent now
    in the conversation (None: a new one, which takes `system_prompt`) with `model`.
    Refuses what sending would refuse: a model the user may not use, a conversation or a
    file that is not theirs, an image for a model without vision."""
    spec, coefficient = conversations.model_for(session, user, model)
    kind = provider_kind(spec.name)
    rows = files.check_unsent(session, user.id, file_ids)
    files.require_vision(spec, rows)
    turns: list[tuple[int, int]] = []
    system = system_prompt
    if conversation_id:
        conv = conversations.get(session, user, conversation_id)
        turns, system = list(_history(session, conv, spec, kind)), conv.system_prompt
    # As post_user_message stores it (CR folded), and a new conversation's system prompt.
    text = str(draft)[:MAX_DRAFT].replace("\r\n", "\n").replace("\r", "\n") if draft else ""
    system = system[: conversations.MAX_SYSTEM_CHARS]
    draft_turn = turn("user", text if text.strip() else "", rows, spec, kind)
    if draft_turn is not None:
        turns.append((draft_turn.size, draft_turn.image_tokens))
    _, tokens = fit_prompt(
        system, [size for size, _ in turns], spec, kind, [images for _, images in turns]
    )
    return Estimate(
        spec.name,
        coefficient,
        tokens,
        coefficients.cost(tokens, coefficient),
        typical_cost(coefficient),
    )
