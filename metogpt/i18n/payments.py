"""Top-ups and periodic grants: the account page's payments section, the admin's packages
and payments screens, the role editor's grant field, and the payment errors."""

PAYMENTS: dict[str, tuple[str, str]] = {
    # the account page
    "billing.title": ("Buy credits", "Пополнить баланс"),
    "billing.none": (
        "No packages are on sale right now.",
        "Сейчас нет пакетов в продаже.",
    ),
    "billing.credits": ("credits:", "кредитов:"),
    "billing.buy.yookassa": ("Pay with YooKassa", "Оплатить через ЮKassa"),
    "billing.buy.stripe": ("Pay with Stripe", "Оплатить через Stripe"),
    "billing.returned.succeeded": ("Payment received:", "Оплата получена:"),
    "billing.returned.pending": (
        "The payment is being confirmed by the provider:",
        "Платёж подтверждается платёжной системой:",
    ),
    "billing.returned.canceled": ("The payment was cancelled:", "Платёж отменён:"),
    "billing.returned.other": ("Payment status changed:", "Статус платежа изменился:"),
    "billing.returned.balance": ("Your balance is now", "Ваш баланс:"),
    "billing.history": ("Your payments", "Ваши платежи"),
    "billing.grant.next": ("Next periodic grant:", "Следующее начисление по роли:"),
    "billing.grant.add": ("credits added:", "будет добавлено кредитов:"),
    "billing.grant.reset": ("balance topped up to", "баланс будет пополнен до"),
    "billing.status.succeeded": ("Paid", "Оплачен"),
    "billing.status.pending": ("Pending", "Ожидает оплаты"),
    "billing.status.canceled": ("Cancelled", "Отменён"),
    "billing.status.refunded": ("Refunded", "Возвращён"),
    "billing.status.failed": ("Failed", "Ошибка"),
    # errors of the payments services (the others are in ui.py)
    "error.bad_price": (
        "The price must be a positive amount, such as 199 or 199.50.",
        "Цена — положительная сумма, например 199 или 199,50.",
    ),
}
