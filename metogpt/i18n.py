"""Every UI string, in English and Russian: the catalog and plain lookups.

`tr(key, lang)` gives plain text for messages built on the server; pages use
`metogpt.state.lang.t(key)`, the reactive text that follows the tab's language."""

from __future__ import annotations

LANGS = ("en", "ru")

MESSAGES: dict[str, tuple[str, str]] = {
    # app
    "app.name": ("MetoGPT", "MetoGPT"),
    "app.tagline": (
        "Chat with the best models, pay per token.",
        "Общайтесь с лучшими моделями, платите за токены.",
    ),
    "lang.switch": ("Русский", "English"),
    "lang.label": ("Language", "Язык"),
    # auth
    "auth.login.title": ("Sign in", "Вход"),
    "auth.login.submit": ("Sign in", "Войти"),
    "auth.login.no_account": ("No account yet?", "Ещё нет аккаунта?"),
    "auth.login.to_register": ("Create one", "Зарегистрируйтесь"),
    "auth.register.title": ("Create an account", "Регистрация"),
    "auth.register.submit": ("Create account", "Создать аккаунт"),
    "auth.register.have_account": ("Already registered?", "Уже зарегистрированы?"),
    "auth.register.to_login": ("Sign in", "Войдите"),
    "auth.register.closed": (
        "Registration is closed on this server.",
        "Регистрация на этом сервере закрыта.",
    ),
    "auth.register.done": (
        "Account created. Sign in to start.",
        "Аккаунт создан. Войдите, чтобы начать.",
    ),
    "auth.email": ("Email", "Эл. почта"),
    "auth.username": ("Username", "Имя пользователя"),
    "auth.name": ("Display name", "Отображаемое имя"),
    "auth.password": ("Password", "Пароль"),
    "auth.password_hint": ("At least 8 characters", "Не менее 8 символов"),
    "auth.logout": ("Sign out", "Выйти"),
    "auth.working": ("Please wait…", "Подождите…"),
    # shell
    "nav.chat": ("Chat", "Чат"),
    "nav.admin": ("Admin", "Админка"),
    "nav.account": ("Account", "Аккаунт"),
    # account
    "account.title": ("Your account", "Ваш аккаунт"),
    "account.password.title": ("Change password", "Смена пароля"),
    "account.password.current": ("Current password", "Текущий пароль"),
    "account.password.new": ("New password", "Новый пароль"),
    "account.password.rules": (
        "At least 8 characters, not your email. Your other signed-in devices are signed out.",
        "Не менее 8 символов, не совпадает с почтой. Другие устройства будут отключены.",
    ),
    "account.password.submit": ("Change password", "Сменить пароль"),
    "account.password.changed": ("Your password has been changed.", "Пароль изменён."),
    "shell.balance": ("Balance", "Баланс"),
    "shell.offline": (
        "No connection to the server. Reconnecting…",
        "Нет связи с сервером. Переподключаемся…",
    ),
    "shell.role": ("Role", "Роль"),
    "shell.credits": ("credits", "кредитов"),
    "shell.demo_banner": (
        "No provider key is configured: answers come from the built-in demo provider.",
        "Ключ провайдера не настроен: ответы генерирует встроенный демо-провайдер.",
    ),
    "chat.empty.title": ("Start a conversation", "Начните разговор"),
    "chat.empty.body": (
        "Pick a model your role allows and ask anything. Each answer is billed by its tokens.",
        "Выберите модель, доступную вашей роли, и задайте вопрос. Каждый ответ оплачивается по токенам.",
    ),
    "chat.models": ("Your models", "Ваши модели"),
    "chat.coefficient": ("coefficient", "коэффициент"),
    "chat.no_models": (
        "Your role has no models enabled.",
        "Для вашей роли не включено ни одной модели.",
    ),
    "chat.new": ("New chat", "Новый чат"),
    "chat.search": ("Search conversations", "Поиск по разговорам"),
    "chat.no_conversations": ("No conversations yet.", "Разговоров пока нет."),
    "chat.rename": ("Rename", "Переименовать"),
    "chat.delete": ("Delete", "Удалить"),
    "chat.delete_confirm": (
        "Delete this conversation for good?",
        "Удалить этот разговор навсегда?",
    ),
    "chat.cancel": ("Cancel", "Отмена"),
    "chat.save": ("Save", "Сохранить"),
    "chat.placeholder": (
        "Message MetoGPT… (Enter sends, Shift+Enter adds a line)",
        "Сообщение для MetoGPT… (Enter — отправить, Shift+Enter — новая строка)",
    ),
    "chat.send": ("Send", "Отправить"),
    "chat.stop": ("Stop", "Стоп"),
    "chat.regenerate": ("Regenerate", "Сгенерировать заново"),
    "chat.edit": ("Edit", "Изменить"),
    "chat.resubmit": ("Save and send", "Сохранить и отправить"),
    "chat.retry": ("Retry", "Повторить"),
    "chat.model": ("Model", "Модель"),
    "chat.system_prompt": ("System prompt", "Системный промпт"),
    "chat.system_prompt_hint": (
        "Instructions the model follows in this conversation",
        "Инструкции, которым модель следует в этом разговоре",
    ),
    "chat.tokens": ("tokens", "токенов"),
    "chat.charged": ("charged", "списано"),
    "chat.you": ("You", "Вы"),
    "chat.stopped.charged": (
        "Stopped — the prompt had been sent: it is charged",
        "Остановлено — запрос уже был отправлен: он оплачен",
    ),
    "chat.stopped.unsent": (
        "Stopped before sending — nothing charged",
        "Остановлено до отправки — ничего не списано",
    ),
    "chat.thinking": ("Thinking…", "Думаю…"),
    "chat.error.insufficient_balance": (
        "Insufficient balance: {available} credits available, this message needs at least {needed}. Your message is saved; retry after a top-up.",
        "Недостаточно средств: доступно {available} кредитов, нужно не меньше {needed}. Сообщение сохранено — повторите после пополнения.",
    ),
    "chat.error.balance_held": (
        "{held} credits are held by {answers} answers in progress (each holds enough for its longest possible reply); {available} are free, this message needs at least {needed}. Your message is saved; retry when an answer finishes.",
        "{held} кредитов удерживают идущие ответы ({answers}): каждый — под свой самый длинный возможный ответ; свободно {available}, нужно не меньше {needed}. Сообщение сохранено — повторите, когда ответ завершится.",
    ),
    "chat.error.auth": (
        "The provider refused our credentials. Nothing was charged; please tell an administrator.",
        "Провайдер отклонил ключ доступа. Ничего не списано; сообщите администратору.",
    ),
    "chat.error.rate_limit": (
        "The provider is rate-limiting requests. Nothing was charged for the failed part; try again in a moment.",
        "Провайдер ограничивает частоту запросов. Попробуйте чуть позже.",
    ),
    "chat.error.unavailable": (
        "The provider is unavailable right now. Your message is kept; try again.",
        "Провайдер сейчас недоступен. Сообщение сохранено — попробуйте ещё раз.",
    ),
    "chat.error.timeout": (
        "The provider took too long to answer. Your message is kept; try again.",
        "Провайдер не ответил вовремя. Сообщение сохранено — попробуйте ещё раз.",
    ),
    "chat.error.bad_request": (
        "The provider rejected the request (the conversation may be too long).",
        "Провайдер отклонил запрос (возможно, разговор слишком длинный).",
    ),
    "chat.error.cut": (
        "The answer was cut off by the provider; you were charged only for what arrived.",
        "Ответ оборвался на стороне провайдера; списано только за полученное.",
    ),
    "chat.error.length": (
        "The answer reached its length limit (set by the model or by your balance).",
        "Ответ достиг предела длины (модели или вашего баланса).",
    ),
    "error.model_not_allowed": (
        "Your role does not include this model.",
        "Эта модель недоступна для вашей роли.",
    ),
    "error.bad_grant": (
        "The periodic grant is not valid: amount, interval, unit (hours, days, weeks, months) and mode (add or reset).",
        "Периодическое начисление задано неверно: сумма, интервал, единица (часы, дни, недели, месяцы) и режим (add или reset).",
    ),
    "error.invalid_name": (
        "The name is not valid.",
        "Недопустимое название.",
    ),
    "error.bad_currency": (
        "This currency is not supported.",
        "Эта валюта не поддерживается.",
    ),
    "error.bad_provider": (
        "Unknown payment provider.",
        "Неизвестный платёжный провайдер.",
    ),
    "error.bad_status": (
        "Unknown payment status.",
        "Неизвестный статус платежа.",
    ),
    "error.package_not_found": (
        "Top-up package not found.",
        "Пакет пополнения не найден.",
    ),
    "error.payment_not_found": (
        "Payment not found.",
        "Платёж не найден.",
    ),
    "error.provider_off": (
        "This payment provider is not configured.",
        "Этот платёжный провайдер не настроен.",
    ),
    "error.provider_error": (
        "The payment provider could not be reached or refused the request; nothing was charged here. Try again later.",
        "Платёжный провайдер недоступен или отклонил запрос; здесь ничего не списано. Повторите позже.",
    ),
    "error.bad_signature": (
        "The notification's signature does not match.",
        "Подпись уведомления не совпадает.",
    ),
    "error.bad_notification": (
        "The payment notification is malformed.",
        "Уведомление о платеже повреждено.",
    ),
    "error.untrusted": (
        "Notifications are not accepted from this address.",
        "Уведомления с этого адреса не принимаются.",
    ),
    "error.credits_owed": (
        "A refunded payment took back credits that were already in use; new answers resume "
        "once the rest is paid back (by a top-up or a grant).",
        "Возврат платежа забрал кредиты, которые уже были потрачены; новые ответы станут "
        "доступны, когда остаток будет погашен (пополнением или начислением).",
    ),
    "error.empty_message": ("Write a message first.", "Сначала напишите сообщение."),
    "error.message_too_long": ("This message is too long.", "Сообщение слишком длинное."),
    "error.control_characters": (
        "This message contains invisible control characters; remove them and send again.",
        "В сообщении есть невидимые управляющие символы; удалите их и отправьте снова.",
    ),
    "error.conversation_not_found": (
        "That conversation no longer exists.",
        "Этот разговор больше не существует.",
    ),
    "error.message_not_found": (
        "That message no longer exists.",
        "Это сообщение больше не существует.",
    ),
    "error.empty_title": ("A title cannot be empty.", "Название не может быть пустым."),
    "admin.title": ("Administration", "Администрирование"),
    "admin.tab.users": ("Users", "Пользователи"),
    "admin.tab.roles": ("Roles", "Роли"),
    "admin.tab.usage": ("Usage", "Статистика"),
    "admin.saved": ("Saved.", "Сохранено."),
    "admin.deleted": ("Deleted.", "Удалено."),
    "admin.search_users": (
        "Search by email, username or name",
        "Поиск по почте, имени пользователя или имени",
    ),
    "admin.col.user": ("User", "Пользователь"),
    "admin.col.email": ("Email", "Почта"),
    "admin.col.role": ("Role", "Роль"),
    "admin.col.balance": ("Balance", "Баланс"),
    "admin.col.enabled": ("Enabled", "Активен"),
    "admin.col.created": ("Registered", "Регистрация"),
    "admin.col.active": ("Last active", "Последняя активность"),
    "admin.col.actions": ("Actions", "Действия"),
    "admin.users_total": ("users", "пользователей"),
    "admin.page": ("Page", "Страница"),
    "admin.prev": ("Previous", "Назад"),
    "admin.next": ("Next", "Вперёд"),
    "admin.balance.edit": ("Balance", "Баланс"),
    "admin.balance.title": ("Balance of", "Баланс пользователя"),
    "admin.balance.current": ("Current balance", "Текущий баланс"),
    "admin.balance.set": ("Set to", "Установить"),
    "admin.balance.adjust": ("Add / subtract", "Начислить / списать"),
    "admin.balance.amount": ("Amount", "Сумма"),
    "admin.balance.reason": ("Reason (required)", "Причина (обязательно)"),
    "admin.balance.save": ("Apply", "Применить"),
    "admin.ledger": ("Ledger", "Журнал операций"),
    "admin.ledger.time": ("Time", "Время"),
    "admin.ledger.kind": ("Kind", "Тип"),
    "admin.ledger.amount": ("Amount", "Сумма"),
    "admin.ledger.after": ("Balance after", "Баланс после"),
    "admin.ledger.details": ("Details", "Подробности"),
    "admin.ledger.empty": ("No ledger rows yet.", "Записей пока нет."),
    "admin.close": ("Close", "Закрыть"),
    "admin.roles.new": ("New role", "Новая роль"),
    "admin.roles.name": ("Name", "Название"),
    "admin.roles.users": ("Users", "Пользователи"),
    "admin.roles.permissions": ("Permissions", "Права"),
    "admin.roles.models": ("Models", "Модели"),
    "admin.roles.system": ("system", "системная"),
    "admin.roles.edit": ("Edit", "Изменить"),
    "admin.roles.delete": ("Delete role", "Удалить роль"),
    "admin.roles.save": ("Save role", "Сохранить роль"),
    "admin.roles.enabled": ("Enabled", "Включена"),
    "admin.roles.coefficient": ("Coefficient", "Коэффициент"),
    "admin.roles.escalation_hint": (
        "You can only grant permissions you hold yourself.",
        "Можно выдавать только те права, которые есть у вас самих.",
    ),
    "admin.roles.in_use_hint": (
        "A role in use or a system role cannot be deleted.",
        "Нельзя удалить системную роль или роль, назначенную пользователям.",
    ),
    "admin.usage.range": ("Range", "Период"),
    "admin.usage.days": ("days", "дн."),
    "admin.usage.export": ("Export CSV", "Экспорт CSV"),
    "admin.usage.credits": ("Credits charged", "Списано кредитов"),
    "admin.usage.tokens": ("Tokens", "Токены"),
    "admin.usage.by_day": ("By day", "По дням"),
    "admin.usage.by_model": ("By model", "По моделям"),
    "admin.usage.by_user": ("By user (top 10)", "По пользователям (топ-10)"),
    "admin.usage.top": ("Top spenders", "Крупнейшие потребители"),
    "admin.usage.answers": ("Answers", "Ответы"),
    "admin.usage.empty": ("No usage in this range.", "За этот период расходов нет."),
    "error.not_a_number": ("Enter a whole number.", "Введите целое число."),
    "error.reason_required": ("A reason is required.", "Укажите причину."),
    "error.reason_too_long": ("The reason is too long.", "Причина слишком длинная."),
    "error.reason_invalid": (
        "Write the reason as plain text.",
        "Напишите причину обычным текстом.",
    ),
    "error.last_admin": (
        "The last active ADMIN cannot be demoted or disabled.",
        "Нельзя понизить или отключить последнего активного администратора.",
    ),
    "error.escalation": (
        "You cannot grant permissions you do not hold: {message}",
        "Нельзя выдать права, которых нет у вас: {message}",
    ),
    "error.role_in_use": (
        "This role is assigned to users and cannot be deleted: {message}",
        "Роль назначена пользователям и не может быть удалена: {message}",
    ),
    "error.system_role": ("System roles cannot be deleted.", "Системные роли нельзя удалить."),
    "error.role_exists": (
        "A role with this name already exists.",
        "Роль с таким названием уже существует.",
    ),
    "error.self_disable": (
        "You cannot disable your own account.",
        "Нельзя отключить собственный аккаунт.",
    ),
    "admin.denied": ("You do not have access to this page.", "У вас нет доступа к этой странице."),
    "common.loading": ("Loading…", "Загрузка…"),
    # errors (keyed by the services' error codes)
    "error.bad_credentials": ("Wrong email or password.", "Неверная почта или пароль."),
    "error.rate_limited": (
        "Too many sign-in attempts. Try again in a few minutes.",
        "Слишком много попыток входа. Повторите через несколько минут.",
    ),
    "error.account_disabled": ("This account is disabled.", "Этот аккаунт отключён."),
    "error.email_taken": ("That email is already registered.", "Эта почта уже зарегистрирована."),
    "error.username_taken": ("That username is taken.", "Это имя пользователя занято."),
    "error.taken": ("That email or username is taken.", "Почта или имя пользователя заняты."),
    "error.invalid_email": ("Enter a valid email address.", "Введите корректный адрес почты."),
    "error.invalid_username": (
        "Username: 2–64 letters, digits, '_', '.' or '-'.",
        "Имя пользователя: 2–64 буквы, цифры, «_», «.» или «-».",
    ),
    "error.invalid_password": (
        "Password must be 8–256 characters.",
        "Пароль должен содержать 8–256 символов.",
    ),
    "error.registration_disabled": ("Registration is closed.", "Регистрация закрыта."),
    "error.registration_limited": (
        "Too many registrations from this address. Try again in an hour.",
        "Слишком много регистраций с этого адреса. Повторите через час.",
    ),
    "error.wrong_password": (
        "The current password is wrong.",
        "Текущий пароль указан неверно.",
    ),
    "error.password_is_email": (
        "The password must not be your email.",
        "Пароль не должен совпадать с почтой.",
    ),
    "error.forbidden": (
        "You do not have permission for this: {message}.",
        "Недостаточно прав: {message}.",
    ),
    "error.unauthenticated": ("Please sign in.", "Пожалуйста, войдите."),
    "error.token_expired": (
        "Your session has expired. Sign in again.",
        "Сессия истекла. Войдите снова.",
    ),
    "error.token_revoked": (
        "Your session has ended. Sign in again.",
        "Сессия завершена. Войдите снова.",
    ),
    "error.invalid": ("Please check the form: {message}", "Проверьте форму: {message}"),
    "error.bad_request": ("The request was not understood.", "Запрос не распознан."),
    "error.unauthorized": ("Please sign in.", "Пожалуйста, войдите."),
    "error.not_found": ("Not found.", "Не найдено."),
    "error.method_not_allowed": (
        "This action is not available here.",
        "Это действие здесь недоступно.",
    ),
    "error.conflict": (
        "That conflicts with the current data. Reload and try again.",
        "Это противоречит текущим данным. Обновите страницу и повторите.",
    ),
    "error.too_large": ("The amount or the request is too large.", "Слишком большое значение."),
    "error.unsupported_media_type": (
        "Send the request as JSON.",
        "Отправьте запрос в формате JSON.",
    ),
    "error.invalid_token": (
        "Your session is not valid. Sign in again.",
        "Сессия недействительна. Войдите снова.",
    ),
    "error.user_not_found": ("No such user.", "Такого пользователя нет."),
    "error.role_not_found": ("No such role.", "Такой роли нет."),
    "error.admin_permissions": (
        "The ADMIN role keeps every permission.",
        "Роль ADMIN сохраняет все права.",
    ),
    "error.unknown_model": ("Unknown model.", "Неизвестная модель."),
    "error.insufficient_balance": (
        "The balance is too low for this change.",
        "Баланса недостаточно для этого изменения.",
    ),
    "error.balance_held": (
        "The credits are held by answers in progress; retry when one finishes.",
        "Кредиты удерживают идущие ответы; повторите, когда один из них завершится.",
    ),
    "error.reserved": (
        "Part of the balance is held by answers in progress: it cannot be set below that.",
        "Часть баланса удерживается генерируемыми ответами: ниже неё установить нельзя.",
    ),
    "error.busy": (
        "The balance kept changing. Try again.",
        "Баланс менялся во время операции. Повторите.",
    ),
    "error.system_too_long": (
        "The system prompt is too long.",
        "Системный промпт слишком длинный.",
    ),
    "error.not_a_prompt": (
        "An answer can only follow your message.",
        "Ответ может следовать только за вашим сообщением.",
    ),
    "error.not_editable": (
        "Only your own messages can be edited.",
        "Редактировать можно только свои сообщения.",
    ),
    "error.not_regenerable": ("There is nothing to regenerate.", "Нечего генерировать заново."),
    "error.unexpected": (
        "Something went wrong. Please try again.",
        "Что-то пошло не так. Попробуйте ещё раз.",
    ),
}


def normalize_lang(lang: str | None) -> str:
    return lang if lang in LANGS else "en"


def tr(key: str, lang: str | None, **values: object) -> str:
    en, ru = MESSAGES[key]
    text = ru if normalize_lang(lang) == "ru" else en
    return text.format(**values) if values else text


def error_text(code: str, message: str, lang: str | None) -> str:
    """A service error for a person: the catalog's wording when there is one."""
    key = f"error.{code}"
    return tr(key, lang, message=message) if key in MESSAGES else message
