//! Speech the tests make: espeak-ng (a Debian package the setup installs) saying a text into a
//! WAV file, with the one voice every speech and pack-making test uses.

use std::path::Path;
use std::process::Command;

/// espeak-ng's British RP voice at 140 words a minute: its American voices slur "blinking",
/// "brew" and "spout" enough for Whisper tiny.en to hear other words (word error 0.12 with
/// en-us, 0.09 with en-us+f3, 0.08 with en-gb-x-rp on the sample narration; docs/speech.md).
pub const VOICE: [&str; 4] = ["-v", "en-gb-x-rp", "-s", "140"];

/// `text` said by the espeak-ng program at `espeak` into `wav`; panics, with espeak-ng's own
/// message, when it fails.
pub fn espeak_to_wav(espeak: &Path, text: &str, wav: &Path) {
    let out = Command::new(espeak)
        .args(VOICE)
        .arg("-w")
        .arg(wav)
        .arg(text)
        .output()
        .expect("run espeak-ng");
    assert!(
        out.status.success(),
        "espeak-ng: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
