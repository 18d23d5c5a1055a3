// The Assist panel around the live view: the question, the step card, the alternatives, "why",
// follow along, and the tutorial video with its script.

import { invokeCommand } from "../backend.js";
import { showError } from "./error-banner.js";
import {
  NO_ANSWER,
  startWalk,
  nextStep,
  previousStep,
  restartWalk,
  chooseCandidate,
  currentStep,
  alternatives,
  stepLabel,
  stepPhrase,
} from "../lib/steps.js";
import { playWav } from "./voice.js";
import { referenceBox } from "../lib/overlay.js";
import { percent, clockTime, confidenceText, answerSourceText, whyTimeText, otherLanguageText } from "../lib/format.js";
import { sentenceAt } from "../lib/script.js";
import { openingStatus } from "../lib/encode.js";
import {
  CONFIRMED_SHOWN_MS,
  WRONG_SHOWN_MS,
  applyFollowEvent,
  canFollow,
  confirmedText,
  followDefault,
  followStatus,
  followStatusText,
  followStepIndex,
} from "../lib/follow.js";
import { byId, element } from "./dom.js";
import { beep, prepareBeep } from "./beep.js";
import { t } from "../lib/strings.js";

// Tones of the follow-along cues: up for a step seen done, higher for the end, low for a wrong control.
const CUE_TONES = { confirmed: 880, done: 1320, wrong: 330 };

/** Keys typed into these never drive the steps (a focused checkbox, such as the switch, does not count). */
function isTypingTarget(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.tagName === "INPUT") return !["checkbox", "radio"].includes(target.type);
  return target.isContentEditable || ["TEXTAREA", "SELECT", "VIDEO"].includes(target.tagName);
}

export function createAssistView(live) {
  const question = byId("question");
  const askButton = byId("ask");
  const speakButton = byId("speak");
  const voiceStatus = byId("voice-status");
  const sayStepButton = byId("say-step");
  // The speak_steps setting, and the last step read aloud (each is read once when it appears).
  let speakSteps = false;
  // The hold_to_talk setting, and whether a question is being listened to.
  let holdToTalk = false;
  // The offline voice: whether it is speaking, the request waiting for it, and what follow along
  // just saw (said before the next step).
  let speaking = false;
  const speechQueue = [];
  const SPEECH_QUEUE_MAX = 3;
  let lastQueuedSpeech = null;
  let spokenFollowLine = null;
  let listening = false;
  let lastSpoken = null;
  const questionOptions = byId("question-options");
  const suggestions = byId("suggestions");
  const answeringAs = byId("answering-as");
  const stepCard = byId("step-card");
  const stepLabelElement = byId("step-label");
  const stepDone = byId("step-done");
  const stepAction = byId("step-action");
  const stepButton = byId("step-button");
  const stepConfidence = byId("step-confidence");
  const backButton = byId("back");
  const nextButton = byId("next");
  const restartButton = byId("restart");
  const alternativesToggle = byId("alternatives-toggle");
  const alternativesList = byId("alternatives");
  const whyButton = byId("why");
  const whyText = byId("why-text");
  const whySentence = byId("why-sentence");
  const whyTime = byId("why-time");
  const whyPlay = byId("why-play");
  const followSwitch = byId("follow-along");
  const followStatusLine = byId("follow-status");
  const video = byId("tutorial-video");
  let videoObjectUrl = null;

  // WebKitGTK's media player cannot read custom schemes (pack://), but plays blob URLs: the
  // video is fetched once and handed over as one.
  async function loadVideo(detail) {
    if (videoObjectUrl) URL.revokeObjectURL(videoObjectUrl);
    videoObjectUrl = null;
    video.removeAttribute("src");
    video.load();
    if (!detail) return;
    try {
      const response = await fetch(detail.video_url);
      if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
      const blob = await response.blob();
      if (pack !== detail) return; // another pack was chosen meanwhile
      videoObjectUrl = URL.createObjectURL(new Blob([blob], { type: "video/mp4" }));
      video.src = videoObjectUrl;
      video.load();
    } catch (error) {
      showError({ code: "pack.invalid", message: t("assist.video.failed", { error: error.message ?? error }) });
    }
  }
  const script = byId("script");
  const noPack = byId("no-pack");
  const noPackEmpty = byId("no-pack-empty");
  const startOpening = byId("start-opening");
  const startOpeningFolder = byId("start-opening-folder");
  const startOpeningBar = byId("start-opening-bar");
  const startOpeningText = byId("start-opening-text");
  const startOpeningCancel = byId("start-opening-cancel");
  const packName = byId("assist-pack-name");
  const packAppliance = byId("assist-pack-appliance");

  let pack = null;
  let walk = NO_ANSWER;
  let asking = false;
  let showAlternativesByDefault = false;
  let currentSentence = -1;
  // Follow along: the camera status, the user's own switch setting (null until they touch it),
  // whether the Rust side is following the current answer, whether starting it failed for this
  // answer, and the last event's line while it is shown.
  let cameraStatus = null;
  let followChoice = null;
  let following = false;
  let followFailed = false;
  let followShown = null;
  let followShownTimer = null;

  function setExpanded(toggle, panel, expanded) {
    toggle.setAttribute("aria-expanded", String(expanded));
    panel.hidden = !expanded;
  }

  function renderAlternatives() {
    alternativesList.replaceChildren();
    const others = alternatives(walk);
    if (others.length === 0) {
      alternativesList.append(element("li", "empty", t("assist.alternatives.none")));
      return;
    }
    for (const { candidate, candidateIndex } of others) {
      const item = element("li", "alternative");
      item.tabIndex = 0;
      item.dataset.candidateIndex = String(candidateIndex);
      item.dataset.button = candidate.button ?? "";
      item.append(
        element("span", "alt-action", candidate.action),
        element("span", "alt-percent", percent(candidate.probability)),
        element("span", "alt-button", candidate.label ?? candidate.button ?? t("assist.alternatives.noButton")),
      );
      item.title = t("assist.alternatives.use");
      alternativesList.append(item);
    }
  }

  function renderWhy(step) {
    const why = step?.step.why ?? null;
    if (why) {
      whySentence.textContent = t("assist.why.quote", { text: why.text });
      whyTime.textContent = whyTimeText(why);
      whyPlay.hidden = false;
      // Play from just before the moment the tutorial operates the control, when it was seen.
      whyPlay.dataset.start = String(why.moment != null ? Math.max(why.start, why.moment - 1) : why.start);
    } else {
      whySentence.textContent = t("assist.why.none");
      whyTime.textContent = "";
      whyPlay.hidden = true;
    }
    for (const item of script.children) {
      item.classList.toggle("why", why !== null && Number(item.dataset.index) === why.sentence);
    }
  }

  /** Shows the walk on the step card and sends the target to the live view. */
  function renderWalk(askStartedAt = null) {
    const step = currentStep(walk);
    const uncovered = walk.answer?.covered === false;
    stepLabelElement.textContent = uncovered ? t("assist.step.notCovered") : stepLabel(walk);
    const hasAnswer = walk.answer !== null;
    stepCard.dataset.state = !hasAnswer ? "empty" : uncovered ? "uncovered" : walk.done ? "done" : "step";
    if (!hasAnswer) {
      stepAction.textContent = pack ? t("assist.step.askFirst") : t("assist.step.openPack");
    } else if (walk.done) {
      stepAction.textContent =
        walk.answer.covered === false
          ? t("assist.source.notCovered")
          : walk.answer.steps.length === 0
            ? t("assist.step.noSteps")
            : t("assist.step.allDone");
    } else {
      stepAction.textContent = step.candidate?.action ?? t("assist.step.noAction");
    }
    stepButton.textContent = step?.candidate?.label ?? step?.candidate?.button ?? "";
    stepButton.title = step?.candidate?.label ? t("assist.step.buttonTitle", { button: step.candidate.button }) : "";
    // A step the answer is unsure of is shown as a guess, never as a confident box.
    const unsure = Boolean(step?.step.low_confidence) && !step?.overridden;
    stepCard.dataset.confidence = unsure ? "low" : "sure";
    stepConfidence.textContent = step?.candidate ? confidenceText(step.candidate.probability, unsure) : "";
    stepConfidence.title = step?.overridden ? t("assist.step.overridden") : "";

    backButton.disabled = !hasAnswer || (!walk.done && walk.index === 0) || walk.answer.steps.length === 0;
    nextButton.disabled = !hasAnswer || walk.done;
    restartButton.disabled = !hasAnswer;
    sayStepButton.disabled = step === null || !step.candidate;
    alternativesToggle.disabled = step === null;
    whyButton.disabled = step === null;
    if (step === null) {
      setExpanded(alternativesToggle, alternativesList, false);
      setExpanded(whyButton, whyText, false);
    } else if (unsure) {
      setExpanded(alternativesToggle, alternativesList, true);
    }
    renderAlternatives();
    renderWhy(step);
    speakIfNew();

    const candidate = step?.candidate ?? null;
    live.setTarget(
      candidate?.button
        ? {
            button: candidate.button,
            box: referenceBox(candidate, pack?.buttons),
            label: t("assist.target.label", { number: step.number, total: step.total, action: candidate.action }),
            confidence: unsure ? t("assist.target.unsure", { percent: percent(candidate.probability) }) : percent(candidate.probability),
            unsure,
          }
        : null,
      askStartedAt,
    );
    renderFollow();
  }

  const followWanted = () => followDefault(cameraStatus, followChoice);

  function setText(node, text) {
    // Writing the same text again could make a screen reader repeat the live region.
    if (node.textContent !== text) node.textContent = text;
  }

  /** The switch, the follow status line and `data-follow`, and the tick of steps seen done. */
  function renderFollow() {
    const on = followWanted();
    followSwitch.checked = on;
    const status = followStatus(walk, { on, cameraStatus, shown: followShown, failed: followFailed });
    stepCard.dataset.follow = status.kind;
    setText(followStatusLine, followStatusText(status));
    const ticks = confirmedText(walk);
    setText(stepDone, ticks);
    stepDone.hidden = ticks === "";
  }

  function showFollowLine(shown) {
    clearTimeout(followShownTimer);
    followShown = shown;
    if (shown?.kind === "confirmed" || shown?.kind === "wrong") {
      followShownTimer = setTimeout(
        () => {
          followShown = null;
          renderFollow();
        },
        shown.kind === "confirmed" ? CONFIRMED_SHOWN_MS : WRONG_SHOWN_MS,
      );
    }
  }

  /** A beep and a brief flash of the step card (its colour from `data-follow`). */
  function followCue(kind) {
    beep(CUE_TONES[kind]);
    stepCard.classList.remove("follow-flash");
    void stepCard.offsetWidth; // restarts the animation when the last flash has not ended
    stepCard.classList.add("follow-flash");
  }

  async function startFollowing() {
    // Set before the call: the first events of the new check may come before its reply.
    following = true;
    followFailed = false;
    const answer = walk.answer;
    const result = await invokeCommand("follow", { on: true, step: followStepIndex(walk) });
    if (result.ok || walk.answer !== answer) return;
    following = false;
    followFailed = true;
    renderFollow();
  }

  function stopFollowing() {
    following = false;
    invokeCommand("follow", { on: false, step: 0 });
  }

  /** Starts or stops the Rust side's check so that it matches the switch and the answer. */
  function syncFollowing() {
    const wanted = followWanted() && pack !== null && canFollow(walk.answer) && !followFailed;
    if (wanted && !following) startFollowing();
    else if (!wanted && following) stopFollowing();
  }

  /** A new answer or pack: no event line, and the check starts again for it. */
  function resetFollow() {
    showFollowLine(null);
    followFailed = false;
    stepCard.classList.remove("follow-flash");
  }

  /** Applies a user's move; `steps` is false for one that stays on the step (an alternative). */
  function move(transition, steps = true) {
    const next = transition(walk);
    if (next === walk) return;
    walk = next;
    showFollowLine(null);
    if (steps && following) invokeCommand("follow_step", { step: followStepIndex(walk) });
    renderWalk();
  }

  function toggleFollow() {
    prepareBeep();
    followChoice = !followWanted();
    followFailed = false;
    syncFollowing();
    renderFollow();
  }

  function renderAnsweringAs(answer) {
    const text = answerSourceText(answer);
    answeringAs.hidden = text === null;
    answeringAs.textContent = text ?? "";
  }

  async function ask(text = question.value) {
    if (asking) return;
    const startedAt = performance.now();
    prepareBeep(); // asking is a user's gesture: audio may start now, ready for the cues
    asking = true;
    askButton.disabled = true;
    askButton.classList.add("busy");
    askButton.setAttribute("aria-busy", "true");
    const result = await invokeCommand("ask", { question: text });
    asking = false;
    askButton.disabled = pack === null;
    askButton.classList.remove("busy");
    askButton.removeAttribute("aria-busy");
    if (!result.ok) return;
    const answer = result.value;
    walk = startWalk(answer);
    resetFollow();
    // The check follows the last answer asked: start it again for this one (or stop it).
    if (canFollow(answer) && followWanted()) startFollowing();
    else if (following) stopFollowing();
    renderAnsweringAs(answer);
    setExpanded(alternativesToggle, alternativesList, showAlternativesByDefault);
    setExpanded(whyButton, whyText, false);
    renderWalk(startedAt);
  }

  function renderQuestions(questions) {
    suggestions.closest(".suggestions-box").hidden = questions.length === 0;
    questionOptions.replaceChildren(...questions.map((q) => Object.assign(document.createElement("option"), { value: q })));
    suggestions.replaceChildren(
      ...questions.map((q) => {
        const item = element("li", "suggestion", q);
        item.tabIndex = 0;
        return item;
      }),
    );
  }

  function renderScript(sentences) {
    currentSentence = -1;
    script.replaceChildren(
      ...sentences.map((sentence, position) => {
        const item = element("li");
        item.dataset.position = String(position);
        item.dataset.index = String(sentence.index);
        item.dataset.start = String(sentence.start);
        item.append(element("span", "time", clockTime(sentence.start)), element("span", "text", sentence.text));
        return item;
      }),
    );
  }

  /** Keeps the spoken sentence highlighted and in view inside the script list only. */
  function followVideo() {
    const position = sentenceAt(pack?.script, video.currentTime);
    if (position === currentSentence) return;
    script.children[currentSentence]?.classList.remove("current");
    currentSentence = position;
    const item = script.children[position];
    if (!item) return;
    item.classList.add("current");
    const top = item.offsetTop - script.clientHeight / 2 + item.clientHeight / 2;
    script.scrollTo({ top: Math.max(0, top), behavior: "smooth" });
  }

  function seekVideo(seconds, play) {
    if (!Number.isFinite(seconds)) return;
    video.currentTime = seconds;
    // The position reads back at once; highlighting now does not wait for the seek to finish.
    followVideo();
    if (play) video.play().catch((reason) => console.warn("tutorial video did not play:", reason));
  }

  function toggle(toggleButton, panel) {
    if (toggleButton.disabled) return;
    setExpanded(toggleButton, panel, panel.hidden);
  }

  /** The voice states shown under the question box, not in the error banner. */
  const VOICE_STATES = ["microphone.unavailable", "voice.unavailable"];

  function showListening(on, hold) {
    listening = on;
    speakButton.setAttribute("aria-pressed", String(on));
    speakButton.textContent = on && !hold ? t("assist.voice.stop") : t("assist.voice.speak");
    speakButton.classList.toggle("listening", on);
  }

  /**
   * Asks by voice: listens (held: until released; else until the pause after the question or
   * Speak pressed again), shows the words in the box (editable) and asks them.
   */
  async function listen(hold) {
    if (asking || listening) return;
    showListening(true, hold);
    delete voiceStatus.dataset.endedBy;
    voiceStatus.textContent = hold ? t("assist.voice.listeningHold") : t("assist.voice.listening");
    const heard = await invokeCommand("hear_question", { hold }, { quiet: VOICE_STATES });
    showListening(false, hold);
    if (!heard.ok) {
      voiceStatus.textContent = VOICE_STATES.includes(heard.error.code) ? heard.error.message : "";
      return;
    }
    if (heard.value.english !== null && heard.value.english !== undefined) {
      // The tutorial is in English: the question is not asked; Whisper's English is offered to
      // check and ask.
      voiceStatus.textContent = otherLanguageText(heard.value);
      voiceStatus.dataset.language = heard.value.language;
      question.value = heard.value.english;
      question.focus();
      return;
    }
    voiceStatus.dataset.language = heard.value.language;
    voiceStatus.textContent = t("assist.voice.heard", { text: heard.value.text });
    voiceStatus.dataset.endedBy = heard.value.ended_by;
    // From the end of the speech to the words; the ask adds its own time to the overlay.
    window.pressnextStats.heardAfterSpeechMs = Math.round(heard.value.after_speech_seconds * 1000);
    question.value = heard.value.text;
    if (pack) await ask(heard.value.text);
  }

  function stopListening() {
    if (listening) invokeCommand("stop_listening", {});
  }

  /** Speak pressed (a click or `v`): starts listening, or ends it when listening. */
  function speak() {
    if (holdToTalk) return;
    if (listening) stopListening();
    else listen(false);
  }

  /** With the speak_steps setting, reads each step aloud once when it appears. */
  function speakIfNew() {
    const step = currentStep(walk);
    const key = step?.candidate ? `${walk.answer?.question}\u0000${step.number}\u0000${step.candidate.action}` : null;
    if (!speakSteps || key === null || key === lastSpoken) return;
    lastSpoken = key;
    const prefix = spokenFollowLine;
    spokenFollowLine = null;
    sayStep(prefix);
  }

  /**
   * Says `text` with the offline voice. While something is being said, requests wait in order
   * (a repeat of the last one is dropped, and only the newest few are kept, so the voice never
   * falls far behind the steps).
   */
  async function sayText(text) {
    if (text === lastQueuedSpeech && (speaking || speechQueue.length > 0)) return;
    lastQueuedSpeech = text;
    speechQueue.push(text);
    if (speechQueue.length > SPEECH_QUEUE_MAX) speechQueue.shift();
    if (speaking) return;
    speaking = true;
    while (speechQueue.length > 0) {
      const next = speechQueue.shift();
      const said = await invokeCommand("say", { text: next }, { quiet: VOICE_STATES });
      if (said.ok) {
        voiceStatus.textContent = t("assist.voice.said", { text: said.value.text });
        // How loud what is played is (0 would be silence), for whoever checks it was spoken.
        voiceStatus.dataset.rms = String(said.value.rms);
        await playWav(said.value.wav_base64);
      } else if (VOICE_STATES.includes(said.error.code)) {
        voiceStatus.textContent = said.error.message;
        speechQueue.length = 0;
      }
    }
    lastQueuedSpeech = null;
    speaking = false;
  }

  /** Reads the shown step aloud, after `prefix` (what follow along just saw) when given. */
  function sayStep(prefix = null) {
    const step = currentStep(walk);
    if (!step?.candidate) return;
    const phrase = stepPhrase(step.number, step.total, step.candidate.action);
    sayText(prefix ? `${prefix.replace(/[.!]$/, "")}. ${phrase}` : phrase);
  }

  speakButton.addEventListener("click", speak);
  // Hold to talk: the question is what is said while the button (or Space/Enter on it) is held.
  speakButton.addEventListener("pointerdown", (event) => {
    if (!holdToTalk || event.button !== 0) return;
    speakButton.setPointerCapture?.(event.pointerId);
    listen(true);
  });
  for (const end of ["pointerup", "pointercancel"]) {
    speakButton.addEventListener(end, () => holdToTalk && stopListening());
  }
  speakButton.addEventListener("keydown", (event) => {
    if (!holdToTalk || (event.key !== " " && event.key !== "Enter")) return;
    event.preventDefault();
    event.stopPropagation();
    if (!event.repeat) listen(true);
  });
  speakButton.addEventListener("keyup", (event) => {
    if (!holdToTalk || (event.key !== " " && event.key !== "Enter")) return;
    event.preventDefault();
    event.stopPropagation();
    stopListening();
  });
  sayStepButton.addEventListener("click", () => sayStep());
  askButton.addEventListener("click", () => ask());
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      ask();
    }
  });
  suggestions.addEventListener("click", (event) => {
    const item = event.target.closest("li.suggestion");
    if (!item) return;
    question.value = item.textContent;
    ask(item.textContent);
  });
  suggestions.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches("li.suggestion")) event.target.click();
  });
  nextButton.addEventListener("click", () => move(nextStep));
  backButton.addEventListener("click", () => move(previousStep));
  restartButton.addEventListener("click", () => move(restartWalk));
  alternativesToggle.addEventListener("click", () => toggle(alternativesToggle, alternativesList));
  whyButton.addEventListener("click", () => toggle(whyButton, whyText));
  alternativesList.addEventListener("click", (event) => {
    const item = event.target.closest("li.alternative");
    if (item) move((w) => chooseCandidate(w, Number(item.dataset.candidateIndex)), false);
  });
  alternativesList.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches("li.alternative")) event.target.click();
  });
  followSwitch.addEventListener("change", toggleFollow);
  stepCard.addEventListener("animationend", (event) => {
    if (event.target === stepCard) stepCard.classList.remove("follow-flash");
  });
  whyPlay.addEventListener("click", () => seekVideo(Number(whyPlay.dataset.start), true));
  script.addEventListener("click", (event) => {
    const item = event.target.closest("li");
    if (item) seekVideo(Number(item.dataset.start), false);
  });
  video.addEventListener("timeupdate", followVideo);
  video.addEventListener("seeked", followVideo);
  byId("go-library").addEventListener("click", () => byId("tab-library").click());
  startOpeningCancel.addEventListener("click", async () => {
    startOpeningCancel.disabled = true;
    startOpeningText.textContent = t("common.cancelling");
    await invokeCommand("cancel_open");
  });

  return {
    /** Shows a pack (PackDetail), or the empty state for null; any answer is dropped. */
    showPack(detail) {
      if (following) stopFollowing();
      pack = detail;
      walk = NO_ANSWER;
      resetFollow();
      noPack.hidden = detail !== null;
      packName.textContent = detail?.name ?? t("assist.pack.none");
      packAppliance.textContent = detail ? detail.appliance : "";
      question.disabled = detail === null;
      askButton.disabled = detail === null;
      renderQuestions(detail?.questions ?? []);
      renderScript(detail?.script ?? []);
      renderAnsweringAs(null);
      loadVideo(detail);
      live.setPack(detail);
      renderWalk();
    },

    /**
     * The pack given at start while it opens (`folder`, or null once it is open or failed), with
     * its encode progress: shown where "No tutorial pack open" would be, with a Cancel button.
     */
    showOpening(folder, progress) {
      const isOpening = typeof folder === "string" && folder !== "";
      startOpening.hidden = !isOpening;
      noPackEmpty.hidden = isOpening;
      if (pack === null) packName.textContent = isOpening ? t("assist.pack.opening") : t("assist.pack.none");
      if (!isOpening) {
        startOpeningCancel.disabled = false;
        return;
      }
      const { fraction, text } = openingStatus(progress);
      startOpeningFolder.textContent = folder;
      if (fraction === null) startOpeningBar.removeAttribute("value");
      else startOpeningBar.value = fraction;
      if (!startOpeningCancel.disabled) startOpeningText.textContent = text;
    },

    /** The camera's status ("running", "no_camera", …): follow along is on by default while it runs. */
    setCameraStatus(status) {
      if ((status ?? null) === cameraStatus) return;
      cameraStatus = status ?? null;
      syncFollowing();
      renderFollow();
    },

    /** A `follow` event from the camera check: tick and move on, name a wrong control, or finish. */
    handleFollowEvent(payload) {
      if (!following) return;
      const result = applyFollowEvent(walk, payload);
      if (result.cue === null) return;
      walk = result.walk;
      showFollowLine(result.shown);
      if (result.resync) invokeCommand("follow_step", { step: followStepIndex(walk) });
      // Read aloud: what the camera saw, then the next step when one appears (speakIfNew).
      spokenFollowLine = speakSteps && result.shown ? followStatusText(followStatus(walk, { on: true, cameraStatus, shown: result.shown })) : null;
      renderWalk();
      if (spokenFollowLine) sayText(spokenFollowLine);
      spokenFollowLine = null;
      followCue(result.cue);
    },

    /** Whether each step is spoken when it appears (the speak_steps setting). */
    setSpeakSteps(speak) {
      speakSteps = Boolean(speak);
    },

    /** Whether Speak listens while held (the hold_to_talk setting) or until a pause. */
    setHoldToTalk(hold) {
      holdToTalk = Boolean(hold);
      speakButton.title = holdToTalk ? t("assist.voice.holdTitle") : t("assist.voice.speakTitle");
    },

    /** Whether "Other possibilities" opens with each answer (the show_alternatives setting). */
    setShowAlternatives(show) {
      showAlternativesByDefault = Boolean(show);
    },

    /** The end of a held `v` (hold to talk); returns true when it was that. */
    handleKeyUp(event) {
      if (!holdToTalk || event.key.toLowerCase() !== "v" || isTypingTarget(event.target)) return false;
      stopListening();
      return true;
    },

    /** The step shortcuts; returns true when the key was one of them. */
    handleKey(event) {
      if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return false;
      if (holdToTalk && event.key.toLowerCase() === "v") {
        if (!event.repeat) listen(true);
        return true;
      }
      const actions = {
        ArrowRight: () => move(nextStep),
        n: () => move(nextStep),
        ArrowLeft: () => move(previousStep),
        b: () => move(previousStep),
        r: () => move(restartWalk),
        w: () => toggle(whyButton, whyText),
        a: () => toggle(alternativesToggle, alternativesList),
        f: toggleFollow,
        v: speak,
        s: () => sayStep(),
      };
      const action = actions[event.key.length === 1 ? event.key.toLowerCase() : event.key];
      if (!action) return false;
      action();
      return true;
    },
  };
}
