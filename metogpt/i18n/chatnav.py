"""The chat's navigation: page titles, the conversation list's groups, delete and undo,
the phone drawer, a conversation that cannot be shown."""

from __future__ import annotations

CHATNAV: dict[str, tuple[str, str]] = {
    "chatnav.title.login": ("Sign in · MetoGPT", "Вход · MetoGPT"),
    "chatnav.title.register": ("Create an account · MetoGPT", "Регистрация · MetoGPT"),
    "chatnav.title.admin": ("Admin · MetoGPT", "Администрирование · MetoGPT"),
    "chatnav.title.account": ("Account · MetoGPT", "Аккаунт · MetoGPT"),
    "chatnav.title.not_found": ("Not found · MetoGPT", "Не найдено · MetoGPT"),
    "chatnav.not_found.title": ("Conversation not found", "Разговор не найден"),
    "chatnav.not_found.body": (
        "There is no conversation of yours at this address. It may have been deleted.",
        "По этому адресу нет вашего разговора. Возможно, он был удалён.",
    ),
    "chatnav.not_found.new": ("Start a new chat", "Начать новый чат"),
    "chatnav.group.today": ("Today", "Сегодня"),
    "chatnav.group.yesterday": ("Yesterday", "Вчера"),
    "chatnav.group.week": ("Previous 7 days", "Предыдущие 7 дней"),
    "chatnav.group.month": ("Previous 30 days", "Предыдущие 30 дней"),
    "chatnav.months": (
        "January,February,March,April,May,June,July,August,September,October,November,December",
        "Январь,Февраль,Март,Апрель,Май,Июнь,Июль,Август,Сентябрь,Октябрь,Ноябрь,Декабрь",
    ),
    "chatnav.no_match": ("No matching conversations", "Подходящих разговоров нет"),
    "chatnav.actions": ("Conversation actions", "Действия с разговором"),
    "chatnav.deleted": ("Conversation deleted", "Разговор удалён"),
    "chatnav.undo": ("Undo", "Отменить"),
    "chatnav.open_list": ("Conversations", "Разговоры"),
    "chatnav.close_list": ("Close", "Закрыть"),
}
