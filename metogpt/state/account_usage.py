"""The account page's usage: the user's own charges by day and by model over a range."""

from __future__ import annotations

import reflex as rx

from metogpt.services import analytics
from metogpt.services.errors import ServiceError
from metogpt.state.admin.usage import RANGES, BucketRow
from metogpt.state.session import FAILED, SessionState


class MyUsageState(SessionState):
    usage_days: str = "30"  # a select's value: kept as text
    usage_by_day: rx.Field[list[BucketRow]] = rx.field(default_factory=list)
    usage_by_model: rx.Field[list[BucketRow]] = rx.field(default_factory=list)
    usage_credits: int = 0
    usage_tokens: int = 0
    usage_answers: int = 0
    usage_error: str = ""

    def _days(self) -> int:
        return int(self.usage_days)

    def _loaded(self, report: analytics.Usage | ServiceError) -> None:
        """The usage (read by the account page's load, or for a change of the range)."""
        if isinstance(report, ServiceError):
            self._refused(report)
            return
        self.usage_by_day = BucketRow.all(report.by_day)
        self.usage_by_model = BucketRow.all(report.by_model)
        total = report.total
        self.usage_credits, self.usage_tokens = total.credits, total.tokens
        self.usage_answers, self.usage_error = total.answers, ""

    @rx.event
    async def set_usage_days(self, value: str):
        self.usage_days = value if value in RANGES else "30"
        report = await self._call(analytics.own_usage, self._days())
        if report is not FAILED:
            self._loaded(report)

    def _refused(self, exc: ServiceError) -> None:
        self.usage_error = self._error_text(exc)
