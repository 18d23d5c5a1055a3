import { test } from "node:test";
import assert from "node:assert/strict";
import {
  NO_ANSWER,
  startWalk,
  nextStep,
  previousStep,
  restartWalk,
  chooseCandidate,
  confirmStep,
  currentStep,
  stepPhrase,
  alternatives,
  stepLabel,
} from "../lib/steps.js";

/** The button the walk points at now, or null. */
function targetButton(walk) {
  return currentStep(walk)?.candidate?.button ?? null;
}

function candidate(button, probability) {
  return { answer: `Press <${button}>`, action: "Press", button, box: { x: 1, y: 2, w: 3, h: 4 }, probability, score: 0 };
}

const answer = {
  question: "How do I brew?",
  known: true,
  steps: [
    { index: 0, why: null, candidates: [candidate("button1", 0.6), candidate("button2", 0.3), candidate("button3", 0.1)] },
    { index: 1, why: null, candidates: [candidate("button4", 0.7), candidate("button5", 0.2), candidate("button6", 0.05), candidate("button7", 0.05)] },
    { index: 2, why: null, candidates: [candidate("button8", 1)] },
  ],
};

test("a walk starts at step 1 with the best candidates", () => {
  const walk = startWalk(answer);
  assert.equal(stepLabel(walk), "Step 1 of 3");
  assert.equal(targetButton(walk), "button1");
  assert.deepEqual(walk.chosen, [0, 0, 0]);
  assert.deepEqual(walk.confirmed, [false, false, false]);
  assert.equal(currentStep(walk).overridden, false);
});

test("no answer: empty label, no step, no target, moves are no-ops", () => {
  assert.equal(stepLabel(NO_ANSWER), "");
  assert.equal(currentStep(NO_ANSWER), null);
  assert.equal(targetButton(NO_ANSWER), null);
  assert.equal(nextStep(NO_ANSWER), NO_ANSWER);
  assert.equal(previousStep(NO_ANSWER), NO_ANSWER);
  assert.equal(restartWalk(NO_ANSWER), NO_ANSWER);
  assert.equal(confirmStep(NO_ANSWER, 1), NO_ANSWER);
  assert.deepEqual(NO_ANSWER.confirmed, []);
  assert.deepEqual(alternatives(NO_ANSWER), []);
});

test("next walks to the last step, then to done, and stays done", () => {
  let walk = startWalk(answer);
  walk = nextStep(walk);
  assert.equal(stepLabel(walk), "Step 2 of 3");
  walk = nextStep(walk);
  assert.equal(stepLabel(walk), "Step 3 of 3");
  walk = nextStep(walk);
  assert.equal(walk.done, true);
  assert.equal(stepLabel(walk), "Done");
  assert.equal(currentStep(walk), null);
  assert.equal(targetButton(walk), null);
  assert.equal(nextStep(walk), walk);
});

test("back from done returns to the last step; back at step 1 stays", () => {
  let walk = startWalk(answer);
  assert.equal(previousStep(walk), walk);
  walk = nextStep(nextStep(nextStep(walk)));
  walk = previousStep(walk);
  assert.equal(walk.done, false);
  assert.equal(stepLabel(walk), "Step 3 of 3");
  walk = previousStep(walk);
  assert.equal(stepLabel(walk), "Step 2 of 3");
});

test("choosing an alternative changes the target of that step only", () => {
  let walk = nextStep(startWalk(answer));
  walk = chooseCandidate(walk, 2);
  assert.equal(targetButton(walk), "button6");
  assert.equal(currentStep(walk).overridden, true);
  assert.deepEqual(walk.chosen, [0, 2, 0]);
  assert.equal(targetButton(previousStep(walk)), "button1");
  // The choice is remembered when coming back to the step.
  assert.equal(targetButton(nextStep(previousStep(walk))), "button6");
});

test("choosing an invalid candidate or the chosen one changes nothing", () => {
  const walk = startWalk(answer);
  assert.equal(chooseCandidate(walk, -1), walk);
  assert.equal(chooseCandidate(walk, 3), walk);
  assert.equal(chooseCandidate(walk, 1.5), walk);
  assert.equal(chooseCandidate(walk, 0), walk);
  const done = nextStep(nextStep(nextStep(walk)));
  assert.equal(chooseCandidate(done, 1), done);
});

test("start over resets the step and the chosen alternatives", () => {
  let walk = chooseCandidate(nextStep(startWalk(answer)), 1);
  walk = restartWalk(walk);
  assert.equal(stepLabel(walk), "Step 1 of 3");
  assert.deepEqual(walk.chosen, [0, 0, 0]);
});

test("alternatives are the top three candidates other than the chosen one", () => {
  let walk = nextStep(startWalk(answer));
  assert.deepEqual(alternatives(walk).map((a) => a.candidateIndex), [1, 2]);
  walk = chooseCandidate(walk, 1);
  assert.deepEqual(alternatives(walk).map((a) => a.candidateIndex), [0, 2]);
  walk = chooseCandidate(walk, 3);
  assert.deepEqual(alternatives(walk).map((a) => a.candidateIndex), [0, 1]);
  walk = nextStep(walk);
  assert.deepEqual(alternatives(walk), []);
});

test("an answer without steps is done at once", () => {
  const walk = startWalk({ question: "q", known: true, steps: [] });
  assert.equal(walk.done, true);
  assert.equal(stepLabel(walk), "Done");
  assert.equal(nextStep(walk), walk);
  assert.equal(previousStep(walk), walk);
});

test("a step without candidates has no target", () => {
  const walk = startWalk({ steps: [{ index: 0, why: null, candidates: [] }] });
  assert.equal(currentStep(walk).candidate, null);
  assert.equal(targetButton(walk), null);
  assert.deepEqual(alternatives(walk), []);
});

test("walk states are frozen", () => {
  const walk = startWalk(answer);
  assert.ok(Object.isFrozen(walk));
  assert.ok(Object.isFrozen(walk.chosen));
  assert.ok(Object.isFrozen(chooseCandidate(walk, 1).chosen));
  assert.ok(Object.isFrozen(walk.confirmed));
  assert.ok(Object.isFrozen(NO_ANSWER.confirmed));
  const confirmed = confirmStep(walk, 1);
  assert.ok(Object.isFrozen(confirmed));
  assert.ok(Object.isFrozen(confirmed.confirmed));
});

test("confirming the shown step ticks it and goes on like next", () => {
  const walk = chooseCandidate(startWalk(answer), 1);
  const confirmed = confirmStep(walk, 1);
  assert.equal(stepLabel(confirmed), "Step 2 of 3");
  assert.deepEqual(confirmed.confirmed, [true, false, false]);
  // Everything else is as Next leaves it: the choice made on step 1 is kept.
  assert.deepEqual({ ...confirmed, confirmed: null }, { ...nextStep(walk), confirmed: null });
  assert.deepEqual(walk.confirmed, [false, false, false], "the earlier walk is unchanged");
});

test("confirming the last step finishes the walk", () => {
  let walk = startWalk(answer);
  walk = confirmStep(walk, 1);
  walk = confirmStep(walk, 2);
  walk = confirmStep(walk, 3);
  assert.equal(walk.done, true);
  assert.equal(stepLabel(walk), "Done");
  assert.deepEqual(walk.confirmed, [true, true, true]);
  assert.equal(confirmStep(walk, 3), walk, "nothing is left to confirm once done");
});

test("a stale or repeated step number changes nothing", () => {
  const walk = nextStep(startWalk(answer));
  assert.equal(confirmStep(walk, 1), walk, "an earlier step");
  assert.equal(confirmStep(walk, 3), walk, "a later step");
  assert.equal(confirmStep(walk, 0), walk);
  assert.equal(confirmStep(walk, 2.5), walk);
  assert.equal(confirmStep(walk, "2"), walk);
  assert.equal(confirmStep(walk, undefined), walk);
  const once = confirmStep(walk, 2);
  assert.equal(confirmStep(once, 2), once, "the same event twice");
});

test("moving keeps the ticks; start over clears them", () => {
  let walk = confirmStep(startWalk(answer), 1);
  walk = previousStep(walk);
  assert.equal(stepLabel(walk), "Step 1 of 3");
  assert.deepEqual(walk.confirmed, [true, false, false]);
  walk = restartWalk(confirmStep(walk, 1));
  assert.equal(stepLabel(walk), "Step 1 of 3");
  assert.deepEqual(walk.confirmed, [false, false, false]);
});

test("an answer without steps has nothing to confirm", () => {
  const walk = startWalk({ question: "q", covered: false, steps: [] });
  assert.deepEqual(walk.confirmed, []);
  assert.equal(confirmStep(walk, 1), walk);
});

test("a step is phrased for the voice as the card writes it", () => {
  assert.equal(stepPhrase(2, 3, "Turn <Volume> clockwise to 60 ml"), "Step 2 of 3: turn Volume clockwise to 60 ml.");
  assert.equal(stepPhrase(1, 1, "Press On/Off."), "Step 1 of 1: press On/Off.");
});
