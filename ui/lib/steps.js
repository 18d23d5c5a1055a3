// The step-by-step walk through an answer: which step is shown, which candidate the user
// settled on at each step, which steps the camera saw done (follow along), and whether the walk
// is done. States are plain frozen objects so the view can compare and re-render them without
// hidden mutation.

import { t } from "./strings.js";

/** How many candidates (the chosen one included) "Other possibilities" draws from. */
export const ALTERNATIVES_SHOWN = 2;

/** The walk before any question was answered. */
export const NO_ANSWER = Object.freeze({
  answer: null,
  index: 0,
  chosen: Object.freeze([]),
  confirmed: Object.freeze([]),
  done: false,
});

/** Starts a walk at the first step with every step's best candidate chosen and none confirmed. */
export function startWalk(answer) {
  const steps = answer?.steps ?? [];
  return Object.freeze({
    answer,
    index: 0,
    chosen: Object.freeze(steps.map(() => 0)),
    confirmed: Object.freeze(steps.map(() => false)),
    // An answer without steps has nothing to walk through.
    done: steps.length === 0,
  });
}

function stepCount(walk) {
  return walk.answer?.steps?.length ?? 0;
}

function withChanges(walk, changes) {
  return Object.freeze({ ...walk, ...changes });
}

/** Goes one step on; from the last step the walk is done. */
export function nextStep(walk) {
  const count = stepCount(walk);
  if (count === 0 || walk.done) return walk;
  if (walk.index + 1 < count) return withChanges(walk, { index: walk.index + 1 });
  return withChanges(walk, { done: true });
}

/**
 * The camera saw step `stepNumber` (1-based) done: when it is the step shown, it is ticked and the
 * walk goes on as with `nextStep`. Any other number (a late or repeated event) changes nothing and
 * returns the same walk.
 */
export function confirmStep(walk, stepNumber) {
  if (stepCount(walk) === 0 || walk.done || stepNumber !== walk.index + 1) return walk;
  const confirmed = walk.confirmed.slice();
  confirmed[walk.index] = true;
  return nextStep(withChanges(walk, { confirmed: Object.freeze(confirmed) }));
}

/** Goes one step back; from "done" it returns to the last step. */
export function previousStep(walk) {
  const count = stepCount(walk);
  if (count === 0) return walk;
  if (walk.done) return withChanges(walk, { done: false, index: count - 1 });
  if (walk.index === 0) return walk;
  return withChanges(walk, { index: walk.index - 1 });
}

/** Back to the first step with the model's best candidates chosen again and no step confirmed. */
export function restartWalk(walk) {
  return walk.answer ? startWalk(walk.answer) : walk;
}

/** Makes candidate `candidateIndex` the chosen action of the current step. */
export function chooseCandidate(walk, candidateIndex) {
  const step = currentStep(walk);
  if (!step || !Number.isInteger(candidateIndex)) return walk;
  if (candidateIndex < 0 || candidateIndex >= step.step.candidates.length) return walk;
  if (walk.chosen[walk.index] === candidateIndex) return walk;
  const chosen = walk.chosen.slice();
  chosen[walk.index] = candidateIndex;
  return withChanges(walk, { chosen: Object.freeze(chosen) });
}

/**
 * The step being shown: its 1-based number, the total, the step, the chosen candidate (null when
 * the step has none) and whether the user overrode the model's first choice. Null when there is
 * no answer or the walk is done.
 */
export function currentStep(walk) {
  const count = stepCount(walk);
  if (count === 0 || walk.done) return null;
  const step = walk.answer.steps[walk.index];
  const candidateIndex = walk.chosen[walk.index] ?? 0;
  return {
    number: walk.index + 1,
    total: count,
    step,
    candidateIndex,
    candidate: step.candidates?.[candidateIndex] ?? null,
    overridden: candidateIndex !== 0,
  };
}

/**
 * The other possibilities for the current step: the top candidates other than the chosen one,
 * `ALTERNATIVES_SHOWN` of them, each with its index in the step's candidate list.
 */
export function alternatives(walk) {
  const current = currentStep(walk);
  if (!current) return [];
  const candidates = current.step.candidates ?? [];
  return candidates
    .slice(0, ALTERNATIVES_SHOWN + 1)
    .map((candidate, candidateIndex) => ({ candidate, candidateIndex }))
    .filter(({ candidateIndex }) => candidateIndex !== current.candidateIndex)
    .slice(0, ALTERNATIVES_SHOWN);
}

/** "Step 2 of 5", "Done", or "" before any answer. */
export function stepLabel(walk) {
  if (!walk.answer) return "";
  if (walk.done) return t("steps.done");
  const current = currentStep(walk);
  return current ? t("steps.label", { number: current.number, total: current.total }) : "";
}

/**
 * What the voice says for a step: "Step 2 of 3: turn Volume clockwise to 60 ml." (the action as
 * the step card writes it, without the angle brackets around a control's name). The same words
 * as assistant::voice::step_phrase.
 */
export function stepPhrase(number, total, action) {
  const text = String(action ?? "").replace(/[<>]/g, "").trim().replace(/\.+$/, "");
  const lowered = text.length > 0 ? text[0].toLowerCase() + text.slice(1) : text;
  return t("steps.phrase", { number, total, action: lowered });
}
