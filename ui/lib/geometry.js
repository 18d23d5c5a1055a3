// Placing a frame or photo in a canvas and carrying button outlines along with it.
// A quad is four [x, y] corners: top-left, top-right, bottom-right, bottom-left.

/**
 * Where an image of `sourceWidth` x `sourceHeight` lands when fitted, aspect kept, centred,
 * into `targetWidth` x `targetHeight`: {x, y, width, height, scale}. Null for empty sizes.
 */
export function fitRect(sourceWidth, sourceHeight, targetWidth, targetHeight) {
  if (!(sourceWidth > 0 && sourceHeight > 0 && targetWidth > 0 && targetHeight > 0)) return null;
  const scale = Math.min(targetWidth / sourceWidth, targetHeight / sourceHeight);
  const width = sourceWidth * scale;
  const height = sourceHeight * scale;
  return { x: (targetWidth - width) / 2, y: (targetHeight - height) / 2, width, height, scale };
}

/** A point of the source image in target (canvas) coordinates. */
export function toTarget(fit, [x, y]) {
  return [fit.x + x * fit.scale, fit.y + y * fit.scale];
}

/** A quad of the source image in target (canvas) coordinates. */
export function scaleQuad(quad, fit) {
  return quad.map((point) => toTarget(fit, point));
}

/** An axis-aligned box {x, y, w, h} as a quad. */
export function boxToQuad(box) {
  const { x, y, w, h } = box;
  return [
    [x, y],
    [x + w, y],
    [x + w, y + h],
    [x, y + h],
  ];
}

/** True when `quad` is four finite [x, y] points. */
export function isQuad(quad) {
  return (
    Array.isArray(quad) &&
    quad.length === 4 &&
    quad.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === "number" && Number.isFinite(v)))
  );
}

/** "x1,y1,x2,y2,x3,y3,x4,y4" in whole pixels (the canvas's data-quad attribute). */
export function quadAttribute(quad) {
  return quad.flatMap(([x, y]) => [Math.round(x), Math.round(y)]).join(",");
}

/** The smallest axis-aligned box around a quad: {left, top, right, bottom}. */
export function quadBounds(quad) {
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}

/** Even-odd test: is `point` inside the polygon `quad` (boundary points may go either way)? */
export function pointInQuad([px, py], quad) {
  let inside = false;
  for (let i = 0, j = quad.length - 1; i < quad.length; j = i++) {
    const [xi, yi] = quad[i];
    const [xj, yj] = quad[j];
    const crosses = yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi;
    if (crosses) inside = !inside;
  }
  return inside;
}

/**
 * Where a label of `labelWidth` x `labelHeight` goes next to an outlined quad in a canvas of
 * `canvasWidth` x `canvasHeight`: above the quad when there is room, else below it, else inside
 * the top edge; always kept within the canvas. Returns its top-left {x, y}.
 */
export function labelPosition(quad, labelWidth, labelHeight, canvasWidth, canvasHeight, gap = 8) {
  const bounds = quadBounds(quad);
  let y;
  if (bounds.top - gap - labelHeight >= 0) y = bounds.top - gap - labelHeight;
  else if (bounds.bottom + gap + labelHeight <= canvasHeight) y = bounds.bottom + gap;
  else y = Math.max(0, bounds.top + gap);
  const x = Math.min(Math.max(0, bounds.left), Math.max(0, canvasWidth - labelWidth));
  return { x, y: Math.min(y, Math.max(0, canvasHeight - labelHeight)) };
}
