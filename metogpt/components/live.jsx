// The text of an answer in flight, read from GET /api/answers/{id}/stream (NDJSON: deltas
// {"offset", "text", "next"}, then {"end": status}) with the tab's token.
//
// Nothing re-renders the answer so far, so the last token of a long answer paints as fast
// as the first: each delta is appended to the open block (plain text nodes); once a block
// is complete (a blank line outside a code fence) it is rendered once as Markdown by
// `Block` (the answers' own renderer, components/markdown.py) and never again. A broken
// connection resumes from the last offset; a reload mounts this again and reads from 0.
import { useEffect, useRef, useState } from "react";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const FENCE = /^\s{0,3}(```|~~~)/;

// Splits the growing text into finished Markdown blocks and the open one, looking at each
// line once.
class Blocks {
  constructor() {
    this.text = "";
    this.done = 0; // the text before this offset is in finished blocks
    this.line = 0; // the start of the line not yet looked at
    this.fenced = false; // inside a code fence
  }

  // Adds `more`; returns the blocks it finished (maybe none).
  add(more) {
    this.text += more;
    const finished = [];
    if (!more.includes("\n")) return finished;
    let end;
    while ((end = this.text.indexOf("\n", this.line)) >= 0) {
      const line = this.text.slice(this.line, end);
      this.line = end + 1;
      if (FENCE.test(line)) this.fenced = !this.fenced;
      else if (!this.fenced && line.trim() === "" && this.line - 1 > this.done) {
        finished.push(this.text.slice(this.done, this.line));
        this.done = this.line;
      }
    }
    return finished;
  }

  get open() {
    return this.text.slice(this.done);
  }
}

export function LiveAnswer({ messageId, token, onLost, block: Block, className, children }) {
  const tail = useRef(null);
  const lost = useRef(onLost);
  lost.current = onLost;
  const [blocks, setBlocks] = useState([]);
  const [started, setStarted] = useState(false);

  useEffect(() => {
    const node = tail.current;
    if (!messageId || !node) return undefined;
    const abort = new AbortController();
    const split = new Blocks();
    let offset = 0;
    let ended = false;
    node.textContent = "";
    setBlocks([]);
    setStarted(false);

    const apply = (event) => {
      if (event.end !== undefined) {
        ended = true;
        node.dataset.end = event.end;
        if (event.end === "lost") lost.current?.(messageId);
        return;
      }
      if (event.offset !== offset || !event.text) return; // a repeat after a reconnect
      offset = event.next;
      setStarted(true);
      const finished = split.add(event.text);
      if (finished.length) {
        node.textContent = split.open;
        setBlocks((shown) => [...shown, ...finished]);
      } else {
        node.appendChild(document.createTextNode(event.text));
      }
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
      {blocks.map((text, i) => (
        <Block key={i} content={text} />
      ))}
      <span ref={tail} className="live-text" />
      {started ? null : children}
    </div>
  );
}
