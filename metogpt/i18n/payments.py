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
    # the role editor's periodic grant
    "grant.title": ("Periodic grant", "Периодическое начисление"),
    "grant.amount": ("Credits", "Кредиты"),
    "grant.every": ("every", "каждые"),
    "grant.unit": ("Unit", "Единица"),
    "grant.unit.hours": ("hours", "ч"),
    "grant.unit.days": ("days", "дн."),
    "grant.unit.weeks": ("weeks", "нед."),
    "grant.unit.months": ("months", "мес."),
    "grant.mode.add": ("Add", "Добавлять"),
    "grant.mode.reset": ("Top up to", "Пополнять до"),
    "grant.hint.add": (
        "Each period every user of the role gets this many credits, once.",
        "Каждый период каждый пользователь роли получает столько кредитов, один раз.",
    ),
    "grant.hint.reset": (
        "Each period a balance below this amount is topped up to it; a larger one is kept.",
        "Каждый период баланс ниже этой суммы пополняется до неё; больший не меняется.",
    ),
    # the admin's packages and payments screens
    "admin.tab.packages": ("Packages", "Пакеты"),
    "admin.tab.payments": ("Payments", "Платежи"),
    "packages.new": ("New package", "Новый пакет"),
    "packages.edit": ("Edit package", "Изменить пакет"),
    "packages.name": ("Name", "Название"),
    "packages.price": ("Price", "Цена"),
    "packages.currency": ("Currency", "Валюта"),
    "packages.credits": ("Credits", "Кредиты"),
    "packages.active": ("On sale", "В продаже"),
    "packages.price_hint": (
        "The price in the currency's units (199.50); YooKassa takes rubles, Stripe any currency.",
        "Цена в единицах валюты (199,50); ЮKassa принимает рубли, Stripe — любую валюту.",
    ),
    "packages.hint": (
        "Users buy packages on sale from their account page.",
        "Пакеты в продаже пользователи покупают на странице аккаунта.",
    ),
    "packages.none": ("No packages yet.", "Пакетов пока нет."),
    "packages.on_sale": ("on sale", "в продаже"),
    "packages.off_sale": ("off sale", "снят с продажи"),
    "packages.activate": ("Put on sale", "В продажу"),
    "packages.deactivate": ("Take off sale", "Снять с продажи"),
    "payments.filter": ("Status", "Статус"),
    "payments.all": ("All", "Все"),
    "payments.total": ("Found:", "Найдено:"),
    "payments.none": ("No payments.", "Платежей нет."),
    "payments.credited": ("credited", "зачислен"),
    "payments.not_credited": ("not credited", "не зачислен"),
    "payments.reconcile": ("Check with provider", "Сверить"),
    "payments.reconciled": (
        "Checked with the provider.",
        "Сверено с платёжной системой.",
    ),
}
