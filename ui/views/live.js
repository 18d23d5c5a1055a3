// The live view: pulls frames from frame://localhost/latest one request at a time, draws them
// fitted into the canvas, and outlines the target button on the frame, or on the reference photo
// when the frame cannot place it.

import { fitRect, scaleQuad, boxToQuad, quadAttribute, labelPosition, pointInQuad } from "../lib/geometry.js";
import { parseFrameHeaders, nextAfter, frameRequestUrl, FrameStats } from "../lib/frames.js";
import { overlayFor } from "../lib/overlay.js";
import { frameRateText, viewStatusText } from "../lib/format.js";
import { outlineStyle } from "../lib/outline.js";
import { renderOnNextFrame } from "./dom.js";
import { t } from "../lib/strings.js";

const FRAME_URL = "frame://localhost/latest";
const RETRY_AFTER_ERROR_MS = 500;
// The frame scheme holds a request up to 250 ms for a new frame; a 204 much faster than that
// means it is not waiting (no camera at all), so the loop paces itself instead of spinning.
const MIN_POLL_INTERVAL_MS = 120;
// A frame this old is no longer "live": the placeholder replaces it.
const STALE_FRAME_MS = 5000;
const STATS_INTERVAL_MS = 500;

const PLACEHOLDER_FONT = '500 15px "Inter", "Cantarell", "Noto Sans", "DejaVu Sans", system-ui, sans-serif';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sizes a canvas's backing store to its CSS box at the screen's pixel ratio; returns the CSS size. */
function fitBackingStore(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  const backingWidth = Math.max(1, Math.round(width * ratio));
  const backingHeight = Math.max(1, Math.round(height * ratio));
  if (canvas.width !== backingWidth || canvas.height !== backingHeight) {
    canvas.width = backingWidth;
    canvas.height = backingHeight;
  }
  canvas.getContext("2d").setTransform(ratio, 0, 0, ratio, 0, 0);
  return { width, height };
}

function tracePolygon(ctx, points) {
  ctx.beginPath();
  points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
  ctx.closePath();
}

/**
 * The target outline in `style` (lib/outline.js): a soft fill, then its strokes widest first (the
 * standard style's glow is wide translucent strokes, not shadowBlur, which the webview would
 * compute in software on every frame where there is no GPU).
 */
function drawTargetOutline(ctx, points, style, unsure = false) {
  ctx.save();
  // An unsure step is a dashed guess, never a confident solid box.
  if (unsure) ctx.setLineDash(style.dash);
  ctx.lineJoin = "round";
  tracePolygon(ctx, points);
  if (style.fill) {
    ctx.fillStyle = style.fill;
    ctx.fill();
  }
  for (const [colour, width] of style.strokes) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.stroke();
  }
  ctx.restore();
}

function roundedRect(ctx, x, y, width, height, radius) {
  ctx.beginPath();
  ctx.moveTo(x + radius, y);
  ctx.arcTo(x + width, y, x + width, y + height, radius);
  ctx.arcTo(x + width, y + height, x, y + height, radius);
  ctx.arcTo(x, y + height, x, y, radius);
  ctx.arcTo(x, y, x + width, y, radius);
  ctx.closePath();
}

/** Cuts `text` with an ellipsis so it measures at most `maxWidth`. */
function ellipsize(ctx, text, maxWidth) {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let end = text.length;
  while (end > 0 && ctx.measureText(`${text.slice(0, end)}\u2026`).width > maxWidth) end -= 1;
  return `${text.slice(0, end)}\u2026`;
}

/** The tag beside the outline: "Step i of n · action" and the confidence. */
function drawTargetLabel(ctx, points, style, text, confidence, canvasWidth, canvasHeight) {
  ctx.save();
  ctx.font = style.labelFont;
  ctx.textBaseline = "middle";
  const padding = 10;
  const height = style.labelHeight;
  const confidenceWidth = confidence ? ctx.measureText(confidence).width + padding * 2 : 0;
  const maxTextWidth = Math.max(40, canvasWidth - 16 - confidenceWidth - padding * 2);
  const shown = ellipsize(ctx, text, maxTextWidth);
  const textWidth = ctx.measureText(shown).width + padding * 2;
  const width = textWidth + confidenceWidth;
  const { x, y } = labelPosition(points, width, height, canvasWidth, canvasHeight);
  // A drop shadow as two offset translucent fills (shadowBlur is a software blur per frame).
  ctx.fillStyle = "rgba(0, 0, 0, 0.18)";
  roundedRect(ctx, x - 2, y, width + 4, height + 4, 9);
  ctx.fill();
  roundedRect(ctx, x - 1, y + 1, width + 2, height + 2, 8);
  ctx.fill();
  roundedRect(ctx, x, y, width, height, 7);
  ctx.fillStyle = style.labelFill;
  ctx.fill();
  ctx.fillStyle = style.labelInk;
  ctx.fillText(shown, x + padding, y + height / 2 + 1);
  if (confidence) {
    ctx.globalAlpha = 0.22;
    ctx.fillRect(x + textWidth, y, 1, height);
    ctx.globalAlpha = 1;
    ctx.fillText(confidence, x + textWidth + padding, y + height / 2 + 1);
  }
  ctx.restore();
}

/** Splits `text` into lines no wider than `maxWidth`. */
function wrapLines(ctx, text, maxWidth) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(candidate).width > maxWidth) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function cameraMessage(camera) {
  if (camera?.message) return camera.message;
  switch (camera?.status) {
    case "starting":
      return t("live.camera.starting");
    case "running":
      return t("live.camera.waiting");
    case "lost":
      return t("live.camera.lost");
    default:
      return t("live.camera.none");
  }
}

export function createLiveView() {
  const container = document.getElementById("live");
  const canvas = document.getElementById("live-canvas");
  const ctx = canvas.getContext("2d");
  const referencePanel = document.getElementById("reference-panel");
  const referenceCanvas = document.getElementById("reference-canvas");
  const referenceContext = referenceCanvas.getContext("2d");
  const referenceButton = document.getElementById("reference-button");
  const viewStatus = document.getElementById("view-status");
  const fpsElement = document.getElementById("fps");

  const stats = new FrameStats();
  const published = { fps: null, latencyMs: null, framesDrawn: 0, frameWidth: null, askToOverlayMs: null };
  window.pressnextStats = published;

  let outline = outlineStyle("standard");
  let after = 0;
  let bitmap = null;
  let frame = null;
  let frameShownAt = null;
  let camera = null;
  let target = null;
  let askStartedAt = null;
  let lastRegistrationError = null;
  const reference = { image: null, url: null, width: 0, height: 0 };
  let referenceKey = null;
  // The target outline on the live canvas in CSS pixels, for hovering over it.
  let targetPoints = null;

  /** The no-picture state: a camera glyph and the camera's message, centred in the first `messageWidth` pixels. */
  function drawPlaceholder(width, height, messageWidth) {
    const gradient = ctx.createRadialGradient(width / 2, height / 2, 0, width / 2, height / 2, Math.max(width, height) * 0.7);
    gradient.addColorStop(0, "#161a21");
    gradient.addColorStop(1, "#07080a");
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, width, height);

    // A camera glyph above the message.
    const cx = messageWidth / 2;
    const cy = height / 2 - 34;
    ctx.save();
    ctx.strokeStyle = "#3a4250";
    ctx.lineWidth = 2;
    roundedRect(ctx, cx - 26, cy - 16, 52, 34, 7);
    ctx.stroke();
    ctx.beginPath();
    ctx.arc(cx, cy + 1, 10, 0, Math.PI * 2);
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(cx - 10, cy - 16);
    ctx.lineTo(cx - 6, cy - 22);
    ctx.lineTo(cx + 6, cy - 22);
    ctx.lineTo(cx + 10, cy - 16);
    ctx.stroke();

    ctx.font = PLACEHOLDER_FONT;
    ctx.fillStyle = "#8c95a3";
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    wrapLines(ctx, cameraMessage(camera), Math.min(460, messageWidth * 0.8)).forEach((line, i) => {
      ctx.fillText(line, cx, cy + 34 + i * 22);
    });
    ctx.restore();
  }

  /** Draws the reference photo with the target boxed; returns true once something is on it. */
  function drawReference(button, box) {
    const image = reference.image;
    const loaded = image !== null && image.complete && image.naturalWidth > 0;
    const failed = image !== null && image.complete && image.naturalWidth === 0;
    const photoWidth = loaded ? image.naturalWidth : reference.width;
    const photoHeight = loaded ? image.naturalHeight : reference.height;
    if (photoWidth > 0 && photoHeight > 0) referenceCanvas.style.aspectRatio = `${photoWidth} / ${photoHeight}`;
    const size = fitBackingStore(referenceCanvas);
    const key = [reference.url, button, box && `${box.x},${box.y},${box.w},${box.h}`, Boolean(target?.unsure), size.width, size.height, loaded, failed].join("|");
    if (key === referenceKey) return true;
    referenceContext.clearRect(0, 0, size.width, size.height);
    if (!loaded) {
      referenceContext.fillStyle = "#8c95a3";
      referenceContext.font = PLACEHOLDER_FONT;
      referenceContext.textAlign = "center";
      referenceContext.textBaseline = "middle";
      referenceContext.fillText(failed ? t("live.reference.failed") : t("live.reference.loading"), size.width / 2, size.height / 2);
      referenceKey = failed ? key : null;
      return failed;
    }
    const fit = fitRect(photoWidth, photoHeight, size.width, size.height);
    // Not laid out (another tab is showing): nothing to draw until it is.
    if (!fit) return false;
    referenceContext.drawImage(image, fit.x, fit.y, fit.width, fit.height);
    if (box) drawTargetOutline(referenceContext, scaleQuad(boxToQuad(box), fit), outline, Boolean(target?.unsure));
    referenceKey = key;
    return true;
  }

  function recordAskToOverlay() {
    if (askStartedAt === null) return;
    const elapsed = Math.round(performance.now() - askStartedAt);
    askStartedAt = null;
    published.askToOverlayMs = elapsed;
    canvas.dataset.askToOverlayMs = String(elapsed);
  }

  // Called on every frame: touches the DOM only on a change, since each write costs the webview a
  // style and layout pass over the live view.
  function showViewStatus(text, inView) {
    const shown = text ?? "";
    if (viewStatus.textContent !== shown) viewStatus.textContent = shown;
    if (viewStatus.hidden !== !text) viewStatus.hidden = !text;
    const flag = String(Boolean(inView));
    if (viewStatus.dataset.inView !== flag) viewStatus.dataset.inView = flag;
  }

  function render() {
    const { width, height } = fitBackingStore(canvas);
    // While another tab is showing the canvas has no size: keep the last state, draw on return.
    if (!(width > 0 && height > 0)) return;
    const frameWidth = frame?.width ?? bitmap?.width;
    const frameHeight = frame?.height ?? bitmap?.height;
    const fit = bitmap ? fitRect(frameWidth, frameHeight, width, height) : null;
    const onScreen = fit ? frame : null;
    const overlay = overlayFor(target?.button ?? null, onScreen);
    const referenceHidden = overlay.mode !== "reference";
    if (referencePanel.hidden !== referenceHidden) referencePanel.hidden = referenceHidden;
    if (fit) {
      ctx.fillStyle = "#07080a";
      ctx.fillRect(0, 0, width, height);
      ctx.drawImage(bitmap, fit.x, fit.y, fit.width, fit.height);
      canvas.dataset.frameSeq = String(frame.seq ?? "");
    } else {
      // With the reference photo inset on the right, the message is centred in the space left of it.
      const messageWidth = overlay.mode === "reference" ? referencePanel.offsetLeft || width : width;
      drawPlaceholder(width, height, messageWidth);
      delete canvas.dataset.frameSeq;
    }

    canvas.dataset.overlay = overlay.mode;
    canvas.dataset.outline = outline.name;
    targetPoints = null;
    if (overlay.mode === "none") {
      delete canvas.dataset.targetButton;
      delete canvas.dataset.quad;
      const registration = onScreen?.registration;
      if (registration) showViewStatus(viewStatusText(registration.inView, registration.reason), registration.inView);
      else showViewStatus(null, false);
      return;
    }

    canvas.dataset.targetButton = target.button;
    showViewStatus(overlay.status, overlay.mode === "live");
    if (overlay.mode === "live") {
      canvas.dataset.quad = quadAttribute(overlay.quad);
      const points = scaleQuad(overlay.quad, fit);
      targetPoints = points;
      drawTargetOutline(ctx, points, outline, Boolean(target.unsure));
      drawTargetLabel(ctx, points, outline, target.label, target.confidence, width, height);
      recordAskToOverlay();
    } else {
      delete canvas.dataset.quad;
      referenceButton.textContent = target.button;
      referenceCanvas.dataset.targetButton = target.button;
      if (drawReference(target.button, target.box)) recordAskToOverlay();
    }
  }

  const queueRender = renderOnNextFrame(render);

  function dropFrame() {
    bitmap?.close();
    bitmap = null;
    frame = null;
    frameShownAt = null;
  }

  async function showFrame(response) {
    const parsed = parseFrameHeaders(response.headers);
    // Move past this frame even if it fails to decode, so a bad frame is not fetched again.
    after = nextAfter(after, parsed.seq);
    if (parsed.registrationError && parsed.registrationError !== lastRegistrationError) {
      console.warn(`frame ${parsed.seq}: ${parsed.registrationError}`);
    }
    lastRegistrationError = parsed.registrationError;
    const decoded = await createImageBitmap(await response.blob());
    bitmap?.close();
    bitmap = decoded;
    frame = parsed;
    const now = performance.now();
    frameShownAt = now;
    stats.frameDrawn(now, parsed.capturedMs === null ? null : Date.now() - parsed.capturedMs);
    render();
    published.framesDrawn = stats.framesDrawn;
    published.frameWidth = parsed.width;
    published.latencyMs = stats.latencyMs === null ? null : Math.round(stats.latencyMs);
  }

  function noNewFrame() {
    const stale = frameShownAt === null || performance.now() - frameShownAt > STALE_FRAME_MS;
    if (bitmap && (camera?.status !== "running" || stale)) dropFrame();
    if (!bitmap) render();
  }

  /** Device pixels across the frame as drawn: the backend sends frames no wider. */
  function shownFrameWidth() {
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = canvas.clientWidth;
    const cssHeight = canvas.clientHeight;
    if (!(cssWidth > 0 && cssHeight > 0)) return 0;
    if (!(frame?.width > 0 && frame?.height > 0)) return cssWidth * ratio;
    return fitRect(frame.width, frame.height, cssWidth, cssHeight).width * ratio;
  }

  async function requestFrame() {
    const requestedAt = performance.now();
    try {
      const url = frameRequestUrl(FRAME_URL, after, shownFrameWidth());
      return { response: await fetch(url, { cache: "no-store" }), requestedAt };
    } catch {
      return { response: null, requestedAt };
    }
  }

  // One request ahead: the next frame is fetched while this one is decoded and drawn, so the
  // frame rate is bounded by the slower of the two, not their sum.
  async function frameLoop() {
    let pending = requestFrame();
    for (;;) {
      const { response, requestedAt } = await pending;
      if (response === null) {
        await sleep(RETRY_AFTER_ERROR_MS);
        pending = requestFrame();
        continue;
      }
      try {
        if (response.status === 200) {
          after = nextAfter(after, parseFrameHeaders(response.headers).seq);
          pending = requestFrame();
          await showFrame(response);
        } else if (response.status === 204) {
          noNewFrame();
          const waited = performance.now() - requestedAt;
          if (waited < MIN_POLL_INTERVAL_MS) await sleep(MIN_POLL_INTERVAL_MS - waited);
          pending = requestFrame();
        } else {
          await sleep(RETRY_AFTER_ERROR_MS);
          pending = requestFrame();
        }
      } catch (reason) {
        console.warn("live frame dropped:", reason);
        await sleep(RETRY_AFTER_ERROR_MS);
        pending = requestFrame();
      }
    }
  }

  function publishRate() {
    const fps = stats.fps(performance.now());
    const live = fps !== null && fps > 0;
    published.fps = fps === null ? null : Math.round(fps * 10) / 10;
    published.latencyMs = stats.latencyMs === null ? null : Math.round(stats.latencyMs);
    fpsElement.textContent = frameRateText(fps, live ? stats.latencyMs : null);
  }

  new ResizeObserver(queueRender).observe(container);
  // Hovering the outlined button names the action, for when the label tag is cut short.
  canvas.addEventListener("mousemove", (event) => {
    const over = targetPoints !== null && pointInQuad([event.offsetX, event.offsetY], targetPoints);
    canvas.title = over ? `${target.label} \u00b7 ${target.confidence}` : "";
    canvas.style.cursor = over ? "help" : "";
  });

  return {
    /** How the target is outlined: a Settings `outline` value (standard, high_contrast, large). */
    setOutlineStyle(name) {
      if (outlineStyle(name).name === outline.name) return;
      outline = outlineStyle(name);
      referenceKey = null;
      queueRender();
    },

    start() {
      render();
      publishRate();
      setInterval(publishRate, STATS_INTERVAL_MS);
      frameLoop();
    },

    /** The camera's status (app state or a camera-status event). */
    setCamera(status) {
      // A new source may number its frames from zero again.
      if (camera && status && camera.source !== status.source) after = 0;
      camera = status;
      if (!bitmap) queueRender();
    },

    /** The active pack (PackDetail or null): its reference photo. */
    setPack(detail) {
      referenceKey = null;
      if (!detail) {
        reference.image = null;
        reference.url = null;
        queueRender();
        return;
      }
      reference.url = detail.reference_url;
      reference.width = detail.reference?.width ?? 0;
      reference.height = detail.reference?.height ?? 0;
      const image = new Image();
      image.decoding = "async";
      image.onload = image.onerror = () => {
        if (reference.image === image) queueRender();
      };
      image.src = detail.reference_url;
      reference.image = image;
      queueRender();
    },

    /**
     * The button to outline: {button, box, label, confidence, unsure}, or null. `startedAt`, given for the
     * first target of a new answer, is the Ask click's performance.now(), timed to the first overlay.
     */
    setTarget(next, startedAt = null) {
      target = next;
      askStartedAt = next ? startedAt : null;
      render();
    },
  };
}
