import { test } from "node:test";
import assert from "node:assert/strict";
import { fitRect, toTarget, scaleQuad, boxToQuad, isQuad, quadAttribute, quadBounds, pointInQuad, labelPosition } from "../lib/geometry.js";

test("a wide frame in a tall canvas is letterboxed top and bottom", () => {
  assert.deepEqual(fitRect(1280, 720, 640, 640), { x: 0, y: 140, width: 640, height: 360, scale: 0.5 });
});

test("a tall frame in a wide canvas is pillarboxed left and right", () => {
  assert.deepEqual(fitRect(480, 640, 1000, 320), { x: 380, y: 0, width: 240, height: 320, scale: 0.5 });
});

test("a frame is scaled up to fill a larger canvas", () => {
  const fit = fitRect(640, 480, 1280, 960);
  assert.equal(fit.scale, 2);
  assert.equal(fit.x, 0);
  assert.equal(fit.y, 0);
});

test("empty sizes have no fit", () => {
  assert.equal(fitRect(0, 480, 100, 100), null);
  assert.equal(fitRect(640, 480, 100, 0), null);
  assert.equal(fitRect(NaN, 480, 100, 100), null);
});

test("quads follow the fit: scale then offset", () => {
  const fit = fitRect(1280, 720, 640, 640);
  assert.deepEqual(toTarget(fit, [100, 200]), [50, 240]);
  assert.deepEqual(
    scaleQuad([[0, 0], [1280, 0], [1280, 720], [0, 720]], fit),
    [[0, 140], [640, 140], [640, 500], [0, 500]],
  );
});

test("a box becomes a clockwise quad from the top-left", () => {
  assert.deepEqual(boxToQuad({ x: 10, y: 20, w: 30, h: 40 }), [[10, 20], [40, 20], [40, 60], [10, 60]]);
});

test("isQuad accepts four finite points only", () => {
  assert.equal(isQuad([[0, 0], [1, 0], [1, 1], [0, 1]]), true);
  assert.equal(isQuad([[0, 0], [1, 0], [1, 1]]), false);
  assert.equal(isQuad([[0, 0], [1, 0], [1, 1], [0, NaN]]), false);
  assert.equal(isQuad([[0, 0], [1, 0], [1, 1], [0, "1"]]), false);
  assert.equal(isQuad(null), false);
});

test("the data-quad attribute rounds to whole pixels", () => {
  assert.equal(quadAttribute([[10.4, 20.6], [40, 20], [40.5, 60.49], [-0.4, 60]]), "10,21,40,20,41,60,0,60");
});

test("bounds of a rotated quad", () => {
  assert.deepEqual(quadBounds([[5, 0], [10, 5], [5, 10], [0, 5]]), { left: 0, top: 0, right: 10, bottom: 10 });
});

test("point in quad: inside, outside, and a rotated diamond", () => {
  const square = [[0, 0], [10, 0], [10, 10], [0, 10]];
  assert.equal(pointInQuad([5, 5], square), true);
  assert.equal(pointInQuad([11, 5], square), false);
  assert.equal(pointInQuad([-1, -1], square), false);
  const diamond = [[5, 0], [10, 5], [5, 10], [0, 5]];
  assert.equal(pointInQuad([5, 5], diamond), true);
  assert.equal(pointInQuad([1, 1], diamond), false);
  assert.equal(pointInQuad([9, 9], diamond), false);
});

test("the label goes above the quad when there is room", () => {
  assert.deepEqual(labelPosition([[100, 100], [150, 100], [150, 130], [100, 130]], 80, 24, 800, 600), { x: 100, y: 68 });
});

test("the label goes below a quad at the top edge", () => {
  assert.deepEqual(labelPosition([[100, 10], [150, 10], [150, 40], [100, 40]], 80, 24, 800, 600), { x: 100, y: 48 });
});

test("the label stays inside the canvas on the right and when nothing fits", () => {
  assert.deepEqual(labelPosition([[780, 100], [800, 100], [800, 130], [780, 130]], 80, 24, 800, 600), { x: 720, y: 68 });
  assert.deepEqual(labelPosition([[0, 5], [50, 5], [50, 95], [0, 95]], 80, 24, 300, 100), { x: 0, y: 13 });
});
