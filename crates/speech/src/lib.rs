//! Offline speech recognition for making packs: a tutorial's narration, heard by Whisper, becomes
//! the timed sentences of an AssistQ `script.txt`.
//!
//! - [`ct2`] reads the CTranslate2 file the pinned weights ship as, and [`import`] converts it
//!   to the folder this crate loads (`models/whisper-tiny-en/`, written by `pressnext models
//!   import`);
//! - [`mel`] is Whisper's log-mel front end, [`whisper`] the network (candle's) and its
//!   timestamped greedy decoding over 30-second windows;
//! - [`sentences`] turns the decoded segments into timed sentences;
//! - [`transcribe_file`] does all of it for a video or audio file (its sound track decoded and
//!   resampled by `media::audio`).
//!
//! Documented in docs/speech.md.

pub mod ct2;
pub mod error;
pub mod import;
pub mod mel;
pub mod sentences;
pub mod whisper;

use std::path::Path;

pub use error::{Error, Result};
pub use sentences::Line;
pub use whisper::{Segment, Transcriber};

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
