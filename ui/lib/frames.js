// Live frames: what a `frame://localhost/latest` response says about its frame, and the frame
// rate and latency the top bar shows.

import { isQuad } from "./geometry.js";

function integerHeader(headers, name) {
  const text = headers.get(name);
  if (text === null || text === undefined || text.trim() === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? Math.trunc(value) : null;
}

function normaliseButtons(buttons) {
  if (!Array.isArray(buttons)) return [];
  return buttons
    .filter((b) => b && typeof b.name === "string" && isQuad(b.quad))
    .map((b) => ({ name: b.name, quad: b.quad.map(([x, y]) => [x, y]) }));
}

/**
 * The `x-registration` header as {inView, buttons: [{name, quad}], reason, inliers, frameSeq}.
 * Returns {registration: null, error} when the header is absent or not the documented JSON, so a
 * bad header costs one frame's overlay, never the loop.
 */
export function parseRegistration(text) {
  if (text === null || text === undefined || text.trim() === "") {
    return { registration: null, error: null };
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { registration: null, error: `x-registration is not JSON: ${e.message}` };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return { registration: null, error: "x-registration is not a JSON object" };
  }
  const buttons = normaliseButtons(json.buttons);
  // A frame counts as in view only when the registration says so and placed at least the buttons
  // it lists; a malformed "in view" would otherwise draw nothing while claiming success.
  const inView = json.in_view === true;
  return {
    registration: {
      inView,
      buttons: inView ? buttons : [],
      reason: inView ? null : typeof json.reason === "string" ? json.reason : "not_found",
      inliers: Number.isFinite(json.inliers) ? json.inliers : null,
      frameSeq: Number.isFinite(json.frame_seq) ? json.frame_seq : null,
    },
    error: null,
  };
}

/**
 * The frame headers of a 200 response: {seq, width, height, capturedMs, registration,
 * registrationError}. Numbers that are absent or malformed are null. `headers` is anything with
 * a case-insensitive `get(name)`, such as fetch's Headers.
 */
export function parseFrameHeaders(headers) {
  const { registration, error } = parseRegistration(headers.get("x-registration"));
  return {
    seq: integerHeader(headers, "x-frame-seq"),
    width: integerHeader(headers, "x-frame-width"),
    height: integerHeader(headers, "x-frame-height"),
    capturedMs: integerHeader(headers, "x-frame-captured-ms"),
    registration,
    registrationError: error,
  };
}

/**
 * The URL of the next frame request: newer than `after`, and no wider than `shownWidth`, the
 * device pixels the frame takes on screen (omitted while unknown or zero: the canvas is hidden).
 */
export function frameRequestUrl(base, after, shownWidth) {
  const width = Math.round(shownWidth);
  return width > 0 ? `${base}?after=${after}&width=${width}` : `${base}?after=${after}`;
}

/** The `after` value of the next request: the newest sequence number drawn so far. */
export function nextAfter(previous, seq) {
  return Number.isInteger(seq) && seq > previous ? seq : previous;
}

/**
 * Smoothed frames per second and capture-to-screen latency. Smoothing the interval rather than
 * the rate keeps one late frame from swinging the shown fps wildly.
 */
export class FrameStats {
  constructor({ smoothing = 0.15, staleAfterMs = 2000 } = {}) {
    this.smoothing = smoothing;
    this.staleAfterMs = staleAfterMs;
    this.framesDrawn = 0;
    this.lastDrawnMs = null;
    this.meanIntervalMs = null;
    this.latencyMs = null;
  }

  /** Records a frame drawn at `nowMs` (a monotonic clock) with its capture latency in ms. */
  frameDrawn(nowMs, latencyMs) {
    if (this.lastDrawnMs !== null) {
      const interval = Math.max(0, nowMs - this.lastDrawnMs);
      this.meanIntervalMs = this.meanIntervalMs === null ? interval : this.#smooth(this.meanIntervalMs, interval);
    }
    if (Number.isFinite(latencyMs)) {
      this.latencyMs = this.latencyMs === null ? latencyMs : this.#smooth(this.latencyMs, latencyMs);
    }
    this.lastDrawnMs = nowMs;
    this.framesDrawn += 1;
  }

  /** Frames per second at `nowMs`: 0 once frames stopped coming, null before two frames. */
  fps(nowMs) {
    if (this.lastDrawnMs === null) return null;
    if (nowMs - this.lastDrawnMs > this.staleAfterMs) return 0;
    if (this.meanIntervalMs === null) return null;
    return this.meanIntervalMs > 0 ? 1000 / this.meanIntervalMs : null;
  }

  #smooth(mean, sample) {
    return mean + this.smoothing * (sample - mean);
  }
}
