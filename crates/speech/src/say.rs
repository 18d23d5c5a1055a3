//! Speaking a step aloud, offline, with eSpeak NG (the Debian package `espeak-ng`, whose
//! `libespeak-ng.so.1` is loaded at run time: a machine without it has no voice, which is a
//! state to show, not a build failure).
//!
//! [`Voice::say`] synthesises into memory (eSpeak NG's synchronous mode: every chunk of samples
//! comes through the callback before `espeak_Synth` returns), so the app plays exactly what
//! `pressnext say --out FILE.wav` writes. The library keeps global state, so every use goes
//! through one lock.

use std::ffi::{c_char, c_int, c_short, c_uint, c_void, CString};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// The shared library's name (the soname the Debian package installs).
pub const LIBRARY: &str = "libespeak-ng.so.1";

/// How the voice speaks; the app's Settings hold one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceSettings {
    /// An eSpeak NG voice name (`en-gb-x-rp`, `en-us`, ...).
    pub voice: String,
    /// Words per minute (80-450).
    pub rate: u32,
    /// Volume in percent (0-200; 100 is normal).
    pub volume: u32,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        Self {
            voice: "en-gb-x-rp".into(),
            rate: 160,
            volume: 100,
        }
    }
}

impl VoiceSettings {
    /// The settings' problem, naming the field, if any.
    pub fn validate(&self) -> Result<(), String> {
        if !(80..=450).contains(&self.rate) {
            return Err(format!(
                "rate: {} words a minute, expected 80 to 450",
                self.rate
            ));
        }
        if self.volume > 200 {
            return Err(format!("volume: {} %, expected 0 to 200", self.volume));
        }
        if self.voice.is_empty()
            || !self
                .voice
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
        {
            return Err(format!("voice: `{}` is not a voice name", self.voice));
        }
        Ok(())
    }
}

/// Synthesised speech: mono 16-bit samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Speech {
    pub samples: Vec<i16>,
    pub sample_rate: u32,
}

impl Speech {
    pub fn duration(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate.max(1))
    }

    /// Root mean square, in [0, 1].
    pub fn rms(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let sum: f64 = self
            .samples
            .iter()
            .map(|&s| (f64::from(s) / 32768.0).powi(2))
            .sum();
        (sum / self.samples.len() as f64).sqrt()
    }

    /// The speech as a 16-bit PCM WAV file's bytes.
    pub fn wav_bytes(&self) -> Vec<u8> {
        let data_len = (self.samples.len() * 2) as u32;
        let mut out = Vec::with_capacity(44 + data_len as usize);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(36 + data_len).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes()); // PCM
        out.extend_from_slice(&1u16.to_le_bytes()); // mono
        out.extend_from_slice(&self.sample_rate.to_le_bytes());
        out.extend_from_slice(&(self.sample_rate * 2).to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        for s in &self.samples {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }

    /// Writes the WAV atomically.
    pub fn write_wav(&self, path: &Path) -> std::io::Result<()> {
        assistq::fsutil::write_atomic(path, &self.wav_bytes())
    }
}

/// Why nothing could be said.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SayError {
    /// No speech engine on this machine (the library is missing): a normal state.
    #[error("no speech engine: {0} (install the Debian package espeak-ng)")]
    Unavailable(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the speech engine failed: {0}")]
    Failed(String),
}

// eSpeak NG's C API (speak_lib.h), the parts used here.
const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
const ESPEAK_INITIALIZE_DONT_EXIT: c_int = 0x8000;
const ESPEAK_RATE: c_int = 1;
const ESPEAK_VOLUME: c_int = 2;
const POS_CHARACTER: c_int = 1;
const ESPEAK_CHARS_UTF8: c_uint = 1;
const EE_OK: c_int = 0;

type SynthCallback = unsafe extern "C" fn(*mut c_short, c_int, *mut c_void) -> c_int;

struct Engine {
    _library: libloading::Library,
    sample_rate: u32,
    set_voice: unsafe extern "C" fn(*const c_char) -> c_int,
    set_parameter: unsafe extern "C" fn(c_int, c_int, c_int) -> c_int,
    synth: unsafe extern "C" fn(
        *const c_void,
        usize,
        c_uint,
        c_int,
        c_uint,
        c_uint,
        *mut c_uint,
        *mut c_void,
    ) -> c_int,
    synchronize: unsafe extern "C" fn() -> c_int,
}

/// Samples the callback collects while one `say` holds the engine's lock.
static COLLECTED: Mutex<Vec<i16>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(wav: *mut c_short, count: c_int, _events: *mut c_void) -> c_int {
    if !wav.is_null() && count > 0 {
        // SAFETY: eSpeak NG hands `count` valid samples at `wav` for the call's duration.
        let chunk = unsafe { std::slice::from_raw_parts(wav, count as usize) };
        if let Ok(mut out) = COLLECTED.lock() {
            out.extend_from_slice(chunk);
        }
    }
    0
}

fn engine() -> Result<&'static Mutex<Engine>, SayError> {
    static ENGINE: OnceLock<Result<Mutex<Engine>, SayError>> = OnceLock::new();
    ENGINE
        .get_or_init(|| load().map(Mutex::new))
        .as_ref()
        .map_err(Clone::clone)
}

fn load() -> Result<Engine, SayError> {
    // SAFETY: loading eSpeak NG runs no initialiser with preconditions; the symbols below are
    // looked up with the signatures of speak_lib.h (eSpeak NG 1.49 to 1.52 keep them).
    unsafe {
        let library = libloading::Library::new(LIBRARY)
            .map_err(|e| SayError::Unavailable(format!("{LIBRARY}: {e}")))?;
        let symbol_err = |e: libloading::Error| SayError::Unavailable(format!("{LIBRARY}: {e}"));
        let initialize: libloading::Symbol<
            unsafe extern "C" fn(c_int, c_int, *const c_char, c_int) -> c_int,
        > = library.get(b"espeak_Initialize\0").map_err(symbol_err)?;
        let set_callback: libloading::Symbol<unsafe extern "C" fn(SynthCallback)> = library
            .get(b"espeak_SetSynthCallback\0")
            .map_err(symbol_err)?;
        let set_voice = *library
            .get(b"espeak_SetVoiceByName\0")
            .map_err(symbol_err)?;
        let set_parameter = *library.get(b"espeak_SetParameter\0").map_err(symbol_err)?;
        let synth = *library.get(b"espeak_Synth\0").map_err(symbol_err)?;
        let synchronize = *library.get(b"espeak_Synchronize\0").map_err(symbol_err)?;
        let rate = initialize(
            AUDIO_OUTPUT_SYNCHRONOUS,
            0,
            std::ptr::null(),
            ESPEAK_INITIALIZE_DONT_EXIT,
        );
        if rate <= 0 {
            return Err(SayError::Unavailable(
                "eSpeak NG did not start (its voice data, espeak-ng-data, may be missing)".into(),
            ));
        }
        set_callback(collect);
        Ok(Engine {
            sample_rate: rate as u32,
            set_voice,
            set_parameter,
            synth,
            synchronize,
            _library: library,
        })
    }
}

/// Whether a speech engine is available here (loads it once).
pub fn available() -> Result<(), SayError> {
    engine().map(|_| ())
}

/// Speaks `text` with `settings` into memory.
pub fn say(text: &str, settings: &VoiceSettings) -> Result<Speech, SayError> {
    settings.validate().map_err(SayError::Invalid)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(SayError::Invalid(
            "nothing to say: the text is empty".into(),
        ));
    }
    let engine = engine()?;
    let engine = engine
        .lock()
        .map_err(|_| SayError::Failed("an earlier use panicked".into()))?;
    let voice = CString::new(settings.voice.as_str())
        .map_err(|_| SayError::Invalid("voice: contains a NUL byte".into()))?;
    let text =
        CString::new(text).map_err(|_| SayError::Invalid("the text contains a NUL byte".into()))?;
    COLLECTED
        .lock()
        .map_err(|_| SayError::Failed("an earlier use panicked".into()))?
        .clear();
    // SAFETY: the engine is loaded and initialised; every pointer passed lives for the call; the
    // lock held keeps other threads off eSpeak NG's global state and off COLLECTED's contents.
    unsafe {
        if (engine.set_voice)(voice.as_ptr()) != EE_OK {
            return Err(SayError::Invalid(format!(
                "voice: `{}` is not an installed eSpeak NG voice (espeak-ng --voices lists them)",
                settings.voice
            )));
        }
        (engine.set_parameter)(ESPEAK_RATE, settings.rate as c_int, 0);
        (engine.set_parameter)(ESPEAK_VOLUME, settings.volume as c_int, 0);
        let bytes = text.as_bytes_with_nul();
        let status = (engine.synth)(
            bytes.as_ptr().cast(),
            bytes.len(),
            0,
            POS_CHARACTER,
            0,
            ESPEAK_CHARS_UTF8,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
        if status != EE_OK {
            return Err(SayError::Failed(format!("espeak_Synth returned {status}")));
        }
        (engine.synchronize)();
    }
    let samples = std::mem::take(
        &mut *COLLECTED
            .lock()
            .map_err(|_| SayError::Failed("an earlier use panicked".into()))?,
    );
    Ok(Speech {
        samples,
        sample_rate: engine.sample_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_by_field() {
        assert!(VoiceSettings::default().validate().is_ok());
        let bad = VoiceSettings {
            rate: 20,
            ..VoiceSettings::default()
        };
        assert!(bad.validate().unwrap_err().starts_with("rate:"));
        let bad = VoiceSettings {
            voice: "en; rm -rf".into(),
            ..VoiceSettings::default()
        };
        assert!(bad.validate().unwrap_err().starts_with("voice:"));
    }

    #[test]
    fn a_wav_has_its_header_and_samples() {
        let s = Speech {
            samples: vec![0, 1000, -1000],
            sample_rate: 22_050,
        };
        let b = s.wav_bytes();
        assert_eq!(&b[..4], b"RIFF");
        assert_eq!(b.len(), 44 + 6);
        assert_eq!(u32::from_le_bytes(b[24..28].try_into().unwrap()), 22_050);
        assert!((s.duration() - 3.0 / 22_050.0).abs() < 1e-12);
    }
}
