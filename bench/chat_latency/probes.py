"""What the page and the fake provider record for bench.chat_latency: the websocket and
stream recorder, the DOM probe, and a fake provider server that stamps its chunks."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from tests.fixtures.fake_providers import FakeBehavior, FakeProviderServer

# Stamps every WebSocket frame the app receives, before the app's own handler runs.
WS_RECORDER = """
(() => {
  if (window.__benchWs) return;
  window.__benchWs = {on: false, frames: [], sent: []};
  // The highest "tokN" of the answer a frame carries: in the streamed text, or in the last
  // message of a message list (the earlier answers of the conversation do not count).
  const highest = (text) => {
    let top = -1;
    for (const m of String(text).matchAll(/tok(\\d+)/g)) top = Math.max(top, Number(m[1]));
    return top;
  };
  const topToken = (frame) => {
    let data;
    // A socket.io frame: a type and a namespace, then the JSON array of the event.
    try { data = JSON.parse(frame.slice(frame.indexOf('['))); } catch { return highest(frame); }
    let top = -1;
    const walk = (node) => {
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key.startsWith('stream_text')) top = Math.max(top, highest(value));
        else if (key.startsWith('messages') && Array.isArray(value) && value.length)
          top = Math.max(top, highest(value[value.length - 1].content));
        else walk(value);
      }
    };
    walk(data);
    return top;
  };
  const Native = window.WebSocket;
  class Recording extends Native {
    send(data) {
      const rec = window.__benchWs;
      if (rec.on) rec.sent.push([performance.now(), typeof data === 'string' ? data.length : 0]);
      return super.send(data);
    }
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const rec = window.__benchWs;
        if (!rec.on) return;
        const t = performance.now();
        const s = typeof e.data === 'string' ? e.data : '';
        rec.frames.push([t, s.length, topToken(s)]);
      });
    }
  }
  window.WebSocket = Recording;
  // The answer's own stream: each chunk read from it, stamped as it arrives.
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const response = await nativeFetch(...args);
    const url = String(args[0] && args[0].url ? args[0].url : args[0]);
    if (!url.includes('/api/answers/') || !response.body) return response;
    const [mine, theirs] = response.body.tee();
    (async () => {
      const reader = mine.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        let value, done;
        try { ({value, done} = await reader.read()); } catch { return; }  // aborted
        if (done) return;
        const rec = window.__benchWs;
        if (rec.on) {
          const text = decoder.decode(value, {stream: true});
          rec.frames.push([performance.now(), value.length, highest(text)]);
        }
      }
    })();
    return new Response(theirs, {status: response.status, headers: response.headers});
  };
})();
"""

# Installed before each Enter; `lastIndex` is the index of the answer's last token.
PROBE = """
(lastIndex) => {
  const old = window.__probe;
  if (old) { old.obs.disconnect(); old.lt.disconnect();
             window.removeEventListener('keydown', old.onKey, true); }
  const p = {enter: null, first: null, firstFrame: null, last: null, lastFrame: null,
             samples: [], longtasks: []};
  p.onKey = (e) => { if (e.key === 'Enter' && p.enter === null) p.enter = performance.now(); };
  window.addEventListener('keydown', p.onKey, true);
  let shown = -1;
  const check = (records) => {
    const t = performance.now();
    for (const r of records) {
      for (const node of r.addedNodes) {
        // Text appended to the live answer, or the answer shown whole (a short one can end
        // before its stream is read).
        const text = node.nodeType === 3 ? node.data : node.textContent;
        const el = node.nodeType === 3 ? node.parentElement : node;
        if (!text || !el?.closest?.('.msg-assistant')) continue;
        const m = text.slice(-24).match(/tok(\\d+)\\s*$/);
        if (!m || Number(m[1]) <= shown) continue;
        shown = Number(m[1]);
        p.samples.push([t, shown]);
        if (p.first === null) {
          p.first = t;
          requestAnimationFrame(() => { p.firstFrame = performance.now(); });
        }
        if (shown >= lastIndex && p.last === null) {
          p.last = t;
          requestAnimationFrame(() => { p.lastFrame = performance.now(); });
        }
      }
    }
  };
  p.obs = new MutationObserver(check);
  p.obs.observe(document.body, {childList: true, subtree: true});
  p.lt = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) p.longtasks.push([e.startTime, e.duration]);
  });
  p.lt.observe({type: 'longtask'});
  window.__probe = p;
  window.__benchWs.frames = [];
  window.__benchWs.sent = [];
  window.__benchWs.on = true;
}
"""

COLLECT = """
() => {
  const p = window.__probe;
  window.__benchWs.on = false;
  return {enter: p.enter, first: p.first, firstFrame: p.firstFrame, last: p.last,
          lastFrame: p.lastFrame, samples: p.samples, longtasks: p.longtasks,
          frames: window.__benchWs.frames, sent: window.__benchWs.sent,
          timeOrigin: performance.timeOrigin};
}
"""


@dataclass
class StreamTiming:
    """One API request to the fake: when it arrived and when each text chunk left."""

    request_at: float
    chunk_at: list[float] = field(default_factory=list)


class TimedFakeProviderServer(FakeProviderServer):
    """The tests' fake provider server, stamping requests and text chunks (time.time())."""

    def __init__(self) -> None:
        super().__init__()
        self.timings: list[StreamTiming] = []

    async def _record(self, request: Request) -> tuple[dict[str, Any], FakeBehavior, bool]:
        arrived = time.time()
        recorded = await super()._record(request)
        self.timings.append(StreamTiming(arrived))
        return recorded

    async def _paced(self, chunks: list[str], behavior: FakeBehavior) -> AsyncIterator[str]:
        timing = self.timings[-1]
        async for chunk in super()._paced(chunks, behavior):
            timing.chunk_at.append(time.time())
            yield chunk
