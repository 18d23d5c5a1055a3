// Tauri's IPC without its global API (`app.withGlobalTauri` is off): commands, channels and
// events over `window.__TAURI_INTERNALS__`, which Tauri 2 injects into every page it loads. The
// internals object is passed in, so this file has no DOM and is tested with a fake.
//
// What Tauri provides there and what it expects back:
// - `invoke(cmd, args, options)`: a promise of the command's answer; args are sent as JSON.
// - `transformCallback(fn, once)`: registers `fn` and returns the numeric id Rust calls it by;
//   `unregisterCallback(id)` forgets it.
// - A channel is a callback id sent as the string `__CHANNEL__:<id>`; Rust then calls the callback
//   with `{message, index}` per message (indices 0, 1, 2, ... may arrive out of order) and, when
//   its side is dropped, `{end: true, index}` where `index` is the number of messages sent.
// - Events: the command `plugin:event|listen` with `{event, target, handler}` (a callback id);
//   the callback gets `{event, id, payload}`.

const CHANNEL_PREFIX = "__CHANNEL__:";

/** The page's Tauri internals, or null outside the app's window (a plain browser, node). */
export function tauriInternals(scope = globalThis) {
  const internals = scope?.__TAURI_INTERNALS__;
  return internals && typeof internals.invoke === "function" && typeof internals.transformCallback === "function"
    ? internals
    : null;
}

/** Runs command `name` with `args`; the promise rejects with whatever the command rejected with. */
export function invoke(internals, name, args = {}) {
  return internals.invoke(name, args);
}

/** Re-throws a handler's error outside the delivery loop, so it reaches the console. */
function rethrowLater(error) {
  queueMicrotask(() => {
    throw error;
  });
}

/**
 * A channel for a command's messages, passed as a command argument: `onMessage(message)` is called
 * once per message, in the order Rust sent them. When Rust drops its end and every message has
 * been delivered, the callback is unregistered. An error thrown by `onMessage` goes to `onError`
 * and does not stop the messages behind it.
 */
export function createChannel(internals, onMessage, onError = rethrowLater) {
  let next = 0; // index of the message to deliver next
  let endsAt = null; // number of messages Rust sent, once it said it has finished
  const early = new Map(); // messages that arrived before their turn, by index

  const deliver = (message) => {
    try {
      onMessage(message);
    } catch (error) {
      onError(error);
    }
  };
  const finishIfDone = () => {
    if (endsAt !== null && next >= endsAt) internals.unregisterCallback?.(id);
  };

  const id = internals.transformCallback((data) => {
    if (!data || typeof data !== "object" || !Number.isInteger(data.index)) return;
    if (data.end) {
      endsAt = data.index;
      finishIfDone();
      return;
    }
    if (data.index < next) return; // already delivered
    if (data.index > next) {
      early.set(data.index, data.message);
      return;
    }
    deliver(data.message);
    next += 1;
    while (early.has(next)) {
      const message = early.get(next);
      early.delete(next);
      deliver(message);
      next += 1;
    }
    finishIfDone();
  }, false);

  return {
    id,
    toJSON: () => `${CHANNEL_PREFIX}${id}`,
  };
}

/**
 * Calls `handler(payload)` on every app event `name` (emitted to any target). Resolves with the
 * listener's id once Rust registered it; rejects as `invoke` does (for example when the window's
 * capability does not allow listening).
 */
export function listen(internals, name, handler) {
  const callback = internals.transformCallback((event) => handler(event?.payload), false);
  return internals.invoke("plugin:event|listen", { event: name, target: { kind: "Any" }, handler: callback });
}
