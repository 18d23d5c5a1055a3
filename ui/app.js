// PressNext's window: tabs, the top bar, and the wiring between the panels and the Rust side.

import { invokeCommand, listenEvent } from "./backend.js";
import { showError } from "./views/error-banner.js";
import { toUserError } from "./lib/errors.js";
import { deviceBadge } from "./lib/format.js";
import { applyStrings, t } from "./lib/strings.js";
import { ENCODE_IDLE, applyEncodeEvent } from "./lib/encode.js";
import { createLiveView } from "./views/live.js";
import { createAssistView } from "./views/assist.js";
import { createLibraryView } from "./views/library.js";
import { createBoxEditor } from "./views/boxes.js";
import { createQuestionEditor } from "./views/questions.js";
import { createSettingsView } from "./views/settings.js";
import { createTrainingView } from "./views/training.js";

const TABS = ["assist", "library", "settings"];

// The page's own texts from the string catalogue, before any view renders into it.
applyStrings(document);

// Whatever slips through still reaches the user as {code, message}, not only the console.
window.addEventListener("error", (event) => showError(toUserError(event.error ?? event.message)));
window.addEventListener("unhandledrejection", (event) => showError(toUserError(event.reason)));

function showTab(name) {
  for (const tab of TABS) {
    const active = tab === name;
    const button = document.getElementById(`tab-${tab}`);
    button.classList.toggle("active", active);
    button.setAttribute("aria-selected", String(active));
    document.getElementById(`panel-${tab}`).hidden = !active;
  }
}

const live = createLiveView();
const assist = createAssistView(live);
// The active pack of the last AppState seen, to notice when another part of the app changed it.
let knownActivePack;
// The pack given at start while it opens in the background, and its encode progress.
let startOpening = null;
let startProgress = ENCODE_IDLE;
const shownProblems = new Set();

/** Loads pack `id` into Assist; true when it worked. */
async function showPack(id) {
  const result = await invokeCommand("select_pack", { id });
  if (result.ok) {
    assist.showPack(result.value);
    boxEditor.showPack(result.value);
    questionEditor.showPack(result.value);
  }
  return result.ok;
}

/** Makes pack `id` the active one and goes to Assist with it. */
async function selectPack(id) {
  if (!(await showPack(id))) return;
  knownActivePack = id;
  showTab("assist");
  await refreshState();
}

const library = createLibraryView({ selectPack, refreshState });
const reopen = (folder, appliance) => library.openFolder(folder, appliance);
const boxEditor = createBoxEditor({ reopen });
const questionEditor = createQuestionEditor({ reopen });
const settings = createSettingsView({ applyState });
const training = createTrainingView({
  onFinished: () => settings.refreshModels(),
  useModel: (name) => settings.useModel(name),
});

/** Spreads an AppState over every panel. */
function applyState(state) {
  const badge = document.getElementById("device-badge");
  badge.textContent = deviceBadge(state.device?.active);
  badge.title = state.device?.reason ? t("app.device.titleWithReason", { reason: state.device.reason }) : t("app.device.title");
  library.showPacks(state.packs ?? [], state.active_pack);
  settings.showState(state);
  assist.setShowAlternatives(state.settings?.show_alternatives);
  assist.setSpeakSteps(state.settings?.speak_steps);
  assist.setHoldToTalk(state.settings?.hold_to_talk);
  // The offer to read steps aloud, made once on the first run (off by default).
  document.getElementById("voice-offer").hidden = !state.settings || Boolean(state.settings.voice_offered);
  live.setOutlineStyle(state.settings?.outline);
  live.setCamera(state.camera);
  assist.setCameraStatus(state.camera?.status);
  training.showAppState(state.training);
  if ((state.opening ?? null) !== startOpening) {
    startOpening = state.opening ?? null;
    startProgress = ENCODE_IDLE;
  }
  assist.showOpening(startOpening, startProgress);
  // Problems found at start (a pack that would not open, no usable model) are shown once each.
  for (const problem of [state.startup_error, state.model_error]) {
    if (problem && !shownProblems.has(problem.message)) {
      shownProblems.add(problem.message);
      showError(problem);
    }
  }
  // The active pack changed elsewhere (removed, or another window chose one): follow it.
  if (state.active_pack !== knownActivePack) {
    knownActivePack = state.active_pack;
    if (state.active_pack) showPack(state.active_pack);
    else {
      assist.showPack(null);
      boxEditor.showPack(null);
      questionEditor.showPack(null);
    }
  }
}

async function refreshState() {
  const result = await invokeCommand("app_state");
  if (result.ok) applyState(result.value);
}

for (const tab of TABS) {
  document.getElementById(`tab-${tab}`).addEventListener("click", () => showTab(tab));
}

document.addEventListener("keydown", (event) => {
  if (document.getElementById("panel-assist").hidden) return;
  if (assist.handleKey(event)) event.preventDefault();
});
document.getElementById("voice-offer-yes").addEventListener("click", () => settings.answerVoiceOffer(true));
document.getElementById("voice-offer-no").addEventListener("click", () => settings.answerVoiceOffer(false));

document.addEventListener("keyup", (event) => {
  if (assist.handleKeyUp(event)) event.preventDefault();
});

async function startUp() {
  assist.showPack(null);
  live.start();
  await listenEvent("camera-status", (status) => {
    live.setCamera(status);
    assist.setCameraStatus(status?.status);
    settings.showCamera(status);
  });
  await listenEvent("follow", (event) => assist.handleFollowEvent(event));
  await listenEvent("settings-changed", applyState);
  await listenEvent("pack-opening", (event) => {
    startProgress = applyEncodeEvent(startProgress, event);
    assist.showOpening(startOpening, startProgress);
  });
  await Promise.all([refreshState(), settings.refreshModels(), settings.refreshCameras(), settings.refreshMicrophones()]);
}

startUp();
