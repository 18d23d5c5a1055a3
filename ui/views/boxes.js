// The box editor (Library): the open pack's control boxes on its reference photo, drawn, moved,
// resized, deleted and renamed with the pointer or the keyboard, with undo; Save writes them to
// the pack's buttons.csv (`save_boxes`) and opens the pack again, so the answers use them.

import { invokeCommand } from "../backend.js";
import { fitRect } from "../lib/geometry.js";
import {
  createEditor,
  addBox,
  moveBox,
  resizeBox,
  removeBox,
  renameBox,
  nameProblem,
  select,
  undo,
  redo,
  boxAt,
  handleAt,
  applyKey,
  MIN_SIDE,
} from "../lib/boxes.js";
import { t } from "../lib/strings.js";
import { byId, element, renderOnNextFrame } from "./dom.js";

// What the name field says for each of nameProblem's answers.
const NAME_PROBLEMS = {
  empty: () => t("boxes.name.empty"),
  comma_or_quote: () => t("boxes.name.comma_or_quote"),
  taken: () => t("boxes.name.taken"),
};

// Screen pixels within which a pointer grabs a box's side or corner.
const HANDLE_REACH_PX = 7;

/** `reopen(folder, appliance)` opens a pack folder again (the Library's open, with progress). */
export function createBoxEditor({ reopen }) {
  const card = byId("box-editor");
  const canvas = byId("box-canvas");
  const ctx = canvas.getContext("2d");
  const list = byId("box-list");
  const nameInput = byId("box-name");
  const nameNote = byId("box-name-note");
  const addButton = byId("box-add");
  const deleteButton = byId("box-delete");
  const undoButton = byId("box-undo");
  const redoButton = byId("box-redo");
  const saveButton = byId("box-save");
  const status = byId("box-status");

  let pack = null;
  let photo = null;
  let state = null;
  let saved = null;
  // The drag in progress: {mode: "draw" | "move" | "resize", index, handle, start: [x, y], base}.
  let drag = null;

  /** The photo's fit in the canvas (CSS pixels), or null before it is laid out. */
  function fit() {
    if (!photo || !state) return null;
    return fitRect(state.width, state.height, canvas.clientWidth, canvas.clientHeight);
  }

  function toPhoto(event) {
    const f = fit();
    if (!f) return null;
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left - f.x) * state.width) / f.width, ((event.clientY - rect.top - f.y) * state.height) / f.height];
  }

  function draw() {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, canvas.clientWidth, canvas.clientHeight);
    const f = fit();
    if (!f) return;
    ctx.drawImage(photo, f.x, f.y, f.width, f.height);
    const scale = f.width / state.width;
    state.boxes.forEach((b, i) => {
      const selected = i === state.selected;
      ctx.lineWidth = selected ? 3 : 2;
      ctx.strokeStyle = selected ? "#ffff00" : "#3fb950";
      ctx.strokeRect(f.x + b.x * scale, f.y + b.y * scale, b.w * scale, b.h * scale);
      ctx.font = '600 12px "Inter", "Cantarell", "Noto Sans", "DejaVu Sans", sans-serif';
      ctx.fillStyle = selected ? "#ffff00" : "#3fb950";
      ctx.fillText(b.name, f.x + b.x * scale, Math.max(12, f.y + b.y * scale - 4));
    });
  }
  const queueDraw = renderOnNextFrame(draw);

  function render() {
    queueDraw();
    const dirty = state !== null && saved !== state.boxes;
    card.dataset.boxes = String(state?.boxes.length ?? 0);
    card.dataset.dirty = String(dirty);
    list.replaceChildren(
      ...(state?.boxes ?? []).map((b, i) => {
        const item = element("li", i === state.selected ? "box-item selected" : "box-item");
        const pick = element("button", "link-button", b.name);
        pick.type = "button";
        pick.setAttribute("aria-pressed", String(i === state.selected));
        pick.addEventListener("click", () => update(select(state, i)));
        item.append(pick, element("span", "muted", ` ${Math.round(b.w)} \u00d7 ${Math.round(b.h)}`));
        return item;
      }),
    );
    const current = state?.selected ?? null;
    nameInput.disabled = current === null;
    deleteButton.disabled = current === null;
    if (document.activeElement !== nameInput) nameInput.value = current === null ? "" : state.boxes[current].name;
    undoButton.disabled = !state?.past.length;
    redoButton.disabled = !state?.future.length;
    saveButton.disabled = !dirty;
    addButton.disabled = state === null;
  }

  function update(next) {
    if (!next || next === state) return;
    state = next;
    nameNote.textContent = "";
    render();
  }

  canvas.addEventListener("pointerdown", (event) => {
    const at = toPhoto(event);
    if (!at || event.button !== 0) return;
    canvas.setPointerCapture(event.pointerId);
    canvas.focus();
    const reach = HANDLE_REACH_PX * (state.width / (fit()?.width || 1));
    const selected = state.selected !== null ? state.boxes[state.selected] : null;
    const handle = selected ? handleAt(selected, at[0], at[1], reach) : null;
    if (handle) {
      drag = { mode: "resize", index: state.selected, handle, start: at, base: state };
      return;
    }
    const hit = boxAt(state.boxes, at[0], at[1]);
    if (hit !== null) {
      update(select(state, hit));
      drag = { mode: "move", index: hit, start: at, base: state };
    } else {
      drag = { mode: "draw", start: at, base: state };
    }
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const at = toPhoto(event);
    if (!at) return;
    const [dx, dy] = [Math.round(at[0] - drag.start[0]), Math.round(at[1] - drag.start[1])];
    // Each move restarts from the state at the press, so one drag is one undo step.
    if (drag.mode === "move") state = moveBox(drag.base, drag.index, dx, dy);
    else if (drag.mode === "resize") state = resizeBox(drag.base, drag.index, drag.handle, dx, dy);
    else {
      const [x0, y0] = drag.start;
      const box = { x: Math.min(x0, at[0]), y: Math.min(y0, at[1]), w: Math.abs(at[0] - x0), h: Math.abs(at[1] - y0) };
      state = box.w >= MIN_SIDE && box.h >= MIN_SIDE ? addBox(drag.base, box) : drag.base;
    }
    render();
  });

  for (const end of ["pointerup", "pointercancel"]) canvas.addEventListener(end, () => (drag = null));

  canvas.addEventListener("keydown", (event) => {
    if (!state) return;
    const next = applyKey(state, event);
    if (next === null) return;
    event.preventDefault();
    event.stopPropagation();
    update(next);
  });

  nameInput.addEventListener("change", () => {
    const i = state?.selected ?? null;
    if (i === null) return;
    const problem = nameProblem(state.boxes, i, nameInput.value);
    if (problem) {
      nameNote.textContent = NAME_PROBLEMS[problem]();
      return;
    }
    update(renameBox(state, i, nameInput.value));
  });
  addButton.addEventListener("click", () => update(addBox(state)));
  deleteButton.addEventListener("click", () => state.selected !== null && update(removeBox(state, state.selected)));
  undoButton.addEventListener("click", () => update(undo(state)));
  redoButton.addEventListener("click", () => update(redo(state)));

  saveButton.addEventListener("click", async () => {
    if (!pack || !state) return;
    saveButton.disabled = true;
    status.textContent = t("boxes.saving");
    const result = await invokeCommand("save_boxes", { id: pack.id, boxes: state.boxes });
    if (!result.ok) {
      status.textContent = "";
      render();
      return;
    }
    saved = state.boxes;
    status.textContent = t("boxes.saved", { count: result.value.boxes });
    await reopen(result.value.folder, result.value.appliance);
  });

  new ResizeObserver(queueDraw).observe(canvas);

  return {
    /** The open pack (PackDetail or null): its photo and boxes to edit. */
    showPack(detail) {
      pack = detail;
      card.hidden = !detail;
      if (!detail) {
        state = null;
        photo = null;
        render();
        return;
      }
      state = createEditor(detail.buttons, detail.reference.width, detail.reference.height);
      saved = state.boxes;
      status.textContent = "";
      const image = new Image();
      image.onload = () => {
        if (pack === detail) {
          photo = image;
          queueDraw();
        }
      };
      image.src = detail.reference_url;
      render();
    },
  };
}
