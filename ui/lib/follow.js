// Follow along: the app watches the live camera and moves to the next step by itself when it sees
// the shown step's control operated (docs/app.md, "Follow along"). Here: what a `follow` event does
// to the walk, and the texts of the step card's follow status line.

import { confirmStep, currentStep } from "./steps.js";
import { t } from "./strings.js";

const FOLLOW_EVENTS = ["confirmed", "wrong_control", "done"];

/** How long a "Step 1 done" or "That was …" line stays before the line watches again. */
export const CONFIRMED_SHOWN_MS = 2500;
export const WRONG_SHOWN_MS = 4000;

/** On by default while the camera runs; the user's own switch setting (true or false) wins. */
export function followDefault(cameraStatus, userChoice) {
  if (typeof userChoice === "boolean") return userChoice;
  return cameraStatus === "running";
}

/**
 * Whether an answer has steps to follow: covered, with steps whose best candidate names a button
 * (the check goes by those; `follow` fails with `follow.no_steps` otherwise).
 */
export function canFollow(answer) {
  const steps = answer?.steps ?? [];
  return answer?.covered !== false && steps.length > 0 && steps.every((step) => Boolean(step.candidates?.[0]?.button));
}

/** The 0-based step the check should wait for: the shown one, or the step count once done. */
export function followStepIndex(walk) {
  const count = walk.answer?.steps?.length ?? 0;
  return walk.done ? count : walk.index;
}

/** A button's name as the panel reads it (its label among the answer's candidates), else its id. */
export function buttonName(answer, buttonId) {
  if (!buttonId) return t("follow.anotherControl");
  for (const step of answer?.steps ?? []) {
    for (const candidate of step.candidates ?? []) {
      if (candidate.button === buttonId && candidate.label) return candidate.label;
    }
  }
  return buttonId;
}

/** A `follow` event payload checked for shape: {event, step (1-based), button}, or null. */
export function parseFollowEvent(payload) {
  if (!payload || !FOLLOW_EVENTS.includes(payload.event)) return null;
  if (!Number.isInteger(payload.step) || payload.step < 1) return null;
  return { event: payload.event, step: payload.step, button: typeof payload.button === "string" ? payload.button : "" };
}

/**
 * What a `follow` event does: the walk after it, what the status line shows (`shown`: {kind:
 * "confirmed" | "wrong" | "done", step, button}, or null), the cue to give (the same kinds, or
 * null) and whether the check must be told the step (`resync`). An event about a step other than
 * the one shown is stale (the user moved meanwhile) and changes nothing.
 */
export function applyFollowEvent(walk, payload) {
  const unchanged = { walk, shown: null, cue: null, resync: false };
  const event = parseFollowEvent(payload);
  if (!event || !canFollow(walk.answer)) return unchanged;
  const { step, button } = event;
  if (event.event === "done") {
    // It comes right after the last step's `confirmed`; a walk the user took back meanwhile stays.
    return walk.done ? { walk, shown: { kind: "done", step, button }, cue: "done", resync: false } : unchanged;
  }
  const current = currentStep(walk);
  if (!current || current.number !== step) return unchanged;
  if (event.event === "confirmed") {
    return { walk: confirmStep(walk, step), shown: { kind: "confirmed", step, button }, cue: "confirmed", resync: false };
  }
  // The check goes by the answer's own first choice; the alternative the user picked instead
  // counts as done, and the check is told to wait for the next step.
  if (current.overridden && current.candidate?.button === button) {
    return { walk: confirmStep(walk, step), shown: { kind: "confirmed", step, button }, cue: "confirmed", resync: true };
  }
  return { walk, shown: { kind: "wrong", step, button }, cue: "wrong", resync: false };
}

/**
 * The follow status of the step card (also its `data-follow`): `off`, `idle` (no steps to
 * follow), `unavailable` (`follow` failed for this answer), `no-camera`, `watching`, `confirmed`,
 * `wrong` or `done`, with what its text needs. `shown` is the last event's line (from
 * `applyFollowEvent`) while it is still shown.
 */
export function followStatus(walk, { on, cameraStatus, shown = null, failed = false }) {
  if (!on) return { kind: "off" };
  const answer = walk.answer;
  if (!canFollow(answer)) return { kind: "idle" };
  if (failed) return { kind: "unavailable" };
  if (walk.done) return { kind: "done" };
  if (cameraStatus !== "running") return { kind: "no-camera" };
  const current = currentStep(walk);
  if (shown?.kind === "confirmed") return { kind: "confirmed", step: shown.step, button: buttonName(answer, shown.button) };
  if (shown?.kind === "wrong") {
    const expected = current.candidate ? (current.candidate.label ?? current.candidate.button ?? null) : null;
    return { kind: "wrong", step: shown.step, button: buttonName(answer, shown.button), expected };
  }
  return { kind: "watching", step: current.number, action: current.candidate?.action ?? null };
}

/** The status line's text for a `followStatus`. */
export function followStatusText(status) {
  switch (status?.kind) {
    case "off":
      return t("follow.off");
    case "idle":
      return t("follow.idle");
    case "unavailable":
      return t("follow.unavailable");
    case "no-camera":
      return t("follow.noCamera");
    case "done":
      return t("follow.done");
    case "confirmed":
      return t("follow.confirmed", { step: status.step, button: status.button });
    case "wrong":
      return status.expected
        ? t("follow.wrongExpected", { button: status.button, expected: status.expected })
        : t("follow.wrong", { button: status.button });
    case "watching":
      return status.action
        ? t("follow.watchingAction", { step: status.step, action: status.action })
        : t("follow.watching", { step: status.step });
    default:
      return "";
  }
}

/** The step card's tick for the steps the camera saw done: "✓ Step 1 done", "✓ Steps 1 and 3 done". */
export function confirmedText(walk) {
  const numbers = (walk.confirmed ?? []).flatMap((confirmed, index) => (confirmed ? [index + 1] : []));
  if (numbers.length === 0) return "";
  if (numbers.length === 1) return t("follow.tickStep", { step: numbers[0] });
  return t("follow.tickSteps", { steps: numbers.slice(0, -1).join(", "), last: numbers.at(-1) });
}
