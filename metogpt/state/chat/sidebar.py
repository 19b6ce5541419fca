"""The conversation list's actions: rename, delete (confirmed, then undoable for a few
seconds) and the phone's drawer. A substate of the chat's state: it reads and changes the
list and the open conversation through it."""

from __future__ import annotations

import asyncio

import reflex as rx

from metogpt import routes
from metogpt.services import conversations
from metogpt.state.chat.state import ChatState
from metogpt.state.session import FAILED

UNDO_SHOWN_SECONDS = 5  # the service keeps a deleted conversation restorable longer


class SidebarState(ChatState):
    rename_id: str = ""
    rename_text: str = ""
    delete_id: str = ""  # asking to confirm the delete of this conversation
    delete_title: str = ""
    undo_id: str = ""  # just deleted: Undo restores it
    drawer_open: bool = False  # phones: the list slides over the chat

    _undo_reopens: bool = False  # the deleted conversation was the open one

    @rx.event
    def toggle_drawer(self):
        self.drawer_open = not self.drawer_open

    @rx.event
    def close_drawer(self):
        self.drawer_open = False

    @rx.event
    def start_rename(self, conversation_id: str, title: str):
        self.rename_id, self.rename_text = conversation_id, title

    @rx.event
    def set_rename_text(self, value: str):
        self.rename_text = value

    @rx.event
    def cancel_rename(self):
        self.rename_id = ""

    @rx.event
    async def save_rename(self):
        done = await self._call(
            conversations.rename, self.rename_id, self.rename_text, write=True, as_user=True
        )
        if done is FAILED:
            return
        self.rename_id = ""
        await self._reload()

    @rx.event
    def ask_delete(self, conversation_id: str, title: str):
        self.delete_id, self.delete_title = conversation_id, title

    @rx.event
    def cancel_delete(self):
        self.delete_id = ""

    @rx.event
    async def delete(self):
        conversation_id, self.delete_id = self.delete_id, ""
        if not conversation_id or (self.streaming and conversation_id == self.current_id):
            return None
        if (
            await self._call(conversations.remove, conversation_id, write=True, as_user=True)
            is FAILED
        ):
            return None
        self.undo_id, self._undo_reopens = conversation_id, conversation_id == self.current_id
        if self._undo_reopens:
            self._clear()
        await self._reload()
        hide = SidebarState.hide_undo(conversation_id)
        return [hide, rx.redirect(routes.CHAT)] if self._undo_reopens else hide

    @rx.event(background=True)
    async def hide_undo(self, conversation_id: str):
        await asyncio.sleep(UNDO_SHOWN_SECONDS)
        async with self:
            if self.undo_id == conversation_id:
                self.undo_id = ""

    @rx.event
    async def undo_delete(self):
        conversation_id, self.undo_id = self.undo_id, ""
        if (
            not conversation_id
            or await self._call(conversations.restore, conversation_id, write=True, as_user=True)
            is FAILED
        ):
            return None
        if self._undo_reopens and not self.current_id:
            return rx.redirect(routes.conversation(conversation_id))
        await self._reload()
        return None
