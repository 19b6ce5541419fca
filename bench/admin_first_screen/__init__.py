"""Admin dashboard first screen in Chromium on 100,000 users and 1,000,000 ledger rows.

Target (from the issue): the users page and the analytics page each show their first
screen within 500 ms of navigation.

What is measured, N times each (ms, p50 / p95 / max), all in one signed-in browser context:

- users, new tab: a new browser tab (so a new Reflex client, nothing remembered on the
  server) runs `goto('/admin')` -> the first `.user-row` in the DOM, timed in the page
  from `performance.timeOrigin` (the navigation's start);
- users, Admin link: a new tab opens the chat page, then the header's Admin link is
  pressed (a client-side route change) -> the first `.user-row`;
- users, reload: `goto('/admin')` again in the same tab. The server remembers that tab's
  state, so the rows of the last visit are shown first (then refreshed by on_load);
- users tab: #tab-users pressed while the usage tab is shown -> the first `.user-row`;
- analytics tab: #tab-usage pressed on the users tab -> `#usage-credits` shows a
  non-zero number and both bar charts of the first row (by day, by model) have drawn bars
  (`.recharts-bar-rectangle`). The tab's value follows the server, so the tab and its data
  appear together. The top spenders (the by-user chart and the table, the page's slowest
  query) are asked for by a second event once that screen is out; the time until they
  show is reported beside it (`top_shown`).

"Pressing" is stamped at `pointerdown` (Radix tabs switch on mouse down). Times run to the
first `requestAnimationFrame` after the screen is complete in the DOM (the frame that
paints it); the DOM time is kept in the JSON too.

How: an init script in every document wraps `WebSocket` (stamps each frame received and
each message sent) and runs a MutationObserver that stamps the first moment each screen
is complete after the benchmark arms it. That splits a time into: until the page sends its
event (for a full load: HTML, JS, hydration, socket connect), event sent -> the last state
update received before the screen was complete (server: authentication, queries, state
delta), and that update -> in the DOM (React rendering). Separately, with the app
stopped, the service calls behind each screen are timed in this process on the same
database (`users.list_users`, `roles.list_roles`, `analytics.usage(days=30)`).

The database is bench/.work/chromium-admin.db, built by bench.seed_large (seeded here
when missing, or with --reseed); the app runs with `reflex run --env prod` on it (see
bench/_browser.BenchAppServer) and the seeded admin signs in.

Usage: python -m bench.admin_first_screen [--runs N] [--reseed] [--json F] [--no-results]
       (figures go to bench/RESULTS.md between the chromium:admin markers)
"""
