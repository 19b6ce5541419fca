"""Answers as people expect them (issue 13), at 1280×800 and 390×844, in English and
Russian: bordered tables and long code that scroll inside their own box (never the page),
copy buttons, links in a new tab, display math as a centred block; a failed answer with its
reason (after a reload too) and Retry; the header balance following an admin's top-up and
changing colour; the composer's cost estimate."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from metogpt.services.llm import ChatMessage
from metogpt.services.llm.tokens import count_prompt_tokens
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.helpers import Person, admin_headers, member, sign_in
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Each of these tests runs at both sizes and in both languages (all four pairs for the
# rendering; a desktop/English and a phone/Russian run for the rest).
ALL = [("desktop", "en"), ("desktop", "ru"), ("phone", "en"), ("phone", "ru")]
TWO = [("desktop", "en"), ("phone", "ru")]

LONG_LINE = "print(" + " + ".join(f"'segment{i}'" for i in range(60)) + ")"
WIDE_ROW = " | ".join(f"column number {i} with a long heading" for i in range(10))
ANSWER = f"""Here is a comparison:

| Algorithm | Complexity |
|---|---|
| Insertion sort | O(n^2) |
| Merge sort | O(n log n) |

> Premature optimisation is the root of all evil.

$$ E = mc^2 $$

Inline math stays inline: $a + b = c$.

```python
{LONG_LINE}
```

| {WIDE_ROW} |
|{"---|" * 10}
| {" | ".join("cell" for _ in range(10))} |

See [the docs](https://example.com/docs) for more. <img src=x onerror="window.__xss=1">
"""


@pytest.fixture
def contexts(browser: Browser, app_server: AppServer) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _open(browser: Browser, app_server: AppServer, opened: list[BrowserContext], size: str) -> Page:
    context = browser.new_context(
        viewport=VIEWPORTS[size],  # type: ignore[arg-type]
        base_url=app_server.base_url,
        locale="en-US",
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(20_000)
    opened.append(context)
    return context.new_page()


def _enter(page: Page, person: Person, lang: str) -> None:
    sign_in(page, person.email, person.password)
    expect(page.locator("#composer")).to_be_visible()
    if lang == "ru":
        page.locator("#lang-switch").click()
        expect(page.locator("#lang-switch")).to_have_text("English")


def _send(page: Page, text: str) -> None:
    page.fill("#composer", text)
    page.locator("#composer").press("Enter")


def _settled(page: Page) -> None:
    """A new conversation's first answer moves the page to its address (/c/{id})."""
    expect(page).to_have_url(re.compile(r"/c/[^/]+$"))


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def _page_fits(page: Page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths


def _scrolls_sideways(page: Page, selector: str) -> None:
    """The element scrolls sideways inside its own box (waited for: the list may re-render)."""
    page.wait_for_function(
        """sel => { const e = document.querySelector(sel);
          return e && e.scrollWidth > e.clientWidth
            && ["auto", "scroll"].includes(getComputedStyle(e).overflowX) }""",
        arg=selector,
    )


DARK_CODE = "rgb(40, 44, 52)"  # one-dark's background


def _clipboard(page: Page) -> str:
    return page.evaluate("navigator.clipboard.readText()")


@pytest.mark.parametrize(("size", "lang"), ALL)
def test_answers_render_tables_quotes_math_code_links_and_copy(
    browser: Browser,
    contexts: list[BrowserContext],
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    size: str,
    lang: str,
) -> None:
    person = member(http, app_server, "USER", 5000)
    fake_provider.behavior = FakeBehavior(reply_text=ANSWER)
    page = _open(browser, app_server, contexts, size)
    _enter(page, person, lang)
    _send(page, "Compare sorts, please")
    answer = page.locator(".msg-assistant[data-status=done]")
    expect(answer).to_have_count(1)
    _settled(page)
    body = answer.locator(".md")

    # Tables: every cell bordered and padded.
    cell = body.locator("td").first
    expect(cell).to_have_text("Insertion sort")
    expect(cell).to_have_css("border-top-width", "1px")
    expect(cell).to_have_css("border-left-width", "1px")
    expect(cell).to_have_css("border-top-style", "solid")
    expect(cell).to_have_css("padding-left", re.compile(r"^[1-9][\d.]*px$"))
    # The wide table and the long code line scroll inside their box; the page never does.
    _scrolls_sideways(page, ".msg-assistant .md table:nth-of-type(2)")
    _scrolls_sideways(page, ".msg-assistant .code-frame pre")
    _page_fits(page)

    # The block quote is styled (a coloured left border).
    expect(body.locator("blockquote")).to_have_css("border-left-width", "4px")

    # Display math: a centred block; inline math stays inline.
    display = body.locator(".katex-display")
    expect(display).to_have_count(1)
    # A block, much wider than the formula, which sits in its middle (waited for: the
    # list may re-render meanwhile).
    page.wait_for_function(
        """() => {
          const e = document.querySelector('.msg-assistant .md .katex-display');
          if (!e || getComputedStyle(e).display !== 'block') return false;
          const box = e.getBoundingClientRect();
          const parts = [...e.querySelectorAll('.base')].map(b => b.getBoundingClientRect());
          if (!parts.length) return false;
          const left = Math.min(...parts.map(r => r.left));
          const right = Math.max(...parts.map(r => r.right));
          return right - left < box.width / 2
            && Math.abs((box.left + box.right) / 2 - (left + right) / 2) < 3;
        }"""
    )
    inline = body.locator(".katex:not(.katex-display .katex)")
    expect(inline).to_have_count(1)
    expect(inline).not_to_have_css("display", "block")

    # The code block names its language.
    expect(body.locator(".code-frame .code-lang")).to_have_text("python")

    # Links open in a new tab, without giving the new page a handle on this one.
    link = body.locator("a", has_text="the docs")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("href", "https://example.com/docs")

    # Raw HTML in the answer is text, never run.
    expect(body).to_contain_text('<img src=x onerror="window.__xss=1">')
    assert body.locator("img").count() == 0
    assert page.evaluate("window.__xss") is None

    _shot(page, f"render-answer-{size}-{lang}")
    # In dark mode the code's highlighting and the tables follow (no fixed light colours).
    page.emulate_media(color_scheme="dark")
    code = body.locator(".code-frame pre")
    expect(code).to_have_css("background-color", DARK_CODE)
    page.wait_for_function(  # the table's header turns dark too
        """() => { const th = document.querySelector('.msg-assistant .md th');
          const [r, g, b] = (th ? getComputedStyle(th).backgroundColor : '')
            .match(/[\\d.]+/g)?.map(Number) ?? [255, 255, 255];
          return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.2; }"""
    )
    _shot(page, f"render-answer-{size}-{lang}-dark")
    page.emulate_media(color_scheme="light")
    expect(code).not_to_have_css("background-color", DARK_CODE)

    # Copy buttons: the code block's code, the whole answer's Markdown, the user's message.
    body.locator(".code-copy").click()
    assert _clipboard(page) == LONG_LINE
    answer.locator(".msg-copy").click()
    assert _clipboard(page) == ANSWER.strip()
    page.locator(".msg-user .msg-copy").click()
    assert _clipboard(page) == "Compare sorts, please"
    # The edit pencil is a visible button, not a faint glyph.
    pencil = page.locator(".msg-user .msg-edit")
    expect(pencil).to_be_visible()
    expect(pencil).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")


REASONS = {
    "en": "The provider is unavailable right now. Your message is kept; try again.",
    "ru": "Провайдер сейчас недоступен. Сообщение сохранено — попробуйте ещё раз.",
}
NOTHING = {"en": "nothing charged", "ru": "ничего не списано"}


@pytest.mark.parametrize(("size", "lang"), TWO)
def test_a_failed_answer_keeps_its_reason_and_retry_answers(
    browser: Browser,
    contexts: list[BrowserContext],
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    size: str,
    lang: str,
) -> None:
    person = member(http, app_server, "USER", 2000)
    page = _open(browser, app_server, contexts, size)
    _enter(page, person, lang)
    fake_provider.behavior = FakeBehavior(status=500)
    _send(page, "Are you there?")
    failed = page.locator(".msg-assistant[data-status=error]")
    expect(failed.locator(".msg-error-text")).to_have_text(REASONS[lang])
    expect(failed.locator(".msg-charge")).to_have_text(NOTHING[lang])
    expect(page.locator("#chat-bottom [role=alert]")).to_have_count(0)  # said once, on the answer
    _page_fits(page)
    _shot(page, f"render-failed-{size}-{lang}")

    page.reload()
    expect(failed.locator(".msg-error-text")).to_have_text(REASONS[lang])
    expect(failed.locator(".msg-charge")).to_have_text(NOTHING[lang])

    fake_provider.behavior = FakeBehavior(reply_text="Here now", prompt_tokens=5)
    failed.locator(".msg-answer-retry").click()
    done = page.locator(".msg-assistant[data-status=done]")
    expect(done.locator(".msg-text")).to_have_text("Here now")
    expect(done.locator(".branch-pos")).to_have_text("2/2")  # the failed one kept beside it
    expect(page.locator(".msg-error")).to_have_count(0)


def _set_balance(http: httpx.Client, app_server: AppServer, email: str, balance: int) -> None:
    headers = admin_headers(http, app_server)
    found = http.get("/api/admin/users", params={"search": email}, headers=headers).json()
    user_id = found["users"][0]["_id"]
    response = http.put(
        f"/api/admin/users/{user_id}/balance",
        json={"balance": balance, "reason": "e2e top-up"},
        headers=headers,
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("size", "lang"), TWO)
def test_the_header_balance_follows_a_top_up_and_changes_colour(
    browser: Browser,
    contexts: list[BrowserContext],
    http: httpx.Client,
    app_server: AppServer,
    size: str,
    lang: str,
) -> None:
    """USER's gpt-3.5-turbo is ×1.0: a typical turn (1,000 tokens) costs 1,000 credits."""
    person = member(http, app_server, "USER", 5000)
    page = _open(browser, app_server, contexts, size)
    _enter(page, person, lang)
    badge = page.locator("#balance-badge")
    expect(page.locator("#balance")).to_have_text("5000")
    expect(badge).to_have_attribute("data-level", "ok")
    expect(badge).to_have_attribute("data-accent-color", "green")

    _set_balance(http, app_server, person.email, 300)  # an admin, elsewhere
    expect(page.locator("#balance")).to_have_text("300", timeout=10_000)  # no reload
    expect(badge).to_have_attribute("data-accent-color", "amber")
    _shot(page, f"render-balance-low-{size}-{lang}")

    # A draft costing more than the balance: red.
    page.fill("#composer", "word " * 400)
    expect(page.locator("#cost-estimate")).to_be_visible()
    expect(badge).to_have_attribute("data-accent-color", "red")
    page.fill("#composer", "")
    expect(badge).to_have_attribute("data-accent-color", "amber")

    _set_balance(http, app_server, person.email, 0)
    expect(page.locator("#balance")).to_have_text("0", timeout=10_000)
    expect(badge).to_have_attribute("data-accent-color", "red")
    _set_balance(http, app_server, person.email, 8000)
    expect(page.locator("#balance")).to_have_text("8000", timeout=10_000)
    expect(badge).to_have_attribute("data-accent-color", "green")
    _page_fits(page)


@pytest.mark.parametrize(("size", "lang"), ALL)
def test_the_composer_shows_what_the_message_costs_at_least(
    browser: Browser,
    contexts: list[BrowserContext],
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    size: str,
    lang: str,
) -> None:
    """The figure is the prompt billing counts (the history resent plus the draft, the same
    tokenizer) × gpt-4's ×1.5 for PRO.

    The first message moves the page from / to /c/{id}, which replaces the composer with
    the next page's. The next message is typed at once, on a CPU slowed down as a phone's
    is (which widens that moment): the text, the focus and the estimate all stay."""
    person = member(http, app_server, "PRO", 5000)
    reply = "A first answer, with some words in it."
    fake_provider.behavior = FakeBehavior(reply_text=reply)
    page = _open(browser, app_server, contexts, size)
    _enter(page, person, lang)
    page.click("#model-select")
    page.get_by_role("option", name="gpt-4 · ×1.5").click()
    cpu = page.context.new_cdp_session(page)
    cpu.send("Emulation.setCPUThrottlingRate", {"rate": 6})
    _send(page, "First question")
    _settled(page)
    draft = "How much will this second question cost?"
    page.fill("#composer", draft)
    cpu.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
    expect(page.locator("#composer")).to_have_value(draft)
    expect(page.locator("#composer")).to_be_focused()
    tokens = count_prompt_tokens(
        [
            ChatMessage("user", "First question"),
            ChatMessage("assistant", reply),
            ChatMessage("user", draft),
        ]
    )
    expected = math.ceil(tokens * 1.5)
    expect(page.locator("#cost-estimate")).to_have_text(str(expected))
    expect(page.locator("#cost-line")).to_have_attribute("data-tokens", str(tokens))
    words = {"en": "This message costs at least", "ru": "Это сообщение стоит не меньше"}
    expect(page.locator("#cost-line")).to_contain_text(words[lang])
    box = page.locator("#cost-line").bounding_box()
    assert box is not None and box["y"] + box["height"] <= VIEWPORTS[size]["height"]
    _page_fits(page)
    _shot(page, f"render-estimate-{size}-{lang}")
    page.fill("#composer", "")
    expect(page.locator("#cost-line")).to_have_count(0)
