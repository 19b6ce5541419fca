"""The admin dashboard's texts added for issue 13: counted words (forms separated by "|",
see plural.py), confirmations and toasts, empty results, permission labels and the role
editor's field errors. English, Russian."""

ADMIN: dict[str, tuple[str, str]] = {
    # counted words
    "admin.n.users": (
        "{n} user|{n} users",
        "{n} пользователь|{n} пользователя|{n} пользователей",
    ),
    "admin.n.permissions": ("{n} permission|{n} permissions", "{n} право|{n} права|{n} прав"),
    "admin.n.models": ("{n} model|{n} models", "{n} модель|{n} модели|{n} моделей"),
    "admin.n.tokens": ("{n} token|{n} tokens", "{n} токен|{n} токена|{n} токенов"),
    "admin.n.days": ("day|days", "день|дня|дней"),
    "admin.page_of": ("Page {page} of {pages}", "Страница {page} из {pages}"),
    # confirming a role change from the users table
    "admin.confirm.title": ("Change the role?", "Изменить роль?"),
    "admin.confirm.body": (
        "{user} gets the role {role} instead of {old}.",
        "{user} получит роль {role} вместо {old}.",
    ),
    "admin.confirm.powers": (
        "{role} holds administrative permissions:",
        "Роль {role} даёт права администрирования:",
    ),
    "admin.confirm.no_powers": (
        "{role} holds no administrative permissions.",
        "Роль {role} не даёт прав администрирования.",
    ),
    "admin.confirm.ok": ("Change role", "Изменить роль"),
    "admin.confirm.cancel": ("Cancel", "Отмена"),
    # toasts after a save
    "admin.toast.role": ("{user} now has the role {role}.", "{user}: роль изменена на {role}."),
    "admin.toast.enabled": ("{user} can sign in again.", "{user}: аккаунт включён."),
    "admin.toast.disabled": ("{user} is disabled.", "{user}: аккаунт отключён."),
    "admin.toast.balance": (
        "Balance of {user}: {balance}.",
        "Баланс {user}: {balance}.",
    ),
    "admin.toast.role_saved": ("Role {role} saved.", "Роль {role} сохранена."),
    "admin.toast.role_deleted": ("Role {role} deleted.", "Роль {role} удалена."),
    # empty results
    "admin.empty.search": ("No users match “{query}”.", "Нет пользователей по запросу «{query}»."),
    "admin.empty.users": ("No users yet.", "Пользователей пока нет."),
    # the usage of one user (the usage screen's filter)
    "admin.usage.user": ("A user's email (empty: everyone)", "Email пользователя (пусто — все)"),
    "admin.usage.show": ("Show", "Показать"),
    "admin.usage.no_user": ("No user has this email.", "Нет пользователя с таким email."),
    # ledger kinds (models.LedgerEntry.kind)
    "admin.kind.grant": ("grant", "начисление"),
    "admin.kind.charge": ("charge", "списание"),
    "admin.kind.adjustment": ("adjustment", "корректировка"),
    "admin.kind.refund": ("refund", "возврат"),
    "admin.kind.topup": ("top-up", "пополнение"),
    # refusals in plain words (the dashboard's wording of some service errors)
    "admin.err.role_in_use": (
        "The role is held by {n} user: give them another role first.|"
        "The role is held by {n} users: give them another role first.",
        "Роль назначена {n} пользователю: сначала назначьте ему другую.|"
        "Роль назначена {n} пользователям: сначала назначьте им другую.|"
        "Роль назначена {n} пользователям: сначала назначьте им другую.",
    ),
    "admin.err.forbidden": (
        "This needs the permission “{name}”, which your role does not have.",
        "Для этого нужно право «{name}», которого нет у вашей роли.",
    ),
    "admin.err.escalation": (
        "You cannot grant permissions you do not hold yourself: {names}.",
        "Нельзя выдать права, которых у вас нет: {names}.",
    ),
    "admin.err.name": (
        "Name: 1–32 Latin letters, digits, “_” or “-”, starting with a letter.",
        "Название: 1–32 латинские буквы, цифры, «_» или «-», первой — буква.",
    ),
    "admin.err.coefficient": (
        "Coefficient for {model} must be a number above 0 and at most 1000,"
        " with at most 4 decimals.",
        "Коэффициент для {model} должен быть числом больше 0 и не больше 1000,"
        " не более 4 знаков после запятой.",
    ),
    "admin.err.limit": (
        "A whole number from 1 to 1,000,000,000, or empty for no limit.",
        "Целое число от 1 до 1 000 000 000 или пустое поле — без ограничения.",
    ),
    # the role editor's API limits (services/gateway/limits.py, `apiLimits` in REST)
    "admin.limits.title": ("API limits per minute", "Лимиты API в минуту"),
    "admin.limits.hint": (
        "For requests with personal API keys (/v1). Empty: no limit.",
        "Для запросов с личными ключами API (/v1). Пустое поле — без ограничения.",
    ),
    "admin.limits.user_rpm": ("Requests per user", "Запросов на пользователя"),
    "admin.limits.user_tpm": ("Tokens per user", "Токенов на пользователя"),
    "admin.limits.key_rpm": ("Requests per key", "Запросов на ключ"),
    "admin.limits.key_tpm": ("Tokens per key", "Токенов на ключ"),
    "admin.limits.none": ("no limit", "без ограничения"),
    # the permission catalog (services/permissions.CATALOG) for people
    "admin.perm.USER_MANAGEMENT": ("Users", "Пользователи"),
    "admin.perm.USER_MANAGEMENT.READ": ("See users", "Просмотр пользователей"),
    "admin.perm.USER_MANAGEMENT.READ.hint": (
        "List and search accounts.",
        "Список и поиск аккаунтов.",
    ),
    "admin.perm.USER_MANAGEMENT.UPDATE": ("Change users", "Изменение пользователей"),
    "admin.perm.USER_MANAGEMENT.UPDATE.hint": (
        "Change roles, enable and disable accounts.",
        "Менять роли, включать и отключать аккаунты.",
    ),
    "admin.perm.ROLE_MANAGEMENT": ("Roles", "Роли"),
    "admin.perm.ROLE_MANAGEMENT.READ": ("See roles", "Просмотр ролей"),
    "admin.perm.ROLE_MANAGEMENT.READ.hint": (
        "The role list and each role's settings.",
        "Список ролей и их настройки.",
    ),
    "admin.perm.ROLE_MANAGEMENT.CREATE": ("Create roles", "Создание ролей"),
    "admin.perm.ROLE_MANAGEMENT.CREATE.hint": ("Add new roles.", "Добавлять новые роли."),
    "admin.perm.ROLE_MANAGEMENT.UPDATE": ("Edit roles", "Изменение ролей"),
    "admin.perm.ROLE_MANAGEMENT.UPDATE.hint": (
        "Change a role's permissions, models and coefficients.",
        "Менять права, модели и коэффициенты роли.",
    ),
    "admin.perm.ROLE_MANAGEMENT.DELETE": ("Delete roles", "Удаление ролей"),
    "admin.perm.ROLE_MANAGEMENT.DELETE.hint": (
        "Remove roles nobody holds.",
        "Удалять роли, которые никому не назначены.",
    ),
    "admin.perm.BALANCE_MANAGEMENT": ("Balances", "Балансы"),
    "admin.perm.BALANCE_MANAGEMENT.READ": ("See balances", "Просмотр балансов"),
    "admin.perm.BALANCE_MANAGEMENT.READ.hint": (
        "Users' balances and ledgers.",
        "Балансы пользователей и журналы операций.",
    ),
    "admin.perm.BALANCE_MANAGEMENT.UPDATE": ("Change balances", "Изменение балансов"),
    "admin.perm.BALANCE_MANAGEMENT.UPDATE.hint": (
        "Set, top up or deduct credits.",
        "Устанавливать, начислять и списывать кредиты.",
    ),
    "admin.perm.ANALYTICS": ("Analytics", "Аналитика"),
    "admin.perm.ANALYTICS.READ": ("See usage", "Просмотр статистики"),
    "admin.perm.ANALYTICS.READ.hint": (
        "Usage charts and the CSV export.",
        "Графики расходов и экспорт CSV.",
    ),
}
