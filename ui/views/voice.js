// The voice in the window: playing what the app's offline voice said (a WAV from the `say`
// command, as base64) through Web Audio.

let context = null;

/**
 * Plays `wavBase64`; resolves when it has finished, or after its length plus a second when the
 * page may not play sound (a suspended audio context never reports the end), or at once when
 * audio cannot start at all.
 */
export async function playWav(wavBase64) {
  try {
    context ??= new AudioContext();
    if (context.state === "suspended") await context.resume().catch(() => {});
    const bytes = Uint8Array.from(atob(wavBase64), (c) => c.charCodeAt(0));
    const buffer = await context.decodeAudioData(bytes.buffer);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    await new Promise((resolve) => {
      source.onended = resolve;
      setTimeout(resolve, buffer.duration * 1000 + 1000);
      source.start();
    });
  } catch (reason) {
    console.warn("the spoken step did not play:", reason);
  }
}
