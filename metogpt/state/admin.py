"""The admin dashboard's state. Each handler re-authenticates and calls a service that checks
the permission itself; the `can_*` flags only decide what the page shows."""

from __future__ import annotations

from typing import Any

import reflex as rx

from metogpt import i18n
from metogpt.api.schemas import iso
from metogpt.services import analytics, billing, permissions, roles, users
from metogpt.services.errors import InvalidInput, ServiceError
from metogpt.services.permissions import Actor
from metogpt.state.session import SessionState, in_read, in_write

PAGE_SIZE = 25
RANGES = ("7", "30", "90", "365")


def _user_row(u: Any) -> dict[str, Any]:
    return {
        "id": u.id,
        "email": u.email,
        "username": u.username,
        "name": u.name,
        "role": u.role,
        "balance": u.balance,
        "enabled": u.enabled,
        "created": (iso(u.created_at) or "")[:10],
        "active": (iso(u.last_active_at) or "")[:16].replace("T", " "),
    }


def _buckets(buckets: list[analytics.Bucket]) -> list[dict[str, Any]]:
    return [
        {"key": b.key, "tokens": b.tokens, "credits": b.credits, "answers": b.answers}
        for b in buckets
    ]


def _entry_row(e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "time": (iso(e.created_at) or "")[:19].replace("T", " "),
        "kind": e.kind,
        "amount": e.amount,
        "after": e.balance_after,
        "model": e.model or "",
        "tokens": (e.prompt_tokens or 0) + (e.completion_tokens or 0),
        "reason": e.reason or "",
        "actor": e.actor_id or "",
    }


class AdminState(SessionState):
    tab: str = "users"
    notice: str = ""
    problem: str = ""
    # What this admin may do (display only).
    can_users_read: bool = False
    can_users_update: bool = False
    can_balance_read: bool = False
    can_balance_update: bool = False
    can_roles_read: bool = False
    can_roles_create: bool = False
    can_roles_update: bool = False
    can_roles_delete: bool = False
    can_analytics: bool = False

    # users
    rows: list[dict[str, Any]] = []
    total: int = 0
    query: str = ""
    sort: str = "created"
    descending: bool = True
    page: int = 0
    role_names: list[str] = []

    # balance dialog
    balance_user_id: str = ""
    balance_user_email: str = ""
    balance_user_balance: int = 0
    balance_mode: str = "set"
    balance_amount: str = ""
    balance_reason: str = ""
    ledger: list[dict[str, Any]] = []

    # roles
    role_list: list[dict[str, Any]] = []
    editing_role: str = ""
    role_is_new: bool = False
    role_name: str = ""
    role_perms: dict[str, bool] = {}
    role_models: list[dict[str, Any]] = []

    # analytics
    days: str = "30"  # a select's value: kept as text
    by_day: list[dict[str, Any]] = []
    by_model: list[dict[str, Any]] = []
    top_users: list[dict[str, Any]] = []
    total_credits: int = 0
    total_tokens: int = 0
    total_answers: int = 0
    top_loading: bool = False  # top spenders are asked for after the rest of the page
    metric: str = "credits"  # what the charts show: "credits" or "tokens"

    async def _admin(self) -> Actor | None:
        caller = await self._caller()
        return caller[1] if caller else None

    def _say(self, exc: ServiceError) -> None:
        self.notice = ""
        self.problem = i18n.error_text(exc.code, exc.message, self.lang)

    def _flags(self, a: Actor) -> None:
        self.can_users_read = a.can("USER_MANAGEMENT", "READ")
        self.can_users_update = a.can("USER_MANAGEMENT", "UPDATE")
        self.can_balance_read = a.can("BALANCE_MANAGEMENT", "READ")
        self.can_balance_update = a.can("BALANCE_MANAGEMENT", "UPDATE")
        self.can_roles_read = a.can("ROLE_MANAGEMENT", "READ")
        self.can_roles_create = a.can("ROLE_MANAGEMENT", "CREATE")
        self.can_roles_update = a.can("ROLE_MANAGEMENT", "UPDATE")
        self.can_roles_delete = a.can("ROLE_MANAGEMENT", "DELETE")
        self.can_analytics = a.can("ANALYTICS", "READ")

    @rx.event
    async def load(self):
        """on_load of /admin: the signed-in user (or /login) and the first tab, in one
        event, so the first screen costs one round trip."""
        actor = await self._enter(models=False)  # the model list is the chat page's
        if actor is None:
            return rx.redirect("/login")
        self._flags(actor)
        self.balance_user_id, self.editing_role, self.notice, self.problem = "", "", "", ""
        first = [
            (self.can_users_read, "users"),
            (self.can_roles_read, "roles"),
            (self.can_analytics, "usage"),
        ]
        allowed = [name for ok, name in first if ok]
        if self.tab not in allowed:
            self.tab = allowed[0] if allowed else ""
        await self._load_tab(actor)
        return self._then()

    async def _load_tab(self, actor: Actor) -> None:
        self.problem = ""
        try:
            if self.tab == "users":
                await self._load_users(actor)
            elif self.tab == "roles":
                await self._load_roles(actor)
            elif self.tab == "usage":
                await self._load_usage(actor)
        except ServiceError as exc:
            self._say(exc)

    def _then(self) -> Any:
        """What to load once the first screen is out: the usage tab's top spenders."""
        return AdminState.load_top_users if self.tab == "usage" and self.top_loading else None

    @rx.event
    async def set_tab(self, tab: str):
        self.tab = tab
        actor = await self._admin()
        if actor is None:
            return None
        await self._load_tab(actor)
        return self._then()

    # ---- users -------------------------------------------------------------------------

    async def _load_users(self, actor: Actor) -> None:
        found, total = await in_read(
            users.list_users,
            actor,
            self.query,
            PAGE_SIZE,
            self.page * PAGE_SIZE,
            self.sort,
            self.descending,
        )
        self.rows, self.total = [_user_row(u) for u in found], total
        if actor.can("ROLE_MANAGEMENT", "READ"):
            self.role_names = await in_read(roles.names, actor)
        else:
            self.role_names = sorted({r["role"] for r in self.rows})

    async def _reload_users(self) -> None:
        actor = await self._admin()
        if actor is None:
            return
        try:
            await self._load_users(actor)
        except ServiceError as exc:
            self._say(exc)

    @rx.event
    async def search_users(self, value: str):
        self.query, self.page = value[:200], 0
        await self._reload_users()

    @rx.event
    async def sort_by(self, column: str):
        if column not in users.SORTS:
            return
        self.descending = not self.descending if self.sort == column else True
        self.sort, self.page = column, 0
        await self._reload_users()

    @rx.event
    async def go_page(self, delta: int):
        last = max(0, (self.total - 1) // PAGE_SIZE)
        self.page = min(max(0, self.page + delta), last)
        await self._reload_users()

    @rx.event
    async def change_role(self, user_id: str, role: str):
        actor = await self._admin()
        if actor is None:
            return
        try:
            await in_write(users.change_role, actor, user_id, role)
            self.problem, self.notice = "", i18n.tr("admin.saved", self.lang)
        except ServiceError as exc:
            self._say(exc)
        await self._reload_users()

    @rx.event
    async def set_enabled(self, user_id: str, enabled: bool):
        actor = await self._admin()
        if actor is None:
            return
        try:
            await in_write(users.set_enabled, actor, user_id, enabled)
            self.problem, self.notice = "", i18n.tr("admin.saved", self.lang)
        except ServiceError as exc:
            self._say(exc)
        await self._reload_users()

    # ---- balances ----------------------------------------------------------------------

    @rx.event
    async def open_balance(self, user_id: str):
        actor = await self._admin()
        if actor is None:
            return
        self.problem = ""
        try:  # the ledger read checks BALANCE_MANAGEMENT.READ before anything is shown
            entries, _ = await in_read(billing.ledger_page, actor, user_id, 100, 0)
            user = await in_read(users.get, user_id)
        except ServiceError as exc:
            self._say(exc)
            return
        self.balance_user_id, self.balance_user_email = user.id, user.email
        self.balance_user_balance = user.balance
        self.balance_amount, self.balance_reason, self.balance_mode = str(user.balance), "", "set"
        self.ledger = [_entry_row(e) for e in entries]

    @rx.event
    def close_balance(self):
        self.balance_user_id = ""

    @rx.event
    def dialog_open_changed(self, is_open: bool):
        if not is_open:
            self.balance_user_id = ""

    @rx.event
    def set_balance_mode(self, mode: str | list[str]):
        self.balance_mode = "adjust" if mode == "adjust" else "set"

    @rx.event
    def set_balance_amount(self, value: str):
        self.balance_amount = value[:20]

    @rx.event
    def set_balance_reason(self, value: str):
        self.balance_reason = value[: billing.MAX_REASON]

    @rx.event
    async def save_balance(self):
        actor = await self._admin()
        if actor is None:
            return
        try:
            amount = _whole_number(self.balance_amount)
            change = billing.adjust if self.balance_mode == "adjust" else billing.set_balance
            await in_write(
                change,
                actor,
                self.balance_user_id,
                amount,
                self.balance_reason,
                reason_required=True,
            )
        except ServiceError as exc:
            self._say(exc)
            return
        self.notice = i18n.tr("admin.saved", self.lang)
        if self.balance_user_id == actor.user_id:
            user, _ = await self._actor()
            self.balance = user.balance
        await self.open_balance(self.balance_user_id)
        await self._reload_users()

    # ---- roles -------------------------------------------------------------------------

    async def _load_roles(self, actor: Actor) -> None:
        views = await in_read(roles.list_roles, actor)
        self.role_list = [
            {
                "name": r.name,
                "users": r.user_count,
                "system": r.system,
                "perms": len(permissions.grants(r.permissions)),
                "models": sum(1 for g in r.model_access.values() if g.enabled),
            }
            for r in views
        ]

    def _fill_editor(
        self, name: str, matrix: permissions.Permissions, access: dict[str, roles.ModelGrant]
    ) -> None:
        from metogpt.services.catalog import get_catalog

        self.role_name = name
        self.role_perms = {f"{t}.{a}": v for t, acts in matrix.items() for a, v in acts.items()}
        self.role_models = [
            {
                "model": m,
                "enabled": access[m].enabled if m in access else False,
                "coefficient": access[m].coefficient if m in access else "1",
            }
            for m in get_catalog().names()
        ]

    @rx.event
    async def edit_role(self, name: str):
        actor = await self._admin()
        if actor is None:
            return
        try:
            view = await in_read(roles.view, actor, name)
        except ServiceError as exc:
            self._say(exc)
            return
        self.problem, self.editing_role, self.role_is_new = "", view.name, False
        self._fill_editor(view.name, view.permissions, view.model_access)

    @rx.event
    def new_role(self):
        self.problem, self.editing_role, self.role_is_new = "", "+", True
        self._fill_editor("", permissions.empty_matrix(), {})

    @rx.event
    def close_role(self):
        self.editing_role = ""

    @rx.event
    def set_role_name(self, value: str):
        self.role_name = value[:64]

    @rx.event
    def toggle_perm(self, key: str, value: bool):
        if key in self.role_perms:
            self.role_perms[key] = bool(value)

    @rx.event
    def set_model_enabled(self, index: int, value: bool):
        if 0 <= index < len(self.role_models):
            self.role_models[index]["enabled"] = bool(value)

    @rx.event
    def set_model_coefficient(self, index: int, value: str):
        if 0 <= index < len(self.role_models):
            self.role_models[index]["coefficient"] = value[:16]

    @rx.event
    async def save_role(self):
        actor = await self._admin()
        if actor is None:
            return
        matrix: dict[str, dict[str, bool]] = {}
        for key, value in self.role_perms.items():
            ptype, action = key.split(".", 1)
            matrix.setdefault(ptype, {})[action] = value
        table = {
            m["model"]: {"enabled": m["enabled"], "coefficient": m["coefficient"]}
            for m in self.role_models
        }
        access = roles.access_to_store(self.editing_role, table)  # "+" for a new role
        try:
            if self.role_is_new:
                await in_write(roles.create, actor, self.role_name, matrix, access)
            else:
                await in_write(roles.update, actor, self.editing_role, matrix, access)
        except ServiceError as exc:
            self._say(exc)
            return
        self.editing_role, self.problem = "", ""
        self.notice = i18n.tr("admin.saved", self.lang)
        await self._load_roles(actor)

    @rx.event
    async def delete_role(self, name: str):
        actor = await self._admin()
        if actor is None:
            return
        try:
            await in_write(roles.delete, actor, name)
        except ServiceError as exc:
            self._say(exc)
            return
        self.editing_role, self.problem = "", ""
        self.notice = i18n.tr("admin.deleted", self.lang)
        await self._load_roles(actor)

    # ---- usage -------------------------------------------------------------------------

    async def _load_usage(self, actor: Actor) -> None:
        report = await in_read(analytics.usage, actor, int(self.days))
        self.by_day, self.by_model = _buckets(report.by_day), _buckets(report.by_model)
        self.total_credits, self.total_tokens = report.total.credits, report.total.tokens
        self.total_answers = report.total.answers
        self.top_loading = True

    @rx.event
    async def load_top_users(self):
        actor = await self._admin()
        if actor is None:
            return
        try:
            self.top_users = _buckets(await in_read(analytics.top_users, actor, int(self.days)))
        except ServiceError as exc:
            self._say(exc)
        self.top_loading = False

    @rx.event
    def set_metric(self, value: str | list[str]):
        self.metric = value if value in ("credits", "tokens") else "credits"

    @rx.event
    async def set_days(self, value: str):
        self.days = value if value in RANGES else "30"
        actor = await self._admin()
        if actor is None:
            return None
        try:
            await self._load_usage(actor)
        except ServiceError as exc:
            self._say(exc)
        return self._then()

    @rx.event
    async def export_csv(self):
        actor = await self._admin()
        if actor is None:
            return None
        try:
            data = await in_read(analytics.ledger_csv, actor, int(self.days))
        except ServiceError as exc:
            self._say(exc)
            return None
        return rx.download(data=data, filename=f"metogpt-ledger-{self.days}d.csv")


def _whole_number(text: str) -> int:
    cleaned = text.strip().replace(" ", "").replace("_", "")
    body = cleaned[1:] if cleaned[:1] in "+-" else cleaned
    if not body.isdigit() or not body.isascii():
        raise InvalidInput("enter a whole number", code="not_a_number")
    return int(cleaned)
