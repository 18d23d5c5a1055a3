// A training run as the settings panel shows it, folded from the TrainEvents of its channel.

import { duration } from "./format.js";
import { t } from "./strings.js";

/** Batch losses kept for the chart; past this, neighbours are averaged in pairs. */
export const MAX_BATCH_POINTS = 4000;

export const IDLE = Object.freeze({
  status: "idle",
  failure: null,
  epochs: 0,
  startEpoch: 0,
  batchesPerEpoch: 0,
  epoch: 0,
  batch: 0,
  encoding: null,
  batchLosses: Object.freeze([]),
  epochRows: Object.freeze([]),
  runStartMs: null,
  device: null,
  samples: null,
  checkpoint: null,
  message: null,
  model: null,
});

/** A run the app reports as going (AppState.training) when this page did not start it. */
export function fromAppState(training) {
  if (!training?.running) return IDLE;
  return { ...IDLE, status: "running", epoch: training.epoch ?? 0, epochs: training.epochs ?? 0 };
}

/** Halves a point series by averaging neighbours, keeping its shape at half the size. */
export function halveSeries(points) {
  const halved = [];
  for (let i = 0; i + 1 < points.length; i += 2) {
    halved.push({ x: (points[i].x + points[i + 1].x) / 2, loss: (points[i].loss + points[i + 1].loss) / 2 });
  }
  if (points.length % 2 === 1) halved.push(points[points.length - 1]);
  return halved;
}

function finiteOrNull(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * The run after `event` arrived at `nowMs`. Epochs in events are 0-based and batches 1-based (a
 * batch event is sent after the batch); rows and labels are 1-based for people.
 */
export function applyTrainEvent(run, event, nowMs) {
  switch (event?.event) {
    case "encoding":
      return {
        ...run,
        status: "encoding",
        failure: null,
        encoding: { stage: event.stage ?? "", done: event.done ?? 0, total: event.total ?? 0 },
      };
    case "started":
      return {
        ...run,
        status: "running",
        failure: null,
        epochs: event.epochs ?? 0,
        startEpoch: event.start_epoch ?? 0,
        batchesPerEpoch: event.batches_per_epoch ?? 0,
        epoch: event.start_epoch ?? 0,
        batch: 0,
        encoding: null,
        batchLosses: [],
        epochRows: [],
        runStartMs: nowMs,
        device: event.device ?? null,
        samples: event.samples ?? null,
      };
    case "batch": {
      const batches = event.batches || run.batchesPerEpoch || 1;
      let batchLosses = run.batchLosses;
      const loss = finiteOrNull(event.loss);
      if (loss !== null) {
        batchLosses = [...batchLosses, { x: event.epoch + event.batch / batches, loss }];
        if (batchLosses.length > MAX_BATCH_POINTS) batchLosses = halveSeries(batchLosses);
      }
      return { ...run, status: "running", epoch: event.epoch, batch: event.batch, batchesPerEpoch: batches, batchLosses };
    }
    case "epoch": {
      const val = event.val ?? null;
      const row = {
        epoch: event.epoch + 1,
        trainLoss: finiteOrNull(event.train_loss),
        recall1: finiteOrNull(val?.recall_at_1),
        recall3: finiteOrNull(val?.recall_at_3),
        mrr: finiteOrNull(val?.mrr),
        seconds: finiteOrNull(event.seconds),
        best: Boolean(event.best),
      };
      const epochRows = [...run.epochRows.filter((r) => r.epoch !== row.epoch), row];
      return { ...run, epochRows, epoch: event.epoch + 1, batch: 0 };
    }
    case "checkpoint":
      return { ...run, checkpoint: event.path ?? null };
    case "message":
      return { ...run, message: event.text ?? null };
    case "stopped":
      return { ...run, status: "stopped", checkpoint: event.checkpoint ?? run.checkpoint };
    case "finished":
      return { ...run, status: "finished", model: event.model ?? null, batch: 0 };
    case "failed":
      return { ...run, status: "failed", failure: event.message || event.code || t("training.unknownError") };
    default:
      return run;
  }
}

/** Batches done and to do in this run (resumed epochs excluded). */
function batchProgress(run) {
  const total = Math.max(0, run.epochs - run.startEpoch) * run.batchesPerEpoch;
  const done = Math.min(total, Math.max(0, run.epoch - run.startEpoch) * run.batchesPerEpoch + run.batch);
  return { done, total };
}

/** The progress bar's value in [0, 1], or null for an indeterminate bar. */
export function progressFraction(run) {
  if (run.status === "encoding") {
    return run.encoding?.total > 0 ? Math.min(1, run.encoding.done / run.encoding.total) : null;
  }
  if (run.status === "finished") return 1;
  if (run.status === "idle") return 0;
  const { done, total } = batchProgress(run);
  if (total > 0) return done / total;
  return run.epochs > 0 ? Math.min(1, run.epoch / run.epochs) : null;
}

/**
 * Seconds left, from this run's pace so far (wall clock since "started", so validation time is
 * included); null until a batch is done or when nothing is running.
 */
export function secondsLeft(run, nowMs) {
  if (run.status !== "running" || run.runStartMs === null) return null;
  const { done, total } = batchProgress(run);
  if (done === 0 || total === 0) return null;
  const elapsedSeconds = Math.max(0, nowMs - run.runStartMs) / 1000;
  return (elapsedSeconds / done) * (total - done);
}

/** "epoch 3/10 · 42 s left" and its variants for the other states. */
export function etaText(run, nowMs) {
  switch (run.status) {
    case "encoding": {
      const e = run.encoding;
      // An empty stage would leave a double space.
      return e && e.total > 0
        ? t("training.eta.encodingStage", { stage: e.stage, done: e.done, total: e.total }).replace(/\s+/g, " ")
        : t("training.eta.encoding");
    }
    case "running": {
      const current = Math.min(run.epoch + 1, run.epochs || run.epoch + 1);
      const epochPart = run.epochs > 0 ? t("training.eta.epochOf", { epoch: current, epochs: run.epochs }) : t("training.eta.epoch", { epoch: current });
      const left = secondsLeft(run, nowMs);
      return left === null ? epochPart : t("training.eta.left", { epoch: epochPart, duration: duration(left) });
    }
    case "finished":
      return run.epochs > 0 ? t("training.eta.epochsDone", { epoch: run.epoch, epochs: run.epochs }) : t("training.eta.done");
    case "stopped":
      return t("training.eta.stopped", { epoch: run.epoch + 1 });
    default:
      return "";
  }
}

/** A line of detail under the bar: what is being trained on, or where the result went. */
export function detailText(run) {
  switch (run.status) {
    case "running": {
      const about = [run.samples !== null ? t("training.detail.samples", { count: run.samples }) : null, run.device].filter(Boolean).join(" \u00b7 ");
      return run.message ?? about;
    }
    case "finished":
      return run.model ? t("training.detail.savedAs", { name: run.model.name }) : t("training.detail.saved");
    case "stopped":
      return run.checkpoint ? t("training.detail.stoppedKept", { checkpoint: run.checkpoint }) : t("training.detail.stopped");
    default:
      return run.message ?? "";
  }
}

// The status words; the status itself (run.status) is also the element's data-state.
const STATUS_TEXTS = {
  idle: () => t("training.status.idle"),
  encoding: () => t("training.status.encoding"),
  running: () => t("training.status.running"),
  finished: () => t("training.status.finished"),
  stopped: () => t("training.status.stopped"),
};

/** The status line: "idle", "encoding", "running", "finished", "stopped" or "failed: <message>". */
export function statusText(run) {
  if (run.status === "failed") return t("training.status.failed", { message: run.failure });
  return Object.hasOwn(STATUS_TEXTS, run.status) ? STATUS_TEXTS[run.status]() : run.status;
}

/** True while a run is in progress and the form should not start another. */
export function isActive(run) {
  return run.status === "encoding" || run.status === "running";
}

/**
 * A TrainRequest from the form's text fields, or {error} naming the first bad field. The app
 * checks these too; checking here gives the answer before anything starts.
 */
export function buildTrainRequest({ dataset, epochs, lr, batchSize, name }) {
  const datasetPath = String(dataset ?? "").trim();
  if (!datasetPath) return { error: t("training.invalid.dataset") };
  const epochCount = Number(epochs);
  if (!Number.isInteger(epochCount) || epochCount < 1) return { error: t("training.invalid.epochs") };
  const learningRate = Number(lr);
  if (!Number.isFinite(learningRate) || learningRate <= 0) return { error: t("training.invalid.lr") };
  const batch = Number(batchSize);
  if (!Number.isInteger(batch) || batch < 1) return { error: t("training.invalid.batch") };
  const modelName = String(name ?? "").trim();
  // The name becomes a folder under the data directory, so it cannot be a path.
  if (!modelName || /[\\/]/.test(modelName) || modelName === "." || modelName === "..") {
    return { error: t("training.invalid.name") };
  }
  return { request: { dataset: datasetPath, epochs: epochCount, lr: learningRate, batch_size: batch, name: modelName } };
}
