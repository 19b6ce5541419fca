"""The usage screen: totals, charts by day, model and user, top spenders, CSV export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from metogpt import i18n
from metogpt.services import analytics
from metogpt.services.errors import NotFound
from metogpt.services.permissions import Actor
from metogpt.state.admin.base import AdminState, screen
from metogpt.state.session import FAILED

RANGES = ("7", "30", "90", "365")


@dataclass
class BucketRow:
    key: str  # a day, a model or a user's email
    tokens: int
    credits: int
    answers: int

    @classmethod
    def all(cls, buckets: list[analytics.Bucket]) -> list[BucketRow]:
        return [cls(b.key, b.tokens, b.credits, b.answers) for b in buckets]


@screen("usage")
class UsageState(AdminState):
    days: str = "30"  # a select's value: kept as text
    by_day: rx.Field[list[BucketRow]] = rx.field(default_factory=list)
    by_model: rx.Field[list[BucketRow]] = rx.field(default_factory=list)
    top_users: rx.Field[list[BucketRow]] = rx.field(default_factory=list)
    total_credits: int = 0
    total_tokens: int = 0
    total_answers: int = 0
    top_loading: bool = False  # top spenders are asked for after the rest of the page
    metric: str = "credits"  # what the charts show: "credits" or "tokens"
    user_filter: str = ""  # an email: that user's usage only ("": everyone's)
    filter_problem: str = ""  # the filter names no user

    @staticmethod
    def _allowed(actor: Actor) -> bool:
        return actor.can("ANALYTICS", "READ")

    def _reader(self) -> Callable[[Session, Actor], Any]:
        who, days = self.user_filter, int(self.days)

        def read(session: Session, actor: Actor) -> analytics.Usage | None:
            """Everyone's usage, or `who`'s (None: no such user)."""
            if not who:
                return analytics.usage(session, actor, days)
            try:
                return analytics.user_usage(session, actor, who, days)
            except NotFound:
                return None

        return read

    def _shown(self, data: analytics.Usage | None) -> Any:
        self.filter_problem = "" if data else i18n.tr("admin.usage.no_user", self.lang)
        report = data or analytics.Usage([], [], analytics.Bucket("total", 0, 0, 0))
        self.by_day, self.by_model = BucketRow.all(report.by_day), BucketRow.all(report.by_model)
        self.total_credits, self.total_tokens = report.total.credits, report.total.tokens
        self.total_answers = report.total.answers
        self.top_users, self.top_loading = [], not self.user_filter
        # Top spenders once this screen is out (one user's usage has none).
        return None if self.user_filter else UsageState.load_top_users

    @rx.event
    async def load_top_users(self):
        top = await self._call(analytics.top_users, int(self.days))
        if top is not FAILED:
            self.top_users = BucketRow.all(top)
        self.top_loading = False

    @rx.event
    def set_metric(self, value: str | list[str]):
        self.metric = value if value in ("credits", "tokens") else "credits"

    @rx.event
    async def set_days(self, value: str):
        self.days = value if value in RANGES else "30"
        return await self._refresh()

    @rx.event
    async def filter_user(self, form: dict[str, Any]):
        """Show one user's usage (their email), or everyone's (empty)."""
        self.user_filter = str(form.get("email", "")).strip()[:254]
        return await self._refresh()

    @rx.event
    async def export_csv(self):
        data = await self._call(analytics.ledger_csv, int(self.days), self.user_filter)
        if data is FAILED:
            return None
        return rx.download(data=data, filename=f"metogpt-ledger-{self.days}d.csv")
