"""A send the server never took is told to the user, keeps the draft, and a retry makes one
message (components/send_watch.py, state/chat/sends.py).

Reflex drops a tab's whole event when its state write comes after the tab's lock expired,
or when its worker dies first: the server then never runs the send. Here the page's
websocket is routed through Playwright, and the `send` events are stopped between the page
and the app: dropped (never taken) or held and let through late (a copy arriving after the
user already retried)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Locator, Page, WebSocketRoute, expect
from sqlmodel import col, select

from metogpt import i18n
from metogpt.components.send_watch import SEND_WAIT_MS
from metogpt.models import Conversation, Message, User
from tests.e2e.chat_pages import SIZES, open_chat, set_locale
from tests.e2e.helpers import Screenshot, app_session, member
from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

_SEND = re.compile(r'chat_state\.send"')
_SEND_ID = re.compile(r'\["send_id","([^"]*)"\]')  # a form field, as Reflex sends forms
# The watch's wait, and room for a page under load.
_NOTICE_WAIT_MS = SEND_WAIT_MS + 15_000


class SendGate:
    """Between the page and the app's websocket. `mode`: "pass" lets every event through;
    "drop" throws the page's sends away, as a dropped event; "hold" keeps them until
    `release()`."""

    def __init__(self, page: Page) -> None:
        self.mode = "pass"
        self.stopped: list[str] = []  # the sends dropped or held, as the page sent them
        self._held: list[str] = []
        self._server: WebSocketRoute | None = None
        page.route_web_socket(re.compile(r"/_event"), self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()  # the app's frames still reach the page unchanged
        self._server = server

        def from_page(message: str | bytes) -> None:
            if self.mode != "pass" and isinstance(message, str) and _SEND.search(message):
                self.stopped.append(message)
                if self.mode == "hold":
                    self._held.append(message)
                return
            server.send(message)

        ws.on_message(from_page)

    def release(self) -> None:
        assert self._server is not None
        held, self._held = self._held, []
        for message in held:
            self._server.send(message)

    def send_ids(self) -> list[str]:
        return [m.group(1) for m in map(_SEND_ID.search, self.stopped) if m]


def _saved(app_server: AppServer, email: str, text: str) -> int:
    """How many messages of the user hold `text` in the app's database."""
    query = (
        select(Message)
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .join(User, col(User.id) == col(Conversation.user_id))
        .where(User.email == email, Message.role == "user", Message.content == text)
    )
    with app_session(app_server) as session:
        return len(session.exec(query).all())


def _notice(page: Page) -> Locator:
    return page.locator("#send-not-taken")


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_send_never_taken_is_told_and_the_retry_makes_one_message(
    new_page: Callable[[], Page],
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
    screenshot: Screenshot,
    lang: str,
    size: str,
) -> None:
    person = member(http, app_server, "PRO", 5000)
    set_locale(app_server, person.email, lang)
    fake_provider.behavior = FakeBehavior(reply_tokens=5)
    page = new_page()
    width, height = SIZES[size]["width"], SIZES[size]["height"]
    page.set_viewport_size({"width": width, "height": height})
    gate = SendGate(page)
    open_chat(page, person)
    text = f"Never taken {lang} {size}"

    gate.mode = "drop"
    page.fill("#composer", text)
    page.locator("#composer").press("Enter")
    notice = _notice(page)
    expect(notice).to_be_visible(timeout=_NOTICE_WAIT_MS)
    expect(notice).to_have_text(i18n.tr("chat.not_sent", lang))
    expect(page.locator("#composer")).to_have_value(text)  # the draft is intact
    expect(page.locator("#send")).to_be_enabled()
    assert len(gate.stopped) == 1 and gate.send_ids()[0]
    assert _saved(app_server, person.email, text) == 0
    notice.scroll_into_view_if_needed()
    screenshot(page, f"send-not-taken-{lang}-{size}")

    gate.mode = "pass"
    page.locator("#send").click()
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
    expect(notice).to_have_count(0)
    expect(page.locator(".msg-user")).to_have_count(1)
    expect(page.locator("#composer")).to_have_value("")
    assert _saved(app_server, person.email, text) == 1


def test_a_send_arriving_after_its_retry_was_answered_makes_no_second_message(
    page: Page,
    http: httpx.Client,
    app_server: AppServer,
    fake_provider: FakeProviderServer,
) -> None:
    person = member(http, app_server, "PRO", 5000)
    fake_provider.behavior = FakeBehavior(reply_tokens=5)
    gate = SendGate(page)
    open_chat(page, person)
    text = "Late, and sent again meanwhile"

    gate.mode = "hold"  # the first copy is on its way for a long time
    page.fill("#composer", text)
    page.locator("#send").click()
    notice = _notice(page)
    expect(notice).to_be_visible(timeout=_NOTICE_WAIT_MS)

    gate.mode = "pass"
    page.locator("#send").click()  # the user tries again: this copy is taken and answered
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(1)
    expect(notice).to_have_count(0)
    expect(page.locator("#composer")).to_have_value("")
    [first] = gate.send_ids()
    assert first  # the retry carried the same id (the server's refusal below depends on it)

    gate.release()  # the first copy arrives at last, after its retry's answer
    # A changed text is another message: a new id, taken. Its answer begins after the late
    # copy was handled (the tab's events take its state in turn).
    page.fill("#composer", "Something else")
    page.locator("#send").click()
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(2)
    expect(page.locator(".msg-user")).to_have_count(2)
    assert _saved(app_server, person.email, text) == 1
    assert _saved(app_server, person.email, "Something else") == 1
    page.reload()
    expect(page.locator(".msg-assistant[data-status=done]")).to_have_count(2)
    expect(page.locator(".msg-user")).to_have_count(2)
    expect(notice).to_have_count(0)
