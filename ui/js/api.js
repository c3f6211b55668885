// The one place the frontend talks to the Rust side: commands through `invoke`, events through `listen`.
// Rejections are turned into `{code, message}` (see error-codes.js) so callers handle one shape.

import { toUiError } from "./error-codes.js";

const tauri = () => window.__TAURI__;

/** Calls a command; resolves with its value or rejects with `{code, message}`. */
export async function call(command, args = {}) {
  try {
    return await tauri().core.invoke(command, args);
  } catch (raw) {
    throw toUiError(raw);
  }
}

/** Calls `handler(payload)` for every `event`; resolves to a function that stops listening. */
export function on(event, handler) {
  return tauri().event.listen(event, (e) => handler(e.payload));
}
