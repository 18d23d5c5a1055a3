// Which overlay the live view shows for the current step: the target button outlined on the live
// frame, or the reference photo with the button boxed when the live frame cannot place it.

import { viewStatusText } from "./format.js";
import { t } from "./strings.js";

/**
 * The overlay for `button` (a button name or null) on `frame` (parsed frame headers, or null when
 * no frame is on screen):
 * - {mode: "none"} without a target button;
 * - {mode: "live", quad, status} when the frame's registration placed that button;
 * - {mode: "reference", reason, status} otherwise, `reason` being a registration reason code.
 */
export function overlayFor(button, frame) {
  if (!button) return { mode: "none", status: null };
  if (!frame) return { mode: "reference", reason: "no_frame", status: viewStatusText(false, "no_frame") };
  const registration = frame.registration;
  if (!registration || !registration.inView) {
    const reason = registration?.reason ?? "not_found";
    return { mode: "reference", reason, status: viewStatusText(false, reason) };
  }
  const placed = registration.buttons.find((b) => b.name === button);
  if (!placed) {
    // The panel is in view but the registration has no quad for this button (it is not among
    // the reference photo's boxed buttons): the photo is the only place it can be shown.
    return {
      mode: "reference",
      reason: "button_unplaced",
      status: t("live.view.buttonUnplaced", { button }),
    };
  }
  return { mode: "live", quad: placed.quad, status: viewStatusText(true) };
}

/**
 * The target's box on the reference photo: the candidate's own box, else the pack's box for that
 * button name, else null.
 */
export function referenceBox(candidate, packButtons) {
  if (!candidate) return null;
  if (candidate.box) return candidate.box;
  const known = (packButtons ?? []).find((b) => b.name === candidate.button);
  return known ? { x: known.x, y: known.y, w: known.w, h: known.h } : null;
}
