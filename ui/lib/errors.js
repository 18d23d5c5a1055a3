// Every failure the user sees is {code, message}, whatever shape the rejection had.

import { t } from "./strings.js";

/**
 * Normalises a rejected command or a thrown error to {code, message}. Commands reject with
 * {code, message}; Tauri itself can reject with a plain string (a missing command, bad
 * arguments), and the page's own code can throw an Error.
 */
export function toUserError(reason) {
  if (reason && typeof reason === "object" && !(reason instanceof Error) && typeof reason.code === "string") {
    return { code: reason.code, message: String(reason.message ?? reason.code) };
  }
  if (typeof reason === "string") {
    try {
      const parsed = JSON.parse(reason);
      if (parsed && typeof parsed === "object" && typeof parsed.code === "string") return toUserError(parsed);
    } catch {
      // Not JSON: the string is the message itself.
    }
    return { code: "internal", message: reason };
  }
  if (reason instanceof Error) return { code: "internal", message: reason.message || reason.name };
  return { code: "internal", message: reason === undefined ? t("errors.unknown") : String(reason) };
}
