"""The conversation list's actions: rename and delete (a substate of the chat's state, so
it reads and changes the list and the open conversation through it)."""

from __future__ import annotations

import reflex as rx

from metogpt.services import conversations
from metogpt.state.chat.state import ChatState
from metogpt.state.session import FAILED


class SidebarState(ChatState):
    rename_id: str = ""
    rename_text: str = ""

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
    async def delete(self, conversation_id: str):
        if self.streaming and conversation_id == self.current_id:
            return
        if (
            await self._call(conversations.remove, conversation_id, write=True, as_user=True)
            is FAILED
        ):
            return
        if conversation_id == self.current_id:
            self.new_chat()
        await self._reload()
