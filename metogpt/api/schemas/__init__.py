"""Wire shapes of the REST API (PRODUCT.md §4), seed-compatible field names included.

One module per area; the routers import the shared ones from here. The travelling
conversations' shapes (list, imports, shares, presets) are in schemas/travel.py."""

from metogpt.api.schemas.base import WHOLE, ErrorOut, Page, Strict, rows_named
from metogpt.api.schemas.files import FileOut
from metogpt.api.schemas.ledger import BalanceIn, BalanceOut, TransactionOut, TransactionsOut
from metogpt.api.schemas.roles import (
    GrantIO,
    RoleAssignIn,
    RoleCreateIn,
    RoleOut,
    RolesOut,
    RoleUpdateIn,
    grants_in,
)
from metogpt.api.schemas.users import (
    LoginIn,
    MeOut,
    ModelOut,
    ModelsOut,
    PasswordChangeIn,
    PasswordResetIn,
    RegisterIn,
    TokenOut,
    UserEnvelope,
    UserOut,
    UsersOut,
)

__all__ = [
    "WHOLE",
    "BalanceIn",
    "BalanceOut",
    "ErrorOut",
    "FileOut",
    "GrantIO",
    "LoginIn",
    "MeOut",
    "ModelOut",
    "ModelsOut",
    "Page",
    "PasswordChangeIn",
    "PasswordResetIn",
    "RegisterIn",
    "RoleAssignIn",
    "RoleCreateIn",
    "RoleOut",
    "RoleUpdateIn",
    "RolesOut",
    "Strict",
    "TokenOut",
    "TransactionOut",
    "TransactionsOut",
    "UserEnvelope",
    "UserOut",
    "UsersOut",
    "grants_in",
    "rows_named",
]
