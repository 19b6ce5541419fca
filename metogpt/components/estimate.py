"""The composer's line on what the message will cost at least: the prompt tokens of the
history resent plus the draft and its files, × the selected model's coefficient
(services/costs.py)."""

from __future__ import annotations

import reflex as rx

from metogpt.components.timers import Settled
from metogpt.state.attachments import ComposerFiles
from metogpt.state.chat import ChatState
from metogpt.state.costs import CostState
from metogpt.state.lang import t

SETTLE_MS = 400  # counted once typing pauses this long


def cost_estimate() -> rx.Component:
    # Counted again when the draft, its files, the conversation, its messages or the model
    # change, and when an answer ends (the history to resend is then complete).
    changes = (
        ChatState.draft
        + "\u0000"
        + ComposerFiles.pending_ids
        + "\u0000"
        + ChatState.current_id
        + "\u0000"
        + ChatState.messages.length().to_string()
        + "\u0000"
        + ChatState.model
        + rx.cond(ChatState.streaming, "\u0000…", "").to(str)
    )
    shown = (
        (CostState.credits >= 0)
        & (CostState.for_conversation == ChatState.current_id)
        & ((ChatState.draft.strip() != "") | (ComposerFiles.pending_ids != ""))
    )
    return rx.fragment(
        Settled.create(value=changes, delay=SETTLE_MS, on_settle=CostState.refresh),
        rx.cond(
            shown,
            rx.text(
                t("render.estimate"),
                ": ",
                rx.el.b(CostState.credits, id="cost-estimate"),
                " (",
                t("render.estimate.tokens"),
                ": ",
                CostState.prompt_tokens,
                " × ",
                CostState.coefficient,
                ")",
                size="1",
                color_scheme="gray",
                id="cost-line",
                data_credits=CostState.credits,
                data_tokens=CostState.prompt_tokens,
            ),
        ),
    )
