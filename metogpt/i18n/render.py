"""Texts of the answers' rendering, failed answers, the balance badge and the cost estimate."""

from __future__ import annotations

RENDER: dict[str, tuple[str, str]] = {
    "render.copy": ("Copy", "Копировать"),
    "render.failed": ("Failed", "Ошибка"),
    "render.nothing_charged": ("nothing charged", "ничего не списано"),
    "render.retry": ("Retry", "Повторить"),
    "render.error.unknown": (
        "The answer failed. Your message is kept; try again.",
        "Ответ не получен. Сообщение сохранено — попробуйте ещё раз.",
    ),
    "render.balance.low": (
        "Balance: less than a typical answer costs with this model",
        "Баланс: меньше, чем стоит типичный ответ этой модели",
    ),
    "render.balance.short": (
        "Balance: not enough for this message",
        "Баланс: не хватает на это сообщение",
    ),
    # Labels before a colon and a figure: no plural agreement needed in Russian.
    "render.estimate": ("This message costs at least", "Это сообщение стоит не меньше"),
    "render.estimate.tokens": ("prompt tokens", "токены запроса"),
}
