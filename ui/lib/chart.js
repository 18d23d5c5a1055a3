// The live training chart: batch losses as a thin line, each epoch's mean train loss as a dot,
// validation R@1 on a second axis. `layoutChart` is pure geometry; `drawChart` paints a layout.

import { t } from "./strings.js";

const MARGIN = { top: 14, right: 48, bottom: 34, left: 52 };

/** Round tick values covering [min, max] with about `count` intervals: {min, max, step, ticks}. */
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1, step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] };
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    // A flat series still needs a visible range around it.
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  const rawStep = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(rawStep));
  const fraction = rawStep / magnitude;
  const niceFraction = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  const step = niceFraction * magnitude;
  const niceMin = Math.floor(min / step + 1e-9) * step;
  const niceMax = Math.ceil(max / step - 1e-9) * step;
  const ticks = [];
  for (let v = niceMin; v <= niceMax + step * 1e-6; v += step) ticks.push(Number(v.toPrecision(12)));
  return { min: niceMin, max: niceMax, step, ticks };
}

/**
 * Averages `points` ({x, y} in pixels, x ascending) into one point per `bucketWidth` pixels so
 * a long run draws as many segments as the chart is wide, not one per batch.
 */
export function bucketPoints(points, bucketWidth = 1) {
  const out = [];
  let bucket = null;
  let sumX = 0;
  let sumY = 0;
  let n = 0;
  for (const p of points) {
    const key = Math.floor(p.x / bucketWidth);
    if (bucket !== null && key !== bucket) {
      out.push({ x: sumX / n, y: sumY / n });
      sumX = sumY = n = 0;
    }
    bucket = key;
    sumX += p.x;
    sumY += p.y;
    n += 1;
  }
  if (n > 0) out.push({ x: sumX / n, y: sumY / n });
  return out;
}

/**
 * Lays out the chart of `run` (batchLosses [{x, loss}] with x in epochs, epochRows, epochs) in a
 * `width` x `height` canvas: the plot rectangle, axes with ticks, and the three series in pixels.
 */
export function layoutChart(run, width, height) {
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    right: Math.max(MARGIN.left + 1, width - MARGIN.right),
    bottom: Math.max(MARGIN.top + 1, height - MARGIN.bottom),
  };
  const batchLosses = run.batchLosses ?? [];
  const rows = run.epochRows ?? [];
  const losses = [...batchLosses.map((p) => p.loss), ...rows.map((r) => r.trainLoss).filter((v) => v !== null)];
  const lastX = Math.max(1, run.epochs || 0, ...batchLosses.map((p) => p.x), ...rows.map((r) => r.epoch));
  const xAxis = niceTicks(0, lastX, Math.min(10, Math.ceil(lastX)));
  // Epochs are whole numbers: no ticks between them.
  const xTicks = xAxis.ticks.filter((t) => Number.isInteger(t));
  const lossAxis = losses.length > 0 ? niceTicks(Math.min(0, ...losses), Math.max(...losses), 4) : niceTicks(0, 1, 4);
  const recallAxis = { min: 0, max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] };

  const px = (x) => plot.left + ((x - xAxis.min) / (xAxis.max - xAxis.min)) * (plot.right - plot.left);
  const py = (axis, y) => plot.bottom - ((y - axis.min) / (axis.max - axis.min)) * (plot.bottom - plot.top);

  return {
    width,
    height,
    plot,
    xTicks: xTicks.map((t) => ({ value: t, position: px(t) })),
    lossTicks: lossAxis.ticks.map((t) => ({ value: t, position: py(lossAxis, t) })),
    recallTicks: recallAxis.ticks.map((t) => ({ value: t, position: py(recallAxis, t) })),
    batchLine: bucketPoints(batchLosses.map((p) => ({ x: px(p.x), y: py(lossAxis, p.loss) }))),
    epochDots: rows.filter((r) => r.trainLoss !== null).map((r) => ({ x: px(r.epoch), y: py(lossAxis, r.trainLoss) })),
    recallLine: rows.filter((r) => r.recall1 !== null).map((r) => ({ x: px(r.epoch), y: py(recallAxis, r.recall1) })),
    hasRecall: rows.some((r) => r.recall1 !== null),
  };
}

/** Tick label text: as few decimals as the value needs, at most three. */
export function tickLabel(value) {
  return String(Number(value.toFixed(3)));
}

/**
 * Paints a layout on a 2D context already scaled to CSS pixels. `colors`: {axis, grid, text,
 * batch, epoch, recall}; `font` a CSS font string.
 */
export function drawChart(ctx, layout, colors, font) {
  const { plot } = layout;
  ctx.clearRect(0, 0, layout.width, layout.height);
  ctx.font = font;
  ctx.lineWidth = 1;

  ctx.strokeStyle = colors.grid;
  ctx.fillStyle = colors.text;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const tick of layout.lossTicks) {
    ctx.beginPath();
    ctx.moveTo(plot.left, Math.round(tick.position) + 0.5);
    ctx.lineTo(plot.right, Math.round(tick.position) + 0.5);
    ctx.stroke();
    ctx.fillText(tickLabel(tick.value), plot.left - 6, tick.position);
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const tick of layout.xTicks) ctx.fillText(String(tick.value), tick.position, plot.bottom + 6);
  ctx.fillText(t("training.chart.epoch"), (plot.left + plot.right) / 2, plot.bottom + 19);

  ctx.save();
  ctx.translate(12, (plot.top + plot.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillStyle = colors.batch;
  ctx.fillText(t("training.chart.trainLoss"), 0, -6);
  ctx.restore();

  if (layout.hasRecall) {
    ctx.fillStyle = colors.recall;
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    for (const tick of layout.recallTicks) ctx.fillText(tickLabel(tick.value), plot.right + 6, tick.position);
    ctx.save();
    ctx.translate(layout.width - 8, (plot.top + plot.bottom) / 2);
    ctx.rotate(Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText(t("training.chart.valRecall"), 0, 0);
    ctx.restore();
  }

  ctx.strokeStyle = colors.axis;
  ctx.beginPath();
  ctx.moveTo(plot.left + 0.5, plot.top);
  ctx.lineTo(plot.left + 0.5, plot.bottom + 0.5);
  ctx.lineTo(plot.right, plot.bottom + 0.5);
  ctx.stroke();

  if (layout.batchLine.length > 1) {
    ctx.strokeStyle = colors.batch;
    ctx.lineWidth = 1;
    ctx.beginPath();
    layout.batchLine.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
    ctx.stroke();
  }

  ctx.fillStyle = colors.epoch;
  for (const p of layout.epochDots) {
    ctx.beginPath();
    ctx.arc(p.x, p.y, 4, 0, Math.PI * 2);
    ctx.fill();
  }

  if (layout.recallLine.length > 0) {
    ctx.strokeStyle = colors.recall;
    ctx.fillStyle = colors.recall;
    ctx.lineWidth = 2;
    ctx.beginPath();
    layout.recallLine.forEach((p, i) => (i === 0 ? ctx.moveTo(p.x, p.y) : ctx.lineTo(p.x, p.y)));
    ctx.stroke();
    for (const p of layout.recallLine) {
      ctx.beginPath();
      ctx.rect(p.x - 3, p.y - 3, 6, 6);
      ctx.fill();
    }
  }
}
