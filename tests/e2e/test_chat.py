"""Chat end to end: the real app streams answers from the fake provider server (real
openai/anthropic SDKs on the app's side), bills them, and the browser shows it all."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import Person, charges, member, sign_in
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e
Screenshot = Callable[[Page, str], Path]


def _open_chat(page: Page, person: Person) -> None:
    sign_in(page, person.email, person.password)
    expect(page.locator("#composer")).to_be_visible()


def _send(page: Page, text: str) -> None:
    page.fill("#composer", text)
    page.locator("#composer").press("Enter")


def _pick_model(page: Page, model: str) -> None:
    page.click("#model-select")
    page.get_by_role("option", name=model).click()


def _to_next_page(page: Page, act: Callable[[], None]) -> None:
    """`act`, which moves the chat to another page (/ <-> /c/{id}: a new chat, the first
    message of one), then wait until that page's own elements are on screen. The two are
    separate routes, so the whole chat is replaced when the new route renders; under load
    that came seconds after the URL changed and the answer showed on the old page, and
    closed a menu the test had just opened there."""
    page.locator("#sidebar").evaluate("el => { el.dataset.leaving = 'true'; }")
    act()
    expect(page.locator("#sidebar:not([data-leaving])")).to_be_attached()


def _balance(page: Page) -> int:
    return int(page.locator("#balance").inner_text())


def test_answer_streams_and_is_billed_per_model_coefficient(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
) -> None:
    person = member(http, app_server, "PRO", 5000)
    # Held after five tokens until the page has shown them: on a loaded machine a second
    # of streaming could end before the page is looked at (the test's one timing step; it
    # failed once under heavy load in session 11, the cause not captured).
    fake_provider.behavior = FakeBehavior(
        reply_tokens=40, prompt_tokens=20, tokens_per_second=40, hold_after_tokens=5
    )
    _open_chat(page, person)
    expect(page.locator("#model-select")).to_contain_text("gpt-3.5-turbo")
    _pick_model(page, "gpt-4 · ×1.5")
    _send(page, "Stream me something")
    streaming = page.locator(".msg-assistant[data-status=streaming] .live-answer")
    expect(streaming).to_contain_text("tok1")  # text arrives while the answer is running
    fake_provider.release()
    done = page.locator(".msg-assistant[data-status=done]")
    expect(done).to_have_count(1)
    cost = math.ceil((20 + 40) * 1.5)
    expect(done.locator(".msg-charge")).to_have_attribute("data-charged", str(cost))
    expect(page.locator("#balance")).to_have_text(str(5000 - cost))
    screenshot(page, "chat-answer")

    fake_provider.behavior = FakeBehavior(reply_tokens=10, prompt_tokens=15)
    _pick_model(page, "claude-3 · ×1.8")
    _send(page, "And now with another model")
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(2)
    second = math.ceil((15 + 10) * 1.8)
    expect(page.locator(".msg-assistant").last.locator(".msg-charge")).to_have_attribute(
        "data-charged", str(second)
    )
    expect(page.locator("#balance")).to_have_text(str(5000 - cost - second))
    assert [c["amount"] for c in charges(http, app_server, person.email)] == [-second, -cost]


def test_low_balance_is_refused_before_any_provider_call(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    person = member(http, app_server, "USER", 3)
    before = fake_provider.request_count
    _open_chat(page, person)
    _send(page, "Will this work with three credits?")
    alert = page.locator("#chat-bottom [role=alert]")
    expect(alert).to_contain_text("Insufficient balance")
    expect(page.locator(".msg-user .msg-text")).to_have_text("Will this work with three credits?")
    assert fake_provider.request_count == before
    assert _balance(page) == 3


def test_control_characters_are_refused_and_the_text_stays_in_the_composer(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    person = member(http, app_server, "USER", 5000)
    before = fake_provider.request_count
    _open_chat(page, person)
    _send(page, "hello\x1cthere")
    expect(page.locator("#chat-bottom [role=alert]")).to_contain_text("control characters")
    expect(page.locator("#composer")).to_have_value("hello\x1cthere")
    expect(page.locator(".msg-user")).to_have_count(0)
    assert fake_provider.request_count == before


def test_stop_charges_only_what_was_used(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    person = member(http, app_server, "USER", 10_000)
    fake_provider.behavior = FakeBehavior(reply_tokens=2000, tokens_per_second=100)
    _open_chat(page, person)
    _send(page, "Tell me a very long story")
    expect(page.locator(".msg-assistant .msg-text")).to_contain_text("tok20")
    page.click("#stop")
    stopped = page.locator(".msg-assistant[data-status=stopped]")
    expect(stopped).to_have_count(1)
    [charge] = charges(http, app_server, person.email)
    assert charge["completionTokens"] < 2000
    assert -charge["amount"] == math.ceil(charge["promptTokens"] + charge["completionTokens"])
    expect(stopped.locator(".msg-charge")).to_have_attribute("data-charged", str(-charge["amount"]))
    expect(stopped.locator(".msg-stopped")).to_have_text(
        "Stopped — the prompt had been sent: it is charged"
    )
    expect(page.locator("#balance")).to_have_text(str(10_000 + charge["amount"]))


def test_a_stop_says_whether_the_prompt_was_charged(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    person = member(http, app_server, "USER", 10_000)
    _open_chat(page, person)
    # The provider has the request and thinks: a stop still pays for the prompt.
    fake_provider.behavior = FakeBehavior(first_token_delay=30)
    _send(page, "Think before you answer")
    expect(page.locator(".msg-assistant")).to_contain_text("Thinking")
    page.click("#stop")
    stopped = page.locator(".msg-assistant[data-status=stopped]")
    expect(stopped.locator(".msg-stopped")).to_have_text(
        "Stopped — the prompt had been sent: it is charged"
    )
    [charge] = charges(http, app_server, person.email)
    assert charge["completionTokens"] == 0 and charge["promptTokens"] > 0
    expect(stopped.locator(".msg-charge")).to_have_attribute("data-charged", str(-charge["amount"]))
    # The provider refuses every try (429, waiting 4 s between): the stop comes before any
    # request is open, and nothing is charged.
    fake_provider.behavior = FakeBehavior(status=429, retry_after=4)
    _send(page, "And now?")
    expect(page.locator("#stop")).to_be_visible()
    page.click("#stop")
    expect(stopped).to_have_count(2)
    expect(stopped.nth(1).locator(".msg-stopped")).to_have_text(
        "Stopped before sending — nothing charged"
    )
    assert len(charges(http, app_server, person.email)) == 1
    expect(page.locator("#balance")).to_have_text(str(10_000 + charge["amount"]))


def test_provider_error_charges_nothing_and_keeps_the_message(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    person = member(http, app_server, "USER", 2000)
    fake_provider.behavior = FakeBehavior(status=500)
    _open_chat(page, person)
    _send(page, "Are you down?")
    expect(page.locator(".msg-assistant .msg-error-text")).to_contain_text("unavailable")
    expect(page.locator(".msg-user .msg-text")).to_have_text("Are you down?")
    assert charges(http, app_server, person.email) == []
    assert _balance(page) == 2000
    # the kept message can be retried once the provider is back
    fake_provider.behavior = FakeBehavior(reply_text="Back again", prompt_tokens=5)
    page.locator(".msg-assistant .msg-regenerate").click()
    expect(page.locator(".msg-assistant[data-status=done] .msg-text")).to_have_text("Back again")


def test_edit_and_regenerate_keep_switchable_branches(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
) -> None:
    person = member(http, app_server, "USER", 5000)
    fake_provider.behavior = FakeBehavior(reply_text="First answer")
    _open_chat(page, person)
    _send(page, "Original question")
    expect(page.locator(".msg-assistant[data-status=done] .msg-text")).to_have_text("First answer")
    fake_provider.behavior = FakeBehavior(reply_text="Second answer")
    page.locator(".msg-regenerate").click()
    answer = page.locator(".msg-assistant[data-status=done]")
    expect(answer.locator(".msg-text")).to_have_text("Second answer")
    expect(answer.locator(".branch-pos")).to_have_text("2/2")
    fake_provider.behavior = FakeBehavior(reply_text="Answer to the edit")
    page.locator(".msg-edit").click()
    page.locator(".edit-box textarea").fill("Edited question")
    page.locator(".edit-submit").click()
    expect(page.locator(".msg-assistant[data-status=done] .msg-text")).to_have_text(
        "Answer to the edit"
    )
    expect(page.locator(".msg-user .branch-pos")).to_have_text("2/2")
    page.reload()
    expect(page.locator(".msg-user .msg-text")).to_have_text("Edited question")
    page.locator(".msg-user .branch-prev").click()
    expect(page.locator(".msg-user .msg-text")).to_have_text("Original question")
    expect(page.locator(".msg-assistant .msg-text")).to_have_text("Second answer")
    page.locator(".msg-assistant .branch-prev").click()
    expect(page.locator(".msg-assistant .msg-text")).to_have_text("First answer")
    screenshot(page, "chat-branches")


def test_markup_in_messages_is_shown_as_text_never_run(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    person = member(http, app_server, "USER", 5000)
    evil = '<script>window.__xss=1</script> <img src=x onerror="window.__xss=2">'
    fake_provider.behavior = FakeBehavior(reply_text=f"Echo: {evil}")
    _open_chat(page, person)
    _send(page, evil)
    done = page.locator(".msg-assistant[data-status=done]")
    expect(done).to_have_count(1)
    expect(page.locator(".msg-user .msg-text")).to_have_text(evil)
    expect(done.locator(".msg-text")).to_contain_text("<script>")
    assert page.locator(".msg img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_conversation_list_rename_search_delete(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    person = member(http, app_server, "USER", 5000)
    fake_provider.behavior = FakeBehavior(reply_text="About giraffes")
    _open_chat(page, person)
    _to_next_page(page, lambda: _send(page, "Tell me about giraffes"))
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
    # The new chat is open (the giraffes' answer gone) before typing: otherwise the check
    # below could pass on the old chat's answer while the send raced the navigation (a CI
    # run once saw one conversation instead of two here).
    _to_next_page(page, lambda: page.click("#new-chat"))
    expect(page.locator(".msg-assistant")).to_have_count(0)
    fake_provider.behavior = FakeBehavior(reply_text="About otters")
    _to_next_page(page, lambda: _send(page, "Tell me about otters"))
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
    expect(page.locator(".conversation")).to_have_count(2)
    page.fill("#conv-search", "giraffe")
    expect(page.locator(".conversation")).to_have_count(1)
    page.locator(".conv-menu").click()
    page.locator(".conv-rename").click()
    page.fill("#rename-input", "Tall animals")
    page.click("#rename-save")
    expect(page.locator(".conv-title")).to_have_text("Tall animals")
    page.fill("#conv-search", "")
    expect(page.locator(".conversation")).to_have_count(2)
    page.locator(".conversation", has_text="otters").locator(".conv-menu").click()
    page.locator(".conv-delete").click()
    page.click("#delete-confirm")
    expect(page.locator(".conversation")).to_have_count(1)
