// The box editor's model: a pack's control boxes on its reference photo, edited by pointer or
// keyboard with undo. Pure functions over plain state, so the node tests drive it exactly as the
// view does; the view only draws the state and turns events into these calls.

/** Smallest side of a box, in photo pixels (a smaller one is a slip of the mouse). */
export const MIN_SIDE = 4;
/** Steps of undo kept. */
const HISTORY = 100;

/**
 * A new editor state for `boxes` ([{name, x, y, w, h}] in photo pixels) on a photo of
 * `width` x `height`.
 */
export function createEditor(boxes, width, height) {
  return { boxes: (boxes ?? []).map(normalise), width, height, selected: boxes?.length ? 0 : null, past: [], future: [] };
}

function normalise(box) {
  return { name: String(box.name ?? ""), x: Math.round(box.x), y: Math.round(box.y), w: Math.round(box.w), h: Math.round(box.h) };
}

/** `box` kept inside the photo and at least MIN_SIDE on each side. */
export function clampBox(box, width, height) {
  const w = Math.min(Math.max(MIN_SIDE, Math.round(box.w)), width);
  const h = Math.min(Math.max(MIN_SIDE, Math.round(box.h)), height);
  const x = Math.min(Math.max(0, Math.round(box.x)), width - w);
  const y = Math.min(Math.max(0, Math.round(box.y)), height - h);
  return { ...box, x, y, w, h };
}

/** The state after a change of `boxes` (and selection), remembered for undo. */
function commit(state, boxes, selected) {
  const past = [...state.past, { boxes: state.boxes, selected: state.selected }].slice(-HISTORY);
  return { ...state, boxes, selected, past, future: [] };
}

/** A name not yet used: `base`, else `base2`, `base3`... */
export function uniqueName(boxes, base, except = null) {
  const taken = new Set(boxes.filter((_, i) => i !== except).map((b) => b.name));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.has(`${base}${n}`)) return `${base}${n}`;
}

/** Adds a box (drawn, or a default one at the centre when `box` is null) and selects it. */
export function addBox(state, box = null) {
  const side = Math.max(MIN_SIDE, Math.round(Math.min(state.width, state.height) / 10));
  const drawn = box ?? { x: (state.width - side) / 2, y: (state.height - side) / 2, w: side, h: side };
  const name = uniqueName(state.boxes, drawn.name || "button");
  const added = clampBox({ ...drawn, name }, state.width, state.height);
  return commit(state, [...state.boxes, added], state.boxes.length);
}

/** Moves box `index` by (dx, dy), inside the photo. */
export function moveBox(state, index, dx, dy) {
  const box = state.boxes[index];
  if (!box || (dx === 0 && dy === 0)) return state;
  const moved = clampBox({ ...box, x: box.x + dx, y: box.y + dy }, state.width, state.height);
  return commit(state, replace(state.boxes, index, moved), index);
}

/**
 * Resizes box `index` by dragging `handle` ("n", "s", "e", "w" or two of them, "nw", "se"...)
 * by (dx, dy); the opposite side stays.
 */
export function resizeBox(state, index, handle, dx, dy) {
  const box = state.boxes[index];
  if (!box) return state;
  let { x, y, w, h } = box;
  if (handle.includes("w")) {
    const left = Math.min(x + dx, x + w - MIN_SIDE);
    w += x - left;
    x = left;
  }
  if (handle.includes("e")) w = Math.max(MIN_SIDE, w + dx);
  if (handle.includes("n")) {
    const top = Math.min(y + dy, y + h - MIN_SIDE);
    h += y - top;
    y = top;
  }
  if (handle.includes("s")) h = Math.max(MIN_SIDE, h + dy);
  const resized = clampBox({ ...box, x, y, w, h }, state.width, state.height);
  return commit(state, replace(state.boxes, index, resized), index);
}

/** Removes box `index`; the next one (or the previous) is selected. */
export function removeBox(state, index) {
  if (!state.boxes[index]) return state;
  const boxes = state.boxes.filter((_, i) => i !== index);
  return commit(state, boxes, boxes.length === 0 ? null : Math.min(index, boxes.length - 1));
}

/**
 * Why `name` cannot name box `index`, or null: buttons.csv holds names without commas or quotes,
 * each once.
 */
export function nameProblem(boxes, index, name) {
  const text = String(name ?? "").trim();
  if (text === "") return "empty";
  if (/[,"]/.test(text)) return "comma_or_quote";
  if (boxes.some((b, i) => i !== index && b.name === text)) return "taken";
  return null;
}

/** Renames box `index` when the name is allowed (see nameProblem); otherwise unchanged. */
export function renameBox(state, index, name) {
  const box = state.boxes[index];
  if (!box || nameProblem(state.boxes, index, name) !== null || box.name === name.trim()) return state;
  return commit(state, replace(state.boxes, index, { ...box, name: name.trim() }), index);
}

export function select(state, index) {
  return index === null || state.boxes[index] ? { ...state, selected: index } : state;
}

export function undo(state) {
  const last = state.past.at(-1);
  if (!last) return state;
  return { ...state, boxes: last.boxes, selected: last.selected, past: state.past.slice(0, -1), future: [{ boxes: state.boxes, selected: state.selected }, ...state.future] };
}

export function redo(state) {
  const next = state.future[0];
  if (!next) return state;
  return { ...state, boxes: next.boxes, selected: next.selected, past: [...state.past, { boxes: state.boxes, selected: state.selected }], future: state.future.slice(1) };
}

function replace(boxes, index, box) {
  return boxes.map((b, i) => (i === index ? box : b));
}

/** The box under photo point (x, y), the smallest first (a key inside a panel outline); or null. */
export function boxAt(boxes, x, y) {
  let best = null;
  boxes.forEach((b, i) => {
    if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h && (best === null || b.w * b.h < boxes[best].w * boxes[best].h)) best = i;
  });
  return best;
}

/** The resize handle of `box` within `reach` photo pixels of (x, y): "nw", "n", ... or null. */
export function handleAt(box, x, y, reach) {
  const near = (a, b) => Math.abs(a - b) <= reach;
  const inX = x >= box.x - reach && x <= box.x + box.w + reach;
  const inY = y >= box.y - reach && y <= box.y + box.h + reach;
  if (!inX || !inY) return null;
  const v = near(y, box.y) ? "n" : near(y, box.y + box.h) ? "s" : "";
  const h = near(x, box.x) ? "w" : near(x, box.x + box.w) ? "e" : "";
  return v + h || null;
}

/**
 * The keyboard: what `key` (a KeyboardEvent's key, with its shift/alt/ctrl flags) does to the
 * state, or null when it is not an editor key. Arrows move the selected box by 1 px (Shift: 10);
 * with Alt they resize it (right/down grow, left/up shrink); Delete or Backspace removes it;
 * Tab-like "[" and "]" select the previous or next; "n" adds a box; Ctrl+Z undoes, Ctrl+Y or
 * Ctrl+Shift+Z redoes.
 */
export function applyKey(state, { key, shiftKey = false, altKey = false, ctrlKey = false, metaKey = false }) {
  const ctrl = ctrlKey || metaKey;
  if (ctrl && (key === "z" || key === "Z")) return shiftKey ? redo(state) : undo(state);
  if (ctrl && (key === "y" || key === "Y")) return redo(state);
  if (ctrl) return null;
  const step = shiftKey ? 10 : 1;
  const arrows = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  const i = state.selected;
  if (arrows[key]) {
    if (i === null) return state;
    const [dx, dy] = arrows[key];
    return altKey ? resizeBox(state, i, dx !== 0 ? "e" : "s", dx, dy) : moveBox(state, i, dx, dy);
  }
  if (key === "Delete" || key === "Backspace") return i === null ? state : removeBox(state, i);
  if (key === "]" || key === "[") {
    const n = state.boxes.length;
    if (n === 0) return state;
    const from = i ?? (key === "]" ? -1 : 0);
    return select(state, (from + (key === "]" ? 1 : -1) + n) % n);
  }
  if (key === "n" || key === "N") return addBox(state);
  return null;
}
