//! Live sound for asking by voice: a microphone (cpal, on ALSA under Linux) or a recording played
//! in real time as if spoken into one, behind one trait ([`SoundSource`]), exactly as a video file
//! stands in for the camera ([`crate::camera`]).
//!
//! A source gives mono samples at its own rate as they arrive; whoever listens decides when the
//! question ended and resamples once at the end ([`crate::audio::resample`]), so no chunk edge
//! ever reaches the speech model.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use crate::Error;

/// Which microphone: `auto` (the system's default input), `device:NAME` (one of
/// [`list_microphones`]) or `file:PATH` (a recording played in real time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MicrophoneSpec {
    Auto,
    Device(String),
    File(PathBuf),
}

impl std::str::FromStr for MicrophoneSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "auto" {
            return Ok(Self::Auto);
        }
        if let Some(name) = text.strip_prefix("device:") {
            return match name.trim() {
                "" => Err("`device:` names no microphone".into()),
                name => Ok(Self::Device(name.into())),
            };
        }
        if let Some(path) = text.strip_prefix("file:") {
            return match path {
                "" => Err("`file:` names no recording".into()),
                path => Ok(Self::File(PathBuf::from(path))),
            };
        }
        Err(format!(
            "`{text}` is not auto, device:NAME or file:PATH (a recording)"
        ))
    }
}

impl std::fmt::Display for MicrophoneSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Auto => write!(f, "auto"),
            Self::Device(name) => write!(f, "device:{name}"),
            Self::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

/// A sound input device the system offers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MicrophoneInfo {
    pub name: String,
    /// The system's default input.
    pub default: bool,
}

/// The input devices of the system's audio host (none on a machine without sound hardware).
pub fn list_microphones() -> Vec<MicrophoneInfo> {
    let host = cpal::default_host();
    let default = host
        .default_input_device()
        .and_then(|d| d.name().ok())
        .unwrap_or_default();
    host.input_devices()
        .map(|devices| {
            devices
                .filter_map(|d| d.name().ok())
                .map(|name| MicrophoneInfo {
                    default: name == default,
                    name,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Sound arriving live.
pub trait SoundSource: Send {
    /// Samples per second of what [`SoundSource::take`] returns.
    fn sample_rate(&self) -> u32;
    /// The mono samples in [-1, 1] that arrived since the last call; an error when the device
    /// was lost (unplugged, taken by another program).
    fn take(&mut self) -> Result<Vec<f32>, Error>;
    /// Whether nothing more will come (a recording played to its end).
    fn ended(&self) -> bool;
    /// What it is, for messages ("microphone `USB Audio`", "recording q.wav").
    fn describe(&self) -> String;
}

/// Opens `spec` and starts listening at once.
pub fn open(spec: &MicrophoneSpec) -> Result<Box<dyn SoundSource>, Error> {
    match spec {
        MicrophoneSpec::File(path) => Ok(Box::new(RecordingSource::open(path.clone())?)),
        MicrophoneSpec::Auto => {
            let device = cpal::default_host().default_input_device().ok_or_else(|| {
                Error::Microphone("no microphone found: the system has no sound input".into())
            })?;
            Ok(Box::new(DeviceSource::start(device)?))
        }
        MicrophoneSpec::Device(name) => {
            let host = cpal::default_host();
            let device = host
                .input_devices()
                .ok()
                .and_then(|mut devices| devices.find(|d| d.name().is_ok_and(|n| &n == name)))
                .ok_or_else(|| {
                    Error::Microphone(format!(
                        "microphone `{name}` is not connected: choose another in Settings"
                    ))
                })?;
            Ok(Box::new(DeviceSource::start(device)?))
        }
    }
}

/// A recording played in real time: what arrived is what a microphone would have heard by now.
pub struct RecordingSource {
    path: PathBuf,
    samples: Vec<f32>,
    sample_rate: u32,
    given: usize,
    started: Instant,
}

impl RecordingSource {
    /// Decodes `path`'s sound track (at 16 kHz, what speech models take) and starts the clock.
    pub fn open(path: PathBuf) -> Result<Self, Error> {
        const RATE: u32 = 16_000;
        let audio = crate::audio::decode_audio(&path, RATE)?;
        Ok(Self {
            path,
            samples: audio.samples,
            sample_rate: RATE,
            given: 0,
            started: Instant::now(),
        })
    }
}

impl SoundSource for RecordingSource {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn take(&mut self) -> Result<Vec<f32>, Error> {
        let due = (self.started.elapsed().as_secs_f64() * f64::from(self.sample_rate)) as usize;
        let end = due.min(self.samples.len());
        let chunk = self.samples[self.given.min(end)..end].to_vec();
        self.given = end;
        Ok(chunk)
    }

    fn ended(&self) -> bool {
        self.given >= self.samples.len()
    }

    fn describe(&self) -> String {
        format!("recording {}", self.path.display())
    }
}

/// A microphone: a cpal input stream, owned by its own thread (a stream may not move between
/// threads on every platform), mixing to mono into a shared buffer.
pub struct DeviceSource {
    name: String,
    sample_rate: u32,
    buffer: Arc<Mutex<Vec<f32>>>,
    failure: Arc<Mutex<Option<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DeviceSource {
    fn start(device: cpal::Device) -> Result<Self, Error> {
        let name = device.name().unwrap_or_else(|_| "microphone".into());
        let config = device
            .default_input_config()
            .map_err(|e| Error::Microphone(format!("microphone `{name}` cannot record: {e}")))?;
        let sample_rate = config.sample_rate().0;
        let channels = usize::from(config.channels().max(1));
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let failure = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let thread = {
            let (buffer, failure, stop) = (buffer.clone(), failure.clone(), stop.clone());
            std::thread::Builder::new()
                .name("microphone".into())
                .spawn(move || {
                    let on_error = {
                        let failure = failure.clone();
                        move |e: cpal::StreamError| {
                            *failure.lock().unwrap() = Some(e.to_string());
                        }
                    };
                    let stream = build_stream(&device, &config, channels, buffer, on_error);
                    let stream = match stream
                        .and_then(|s| s.play().map(|()| s).map_err(|e| e.to_string()))
                    {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    drop(stream);
                })
                .map_err(|e| Error::Microphone(format!("cannot start recording: {e}")))?
        };
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                name,
                sample_rate,
                buffer,
                failure,
                stop,
                thread: Some(thread),
            }),
            Ok(Err(e)) => Err(Error::Microphone(format!(
                "microphone `{name}` cannot record: {e}"
            ))),
            Err(_) => Err(Error::Microphone(format!(
                "microphone `{name}` stopped before recording"
            ))),
        }
    }
}

fn build_stream(
    device: &cpal::Device,
    config: &cpal::SupportedStreamConfig,
    channels: usize,
    buffer: Arc<Mutex<Vec<f32>>>,
    on_error: impl FnMut(cpal::StreamError) + Send + 'static,
) -> Result<cpal::Stream, String> {
    fn mixer<T: cpal::Sample + Copy + 'static>(
        channels: usize,
        buffer: Arc<Mutex<Vec<f32>>>,
        to_f32: fn(T) -> f32,
    ) -> impl FnMut(&[T], &cpal::InputCallbackInfo) + Send + 'static {
        move |data: &[T], _| {
            let mut out = buffer.lock().unwrap();
            out.extend(
                data.chunks(channels)
                    .map(|frame| frame.iter().map(|&s| to_f32(s)).sum::<f32>() / channels as f32),
            );
        }
    }
    let stream_config: cpal::StreamConfig = config.clone().into();
    let built = match config.sample_format() {
        cpal::SampleFormat::F32 => device.build_input_stream(
            &stream_config,
            mixer::<f32>(channels, buffer, |s| s),
            on_error,
            None,
        ),
        cpal::SampleFormat::I16 => device.build_input_stream(
            &stream_config,
            mixer::<i16>(channels, buffer, |s| f32::from(s) / 32768.0),
            on_error,
            None,
        ),
        cpal::SampleFormat::I32 => device.build_input_stream(
            &stream_config,
            mixer::<i32>(channels, buffer, |s| s as f32 / 2_147_483_648.0),
            on_error,
            None,
        ),
        cpal::SampleFormat::U16 => device.build_input_stream(
            &stream_config,
            mixer::<u16>(channels, buffer, |s| (f32::from(s) - 32768.0) / 32768.0),
            on_error,
            None,
        ),
        other => return Err(format!("its sample format {other} is not supported")),
    };
    built.map_err(|e| e.to_string())
}

impl SoundSource for DeviceSource {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn take(&mut self) -> Result<Vec<f32>, Error> {
        if let Some(e) = self.failure.lock().unwrap().take() {
            return Err(Error::Microphone(format!(
                "microphone `{}` was lost: {e}",
                self.name
            )));
        }
        Ok(std::mem::take(&mut *self.buffer.lock().unwrap()))
    }

    fn ended(&self) -> bool {
        false
    }

    fn describe(&self) -> String {
        format!("microphone `{}`", self.name)
    }
}

impl Drop for DeviceSource {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        for text in ["auto", "device:USB Audio Device", "file:/tmp/q.wav"] {
            let spec: MicrophoneSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
        }
        assert_eq!(
            "file:/tmp/q.wav".parse::<MicrophoneSpec>().unwrap(),
            MicrophoneSpec::File("/tmp/q.wav".into())
        );
        for bad in ["", "default", "device:", "file:", "index:0"] {
            let err = bad.parse::<MicrophoneSpec>().unwrap_err();
            assert!(err.contains('`'), "{bad}: {err}");
        }
    }

    /// A mono 16-bit WAV of a 440 Hz tone.
    fn tone_wav(path: &std::path::Path, seconds: f64, rate: u32) {
        let n = (seconds * f64::from(rate)) as u32;
        let mut bytes = Vec::new();
        bytes.extend(b"RIFF");
        bytes.extend((36 + 2 * n).to_le_bytes());
        bytes.extend(b"WAVEfmt ");
        bytes.extend(16u32.to_le_bytes());
        bytes.extend(1u16.to_le_bytes());
        bytes.extend(1u16.to_le_bytes());
        bytes.extend(rate.to_le_bytes());
        bytes.extend((2 * rate).to_le_bytes());
        bytes.extend(2u16.to_le_bytes());
        bytes.extend(16u16.to_le_bytes());
        bytes.extend(b"data");
        bytes.extend((2 * n).to_le_bytes());
        for i in 0..n {
            let t = f64::from(i) / f64::from(rate);
            let s = (0.5 * (2.0 * std::f64::consts::PI * 440.0 * t).sin() * 32767.0) as i16;
            bytes.extend(s.to_le_bytes());
        }
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn a_recording_arrives_in_real_time_then_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tone.wav");
        tone_wav(&path, 0.6, 22_050);
        let mut source = open(&MicrophoneSpec::File(path)).unwrap();
        assert_eq!(source.sample_rate(), 16_000);
        let first = source.take().unwrap().len();
        assert!(first < 1600, "{first} samples before 0.1 s had passed");
        assert!(!source.ended());
        std::thread::sleep(std::time::Duration::from_millis(250));
        let mut got = first + source.take().unwrap().len();
        // Not the whole recording a quarter of a second in (0.6 s of it).
        assert!((2400..9600).contains(&got), "{got} samples after 0.25 s");
        std::thread::sleep(std::time::Duration::from_millis(500));
        got += source.take().unwrap().len();
        assert_eq!(got, 9600, "all 0.6 s at 16 kHz");
        assert!(source.ended());
        assert!(source.take().unwrap().is_empty());
        assert!(source.describe().contains("tone.wav"));
    }

    #[test]
    fn a_device_that_is_not_there_is_named() {
        let err = match open(&MicrophoneSpec::Device("No Such Microphone 9".into())) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("opened a microphone that does not exist"),
        };
        assert!(
            err.contains("`No Such Microphone 9` is not connected"),
            "{err}"
        );
    }

    #[test]
    fn without_sound_hardware_auto_is_a_clear_state() {
        // Only meaningful where the system has no input (CI, this project's machines); elsewhere
        // a real microphone opens, which is also right.
        if !list_microphones().is_empty() {
            return;
        }
        let err = match open(&MicrophoneSpec::Auto) {
            Err(e) => e.to_string(),
            Ok(_) => return,
        };
        assert!(err.contains("microphone"), "{err}");
    }
}
