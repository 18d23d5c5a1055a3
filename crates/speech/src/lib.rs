//! Offline speech: a tutorial's narration (or a spoken question), heard by Whisper, becomes text
//! (the timed sentences of an AssistQ `script.txt`), and steps are spoken aloud.
//!
//! - [`ct2`] reads the CTranslate2 file the pinned weights ship as, and [`import`] converts it
//!   to the folder this crate loads (`models/whisper-tiny-en/`, written by `pressnext models
//!   import`);
//! - [`mel`] is Whisper's log-mel front end, [`whisper`] the network (candle's) and its
//!   timestamped greedy decoding over 30-second windows;
//! - [`sentences`] turns the decoded segments into timed sentences;
//! - [`say`] speaks text offline with eSpeak NG (the app's spoken steps, `pressnext say`);
//! - [`transcribe_file`] does all of it for a video or audio file (its sound track decoded and
//!   resampled by `media::audio`).
//!
//! Documented in docs/speech.md.

pub mod ct2;
pub mod error;
pub mod import;
pub mod mel;
pub mod say;
pub mod sentences;
pub mod whisper;

use std::path::Path;

pub use error::{Error, Result};
pub use sentences::Line;
pub use whisper::{DecodeOptions, Decoded, Segment, Transcriber};

/// Folder of the default speech model (Whisper tiny.en) inside the models root.
pub const WHISPER_DIR: &str = "whisper-tiny-en";
/// The converted weights (candle names, float16 as shipped).
pub const MODEL_FILE: &str = "model.safetensors";
/// candle's whisper `Config`.
pub const CONFIG_FILE: &str = "config.json";
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// Whisper's 80 mel filters, `mel_80` `[80, 201]` f32.
pub const MEL_FILTERS_FILE: &str = "mel_filters.safetensors";
/// Name of the model in outputs.
pub const MODEL_NAME: &str = "whisper-tiny.en";
/// Folder of the multilingual speech model (Whisper base: questions in other languages, heard
/// and translated to English).
pub const WHISPER_BASE_DIR: &str = "whisper-base";
pub const BASE_MODEL_NAME: &str = "whisper-base";

/// The English name of a Whisper language code ("fr" -> "French"), else the code itself.
pub fn language_name(code: &str) -> String {
    const NAMES: [(&str, &str); 24] = [
        ("en", "English"),
        ("fr", "French"),
        ("de", "German"),
        ("es", "Spanish"),
        ("it", "Italian"),
        ("pt", "Portuguese"),
        ("nl", "Dutch"),
        ("sv", "Swedish"),
        ("da", "Danish"),
        ("no", "Norwegian"),
        ("fi", "Finnish"),
        ("pl", "Polish"),
        ("cs", "Czech"),
        ("ru", "Russian"),
        ("uk", "Ukrainian"),
        ("tr", "Turkish"),
        ("el", "Greek"),
        ("ar", "Arabic"),
        ("he", "Hebrew"),
        ("hi", "Hindi"),
        ("zh", "Chinese"),
        ("ja", "Japanese"),
        ("ko", "Korean"),
        ("th", "Thai"),
    ];
    NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_string(), |(_, name)| name.to_string())
}

/// Below this RMS (about -60 dBFS) a sound track is silence, not worth decoding.
const SILENCE_RMS: f32 = 1e-3;

/// A transcribed recording.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Transcript {
    /// Seconds of audio heard.
    pub duration: f64,
    /// Whisper's segments, as decoded.
    pub segments: Vec<Segment>,
    /// One sentence per line, with times.
    pub lines: Vec<Line>,
}

impl Transcript {
    /// The lines as a `script.txt`.
    pub fn script(&self) -> assistq::script::Script {
        sentences::to_script(&self.lines)
    }
}

/// Transcribes the sound track of `path` (a video or a WAV) with `transcriber`. A file without
/// an audio track, or one where nothing was heard (silence, music), is an error naming the file
/// and saying to type the narration instead.
pub fn transcribe_file(
    transcriber: &mut Transcriber,
    path: &Path,
    progress: &mut dyn FnMut(f64),
) -> Result<Transcript> {
    let audio = media::audio::decode_audio(path, mel::SAMPLE_RATE as u32)?;
    let duration = audio.duration();
    if audio.rms() < SILENCE_RMS {
        return Err(Error::NoSpeech {
            path: path.to_path_buf(),
            detail: format!("{duration:.1} s of silence"),
        });
    }
    let segments = transcriber.transcribe(&audio.samples, progress)?;
    let lines = sentences::sentences(&segments);
    if lines.is_empty() {
        return Err(Error::NoSpeech {
            path: path.to_path_buf(),
            detail: format!("{duration:.1} s of sound without words"),
        });
    }
    Ok(Transcript {
        duration,
        segments,
        lines,
    })
}

/// Sentences of an appliance tutorial: the narration `pressnext bench-transcribe` and the tests
/// speak with eSpeak NG to measure transcription (words tiny.en knows, none chosen for it).
pub const SAMPLE_NARRATION: [&str; 12] = [
    "Welcome to this coffee machine.",
    "First press the power button on the right side.",
    "Wait until the light stops blinking.",
    "Then turn the large dial to the left to choose a strong coffee.",
    "Place your cup under the spout.",
    "Press the brew button once for a small cup.",
    "Press it twice for a large cup.",
    "When you are finished, hold the power button to switch the machine off.",
    "Remember to empty the drip tray every day.",
    "To clean the machine, press the clean button and the brew button together.",
    "The light blinks while the machine rinses itself.",
    "Fill the water tank up to the line before you start.",
];

/// Word error rate of `heard` against `said`: the word-level edit distance (substitutions,
/// insertions, deletions) over the number of words said, after lower-casing and dropping
/// punctuation. Used by the tests and `pressnext bench-transcribe`.
pub fn word_error_rate(said: &str, heard: &str) -> f64 {
    let words = |s: &str| -> Vec<String> {
        s.split_whitespace()
            .map(|w| {
                w.chars()
                    .filter(|c| c.is_alphanumeric() || *c == '\'')
                    .collect::<String>()
                    .to_lowercase()
            })
            .filter(|w| !w.is_empty())
            .collect()
    };
    let (a, b) = (words(said), words(heard));
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut prev = row[0];
        row[0] = i;
        for j in 1..=b.len() {
            let cur = row[j];
            row[j] = (row[j] + 1)
                .min(row[j - 1] + 1)
                .min(prev + usize::from(a[i - 1] != b[j - 1]));
            prev = cur;
        }
    }
    row[b.len()] as f64 / a.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn word_error_rate_counts_edits() {
        assert_eq!(
            super::word_error_rate("press the button", "Press the button."),
            0.0
        );
        assert!(
            (super::word_error_rate("press the red button", "press a button") - 0.5).abs() < 1e-9
        );
        assert_eq!(super::word_error_rate("turn it", ""), 1.0);
    }
}
