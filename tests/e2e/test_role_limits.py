"""The role editor sets the role's API limits (issue 17: requests and tokens per minute, per
user and per key, for the OpenAI-compatible API), stored as the REST API's `apiLimits`; a
bad value is said under its own box in plain words. At 1280×800 and 390×844, in English
and Russian."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.admin_pages import (
    SCREENS,
    inside_viewport,
    no_sideways_scroll,
    screen,
    text,
)
from tests.e2e.helpers import Screenshot, admin_headers
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e


def _limits(http: httpx.Client, app_server: AppServer, role: str) -> dict[str, int]:
    response = http.get(f"/api/admin/roles/{role}", headers=admin_headers(http, app_server))
    assert response.status_code == 200, response.text
    given = response.json()["apiLimits"]  # every limit named, null for none
    return {name: value for name, value in given.items() if value is not None}


@SCREENS
def test_the_role_editor_sets_api_limits_and_says_a_bad_one_by_its_box(
    admin: Page,
    http: httpx.Client,
    app_server: AppServer,
    screenshot: Screenshot,
    size: tuple[int, int],
    lang: str,
) -> None:
    admin.click("#tab-roles")
    admin.click("#new-role")
    editor = admin.locator("#role-editor")
    limits = editor.locator("#limits-field")
    expect(limits).to_contain_text(text(lang, "Requests per user", "Запросов на пользователя"))
    expect(limits).to_contain_text(text(lang, "Tokens per key", "Токенов на ключ"))
    expect(admin.locator("#limit-user_rpm")).to_have_attribute(
        "placeholder", text(lang, "no limit", "без ограничения")
    )
    name = f"Lim{uuid.uuid4().hex[:6]}"
    admin.fill("#role-name", name)
    admin.fill("#limit-user_rpm", "60")
    admin.fill("#limit-key_tpm", "12.5")
    admin.click("#role-save")
    error = editor.locator(".field-error[data-field='limit:key_tpm']")
    expect(error).to_have_text(
        text(
            lang,
            "A whole number from 1 to 1,000,000,000, or empty for no limit.",
            "Целое число от 1 до 1 000 000 000 или пустое поле — без ограничения.",
        )
    )
    expect(editor.locator(".field-error")).to_have_count(1)  # once, by its box
    expect(admin.locator("#page-body")).not_to_contain_text("apiLimits")
    expect(admin.locator("#page-body")).not_to_contain_text("key_tpm")
    inside_viewport(admin, error, "the limit's error", vertical=False)
    inside_viewport(admin, admin.locator("#limit-key_tpm"), "the limit's box", vertical=False)
    no_sideways_scroll(admin, "the role editor's limits")
    error.scroll_into_view_if_needed()
    screenshot(admin, f"admin-role-limits-{screen(size, lang)}")
    # nothing was stored: the role does not exist yet
    response = http.get(f"/api/admin/roles/{name}", headers=admin_headers(http, app_server))
    assert response.status_code == 404

    admin.fill("#limit-key_tpm", "10 000")
    admin.click("#role-save")
    expect(admin.locator("[data-sonner-toast]")).to_contain_text(
        text(lang, f"Role {name} saved.", f"Роль {name} сохранена.")
    )
    assert _limits(http, app_server, name) == {"user_rpm": 60, "key_tpm": 10_000}

    # opened again: the stored limits, and emptying one removes it
    row = admin.locator(f".role-row[data-role={name}]")
    row.get_by_role("button", name=text(lang, "Edit", "Изменить")).click()
    expect(admin.locator("#limit-user_rpm")).to_have_value("60")
    expect(admin.locator("#limit-key_tpm")).to_have_value("10000")
    expect(admin.locator("#limit-user_tpm")).to_have_value("")
    admin.fill("#limit-user_rpm", "")
    admin.click("#role-save")
    expect(editor).to_have_count(0)
    assert _limits(http, app_server, name) == {"key_tpm": 10_000}
    row.get_by_role("button", name=text(lang, "Delete role", "Удалить роль")).click()
    expect(row).to_have_count(0)
