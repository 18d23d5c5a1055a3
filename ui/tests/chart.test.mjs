import { test } from "node:test";
import assert from "node:assert/strict";
import { niceTicks, bucketPoints, layoutChart, tickLabel, drawChart } from "../lib/chart.js";

test("nice ticks cover the range with round steps", () => {
  assert.deepEqual(niceTicks(0, 1, 5).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  const t = niceTicks(0.13, 2.87, 4);
  assert.equal(t.step, 1);
  assert.deepEqual(t.ticks, [0, 1, 2, 3]);
  assert.deepEqual(niceTicks(0, 10, 10).ticks, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(niceTicks(0, 100, 4).step, 25);
});

test("nice ticks survive flat, reversed and non-finite ranges", () => {
  const flat = niceTicks(2, 2, 4);
  assert.ok(flat.min < 2 && flat.max > 2);
  assert.deepEqual(niceTicks(5, 0, 5).ticks, niceTicks(0, 5, 5).ticks);
  assert.deepEqual(niceTicks(NaN, 1).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.ok(niceTicks(0, 0, 4).max > 0);
});

test("points are averaged per pixel bucket", () => {
  assert.deepEqual(
    bucketPoints([{ x: 0.1, y: 1 }, { x: 0.9, y: 3 }, { x: 1.2, y: 5 }, { x: 3, y: 7 }]),
    [{ x: 0.5, y: 2 }, { x: 1.2, y: 5 }, { x: 3, y: 7 }],
  );
  assert.deepEqual(bucketPoints([]), []);
});

const run = {
  epochs: 4,
  batchLosses: [
    { x: 0.5, loss: 2 },
    { x: 1, loss: 1.5 },
    { x: 1.5, loss: 1 },
    { x: 2, loss: 0.8 },
  ],
  epochRows: [
    { epoch: 1, trainLoss: 1.75, recall1: 0.2, recall3: null, mrr: null, seconds: 1, best: true },
    { epoch: 2, trainLoss: 0.9, recall1: null, recall3: null, mrr: null, seconds: 1, best: false },
  ],
};

test("the layout maps epochs on x and loss and recall on their own axes", () => {
  const layout = layoutChart(run, 452, 248);
  const { plot } = layout;
  assert.deepEqual(plot, { left: 52, top: 14, right: 404, bottom: 214 });
  assert.deepEqual(layout.xTicks.map((t) => t.value), [0, 1, 2, 3, 4]);
  assert.equal(layout.xTicks[0].position, plot.left);
  assert.equal(layout.xTicks[4].position, plot.right);
  // Loss axis 0..2: the loss of 2 is at the top, 1 halfway.
  assert.equal(layout.lossTicks[0].value, 0);
  assert.equal(layout.lossTicks.at(-1).value, 2);
  assert.equal(layout.batchLine.length, 4);
  assert.deepEqual(layout.batchLine[0], { x: 52 + 0.5 * 88, y: 14 });
  assert.deepEqual(layout.batchLine[2], { x: 52 + 1.5 * 88, y: 114 });
  assert.equal(layout.epochDots.length, 2);
  assert.deepEqual(layout.epochDots[1], { x: 52 + 2 * 88, y: 214 - 0.45 * 200 });
  assert.equal(layout.hasRecall, true);
  assert.deepEqual(layout.recallLine, [{ x: 52 + 88, y: 214 - 0.2 * 200 }]);
});

test("an empty run still has axes", () => {
  const layout = layoutChart({ epochs: 0, batchLosses: [], epochRows: [] }, 300, 200);
  assert.deepEqual(layout.xTicks.map((t) => t.value), [0, 1]);
  assert.ok(layout.lossTicks.length > 1);
  assert.deepEqual(layout.batchLine, []);
  assert.equal(layout.hasRecall, false);
});

test("many epochs get fewer x ticks, all whole", () => {
  const layout = layoutChart({ epochs: 100, batchLosses: [], epochRows: [] }, 600, 200);
  assert.ok(layout.xTicks.length <= 11);
  assert.ok(layout.xTicks.every((t) => Number.isInteger(t.value)));
});

test("tick labels drop needless decimals", () => {
  assert.equal(tickLabel(0.25), "0.25");
  assert.equal(tickLabel(2), "2");
  assert.equal(tickLabel(0.30000000000000004), "0.3");
});

test("drawing calls the context without throwing", () => {
  const calls = [];
  const ctx = new Proxy(
    {},
    {
      get: (target, prop) => (prop in target ? target[prop] : (...args) => calls.push([prop, ...args])),
      set: (target, prop, value) => ((target[prop] = value), true),
    },
  );
  drawChart(ctx, layoutChart(run, 452, 248), { axis: "#888", grid: "#333", text: "#aaa", batch: "#58a6ff", epoch: "#fff", recall: "#3fb950" }, "11px sans-serif");
  assert.ok(calls.some(([name]) => name === "arc"));
  assert.ok(calls.some(([name, text]) => name === "fillText" && text === "val R@1"));
});
