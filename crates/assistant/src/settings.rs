//! The app's settings: what the user chose in the Settings panel, persisted as `settings.json` in
//! the app's data folder and written atomically, so a crash never leaves half a file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `auto`, `cpu` or `cuda:N`.
    pub device: String,
    /// `auto`, `index:N` or `file:PATH` ([`media::camera::CameraSpec`]).
    pub camera: String,
    /// Resolution asked of a camera (the closest it offers is used).
    pub resolution: [u32; 2],
    /// Name of the active Q2A model ([`crate::models`]).
    pub model: String,
    /// Show the next two candidates without asking.
    pub show_alternatives: bool,
    /// The pack that was open last, reopened at start.
    pub active_pack: Option<String>,
    /// Speak each step when it appears (off until the user turns it on).
    pub speak_steps: bool,
    /// How the offline voice speaks (eSpeak NG voice, words a minute, volume %).
    pub voice: speech::say::VoiceSettings,
    /// The microphone questions are asked into: `auto`, `device:NAME` or `file:PATH` (a
    /// recording played as if spoken).
    pub microphone: String,
    /// Hold to talk: the question is what is said while the key or button is held (else a pause
    /// after the question ends it).
    pub hold_to_talk: bool,
    /// Questions are spoken in English (Whisper tiny.en, the quickest) or in any language
    /// (Whisper base: another language is told apart and rendered in English).
    pub spoken_language: SpokenLanguage,
    /// The first-run offer to read steps aloud was answered (it is made once).
    pub voice_offered: bool,
    /// How the target button is outlined on the live view and the reference photo.
    pub outline: OutlineStyle,
}

/// Which languages spoken questions are heard in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpokenLanguage {
    /// English only (Whisper tiny.en).
    #[default]
    English,
    /// Any language Whisper base knows.
    Any,
}

/// The target outline's look: the standard green box, a high-contrast one (black under yellow),
/// or a large one (thicker lines, a larger tag) for low vision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlineStyle {
    #[default]
    Standard,
    HighContrast,
    Large,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            device: "auto".into(),
            camera: "auto".into(),
            resolution: [1280, 720],
            model: crate::models::DEMO.into(),
            show_alternatives: false,
            active_pack: None,
            speak_steps: false,
            voice: speech::say::VoiceSettings::default(),
            outline: OutlineStyle::Standard,
            microphone: "auto".into(),
            hold_to_talk: false,
            spoken_language: SpokenLanguage::English,
            voice_offered: false,
        }
    }
}

impl Settings {
    /// Checks every field, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, message: String| {
            Err(Error::SettingsInvalid {
                field: field.into(),
                message,
            })
        };
        let d = self.device.trim();
        let device_ok = matches!(d, "auto" | "cpu" | "cuda")
            || d.strip_prefix("cuda:")
                .is_some_and(|n| n.parse::<usize>().is_ok());
        if !device_ok {
            return bad("device", format!("`{d}` is not one of auto, cpu, cuda:N"));
        }
        if let Err(e) = self.camera.parse::<media::camera::CameraSpec>() {
            return bad("camera", e.to_string());
        }
        let [w, h] = self.resolution;
        if !(160..=7680).contains(&w) || !(120..=4320).contains(&h) {
            return bad(
                "resolution",
                format!("{w}x{h} is outside 160x120 .. 7680x4320"),
            );
        }
        if self.model.trim().is_empty() {
            return bad("model", "is empty: choose a model".into());
        }
        if let Err(message) = self.microphone.parse::<media::microphone::MicrophoneSpec>() {
            return bad("microphone", message);
        }
        if let Err(message) = self.voice.validate() {
            // The voice's own message starts with its field (rate, volume, voice).
            return bad("voice", message);
        }
        Ok(())
    }

    /// Reads `path`; a missing file gives the defaults. A damaged file is set aside as
    /// `settings.json.damaged` (never silently overwritten) and the defaults are returned with the
    /// error, for the app to show.
    pub fn load(path: &Path) -> (Settings, Option<Error>) {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Settings::default(), None)
            }
            Err(e) => return (Settings::default(), Some(Error::io(path, e))),
        };
        match serde_json::from_str::<Settings>(&text) {
            Ok(s) => match s.validate() {
                Ok(()) => (s, None),
                Err(e) => (
                    Settings::default(),
                    Some(Self::set_aside(path, e.to_string())),
                ),
            },
            Err(e) => (
                Settings::default(),
                Some(Self::set_aside(
                    path,
                    format!("line {}, column {}: {e}", e.line(), e.column()),
                )),
            ),
        }
    }

    fn set_aside(path: &Path, message: String) -> Error {
        let aside = path.with_extension("json.damaged");
        let kept = std::fs::rename(path, &aside).is_ok();
        Error::SettingsInvalid {
            field: path.display().to_string(),
            message: if kept {
                format!(
                    "{message}; kept as {} and using the defaults",
                    aside.display()
                )
            } else {
                format!("{message}; using the defaults")
            },
        }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        self.validate()?;
        let text = serde_json::to_string_pretty(self).expect("settings serialise");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        assistq::fsutil::write_atomic(path, text.as_bytes()).map_err(|e| Error::io(path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let (s, err) = Settings::load(&path);
        assert!(err.is_none());
        assert_eq!(s, Settings::default());
        let custom = Settings {
            camera: "file:/tmp/cam.mp4".into(),
            device: "cpu".into(),
            speak_steps: true,
            outline: OutlineStyle::HighContrast,
            microphone: "device:USB Audio".into(),
            hold_to_talk: true,
            spoken_language: SpokenLanguage::Any,
            voice_offered: true,
            voice: speech::say::VoiceSettings {
                voice: "en-us".into(),
                rate: 130,
                volume: 80,
            },
            ..Settings::default()
        };
        custom.save(&path).unwrap();
        assert_eq!(Settings::load(&path).0, custom);
        // A settings file from before the voice settings reads with the voice off, as defaults.
        std::fs::write(&path, r#"{"device": "cpu"}"#).unwrap();
        let (old, err) = Settings::load(&path);
        assert!(err.is_none());
        assert!(!old.speak_steps);
        assert_eq!(old.voice, speech::say::VoiceSettings::default());
        assert_eq!(old.outline, OutlineStyle::Standard);
        assert_eq!(old.microphone, "auto");
        assert!(!old.hold_to_talk && !old.voice_offered);
        assert_eq!(old.spoken_language, SpokenLanguage::English);
        // The outline is written as the window sends it; an unknown one is named with its place.
        custom.save(&path).unwrap();
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            written.contains(r#""outline": "high_contrast""#),
            "{written}"
        );
        std::fs::write(&path, r#"{"outline": "neon"}"#).unwrap();
        let (fallback, err) = Settings::load(&path);
        assert_eq!(fallback, Settings::default());
        let err = err.expect("an unknown outline is an error").to_string();
        assert!(
            err.contains("unknown variant `neon`") && err.contains("line 1"),
            "{err}"
        );
    }

    #[test]
    fn a_damaged_file_is_kept_aside_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, "{\"device\": \"cpu\",\n \"camera\": 3").unwrap();
        let (s, err) = Settings::load(&path);
        assert_eq!(s, Settings::default());
        let err = err.unwrap();
        assert_eq!(err.code(), "settings.invalid");
        assert!(err.to_string().contains("line 2"), "{err}");
        let aside = dir.path().join("settings.json.damaged");
        assert!(std::fs::read_to_string(aside)
            .unwrap()
            .contains("\"camera\": 3"));
    }

    #[test]
    fn bad_fields_are_named() {
        for (s, field) in [
            (
                Settings {
                    device: "gpu".into(),
                    ..Default::default()
                },
                "device",
            ),
            (
                Settings {
                    camera: "webcam".into(),
                    ..Default::default()
                },
                "camera",
            ),
            (
                Settings {
                    resolution: [10, 10],
                    ..Default::default()
                },
                "resolution",
            ),
            (
                Settings {
                    voice: speech::say::VoiceSettings {
                        rate: 1000,
                        ..Default::default()
                    },
                    ..Default::default()
                },
                "voice",
            ),
            (
                Settings {
                    microphone: "default".into(),
                    ..Default::default()
                },
                "microphone",
            ),
        ] {
            match s.validate() {
                Err(Error::SettingsInvalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
    }
}
