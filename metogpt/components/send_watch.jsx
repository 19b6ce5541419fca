// Tells the user when a send the server never took (send_watch.py beside this file), and
// asks about a turn taken whose answer never showed (TurnWatch).
import { useEffect, useRef, useState } from "react";

// The send this tab waits to hear about: { id, text, files, due } (one composer per tab).
// Kept outside the component: a change of page re-creates the composer.
let pending = null;
const listeners = new Set();

function newId() {
  // crypto.randomUUID needs a secure context; getRandomValues does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function field(form, name) {
  const el = form.elements.namedItem(name);
  return el && "value" in el ? el.value : "";
}

// Before the form's own handler reads it (a capturing listener on the document runs
// first): the send gets its id. A send not heard of is sent again with the same id as
// long as its text and files are unchanged, so the server takes it once however many
// copies arrive; a changed text is another message.
function stamp(event, formId) {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.id !== formId) return;
  const text = field(form, "prompt");
  const files = field(form, "files");
  const input = form.elements.namedItem("send_id");
  if (!input || !(text.trim() || files)) return;
  const same = pending && pending.text === text && pending.files === files;
  pending = { id: same ? pending.id : newId(), text, files, due: 0 };
  input.value = pending.id;
  listeners.forEach((listener) => listener());
}

// Rendered in the composer. `taken`: the id of the last send the server took (the send
// handler sets it first thing). Shows its children once `waitMs` pass after a send
// without that, and hides them when the send is taken after all.
export function SendWatch({ children, form, taken, waitMs }) {
  const [missed, setMissed] = useState(false);

  useEffect(() => {
    const onSubmit = (event) => stamp(event, form);
    document.addEventListener("submit", onSubmit, true);
    return () => document.removeEventListener("submit", onSubmit, true);
  }, [form]);

  useEffect(() => {
    if (pending && pending.id === taken) pending = null;
    let timer;
    const watch = () => {
      clearTimeout(timer);
      if (!pending) {
        setMissed(false);
        return;
      }
      if (!pending.due) pending.due = Date.now() + waitMs;
      setMissed(false);
      timer = setTimeout(() => setMissed(true), Math.max(0, pending.due - Date.now()));
    };
    listeners.add(watch);
    watch();
    return () => {
      listeners.delete(watch);
      clearTimeout(timer);
    };
  }, [taken, waitMs]);

  return missed ? children : null;
}

// Rendered in the composer (send_watch.py's TurnWatch). While `waiting` (the turn `turn`
// taken, its answer not on the page yet) asks the server every `waitMs` whether it still
// runs (`onCheck(turn)`); asks once more if the turn goes away without its answer and
// another state comes (the page came back as a new tab). Shows nothing.
// The turn waited for, kept outside the component: the page re-creates the composer when its
// state comes back (a new tab's hydration), which is when a lost turn is told.
let watched = "";

export function TurnWatch({ turn, waiting, waitMs, onCheck }) {
  const check = useRef(onCheck);
  check.current = onCheck;

  useEffect(() => {
    if (waiting) {
      watched = turn;
      const timer = setInterval(() => check.current?.(turn), waitMs);
      return () => clearInterval(timer);
    }
    const gone = watched;
    watched = "";
    if (gone && gone !== turn) check.current?.(gone);
    return undefined;
  }, [turn, waiting, waitMs]);

  return null;
}
