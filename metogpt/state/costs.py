"""The header's balance (kept fresh by a poll while the tab is visible, coloured against
what answers cost) and the composer's estimate of what the draft will cost.

Both are states of their own under SessionState, not under ChatState: the streaming path
(ChatState's flushes) does not load or send them."""

from __future__ import annotations

import reflex as rx

from metogpt.services import auth, costs
from metogpt.services.db import in_read
from metogpt.services.errors import ServiceError
from metogpt.state.attachments import ComposerFiles
from metogpt.state.chat import ChatState
from metogpt.state.session import FAILED, SessionState

POLL_MS = 4000  # the header's balance follows changes made elsewhere within this


class BalanceState(SessionState):
    # Amber below: a typical turn with the selected model (costs.TYPICAL_TURN_TOKENS).
    warn_below: int = 0
    # Red below: what the message in the composer costs at least (0: no draft).
    short_below: int = 0

    @rx.event
    async def poll(self):
        """The balance as the database has it now (a top-up by an admin, another tab's
        answer): one indexed read. A token that no longer authenticates changes nothing
        here; the tab's next real event deals with it."""
        if not self.signed_in:
            return
        try:
            balance = await in_read(auth.own_balance, self.auth_token)
        except ServiceError:
            return
        if balance != self.balance:
            self.balance = balance
        if not self.warn_below and self.models:  # until the chat says which model is picked
            self.warn_below = costs.typical_cost(self.models[0].coefficient)


class CostState(SessionState):
    credits: int = -1  # the least the draft costs (-1: nothing to show)
    prompt_tokens: int = 0
    coefficient: str = ""
    for_conversation: str = ""  # the conversation the figure was counted in ("" a new one)

    def _refused(self, exc: ServiceError) -> None:
        self.credits = -1  # no figure (a model the role lost, a deleted conversation)

    @rx.event
    async def refresh(self):
        """Count what the composer's draft and its files cost. Sent once typing pauses
        (components/estimate.py), not per keystroke; the draft is the one set_draft keeps,
        the files the composer's uploads (state/attachments.py)."""
        chat = await self.get_state(ChatState)
        balance = await self.get_state(BalanceState)
        composer = await self.get_state(ComposerFiles)
        draft, file_ids = chat.draft, [row.id for row in composer.pending]
        if not chat.model:
            self.credits = -1
            return
        found = await self._call(
            costs.estimate,
            chat.current_id or None,
            draft,
            chat.model,
            chat.system_prompt,
            file_ids,
            as_user=True,
        )
        if found is FAILED:
            balance.short_below = 0
            return
        has_draft = bool(draft.strip() or file_ids)
        self.credits = found.credits if has_draft else -1
        self.prompt_tokens, self.coefficient = found.prompt_tokens, found.coefficient
        self.for_conversation = chat.current_id
        balance.warn_below = found.typical
        balance.short_below = found.credits if has_draft else 0
