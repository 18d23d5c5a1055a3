import test from "node:test";
import assert from "node:assert/strict";
import { OUTLINE_STYLES, OUTLINE_LABELS, outlineStyle } from "../lib/outline.js";

// WCAG relative luminance and contrast ratio of two #rrggbb colours.
function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
const widest = (style) => Math.max(...style.strokes.map(([, width]) => width));
const solid = (style) => style.strokes.filter(([colour]) => colour.startsWith("#"));

test("every setting value has a style and a label; anything else is the standard one", () => {
  for (const name of OUTLINE_STYLES) {
    assert.equal(outlineStyle(name).name, name);
    assert.ok(OUTLINE_LABELS[name]);
  }
  assert.equal(outlineStyle("neon").name, "standard");
  assert.equal(outlineStyle(undefined).name, "standard");
});

test("high contrast: two opaque strokes at 7:1 or more against each other, a black-on-yellow tag", () => {
  const style = outlineStyle("high_contrast");
  const [outer, inner] = solid(style).map(([colour]) => colour);
  assert.ok(contrast(outer, inner) >= 7, `${outer} on ${inner}`);
  assert.ok(contrast(style.labelInk, style.labelFill) >= 7);
  assert.equal(style.fill, null, "no tint over the button's own label");
});

test("large: thicker line and larger tag text than standard", () => {
  const standard = outlineStyle("standard");
  const large = outlineStyle("large");
  const thickest = (style) => Math.max(...solid(style).map(([, width]) => width));
  assert.ok(thickest(large) >= 2 * thickest(standard));
  assert.ok(large.labelFontPx >= 1.5 * standard.labelFontPx);
  assert.ok(large.labelHeight > standard.labelHeight);
  assert.match(large.labelFont, /^600 22px /);
  assert.ok(widest(large) >= widest(outlineStyle("high_contrast")));
});
