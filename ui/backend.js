// The only door to the Rust side: commands, channels and events. Every failure lands in the error
// banner as {code, message}; callers get {ok: true, value} or {ok: false, error} and never a throw.

import { toUserError } from "./lib/errors.js";
import { showError } from "./views/error-banner.js";

const MISSING_API = {
  code: "internal",
  message: "The app's window API is missing: open PressNext with pressnext-app, not in a browser.",
};

function tauri() {
  return window.__TAURI__ ?? null;
}

/** Runs command `name` with `args`. */
export async function invokeCommand(name, args = {}) {
  const invoke = tauri()?.core?.invoke;
  if (!invoke) {
    showError(MISSING_API);
    return { ok: false, error: MISSING_API };
  }
  try {
    return { ok: true, value: await invoke(name, args) };
  } catch (reason) {
    const error = toUserError(reason);
    showError(error);
    return { ok: false, error };
  }
}

/** A channel for a command's progress; its messages go to `onMessage`. Null without the API. */
export function createChannel(onMessage) {
  const Channel = tauri()?.core?.Channel;
  if (!Channel) return null;
  const channel = new Channel();
  channel.onmessage = onMessage;
  return channel;
}

/** Calls `handler(payload)` on every app event `name`. */
export async function listenEvent(name, handler) {
  const listen = tauri()?.event?.listen;
  if (!listen) return;
  try {
    await listen(name, (event) => handler(event.payload));
  } catch (reason) {
    showError(toUserError(reason));
  }
}
