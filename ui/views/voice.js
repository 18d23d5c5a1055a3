// The voice in the window: playing what the app's offline voice said (a WAV from the `say`
// command, as base64) through Web Audio.

let context = null;

/** Plays `wavBase64`; resolves when it has finished (or at once when audio cannot start). */
export async function playWav(wavBase64) {
  try {
    context ??= new AudioContext();
    const bytes = Uint8Array.from(atob(wavBase64), (c) => c.charCodeAt(0));
    const buffer = await context.decodeAudioData(bytes.buffer);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    await new Promise((resolve) => {
      source.onended = resolve;
      source.start();
    });
  } catch (reason) {
    console.warn("the spoken step did not play:", reason);
  }
}
