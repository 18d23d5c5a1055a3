import { test } from "node:test";
import assert from "node:assert/strict";
import { sentenceAt } from "../lib/script.js";

const script = [
  { index: 0, start: 0, end: 4.5, text: "Welcome." },
  { index: 1, start: 4.5, end: 9, text: "Press the power button." },
  { index: 2, start: 10, end: 15, text: "Turn the dial." },
];

test("a time inside a sentence picks it", () => {
  assert.equal(sentenceAt(script, 0), 0);
  assert.equal(sentenceAt(script, 2.3), 0);
  assert.equal(sentenceAt(script, 12), 2);
});

test("a sentence's end belongs to the next one", () => {
  assert.equal(sentenceAt(script, 4.5), 1);
  assert.equal(sentenceAt(script, 8.999), 1);
});

test("gaps and times outside the script pick nothing", () => {
  assert.equal(sentenceAt(script, 9.5), -1);
  assert.equal(sentenceAt(script, 15), -1);
  assert.equal(sentenceAt(script, -1), -1);
});

test("bad input picks nothing", () => {
  assert.equal(sentenceAt(script, NaN), -1);
  assert.equal(sentenceAt([], 1), -1);
  assert.equal(sentenceAt(null, 1), -1);
});

test("overlapping sentences: the later one wins", () => {
  const overlapping = [
    { start: 0, end: 5 },
    { start: 4, end: 8 },
  ];
  assert.equal(sentenceAt(overlapping, 4.5), 1);
  assert.equal(sentenceAt(overlapping, 3), 0);
});
