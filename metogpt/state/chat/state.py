"""The chat page's main state: the open conversation, the composer, streaming.

Every handler authenticates through the auth service and passes the user to chat
services, which check ownership, model access and balance themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import reflex as rx

from metogpt import i18n, routes
from metogpt.models import User
from metogpt.services import answers, conversations, live, screens
from metogpt.services.catalog import get_catalog
from metogpt.services.db import in_read, in_write
from metogpt.services.errors import InsufficientBalance, ServiceError
from metogpt.services.files import links
from metogpt.services.travel.sampling import Sampling
from metogpt.state.chat import answer_flow, sends, turns
from metogpt.state.chat.rows import ConversationRow, MessageRow
from metogpt.state.session import FAILED, SessionState

# The chat page's parts kept in substates (state/presets.py): its load hands each its share.
PAGE_PARTS: list[type[ChatState]] = []


class ChatState(SessionState):
    conversations: rx.Field[list[ConversationRow]] = rx.field(default_factory=list)
    search: str = ""
    current_id: str = ""
    current_title: str = ""
    not_found: bool = False  # the address names no conversation of this user
    system_prompt: str = ""
    messages: rx.Field[list[MessageRow]] = rx.field(default_factory=list)
    # What the user is typing survives reloads and errors; cleared only once saved.
    draft: str = rx.LocalStorage("", name="metogpt_draft")
    model: str = ""
    streaming: bool = False
    # The answer in flight: the page reads its text from /api/answers/{id}/stream
    # (components/live.py), not through this state.
    stream_message_id: str = ""
    error: str = ""
    editing_id: str = ""
    edit_text: str = ""
    taken_send: str = ""  # the browser's id of the last send taken (state/chat/sends.py)
    _sends: list[str] = []  # the ids of the last sends taken, each taken once
    # The turn's id (a send's prompt id) and the worker running it (state/chat/turns.py).
    turn: str = ""
    _turn_by: str = ""

    _stop_requested: bool = False  # Stop pressed: the answer in flight is stopped
    _live_id: str = ""  # that answer (a backend var: no page can set it to another one)
    # A new chat's sampling parameters (temperature, top_p, max tokens), set by a preset
    # (state/presets.py); an open conversation keeps its own.
    _sampling: tuple[float | None, float | None, int | None] = (None, None, None)
    # A preset picked on /c/{id} (state/presets.py): applied once / has loaded.
    _pending_preset: str = ""

    # ---- loading ---------------------------------------------------------------------

    async def _screen(self, user: User, conversation_id: str | None = None) -> conversations.Screen:
        """Read the page's data (outside the state lock when called outside it)."""
        wanted = self.current_id if conversation_id is None else conversation_id
        return await in_read(conversations.screen, user, wanted or None, self.search)

    def _list(self, view: conversations.Screen) -> None:
        # Groups by the UTC date: the server's and every browser's "today" agree.
        self.conversations = ConversationRow.list_of(view.conversations, datetime.now(UTC).date())

    def _apply(self, view: conversations.Screen) -> None:
        self._list(view)
        conv = view.current
        self.current_id = conv.id if conv else ""
        self.current_title = conv.title if conv else ""
        self.system_prompt = conv.system_prompt if conv else self.system_prompt
        self.messages = [MessageRow.of(v, self._file_link) for v in view.thread]
        if conv and conv.model and any(m.model == conv.model for m in self.models):
            self._select(conv.model)

    def _file_link(self, file_id: str) -> str:
        return links.content_url(self.auth_token, file_id)

    def _pick_default_model(self) -> None:
        names = [m.model for m in self.models]
        self._select(self.model if self.model in names else (names[0] if names else ""))

    def _select(self, model: str) -> None:
        """Select a model; the demo banner shows while it is answered by the demo provider."""
        self.model = model
        self.demo_mode = get_catalog().stands_in(model)

    @rx.event
    async def load(self):
        """on_load of / (a new conversation) and /c/{id} (that one), also on Back/Forward: the
        first screen in one event, one authentication, one thread hop. An id that is not one
        of this user's conversations shows "not found", nothing of it."""
        await self._claim(self.auth_token)  # the tab is the token's user's before any read
        wanted = routes.conversation_in(self.router.url.path)
        keep = self.streaming and wanted == self.current_id  # the answer's chat is on screen
        args = (wanted or None, self.search)
        page = await self._open(screens.chat, *args, screen=not keep, preset=self._pending_preset)
        if page is None:
            return self._to_login()
        self._pick_default_model()
        if page.screen is not None:
            if not wanted:
                self._clear()
            elif wanted != self.current_id:
                self.error, self.editing_id = "", ""
            self._apply(page.screen)
            self.not_found = bool(wanted) and page.screen.current is None
        for part in PAGE_PARTS:  # the presets (state/presets.py)
            (await self.get_state(part))._loaded(page)

    def _loaded(self, page: screens.Chat) -> None:
        """A part of the page (a substate in PAGE_PARTS) shows its share of the first screen."""

    # ---- conversation list -------------------------------------------------------------

    async def _reload(self) -> None:
        """Show the list and the open conversation again, for whoever is signed in now."""
        user = await self._user()
        if user is not None:
            self._apply(await self._screen(user))

    def _refused(self, exc: ServiceError) -> None:
        self.error = self._explain(exc)

    @rx.event
    async def set_search(self, value: str):
        self.search = value[:200]
        await self._reload()

    def _clear(self) -> None:
        """A new conversation: nothing open (its first message creates it)."""
        self.current_id, self.current_title, self.system_prompt = "", "", ""
        self._sampling = (None, None, None)
        self.messages, self.error, self.editing_id = [], "", ""

    # ---- composer and settings ---------------------------------------------------------

    @rx.event
    def set_draft(self, value: str):
        self.draft = value

    @rx.event
    def set_model(self, value: str):
        self._select(value)

    @rx.event
    def set_system_prompt(self, value: str):
        self.system_prompt = value

    @rx.event
    async def save_system_prompt(self):
        if not self.current_id:
            return  # a new conversation takes it when its first message is sent
        await self._call(
            conversations.set_system_prompt,
            self.current_id,
            self.system_prompt,
            write=True,
            as_user=True,
        )

    @rx.event
    def start_edit(self, message_id: str, text: str):
        self.editing_id, self.edit_text = message_id, text

    @rx.event
    def set_edit_text(self, value: str):
        self.edit_text = value

    @rx.event
    def cancel_edit(self):
        self.editing_id = ""

    @rx.event
    async def stop(self):
        """Stop through the hub of answers in flight: the worker writing the answer hears
        it, whichever worker this tab's socket is on. Pressed before the answer began,
        the stop waits for it (state/chat/answer_flow.py)."""
        self._stop_requested = True
        if self._live_id:
            await live.hub().request_stop(self._live_id)

    @rx.event
    async def answer_lost(self, message_id: str):
        """The page heard that the worker writing this answer died: the tab stops waiting
        for it (the recovery settles it) and shows the conversation as it is."""
        if self.streaming and message_id and message_id == self.stream_message_id:
            turns.end(self)
            await self._reload()

    @rx.event
    async def turn_check(self, turn: str):
        """The page asks about its turn that showed no answer (state/chat/turns.py)."""
        return await turns.check(self, turn)

    async def _on_reset(self) -> None:
        """The tab changes hands: its answer in flight stops (charged as a stop)."""
        if self._live_id:
            await live.hub().request_stop(self._live_id)

    @rx.event
    async def switch_branch(self, message_id: str):
        if self.streaming or not message_id:
            return
        if (
            await self._call(conversations.switch_branch, message_id, write=True, as_user=True)
            is FAILED
        ):
            return
        await self._reload()

    # ---- answering ---------------------------------------------------------------------

    @rx.event(background=True)
    async def send(self, form: dict[str, Any]):
        text = str(form.get("prompt", ""))
        # The composer's files (state/attachments.py), as ids in a hidden field of the form.
        file_ids = [i for i in str(form.get("files", "")).split(",") if i][:100]
        async with self:
            if not sends.take(self, str(form.get("send_id", ""))):
                return  # a copy of a send already taken (a retry of a late one)
            if self.streaming or not (text.strip() or file_ids):
                return
            await sends.files_sent(self, file_ids)
            self.draft = text
            turns.begin(self)
            token, conv_id, prompt_id = self.auth_token, self.current_id, self.turn
            model, system = self.model, self.system_prompt
            sampling = Sampling(*self._sampling)
        async with turns.running(self):
            try:
                posted = await in_write(
                    answers.post_and_begin,
                    token,
                    conv_id or None,
                    text,
                    model,
                    system_prompt=system,
                    sampling=sampling,
                    file_ids=file_ids,
                    message_id=prompt_id,
                )
            except ServiceError as exc:
                await self._fail_turn(exc)
                return
            user, msg, opening = posted.user, posted.prompt, not conv_id
            answering = None
            if isinstance(posted.answer, ServiceError):  # refused: the prompt stays, with why
                await self._fail_turn(
                    posted.answer,
                    user=user,
                    saved_draft=True,
                    conversation_id=msg.conversation_id,
                    opening=opening,
                )
            else:
                answering = await answer_flow.begun(
                    self, user, posted.answer, saved_draft=True, opening=opening
                )
            if not conv_id:  # the first message created the conversation: go to its address
                async with self:
                    arrived = self._holds(user) and self.current_id == msg.conversation_id
                if arrived:
                    yield rx.redirect(routes.conversation(msg.conversation_id))
            if answering is not None:
                await answer_flow.stream(self, user, answering)

    @rx.event(background=True)
    async def regenerate(self, message_id: str):
        async with self:
            if self.streaming:
                return
            turns.begin(self)
            token, model = self.auth_token, self.model
        async with turns.running(self):
            try:
                user = await self._signed_in(token)
                prompt = await in_read(conversations.regenerate_from, user, message_id)
            except ServiceError as exc:
                await self._fail_turn(exc)
                return
            await answer_flow.answer(self, user, prompt, model)

    @rx.event(background=True)
    async def submit_edit(self):
        async with self:
            if self.streaming:
                return
            turns.begin(self)
            token, model = self.auth_token, self.model
            message_id, text = self.editing_id, self.edit_text
        async with turns.running(self):
            try:
                user = await self._signed_in(token)
                msg = await in_write(conversations.edit_user_message, user, message_id, text)
            except ServiceError as exc:
                await self._fail_turn(exc)
                return
            await answer_flow.answer(self, user, msg, model)

    async def _fail_turn(
        self,
        exc: ServiceError,
        *,
        user: User | None = None,
        saved_draft: bool = False,
        conversation_id: str | None = None,
        opening: bool = False,
    ) -> None:
        async with self:
            if not self._holds(user):
                return
            self.error = self._explain(exc)
            self.streaming = False
            if saved_draft:
                self.draft = ""  # the message is in the conversation: nothing is lost
            user = await self._user()
            if user is not None:
                view = await self._screen(user, conversation_id)
                self._show(view, conversation_id or self.current_id, opening=opening)

    def _show(self, view: conversations.Screen, conversation_id: str, *, opening: bool) -> None:
        """Show a turn's conversation, unless the user went to another one meanwhile (then
        only its place in the list changes). `opening`: a new chat becomes this one."""
        if self.current_id == conversation_id or (opening and not self.current_id):
            self._apply(view)
        else:
            self._list(view)

    def _explain(self, exc: ServiceError) -> str:
        if isinstance(exc, InsufficientBalance):  # insufficient_balance or balance_held
            figures = {"available": 0, "needed": 0, "answers": 0, "held": 0, **exc.details}
            return i18n.tr(f"chat.error.{exc.code}", self.lang, **figures)
        return self._error_text(exc)

    def _holds(self, user: User | None) -> bool:
        """Inside `async with self`: does the tab still hold `user`'s data (None: nobody's
        yet)? A turn of someone who signed out since must not reach the next person."""
        return user is None or self._user_id == user.id
