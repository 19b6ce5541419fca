"""The catalog's error texts, keyed `error.<code>` by the services' error codes
(services/errors.ErrorCode): English, Russian."""

ERRORS: dict[str, tuple[str, str]] = {
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
