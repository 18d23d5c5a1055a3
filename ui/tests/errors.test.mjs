import { test } from "node:test";
import assert from "node:assert/strict";
import { toUserError } from "../lib/errors.js";

test("command errors pass through", () => {
  assert.deepEqual(toUserError({ code: "pack.not_found", message: "No folder /x: pick another folder." }), {
    code: "pack.not_found",
    message: "No folder /x: pick another folder.",
  });
  assert.deepEqual(toUserError({ code: "io" }), { code: "io", message: "io" });
});

test("a JSON string error is parsed", () => {
  assert.deepEqual(toUserError('{"code":"question.empty","message":"Type a question."}'), { code: "question.empty", message: "Type a question." });
});

test("plain strings, Errors and anything else are internal", () => {
  assert.deepEqual(toUserError("command ask not found"), { code: "internal", message: "command ask not found" });
  assert.deepEqual(toUserError(new TypeError("x is undefined")), { code: "internal", message: "x is undefined" });
  assert.deepEqual(toUserError(undefined), { code: "internal", message: "Unknown error" });
  assert.deepEqual(toUserError(42), { code: "internal", message: "42" });
  assert.deepEqual(toUserError('"quoted"'), { code: "internal", message: '"quoted"' });
});
