"""The composer's files: uploaded by the browser to /api/files (assets/attachments.js, with
the tab's token: button, drag-and-drop, paste), then handed here to show and to send.

The browser only tells which ids it uploaded; each is read back through the files service
for this tab's user, so a forged id shows nothing."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx

from metogpt import i18n
from metogpt.services import files
from metogpt.services.db import in_read
from metogpt.services.errors import ServiceError
from metogpt.state.chat import ChatState, sends
from metogpt.state.chat.rows import FileRow


def _results(payload: Any) -> list[dict[str, Any]]:
    try:
        results = json.loads(payload) if isinstance(payload, str) else []
    except ValueError:
        return []
    return [r for r in results if isinstance(r, dict)][:50] if isinstance(results, list) else []


@sends.files_go_with_sends  # taken off the composer when their send is taken
class ComposerFiles(ChatState):
    pending: rx.Field[list[FileRow]] = rx.field(default_factory=list)
    upload_error: str = ""

    @rx.event
    async def take(self, payload: str):
        """The browser's finished uploads: [{"ok": true, "file": {"id": ...}} or
        {"ok": false, "name", "error", "message"}]."""
        caller = await self._caller()
        if caller is None:
            return
        self.upload_error = ""
        for result in _results(payload):
            if not result.get("ok"):
                text = i18n.error_text(
                    str(result.get("error", "")), str(result.get("message", "")), self.lang
                )
                self.upload_error = f"{str(result.get('name', ''))[:100]}: {text}"
                continue
            file = result.get("file")
            try:
                found = await in_read(
                    files.describe, caller[1], file.get("id") if isinstance(file, dict) else None
                )
            except ServiceError as exc:
                self._refused(exc)
                continue
            if all(row.id != found.id for row in self.pending):
                self.pending.append(FileRow.of(found, self._file_link(found.id)))

    @rx.var
    def pending_ids(self) -> str:
        """The form's hidden `files` field: what ChatState.send attaches."""
        return ",".join(row.id for row in self.pending)

    @rx.event
    async def remove(self, file_id: str):
        """Take a file off the message before sending: it is deleted."""
        self.pending = [row for row in self.pending if row.id != file_id]
        await self._call(files.delete_unsent, file_id, write=True)

    def _refused(self, exc: ServiceError) -> None:
        self.upload_error = self._error_text(exc)
