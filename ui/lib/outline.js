// How the target button is outlined on the live view and the reference photo: the standard
// green box, a high-contrast box (black under yellow, visible on any panel colour and to most
// colour-blind eyes), or a large one (thicker lines, a larger tag) for low vision.

import { t } from "./strings.js";

export const OUTLINE_STYLES = Object.freeze(["standard", "high_contrast", "large"]);

/** The styles' names in the Settings picker (getters: read in the language in use when shown). */
export const OUTLINE_LABELS = Object.freeze({
  get standard() {
    return t("settings.outline.standard");
  },
  get high_contrast() {
    return t("settings.outline.highContrast");
  },
  get large() {
    return t("settings.outline.large");
  },
});

const FONT_FAMILY = '"Inter", "Cantarell", "Noto Sans", "DejaVu Sans", system-ui, sans-serif';

const STYLES = Object.freeze({
  standard: Object.freeze({
    fill: "rgba(63, 185, 80, 0.14)",
    // [colour, width] strokes drawn in order, the widest (a translucent glow) first.
    strokes: Object.freeze([
      ["rgba(63, 185, 80, 0.12)", 18],
      ["rgba(63, 185, 80, 0.2)", 12],
      ["rgba(63, 185, 80, 0.35)", 8],
      ["#3fb950", 4],
    ]),
    dash: Object.freeze([10, 8]),
    labelFill: "#3fb950",
    labelInk: "#06140a",
    labelFontPx: 14,
    labelHeight: 30,
  }),
  high_contrast: Object.freeze({
    fill: null,
    strokes: Object.freeze([
      ["#000000", 12],
      ["#ffff00", 6],
    ]),
    dash: Object.freeze([14, 8]),
    labelFill: "#ffff00",
    labelInk: "#000000",
    labelFontPx: 16,
    labelHeight: 34,
  }),
  large: Object.freeze({
    fill: "rgba(63, 185, 80, 0.18)",
    strokes: Object.freeze([
      ["rgba(0, 0, 0, 0.55)", 16],
      ["#56d364", 10],
    ]),
    dash: Object.freeze([20, 12]),
    labelFill: "#56d364",
    labelInk: "#06140a",
    labelFontPx: 22,
    labelHeight: 44,
  }),
});

/** The drawing parameters of `name` (a Settings `outline` value); the standard ones for anything else. */
export function outlineStyle(name) {
  const style = STYLES[name] ?? STYLES.standard;
  return { ...style, name: STYLES[name] ? name : "standard", labelFont: `600 ${style.labelFontPx}px ${FONT_FAMILY}` };
}
