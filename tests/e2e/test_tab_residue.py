"""Another person's data never stays in a tab (issue 12, item 1). An admin opens the user
list and a user's ledger and chats; then the tab changes hands: a sign-out and another
sign-in, or a reconnect with the same Reflex client token and no token of ours. Nothing
sent to the tab from then on may carry the admin's data: the websocket protocol against
the served app, and Chromium's own frames."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Page, WebSocket, expect

from metogpt.state.admin import AdminState, BalanceState, UsersState
from metogpt.state.auth import AuthFormState
from tests.e2e.helpers import Person, admin_headers, admin_token, in_thread, sign_in
from tests.fixtures.fake_providers import FakeProviderServer
from tests.fixtures.reflex_client import AUTH_TOKEN_VAR, CHAT, SESSION, ReflexTab
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

ADMIN = AdminState.get_full_name()
USERS = UsersState.get_full_name()
BALANCE = BalanceState.get_full_name()
AUTH_FORM = AuthFormState.get_full_name()


@dataclass(frozen=True)
class Secrets:
    """What only the admin saw: a user's email and ledger reason, the admin's own chat."""

    victim: Person
    victim_id: str
    reason: str
    prompt: str

    def markers(self, app_server: AppServer) -> list[str]:
        return [self.victim.email, self.reason, self.prompt, app_server.admin_email]


def _secrets(http: httpx.Client, app_server: AppServer) -> Secrets:
    tag = uuid.uuid4().hex[:8]
    victim = Person.new("victim")
    victim_id = victim.register_via_api(http)
    reason = f"invoice-{tag}-private"
    response = http.put(
        f"/api/admin/users/{victim_id}/balance",
        json={"delta": 7, "reason": reason},
        headers=admin_headers(http, app_server),
    )
    assert response.status_code == 200, response.text
    return Secrets(victim, victim_id, reason, f"admin-question-{tag}")


def _leaks(frames: list[str], secrets: Secrets, app_server: AppServer) -> list[str]:
    return [m for m in secrets.markers(app_server) if any(m in frame for frame in frames)]


def _delta_texts(tab: ReflexTab, since: int = 0) -> list[str]:
    assert tab.deltas is not None
    return [json.dumps(d, ensure_ascii=False) for d in tab.deltas[since:]]


async def _admin_tab(app_server: AppServer, jwt: str, secrets: Secrets) -> ReflexTab:
    """An admin's tab that chatted, opened the user list and a user's ledger."""
    tab = ReflexTab(app_server.base_url, storage={AUTH_TOKEN_VAR: jwt}, keep_deltas=True)
    await tab.connect()
    await tab.wait_for(lambda s: bool(s.get(CHAT, {}).get("model")))
    await tab.emit(f"{CHAT}.send", form={"prompt": secrets.prompt})
    await tab.wait_for(
        lambda s: (
            any(m["content"] == secrets.prompt for m in s[CHAT].get("messages", []))
            and not s[CHAT]["streaming"]
        )
    )
    tab.path = "/admin"
    await tab.emit(f"{ADMIN}.load")
    await tab.wait_for(
        lambda s: any(r["email"] == secrets.victim.email for r in s.get(USERS, {}).get("rows", []))
    )
    await tab.emit(f"{BALANCE}.open_balance", user_id=secrets.victim_id)
    await tab.wait_for(
        lambda s: any(e["reason"] == secrets.reason for e in s.get(BALANCE, {}).get("ledger", []))
    )
    assert _leaks(_delta_texts(tab), secrets, app_server) == secrets.markers(app_server)
    return tab


def test_a_signed_out_tab_sends_the_next_person_nothing_of_the_admin(
    http: httpx.Client, app_server: AppServer, fake_provider: FakeProviderServer
) -> None:
    secrets = _secrets(http, app_server)
    other = Person.new("next")
    other.register_via_api(http)

    async def scenario() -> list[str]:
        tab = await _admin_tab(app_server, admin_token(http, app_server), secrets)
        seen = len(tab.deltas or [])
        try:
            await tab.emit(f"{SESSION}.logout")
            await tab.wait_for(lambda s: not s[SESSION]["auth_token"])
            form = {"email": other.email, "password": other.password}
            await tab.emit(f"{AUTH_FORM}.login", form=form)
            await tab.wait_for(lambda s: bool(s[SESSION]["auth_token"]))
            tab.path = "/"  # where the sign-in sends them: the chat's on_load
            await tab.emit(f"{CHAT}.load")
            await tab.wait_for(lambda s: s[SESSION].get("user_email") == other.email)
            frames = _delta_texts(tab, seen)
            # The page is reloaded: the same client token hydrates the whole state again.
            jwt = tab.var(SESSION, "auth_token")
            await tab.close()
            again = ReflexTab(
                app_server.base_url,
                storage={AUTH_TOKEN_VAR: jwt},
                token=tab.token,
                keep_deltas=True,
            )
            async with again:
                await again.wait_for(lambda s: s.get(SESSION, {}).get("user_email") == other.email)
                await again.wait_for(lambda s: bool(s.get(CHAT, {}).get("model")))
                return frames + _delta_texts(again)
        finally:
            await tab.close()

    frames = in_thread(scenario)
    assert frames and _leaks(frames, secrets, app_server) == []


def test_a_reconnect_without_a_token_gets_nothing_of_the_admin(
    http: httpx.Client, app_server: AppServer, fake_provider: FakeProviderServer
) -> None:
    secrets = _secrets(http, app_server)

    async def scenario() -> tuple[list[str], dict]:
        tab = await _admin_tab(app_server, admin_token(http, app_server), secrets)
        await tab.close()  # the tab goes away without signing out
        stranger = ReflexTab(app_server.base_url, token=tab.token, path="/login", keep_deltas=True)
        async with stranger:
            await stranger.wait_for(lambda s: bool(s.get(ADMIN)) and bool(s.get(CHAT)))
            return _delta_texts(stranger), stranger.state

    frames, state = in_thread(scenario)
    assert _leaks(frames, secrets, app_server) == []
    assert state[USERS]["rows"] == [] and state[CHAT]["messages"] == []
    assert state[SESSION]["signed_in"] is False


def test_in_chromium_no_frame_after_sign_out_carries_the_admins_data(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    secrets = _secrets(http, app_server)
    user = Person.new("user")
    user.register_via_api(http)
    page = new_page()
    frames: list[str] = []
    recording = [False]

    def watch(ws: WebSocket) -> None:
        def keep(payload: str | bytes) -> None:
            if recording[0]:
                text = payload if isinstance(payload, str) else payload.decode(errors="replace")
                frames.append(text)

        ws.on("framereceived", keep)

    page.on("websocket", watch)

    # The admin chats, opens the user list and a user's ledger.
    sign_in(page, app_server.admin_email, app_server.admin_password)
    page.fill("#composer", secrets.prompt)
    page.click("#send")
    expect(page.locator(".msg-assistant").last).to_have_attribute("data-status", "done")
    page.goto("/admin")
    page.fill("#user-search", secrets.victim.email)
    row = page.locator(f".user-row[data-email='{secrets.victim.email}']")
    row.locator(".open-balance").click()
    expect(page.locator(".ledger-row").first).to_be_visible()
    expect(page.get_by_text(secrets.reason)).to_be_visible()
    page.click("text=" + "Close")

    # Signs out; a USER signs in on that tab, then reloads it.
    recording[0] = True
    page.click("#logout")
    expect(page.locator("#login-submit")).to_be_enabled()
    sign_in(page, user.email, user.password)
    expect(page.locator("#user-name")).to_have_text(user.name)
    page.reload()
    expect(page.locator("#user-name")).to_have_text(user.name)
    expect(page.locator("#composer")).to_be_visible()
    page.wait_for_timeout(500)  # frames still on their way

    assert frames, "no websocket frame was recorded"
    assert _leaks(frames, secrets, app_server) == []
