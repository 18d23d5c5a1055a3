// The Library's "Questions of the open pack": the questions the pack lists, and a form to add one
// with its steps (an action on one of the pack's boxes each). Add question sends `add_question`,
// which writes it to the pack's label file (it also becomes training data), and the pack opens
// again so its answers list it. The model is ../lib/questions.js.

import { invokeCommand } from "../backend.js";
import {
  ACTION_KINDS,
  DIRECTIONS,
  createDraft,
  setQuestion,
  addStep,
  removeStep,
  moveStep,
  updateStep,
  valueOf,
  draftProblem,
  toArguments,
} from "../lib/questions.js";
import { t, plural } from "../lib/strings.js";
import { byId, element } from "./dom.js";

// What the window says for each action, direction, step control and problem (literal keys, so
// the catalogue's test sees them).
const KIND_TEXT = {
  press: () => t("questions.kind.press"),
  hold: () => t("questions.kind.hold"),
  turn: () => t("questions.kind.turn"),
  slide: () => t("questions.kind.slide"),
  open: () => t("questions.kind.open"),
  close: () => t("questions.kind.close"),
};
const DIRECTION_TEXT = {
  "": () => t("questions.direction.any"),
  clockwise: () => t("questions.direction.clockwise"),
  anticlockwise: () => t("questions.direction.anticlockwise"),
};
const STEP_LABEL = {
  kind: (n) => t("questions.step.kind", { n }),
  button: (n) => t("questions.step.button", { n }),
  direction: (n) => t("questions.step.direction", { n }),
  seconds: (n) => t("questions.step.seconds", { n }),
  to: (n) => t("questions.step.to", { n }),
  up: (n) => t("questions.step.up", { n }),
  down: (n) => t("questions.step.down", { n }),
  remove: (n) => t("questions.step.remove", { n }),
};
const PLACEHOLDER = {
  seconds: () => t("questions.step.secondsPlaceholder"),
  to: () => t("questions.step.toPlaceholder"),
};
const PROBLEM_TEXT = {
  empty: (p) => t("questions.problem.empty", p),
  long: (p) => t("questions.problem.long", p),
  listed: (p) => t("questions.problem.listed", p),
  noSteps: (p) => t("questions.problem.noSteps", p),
  manySteps: (p) => t("questions.problem.manySteps", p),
  button: (p) => t("questions.problem.button", p),
  action: (p) => t("questions.problem.action", p),
  seconds: (p) => t("questions.problem.seconds", p),
  target: (p) => t("questions.problem.target", p),
};

/** `reopen(folder, appliance)` opens a pack folder again (the Library's open, with progress). */
export function createQuestionEditor({ reopen }) {
  const card = byId("question-editor");
  const listed = byId("question-list");
  const none = byId("question-none");
  const questionInput = byId("question-text");
  const stepsList = byId("question-steps");
  const addStepButton = byId("question-add-step");
  const saveButton = byId("question-save");
  const problem = byId("question-problem");
  const status = byId("question-status");

  let pack = null;
  let draft = null;
  let saving = false;

  function select(role, n, options, value) {
    const node = element("select");
    node.dataset.role = role;
    node.setAttribute("aria-label", STEP_LABEL[role](n));
    for (const [optionValue, text] of options) {
      const option = element("option", null, text);
      option.value = optionValue;
      node.append(option);
    }
    node.value = value;
    return node;
  }

  function input(role, n, value, type = "text") {
    const node = element("input");
    node.type = type;
    node.dataset.role = role;
    node.value = value;
    node.autocomplete = "off";
    node.setAttribute("aria-label", STEP_LABEL[role](n));
    node.placeholder = PLACEHOLDER[role]();
    return node;
  }

  function button(role, n, text, disabled) {
    const node = element("button", null, text);
    node.type = "button";
    node.dataset.role = role;
    node.disabled = disabled;
    node.setAttribute("aria-label", STEP_LABEL[role](n));
    return node;
  }

  /** Redraws the steps, keeping focus on the same control of the same step. */
  function renderSteps() {
    const focused = document.activeElement;
    const keep = stepsList.contains(focused) ? [focused.closest("li")?.dataset.index, focused.dataset.role] : null;
    stepsList.replaceChildren();
    const buttons = pack?.buttons ?? [];
    draft.steps.forEach((step, i) => {
      const n = i + 1;
      const item = element("li", "question-step");
      item.dataset.index = String(i);
      item.append(
        select(
          "kind",
          n,
          ACTION_KINDS.map((k) => [k, KIND_TEXT[k]()]),
          step.kind,
        ),
        select(
          "button",
          n,
          buttons.map((b) => [b.name, b.name]),
          step.button,
        ),
      );
      if (step.kind === "turn") {
        item.append(select("direction", n, DIRECTIONS.map((d) => [d, DIRECTION_TEXT[d]()]), step.direction));
      }
      const value = valueOf(step.kind);
      if (value === "seconds") item.append(input("seconds", n, step.seconds, "number"));
      if (value === "to") item.append(input("to", n, step.to));
      item.append(
        button("up", n, "\u2191", i === 0),
        button("down", n, "\u2193", i === draft.steps.length - 1),
        button("remove", n, t("questions.remove"), draft.steps.length === 1),
      );
      stepsList.append(item);
    });
    if (keep) {
      const again = stepsList.querySelector(`li[data-index="${keep[0]}"] [data-role="${keep[1]}"]`);
      (again && !again.disabled ? again : stepsList.querySelector(`li[data-index="${keep[0]}"] select`))?.focus();
    }
  }

  function renderListed() {
    listed.replaceChildren(...(pack?.questions ?? []).map((q) => element("li", null, q)));
    none.hidden = (pack?.questions?.length ?? 0) > 0;
  }

  /** Says the draft's first problem (or nothing) and enables Add question when there is none. */
  function check() {
    const found = draft ? draftProblem(draft, pack?.buttons ?? [], pack?.questions ?? []) : null;
    // An empty question is where every form starts: not worth a warning yet.
    problem.textContent = found && !(found.problem === "empty" && draft.question === "") ? PROBLEM_TEXT[found.problem](found.params) : "";
    saveButton.disabled = saving || !pack || found !== null;
  }

  function update(next, { redraw = false } = {}) {
    draft = next;
    if (redraw) renderSteps();
    check();
  }

  questionInput.addEventListener("input", () => update(setQuestion(draft, questionInput.value)));

  stepsList.addEventListener("change", (event) => {
    const item = event.target.closest("li");
    if (!item || !draft) return;
    const i = Number(item.dataset.index);
    const role = event.target.dataset.role;
    if (role === "kind") update(updateStep(draft, i, { kind: event.target.value }), { redraw: true });
    else if (role === "button" || role === "direction") update(updateStep(draft, i, { [role]: event.target.value }));
  });
  stepsList.addEventListener("input", (event) => {
    const item = event.target.closest("li");
    const role = event.target.dataset.role;
    if (!item || !draft || (role !== "seconds" && role !== "to")) return;
    update(updateStep(draft, Number(item.dataset.index), { [role]: event.target.value }));
  });
  stepsList.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    const item = target?.closest("li");
    if (!item || !draft) return;
    const i = Number(item.dataset.index);
    if (target.dataset.role === "up") update(moveStep(draft, i, -1), { redraw: true });
    if (target.dataset.role === "down") update(moveStep(draft, i, 1), { redraw: true });
    if (target.dataset.role === "remove") update(removeStep(draft, i), { redraw: true });
  });
  addStepButton.addEventListener("click", () => {
    if (!draft) return;
    update(addStep(draft, pack?.buttons ?? []), { redraw: true });
    stepsList.querySelector("li:last-child select")?.focus();
  });

  saveButton.addEventListener("click", async () => {
    if (!pack || !draft || draftProblem(draft, pack.buttons, pack.questions)) return;
    saving = true;
    check();
    status.textContent = t("questions.saving");
    const result = await invokeCommand("add_question", toArguments(pack.id, draft));
    saving = false;
    if (!result.ok) {
      status.textContent = "";
      check();
      return;
    }
    status.textContent = plural("questions.saved", result.value.questions);
    draft = createDraft(pack.buttons);
    questionInput.value = "";
    renderSteps();
    check();
    await reopen(result.value.folder, result.value.appliance);
  });

  return {
    /** The open pack (PackDetail or null): its questions and boxes. */
    showPack(detail) {
      const same = pack && detail && pack.id === detail.id;
      pack = detail;
      card.hidden = !detail;
      if (!detail) return;
      // The same pack shown again (reopened after a save, or selected again): keep the form.
      if (!same) {
        draft = createDraft(detail.buttons);
        questionInput.value = "";
        status.textContent = "";
      }
      renderListed();
      renderSteps();
      check();
    },
  };
}
