// Progress of opening a pack (encoding its folders once), folded from EncodeProgress events.

import { plural, t } from "./strings.js";

export const ENCODE_IDLE = Object.freeze({
  folders: 0,
  completed: 0,
  folder: null,
  done: 0,
  total: 0,
  outcome: null,
  warnings: Object.freeze([]),
});

/** The progress after `event`. Folder events are counted rather than indexed, so their base does not matter. */
export function applyEncodeEvent(progress, event) {
  switch (event?.event) {
    case "started":
      return { ...ENCODE_IDLE, folders: event.folders ?? 0 };
    case "frames":
      return { ...progress, folder: event.folder ?? progress.folder, done: event.done ?? 0, total: event.total ?? 0, outcome: null };
    case "folder":
      return {
        ...progress,
        completed: Math.min(progress.completed + 1, progress.folders || progress.completed + 1),
        folder: event.folder ?? progress.folder,
        done: 0,
        total: 0,
        outcome: outcomeText(event.outcome),
      };
    case "warning":
      return { ...progress, warnings: [...progress.warnings, `${event.folder}: ${event.message}`] };
    default:
      return progress;
  }
}

// The outcome's shape is the Rust side's enum: a plain word ("encoded", "cached"), or a tagged
// object; either way a word is shown.
function outcomeText(outcome) {
  if (typeof outcome === "string") return outcome.replaceAll("_", " ");
  if (outcome && typeof outcome === "object") {
    const tag = [outcome.kind, outcome.status, outcome.outcome].find((v) => typeof v === "string") ?? Object.keys(outcome)[0];
    if (tag) return tag.replaceAll("_", " ");
  }
  return t("library.encode.outcomeDone");
}

/** The progress bar's value in [0, 1], or null (indeterminate) before the folder count is known. */
export function encodeFraction(progress) {
  if (!(progress.folders > 0)) return null;
  const partial = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 0;
  return Math.min(1, (progress.completed + partial) / progress.folders);
}

/** One line under the bar: the folder being encoded and its frames, or the last folder's outcome. */
export function encodeText(progress) {
  const { folder, done, total, completed, folders: count } = progress;
  if (total > 0) {
    if (!(count > 1)) return t("library.encode.frames", { folder, done, total });
    return t("library.encode.framesOf", { folder, done, total, current: Math.min(completed + 1, count), count });
  }
  if (progress.outcome) return t("library.encode.outcome", { folder, outcome: progress.outcome, completed, count });
  if (count > 0) return plural("library.encode.folders", count);
  return t("library.encode.reading");
}

/**
 * What the Assist view shows while the pack given at start opens: the bar's value (null:
 * indeterminate) and a line. Once every folder is encoded the panel is read and the tutorial
 * grounded, which sends no progress of its own.
 */
export function openingStatus(progress) {
  if (progress.folders > 0 && progress.completed >= progress.folders) {
    return { fraction: null, text: t("library.encode.grounding") };
  }
  return { fraction: encodeFraction(progress), text: encodeText(progress) };
}
