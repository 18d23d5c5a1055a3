import { test } from "node:test";
import assert from "node:assert/strict";
import {
  IDLE,
  MAX_BATCH_POINTS,
  fromAppState,
  halveSeries,
  applyTrainEvent,
  progressFraction,
  secondsLeft,
  etaText,
  statusText,
  isActive,
  buildTrainRequest,
  detailText,
} from "../lib/training.js";

function run(events, times) {
  return events.reduce((state, event, i) => applyTrainEvent(state, event, times?.[i] ?? 0), IDLE);
}

const started = { event: "started", epochs: 10, batches_per_epoch: 4, start_epoch: 0, samples: 64, device: "Cpu" };

test("idle until something happens", () => {
  assert.equal(statusText(IDLE), "idle");
  assert.equal(progressFraction(IDLE), 0);
  assert.equal(etaText(IDLE, 0), "");
  assert.equal(isActive(IDLE), false);
});

test("encoding shows its stage and progress", () => {
  const state = run([{ event: "encoding", stage: "videos", done: 3, total: 12 }]);
  assert.equal(statusText(state), "encoding");
  assert.equal(progressFraction(state), 0.25);
  assert.equal(etaText(state, 0), "encoding videos 3/12");
  assert.equal(isActive(state), true);
  assert.equal(progressFraction(run([{ event: "encoding", stage: "x", done: 0, total: 0 }])), null);
});

test("batches move the progress and the ETA comes from the pace so far", () => {
  // 2 epochs of 4 batches done in 80 s: 10 s a batch, 32 batches left.
  const events = [started];
  const times = [0];
  for (let epoch = 0; epoch < 2; epoch++) {
    for (let batch = 1; batch <= 4; batch++) {
      events.push({ event: "batch", epoch, batch, batches: 4, loss: 1 / (epoch * 4 + batch), lr: 0.001 });
      times.push((epoch * 4 + batch) * 10_000);
    }
  }
  const state = run(events, times);
  assert.equal(statusText(state), "running");
  assert.equal(progressFraction(state), 8 / 40);
  assert.equal(secondsLeft(state, 80_000), 320);
  assert.equal(etaText(state, 80_000), "epoch 2/10 \u00b7 5 min 20 s left");
  assert.equal(state.batchLosses.length, 8);
  assert.deepEqual(state.batchLosses[5], { x: 1 + 2 / 4, loss: 1 / 6 });
});

test("no ETA before the first batch", () => {
  const state = run([started]);
  assert.equal(secondsLeft(state, 1000), null);
  assert.equal(etaText(state, 1000), "epoch 1/10");
});

test("a resumed run counts only the epochs it still has to do", () => {
  const state = run(
    [{ ...started, start_epoch: 8 }, { event: "batch", epoch: 8, batch: 2, batches: 4, loss: 0.5, lr: 0.001 }],
    [0, 20_000],
  );
  assert.equal(progressFraction(state), 2 / 8);
  assert.equal(secondsLeft(state, 20_000), 60);
  assert.equal(etaText(state, 20_000), "epoch 9/10 \u00b7 1 min left");
});

test("epoch events add 1-based table rows, replacing a repeated epoch", () => {
  const epoch = {
    event: "epoch",
    epoch: 0,
    lr: 0.001,
    train_loss: 1.25,
    batches: 4,
    samples_per_sec: 30,
    seconds: 2.5,
    val: { recall_at_1: 0.3, recall_at_3: 0.7, mean_rank: 2.1, mrr: 0.55, mrr_legacy: 2.2, steps: 40 },
    best: true,
  };
  let state = run([started, epoch, { ...epoch, epoch: 1, train_loss: null, val: null, best: false }], [0, 10_000, 20_000]);
  assert.deepEqual(state.epochRows, [
    { epoch: 1, trainLoss: 1.25, recall1: 0.3, recall3: 0.7, mrr: 0.55, seconds: 2.5, best: true },
    { epoch: 2, trainLoss: null, recall1: null, recall3: null, mrr: null, seconds: 2.5, best: false },
  ]);
  // 8 of 40 batches in 20 s.
  assert.equal(etaText(state, 20_000), "epoch 3/10 \u00b7 1 min 20 s left");
  state = applyTrainEvent(state, { ...epoch, train_loss: 1.0 }, 0);
  assert.equal(state.epochRows.length, 2);
  assert.equal(state.epochRows.find((r) => r.epoch === 1).trainLoss, 1.0);
});

test("non-finite losses are not charted", () => {
  const state = run([started, { event: "batch", epoch: 0, batch: 1, batches: 4, loss: null, lr: 0.001 }]);
  assert.equal(state.batchLosses.length, 0);
  assert.equal(state.batch, 1);
});

test("finished, stopped and failed end the run", () => {
  const model = { name: "my-model", kind: "trained", path: "/m", created: "", metrics: null, active: false };
  const lastEpoch = { event: "epoch", epoch: 9, lr: 0.001, train_loss: 0.5, batches: 4, samples_per_sec: 30, seconds: 2, val: null, best: false };
  const finished = run([started, lastEpoch, { event: "finished", model }]);
  assert.equal(statusText(finished), "finished");
  assert.equal(progressFraction(finished), 1);
  assert.equal(finished.model, model);
  assert.equal(etaText(finished, 0), "10/10 epochs done");
  assert.equal(isActive(finished), false);

  const stopped = run([started, { event: "batch", epoch: 2, batch: 1, batches: 4, loss: 1, lr: 1 }, { event: "stopped", epoch: 2, batch: 1, checkpoint: "/c/last.safetensors" }]);
  assert.equal(statusText(stopped), "stopped");
  assert.equal(stopped.checkpoint, "/c/last.safetensors");
  assert.equal(etaText(stopped, 0), "stopped in epoch 3");

  const failed = run([started, { event: "failed", code: "training.failed", message: "the loss became NaN" }]);
  assert.equal(statusText(failed), "failed: the loss became NaN");
  assert.equal(run([{ event: "failed", code: "training.invalid" }]).failure, "training.invalid");
});

test("a new start clears the failure and the series", () => {
  const state = run([started, { event: "batch", epoch: 0, batch: 1, batches: 4, loss: 1, lr: 1 }, { event: "failed", message: "x" }, started]);
  assert.equal(statusText(state), "running");
  assert.equal(state.batchLosses.length, 0);
});

test("checkpoint, message and unknown events", () => {
  let state = run([started, { event: "checkpoint", path: "/c/best.safetensors", best: true }, { event: "message", text: "validating" }]);
  assert.equal(state.checkpoint, "/c/best.safetensors");
  assert.equal(state.message, "validating");
  assert.equal(applyTrainEvent(state, { event: "mystery" }, 0), state);
  assert.equal(applyTrainEvent(state, null, 0), state);
});

test("the batch series stays bounded and keeps its shape", () => {
  let state = applyTrainEvent(IDLE, { ...started, batches_per_epoch: 10_000, epochs: 1 }, 0);
  for (let batch = 1; batch <= MAX_BATCH_POINTS + 1; batch++) {
    state = applyTrainEvent(state, { event: "batch", epoch: 0, batch, batches: 10_000, loss: batch, lr: 1 }, 0);
  }
  assert.ok(state.batchLosses.length <= MAX_BATCH_POINTS);
  assert.ok(state.batchLosses.length >= MAX_BATCH_POINTS / 2);
  assert.equal(state.batchLosses[0].loss, 1.5);
});

test("halving averages neighbours and keeps an odd last point", () => {
  assert.deepEqual(
    halveSeries([{ x: 0, loss: 2 }, { x: 1, loss: 4 }, { x: 2, loss: 6 }]),
    [{ x: 0.5, loss: 3 }, { x: 2, loss: 6 }],
  );
});

test("a run reported by the app state", () => {
  assert.equal(fromAppState(null), IDLE);
  assert.equal(fromAppState({ running: false }), IDLE);
  const state = fromAppState({ running: true, name: "x", epoch: 3, epochs: 10 });
  assert.equal(statusText(state), "running");
  assert.equal(progressFraction(state), 0.3);
  assert.equal(etaText(state, 0), "epoch 4/10");
});

test("train requests are checked field by field", () => {
  const fields = { dataset: " /data/assistq ", epochs: "10", lr: "0.001", batchSize: "16", name: " my-model " };
  assert.deepEqual(buildTrainRequest(fields), { request: { dataset: "/data/assistq", epochs: 10, lr: 0.001, batch_size: 16, name: "my-model" } });
  assert.match(buildTrainRequest({ ...fields, dataset: "" }).error, /^Dataset/);
  assert.match(buildTrainRequest({ ...fields, epochs: "0" }).error, /^Epochs/);
  assert.match(buildTrainRequest({ ...fields, epochs: "2.5" }).error, /^Epochs/);
  assert.match(buildTrainRequest({ ...fields, lr: "-1" }).error, /^Learning rate/);
  assert.match(buildTrainRequest({ ...fields, lr: "fast" }).error, /^Learning rate/);
  assert.match(buildTrainRequest({ ...fields, batchSize: "" }).error, /^Batch size/);
  assert.match(buildTrainRequest({ ...fields, name: "a/b" }).error, /^Model name/);
  assert.match(buildTrainRequest({ ...fields, name: ".." }).error, /^Model name/);
  assert.equal(buildTrainRequest({ ...fields, name: "run 2" }).request.name, "run 2");
});

test("detail lines", () => {
  assert.equal(detailText(IDLE), "");
  const running = run([started]);
  assert.equal(detailText(running), "64 QA samples \u00b7 Cpu");
  assert.equal(detailText(applyTrainEvent(running, { event: "message", text: "validating" }, 0)), "validating");
  assert.equal(detailText(run([started, { event: "finished", model: { name: "my-model" } }])), "Saved as model \u201cmy-model\u201d.");
  assert.equal(detailText(run([started, { event: "stopped", epoch: 0, batch: 1, checkpoint: "/c/last" }])), "Stopped. The last good checkpoint is kept: /c/last");
});

test("a run that finishes early says how many epochs it did", () => {
  const state = run([started, { event: "epoch", epoch: 5, lr: 0.001, train_loss: 0.5, batches: 4, samples_per_sec: 30, seconds: 2, val: null, best: false }, { event: "finished", model: null }]);
  assert.equal(etaText(state, 0), "6/10 epochs done");
  assert.equal(progressFraction(state), 1);
});
