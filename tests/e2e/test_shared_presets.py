"""Shared presets from the chat page, in Chromium: who may publish them (ROLE_MANAGEMENT.UPDATE,
here a role holding only that and READ) offers a new preset to roles in its dialog; a
member of such a role finds it among their presets, marked shared, can pick it but not
change it (no roles in their dialog, no edit or delete on it); the publisher changes its
roles (none is refused with a message: the preset stays) and deletes it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import (
    Person,
    Screenshot,
    admin_headers,
    member,
    sign_in,
    user_headers,
)
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e


def _presets(http: httpx.Client, person: Person) -> list[tuple[str, bool, list[str], bool]]:
    listed = http.get("/api/presets", headers=user_headers(http, person)).json()["presets"]
    return [(p["name"], p["shared"], p["roles"], p["available"]) for p in listed]


def _new_role(http: httpx.Client, app_server: AppServer, permissions: dict | None = None) -> str:
    role = f"Team{uuid.uuid4().hex[:8]}"
    access = {"gpt-4": {"enabled": True, "coefficient": 1}}
    made = http.post(
        "/api/admin/roles",
        json={"name": role, "permissions": permissions or {}, "modelAccess": access},
        headers=admin_headers(http, app_server),
    )
    assert made.status_code == 201, made.text
    return role


def _publisher(http: httpx.Client, app_server: AppServer) -> Person:
    """A user whose role may publish shared presets (and nothing else of an admin's)."""
    grant = {"ROLE_MANAGEMENT": {"READ": True, "UPDATE": True}}
    return member(http, app_server, _new_role(http, app_server, grant), 1000)


def _open_save(page: Page) -> None:
    page.click("#preset-menu")
    page.click("#preset-save")
    expect(page.locator("#preset-name")).to_be_visible()


def _open_manage(page: Page) -> None:
    page.click("#preset-menu")
    page.click("#preset-manage")


def test_a_publisher_offers_a_preset_to_a_role(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    screenshot: Screenshot,
) -> None:
    role = _new_role(http, app_server)
    person = member(http, app_server, role, 1000)
    name = f"Brief {uuid.uuid4().hex[:6]}"

    admin = new_page()
    publisher = _publisher(http, app_server)
    sign_in(admin, publisher.email, publisher.password)
    expect(admin.locator("#composer")).to_be_visible()
    admin.click("#model-select")
    admin.get_by_role("option", name=re.compile(r"^gpt-4 ·")).click()
    _open_save(admin)
    admin.fill("#preset-name", name)
    box = admin.locator(f".preset-role[data-role={role}]")
    box.click()
    expect(box).to_have_attribute("data-state", "checked")
    screenshot(admin, "preset-share-dialog-en-desktop")
    admin.click("#preset-submit")
    expect(admin.locator("#preset-name")).to_have_count(0)  # saved
    assert _presets(http, person) == [(name, True, [role], True)]

    # The member: picks it, but has no roles to offer and cannot change it.
    page = new_page()
    sign_in(page, person.email, person.password)
    expect(page.locator("#composer")).to_be_visible()
    _open_save(page)
    expect(page.locator("#preset-roles")).to_have_count(0)
    page.keyboard.press("Escape")
    _open_manage(page)
    row = page.locator(f".preset-row[data-name='{name}']")
    expect(row).to_contain_text("shared")
    expect(row.locator(".preset-edit")).to_have_count(0)
    expect(row.locator(".preset-delete")).to_have_count(0)
    page.keyboard.press("Escape")
    page.click("#preset-menu")
    page.locator(f".preset-item[data-name='{name}']").click()
    expect(page.locator("#preset-menu")).to_contain_text(name)
    expect(page.locator("#model-select")).to_contain_text("gpt-4")

    # The publisher: its roles are shown checked; none is refused and changes nothing.
    _open_manage(admin)
    admin.locator(f".preset-row[data-name='{name}'] .preset-edit").click()
    box = admin.locator(f".preset-role[data-role={role}]")
    expect(box).to_have_attribute("data-state", "checked")
    box.click()
    admin.click("#preset-submit")
    expect(admin.get_by_role("alert")).to_contain_text("roles")
    assert _presets(http, person) == [(name, True, [role], True)]
    admin.keyboard.press("Escape")
    _open_manage(admin)
    admin.locator(f".preset-row[data-name='{name}'] .preset-delete").click()
    expect(admin.locator(f".preset-row[data-name='{name}']")).to_have_count(0)
    assert _presets(http, person) == []


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_sharing_part_of_the_dialog_in_both_languages(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    screenshot: Screenshot,
    width: int,
    height: int,
) -> None:
    publisher = _publisher(http, app_server)
    page = new_page()
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, publisher.email, publisher.password)
    expect(page.locator("#composer")).to_be_visible()
    size = "desktop" if width > 500 else "phone"
    for lang, label in (("en", "Offer to roles"), ("ru", "Предложить ролям")):
        if lang == "ru":
            page.click("#lang-switch")
        page.goto("/")
        _open_save(page)
        expect(page.locator("#preset-roles")).to_be_visible()
        expect(page.get_by_role("dialog")).to_contain_text(label)
        screenshot(page, f"preset-share-{lang}-{size}")
        page.keyboard.press("Escape")
