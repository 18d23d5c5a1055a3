import { test } from "node:test";
import assert from "node:assert/strict";
import {
  percent,
  clockTime,
  duration,
  viewAdvice,
  viewStatusText,
  frameRateText,
  deviceBadge,
  deviceInfoText,
  modelLabel,
  answeringAsText,
  answerSourceText,
  confidenceText,
  cameraStatusText,
  encodersText,
  whyTimeText,
} from "../lib/format.js";

test("percent rounds and clamps", () => {
  assert.equal(percent(0.714), "71%");
  assert.equal(percent(0.005), "1%");
  assert.equal(percent(0), "0%");
  assert.equal(percent(1.2), "100%");
  assert.equal(percent(-0.1), "0%");
  assert.equal(percent(null), "\u2014");
  assert.equal(percent(NaN), "\u2014");
  assert.equal(confidenceText(0.71), "71% sure");
});

test("clock time is mm:ss, with hours past an hour", () => {
  assert.equal(clockTime(0), "00:00");
  assert.equal(clockTime(5.9), "00:05");
  assert.equal(clockTime(65), "01:05");
  assert.equal(clockTime(3600 + 62), "1:01:02");
  assert.equal(clockTime(-3), "00:00");
  assert.equal(clockTime(NaN), "00:00");
});

test("durations read naturally", () => {
  assert.equal(duration(42), "42 s");
  assert.equal(duration(42.4), "42 s");
  assert.equal(duration(59.6), "1 min");
  assert.equal(duration(185), "3 min 5 s");
  assert.equal(duration(3720), "1 h 2 min");
  assert.equal(duration(7200), "2 h");
  assert.equal(duration(-1), "\u2014");
  assert.equal(duration(Infinity), "\u2014");
});

test("every registration reason has advice", () => {
  assert.equal(viewAdvice("not_found"), "point the camera at the appliance");
  assert.equal(viewAdvice("too_blurred"), "hold the camera still");
  assert.equal(viewAdvice("too_small"), "move closer");
  assert.equal(viewAdvice("too_large"), "move back");
  assert.equal(viewAdvice("too_oblique"), "face the panel more directly");
  assert.equal(viewAdvice("poor_coverage"), "show more of the panel");
  assert.equal(viewAdvice("high_error"), "hold the camera steady");
  assert.equal(viewAdvice("degenerate"), "hold the camera steady");
  assert.equal(viewAdvice("something_new"), "point the camera at the appliance");
  assert.equal(viewAdvice(null), "point the camera at the appliance");
});

test("view status lines", () => {
  assert.equal(viewStatusText(true), "Appliance in view");
  assert.equal(viewStatusText(false, "too_small"), "Appliance not in view \u2014 move closer");
});

test("frame rate text", () => {
  assert.equal(frameRateText(24.4, 38.2), "24 fps \u00b7 38 ms");
  assert.equal(frameRateText(null, null), "\u2014 fps \u00b7 \u2014 ms");
  // Clocks of the capture and the page can disagree by a little: never a negative latency.
  assert.equal(frameRateText(0, -3), "0 fps \u00b7 0 ms");
});

test("device texts", () => {
  assert.equal(deviceBadge("cpu"), "CPU");
  assert.equal(deviceBadge("cuda:0"), "CUDA:0");
  assert.equal(deviceBadge(""), "\u2014");
  assert.equal(deviceInfoText({ active: "cpu", requested: "auto", reason: "no CUDA device" }), "Active: CPU \u2014 no CUDA device");
  assert.equal(deviceInfoText({ active: "cuda:0", requested: "cuda:0", reason: "" }), "Active: CUDA:0");
  assert.equal(deviceInfoText(null), "");
});

test("model labels show R@1 only when evaluated", () => {
  assert.equal(modelLabel({ name: "demo", kind: "demo", metrics: { recall_at_1: 0.3051 } }), "demo (demo) \u00b7 R@1 0.305");
  assert.equal(modelLabel({ name: "mine", kind: "imported", metrics: null }), "mine (imported)");
});

test("answering-as text only for unknown questions", () => {
  assert.equal(answeringAsText({ known: true, answering_as: null }), null);
  assert.equal(answeringAsText({ known: false, answering_as: "How do I brew?", similarity: 0.823 }), "Answering as: How do I brew? (82% similar)");
  assert.equal(answeringAsText({ known: false, answering_as: "How do I brew?", similarity: null }), "Answering as: How do I brew?");
  assert.equal(answeringAsText({ known: false, answering_as: null }), null);
  assert.equal(answeringAsText(null), null);
});

test("camera status line", () => {
  assert.equal(
    cameraStatusText({ source: "file:demo/pack/camera.mp4", status: "running", message: "", width: 1280, height: 720, fps: 29.97 }),
    "Running \u00b7 1280\u00d7720 at 30 fps \u00b7 file:demo/pack/camera.mp4",
  );
  assert.equal(
    cameraStatusText({ source: "auto", status: "no_camera", message: "No camera found.", width: 0, height: 0, fps: 0 }),
    "No camera \u00b7 auto \u2014 No camera found.",
  );
  assert.equal(cameraStatusText({ source: "", status: "warming", message: null }), "warming");
  assert.equal(cameraStatusText(null), "");
});

test("encoder weights line", () => {
  assert.equal(encodersText({ ok: true, root: "models", text: "all-MiniLM-L6-v2", image: "dinov2-small", message: "" }), "Text: all-MiniLM-L6-v2 \u00b7 Image: dinov2-small \u00b7 models");
  assert.equal(encodersText({ ok: false, message: "Run bash scripts/setup.sh." }), "Run bash scripts/setup.sh.");
  assert.equal(encodersText({ ok: false, message: "" }), "The encoder weights are missing.");
  assert.equal(encodersText(null), "");
});

test("why names the label read on the panel and when the tutorial operates the control", () => {
  assert.equal(
    whyTimeText({ start: 3, moment: 4.2, label: "On/Off", source: "timeline" }),
    "\u201cOn/Off\u201d on the panel \u00b7 operated at 00:04 in the tutorial",
  );
  assert.equal(whyTimeText({ start: 65, moment: null, label: null, source: "attention" }), "at 01:05");
  assert.equal(whyTimeText({ start: 7, label: "Volume" }), "\u201cVolume\u201d on the panel \u00b7 at 00:07");
});

test("an answer says where it comes from, or that the tutorial does not cover it", () => {
  assert.equal(answerSourceText(null), null);
  assert.equal(
    answerSourceText({ covered: true, span: { start: 3, goal: "Let me show you how to make a lungo." } }),
    "From the tutorial at 00:03: \u201cLet me show you how to make a lungo.\u201d",
  );
  assert.equal(
    answerSourceText({ covered: false, closest: [{ start: 3, goal: "How to make a lungo?" }, { start: 71, goal: "To descale, ..." }] }),
    "The tutorial does not seem to cover this question. It covers: \u201cHow to make a lungo?\u201d at 00:03; \u201cTo descale, ...\u201d at 01:11.",
  );
  assert.equal(answerSourceText({ covered: false, closest: [] }), "The tutorial does not seem to cover this question.");
  assert.equal(
    answerSourceText({ covered: true, span: null, known: false, answering_as: "How do I brew?", similarity: 0.5 }),
    "Answering as: How do I brew? (50% similar)",
  );
});

test("an unsure step says so", () => {
  assert.equal(confidenceText(0.8), "80% sure");
  assert.equal(confidenceText(0.3, true), "30% sure \u00b7 unsure: check the other possibilities");
});

import { otherLanguageText } from "../lib/format.js";

test("a question heard in another language is told apart, with where its English is", () => {
  const text = otherLanguageText({ language: "fr", language_name: "French", text: "Comment faire un café ?", english: "How to make a coffee?" });
  assert.equal(
    text,
    "Heard in French: \u201cComment faire un caf\u00e9 ?\u201d. This tutorial is in English: Whisper's English is in the question box \u2014 check it, then Ask.",
  );
  assert.match(otherLanguageText({ language: "xx", text: "?" }), /^Heard in xx: /);
});
