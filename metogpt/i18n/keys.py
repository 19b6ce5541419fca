"""Texts of the personal API keys (account page section) and their errors: English, Russian."""

KEYS: dict[str, tuple[str, str]] = {
    "error.invalid_key_name": (
        "A key's name is 1–100 characters.",
        "Название ключа — от 1 до 100 символов.",
    ),
    "error.invalid_expiry": (
        "The expiry must be a date in the future.",
        "Срок действия должен быть датой в будущем.",
    ),
    "error.too_many_keys": (
        "You have too many keys. Revoke one first.",
        "Слишком много ключей. Сначала отзовите один из них.",
    ),
    "error.key_not_found": ("API key not found.", "Ключ API не найден."),
    "error.invalid_api_key": ("Invalid API key.", "Неверный ключ API."),
    "error.api_key_expired": ("This API key has expired.", "Срок действия ключа API истёк."),
    "error.bad_api_limits": (
        "API limits are whole numbers of requests or tokens per minute, at least 1.",
        "Лимиты API — целое число запросов или токенов в минуту, не меньше 1.",
    ),
    "keys.title": ("API keys", "Ключи API"),
    "keys.intro": (
        "Use MetoGPT from code with any OpenAI-compatible client: base URL {base}, "
        "your key as the API key. Requests are billed like the chat.",
        "Работайте с MetoGPT из кода через любой клиент OpenAI: базовый адрес {base}, "
        "ваш ключ как API key. Запросы оплачиваются как в чате.",
    ),
    "keys.create": ("Create key", "Создать ключ"),
    "keys.name": ("Name", "Название"),
    "keys.name_placeholder": ("e.g. my laptop", "например, ноутбук"),
    "keys.expires": ("Expires (optional)", "Действует до (необязательно)"),
    "keys.models": (
        "Models (none ticked: all of your role's)",
        "Модели (ни одной: все модели роли)",
    ),
    "keys.prefix": ("Key", "Ключ"),
    "keys.created": ("Created", "Создан"),
    "keys.last_used": ("Last used", "Использован"),
    "keys.spent": ("Spent", "Потрачено"),
    "keys.expiry": ("Expires", "Истекает"),
    "keys.never": ("never", "никогда"),
    "keys.not_used": ("not yet", "ещё нет"),
    "keys.expired": ("expired", "истёк"),
    "keys.empty": ("No keys yet.", "Ключей пока нет."),
    "keys.revoke": ("Revoke", "Отозвать"),
    "keys.revoke_title": ("Revoke this key?", "Отозвать этот ключ?"),
    "keys.revoke_text": (
        "Programs using {prefix}… stop working at once. This cannot be undone.",
        "Программы с ключом {prefix}… сразу перестанут работать. Это нельзя отменить.",
    ),
    "keys.cancel": ("Cancel", "Отмена"),
    "keys.secret_title": ("Your new key", "Ваш новый ключ"),
    "keys.secret_text": (
        "Copy it now: it is shown only once.",
        "Скопируйте его сейчас: он показывается только один раз.",
    ),
    "keys.copy": ("Copy", "Копировать"),
    "keys.copied": ("Copied", "Скопировано"),
    "keys.done": ("Done", "Готово"),
    "keys.all_models": ("all role models", "все модели роли"),
}
