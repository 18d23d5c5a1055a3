import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createChannel, invoke, listen, tauriInternals } from "../lib/bridge.js";

/**
 * A stand-in for what Tauri 2 injects as `window.__TAURI_INTERNALS__`: numbered callbacks, and an
 * `invoke` that records each call with its arguments serialised as the IPC does (JSON).
 */
function fakeInternals(answer = () => null) {
  const callbacks = new Map();
  const calls = [];
  let nextId = 7;
  return {
    callbacks,
    calls,
    transformCallback(fn, once = false) {
      const id = nextId++;
      callbacks.set(id, (data) => {
        if (once) callbacks.delete(id);
        return fn(data);
      });
      return id;
    },
    unregisterCallback(id) {
      callbacks.delete(id);
    },
    async invoke(cmd, args = {}, options) {
      const sent = JSON.parse(JSON.stringify(args));
      calls.push({ cmd, args: sent, options });
      return answer(cmd, sent);
    },
    /** What Rust does to call callback `id`. */
    run(id, data) {
      const callback = callbacks.get(id);
      assert.ok(callback, `callback ${id} is registered`);
      callback(data);
    },
  };
}

test("the internals are found only where Tauri put them", () => {
  const internals = fakeInternals();
  assert.equal(tauriInternals({ __TAURI_INTERNALS__: internals }), internals);
  assert.equal(tauriInternals({}), null);
  assert.equal(tauriInternals(undefined), null);
  // The global API that withGlobalTauri used to inject is not enough (and no longer there).
  assert.equal(tauriInternals({ __TAURI__: { core: { invoke() {} } } }), null);
  assert.equal(tauriInternals({ __TAURI_INTERNALS__: { invoke() {} } }), null);
});

test("commands go through invoke with their arguments", async () => {
  const internals = fakeInternals((cmd, args) => ({ cmd, question: args.question }));
  assert.deepEqual(await invoke(internals, "ask", { question: "How?" }), { cmd: "ask", question: "How?" });
  assert.deepEqual(internals.calls, [{ cmd: "ask", args: { question: "How?" }, options: undefined }]);

  const failing = fakeInternals();
  failing.invoke = async () => {
    throw { code: "pack.none_active", message: "Open a pack." };
  };
  await assert.rejects(invoke(failing, "ask", {}), { code: "pack.none_active" });
});

test("a channel is sent as __CHANNEL__:id and delivers its messages in order", async () => {
  const internals = fakeInternals();
  const seen = [];
  const channel = createChannel(internals, (m) => seen.push(m));
  await invoke(internals, "open_pack", { path: "/p", onProgress: channel });
  assert.equal(internals.calls[0].args.onProgress, `__CHANNEL__:${channel.id}`);

  internals.run(channel.id, { message: { stage: "a" }, index: 0 });
  // Out of order: 2 waits for 1.
  internals.run(channel.id, { message: { stage: "c" }, index: 2 });
  assert.deepEqual(seen, [{ stage: "a" }]);
  internals.run(channel.id, { message: { stage: "b" }, index: 1 });
  assert.deepEqual(seen, [{ stage: "a" }, { stage: "b" }, { stage: "c" }]);
  // A repeated index is not delivered twice.
  internals.run(channel.id, { message: { stage: "b" }, index: 1 });
  assert.equal(seen.length, 3);

  // Rust dropped its end after three messages: all are in, so the callback goes.
  internals.run(channel.id, { end: true, index: 3 });
  assert.equal(internals.callbacks.has(channel.id), false);
});

test("a channel that ends before its last message arrives waits for it", () => {
  const internals = fakeInternals();
  const seen = [];
  const channel = createChannel(internals, (m) => seen.push(m));
  internals.run(channel.id, { message: 1, index: 0 });
  internals.run(channel.id, { end: true, index: 2 });
  assert.equal(internals.callbacks.has(channel.id), true, "message 1 is still on its way");
  internals.run(channel.id, { message: 2, index: 1 });
  assert.deepEqual(seen, [1, 2]);
  assert.equal(internals.callbacks.has(channel.id), false);
});

test("a failing handler does not stop the messages behind it", () => {
  const internals = fakeInternals();
  const seen = [];
  const errors = [];
  const channel = createChannel(
    internals,
    (m) => {
      if (m === "bad") throw new Error("handler failed");
      seen.push(m);
    },
    (error) => errors.push(error.message),
  );
  internals.run(channel.id, { message: "bad", index: 0 });
  internals.run(channel.id, { message: "good", index: 1 });
  assert.deepEqual(seen, ["good"]);
  assert.deepEqual(errors, ["handler failed"]);
});

test("events are listened to through plugin:event|listen and hand over their payload", async () => {
  const internals = fakeInternals((cmd) => (cmd === "plugin:event|listen" ? 42 : null));
  const payloads = [];
  assert.equal(await listen(internals, "camera-status", (p) => payloads.push(p)), 42);
  const [call] = internals.calls;
  assert.equal(call.cmd, "plugin:event|listen");
  assert.equal(call.args.event, "camera-status");
  assert.deepEqual(call.args.target, { kind: "Any" });
  assert.equal(typeof call.args.handler, "number");
  // What Tauri's event dispatch calls the handler with.
  internals.run(call.args.handler, { event: "camera-status", id: 42, payload: { status: "live" } });
  internals.run(call.args.handler, { event: "camera-status", id: 42, payload: { status: "no_camera" } });
  assert.deepEqual(payloads, [{ status: "live" }, { status: "no_camera" }]);
});

test("a refused listen rejects instead of failing silently", async () => {
  const internals = fakeInternals();
  internals.invoke = async () => {
    throw "event.listen not allowed";
  };
  await assert.rejects(listen(internals, "settings-changed", () => {}), /not allowed/);
});

test("no front-end file uses the global Tauri API", () => {
  const root = new URL("..", import.meta.url).pathname;
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "tests" && entry.name !== "node_modules") walk(path);
      } else if (/\.(js|mjs|html)$/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  walk(root);
  assert.ok(files.some((f) => f.endsWith("backend.js")));
  for (const file of files) {
    assert.doesNotMatch(readFileSync(file, "utf8"), /__TAURI__(?!_)/, `${file} uses window.__TAURI__`);
  }
});
