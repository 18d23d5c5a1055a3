import { test } from "node:test";
import assert from "node:assert/strict";
import { overlayFor, referenceBox } from "../lib/overlay.js";

const quad = [[10, 20], [40, 20], [40, 60], [10, 60]];
const inView = { seq: 1, registration: { inView: true, buttons: [{ name: "button4", quad }], reason: null } };

test("no target: no overlay", () => {
  assert.deepEqual(overlayFor(null, inView), { mode: "none", status: null });
});

test("target placed on the frame: live overlay", () => {
  assert.deepEqual(overlayFor("button4", inView), { mode: "live", quad, status: "Appliance in view" });
});

test("not in view: reference with the registration's reason", () => {
  const frame = { registration: { inView: false, buttons: [], reason: "too_oblique" } };
  const overlay = overlayFor("button4", frame);
  assert.equal(overlay.mode, "reference");
  assert.equal(overlay.reason, "too_oblique");
  assert.equal(overlay.status, "Appliance not in view \u2014 face the panel more directly");
});

test("no frame or no registration: reference", () => {
  assert.equal(overlayFor("button4", null).reason, "no_frame");
  assert.equal(overlayFor("button4", { registration: null }).reason, "not_found");
});

test("in view without the target's quad: reference, saying the panel is in view", () => {
  const overlay = overlayFor("button9", inView);
  assert.equal(overlay.mode, "reference");
  assert.equal(overlay.reason, "button_unplaced");
  assert.match(overlay.status, /^Appliance in view/);
});

test("reference box: the candidate's own, else the pack's, else none", () => {
  const packButtons = [{ name: "button4", x: 1, y: 2, w: 3, h: 4 }];
  assert.deepEqual(referenceBox({ button: "button4", box: { x: 9, y: 9, w: 9, h: 9 } }, packButtons), { x: 9, y: 9, w: 9, h: 9 });
  assert.deepEqual(referenceBox({ button: "button4", box: null }, packButtons), { x: 1, y: 2, w: 3, h: 4 });
  assert.equal(referenceBox({ button: "button5", box: null }, packButtons), null);
  assert.equal(referenceBox(null, packButtons), null);
  assert.equal(referenceBox({ button: "button4", box: null }, undefined), null);
});
