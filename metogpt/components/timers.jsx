// Two event sources for Reflex that need a timer in the browser.
import { useEffect, useRef } from "react";

// Calls onTick every `interval` ms while the page is visible, and at once when it becomes
// visible again: a hidden tab asks the server nothing.
export function VisiblePoll({ interval, onTick }) {
  const tick = useRef(onTick);
  tick.current = onTick;
  useEffect(() => {
    const fire = () => {
      if (document.visibilityState === "visible") tick.current?.();
    };
    const timer = setInterval(fire, interval);
    document.addEventListener("visibilitychange", fire);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", fire);
    };
  }, [interval]);
  return null;
}

// Calls onSettle once `value` has stopped changing for `delay` ms (a debounce: typing
// sends one event after a pause, not one per keystroke).
export function Settled({ value, delay, onSettle }) {
  const settle = useRef(onSettle);
  settle.current = onSettle;
  useEffect(() => {
    const timer = setTimeout(() => settle.current?.(), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return null;
}
