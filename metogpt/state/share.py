"""The public page of a share link (/s/{token}): no sign-in. It holds only what the
snapshot holds (title, messages' role, text and model), which anyone with the link may
read anyway."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from metogpt.services.db import in_read
from metogpt.services.errors import NotFound
from metogpt.services.travel import shares
from metogpt.state.session import SessionState


@dataclass
class SharedRow:
    role: str
    content: str
    model: str


class ShareState(SessionState):
    title: str = ""
    rows: rx.Field[list[SharedRow]] = rx.field(default_factory=list)
    missing: bool = False
    loaded: bool = False

    @rx.event
    async def load(self):
        token = str(self.router.page.params.get("share_token", ""))
        self.loaded = False
        try:
            view = await in_read(shares.public, token)
        except NotFound:
            self.title, self.rows, self.missing = "", [], True
        else:
            self.title = view.title
            self.rows = [SharedRow(m.role, m.content, m.model) for m in view.messages]
            self.missing = False
        self.loaded = True
