"""Where conversations travel from the browser: the sidebar's archive and share actions and
its Archived view (`TravelState`, a substate of the chat's state), and the account page's
import, export and list of share links (`TravelAccountState`). Services decide."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import reflex as rx

from metogpt import i18n, routes
from metogpt.models import Share
from metogpt.services import conversations
from metogpt.services.errors import ServiceError
from metogpt.services.travel import imports, library, shares
from metogpt.settings import settings
from metogpt.state.chat import ChatState, ConversationRow
from metogpt.state.session import FAILED, SessionState


def _origin(state: SessionState) -> str:
    return (settings.public_url or state.router.url.origin).rstrip("/")


class TravelState(ChatState):
    share_url: str = ""
    archived_open: bool = False
    archived: rx.Field[list[ConversationRow]] = rx.field(default_factory=list)

    @rx.event
    async def archive(self, conversation_id: str):
        if self.streaming and conversation_id == self.current_id:
            return
        done = await self._call(library.set_archived, conversation_id, True, write=True)
        if done is FAILED:
            return
        await self._reload()
        if conversation_id == self.current_id:
            return rx.redirect(routes.CHAT)

    @rx.event
    async def share(self, conversation_id: str):
        link = await self._call(shares.share, conversation_id, write=True)
        if link is not FAILED:
            self.share_url = _origin(self) + routes.share_path(link.token)

    @rx.event
    def close_share(self):
        self.share_url = ""

    @rx.event
    def set_share_open(self, value: bool):
        if not value:
            self.share_url = ""

    async def _load_archived(self) -> None:
        page = await self._call(functools.partial(library.page, archived=True, limit=500))
        if page is not FAILED:
            self.archived = [ConversationRow(c.id, c.title or "…") for c in page.conversations]

    @rx.event
    async def open_archived(self):
        self.archived_open = True
        await self._load_archived()

    @rx.event
    def set_archived_open(self, value: bool):
        self.archived_open = value

    @rx.event
    async def restore(self, conversation_id: str):
        if await self._call(library.set_archived, conversation_id, False, write=True) is FAILED:
            return
        await self._load_archived()
        await self._reload()

    @rx.event
    async def delete_archived(self, conversation_id: str):
        done = await self._call(conversations.remove, conversation_id, write=True, as_user=True)
        if done is not FAILED:
            await self._load_archived()


@dataclass
class ShareRow:
    token: str
    title: str
    url: str


class TravelAccountState(SessionState):
    import_report: str = ""
    import_error: str = ""
    import_busy: bool = False
    links: rx.Field[list[ShareRow]] = rx.field(default_factory=list)

    def _refused(self, exc: ServiceError) -> None:
        self.import_error = self._error_text(exc)

    async def _load_links(self) -> None:
        found = await self._call(shares.mine)
        if found is not FAILED:
            self._show_links(found)

    def _show_links(self, found: list[Share]) -> None:
        """The user's share links (the account page's load reads them with the rest)."""
        self.import_report, self.import_error = "", ""
        self.links = [
            ShareRow(s.token, s.title, _origin(self) + routes.share_path(s.token)) for s in found
        ]

    @rx.event
    async def revoke(self, token: str):
        if await self._call(shares.revoke, token, write=True) is not FAILED:
            await self._load_links()

    @rx.event
    async def import_file(self, files: list[rx.UploadFile]):
        self.import_report, self.import_error = "", ""
        if not files:
            return
        self.import_busy = True
        yield
        data = await files[0].read(imports.limit_bytes() + 1)
        report = await self._call(imports.run, data, write=True)
        self.import_busy = False
        if report is FAILED:
            return
        lines = [i18n.tr("travel.imported", self.lang, count=len(report.imported))]
        lines += [
            i18n.tr("travel.skipped", self.lang, title=title or "…", reason=i18n.tr(
                f"travel.skip.{reason}", self.lang))
            for title, reason in report.skipped
        ]  # fmt: skip
        self.import_report = "\n".join(lines)
