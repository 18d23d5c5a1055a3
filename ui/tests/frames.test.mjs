import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFrameHeaders, parseRegistration, nextAfter, frameRequestUrl, FrameStats } from "../lib/frames.js";

const quad = [[10, 20], [40, 20], [40, 60], [10, 60]];

function headers(entries) {
  return new Headers(entries);
}

test("all frame headers are read, case-insensitively", () => {
  const registration = { in_view: true, homography: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], inliers: 143, buttons: [{ name: "button4", quad }], reason: null, frame_seq: 812 };
  const frame = parseFrameHeaders(
    headers({
      "X-Frame-Seq": "812",
      "x-frame-width": "1280",
      "x-frame-height": "720",
      "x-frame-captured-ms": "1732752000123",
      "x-registration": JSON.stringify(registration),
    }),
  );
  assert.equal(frame.seq, 812);
  assert.equal(frame.width, 1280);
  assert.equal(frame.height, 720);
  assert.equal(frame.capturedMs, 1732752000123);
  assert.equal(frame.registrationError, null);
  assert.deepEqual(frame.registration, { inView: true, buttons: [{ name: "button4", quad }], reason: null, inliers: 143, frameSeq: 812 });
});

test("missing and malformed numbers are null", () => {
  const frame = parseFrameHeaders(headers({ "x-frame-seq": "abc", "x-frame-width": "" }));
  assert.equal(frame.seq, null);
  assert.equal(frame.width, null);
  assert.equal(frame.height, null);
  assert.equal(frame.capturedMs, null);
  assert.equal(frame.registration, null);
  assert.equal(frame.registrationError, null);
});

test("a plain object with get() works as headers", () => {
  const map = new Map([["x-frame-seq", "5"]]);
  assert.equal(parseFrameHeaders({ get: (name) => map.get(name) ?? null }).seq, 5);
});

test("malformed registration JSON is reported, not thrown", () => {
  const { registration, error } = parseRegistration('{"in_view": tru');
  assert.equal(registration, null);
  assert.match(error, /not JSON/);
  const frame = parseFrameHeaders(headers({ "x-frame-seq": "3", "x-registration": "[1,2]" }));
  assert.equal(frame.seq, 3);
  assert.equal(frame.registration, null);
  assert.match(frame.registrationError, /not a JSON object/);
  assert.match(parseRegistration("null").error, /not a JSON object/);
});

test("not in view keeps the reason and drops buttons", () => {
  const { registration } = parseRegistration(JSON.stringify({ in_view: false, homography: null, inliers: 3, buttons: [], reason: "too_blurred", frame_seq: 9 }));
  assert.deepEqual(registration, { inView: false, buttons: [], reason: "too_blurred", inliers: 3, frameSeq: 9 });
});

test("not in view without a reason reads as not_found", () => {
  assert.equal(parseRegistration('{"in_view": false}').registration.reason, "not_found");
  assert.equal(parseRegistration('{"in_view": "yes"}').registration.inView, false);
});

test("buttons with bad quads are dropped; a missing list is empty", () => {
  const { registration } = parseRegistration(
    JSON.stringify({
      in_view: true,
      buttons: [
        { name: "ok", quad },
        { name: "three", quad: quad.slice(0, 3) },
        { name: "nan", quad: [[0, 0], [1, 0], [1, "x"], [0, 1]] },
        { quad },
        null,
      ],
    }),
  );
  assert.deepEqual(registration.buttons.map((b) => b.name), ["ok"]);
  assert.deepEqual(parseRegistration('{"in_view": true}').registration.buttons, []);
});

test("an empty registration header means no registration", () => {
  assert.deepEqual(parseRegistration(""), { registration: null, error: null });
  assert.deepEqual(parseRegistration(null), { registration: null, error: null });
});

test("after only moves forward", () => {
  assert.equal(nextAfter(0, 5), 5);
  assert.equal(nextAfter(5, 3), 5);
  assert.equal(nextAfter(5, null), 5);
  assert.equal(nextAfter(5, 5), 5);
});

test("fps comes from the smoothed interval between frames", () => {
  const stats = new FrameStats({ smoothing: 0.5 });
  assert.equal(stats.fps(0), null);
  stats.frameDrawn(0, 30);
  assert.equal(stats.fps(0), null);
  stats.frameDrawn(40, 50);
  assert.equal(stats.fps(40), 25);
  stats.frameDrawn(60, 30);
  // Mean interval 40 + 0.5 * (20 - 40) = 30 ms.
  assert.ok(Math.abs(stats.fps(60) - 1000 / 30) < 1e-9);
  assert.equal(stats.framesDrawn, 3);
  // Latency 30, then 30 + 0.5 * 20 = 40, then 40 + 0.5 * -10 = 35.
  assert.equal(stats.latencyMs, 35);
});

test("fps drops to 0 once frames stop", () => {
  const stats = new FrameStats({ staleAfterMs: 1000 });
  stats.frameDrawn(0, 10);
  stats.frameDrawn(50, 10);
  assert.equal(stats.fps(500), 20);
  assert.equal(stats.fps(1051), 0);
});

test("a frame without a capture time leaves latency alone", () => {
  const stats = new FrameStats();
  stats.frameDrawn(0, null);
  assert.equal(stats.latencyMs, null);
  stats.frameDrawn(10, 20);
  assert.equal(stats.latencyMs, 20);
});

test("frame requests say how wide the frame is shown, when it is", () => {
  assert.equal(frameRequestUrl("frame://localhost/latest", 41, 869.6), "frame://localhost/latest?after=41&width=870");
  assert.equal(frameRequestUrl("frame://localhost/latest", 0, 0), "frame://localhost/latest?after=0");
  assert.equal(frameRequestUrl("frame://localhost/latest", 7, NaN), "frame://localhost/latest?after=7");
});
