// The closed list of error codes the core sends with every error, mirrored from `fairdraw::ErrorCode`
// (src/error.rs). A Rust test (src-tauri/src/ipc.rs) fails when this list and the Rust one differ, so the
// UI never has to guess: it picks a title by code and shows the core's message, never parsing message text.

export const ERROR_CODES = Object.freeze([
  "io",
  "database",
  "newer_schema",
  "busy",
  "corrupt",
  "import",
  "invalid",
  "not_found",
  "infeasible",
  "state",
  "mismatch",
]);

/**
 * Turns whatever a rejected `invoke` gave into `{code, message}`. Errors from the core already have that
 * shape; anything else (a rejected permission, a malformed argument) is a bug of the app and gets
 * `code: null`, so it is shown as an unexpected error rather than mistaken for a core error.
 */
export function toUiError(raw) {
  if (raw && typeof raw === "object" && ERROR_CODES.includes(raw.code) && typeof raw.message === "string") {
    return { code: raw.code, message: raw.message };
  }
  const message = raw instanceof Error ? raw.message : typeof raw === "string" ? raw : JSON.stringify(raw);
  return { code: null, message };
}

/** The i18n key of the title shown above an error's message. */
export function errorTitleKey(code) {
  return ERROR_CODES.includes(code) ? `error.${code}` : "error.unexpected";
}
