"""Chat latency in Chromium against the fake OpenAI server: first token, and streaming lag.

What is measured (targets from the issue):

1. First token: from the Enter keypress in #composer to the first assistant text ("tok0")
   on screen, minus the fake server's scripted first-token delay (300 ms by default).
   Target: p50 <= 50 ms. N answers of 20 tokens, each in a new conversation.
2. Stream lag: for answers of 2,000, 10,000 and 20,000 tokens streamed at 200 tokens/s
   (--long-sizes), how long after the fake server sent its last chunk that token is
   painted (issue 14: <= 100 ms for 20,000), and the app's CPU time for each answer (its
   processes' user + system time from /proc while it streams: it must grow linearly with
   the answer's length). A few runs per size; p50 and max reported. With --history H,
   those answers go into one conversation that already holds H answers of 2,000 tokens
   (each on screen as Markdown while the new one streams).

How: a `TimedFakeProviderServer` (the tests' FakeProviderServer, subclassed here) stamps
each request's arrival and each text chunk just before it is written, with `time.time()`.
The app runs for real (`reflex run --env prod`, see bench/_browser.BenchAppServer) with its
OpenAI and Anthropic SDKs pointed at the fake, and a fresh database. A user registered over
REST (balance set by the admin through PUT /api/admin/users/{id}/balance) signs in in
Chromium. In the page:

- an init script wraps `WebSocket` so every frame the app receives is stamped with
  `performance.now()` on arrival (with its size and the highest "tokN" it carries), and
  `fetch` so that every chunk of an answer's stream (GET /api/answers/{id}/stream, read by
  components/live.jsx) is stamped the same way;
- before each Enter, a probe installs a keydown listener (capture phase: the send time)
  and a MutationObserver that stamps every text added to the answer (a delta appended to
  the live answer, or the answer shown whole; DOM time) with the last "tokN" it holds,
  plus the next `requestAnimationFrame` after the first and the last token (the frame
  that paints it: "on screen"); and a longtask
  PerformanceObserver (main-thread work over 50 ms);
- page times become server times with `performance.timeOrigin` and a measured offset
  between the page's clock and `time.time()` (same machine; see clock_offset_ms).

That splits each latency into: Enter -> provider request (the app's work before it calls
the provider), provider chunk -> stream chunk in the browser (SDK, the hub's
FLUSH_SECONDS batching, transport) and chunk -> DOM -> frame painted.

Usage: python -m bench.chat_latency [--first N] [--long N] [--long-sizes 2000,10000,20000]
       [--delay S] [--history H] [--json F] [--no-results]
       (figures go to bench/RESULTS.md between the chromium:chat markers)
"""
