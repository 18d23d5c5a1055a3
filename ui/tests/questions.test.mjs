import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createDraft,
  setQuestion,
  addStep,
  removeStep,
  moveStep,
  updateStep,
  valueOf,
  draftProblem,
  toArguments,
  MAX_STEPS,
} from "../lib/questions.js";

const BUTTONS = [
  { name: "On/Off", x: 0, y: 0, w: 10, h: 10 },
  { name: "Dial", x: 20, y: 0, w: 10, h: 10 },
  { name: "Start", x: 40, y: 0, w: 10, h: 10 },
];

test("a question with its steps becomes add_question's arguments", () => {
  let d = setQuestion(createDraft(BUTTONS), "  How do I brew a lungo? ");
  d = updateStep(d, 0, { button: "Dial", kind: "turn", direction: "clockwise", to: " 60 ml " });
  d = addStep(d, BUTTONS);
  assert.equal(d.steps[1].button, "Dial", "a new step starts on the last step's control");
  d = updateStep(d, 1, { button: "Start", kind: "hold", seconds: "3" });
  d = addStep(d, BUTTONS);
  d = updateStep(d, 2, { button: "On/Off" });
  assert.equal(draftProblem(d, BUTTONS, []), null);
  assert.deepEqual(toArguments("abc", d), {
    id: "abc",
    question: "How do I brew a lungo?",
    steps: [
      { button: "Dial", action: { kind: "turn", direction: "clockwise", to: "60 ml" } },
      { button: "Start", action: { kind: "hold", seconds: 3 } },
      { button: "On/Off", action: { kind: "press" } },
    ],
  });
  // An empty hold, turn or slide value is left out (null), not sent as "".
  const bare = updateStep(updateStep(d, 0, { kind: "turn", direction: "", to: "" }), 1, { kind: "hold", seconds: "" });
  assert.deepEqual(
    toArguments("abc", bare).steps.slice(0, 2).map((s) => s.action),
    [
      { kind: "turn", direction: null, to: null },
      { kind: "hold", seconds: null },
    ],
  );
});

test("steps are added, moved and removed, never below one or above the limit", () => {
  let d = createDraft(BUTTONS);
  assert.equal(removeStep(d, 0).steps.length, 1);
  d = updateStep(addStep(d, BUTTONS), 1, { button: "Start" });
  d = moveStep(d, 1, -1);
  assert.deepEqual(
    d.steps.map((s) => s.button),
    ["Start", "On/Off"],
  );
  assert.equal(moveStep(d, 0, -1), d);
  assert.equal(moveStep(d, 1, 1), d);
  d = removeStep(d, 0);
  assert.deepEqual(
    d.steps.map((s) => s.button),
    ["On/Off"],
  );
  for (let i = 0; i < MAX_STEPS + 5; i += 1) d = addStep(d, BUTTONS);
  assert.equal(d.steps.length, MAX_STEPS);
});

test("each problem names the field add_question would name", () => {
  const ok = setQuestion(createDraft(BUTTONS), "how do i start?");
  const problem = (d, listed = []) => {
    const found = draftProblem(d, BUTTONS, listed);
    return found && [found.field, found.problem];
  };
  assert.deepEqual(problem(setQuestion(ok, "   ")), ["question", "empty"]);
  assert.deepEqual(problem(setQuestion(ok, "x".repeat(301))), ["question", "long"]);
  assert.deepEqual(problem(ok, ["How do I START?"]), ["question", "listed"]);
  assert.deepEqual(problem({ ...ok, steps: [] }), ["steps", "noSteps"]);
  assert.deepEqual(problem(updateStep(addStep(ok, BUTTONS), 1, { button: "Gone" })), ["steps[1].button", "button"]);
  assert.deepEqual(problem(updateStep(ok, 0, { kind: "hold", seconds: "-2" })), ["steps[0].action", "seconds"]);
  assert.deepEqual(problem(updateStep(ok, 0, { kind: "hold", seconds: "abc" })), ["steps[0].action", "seconds"]);
  assert.deepEqual(problem(updateStep(ok, 0, { kind: "slide", to: "<max>" })), ["steps[0].action", "target"]);
  assert.deepEqual(problem(updateStep(ok, 0, { kind: "jump" })), ["steps[0].action", "action"]);
  // A target typed for a press is not sent, so it is no problem.
  assert.equal(problem(updateStep(ok, 0, { to: "<x>" })), null);
});

test("which free value each action takes", () => {
  assert.deepEqual(
    ["press", "hold", "turn", "slide", "open", "close"].map(valueOf),
    [null, "seconds", "to", "to", null, null],
  );
});
