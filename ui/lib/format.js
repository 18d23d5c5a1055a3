// Text shown to the user: percentages, clock times, durations, reasons and labels. The words
// come from the string catalogue (lib/strings.js); only numbers and separators are made here.

import { t } from "./strings.js";

const EM_DASH = "\u2014";

/** A probability in [0, 1] as a whole percent ("71%"); an em dash when it is not a number. */
export function percent(probability) {
  if (typeof probability !== "number" || !Number.isFinite(probability)) return EM_DASH;
  const clamped = Math.min(1, Math.max(0, probability));
  return t("format.percent", { percent: Math.round(clamped * 100) });
}

/**
 * The line under "why": the label read on the panel for the chosen control and when the
 * tutorial operates it (from the pack's timeline), else when the sentence is said.
 */
export function whyTimeText(why) {
  const label = why?.label;
  if (why?.moment != null) {
    const time = clockTime(why.moment);
    return label ? t("assist.why.labelOperatedAt", { label, time }) : t("assist.why.operatedAt", { time });
  }
  const time = clockTime(why?.start);
  return label ? t("assist.why.labelAt", { label, time }) : t("assist.why.at", { time });
}

/** Seconds as a video timestamp: "mm:ss", or "h:mm:ss" from one hour on. */
export function clockTime(seconds) {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hours > 0 ? `${hours}:${two(minutes)}:${two(secs)}` : `${two(minutes)}:${two(secs)}`;
}

/** A remaining time in words: "42 s", "3 min 5 s", "1 h 2 min". */
export function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return EM_DASH;
  const total = Math.round(seconds);
  if (total < 60) return t("format.seconds", { seconds: total });
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return minutes > 0 ? t("format.hoursMinutes", { hours, minutes }) : t("format.hours", { hours });
  return secs > 0 ? t("format.minutesSeconds", { minutes, seconds: secs }) : t("format.minutes", { minutes });
}

// Why the registration found no appliance, as advice the user can follow (looked up when shown,
// so that the language in use then is the one shown).
const VIEW_ADVICE = {
  not_found: () => t("live.advice.notFound"),
  too_blurred: () => t("live.advice.tooBlurred"),
  too_small: () => t("live.advice.tooSmall"),
  too_large: () => t("live.advice.tooLarge"),
  too_oblique: () => t("live.advice.tooOblique"),
  poor_coverage: () => t("live.advice.poorCoverage"),
  high_error: () => t("live.advice.holdSteady"),
  degenerate: () => t("live.advice.holdSteady"),
  no_frame: () => t("live.advice.noFrame"),
};

/** Advice for a registration reason code; unknown codes fall back to pointing at the appliance. */
export function viewAdvice(reason) {
  return (Object.hasOwn(VIEW_ADVICE, reason) ? VIEW_ADVICE[reason] : VIEW_ADVICE.not_found)();
}

/** The view status line for the overlay mode. */
export function viewStatusText(inView, reason) {
  return inView ? t("live.view.inView") : t("live.view.notInView", { advice: viewAdvice(reason) });
}

/** The top bar's frame rate and latency ("24 fps · 38 ms"). */
export function frameRateText(fps, latencyMs) {
  const rate = t("app.frameRate.fps", { fps: Number.isFinite(fps) ? Math.round(fps) : EM_DASH });
  const latency = t("app.frameRate.ms", { ms: Number.isFinite(latencyMs) ? Math.max(0, Math.round(latencyMs)) : EM_DASH });
  return `${rate} \u00b7 ${latency}`;
}

/** The compute device badge: "cpu" → "CPU", "cuda:0" → "CUDA:0". */
export function deviceBadge(device) {
  return typeof device === "string" && device.length > 0 ? device.toUpperCase() : EM_DASH;
}

/** "Active: CPU — <reason>" for the settings panel. */
export function deviceInfoText(device) {
  if (!device) return "";
  const active = deviceBadge(device.active);
  return device.reason ? t("settings.device.activeWithReason", { device: active, reason: device.reason }) : t("settings.device.active", { device: active });
}

/** A model's label in the picker: name, kind and R@1 when it was evaluated. */
export function modelLabel(model) {
  const recall = model?.metrics?.recall_at_1;
  const { name, kind } = model;
  return Number.isFinite(recall) ? t("settings.model.optionWithRecall", { name, kind, recall: recall.toFixed(3) }) : t("settings.model.option", { name, kind });
}

/** "Answering as: <known question> (82% similar)", or null when the question itself is known. */
export function answeringAsText(answer) {
  if (!answer || answer.known || !answer.answering_as) return null;
  const question = answer.answering_as;
  return Number.isFinite(answer.similarity)
    ? t("assist.source.answeringAsSimilar", { question, similarity: percent(answer.similarity) })
    : t("assist.source.answeringAs", { question });
}

/**
 * Where an answer comes from, above the step card: the part of the tutorial it follows, that the
 * tutorial does not seem to cover the question (with the closest parts it does cover), or the
 * listed question the model answers as. Null when there is nothing to say.
 */
export function answerSourceText(answer) {
  if (!answer) return null;
  if (answer.covered === false) {
    const closest = (answer.closest ?? []).map((s) => t("assist.source.closest", { goal: s.goal, time: clockTime(s.start) }));
    return closest.length > 0 ? t("assist.source.notCoveredClosest", { closest: closest.join("; ") }) : t("assist.source.notCovered");
  }
  if (answer.span) return t("assist.source.span", { time: clockTime(answer.span.start), goal: answer.span.goal });
  return answeringAsText(answer);
}

/** "71% sure" for the step card; a step the answer is unsure of says so. */
export function confidenceText(probability, low = false) {
  const params = { percent: percent(probability) };
  return low ? t("assist.confidence.unsure", params) : t("assist.confidence.sure", params);
}

const CAMERA_STATES = {
  starting: () => t("settings.camera.state.starting"),
  running: () => t("settings.camera.state.running"),
  no_camera: () => t("settings.camera.state.noCamera"),
  lost: () => t("settings.camera.state.lost"),
  stopped: () => t("settings.camera.state.stopped"),
};

/** The camera line in settings: state, picture size and rate when running, and the message. */
export function cameraStatusText(camera) {
  if (!camera) return "";
  const parts = [Object.hasOwn(CAMERA_STATES, camera.status) ? CAMERA_STATES[camera.status]() : camera.status];
  if (camera.status === "running" && camera.width > 0 && camera.height > 0) {
    const { width, height } = camera;
    parts.push(
      Number.isFinite(camera.fps) && camera.fps > 0
        ? t("settings.camera.sizeAt", { width, height, fps: Math.round(camera.fps) })
        : t("settings.camera.size", { width, height }),
    );
  }
  if (camera.source) parts.push(camera.source);
  const line = parts.join(" \u00b7 ");
  return camera.message ? `${line} ${EM_DASH} ${camera.message}` : line;
}

/** The encoder weights line: which weights, or why they cannot be used. */
export function encodersText(encoders) {
  if (!encoders) return "";
  if (!encoders.ok) return encoders.message || t("settings.encoders.missing");
  return t("settings.encoders.line", { text: encoders.text, image: encoders.image, root: encoders.root });
}

/**
 * What the window says of a spoken question heard in another language (`Heard` with `english`):
 * the words as heard, that the tutorial is in English, and where Whisper's English is.
 */
export function otherLanguageText(heard) {
  const language = heard?.language_name || heard?.language || t("assist.voice.anotherLanguage");
  return t("assist.voice.otherLanguage", { language, text: heard?.text ?? "" });
}
