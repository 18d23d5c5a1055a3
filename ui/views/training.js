// The training section of Settings: the form, live progress from the run's channel, the loss
// chart and the per-epoch metrics. The run itself is on the Rust side; this only listens.

import { invokeCommand, createChannel } from "../backend.js";
import { showError } from "./error-banner.js";
import {
  IDLE,
  fromAppState,
  applyTrainEvent,
  progressFraction,
  etaText,
  statusText,
  detailText,
  isActive,
  buildTrainRequest,
} from "../lib/training.js";
import { layoutChart, drawChart } from "../lib/chart.js";
import { byId, renderOnNextFrame } from "./dom.js";
import { t, plural } from "../lib/strings.js";

const ETA_TICK_MS = 1000;
const CHART_FONT = '11px "Inter", "Cantarell", "Noto Sans", "DejaVu Sans", system-ui, sans-serif';

function fixed(value, digits) {
  return value === null ? "\u2014" : value.toFixed(digits);
}

/**
 * `onFinished(model)` is told when a run saved a model; `useModel(name)` saves settings with that
 * model and resolves to whether it worked.
 */
export function createTrainingView({ onFinished, useModel }) {
  const dataset = byId("train-dataset");
  const fromPacks = byId("train-from-packs");
  const fromPacksStatus = byId("train-from-packs-status");
  const epochs = byId("train-epochs");
  const lr = byId("train-lr");
  const batch = byId("train-batch");
  const name = byId("train-name");
  const startButton = byId("train-start");
  const stopButton = byId("train-stop");
  const progress = byId("train-progress");
  const eta = byId("train-eta");
  const status = byId("train-status");
  const message = byId("train-message");
  const activate = byId("train-activate");
  const chart = byId("train-chart");
  const metricsBody = byId("train-metrics").querySelector("tbody");

  let run = IDLE;
  // Between start_training's call and the run's first event.
  let starting = false;
  // True when this page holds the run's channel; a run only known from the app state is not.
  let ownRun = false;
  let shownRows = null;

  function renderChart() {
    const ratio = window.devicePixelRatio || 1;
    const width = chart.clientWidth;
    const height = chart.clientHeight;
    if (width === 0 || height === 0) return;
    if (chart.width !== Math.round(width * ratio) || chart.height !== Math.round(height * ratio)) {
      chart.width = Math.round(width * ratio);
      chart.height = Math.round(height * ratio);
    }
    const ctx = chart.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const style = getComputedStyle(chart);
    const color = (name) => style.getPropertyValue(name).trim();
    drawChart(
      ctx,
      layoutChart(run, width, height),
      {
        axis: color("--chart-axis"),
        grid: color("--chart-grid"),
        text: color("--chart-text"),
        batch: color("--chart-batch"),
        epoch: color("--chart-epoch"),
        recall: color("--chart-recall"),
      },
      CHART_FONT,
    );
  }

  function renderMetrics() {
    if (shownRows === run.epochRows) return;
    shownRows = run.epochRows;
    metricsBody.replaceChildren(
      ...run.epochRows.map((row) => {
        const tr = document.createElement("tr");
        tr.classList.toggle("best", row.best);
        for (const text of [String(row.epoch), fixed(row.trainLoss, 4), fixed(row.recall1, 3), fixed(row.recall3, 3), fixed(row.mrr, 3), fixed(row.seconds, 1)]) {
          const td = document.createElement("td");
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
  }

  function render() {
    const text = statusText(run);
    status.textContent = text;
    status.title = text;
    status.dataset.state = run.status;
    const fraction = progressFraction(run);
    if (fraction === null) progress.removeAttribute("value");
    else progress.value = fraction;
    eta.textContent = etaText(run, performance.now());
    message.textContent = detailText(run);
    const active = isActive(run) || starting;
    startButton.disabled = active;
    stopButton.disabled = !isActive(run);
    activate.hidden = !(run.status === "finished" && run.model && !run.model.active);
    renderChart();
    renderMetrics();
  }

  const queueRender = renderOnNextFrame(render);

  function onEvent(event) {
    starting = false;
    run = applyTrainEvent(run, event, performance.now());
    if (event.event === "finished" && run.model) onFinished(run.model);
    if (event.event === "failed") showError({ code: event.code || "training.failed", message: event.message || t("training.failedOnError") });
    queueRender();
  }

  // The open packs' questions with steps, gathered as a dataset (`packs_training_set`), fill
  // the dataset field.
  fromPacks.addEventListener("click", async () => {
    fromPacks.disabled = true;
    fromPacksStatus.textContent = "";
    const result = await invokeCommand("packs_training_set");
    fromPacks.disabled = false;
    if (!result.ok) return;
    dataset.value = result.value.dataset;
    fromPacksStatus.textContent = plural("training.fromPacks", result.value.questions, { packs: result.value.appliances.join(", ") });
  });

  async function start() {
    const built = buildTrainRequest({ dataset: dataset.value, epochs: epochs.value, lr: lr.value, batchSize: batch.value, name: name.value });
    if (built.error) {
      showError({ code: "training.invalid", message: built.error });
      return;
    }
    run = IDLE;
    starting = true;
    ownRun = true;
    render();
    const result = await invokeCommand("start_training", { request: built.request, onEvent: createChannel(onEvent) });
    if (!result.ok) starting = false;
    render();
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", async () => {
    stopButton.disabled = true;
    const result = await invokeCommand("stop_training");
    if (!result.ok) render();
  });
  activate.addEventListener("click", async () => {
    if (!run.model) return;
    activate.disabled = true;
    const used = await useModel(run.model.name);
    activate.disabled = false;
    if (used) {
      run = { ...run, model: { ...run.model, active: true } };
      render();
    }
  });
  new ResizeObserver(queueRender).observe(chart);
  setInterval(() => {
    if (run.status === "running") queueRender();
  }, ETA_TICK_MS);

  return {
    /** A run the app reports (AppState.training) that this page has no channel for. */
    showAppState(training) {
      if (ownRun) return;
      run = fromAppState(training);
      queueRender();
    },
  };
}
