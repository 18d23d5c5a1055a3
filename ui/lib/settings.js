// The settings form: turning Settings values into form choices and back.

import { t } from "./strings.js";

export const RESOLUTIONS = Object.freeze([
  [640, 480],
  [1280, 720],
  [1920, 1080],
]);

export const DEVICES = Object.freeze(["auto", "cpu", "cuda:0"]);

/** The value of the "Video file…" choice in the camera picker. */
export const CAMERA_FILE_CHOICE = "file";

/** "1280x720" for [1280, 720]. */
export function resolutionValue([width, height]) {
  return `${width}x${height}`;
}

/** [1280, 720] for "1280x720"; null when it is not two positive integers. */
export function parseResolution(text) {
  const match = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/.exec(String(text ?? ""));
  if (!match) return null;
  const size = [Number(match[1]), Number(match[2])];
  return size[0] > 0 && size[1] > 0 ? size : null;
}

/** The resolution choices, with the current one added when it is not a standard one. */
export function resolutionOptions(current) {
  const values = RESOLUTIONS.map(resolutionValue);
  if (Array.isArray(current) && current.length === 2 && !values.includes(resolutionValue(current))) {
    values.push(resolutionValue(current));
  }
  return values;
}

/** The device choices, with the current one added when it is another CUDA device. */
export function deviceOptions(current) {
  return typeof current === "string" && current && !DEVICES.includes(current) ? [...DEVICES, current] : [...DEVICES];
}

/**
 * The camera picker's options: "Automatic", one per camera, and "Video file…".
 * `cameras` is list_cameras()'s [{index, name, description}]; a chosen camera that is not
 * connected now stays listed so saving the form does not silently drop it.
 */
export function cameraOptions(cameras, currentSetting) {
  const listed = (cameras ?? []).map((c) => ({
    value: `index:${c.index}`,
    label: c.name ? t("settings.camera.named", { name: c.name, index: c.index }) : t("settings.camera.numbered", { index: c.index }),
  }));
  const { choice } = cameraChoice(currentSetting);
  if (choice.startsWith("index:") && !listed.some((o) => o.value === choice)) {
    listed.push({ value: choice, label: t("settings.camera.notConnected", { index: choice.slice("index:".length) }) });
  }
  return [
    { value: "auto", label: t("settings.camera.auto") },
    ...listed,
    { value: CAMERA_FILE_CHOICE, label: t("settings.camera.file") },
  ];
}

/** The picker choice and file path for a camera setting ("auto", "index:N" or "file:PATH"). */
export function cameraChoice(setting) {
  const text = String(setting ?? "auto");
  if (text.startsWith("file:")) return { choice: CAMERA_FILE_CHOICE, file: text.slice("file:".length) };
  if (/^index:\d+$/.test(text)) return { choice: text, file: "" };
  return { choice: "auto", file: "" };
}

/** The camera setting for a picker choice and the file field (a path, "file:" optional). */
export function cameraSetting(choice, fileText) {
  if (choice !== CAMERA_FILE_CHOICE) return choice || "auto";
  const path = String(fileText ?? "").trim().replace(/^file:/, "");
  return `file:${path}`;
}

/** The value of the "Recording file…" choice in the microphone picker. */
export const MICROPHONE_FILE_CHOICE = "file";

/**
 * The microphone picker's options: "Automatic", one per sound input, and "Recording file…".
 * `microphones` is list_microphones()'s [{name, default}]; a chosen one that is not connected now
 * stays listed so saving the form does not silently drop it.
 */
export function microphoneOptions(microphones, currentSetting) {
  const listed = (microphones ?? []).map((m) => ({
    value: `device:${m.name}`,
    label: m.default ? t("settings.microphone.default", { name: m.name }) : m.name,
  }));
  const { choice } = microphoneChoice(currentSetting);
  if (choice.startsWith("device:") && !listed.some((o) => o.value === choice)) {
    listed.push({ value: choice, label: t("settings.microphone.notConnected", { name: choice.slice("device:".length) }) });
  }
  return [
    { value: "auto", label: t("settings.microphone.auto") },
    ...listed,
    { value: MICROPHONE_FILE_CHOICE, label: t("settings.microphone.file") },
  ];
}

/** The picker choice and file path for a microphone setting ("auto", "device:NAME" or "file:PATH"). */
export function microphoneChoice(setting) {
  const text = String(setting ?? "auto");
  if (text.startsWith("file:")) return { choice: MICROPHONE_FILE_CHOICE, file: text.slice("file:".length) };
  if (/^device:.+/.test(text)) return { choice: text, file: "" };
  return { choice: "auto", file: "" };
}

/** The microphone setting for a picker choice and the file field (a path, "file:" optional). */
export function microphoneSetting(choice, fileText) {
  if (choice !== MICROPHONE_FILE_CHOICE) return choice || "auto";
  return `file:${String(fileText ?? "").trim().replace(/^file:/, "")}`;
}
