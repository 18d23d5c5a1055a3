// The only door to the Rust side: commands, channels and events. Every failure lands in the error
// banner as {code, message} (but the states a caller asks to show itself); callers get {ok: true, value} or {ok: false, error} and never a throw.

import * as bridge from "./lib/bridge.js";
import { toUserError } from "./lib/errors.js";
import { t } from "./lib/strings.js";
import { showError } from "./views/error-banner.js";

/** The error of a page opened outside the app (made when shown, in the language in use then). */
function missingApi() {
  return { code: "internal", message: t("errors.missingApi") };
}

/** Tauri's internals, injected by the app's window (its global API is off: `withGlobalTauri` is false). */
function tauri() {
  return bridge.tauriInternals(window);
}

/**
 * Runs command `name` with `args`. Errors whose code is in `quiet` are states the caller shows
 * where they belong (no microphone, no voice) rather than in the banner.
 */
export async function invokeCommand(name, args = {}, { quiet = [] } = {}) {
  const internals = tauri();
  if (!internals) {
    const error = missingApi();
    showError(error);
    return { ok: false, error };
  }
  try {
    return { ok: true, value: await bridge.invoke(internals, name, args) };
  } catch (reason) {
    const error = toUserError(reason);
    if (!quiet.includes(error.code)) showError(error);
    return { ok: false, error };
  }
}

/** A channel for a command's progress; its messages go to `onMessage`. Null without the API. */
export function createChannel(onMessage) {
  const internals = tauri();
  return internals ? bridge.createChannel(internals, onMessage) : null;
}

/** Calls `handler(payload)` on every app event `name`. */
export async function listenEvent(name, handler) {
  const internals = tauri();
  if (!internals) return;
  try {
    await bridge.listen(internals, name, handler);
  } catch (reason) {
    showError(toUserError(reason));
  }
}
