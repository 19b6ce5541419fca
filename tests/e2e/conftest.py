"""Browser end-to-end fixtures: the real app (see server.py) started once per session, and
Debian's Chromium driven by Playwright's sync API.

The app is shared by every e2e test (a production build takes 30-90 s). Its OpenAI and
Anthropic providers point at one fake provider server on loopback (`fake_provider`), so
chat tests steer the answers; its YooKassa and Stripe settings at one fake payment server
(`fake_payments`), which sends its webhooks back to the app. The restart test (marked
`restarts_app`) runs after every other e2e test so it cannot disturb them.

Keep e2e tests synchronous: while Playwright's sync API is alive, the main thread counts as
running an event loop, so `asyncio.run` (and pytest-asyncio tests) would fail. That is also
why the browser lives per module rather than per session: the suite's async unit tests run
after the e2e modules.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.admin_pages import open_admin
from tests.fixtures.fake_payments import FakePaymentServer
from tests.fixtures.fake_providers import FakeProviderServer
from tests.support.server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, AppServer, free_port

SCREENSHOTS = ARTIFACTS / "screenshots"

# Pages hydrate and answer over a websocket; give them more than Playwright's 5 s default.
expect.set_options(timeout=20_000)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "restarts_app: restarts the shared app server; runs after every other test"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A restart rebuilds the frontend and drops every websocket: after every other e2e test,
    # but still among them (the browser is per module, see above).
    last = [item for item in items if item.get_closest_marker("restarts_app")]
    if not last:
        return
    rest = [item for item in items if item not in last]
    e2e = [i for i, item in enumerate(rest) if item.get_closest_marker("e2e")]
    at = e2e[-1] + 1 if e2e else len(rest)
    items[:] = rest[:at] + last + rest[at:]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    # Remember each phase's outcome on the item, so `page` can screenshot failures.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def fake_provider_server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as server:
        yield server


@pytest.fixture
def fake_provider(fake_provider_server: FakeProviderServer) -> FakeProviderServer:
    """The app's provider for every model, reset to its default answer for each test."""
    fake_provider_server.reset()
    return fake_provider_server


@pytest.fixture(scope="session")
def fake_payment_server() -> Iterator[FakePaymentServer]:
    with FakePaymentServer() as server:
        yield server


@pytest.fixture(scope="session")
def app_extra_env(
    fake_provider_server: FakeProviderServer, fake_payment_server: FakePaymentServer
) -> dict[str, str]:
    """Environment added to the app's: the real model and payment SDKs talk to the fakes."""
    pay = fake_payment_server
    return {
        "OPENAI_BASE_URL": fake_provider_server.openai_base_url,
        "OPENAI_API_KEY": "sk-e2e-fake",
        "ANTHROPIC_BASE_URL": fake_provider_server.anthropic_base_url,
        "ANTHROPIC_API_KEY": "sk-ant-e2e-fake",
        "METOGPT_YOOKASSA_SHOP_ID": pay.shop_id,
        "METOGPT_YOOKASSA_SECRET_KEY": pay.yookassa_secret,
        "METOGPT_YOOKASSA_API_URL": pay.yookassa_api_url,
        "METOGPT_STRIPE_SECRET_KEY": pay.stripe_key,
        "METOGPT_STRIPE_WEBHOOK_SECRET": pay.stripe_webhook_secret,
        "METOGPT_STRIPE_API_BASE": pay.stripe_api_base,
    }


@pytest.fixture
def fake_payments(
    fake_payment_server: FakePaymentServer, app_server: AppServer
) -> FakePaymentServer:
    """The app's YooKassa and Stripe; a customer's Pay on its page notifies the app."""
    fake_payment_server.yookassa_webhook_url = (
        f"{app_server.base_url}/api/payments/yookassa/webhook"
    )
    fake_payment_server.stripe_webhook_url = f"{app_server.base_url}/api/payments/stripe/webhook"
    return fake_payment_server


@pytest.fixture(scope="session")
def app_server(app_extra_env: dict[str, str]) -> Iterator[AppServer]:
    ARTIFACTS.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="metogpt-e2e-"))
    server = AppServer(
        port=free_port(),
        data_dir=data_dir,
        log_path=ARTIFACTS / "e2e-app.log",
        extra_env=dict(app_extra_env),
    )
    server.log_path.write_text("")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def http(app_server: AppServer) -> Iterator[httpx.Client]:
    """A REST client on the running app, over real HTTP."""
    with httpx.Client(base_url=app_server.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`, "
            "as .ci/run does). Playwright's own browser download does not work here.",
            pytrace=False,
        )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(
    browser: Browser, app_server: AppServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts (empty localStorage), closed after the test;
    keywords go to the context (`viewport`, `has_touch`, ...). A failing test leaves a
    screenshot of each of its pages in test-artifacts/screenshots."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(
            **{
                "viewport": {"width": 1280, "height": 800},
                "base_url": app_server.base_url,
                "locale": "en-US",
                **options,
            }
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page

    call = getattr(request.node, "report_call", None)
    failed = call is not None and call.failed
    for i, context in enumerate(contexts):
        if failed:
            for j, page in enumerate(context.pages):
                try:
                    _save(page, f"FAILED-{request.node.name}-{i}-{j}")
                except Exception as exc:  # a crashed page must not hide the test's error
                    print(f"no failure screenshot: {exc}")
        context.close()


@pytest.fixture
def admin(
    new_page: Callable[[], Page], app_server: AppServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """The admin on /admin at the test's `size` and in its `lang` (parameters of the test);
    the admin's language is put back afterwards."""
    yield from open_admin(new_page, app_server, request)


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """A page in its own browser context, 1280×800."""
    return new_page()


def _save(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """screenshot(page, "name") saves test-artifacts/screenshots/name.png."""
    return _save
