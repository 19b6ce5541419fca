"""Texts of the travelling conversations (presets, import/export, share links, archive):
English, Russian. Error texts are keyed `error.<code>` like those of i18n/errors.py."""

TRAVEL: dict[str, tuple[str, str]] = {
    # presets (components/presets.py)
    "presets.title": ("Presets", "Пресеты"),
    "presets.save": ("Save as preset", "Сохранить как пресет"),
    "presets.edit": ("Edit preset", "Изменить пресет"),
    "presets.manage": ("Manage presets", "Управление пресетами"),
    "presets.name": ("Name", "Название"),
    "presets.temperature": ("Temperature", "Температура"),
    "presets.top_p": ("Top P", "Top P"),
    "presets.max_tokens": ("Max answer tokens", "Макс. токенов ответа"),
    "presets.hint": (
        "Empty: the model's default. A new preset takes the chat's model and system prompt.",
        "Пусто — значение модели по умолчанию. Новый пресет берёт модель и системный промпт чата.",
    ),
    "presets.unavailable": ("unavailable", "недоступен"),
    "presets.shared": ("shared", "общий"),
    "presets.none": ("No presets yet.", "Пресетов пока нет."),
    "presets.share_with": ("Offer to roles", "Предложить ролям"),
    "presets.share_hint": (
        "With roles checked the preset is shared: everyone with these roles can pick it. "
        "None checked: only yours.",
        "С отмеченными ролями пресет общий: его могут выбрать все пользователи с этими "
        "ролями. Без отметок — только ваш.",
    ),
    "presets.close": ("Close", "Закрыть"),
    # archive, share, export, import (components/travel.py, pages/account/travel.py)
    "travel.share": ("Share link", "Ссылка для просмотра"),
    "travel.share.title": ("Share link", "Ссылка для просмотра"),
    "travel.share.hint": (
        "Anyone with the link can read this conversation as it is now (later messages stay "
        "private until you share again). Revoke it on your account page.",
        "Любой, у кого есть ссылка, увидит диалог в нынешнем виде (новые сообщения не видны, "
        "пока вы не поделитесь снова). Отозвать ссылку можно на странице аккаунта.",
    ),
    "travel.copy": ("Copy", "Копировать"),
    "travel.export_md": ("Export as Markdown", "Экспорт в Markdown"),
    "travel.export_json": ("Export as JSON", "Экспорт в JSON"),
    "travel.archive": ("Archive", "Архивировать"),
    "travel.archived": ("Archived", "Архив"),
    "travel.archived.none": ("Nothing archived.", "В архиве пусто."),
    "travel.restore": ("Restore", "Восстановить"),
    "travel.section": ("Import, export and share links", "Импорт, экспорт и ссылки"),
    "travel.import": ("Import conversations", "Импорт диалогов"),
    "travel.import.hint": (
        "A MetoGPT, LibreChat or ChatGPT (conversations.json) export, up to {mb} MB. "
        "Imported conversations are never billed.",
        "Экспорт MetoGPT, LibreChat или ChatGPT (conversations.json), до {mb} МБ. "
        "Импортированные диалоги не тарифицируются.",
    ),
    "travel.import.choose": ("Choose a file", "Выбрать файл"),
    "travel.imported": ("Imported: {count}.", "Импортировано: {count}."),
    "travel.skipped": ("Skipped “{title}”: {reason}.", "Пропущен «{title}»: {reason}."),
    "travel.skip.no_messages": ("no messages in it", "в нём нет сообщений"),
    "travel.export_all": ("Export all conversations (JSON)", "Экспорт всех диалогов (JSON)"),
    "travel.links": ("Share links", "Ссылки для просмотра"),
    "travel.links.none": ("You have not shared anything.", "Вы ничем не делились."),
    "travel.revoke": ("Revoke", "Отозвать"),
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
