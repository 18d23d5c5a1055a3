// Every text the window shows, in one catalogue per language, and the helpers that look them up.
// English is complete and is the fallback; another language only lists the keys it translates.
// Keys are dotted, grouped by view ("assist.…", "library.…", "settings.…", "training.…"), with
// `{name}` placeholders filled from params. ui/tests/strings.test.mjs checks that every key the
// page and the scripts use is here, that none here is unused, and that the English text written
// in index.html (what shows before the scripts run) is the English text here.

/**
 * The catalogues by language code; `en` holds every key. Another language is one more entry here
 * (`fr: Object.freeze({...})`, a BCP 47 code) listing the keys it translates; plural forms are
 * `key.one`, `key.other` and whichever others Intl.PluralRules names for it (`few`, `many`, …).
 */
export const CATALOGUES = {
  en: Object.freeze({
    // The top bar.
    "app.tabs": "Sections",
    "app.tab.assist": "Assist",
    "app.tab.library": "Library",
    "app.tab.settings": "Settings",
    "app.device.title": "Compute device",
    "app.device.titleWithReason": "Compute device: {reason}",
    "app.frameRate.title": "Live view frame rate and latency",
    "app.frameRate.fps": "{fps} fps",
    "app.frameRate.ms": "{ms} ms",

    // Shared by several views.
    "common.cancel": "Cancel",
    "common.cancelling": "Cancelling\u2026",
    "common.refresh": "Refresh",

    // Errors made on this side (the Rust side's errors come with their own message).
    "errors.dismiss": "Dismiss the error",
    "errors.unknown": "Unknown error",
    "errors.missingApi": "The app's window API is missing: open PressNext with pressnext-app, not in a browser.",

    // Numbers and durations.
    "format.percent": "{percent}%",
    "format.seconds": "{seconds} s",
    "format.minutes": "{minutes} min",
    "format.minutesSeconds": "{minutes} min {seconds} s",
    "format.hours": "{hours} h",
    "format.hoursMinutes": "{hours} h {minutes} min",

    // The live view: the camera placeholder, the view status line and the reference photo.
    "live.camera.starting": "Starting the camera\u2026",
    "live.camera.waiting": "Waiting for the first picture\u2026",
    "live.camera.lost": "The camera stopped sending pictures. Check it, or choose another in Settings.",
    "live.camera.none": "No camera found. Choose a camera or a video file in Settings.",
    "live.view.inView": "Appliance in view",
    "live.view.notInView": "Appliance not in view \u2014 {advice}",
    "live.view.buttonUnplaced": "Appliance in view \u2014 {button} is not marked on it; see the reference photo",
    "live.advice.notFound": "point the camera at the appliance",
    "live.advice.tooBlurred": "hold the camera still",
    "live.advice.tooSmall": "move closer",
    "live.advice.tooLarge": "move back",
    "live.advice.tooOblique": "face the panel more directly",
    "live.advice.poorCoverage": "show more of the panel",
    "live.advice.holdSteady": "hold the camera steady",
    "live.advice.noFrame": "no camera picture yet; choose a camera in Settings",
    "live.reference.title": "Reference photo",
    "live.reference.press": "press",
    "live.reference.loading": "Loading the reference photo\u2026",
    "live.reference.failed": "The reference photo could not be loaded.",

    // Assist: no pack, the pack opening at start, the tutorial.
    "assist.noPack.title": "No tutorial pack open",
    "assist.noPack.text": "Open the folder of an appliance's tutorial in the Library to start.",
    "assist.noPack.openLibrary": "Open the Library",
    "assist.opening.title": "Opening the tutorial pack\u2026",
    "assist.opening.bar": "Opening the tutorial pack",
    "assist.pack.none": "No pack open",
    "assist.pack.opening": "Opening the pack\u2026",
    "assist.tutorial": "Tutorial",
    "assist.script": "Tutorial script",
    "assist.video.failed": "The tutorial video did not load: {error}",

    // Assist: the question, by typing or by voice.
    "assist.question.label": "What do you want to do?",
    "assist.question.placeholder": "How do I \u2026?",
    "assist.ask": "Ask",
    "assist.suggestions": "Questions this tutorial answers",
    "assist.voice.speak": "Speak",
    "assist.voice.stop": "Stop",
    "assist.voice.speakTitle": "Ask by voice: the microphone hears the question (v)",
    "assist.voice.holdTitle": "Ask by voice: hold while you speak the question (hold v)",
    "assist.voice.listening": "Listening\u2026 pause when you are done, or press Speak again.",
    "assist.voice.listeningHold": "Listening\u2026 release to ask.",
    "assist.voice.heard": "Heard: \u201c{text}\u201d",
    "assist.voice.said": "Said: \u201c{text}\u201d",
    "assist.voice.otherLanguage":
      "Heard in {language}: \u201c{text}\u201d. This tutorial is in English: Whisper's English is in the question box \u2014 check it, then Ask.",
    "assist.voice.anotherLanguage": "another language",
    "assist.voiceOffer.text": "Hear each step read aloud as it appears? You can change this later in Settings \u2192 Voice.",
    "assist.voiceOffer.yes": "Read steps aloud",
    "assist.voiceOffer.no": "Not now",

    // Assist: where the answer comes from.
    "assist.source.answeringAs": "Answering as: {question}",
    "assist.source.answeringAsSimilar": "Answering as: {question} ({similarity} similar)",
    "assist.source.span": "From the tutorial at {time}: \u201c{goal}\u201d",
    "assist.source.notCovered": "The tutorial does not seem to cover this question.",
    "assist.source.notCoveredClosest": "The tutorial does not seem to cover this question. It covers: {closest}.",
    "assist.source.closest": "\u201c{goal}\u201d at {time}",

    // Assist: the step card.
    "assist.step.region": "Current step",
    "assist.step.askFirst": "Ask a question to see which button to press first.",
    "assist.step.openPack": "Open a tutorial pack to ask questions.",
    "assist.step.noSteps": "The tutorial has no steps for this question.",
    "assist.step.allDone": "Done! All steps are finished.",
    "assist.step.noAction": "No action found for this step.",
    "assist.step.notCovered": "Not covered",
    "assist.step.button": "Button",
    "assist.step.buttonTitle": "{button} in the pack's buttons.csv",
    "assist.step.overridden": "Your choice among the other possibilities",
    "assist.confidence.sure": "{percent} sure",
    "assist.confidence.unsure": "{percent} sure \u00b7 unsure: check the other possibilities",
    "assist.target.label": "Step {number} of {total} \u00b7 {action}",
    "assist.target.unsure": "{percent} \u00b7 unsure",
    "assist.nav.back": "\u2190 Back",
    "assist.nav.backTitle": "Previous step (\u2190 or b)",
    "assist.nav.next": "Next \u2192",
    "assist.nav.nextTitle": "Next step (\u2192 or n)",
    "assist.nav.restart": "Start over",
    "assist.nav.restartTitle": "Start over (r)",
    "assist.nav.sayStep": "Read aloud",
    "assist.nav.sayStepTitle": "Read this step aloud (s)",
    "assist.alternatives.toggle": "Other possibilities",
    "assist.alternatives.toggleTitle": "Other possibilities (a)",
    "assist.alternatives.none": "No other likely action for this step.",
    "assist.alternatives.noButton": "no button",
    "assist.alternatives.use": "Use this action for this step",
    "assist.why.toggle": "Why this button?",
    "assist.why.toggleTitle": "Why this button? (w)",
    "assist.why.play": "\u25b6 Play this part",
    "assist.why.quote": "\u201c{text}\u201d",
    "assist.why.none": "No sentence of the tutorial stood out for this step.",
    "assist.why.labelOperatedAt": "\u201c{label}\u201d on the panel \u00b7 operated at {time} in the tutorial",
    "assist.why.operatedAt": "operated at {time} in the tutorial",
    "assist.why.labelAt": "\u201c{label}\u201d on the panel \u00b7 at {time}",
    "assist.why.at": "at {time}",
    "assist.keys.title": "Keys:",
    "assist.keys.next": "next",
    "assist.keys.back": "back",
    "assist.keys.restart": "start over",
    "assist.keys.why": "why",
    "assist.keys.alternatives": "alternatives",
    "assist.keys.follow": "follow along",
    "assist.keys.speak": "speak",
    "assist.keys.sayStep": "read aloud",

    // The walk through the steps (lib/steps.js); `steps.phrase` is what the voice says for a
    // step, the same words as assistant::voice::step_phrase on the Rust side.
    "steps.label": "Step {number} of {total}",
    "steps.done": "Done",
    "steps.phrase": "Step {number} of {total}: {action}.",

    // Follow along (lib/follow.js): the switch and the status line under the step card.
    "follow.switch": "Follow along",
    "follow.switchTitle": "Move on by itself when the camera sees the shown button operated (f)",
    "follow.off": "Follow along is off",
    "follow.idle": "Follow along starts with the next answer's steps",
    "follow.unavailable": "Follow along cannot check these steps",
    "follow.noCamera": "Follow along needs a running camera",
    "follow.done": "Done! All steps are finished.",
    "follow.confirmed": "Step {step} done: {button}",
    "follow.wrong": "That was {button}",
    "follow.wrongExpected": "That was {button}; the next button is {expected}",
    "follow.watching": "Watching the camera for step {step}",
    "follow.watchingAction": "Watching the camera for step {step}: {action}",
    "follow.anotherControl": "another control",
    "follow.tickStep": "\u2713 Step {step} done",
    "follow.tickSteps": "\u2713 Steps {steps} and {last} done",

    // Library: the packs, opening a folder, and a new pack from one's own tutorial.
    "library.packs.title": "Tutorial packs",
    "library.packs.empty": "No packs yet. Open a folder on the right.",
    "library.pack.active": "Active",
    "library.pack.questions.one": "{count} question",
    "library.pack.questions.other": "{count} questions",
    "library.pack.notEncoded": "not encoded yet",
    "library.pack.open": "Open",
    "library.pack.remove": "Remove",
    "library.pack.removeTitle": "Forget this pack and its cache (your folder is kept)",
    "library.open.title": "Open a pack",
    // Around the file names video.mp4, script.txt and buttons.csv, which stay as they are.
    "library.open.helpStart": "The folder of one appliance (with",
    "library.open.helpEnd": "and its photo) or an AssistQ dataset root. It is encoded once and then opens instantly.",
    "library.open.folder": "Folder",
    "library.open.button": "Open",
    "library.open.applianceQuestion": "This folder holds several appliances. Which one?",
    "library.open.applianceConfirm": "Open this appliance",
    "library.encode.frames": "{folder}: frames {done}/{total}",
    "library.encode.framesOf": "{folder}: frames {done}/{total} (folder {current} of {count})",
    "library.encode.outcome": "{folder}: {outcome} \u00b7 {completed}/{count} folders",
    "library.encode.outcomeDone": "done",
    "library.encode.folders.one": "Encoding {count} folder\u2026",
    "library.encode.folders.other": "Encoding {count} folders\u2026",
    "library.encode.reading": "Reading the pack\u2026",
    "library.encode.grounding": "Reading the panel and grounding the tutorial\u2026",
    "library.newPack.title": "New pack from your own tutorial",
    "library.newPack.help":
      "A tutorial video with spoken narration and a photo of the appliance's controls. The narration is transcribed, the controls are found on the photo, and the pack opens. No questions needed.",
    "library.newPack.video": "Video (MP4 or MOV)",
    "library.newPack.photo": "Photo of the controls (JPEG or PNG)",
    "library.newPack.script": "Narration as script.txt (optional: leave empty to transcribe)",
    "library.newPack.out": "Save the pack in (a new folder)",
    "library.newPack.make": "Make pack",
    "questions.title": "Questions of the open pack",
    "questions.help":
      "Questions are optional: the pack answers any question from its tutorial. A question you add here with its steps is listed by the pack and becomes training data (Settings, Train a model: Use my packs' questions).",
    "questions.none": "This pack lists no questions yet.",
    "questions.list": "Questions the pack lists",
    "questions.question": "Question",
    "questions.questionPlaceholder": "How do I brew a 60 ml lungo?",
    "questions.steps": "Steps, in order",
    "questions.addStep": "Add step",
    "questions.save": "Add question",
    "questions.remove": "Remove",
    "questions.saving": "Adding the question\u2026",
    "questions.saved.one": "Added: the pack now lists {count} question and opens again.",
    "questions.saved.other": "Added: the pack now lists {count} questions and opens again.",
    "questions.kind.press": "Press",
    "questions.kind.hold": "Press and hold",
    "questions.kind.turn": "Turn",
    "questions.kind.slide": "Slide",
    "questions.kind.open": "Open",
    "questions.kind.close": "Close",
    "questions.direction.any": "either way",
    "questions.direction.clockwise": "clockwise",
    "questions.direction.anticlockwise": "anticlockwise",
    "questions.step.kind": "Action of step {n}",
    "questions.step.button": "Control of step {n}",
    "questions.step.direction": "Direction of step {n}",
    "questions.step.seconds": "Seconds to hold in step {n} (optional)",
    "questions.step.to": "Where to in step {n} (optional)",
    "questions.step.up": "Move step {n} earlier",
    "questions.step.down": "Move step {n} later",
    "questions.step.remove": "Remove step {n}",
    "questions.step.secondsPlaceholder": "seconds",
    "questions.step.toPlaceholder": "to, e.g. 60 ml",
    "questions.problem.empty": "Type the question.",
    "questions.problem.long": "A question is at most {max} characters: ask one thing.",
    "questions.problem.listed": "The pack already lists this question.",
    "questions.problem.noSteps": "Add at least one step.",
    "questions.problem.manySteps": "At most {max} steps.",
    "questions.problem.button": "Step {n}: choose one of the pack's controls.",
    "questions.problem.action": "Step {n}: choose an action.",
    "questions.problem.seconds": "Step {n}: hold for more than 0 and at most {max} seconds, or leave it empty.",
    "questions.problem.target": "Step {n}: where to cannot hold < or >.",
    "boxes.title": "Controls of the open pack",
    "boxes.help":
      "Drag on the photo to draw a box, drag a box to move it, drag its edge or corner to resize it. With the photo focused: arrows move the selected box (Shift: 10 px), Alt+arrows resize it, Delete removes it, [ and ] select the previous or next, n adds one, Ctrl+Z undoes, Ctrl+Y redoes.",
    "boxes.canvas": "Reference photo with the control boxes",
    "boxes.list": "Boxes",
    "boxes.name": "Name of the selected box",
    "boxes.add": "Add box",
    "boxes.delete": "Delete",
    "boxes.undo": "Undo",
    "boxes.redo": "Redo",
    "boxes.save": "Save boxes",
    "boxes.saving": "Saving the boxes\u2026",
    "boxes.saved": "Saved {count} boxes; the pack opens again with them.",
    "boxes.name.empty": "A box needs a name.",
    "boxes.name.comma_or_quote": "A name cannot hold a comma or a quote (buttons.csv).",
    "boxes.name.taken": "Another box has that name.",
    "library.newPack.takePhoto": "Take photo",
    "library.newPack.takePhotoTitle": "Take the photo with the camera (checked for sharpness)",
    "library.newPack.takingPhoto": "Taking the photo\u2026",
    "library.newPack.photoTaken": "Photo taken ({width} \u00d7 {height}, sharpness {sharpness}): {path}",
    "library.newPack.photoHint": "Used, but: {hint}.",
    "library.newPack.photoBlurred": "Not used: {hint} (sharpness {sharpness}, at least {minimum} needed).",
    "library.newPack.transcribing": "Transcribing the narration\u2026 {percent} %",
    "library.newPack.reading": "Reading the photo's labels and finding its controls\u2026",
    "library.newPack.registering": "Finding the photo in the video\u2026 {percent} %",
    "library.newPack.writing": "Writing the pack\u2026",
    "library.newPack.made":
      "Made {folder}: {lines} script lines ({source}), {controls} controls ({named} named by their labels). Opening it\u2026",

    // Settings: compute, model and checkpoint import.
    "settings.compute.title": "Compute",
    "settings.device.field": "Device",
    "settings.device.auto": "Automatic (GPU when usable)",
    "settings.device.cpu": "CPU",
    "settings.device.active": "Active: {device}",
    "settings.device.activeWithReason": "Active: {device} \u2014 {reason}",
    "settings.model.field": "Model",
    "settings.model.option": "{name} ({kind})",
    "settings.model.optionWithRecall": "{name} ({kind}) \u00b7 R@1 {recall}",
    "settings.model.notFound": "{name} (not found)",
    "settings.import.title": "Import checkpoint",
    "settings.import.pathPlaceholder": "Path to a .pth or .safetensors file",
    "settings.import.namePlaceholder": "Name, e.g. reference-vit",
    "settings.import.button": "Import",
    "settings.encoders.title": "Encoder weights",
    "settings.encoders.missing": "The encoder weights are missing.",
    "settings.encoders.line": "Text: {text} \u00b7 Image: {image} \u00b7 {root}",

    // Settings: the camera.
    "settings.camera.title": "Camera",
    "settings.camera.source": "Source",
    "settings.camera.refreshTitle": "Look for cameras again",
    "settings.camera.resolution": "Resolution",
    "settings.camera.auto": "Automatic",
    "settings.camera.named": "{name} (#{index})",
    "settings.camera.numbered": "Camera #{index}",
    "settings.camera.notConnected": "Camera #{index} (not connected)",
    "settings.camera.file": "Video file\u2026",
    "settings.camera.state.starting": "Starting",
    "settings.camera.state.running": "Running",
    "settings.camera.state.noCamera": "No camera",
    "settings.camera.state.lost": "Lost",
    "settings.camera.state.stopped": "Stopped",
    "settings.camera.size": "{width}\u00d7{height}",
    "settings.camera.sizeAt": "{width}\u00d7{height} at {fps} fps",

    // Settings: Assist.
    "settings.assist.title": "Assist",
    "settings.assist.showAlternatives": "Show other possibilities under each step",
    "settings.assist.outline": "Target outline",
    "settings.outline.standard": "Standard (green)",
    "settings.outline.highContrast": "High contrast (yellow on black)",
    "settings.outline.large": "Large outline",

    // Settings: Voice.
    "settings.voice.title": "Voice",
    "settings.voice.microphone": "Microphone",
    "settings.voice.refreshTitle": "Look for microphones again",
    "settings.voice.microphoneFile": "Recording played as the microphone",
    // Around the key name "v", which stays as it is.
    "settings.voice.holdToTalkStart": "Hold to talk: listen only while Speak (or",
    "settings.voice.holdToTalkEnd": ") is held",
    "settings.voice.spokenLanguage": "Questions are spoken in",
    "settings.voice.english": "English (quickest)",
    "settings.voice.anyLanguage": "Any language (slower: another language is told apart and shown in English)",
    "settings.voice.speakSteps": "Speak each step when it appears",
    "settings.voice.name": "Voice (eSpeak NG name)",
    "settings.voice.rate": "Words a minute",
    "settings.voice.volume": "Volume %",
    "settings.microphone.auto": "Automatic (the system's default)",
    "settings.microphone.default": "{name} (default)",
    "settings.microphone.notConnected": "{name} (not connected)",
    "settings.microphone.file": "Recording file\u2026",
    "settings.save": "Save settings",
    "settings.saved": "Saved",

    // Settings: checking the installation (pressnext doctor).
    "settings.doctor.title": "This installation",
    // Around the command name "pressnext doctor", which stays as it is.
    "settings.doctor.helpStart":
      "Version, compute devices, cameras, encoder weights (re-checked against their sha256), the demo model and the data folder: what",
    "settings.doctor.helpEnd": "prints.",
    "settings.doctor.run": "Check this installation",
    "settings.doctor.checking": "Checking\u2026",
    "settings.doctor.problems": "{count} problem(s): see the fixes below",
    "settings.doctor.allGood": "All good",

    // Settings: training a model.
    "training.title": "Train a model",
    "training.dataset": "Dataset folder (AssistQ layout)",
    "training.epochs": "Epochs",
    "training.lr": "Learning rate",
    "training.batch": "Batch size",
    "training.name": "Model name",
    "training.start": "Start training",
    "training.stop": "Stop",
    "training.use": "Use this model",
    "training.status.idle": "idle",
    "training.status.encoding": "encoding",
    "training.status.running": "running",
    "training.status.finished": "finished",
    "training.status.stopped": "stopped",
    "training.status.failed": "failed: {message}",
    "training.eta.encoding": "encoding",
    "training.eta.encodingStage": "encoding {stage} {done}/{total}",
    "training.eta.epoch": "epoch {epoch}",
    "training.eta.epochOf": "epoch {epoch}/{epochs}",
    "training.eta.left": "{epoch} \u00b7 {duration} left",
    "training.eta.epochsDone": "{epoch}/{epochs} epochs done",
    "training.eta.done": "done",
    "training.eta.stopped": "stopped in epoch {epoch}",
    "training.detail.samples": "{count} QA samples",
    "training.detail.saved": "Saved.",
    "training.detail.savedAs": "Saved as model \u201c{name}\u201d.",
    "training.detail.stopped": "Stopped.",
    "training.detail.stoppedKept": "Stopped. The last good checkpoint is kept: {checkpoint}",
    "training.unknownError": "unknown error",
    "training.failedOnError": "Training stopped on an error.",
    "training.fromPacks": "Use my packs' questions",
    "training.fromPacks.one": "{count} question with steps from {packs}.",
    "training.fromPacks.other": "{count} questions with steps from {packs}.",
    "training.invalid.dataset": "Dataset folder: enter the folder of the AssistQ dataset to train on.",
    "training.invalid.epochs": "Epochs: enter a whole number of at least 1.",
    "training.invalid.lr": "Learning rate: enter a number above 0, such as 0.001.",
    "training.invalid.batch": "Batch size: enter a whole number of at least 1.",
    "training.invalid.name": "Model name: enter a name without '/' or '\\', such as my-model.",
    "training.chart.label": "Training loss chart",
    "training.chart.batchLoss": "batch loss",
    "training.chart.epochLoss": "epoch train loss",
    "training.chart.valRecall": "val R@1",
    "training.chart.epoch": "epoch",
    "training.chart.trainLoss": "train loss",
    "training.table.epoch": "Epoch",
    "training.table.trainLoss": "Train loss",
    "training.table.recall1": "R@1",
    "training.table.recall3": "R@3",
    "training.table.mrr": "MRR",
    "training.table.seconds": "Seconds",
  }),
};

const FALLBACK = "en";
let current = FALLBACK;

/**
 * Chooses the language of `t` (a code such as "en" or "fr-CA"): the code's own catalogue, else
 * its base language's ("fr"), else English. Returns the language now in use.
 */
export function setLanguage(code) {
  const text = String(code ?? "");
  const base = text.split(/[-_]/)[0].toLowerCase();
  current = Object.hasOwn(CATALOGUES, text) ? text : Object.hasOwn(CATALOGUES, base) ? base : FALLBACK;
  return current;
}

/** The language `t` uses now. */
export function language() {
  return current;
}

function lookup(key) {
  const own = CATALOGUES[current];
  if (own && Object.hasOwn(own, key)) return own[key];
  if (Object.hasOwn(CATALOGUES[FALLBACK], key)) return CATALOGUES[FALLBACK][key];
  return null;
}

// Fills `{name}` from params; a placeholder without a param stays as written, so it shows.
function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (match, name) => (Object.hasOwn(params, name) ? String(params[name]) : match));
}

/**
 * The text of `key` in the current language, else in English, with `{name}` placeholders filled
 * from `params`. A key found nowhere comes back as itself: a missing string shows as its key,
 * never as "undefined".
 */
export function t(key, params = {}) {
  const text = lookup(key);
  return text === null ? key : fill(text, params);
}

/**
 * The text for `count` of something: `key.one`, `key.other` (and in other languages `key.few`,
 * `key.many`, …, as Intl.PluralRules names the forms), with `{count}` filled and `params` too. A
 * form the language lacks falls back to its `key.other`, then to English.
 */
export function plural(key, count, params = {}) {
  const filled = { count, ...params };
  const own = CATALOGUES[current] ?? {};
  const form = new Intl.PluralRules(current).select(count);
  for (const candidate of [`${key}.${form}`, `${key}.other`]) {
    if (Object.hasOwn(own, candidate)) return fill(own[candidate], filled);
  }
  const english = new Intl.PluralRules(FALLBACK).select(count);
  return t(Object.hasOwn(CATALOGUES[FALLBACK], `${key}.${english}`) ? `${key}.${english}` : `${key}.other`, filled);
}

const ATTRIBUTES = [
  ["data-i18n-title", "title"],
  ["data-i18n-placeholder", "placeholder"],
  ["data-i18n-aria-label", "aria-label"],
];

/**
 * Writes the catalogue's text into the page under `root`: the text of each `data-i18n="key"`
 * element (which must hold no child elements, as its text is replaced), and the title,
 * placeholder and aria-label of `data-i18n-title`, `data-i18n-placeholder` and
 * `data-i18n-aria-label` ones. Given the document, it also sets the page's `lang`.
 */
export function applyStrings(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.getAttribute("data-i18n"));
  for (const [data, attribute] of ATTRIBUTES) {
    for (const node of root.querySelectorAll(`[${data}]`)) node.setAttribute(attribute, t(node.getAttribute(data)));
  }
  if (root.documentElement) root.documentElement.lang = current;
}
