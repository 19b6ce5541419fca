// The text of an answer in flight, read from GET /api/answers/{id}/stream (NDJSON: deltas
// {"offset", "text", "next"}, then {"end": status}) with the tab's token. Each delta is
// appended to the page as a text node: nothing re-renders the answer so far, so the last
// token of a long answer paints as fast as the first. A broken connection resumes from
// the last offset; a reload mounts this again and reads from the start.
import { useEffect, useRef, useState } from "react";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function LiveAnswer({ messageId, token, onLost, className, children }) {
  const box = useRef(null);
  const lost = useRef(onLost);
  lost.current = onLost;
  const [started, setStarted] = useState(false);

  useEffect(() => {
    const node = box.current;
    if (!messageId || !node) return undefined;
    const abort = new AbortController();
    let offset = 0;
    let ended = false;
    node.textContent = "";
    setStarted(false);

    const apply = (event) => {
      if (event.end !== undefined) {
        ended = true;
        node.dataset.end = event.end;
        if (event.end === "lost") lost.current?.(messageId);
        return;
      }
      if (event.offset !== offset || !event.text) return; // a repeat after a reconnect
      node.appendChild(document.createTextNode(event.text));
      offset = event.next;
      setStarted(true);
    };

    const read = async () => {
      const url = `/api/answers/${encodeURIComponent(messageId)}/stream?from=${offset}`;
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${token}` },
        cache: "no-store",
        signal: abort.signal,
      });
      if (response.status === 401 || response.status === 404) {
        ended = true; // not (or no longer) this tab's answer: the page's state says more
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      while (!ended) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let newline;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line) apply(JSON.parse(line));
        }
      }
    };

    (async () => {
      let pause = 250;
      while (!ended && !abort.signal.aborted) {
        try {
          await read();
          pause = 250;
        } catch (error) {
          if (abort.signal.aborted) return;
        }
        if (!ended) {
          await sleep(pause);
          pause = Math.min(pause * 2, 4000);
        }
      }
    })();
    return () => abort.abort();
  }, [messageId, token]);

  return (
    <div className={className} data-message={messageId}>
      <span ref={box} className="live-text" />
      {started ? null : children}
    </div>
  );
}
