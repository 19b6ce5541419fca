"""The balance dialog of the users screen: a user's balance and ledger, and the change."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from metogpt.models import LedgerEntry, iso
from metogpt.services import billing
from metogpt.services.errors import ErrorCode, InvalidInput, ServiceError
from metogpt.state.admin.users import UsersState
from metogpt.state.session import FAILED

LEDGER_ROWS = 100
# The dialog's field a refusal is about (the problem shows under it).
_FIELDS = {
    ErrorCode.NOT_A_NUMBER: "amount",
    ErrorCode.TOO_LARGE: "amount",
    ErrorCode.INSUFFICIENT_BALANCE: "amount",
    ErrorCode.RESERVED: "amount",
    ErrorCode.REASON_REQUIRED: "reason",
    ErrorCode.REASON_TOO_LONG: "reason",
    ErrorCode.REASON_INVALID: "reason",
}


@dataclass
class LedgerRow:
    id: int
    time: str  # YYYY-MM-DD HH:MM:SS
    kind: str
    amount: int
    after: int
    model: str
    tokens: int
    reason: str
    actor: str

    @classmethod
    def of(cls, e: LedgerEntry) -> LedgerRow:
        return cls(
            id=e.id or 0,
            time=(iso(e.created_at) or "")[:19].replace("T", " "),
            kind=e.kind,
            amount=e.amount,
            after=e.balance_after,
            model=e.model or "",
            tokens=(e.prompt_tokens or 0) + (e.completion_tokens or 0),
            reason=e.reason or "",
            actor=e.actor_id or "",
        )


class BalanceState(UsersState):
    """A substate of the users screen: saving reloads its rows."""

    user_id: str = ""  # whose balance the dialog shows ("" when closed)
    user_email: str = ""
    user_balance: int = 0
    mode: str = "set"  # "set" or "add" (billing.change_balance's operation)
    amount: str = ""
    reason: str = ""
    ledger: rx.Field[list[LedgerRow]] = rx.field(default_factory=list)
    problem_field: str = ""  # "amount" or "reason": the field the problem is about

    def _refused(self, exc: ServiceError) -> None:
        super()._refused(exc)
        self.problem_field = _FIELDS.get(exc.code, "")

    async def _leave(self) -> None:
        self.user_id = ""

    @rx.event
    async def open_balance(self, user_id: str):
        self.problem = self.problem_field = ""
        sheet = await self._call(billing.statement, user_id, LEDGER_ROWS)
        if sheet is FAILED:
            return self._failed()
        self.user_id, self.user_email = sheet.user.id, sheet.user.email
        self.user_balance = sheet.user.balance
        self.amount, self.reason, self.mode = str(sheet.user.balance), "", "set"
        self.ledger = [LedgerRow.of(e) for e in sheet.entries]
        return None

    @rx.event
    def close_balance(self):
        self.user_id = ""

    @rx.event
    def dialog_open_changed(self, is_open: bool):
        if not is_open:
            self.user_id = ""

    @rx.event
    def set_mode(self, mode: str | list[str]):
        self.mode = "add" if mode == "add" else "set"

    @rx.event
    def set_amount(self, value: str):
        self.amount = value[:20]

    @rx.event
    def set_reason(self, value: str):
        self.reason = value[: billing.MAX_REASON]

    @rx.event
    async def save_balance(self):
        try:
            amount = _whole_number(self.amount)
        except ServiceError as exc:
            self._refused(exc)
            return
        op = "add" if self.mode == "add" else "set"
        changed = await self._call(
            billing.change_balance, self.user_id, op, amount, self.reason, write=True
        )
        if changed is FAILED:
            return None
        caller = await self._caller()
        if caller is not None and caller[0].id == self.user_id:
            self.balance = caller[0].balance  # the header's own balance
        who = self.user_email
        await self.open_balance(self.user_id)
        await self._refresh()
        return self._done("admin.toast.balance", user=who, balance=self.user_balance)


def _whole_number(text: str) -> int:
    cleaned = text.strip().replace(" ", "").replace("_", "")
    body = cleaned[1:] if cleaned[:1] in "+-" else cleaned
    if not body.isdigit() or not body.isascii():
        raise InvalidInput("enter a whole number", code=ErrorCode.NOT_A_NUMBER)
    return int(cleaned)
