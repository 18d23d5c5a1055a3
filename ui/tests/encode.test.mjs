import { test } from "node:test";
import assert from "node:assert/strict";
import { ENCODE_IDLE, applyEncodeEvent, encodeFraction, encodeText, openingStatus } from "../lib/encode.js";

function fold(events) {
  return events.reduce(applyEncodeEvent, ENCODE_IDLE);
}

test("before the folder count the bar is indeterminate", () => {
  assert.equal(encodeFraction(ENCODE_IDLE), null);
  assert.equal(encodeText(ENCODE_IDLE), "Reading the pack\u2026");
});

test("one folder: frames then its outcome", () => {
  let p = fold([{ event: "started", folders: 1 }]);
  assert.equal(encodeFraction(p), 0);
  assert.equal(encodeText(p), "Encoding 1 folder\u2026");
  p = applyEncodeEvent(p, { event: "frames", folder: "coffeemachine_646bh", done: 30, total: 120 });
  assert.equal(encodeFraction(p), 0.25);
  assert.equal(encodeText(p), "coffeemachine_646bh: frames 30/120");
  p = applyEncodeEvent(p, { event: "folder", index: 0, folder: "coffeemachine_646bh", outcome: "encoded" });
  assert.equal(encodeFraction(p), 1);
  assert.equal(encodeText(p), "coffeemachine_646bh: encoded \u00b7 1/1 folders");
});

test("several folders count towards the whole", () => {
  const p = fold([
    { event: "started", folders: 4 },
    { event: "folder", index: 1, folder: "a", outcome: "from_cache" },
    { event: "frames", folder: "b", done: 5, total: 10 },
  ]);
  assert.equal(encodeFraction(p), 1.5 / 4);
  assert.equal(encodeText(p), "b: frames 5/10 (folder 2 of 4)");
});

test("outcomes of any shape become a word; extra folder events do not overflow", () => {
  let p = fold([{ event: "started", folders: 1 }, { event: "folder", index: 0, folder: "a", outcome: { kind: "cached" } }]);
  assert.equal(p.outcome, "cached");
  p = applyEncodeEvent(p, { event: "folder", index: 1, folder: "a", outcome: { skipped: { why: "x" } } });
  assert.equal(p.outcome, "skipped");
  assert.equal(p.completed, 1);
  assert.equal(encodeFraction(p), 1);
  assert.equal(applyEncodeEvent(p, { event: "folder", folder: "a" }).outcome, "done");
});

test("warnings are kept with their folder; unknown events change nothing", () => {
  const p = fold([{ event: "started", folders: 1 }, { event: "warning", folder: "a", message: "frame 3 unreadable" }]);
  assert.deepEqual(p.warnings, ["a: frame 3 unreadable"]);
  assert.equal(applyEncodeEvent(p, { event: "other" }), p);
});

test("opening the start pack: encode progress, then grounding without a bar value", () => {
  assert.deepEqual(openingStatus(ENCODE_IDLE), { fraction: null, text: "Reading the pack\u2026" });
  const encoding = fold([
    { event: "started", folders: 1 },
    { event: "frames", folder: "coffee", done: 30, total: 120 },
  ]);
  assert.deepEqual(openingStatus(encoding), { fraction: 0.25, text: "coffee: frames 30/120" });
  const encoded = applyEncodeEvent(encoding, { event: "folder", folder: "coffee", outcome: "encoded" });
  assert.deepEqual(openingStatus(encoded), {
    fraction: null,
    text: "Reading the panel and grounding the tutorial\u2026",
  });
});
