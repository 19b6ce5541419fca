"""The admin dashboard's states: the frame (base) and one substate per screen."""

from metogpt.state.admin.balances import BalanceState, LedgerRow
from metogpt.state.admin.base import SCREENS, AdminState
from metogpt.state.admin.packages import PackageRow, PackagesState
from metogpt.state.admin.payments import PaymentAdminRow, PaymentsState
from metogpt.state.admin.roles import RoleRow, RolesState
from metogpt.state.admin.usage import RANGES, BucketRow, UsageState
from metogpt.state.admin.users import PAGE_SIZE, UserRow, UsersState

__all__ = [
    "PAGE_SIZE",
    "RANGES",
    "SCREENS",
    "AdminState",
    "BalanceState",
    "BucketRow",
    "LedgerRow",
    "PackageRow",
    "PackagesState",
    "PaymentAdminRow",
    "PaymentsState",
    "RoleRow",
    "RolesState",
    "UsageState",
    "UserRow",
    "UsersState",
]
