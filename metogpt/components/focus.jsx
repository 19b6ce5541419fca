// Keeps the keyboard's focus in a field that a change of page replaces with its twin.
import { useLayoutEffect } from "react";

// Ids of fields that had the focus when their page went away.
const focused = new Set();

// Rendered beside the field with id `target`. The first message of a new chat moves the
// page from / to /c/{id}, which replaces the composer with the next page's: whoever is
// typing goes on typing in the new one instead of into nothing.
export function KeepFocus({ target }) {
  useLayoutEffect(() => {
    if (focused.delete(target)) document.getElementById(target)?.focus();
    return () => {
      // Still in the document here: a layout effect is undone before the nodes are removed.
      if (document.activeElement?.id === target) focused.add(target);
    };
  }, [target]);
  return null;
}
