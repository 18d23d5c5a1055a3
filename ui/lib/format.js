// Text shown to the user: percentages, clock times, durations, reasons and labels.

const EM_DASH = "\u2014";

/** A probability in [0, 1] as a whole percent ("71%"); an em dash when it is not a number. */
export function percent(probability) {
  if (typeof probability !== "number" || !Number.isFinite(probability)) return EM_DASH;
  const clamped = Math.min(1, Math.max(0, probability));
  return `${Math.round(clamped * 100)}%`;
}

/**
 * The line under "why": the label read on the panel for the chosen control and when the
 * tutorial operates it (from the pack's timeline), else when the sentence is said.
 */
export function whyTimeText(why) {
  const label = why?.label ? `\u201c${why.label}\u201d on the panel \u00b7 ` : "";
  if (why?.moment != null) return `${label}operated at ${clockTime(why.moment)} in the tutorial`;
  return `${label}at ${clockTime(why?.start)}`;
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
  if (total < 60) return `${total} s`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return secs > 0 ? `${minutes} min ${secs} s` : `${minutes} min`;
}

// Why the registration found no appliance, as advice the user can follow.
const VIEW_ADVICE = {
  not_found: "point the camera at the appliance",
  too_blurred: "hold the camera still",
  too_small: "move closer",
  too_large: "move back",
  too_oblique: "face the panel more directly",
  poor_coverage: "show more of the panel",
  high_error: "hold the camera steady",
  degenerate: "hold the camera steady",
  no_frame: "no camera picture yet; choose a camera in Settings",
};

/** Advice for a registration reason code; unknown codes fall back to pointing at the appliance. */
export function viewAdvice(reason) {
  return VIEW_ADVICE[reason] ?? VIEW_ADVICE.not_found;
}

/** The view status line for the overlay mode. */
export function viewStatusText(inView, reason) {
  return inView ? "Appliance in view" : `Appliance not in view ${EM_DASH} ${viewAdvice(reason)}`;
}

/** The top bar's frame rate and latency ("24 fps · 38 ms"). */
export function frameRateText(fps, latencyMs) {
  const rate = Number.isFinite(fps) ? `${Math.round(fps)} fps` : `${EM_DASH} fps`;
  const latency = Number.isFinite(latencyMs) ? `${Math.max(0, Math.round(latencyMs))} ms` : `${EM_DASH} ms`;
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
  return device.reason ? `Active: ${active} ${EM_DASH} ${device.reason}` : `Active: ${active}`;
}

/** A model's label in the picker: name, kind and R@1 when it was evaluated. */
export function modelLabel(model) {
  const recall = model?.metrics?.recall_at_1;
  const metrics = Number.isFinite(recall) ? ` \u00b7 R@1 ${recall.toFixed(3)}` : "";
  return `${model.name} (${model.kind})${metrics}`;
}

/** "Answering as: <known question> (82% similar)", or null when the question itself is known. */
export function answeringAsText(answer) {
  if (!answer || answer.known || !answer.answering_as) return null;
  const similarity = Number.isFinite(answer.similarity) ? ` (${percent(answer.similarity)} similar)` : "";
  return `Answering as: ${answer.answering_as}${similarity}`;
}

/**
 * Where an answer comes from, above the step card: the part of the tutorial it follows, that the
 * tutorial does not seem to cover the question (with the closest parts it does cover), or the
 * listed question the model answers as. Null when there is nothing to say.
 */
export function answerSourceText(answer) {
  if (!answer) return null;
  if (answer.covered === false) {
    const closest = (answer.closest ?? []).map((s) => `\u201c${s.goal}\u201d at ${clockTime(s.start)}`);
    const tail = closest.length > 0 ? ` It covers: ${closest.join("; ")}.` : "";
    return `The tutorial does not seem to cover this question.${tail}`;
  }
  if (answer.span) return `From the tutorial at ${clockTime(answer.span.start)}: \u201c${answer.span.goal}\u201d`;
  return answeringAsText(answer);
}

/** "71% sure" for the step card; a step the answer is unsure of says so. */
export function confidenceText(probability, low = false) {
  const sure = `${percent(probability)} sure`;
  return low ? `${sure} \u00b7 unsure: check the other possibilities` : sure;
}

const CAMERA_STATES = {
  starting: "Starting",
  running: "Running",
  no_camera: "No camera",
  lost: "Lost",
  stopped: "Stopped",
};

/** The camera line in settings: state, picture size and rate when running, and the message. */
export function cameraStatusText(camera) {
  if (!camera) return "";
  const parts = [CAMERA_STATES[camera.status] ?? camera.status];
  if (camera.status === "running" && camera.width > 0 && camera.height > 0) {
    parts.push(`${camera.width}\u00d7${camera.height}${Number.isFinite(camera.fps) && camera.fps > 0 ? ` at ${Math.round(camera.fps)} fps` : ""}`);
  }
  if (camera.source) parts.push(camera.source);
  const line = parts.join(" \u00b7 ");
  return camera.message ? `${line} ${EM_DASH} ${camera.message}` : line;
}

/** The encoder weights line: which weights, or why they cannot be used. */
export function encodersText(encoders) {
  if (!encoders) return "";
  if (!encoders.ok) return encoders.message || "The encoder weights are missing.";
  return `Text: ${encoders.text} \u00b7 Image: ${encoders.image} \u00b7 ${encoders.root}`;
}

/**
 * What the window says of a spoken question heard in another language (`Heard` with `english`):
 * the words as heard, that the tutorial is in English, and where Whisper's English is.
 */
export function otherLanguageText(heard) {
  const language = heard?.language_name || heard?.language || "another language";
  return `Heard in ${language}: \u201c${heard?.text ?? ""}\u201d. This tutorial is in English: Whisper's English is in the question box \u2014 check it, then Ask.`;
}
