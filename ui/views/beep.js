// A short beep made with the Web Audio API: no sound file, works offline. A webview without audio
// (no AudioContext, or one that refuses to start) stays silent instead of failing.

let context = null;

function audioContext() {
  if (context) return context;
  const AudioContextClass = globalThis.AudioContext ?? globalThis.webkitAudioContext;
  if (typeof AudioContextClass !== "function") return null;
  context = new AudioContextClass();
  return context;
}

/** Creates or wakes the audio context; called from a click so that a later beep may sound. */
export function prepareBeep() {
  try {
    const audio = audioContext();
    if (audio?.state === "suspended") audio.resume().catch(() => {});
  } catch (error) {
    console.warn("no sound cues:", error);
  }
}

/** Plays a `seconds`-long tone of `frequency` Hz, fading out; returns whether one was started. */
export function beep(frequency = 880, seconds = 0.12) {
  try {
    const audio = audioContext();
    if (!audio) return false;
    if (audio.state === "suspended") audio.resume().catch(() => {});
    const start = audio.currentTime;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    // A ramp instead of a hard start and stop, which would click.
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + seconds);
    oscillator.connect(gain);
    gain.connect(audio.destination);
    oscillator.start(start);
    oscillator.stop(start + seconds);
    return true;
  } catch (error) {
    console.warn("no sound cue:", error);
    return false;
  }
}
