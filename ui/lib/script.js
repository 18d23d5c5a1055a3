// The tutorial script beside its video.

/**
 * The position in `script` (a list of {start, end, ...}, seconds) of the sentence whose
 * [start, end) holds `time`, or -1 between or outside sentences. When sentences overlap the later
 * one wins, since it is the one being spoken.
 */
export function sentenceAt(script, time) {
  if (!Array.isArray(script) || !Number.isFinite(time)) return -1;
  for (let i = script.length - 1; i >= 0; i--) {
    const { start, end } = script[i];
    if (time >= start && time < end) return i;
  }
  return -1;
}
