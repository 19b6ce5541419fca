"""Database tables (plain SQLModel). Business rules live in services/, not here.

One module per area; every name is re-exported here, so `from metogpt.models import User`
works as before, and importing this package registers all the tables on SQLModel.metadata
(alembic/env.py relies on that)."""

from metogpt.models.accounts import AuthSession, Meta, Role, ThrottleHit, User
from metogpt.models.base import iso, new_id, utcnow
from metogpt.models.conversations import (
    Attachment,
    Conversation,
    Message,
    MessageStatus,
    Preset,
    Share,
)
from metogpt.models.keys import ApiKey, ApiWindow
from metogpt.models.money import (
    ADJUSTMENT,
    CHARGE,
    GRANT,
    REFUND,
    TOPUP,
    LedgerEntry,
    Package,
    Payment,
    Reservation,
    UsageDaily,
    UsageUserDaily,
)

__all__ = [
    "ADJUSTMENT",
    "CHARGE",
    "GRANT",
    "REFUND",
    "TOPUP",
    "ApiKey",
    "ApiWindow",
    "Attachment",
    "AuthSession",
    "Conversation",
    "LedgerEntry",
    "Message",
    "MessageStatus",
    "Meta",
    "Package",
    "Payment",
    "Preset",
    "Reservation",
    "Role",
    "Share",
    "ThrottleHit",
    "UsageDaily",
    "UsageUserDaily",
    "User",
    "iso",
    "new_id",
    "utcnow",
]
