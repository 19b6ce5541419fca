"""The theme menu and the account page's profile, usage and ledger sections."""

from __future__ import annotations

ACCOUNT: dict[str, tuple[str, str]] = {
    # the theme (header menu and profile)
    "theme.label": ("Theme", "Тема"),
    "theme.light": ("Light", "Светлая"),
    "theme.dark": ("Dark", "Тёмная"),
    "theme.system": ("System", "Системная"),
    # profile
    "account.profile.title": ("Profile", "Профиль"),
    "account.profile.name": ("Display name", "Имя"),
    "account.profile.language": ("Language", "Язык"),
    "account.profile.save": ("Save", "Сохранить"),
    "account.profile.saved": ("Your profile has been saved.", "Профиль сохранён."),
    "account.lang.en": ("English", "English"),
    "account.lang.ru": ("Русский", "Русский"),
    # usage
    "account.usage.title": ("Usage", "Расход"),
    "account.usage.range": ("Last", "За последние"),
    "account.usage.days": ("days", "дн."),
    "account.usage.by_day": ("Credits by day", "Кредиты по дням"),
    "account.usage.by_model": ("By model", "По моделям"),
    "account.usage.model": ("Model", "Модель"),
    "account.usage.credits": ("Credits", "Кредиты"),
    "account.usage.tokens": ("Tokens", "Токены"),
    "account.usage.answers": ("Answers", "Ответы"),
    "account.usage.empty": ("No usage in this range.", "За этот период расхода нет."),
    # ledger
    "account.ledger.title": ("Transactions", "Операции"),
    "account.ledger.export": ("Export CSV", "Скачать CSV"),
    "account.ledger.time": ("Time (UTC)", "Время (UTC)"),
    "account.ledger.kind": ("Kind", "Тип"),
    "account.ledger.amount": ("Amount", "Сумма"),
    "account.ledger.balance": ("Balance", "Баланс"),
    "account.ledger.details": ("Details", "Подробности"),
    "account.ledger.empty": ("No transactions yet.", "Операций пока нет."),
    "account.ledger.prev": ("Newer", "Новее"),
    "account.ledger.next": ("Older", "Старше"),
    "account.ledger.page": ("Page", "Страница"),
    "account.ledger.of": ("of", "из"),
    "account.kind.charge": ("Charge", "Списание"),
    "account.kind.grant": ("Grant", "Начисление"),
    "account.kind.topup": ("Top-up", "Пополнение"),
    "account.kind.adjustment": ("Adjustment", "Корректировка"),
    "account.kind.refund": ("Refund", "Возврат"),
}
