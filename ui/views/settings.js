// The Settings panel: device, model, camera, and importing a checkpoint.

import { invokeCommand } from "../backend.js";
import { deviceInfoText, modelLabel, cameraStatusText, encodersText } from "../lib/format.js";
import {
  CAMERA_FILE_CHOICE,
  resolutionValue,
  parseResolution,
  resolutionOptions,
  deviceOptions,
  cameraOptions,
  cameraChoice,
  cameraSetting,
  MICROPHONE_FILE_CHOICE,
  microphoneOptions,
  microphoneChoice,
  microphoneSetting,
} from "../lib/settings.js";
import { OUTLINE_STYLES, OUTLINE_LABELS } from "../lib/outline.js";
import { byId } from "./dom.js";
import { t } from "../lib/strings.js";

const SAVED_NOTE_MS = 2500;
const DEVICE_LABELS = { auto: () => t("settings.device.auto"), cpu: () => t("settings.device.cpu") };

function fillSelect(select, options, selected) {
  select.replaceChildren(
    ...options.map(({ value, label }) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
  select.value = selected;
}

/** `applyState(appState)` spreads a new AppState over the whole window. */
export function createSettingsView({ applyState }) {
  const device = byId("set-device");
  const deviceInfo = byId("device-info");
  const model = byId("set-model");
  const importPath = byId("import-path");
  const importName = byId("import-name");
  const importButton = byId("import-btn");
  const encodersInfo = byId("encoders-info");
  const speakSteps = byId("speak-steps");
  const microphone = byId("set-microphone");
  const microphoneFile = byId("set-microphone-file");
  const refreshMicrophonesButton = byId("refresh-microphones");
  const holdToTalk = byId("hold-to-talk");
  const spokenLanguage = byId("set-spoken-language");
  const voiceName = byId("set-voice");
  const voiceRate = byId("set-rate");
  const voiceVolume = byId("set-volume");
  const camera = byId("set-camera");
  const cameraFile = byId("set-camera-file");
  const refreshCamerasButton = byId("refresh-cameras");
  const resolution = byId("set-resolution");
  const cameraInfo = byId("camera-info");
  const showAlternatives = byId("show-alternatives");
  const outline = byId("set-outline");
  const saveButton = byId("save-settings");
  const savedNote = byId("settings-saved");

  let state = null;
  let cameras = [];
  let microphones = [];
  let models = [];
  let modelsLoaded = false;
  // Unsaved edits win over state updates that arrive meanwhile (camera events, other saves).
  let edited = false;

  function renderModels(selected) {
    const options = models.map((m) => ({ value: m.name, label: modelLabel(m) }));
    if (selected && modelsLoaded && !models.some((m) => m.name === selected)) options.push({ value: selected, label: t("settings.model.notFound", { name: selected }) });
    fillSelect(model, options, selected);
  }

  function renderCameras(selectedSetting) {
    const { choice, file } = cameraChoice(selectedSetting);
    fillSelect(camera, cameraOptions(cameras, selectedSetting), choice);
    cameraFile.value = file;
    cameraFile.hidden = choice !== CAMERA_FILE_CHOICE;
  }

  function renderMicrophones(selectedSetting) {
    const { choice, file } = microphoneChoice(selectedSetting);
    fillSelect(microphone, microphoneOptions(microphones, selectedSetting), choice);
    microphoneFile.value = file;
    microphoneFile.hidden = choice !== MICROPHONE_FILE_CHOICE;
  }

  function renderForm() {
    const settings = state.settings;
    fillSelect(
      device,
      deviceOptions(settings.device).map((value) => ({ value, label: Object.hasOwn(DEVICE_LABELS, value) ? DEVICE_LABELS[value]() : value.toUpperCase() })),
      settings.device,
    );
    renderModels(settings.model);
    renderCameras(settings.camera);
    fillSelect(
      resolution,
      resolutionOptions(settings.resolution).map((value) => ({ value, label: value.replace("x", " \u00d7 ") })),
      resolutionValue(settings.resolution),
    );
    showAlternatives.checked = Boolean(settings.show_alternatives);
    fillSelect(
      outline,
      OUTLINE_STYLES.map((value) => ({ value, label: OUTLINE_LABELS[value] })),
      OUTLINE_STYLES.includes(settings.outline) ? settings.outline : "standard",
    );
    speakSteps.checked = Boolean(settings.speak_steps);
    renderMicrophones(settings.microphone);
    holdToTalk.checked = Boolean(settings.hold_to_talk);
    spokenLanguage.value = settings.spoken_language === "any" ? "any" : "english";
    voiceName.value = settings.voice?.voice ?? "en-gb-x-rp";
    voiceRate.value = String(settings.voice?.rate ?? 160);
    voiceVolume.value = String(settings.voice?.volume ?? 100);
  }

  function renderCameraInfo(status) {
    cameraInfo.textContent = cameraStatusText(status);
    cameraInfo.classList.toggle("warning", status?.status === "no_camera" || status?.status === "lost");
    cameraInfo.classList.toggle("ok", status?.status === "running");
  }

  function renderInfo() {
    deviceInfo.textContent = deviceInfoText(state.device);
    encodersInfo.textContent = encodersText(state.encoders);
    encodersInfo.classList.toggle("warning", !state.encoders?.ok);
    encodersInfo.classList.toggle("ok", Boolean(state.encoders?.ok));
    renderCameraInfo(state.camera);
  }

  /** The settings the form holds now. */
  function formSettings() {
    return {
      device: device.value,
      camera: cameraSetting(camera.value, cameraFile.value),
      resolution: parseResolution(resolution.value) ?? state.settings.resolution,
      model: model.value,
      show_alternatives: showAlternatives.checked,
      outline: outline.value,
      speak_steps: speakSteps.checked,
      microphone: microphoneSetting(microphone.value, microphoneFile.value),
      hold_to_talk: holdToTalk.checked,
      spoken_language: spokenLanguage.value,
      voice_offered: state.settings.voice_offered ?? false,
      voice: {
        voice: voiceName.value.trim(),
        rate: Math.round(Number(voiceRate.value)),
        volume: Math.round(Number(voiceVolume.value)),
      },
    };
  }

  async function refreshModels() {
    const result = await invokeCommand("list_models");
    if (!result.ok) return;
    models = result.value;
    modelsLoaded = true;
    renderModels(edited ? model.value : state?.settings.model);
  }

  async function refreshCameras() {
    const result = await invokeCommand("list_cameras");
    if (!result.ok) return;
    cameras = result.value;
    renderCameras(edited ? cameraSetting(camera.value, cameraFile.value) : state?.settings.camera);
  }

  async function refreshMicrophones() {
    const result = await invokeCommand("list_microphones");
    if (!result.ok) return;
    microphones = result.value;
    renderMicrophones(edited ? microphoneSetting(microphone.value, microphoneFile.value) : state?.settings.microphone);
  }

  async function save(settings) {
    saveButton.disabled = true;
    const result = await invokeCommand("save_settings", { settings });
    saveButton.disabled = false;
    if (!result.ok) return false;
    edited = false;
    applyState(result.value);
    await refreshModels();
    savedNote.hidden = false;
    setTimeout(() => (savedNote.hidden = true), SAVED_NOTE_MS);
    return true;
  }

  for (const field of [device, model, camera, cameraFile, resolution, showAlternatives, outline, speakSteps, voiceName, voiceRate, voiceVolume, microphone, microphoneFile, holdToTalk, spokenLanguage]) {
    field.addEventListener("change", () => (edited = true));
    field.addEventListener("input", () => (edited = true));
  }
  camera.addEventListener("change", () => {
    cameraFile.hidden = camera.value !== CAMERA_FILE_CHOICE;
    if (!cameraFile.hidden) cameraFile.focus();
  });
  microphone.addEventListener("change", () => {
    microphoneFile.hidden = microphone.value !== MICROPHONE_FILE_CHOICE;
    if (!microphoneFile.hidden) microphoneFile.focus();
  });
  refreshMicrophonesButton.addEventListener("click", refreshMicrophones);
  saveButton.addEventListener("click", () => save(formSettings()));
  const doctorButton = byId("doctor-run");
  doctorButton.addEventListener("click", async () => {
    doctorButton.disabled = true;
    byId("doctor-status").textContent = t("settings.doctor.checking");
    const result = await invokeCommand("doctor");
    doctorButton.disabled = false;
    if (!result.ok) return;
    const problems = result.value.report.problems.length;
    byId("doctor-status").textContent = problems ? t("settings.doctor.problems", { count: problems }) : t("settings.doctor.allGood");
    const report = byId("doctor-report");
    report.textContent = result.value.text;
    report.hidden = false;
  });
  refreshCamerasButton.addEventListener("click", refreshCameras);
  importButton.addEventListener("click", async () => {
    importButton.disabled = true;
    const result = await invokeCommand("import_checkpoint", { path: importPath.value.trim(), name: importName.value.trim() });
    importButton.disabled = false;
    if (!result.ok) return;
    importPath.value = "";
    importName.value = "";
    await refreshModels();
    // The imported model is what the user wants next: offer it in the picker, unsaved.
    model.value = result.value.name;
    edited = true;
  });

  return {
    showState(appState) {
      state = appState;
      if (!edited) renderForm();
      renderInfo();
    },

    showCamera(status) {
      if (state) state = { ...state, camera: status };
      renderCameraInfo(status);
    },

    refreshModels,
    refreshCameras,
    refreshMicrophones,

    /** Answers the first-run offer to read steps aloud: saved, so it is made only once. */
    async answerVoiceOffer(speak) {
      if (!state) return false;
      return save({ ...state.settings, speak_steps: Boolean(speak), voice_offered: true });
    },

    /** Saves the stored settings with `name` as the model; the form then shows what was saved. */
    async useModel(name) {
      if (!state) return false;
      return save({ ...state.settings, model: name });
    },
  };
}
