// The model of the Library's "Questions of the open pack" form: a question the user writes with
// its steps, each an action on one of the pack's boxes, checked as `add_question` checks it
// (crates/assistant/src/questions.rs) so the form says what is wrong before sending, and turned
// into that command's arguments. Plain objects and pure functions: node tests drive it.

/** The actions a step may ask for, as `add_question` names them (grounding's Action kinds). */
export const ACTION_KINDS = Object.freeze(["press", "hold", "turn", "slide", "open", "close"]);
/** A turn's direction: none said, or one of these. */
export const DIRECTIONS = Object.freeze(["", "clockwise", "anticlockwise"]);
export const MAX_QUESTION_CHARS = 300;
export const MAX_STEPS = 30;
const MAX_HOLD_SECONDS = 600;

/** A step on the first box, a press. */
export function emptyStep(buttons) {
  return { button: buttons[0]?.name ?? "", kind: "press", seconds: "", direction: "", to: "" };
}

/** A new form: no question yet, one step. */
export function createDraft(buttons) {
  return { question: "", steps: [emptyStep(buttons)] };
}

export function setQuestion(draft, question) {
  return { ...draft, question };
}

/** A step added after the last, on the box the last step used (often the next one is nearby). */
export function addStep(draft, buttons) {
  if (draft.steps.length >= MAX_STEPS) return draft;
  const last = draft.steps[draft.steps.length - 1];
  const step = { ...emptyStep(buttons), button: last?.button ?? buttons[0]?.name ?? "" };
  return { ...draft, steps: [...draft.steps, step] };
}

export function removeStep(draft, index) {
  if (draft.steps.length <= 1) return draft;
  return { ...draft, steps: draft.steps.filter((_, i) => i !== index) };
}

/** Step `index` moved by `delta` places (-1 earlier, +1 later), kept inside the list. */
export function moveStep(draft, index, delta) {
  const to = index + delta;
  if (to < 0 || to >= draft.steps.length || index < 0 || index >= draft.steps.length) return draft;
  const steps = [...draft.steps];
  [steps[index], steps[to]] = [steps[to], steps[index]];
  return { ...draft, steps };
}

/** Step `index` with `changes` (`button`, `kind`, `seconds`, `direction`, `to`). */
export function updateStep(draft, index, changes) {
  return { ...draft, steps: draft.steps.map((s, i) => (i === index ? { ...s, ...changes } : s)) };
}

/** Which free value a step's action takes: `seconds` (hold), `to` (turn, slide) or none. */
export function valueOf(kind) {
  if (kind === "hold") return "seconds";
  if (kind === "turn" || kind === "slide") return "to";
  return null;
}

/**
 * The first problem of `draft` for a pack with `buttons` whose listed questions are `listed`,
 * as {field, problem, params} (the field as `add_question` names it; the problem: `empty`,
 * `long`, `listed`, `noSteps`, `manySteps`, `button`, `action`, `seconds` or `target`), or null
 * when it can be sent.
 */
export function draftProblem(draft, buttons, listed = []) {
  const question = draft.question.trim();
  if (!question) return { field: "question", problem: "empty", params: {} };
  if ([...question].length > MAX_QUESTION_CHARS) {
    return { field: "question", problem: "long", params: { max: MAX_QUESTION_CHARS } };
  }
  if (listed.some((q) => q.trim().toLowerCase() === question.toLowerCase())) {
    return { field: "question", problem: "listed", params: {} };
  }
  if (draft.steps.length === 0) return { field: "steps", problem: "noSteps", params: {} };
  if (draft.steps.length > MAX_STEPS) {
    return { field: "steps", problem: "manySteps", params: { max: MAX_STEPS } };
  }
  const names = new Set(buttons.map((b) => b.name));
  for (const [i, step] of draft.steps.entries()) {
    const n = i + 1;
    if (!names.has(step.button)) {
      return { field: `steps[${i}].button`, problem: "button", params: { n } };
    }
    if (!ACTION_KINDS.includes(step.kind)) {
      return { field: `steps[${i}].action`, problem: "action", params: { n } };
    }
    if (step.kind === "hold" && step.seconds.trim() !== "") {
      const seconds = Number(step.seconds);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_HOLD_SECONDS) {
        return { field: `steps[${i}].action`, problem: "seconds", params: { n, max: MAX_HOLD_SECONDS } };
      }
    }
    if (valueOf(step.kind) === "to" && /[<>\n]/.test(step.to)) {
      return { field: `steps[${i}].action`, problem: "target", params: { n } };
    }
    if (step.kind === "turn" && !DIRECTIONS.includes(step.direction)) {
      return { field: `steps[${i}].action`, problem: "action", params: { n } };
    }
  }
  return null;
}

/** The action object `add_question` takes for a step. */
export function actionOf(step) {
  const text = (value) => (value.trim() === "" ? null : value.trim());
  switch (step.kind) {
    case "hold":
      return { kind: "hold", seconds: step.seconds.trim() === "" ? null : Number(step.seconds) };
    case "turn":
      return { kind: "turn", direction: step.direction || null, to: text(step.to) };
    case "slide":
      return { kind: "slide", to: text(step.to) };
    default:
      return { kind: step.kind };
  }
}

/** `add_question`'s arguments for pack `id`. */
export function toArguments(id, draft) {
  return {
    id,
    question: draft.question.trim(),
    steps: draft.steps.map((s) => ({ button: s.button, action: actionOf(s) })),
  };
}
