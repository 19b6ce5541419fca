"""The admin dashboard as people use it (issue 13), at 1280×800 and 390×844, in English and
Russian: a role change asks first, saves are confirmed by a toast, counts and pages read
right, the role editor speaks in labels and puts each error by its field, empty results
say so, and on a phone the tables are stacked rows whose every action is on screen, with
nothing scrolling sideways."""

from __future__ import annotations

import math
import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.admin_pages import (
    PHONE,
    SCREENS,
    inside_viewport,
    no_sideways_scroll,
    screen,
    search,
    text,
    user_row,
)
from tests.e2e.helpers import Person, Screenshot, admin_headers
from tests.e2e.test_theme import pick_theme
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e


def _role_of(http: httpx.Client, app_server: AppServer, email: str) -> str:
    found = http.get(
        "/api/admin/users", params={"search": email}, headers=admin_headers(http, app_server)
    ).json()
    return found["users"][0]["role"]


@SCREENS
def test_a_role_change_asks_first_and_is_confirmed_by_a_toast(
    admin: Page,
    http: httpx.Client,
    app_server: AppServer,
    screenshot: Screenshot,
    size: tuple[int, int],
    lang: str,
) -> None:
    person = Person.new("promo")
    person.register_via_api(http)
    row = user_row(admin, person.email)
    select = row.locator("select.role-select")

    # ADMIN holds permissions: the dialog names the user, the role and what it may do
    select.select_option("ADMIN")
    dialog = admin.locator("#role-confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(person.name)
    expect(dialog).to_contain_text("ADMIN")
    expect(dialog.locator("#role-confirm-powers")).to_contain_text(
        text(lang, "Change balances", "Изменение балансов")
    )
    expect(dialog).not_to_contain_text("BALANCE_MANAGEMENT")
    inside_viewport(admin, dialog, "the confirmation dialog")
    inside_viewport(admin, admin.locator("#role-confirm-ok"), "its confirm button")
    screenshot(admin, f"admin-role-confirm-{screen(size, lang)}")

    # cancelled: nothing changed, and the select shows the old role again
    admin.click("#role-confirm-cancel")
    expect(dialog).to_have_count(0)
    expect(select).to_have_value("USER")
    assert _role_of(http, app_server, person.email) == "USER"

    # a role without permissions asks too, and says so; confirmed: a toast, no callout
    select.select_option("PRO")
    expect(dialog).to_contain_text(
        text(lang, "PRO holds no administrative permissions", "Роль PRO не даёт прав")
    )
    admin.click("#role-confirm-ok")
    toast = admin.locator("[data-sonner-toast]")
    expect(toast).to_contain_text(
        text(lang, f"{person.name} now has the role PRO", f"{person.name}: роль изменена на PRO")
    )
    expect(select).to_have_value("PRO")
    assert _role_of(http, app_server, person.email) == "PRO"
    expect(admin.locator("#page-body [role=alert]")).to_have_count(0)
    inside_viewport(admin, toast.first, "the toast")

    # the switch: a toast too
    row.get_by_role("switch").click()
    expect(toast.filter(has_text=text(lang, "is disabled", "аккаунт отключён"))).to_have_count(1)
    row.get_by_role("switch").click()
    expect(row.get_by_role("switch")).to_have_attribute("aria-checked", "true")


@SCREENS
def test_counts_pages_and_an_empty_search(
    admin: Page,
    http: httpx.Client,
    app_server: AppServer,
    size: tuple[int, int],
    lang: str,
) -> None:
    tags = {n: f"n{n}x{uuid.uuid4().hex[:6]}" for n in (2, 5)}
    groups = {n: [Person.new(tag) for _ in range(n)] for n, tag in tags.items()}
    for group in groups.values():
        for person in group:
            person.register_via_api(http)
    total = admin.locator("#user-total")
    for query, rows, en, ru in (
        (groups[2][0].email, 1, "1 user", "1 пользователь"),
        (tags[2], 2, "2 users", "2 пользователя"),
        (tags[5], 5, "5 users", "5 пользователей"),
    ):
        search(admin, query, rows)
        expect(total).to_have_text(text(lang, en, ru))
    expect(admin.locator("#page-of")).to_have_text(text(lang, "Page 1 of 1", "Страница 1 из 1"))

    # no match: it says so, naming the search
    search(admin, "xyz-no-such-user", 0)
    expect(admin.locator("#users-empty")).to_have_text(
        text(
            lang,
            "No users match “xyz-no-such-user”.",
            "Нет пользователей по запросу «xyz-no-such-user».",
        )
    )
    expect(total).to_have_text(text(lang, "0 users", "0 пользователей"))
    no_sideways_scroll(admin, "an empty search")

    # everyone: "Page 1 of N" with N from the total
    everyone = http.get(
        "/api/admin/users", params={"limit": 1}, headers=admin_headers(http, app_server)
    ).json()["total"]
    pages = math.ceil(everyone / 25)
    admin.fill("#user-search", "")
    expect(admin.locator("#page-of")).to_have_text(
        text(lang, f"Page 1 of {pages}", f"Страница 1 из {pages}")
    )
    expect(admin.locator("#users-empty")).to_have_count(0)


@SCREENS
def test_the_role_editor_speaks_in_labels_and_puts_errors_by_their_field(
    admin: Page, screenshot: Screenshot, size: tuple[int, int], lang: str
) -> None:
    admin.click("#tab-roles")
    expect(admin.locator(".role-row[data-role=ADMIN]")).to_be_visible()
    expect(admin.locator(".role-row[data-role=ADMIN]")).to_contain_text(
        text(lang, "9 permissions", "9 прав")
    )
    admin.click("#new-role")
    editor = admin.locator("#role-editor")
    matrix = editor.locator("#perm-matrix")
    expect(matrix.locator("[data-perm='USER_MANAGEMENT.UPDATE']")).to_contain_text(
        text(lang, "Change users", "Изменение пользователей")
    )
    expect(matrix.locator("[data-perm='USER_MANAGEMENT.UPDATE']")).to_contain_text(
        text(lang, "Change roles, enable and disable", "Менять роли, включать и отключать")
    )
    for raw in ("USER_MANAGEMENT", "UPDATE", "BALANCE_MANAGEMENT", "ANALYTICS"):
        expect(matrix).not_to_contain_text(raw)
    # a label ticks its box
    matrix.locator("[data-perm='ANALYTICS.READ']").get_by_text(
        text(lang, "See usage", "Просмотр статистики")
    ).click()
    expect(admin.locator("#perm-ANALYTICS-READ")).to_have_attribute("data-state", "checked")

    # a bad name and a bad coefficient: each said once, by its field, in plain words
    name = f"Ed{uuid.uuid4().hex[:6]}"
    admin.fill("#role-name", "9" + name)
    gpt4 = admin.locator("tr[data-model='gpt-4']")
    gpt4.get_by_role("checkbox").click()
    gpt4.locator("input").fill("0")
    admin.click("#role-save")
    name_error = editor.locator(".field-error[data-field='name']")
    expect(name_error).to_contain_text(text(lang, "1–32 Latin letters", "1–32 латинские буквы"))
    no_sideways_scroll(admin, "the role editor with an error")
    admin.fill("#role-name", name)
    admin.click("#role-save")
    wording = text(
        lang,
        "Coefficient for gpt-4 must be a number above 0",
        "Коэффициент для gpt-4 должен быть числом больше 0",
    )
    expect(gpt4.locator(".field-error")).to_contain_text(wording)
    expect(admin.get_by_text(wording)).to_have_count(1)  # once, not twice
    expect(admin.locator("#page-body")).not_to_contain_text("modelAccess")
    expect(name_error).to_have_count(0)
    screenshot(admin, f"admin-role-errors-{screen(size, lang)}")
    no_sideways_scroll(admin, "the role editor")

    gpt4.locator("input").fill("1.25")
    admin.click("#role-save")
    expect(admin.locator("[data-sonner-toast]")).to_contain_text(
        text(lang, f"Role {name} saved.", f"Роль {name} сохранена.")
    )
    row = admin.locator(f".role-row[data-role={name}]")
    expect(row).to_contain_text(text(lang, "1 permission", "1 право"))
    expect(row).to_contain_text(text(lang, "1 model", "1 модель"))
    expect(row).to_contain_text(text(lang, "0 users", "0 пользователей"))
    expect(editor).to_have_count(0)
    expect(admin.locator("#page-body [role=alert]")).to_have_count(0)
    row.get_by_role("button", name=text(lang, "Delete role", "Удалить роль")).click()
    # its own toast (the save's may still show, or may have gone: it lasts a few seconds)
    deleted = text(lang, f"Role {name} deleted.", f"Роль {name} удалена.")
    expect(admin.locator("[data-sonner-toast]").filter(has_text=deleted)).to_have_count(1)
    expect(row).to_have_count(0)


@SCREENS
def test_a_balance_change_is_confirmed_by_a_toast_and_a_bad_one_said_by_its_field(
    admin: Page,
    http: httpx.Client,
    screenshot: Screenshot,
    size: tuple[int, int],
    lang: str,
) -> None:
    person = Person.new("bal")
    person.register_via_api(http)
    row = user_row(admin, person.email)
    inside_viewport(admin, row.locator(".open-balance"), "the Balance button", vertical=False)
    row.locator(".open-balance").click()
    dialog = admin.locator("#balance-dialog")
    expect(dialog).to_be_visible()
    inside_viewport(admin, dialog, "the balance dialog")
    admin.fill("#balance-amount", "12x")
    admin.fill("#balance-reason", "e2e")
    admin.click("#balance-save")
    expect(dialog.locator(".field-error")).to_have_text(
        text(lang, "Enter a whole number.", "Введите целое число.")
    )
    admin.fill("#balance-amount", "777")
    admin.fill("#balance-reason", "")
    admin.click("#balance-save")
    expect(dialog.locator(".field-error")).to_have_text(
        text(lang, "A reason is required.", "Укажите причину.")
    )
    admin.fill("#balance-reason", "Invoice 7")
    admin.click("#balance-save")
    expect(admin.locator("[data-sonner-toast]")).to_contain_text(
        text(lang, f"Balance of {person.email}: 777.", f"Баланс {person.email}: 777.")
    )
    expect(dialog.locator(".field-error")).to_have_count(0)
    expect(admin.locator("#dialog-balance")).to_contain_text("777")
    expect(dialog.locator(".ledger-row[data-kind=adjustment]")).to_contain_text("Invoice 7")
    no_sideways_scroll(admin, "the balance dialog")
    screenshot(admin, f"admin-balance-{screen(size, lang)}")
    admin.keyboard.press("Escape")
    expect(row.locator(".user-balance")).to_have_text("777")


@pytest.mark.parametrize(("size", "lang"), [(PHONE, "en"), (PHONE, "ru")], ids=["en", "ru"])
def test_on_a_phone_rows_are_cards_with_every_action_on_screen(
    admin: Page,
    http: httpx.Client,
    screenshot: Screenshot,
    size: tuple[int, int],
    lang: str,
) -> None:
    Person.new("phone").register_via_api(http)
    admin.fill("#user-search", "")
    rows = admin.locator(".user-row")
    expect(rows.first).to_be_visible()
    no_sideways_scroll(admin, "users")
    for i in range(rows.count()):
        row = rows.nth(i)
        row.scroll_into_view_if_needed()
        for what, control in (
            ("role select", row.locator("select.role-select")),
            ("enabled switch", row.get_by_role("switch")),
            ("Balance button", row.locator(".open-balance")),
        ):
            expect(control).to_be_visible()
            inside_viewport(admin, control, f"row {i}: {what}", vertical=False)
        # stacked: the controls sit under the name, not beside it
        name_box = row.locator("td").first.bounding_box()
        select_box = row.locator("select.role-select").bounding_box()
        assert name_box and select_box and select_box["y"] >= name_box["y"] + name_box["height"] - 1
    expect(rows.first.locator("td[data-label]").first).to_have_attribute(
        "data-label", text(lang, "Role", "Роль")
    )
    admin.locator("#page-body").evaluate("b => b.scrollTo(0, 0)")
    screenshot(admin, f"admin-users-cards-{lang}")

    admin.click("#tab-roles")
    roles = admin.locator(".role-row")
    expect(roles.first).to_be_visible()
    for i in range(roles.count()):
        for button in roles.nth(i).get_by_role("button").all():
            inside_viewport(admin, button, f"role row {i}: a button", vertical=False)
    no_sideways_scroll(admin, "roles")
    admin.click("#new-role")
    expect(admin.locator("#role-editor")).to_be_visible()
    no_sideways_scroll(admin, "the role editor")
    inside_viewport(admin, admin.locator("#role-save"), "Save role", vertical=False)

    admin.click("#tab-usage")
    expect(admin.locator("#usage-credits")).to_be_visible()
    expect(admin.locator("#top-loading")).to_have_count(0)
    no_sideways_scroll(admin, "usage")
    for tab in ("packages", "payments"):  # money's screens: the tabs wrap, nothing sticks out
        admin.click(f"#tab-{tab}")
        expect(admin.locator(f"#tab-{tab}")).to_have_attribute("aria-selected", "true")
        inside_viewport(admin, admin.locator(f"#tab-{tab}"), f"the {tab} tab", vertical=False)
        no_sideways_scroll(admin, tab)

    # the cards in the dark theme (the admin's theme is put back to "system")
    admin.click("#tab-users")
    expect(rows.first).to_be_visible()
    pick_theme(admin, "dark")
    expect(admin.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    no_sideways_scroll(admin, "users, dark")
    screenshot(admin, f"admin-users-cards-{lang}-dark")
    pick_theme(admin, "system")
    expect(admin.locator("html")).not_to_have_class(re.compile(r"\bdark\b"))
