import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createEditor,
  addBox,
  moveBox,
  resizeBox,
  removeBox,
  renameBox,
  nameProblem,
  undo,
  redo,
  boxAt,
  handleAt,
  applyKey,
  clampBox,
  MIN_SIDE,
} from "../lib/boxes.js";

const start = () =>
  createEditor(
    [
      { name: "On/Off", x: 100, y: 100, w: 40, h: 40 },
      { name: "Lungo", x: 200, y: 100, w: 40, h: 40 },
    ],
    640,
    480,
  );

test("draw, move, resize, delete and rename, each undone and redone", () => {
  let s = start();
  s = addBox(s, { x: 300, y: 300, w: 50, h: 30 });
  assert.equal(s.boxes.length, 3);
  assert.equal(s.boxes[2].name, "button");
  assert.equal(s.selected, 2);
  s = moveBox(s, 0, 5, -5);
  assert.deepEqual([s.boxes[0].x, s.boxes[0].y], [105, 95]);
  s = resizeBox(s, 1, "nw", -10, -10);
  assert.deepEqual([s.boxes[1].x, s.boxes[1].y, s.boxes[1].w, s.boxes[1].h], [190, 90, 50, 50]);
  s = renameBox(s, 2, " Steam ");
  assert.equal(s.boxes[2].name, "Steam");
  s = removeBox(s, 0);
  assert.deepEqual(s.boxes.map((b) => b.name), ["Lungo", "Steam"]);
  for (let i = 0; i < 5; i += 1) s = undo(s);
  assert.deepEqual(s.boxes, start().boxes, "five undos give back the pack's boxes");
  assert.equal(undo(s), s, "nothing more to undo");
  for (let i = 0; i < 5; i += 1) s = redo(s);
  assert.deepEqual(s.boxes.map((b) => b.name), ["Lungo", "Steam"]);
  // A new change drops what could be redone.
  s = undo(s);
  s = moveBox(s, 0, 1, 0);
  assert.equal(redo(s), s);
});

test("boxes stay inside the photo and at least MIN_SIDE wide", () => {
  let s = start();
  s = moveBox(s, 0, -500, 1000);
  assert.deepEqual([s.boxes[0].x, s.boxes[0].y], [0, 440]);
  s = resizeBox(s, 1, "e", -100, 0);
  assert.equal(s.boxes[1].w, MIN_SIDE);
  s = resizeBox(s, 1, "w", 100, 0);
  assert.equal(s.boxes[1].w, MIN_SIDE, "dragging the left side past the right keeps the minimum");
  assert.deepEqual(clampBox({ x: 630, y: -5, w: 1000, h: 2 }, 640, 480), { x: 0, y: 0, w: 640, h: MIN_SIDE });
});

test("names: non-empty, no comma or quote (buttons.csv), each once", () => {
  const s = start();
  assert.equal(nameProblem(s.boxes, 0, "  "), "empty");
  assert.equal(nameProblem(s.boxes, 0, 'Hot "water"'), "comma_or_quote");
  assert.equal(nameProblem(s.boxes, 0, "a,b"), "comma_or_quote");
  assert.equal(nameProblem(s.boxes, 0, "Lungo"), "taken");
  assert.equal(nameProblem(s.boxes, 1, "Lungo"), null, "its own name");
  assert.equal(renameBox(s, 0, "Lungo"), s, "a refused name changes nothing");
  assert.equal(addBox(addBox(s)).boxes.at(-1).name, "button2");
});

test("picking: the smallest box under the pointer, and the handle near a corner or side", () => {
  const boxes = [
    { name: "panel", x: 0, y: 0, w: 600, h: 400 },
    { name: "key", x: 100, y: 100, w: 40, h: 40 },
  ];
  assert.equal(boxAt(boxes, 120, 120), 1);
  assert.equal(boxAt(boxes, 300, 300), 0);
  assert.equal(boxAt(boxes, 620, 420), null);
  assert.equal(handleAt(boxes[1], 101, 99, 4), "nw");
  assert.equal(handleAt(boxes[1], 141, 120, 4), "e");
  assert.equal(handleAt(boxes[1], 120, 120, 4), null);
});

test("keyboard: arrows move, Alt+arrows resize, Delete removes, [ ] select, n adds, Ctrl+Z/Y", () => {
  let s = start();
  s = applyKey(s, { key: "ArrowRight" });
  assert.equal(s.boxes[0].x, 101);
  s = applyKey(s, { key: "ArrowDown", shiftKey: true });
  assert.equal(s.boxes[0].y, 110);
  s = applyKey(s, { key: "ArrowRight", altKey: true });
  assert.equal(s.boxes[0].w, 41);
  s = applyKey(s, { key: "]" });
  assert.equal(s.selected, 1);
  s = applyKey(s, { key: "]" });
  assert.equal(s.selected, 0, "wraps around");
  s = applyKey(s, { key: "Delete" });
  assert.deepEqual(s.boxes.map((b) => b.name), ["Lungo"]);
  s = applyKey(s, { key: "z", ctrlKey: true });
  assert.equal(s.boxes.length, 2);
  s = applyKey(s, { key: "y", ctrlKey: true });
  assert.equal(s.boxes.length, 1);
  s = applyKey(s, { key: "n" });
  assert.equal(s.boxes.length, 2);
  assert.equal(applyKey(s, { key: "q" }), null, "not an editor key");
  assert.equal(applyKey(s, { key: "c", ctrlKey: true }), null);
});
