import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyFollowEvent,
  buttonName,
  canFollow,
  confirmedText,
  followDefault,
  followStatus,
  followStatusText,
  followStepIndex,
  parseFollowEvent,
} from "../lib/follow.js";
import { NO_ANSWER, startWalk, nextStep, chooseCandidate, confirmStep, stepLabel } from "../lib/steps.js";
import { beep, prepareBeep } from "../views/beep.js";

function candidate(button, label, action, probability) {
  return { answer: `Press <${button}>`, action, button, label, box: null, probability, score: 0 };
}

// A coffee machine: On/Off, then the volume dial, then Lungo (with Clean as its alternative).
const answer = {
  question: "How do I make a lungo?",
  covered: true,
  steps: [
    { index: 0, why: null, candidates: [candidate("button4", "On/Off", "Press On/Off", 0.9), candidate("button9", "Steam", "Press Steam", 0.1)] },
    {
      index: 1,
      why: null,
      candidates: [candidate("button5", "Volume", "Turn Volume clockwise to 60 millilitres", 0.8), candidate("button2", null, "Press", 0.2)],
    },
    { index: 2, why: null, candidates: [candidate("button7", "Lungo", "Press Lungo", 0.7), candidate("button8", "Clean", "Press Clean", 0.3)] },
  ],
};

const running = { on: true, cameraStatus: "running" };
const statusText = (walk, options) => followStatusText(followStatus(walk, options));

test("follow along is on by default while the camera runs; the user's choice wins", () => {
  assert.equal(followDefault("running", null), true);
  assert.equal(followDefault("running", undefined), true);
  for (const status of ["starting", "no_camera", "lost", "stopped", null, undefined]) {
    assert.equal(followDefault(status, null), false, String(status));
  }
  assert.equal(followDefault("running", false), false);
  assert.equal(followDefault("no_camera", true), true);
  assert.equal(followDefault("lost", false), false);
});

test("a button is named by its label among the answer's candidates, else by its id", () => {
  assert.equal(buttonName(answer, "button4"), "On/Off");
  // An alternative's label counts too.
  assert.equal(buttonName(answer, "button8"), "Clean");
  assert.equal(buttonName(answer, "button2"), "button2", "a null label");
  assert.equal(buttonName(answer, "button11"), "button11", "a button of no candidate");
  assert.equal(buttonName(null, "button4"), "button4");
  assert.equal(buttonName(answer, ""), "another control");
});

test("only a covered answer whose steps name buttons can be followed", () => {
  assert.equal(canFollow(answer), true);
  assert.equal(canFollow(null), false);
  assert.equal(canFollow({ covered: false, steps: [], closest: [] }), false);
  assert.equal(canFollow({ ...answer, covered: false }), false);
  assert.equal(canFollow({ ...answer, steps: [] }), false);
  assert.equal(canFollow({ covered: true, steps: [{ candidates: [] }] }), false);
  assert.equal(canFollow({ covered: true, steps: [{ candidates: [{ button: null }] }] }), false);
  // Answers from before `covered` existed count as covered.
  assert.equal(canFollow({ steps: answer.steps }), true);
});

test("the check waits for the shown step, or the step count once done", () => {
  let walk = startWalk(answer);
  assert.equal(followStepIndex(walk), 0);
  walk = nextStep(walk);
  assert.equal(followStepIndex(walk), 1);
  walk = nextStep(nextStep(walk));
  assert.equal(walk.done, true);
  assert.equal(followStepIndex(walk), 3);
  assert.equal(followStepIndex(NO_ANSWER), 0);
});

test("the status line: off, no camera, nothing to follow, watching, done", () => {
  const walk = startWalk(answer);
  assert.equal(statusText(walk, { on: false, cameraStatus: "running" }), "Follow along is off");
  assert.equal(statusText(walk, { on: true, cameraStatus: "no_camera" }), "Follow along needs a running camera");
  assert.equal(statusText(walk, { on: true, cameraStatus: "lost" }), "Follow along needs a running camera");
  assert.equal(statusText(NO_ANSWER, running), "Follow along starts with the next answer's steps");
  assert.equal(statusText(startWalk({ covered: false, steps: [] }), running), "Follow along starts with the next answer's steps");
  assert.equal(statusText(walk, running), "Watching the camera for step 1: Press On/Off");
  assert.equal(statusText(nextStep(walk), running), "Watching the camera for step 2: Turn Volume clockwise to 60 millilitres");
  assert.equal(followStatus(walk, running).kind, "watching");
  const done = nextStep(nextStep(nextStep(walk)));
  assert.equal(statusText(done, running), "Done! All steps are finished.");
  assert.equal(statusText(walk, { ...running, failed: true }), "Follow along cannot check these steps");
});

test("the status line after an event: the step seen done, a wrong control", () => {
  const walk = nextStep(startWalk(answer));
  const confirmed = followStatus(walk, { ...running, shown: { kind: "confirmed", step: 1, button: "button4" } });
  assert.equal(confirmed.kind, "confirmed");
  assert.equal(followStatusText(confirmed), "Step 1 done: On/Off");
  const atLungo = nextStep(walk);
  const wrong = followStatus(atLungo, { ...running, shown: { kind: "wrong", step: 3, button: "button8" } });
  assert.equal(wrong.kind, "wrong");
  assert.equal(followStatusText(wrong), "That was Clean; the next button is Lungo");
  // The expected button is the step's chosen candidate.
  const chosen = chooseCandidate(atLungo, 1);
  assert.equal(
    statusText(chosen, { ...running, shown: { kind: "wrong", step: 3, button: "button4" } }),
    "That was On/Off; the next button is Clean",
  );
  assert.equal(followStatusText({ kind: "wrong", step: 1, button: "Steam", expected: null }), "That was Steam");
  assert.equal(followStatusText({ kind: "watching", step: 2, action: null }), "Watching the camera for step 2");
  assert.equal(followStatusText(null), "");
});

test("follow events are checked for shape", () => {
  assert.deepEqual(parseFollowEvent({ t: 3.2, event: "confirmed", step: 1, button: "button4" }), {
    event: "confirmed",
    step: 1,
    button: "button4",
  });
  assert.equal(parseFollowEvent(null), null);
  assert.equal(parseFollowEvent({ event: "pressed", step: 1, button: "button4" }), null);
  assert.equal(parseFollowEvent({ event: "confirmed", step: 0, button: "button4" }), null);
  assert.equal(parseFollowEvent({ event: "confirmed", step: "1", button: "button4" }), null);
  assert.equal(parseFollowEvent({ event: "done", step: 3 }).button, "");
});

test("confirmed ticks the shown step and moves on; done follows the last one", () => {
  let walk = startWalk(answer);
  let result = applyFollowEvent(walk, { t: 1, event: "confirmed", step: 1, button: "button4" });
  assert.equal(result.cue, "confirmed");
  assert.equal(result.resync, false);
  assert.deepEqual(result.shown, { kind: "confirmed", step: 1, button: "button4" });
  walk = result.walk;
  assert.equal(stepLabel(walk), "Step 2 of 3");
  assert.deepEqual(walk.confirmed, [true, false, false]);

  walk = applyFollowEvent(walk, { t: 2, event: "confirmed", step: 2, button: "button5" }).walk;
  result = applyFollowEvent(walk, { t: 3, event: "confirmed", step: 3, button: "button7" });
  walk = result.walk;
  assert.equal(walk.done, true);
  assert.equal(followStatusText(followStatus(walk, { ...running, shown: result.shown })), "Done! All steps are finished.");
  result = applyFollowEvent(walk, { t: 3, event: "done", step: 3, button: "button7" });
  assert.equal(result.cue, "done");
  assert.equal(result.walk, walk);
  assert.deepEqual(result.shown, { kind: "done", step: 3, button: "button7" });
});

test("stale, repeated and malformed events change nothing", () => {
  const walk = nextStep(startWalk(answer));
  const unchanged = (payload) => {
    const result = applyFollowEvent(walk, payload);
    assert.equal(result.walk, walk, JSON.stringify(payload));
    assert.equal(result.cue, null);
    assert.equal(result.shown, null);
  };
  unchanged({ event: "confirmed", step: 1, button: "button4" }); // repeated: step 1 is behind
  unchanged({ event: "confirmed", step: 3, button: "button7" }); // the user went back meanwhile
  unchanged({ event: "wrong_control", step: 1, button: "button9" });
  unchanged({ event: "done", step: 3, button: "button7" }); // not done: the user moved back
  unchanged({ event: "confirmed", step: "2" });
  unchanged(undefined);
  const none = applyFollowEvent(NO_ANSWER, { event: "confirmed", step: 1, button: "button4" });
  assert.equal(none.walk, NO_ANSWER);
  assert.equal(none.cue, null);
});

test("a wrong control keeps the step and says which one it was", () => {
  const walk = nextStep(nextStep(startWalk(answer)));
  const result = applyFollowEvent(walk, { t: 9, event: "wrong_control", step: 3, button: "button8" });
  assert.equal(result.walk, walk, "no move");
  assert.equal(result.cue, "wrong");
  assert.equal(followStatusText(followStatus(walk, { ...running, shown: result.shown })), "That was Clean; the next button is Lungo");
});

test("the alternative the user chose counts as done when pressed, and the check is told", () => {
  const walk = chooseCandidate(nextStep(nextStep(startWalk(answer))), 1);
  const result = applyFollowEvent(walk, { t: 9, event: "wrong_control", step: 3, button: "button8" });
  assert.equal(result.cue, "confirmed");
  assert.equal(result.resync, true);
  assert.equal(result.walk.done, true);
  assert.deepEqual(result.walk.confirmed, [false, false, true]);
});

test("the tick names the steps seen done", () => {
  let walk = startWalk(answer);
  assert.equal(confirmedText(walk), "");
  assert.equal(confirmedText(NO_ANSWER), "");
  walk = confirmStep(walk, 1);
  assert.equal(confirmedText(walk), "\u2713 Step 1 done");
  walk = confirmStep(walk, 2);
  assert.equal(confirmedText(walk), "\u2713 Steps 1 and 2 done");
  walk = confirmStep(walk, 3);
  assert.equal(confirmedText(walk), "\u2713 Steps 1, 2 and 3 done");
  const skipped = confirmStep(nextStep(startWalk(answer)), 2);
  assert.equal(confirmedText(skipped), "\u2713 Step 2 done");
});

// The sound cue runs in node too: it must never throw, with or without Web Audio.
test("the beep is silent without an AudioContext, or with one that fails", () => {
  const saved = globalThis.AudioContext;
  try {
    delete globalThis.AudioContext;
    assert.equal(beep(), false);
    assert.doesNotThrow(() => prepareBeep());
    globalThis.AudioContext = class {
      constructor() {
        throw new Error("no audio device");
      }
    };
    assert.equal(beep(), false);
    assert.doesNotThrow(() => prepareBeep());
  } finally {
    globalThis.AudioContext = saved;
  }
});

test("the beep is a short oscillator tone", () => {
  const saved = globalThis.AudioContext;
  const played = [];
  const param = () => ({ value: 0, setValueAtTime() {}, exponentialRampToValueAtTime() {} });
  globalThis.AudioContext = class {
    state = "suspended";
    currentTime = 5;
    destination = {};
    resume() {
      this.state = "running";
      return Promise.resolve();
    }
    createGain() {
      return { gain: param(), connect() {} };
    }
    createOscillator() {
      const oscillator = { frequency: param(), connect() {}, start: (at) => (oscillator.startAt = at), stop: (at) => played.push({ oscillator, stopAt: at }) };
      return oscillator;
    }
  };
  try {
    assert.equal(beep(880), true);
    assert.equal(played.length, 1);
    assert.equal(played[0].oscillator.frequency.value, 880);
    assert.equal(played[0].oscillator.startAt, 5);
    assert.ok(Math.abs(played[0].stopAt - 5.12) < 1e-9, "about 120 ms");
  } finally {
    globalThis.AudioContext = saved;
  }
});
