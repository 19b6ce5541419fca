"""Texts of the travelling conversations (presets, import/export, share links, archive):
English, Russian. Error texts are keyed `error.<code>` like those of i18n/errors.py."""

TRAVEL: dict[str, tuple[str, str]] = {
    # the public page of a share link (pages/share.py)
    "share.missing": (
        "This link does not exist or was revoked.",
        "Эта ссылка не существует или была отозвана.",
    ),
    "share.home": ("Go to MetoGPT", "Перейти в MetoGPT"),
    "share.readonly": ("Shared conversation · read-only", "Общий диалог · только чтение"),
    # errors (services/travel)
    "error.bad_parameter": ("{message}", "Недопустимый параметр: {message}"),
    "error.import_too_large": (
        "The file is too large to import ({message}). Nothing was imported.",
        "Файл слишком велик для импорта ({message}). Ничего не импортировано.",
    ),
    "error.import_unreadable": (
        "The file is not valid JSON (is it complete?). Nothing was imported.",
        "Файл не является корректным JSON (он целый?). Ничего не импортировано.",
    ),
    "error.import_unknown_format": (
        "Not a MetoGPT, LibreChat or ChatGPT export. Nothing was imported.",
        "Это не экспорт MetoGPT, LibreChat или ChatGPT. Ничего не импортировано.",
    ),
    "error.import_invalid": (
        "The file was refused, nothing was imported: {message}",
        "Файл отклонён, ничего не импортировано: {message}",
    ),
    "error.import_foreign": (
        "This export belongs to another user. Nothing was imported.",
        "Этот экспорт принадлежит другому пользователю. Ничего не импортировано.",
    ),
    "error.share_not_found": (
        "This link does not exist or was revoked.",
        "Ссылка не существует или отозвана.",
    ),
    "error.nothing_to_share": (
        "There are no messages to share yet.",
        "Пока нет сообщений, которыми можно поделиться.",
    ),
    "error.preset_not_found": ("Preset not found.", "Пресет не найден."),
    "error.preset_unavailable": (
        "This preset's model is not available to your role.",
        "Модель этого пресета недоступна вашей роли.",
    ),
    "error.bad_preset_name": (
        "A preset name is 1–100 characters.",
        "Название пресета — от 1 до 100 символов.",
    ),
    "error.bad_roles": ("{message}", "Неверный список ролей: {message}"),
}
