"""The page side of bench.admin_first_screen: the instrumentation in every document and one
timed navigation or press per scenario."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from bench._browser import (
    VIEWPORT,
    BenchAppServer,
    chromium,
    sign_in,
    summary,
)
from bench._env import WORK

SCENARIOS = (
    ("users_new_tab", "users: new browser tab, `goto('/admin')`"),
    ("users_nav_link", "users: new tab on the chat page, Admin link pressed"),
    ("users_reload", "users: `goto('/admin')` again in the same tab (remembered state)"),
    ("users_tab", "users: #tab-users pressed on the usage tab"),
    ("usage_tab", "analytics: #tab-usage pressed on the users tab"),
)


# Every document: stamp WebSocket traffic, and watch for the two screens being complete.
INSTRUMENT = """
(() => {
  if (window.__bench) return;
  const b = window.__bench = {frames: [], sent: [], armed: {}, marks: {}, press: null};
  const Native = window.WebSocket;
  class Recording extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        b.frames.push([performance.now(), typeof e.data === 'string' ? e.data.length : 0]);
      });
    }
    send(data) {
      b.sent.push([performance.now(), typeof data === 'string' ? data.length : 0]);
      return super.send(data);
    }
  }
  window.WebSocket = Recording;
  const done = {
    users: () => document.querySelector('.user-row') !== null,
    usage: () => {
      const credits = document.querySelector('#usage-credits');
      if (!credits || !/^[1-9][0-9]*$/.test(credits.textContent.trim())) return false;
      const charts = document.querySelectorAll('.recharts-wrapper');
      if (charts.length < 2) return false;
      return [...charts].every((c) => c.querySelector('.recharts-bar-rectangle'));
    },
    top: () => document.querySelector('.top-user') !== null
      && document.querySelector('#chart-user .recharts-bar-rectangle') !== null,
  };
  const check = () => {
    for (const name of Object.keys(b.armed)) {
      if (!b.armed[name] || !done[name]()) continue;
      b.armed[name] = false;
      const mark = b.marks[name] = {dom: performance.now(), frame: null};
      requestAnimationFrame(() => { mark.frame = performance.now(); });
    }
  };
  b.arm = (names) => {
    for (const n of names) { b.armed[n] = true; delete b.marks[n]; }
    b.frames = []; b.sent = []; b.press = null;
  };
  addEventListener('pointerdown', () => { if (b.press === null) b.press = performance.now(); },
                   true);
  new MutationObserver(check).observe(document, {childList: true, subtree: true,
                                                  characterData: true});
  // A full load is measured from the navigation's start: armed from the first script on.
  b.armed = {users: true, usage: true};
})();
"""

COLLECT = """
(name) => {
  const b = window.__bench;
  const nav = performance.getEntriesByType('navigation')[0];
  return {mark: b.marks[name] || null, frames: b.frames, sent: b.sent, press: b.press,
          dcl: nav ? nav.domContentLoadedEventEnd : null,
          response: nav ? nav.responseEnd : null};
}
"""


def _wait_mark(page: Page, name: str, timeout_ms: int = 60_000) -> dict[str, Any]:
    try:
        page.wait_for_function(
            "(n) => window.__bench && window.__bench.marks[n] && window.__bench.marks[n].frame",
            arg=name,
            timeout=timeout_ms,
        )
    except PlaywrightError:
        shot = WORK / f"admin-timeout-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        raise RuntimeError(f"{name} never completed at {page.url}; see {shot}") from None
    return page.evaluate(COLLECT, name)


def _split(got: dict[str, Any], start: float, full_load: bool) -> dict[str, float]:
    """One measurement and where its time went (ms)."""
    mark = got["mark"]
    sent = [t for t, size in got["sent"] if t >= start and size > 16]  # not socket.io pings
    event = sent[0] if sent else start
    frames = [t for t, _ in got["frames"] if event <= t <= mark["dom"]]
    answered = frames[-1] if frames else event
    split = {
        "screen": mark["frame"] - start,
        "dom": mark["dom"] - start,
        "to_event_sent": event - start,
        "event_to_state": answered - event,
        "state_to_dom": mark["dom"] - answered,
        "events_sent": len(sent),
    }
    if full_load:
        split["html"] = got["response"] or float("nan")
        split["dom_content_loaded"] = got["dcl"] or float("nan")
    return split


def _goto(page: Page, name: str) -> dict[str, float]:
    page.goto("/admin")
    return _split(_wait_mark(page, name), 0.0, full_load=True)


def _press(page: Page, selector: str, name: str) -> dict[str, float]:
    later = ["top"] if name == "usage" else []  # asked for after the first screen
    page.evaluate("(names) => window.__bench.arm(names)", [name, *later])
    page.click(selector)
    got = _wait_mark(page, name)
    split = _split(got, got["press"], full_load=False)
    for mark in later:
        split[f"{mark}_shown"] = _wait_mark(page, mark)["mark"]["frame"] - got["press"]
    return split


def _select_tab(page: Page, tab: str) -> None:
    """Put the dashboard (the current page) on `tab` and wait for its data."""
    selector, name = ("#tab-usage", "usage") if tab == "usage" else ("#tab-users", "users")
    if page.locator(f"{selector}[data-state=active]").count() == 0:
        _press(page, selector, name)
    page.wait_for_timeout(300)  # let anything the switch queued finish


def _new_tab_goto(context: BrowserContext) -> dict[str, float]:
    """A new browser tab (a new Reflex client: no remembered state) loads /admin."""
    page = context.new_page()
    try:
        return _goto(page, "users")
    finally:
        page.close()


def _new_tab_nav_link(context: BrowserContext) -> dict[str, float]:
    """A new browser tab opens the chat page, then its header's Admin link is pressed."""
    page = context.new_page()
    try:
        page.goto("/")
        page.locator("#composer").wait_for()
        page.wait_for_timeout(500)  # the chat page's own loading is over
        return _press(page, 'a[href="/admin"]', "users")
    finally:
        page.close()


def _reload(page: Page) -> dict[str, float]:
    _select_tab(page, "users")
    return _goto(page, "users")


def _tab(page: Page, before: str, selector: str, name: str) -> dict[str, float]:
    _select_tab(page, before)
    return _press(page, selector, name)


def browser_runs(server: BenchAppServer, runs: int, warmup: int) -> dict[str, Any]:
    """Every browser measurement; returns the raw splits per scenario."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in SCENARIOS}
    with chromium() as browser:
        context = browser.new_context(viewport=VIEWPORT, base_url=server.base_url, locale="en-US")
        context.set_default_timeout(60_000)
        context.add_init_script(INSTRUMENT)
        page = context.new_page()
        sign_in(page, server.admin_email, server.admin_password)  # the token: localStorage
        page.goto("/admin")
        page.locator(".user-row").first.wait_for()
        scenarios: dict[str, Callable[[], dict[str, float]]] = {
            "users_new_tab": lambda: _new_tab_goto(context),
            "users_nav_link": lambda: _new_tab_nav_link(context),
            "users_reload": lambda: _reload(page),
            "users_tab": lambda: _tab(page, "usage", "#tab-users", "users"),
            "usage_tab": lambda: _tab(page, "users", "#tab-usage", "usage"),
        }
        for name, scenario in scenarios.items():
            for i in range(warmup + runs):
                split = scenario()
                if i >= warmup:
                    results[name].append(split)
            figures = summary([r["screen"] for r in results[name]])
            print(f"{name:16} p50 {figures['p50']:7.1f}  p95 {figures['p95']:7.1f}  "
                  f"max {figures['max']:7.1f} ms", flush=True)  # fmt: skip
        version = browser.version
        context.close()
    return {"chromium": version, "runs": results}
