//! Asking by voice and hearing the steps (docs/app.md, "Voice"): the microphone as a source, a
//! spoken question heard by Whisper (`speech`), and a step's text as the voice says it.
//!
//! An audio (or video) file stands in for the microphone exactly as a video file stands in for
//! the camera: `file:PATH`, from `--microphone` or `PRESSNEXT_MICROPHONE`. This build records from
//! no sound device; naming one is a clear, normal state ("no microphone"), never a crash.

use std::path::{Path, PathBuf};
use std::time::Instant;

use base64::Engine;
use serde::Serialize;

use crate::error::{Error, Result};

/// Environment variable naming the microphone when no option does.
pub const MICROPHONE_ENV: &str = "PRESSNEXT_MICROPHONE";

/// Where a spoken question comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Microphone {
    /// A recording played as if spoken into the microphone.
    File(PathBuf),
}

impl Microphone {
    /// Parses `file:PATH`; any other name is a device this build cannot record from.
    pub fn parse(spec: &str) -> Result<Self> {
        match spec.strip_prefix("file:") {
            Some(path) if !path.is_empty() => Ok(Self::File(PathBuf::from(path))),
            _ => Err(Error::MicrophoneUnavailable(format!(
                "`{spec}`: this build records from no sound device; give a recording as \
                 file:PATH (or type the question)"
            ))),
        }
    }

    /// `option`, else `PRESSNEXT_MICROPHONE`, else none.
    pub fn from_option_or_env(option: Option<&str>) -> Result<Option<Self>> {
        let env = std::env::var(MICROPHONE_ENV).ok().filter(|v| !v.is_empty());
        option
            .map(str::to_string)
            .or(env)
            .map(|s| Self::parse(&s))
            .transpose()
    }
}

/// A spoken question as heard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heard {
    /// The words, as the question box shows them (editable there).
    pub text: String,
    /// Seconds of audio.
    pub audio_seconds: f64,
    /// Seconds spent loading the model and transcribing.
    pub seconds: f64,
}

/// Hears the question `microphone` gives, with the Whisper model under `models_root`.
pub fn hear(microphone: &Microphone, models_root: &Path) -> Result<Heard> {
    let started = Instant::now();
    let Microphone::File(path) = microphone;
    let mut whisper = speech::Transcriber::load(
        &models_root.join(speech::WHISPER_DIR),
        &candle_core::Device::Cpu,
    )
    .map_err(|e| Error::WeightsMissing(e.to_string()))?;
    let transcript =
        speech::transcribe_file(&mut whisper, path, &mut |_| {}).map_err(|e| match e {
            speech::Error::NoSpeech { .. } | speech::Error::Media(_) => {
                Error::MicrophoneUnavailable(e.to_string())
            }
            other => Error::Internal(other.to_string()),
        })?;
    let text = transcript
        .lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Heard {
        text,
        audio_seconds: transcript.duration,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Speech the window plays: what was said and the WAV (base64, for Web Audio).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spoken {
    pub text: String,
    pub seconds: f64,
    /// Root mean square of the samples, 0-1 (0 would be silence).
    pub rms: f64,
    pub sample_rate: u32,
    pub wav_base64: String,
}

/// Says `text` with the offline voice and `settings` (what `pressnext say` writes). No speech
/// engine on the machine is the state `voice.unavailable`.
pub fn say(text: &str, settings: &speech::say::VoiceSettings) -> Result<Spoken> {
    let speech = speech::say::say(text, settings).map_err(|e| match e {
        speech::say::SayError::Unavailable(m) => Error::VoiceUnavailable(m),
        speech::say::SayError::Invalid(m) => Error::SettingsInvalid {
            field: "voice".into(),
            message: m,
        },
        speech::say::SayError::Failed(m) => Error::Internal(m),
    })?;
    Ok(Spoken {
        text: text.trim().to_string(),
        seconds: speech.duration(),
        rms: speech.rms(),
        sample_rate: speech.sample_rate,
        wav_base64: base64::engine::general_purpose::STANDARD.encode(speech.wav_bytes()),
    })
}

/// What the voice says for step `index` (0-based) of `count`: "Step 2 of 3: turn the Volume
/// dial clockwise to 60 ml." The action is written as the step card writes it, without the
/// angle brackets around the control's name.
pub fn step_phrase(index: usize, count: usize, action: &str) -> String {
    let action = action.replace(['<', '>'], "");
    let action = action.trim().trim_end_matches('.');
    let mut chars = action.chars();
    let action = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    format!("Step {} of {count}: {action}.", index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_stands_in_for_the_microphone_and_a_device_is_a_clear_state() {
        assert_eq!(
            Microphone::parse("file:/tmp/q.wav").unwrap(),
            Microphone::File("/tmp/q.wav".into())
        );
        let err = Microphone::parse("default").unwrap_err();
        assert_eq!(err.code(), "microphone.unavailable");
        assert!(err.to_string().contains("file:PATH"), "{err}");
    }

    #[test]
    fn a_step_is_phrased_as_the_card_writes_it() {
        assert_eq!(
            step_phrase(1, 3, "Turn <Volume> clockwise to 60 ml"),
            "Step 2 of 3: turn Volume clockwise to 60 ml."
        );
    }
}
