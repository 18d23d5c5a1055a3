//! Asking by voice and hearing the steps (docs/app.md, "Voice"): the microphone as a source, a
//! spoken question heard by Whisper (`speech`), and a step's text as the voice says it.
//!
//! The microphone is `auto`, `device:NAME` or `file:PATH`
//! ([`media::microphone::MicrophoneSpec`]): a recording plays in real time exactly as a video
//! file stands in for the camera, so the same listening (start, end of speech, release) runs on
//! both. A missing or lost microphone is the state `microphone.unavailable` with a message, never
//! a crash.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use media::microphone::{MicrophoneSpec, SoundSource};
use serde::Serialize;

use crate::error::{Error, Result};

/// Environment variable naming the microphone when no option does (it wins over Settings).
pub const MICROPHONE_ENV: &str = "PRESSNEXT_MICROPHONE";

/// Parses a microphone setting (`auto`, `device:NAME`, `file:PATH`), naming a bad one.
pub fn parse_microphone(spec: &str) -> Result<MicrophoneSpec> {
    spec.parse().map_err(Error::MicrophoneUnavailable)
}

/// `option`, else `PRESSNEXT_MICROPHONE`, else none.
pub fn microphone_from_option_or_env(option: Option<&str>) -> Result<Option<MicrophoneSpec>> {
    let env = std::env::var(MICROPHONE_ENV).ok().filter(|v| !v.is_empty());
    option
        .map(str::to_string)
        .or(env)
        .map(|s| parse_microphone(&s))
        .transpose()
}

/// When a question being listened to has ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ListenRules {
    /// Hold to talk: only the release (or the limit) ends it, never a pause.
    pub hold: bool,
    /// Silence after speech that ends the question (press to talk).
    pub trailing_silence: Duration,
    /// With no speech this long, nothing was said (press to talk).
    pub no_speech: Duration,
    /// The longest question.
    pub limit: Duration,
}

impl ListenRules {
    pub fn new(hold: bool) -> Self {
        ListenRules {
            hold,
            trailing_silence: Duration::from_millis(800),
            no_speech: Duration::from_secs(8),
            limit: Duration::from_secs(20),
        }
    }
}

/// What ended the listening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// A pause after the question (press to talk).
    Silence,
    /// The key or button was released, or Speak pressed again ([`Listening::stop`]).
    Release,
    /// The recording standing in for the microphone played to its end.
    EndOfRecording,
    /// The longest question ([`ListenRules::limit`]).
    Limit,
}

/// The stop switch of the question being listened to, shared with whoever ends it (the window's
/// release, a second press).
#[derive(Debug, Clone, Default)]
pub struct Listening {
    stop: Arc<AtomicBool>,
    busy: Arc<AtomicBool>,
    /// When a stop came with nothing being listened to: a hold released before its listening
    /// began (the two commands race) still ends it.
    early_stop: Arc<std::sync::Mutex<Option<Instant>>>,
}

/// How long a stop that came first still ends the listening that follows it.
const EARLY_STOP: Duration = Duration::from_secs(1);

impl Listening {
    /// Ends the question being listened to, or the one about to start; returns whether one was
    /// being listened to.
    pub fn stop(&self) -> bool {
        let busy = self.busy.load(Ordering::SeqCst);
        if !busy {
            *self.early_stop.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        }
        self.stop.store(true, Ordering::SeqCst);
        busy
    }

    fn begin(&self) -> Result<ListeningGuard<'_>> {
        if self.busy.swap(true, Ordering::SeqCst) {
            return Err(Error::MicrophoneUnavailable(
                "already listening to a question".into(),
            ));
        }
        let early = self
            .early_stop
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some_and(|at| at.elapsed() < EARLY_STOP);
        self.stop.store(early, Ordering::SeqCst);
        Ok(ListeningGuard(self))
    }
}

struct ListeningGuard<'a>(&'a Listening);

impl Drop for ListeningGuard<'_> {
    fn drop(&mut self) {
        self.0.stop.store(false, Ordering::SeqCst);
        self.0.busy.store(false, Ordering::SeqCst);
    }
}

/// A question as recorded: mono samples at the source's rate and when speech was heard in them.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    /// Seconds into `samples` where speech began and ended (none heard: `None`).
    pub speech: Option<(f64, f64)>,
    pub ended_by: EndedBy,
    /// When the listening ended.
    pub ended_at: Instant,
}

/// Frames of 20 ms: the unit of the speech/silence decision.
const FRAME_SECONDS: f64 = 0.02;
/// Frames above the threshold before it counts as speech (a click or a knock is shorter).
const SPEECH_FRAMES: usize = 5;
/// The quietest threshold: an RMS below this is silence even in a silent room.
const MIN_THRESHOLD: f32 = 0.01;
/// A frame is speech above this multiple of the room's noise (its quietest frames).
const NOISE_MULTIPLE: f32 = 4.0;

/// Listens to `source` until the question has ended by `rules` or `listening` was stopped.
pub fn record(
    source: &mut dyn SoundSource,
    rules: &ListenRules,
    listening: &Listening,
) -> Result<Recorded> {
    let rate = source.sample_rate();
    let frame_len = ((f64::from(rate) * FRAME_SECONDS) as usize).max(1);
    let started = Instant::now();
    let mut samples: Vec<f32> = Vec::new();
    let mut frames_done = 0usize;
    let mut noise = f32::INFINITY;
    let mut loud_frames = 0usize;
    let mut speech_start: Option<usize> = None;
    let mut last_loud: Option<usize> = None;
    let ended_by = loop {
        let chunk = source
            .take()
            .map_err(|e| Error::MicrophoneUnavailable(format!("{}: {e}", source.describe())))?;
        samples.extend(chunk);
        while (frames_done + 1) * frame_len <= samples.len() {
            let frame = &samples[frames_done * frame_len..(frames_done + 1) * frame_len];
            let rms = (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt();
            noise = noise.min(rms.max(1e-5));
            if rms > MIN_THRESHOLD.max(noise * NOISE_MULTIPLE) {
                loud_frames += 1;
                last_loud = Some(frames_done);
                if loud_frames >= SPEECH_FRAMES && speech_start.is_none() {
                    speech_start = Some(frames_done + 1 - SPEECH_FRAMES);
                }
            }
            frames_done += 1;
        }
        if listening.stop.load(Ordering::SeqCst) {
            break EndedBy::Release;
        }
        if source.ended() {
            break EndedBy::EndOfRecording;
        }
        if started.elapsed() >= rules.limit {
            break EndedBy::Limit;
        }
        if !rules.hold {
            let heard_seconds = frames_done as f64 * FRAME_SECONDS;
            match (speech_start, last_loud) {
                (Some(_), Some(last)) => {
                    let quiet = (frames_done - 1 - last) as f64 * FRAME_SECONDS;
                    if quiet >= rules.trailing_silence.as_secs_f64() {
                        break EndedBy::Silence;
                    }
                }
                _ if heard_seconds >= rules.no_speech.as_secs_f64() => {
                    return Err(Error::MicrophoneUnavailable(format!(
                        "heard nothing from the {} in {heard_seconds:.0} s: speak after pressing \
                         Speak, or type the question",
                        source.describe()
                    )));
                }
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(30));
    };
    let speech = speech_start.zip(last_loud).map(|(first, last)| {
        (
            first as f64 * FRAME_SECONDS,
            (last + 1) as f64 * FRAME_SECONDS,
        )
    });
    Ok(Recorded {
        samples,
        sample_rate: rate,
        speech,
        ended_by,
        ended_at: Instant::now(),
    })
}

/// A spoken question as heard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heard {
    /// The words, as the question box shows them (editable there).
    pub text: String,
    /// Seconds of audio listened to.
    pub audio_seconds: f64,
    /// Seconds from the end of the listening to the words (loading the model and transcribing).
    pub seconds: f64,
    /// Seconds from the end of the speech to the words: the pause that ended the listening (or
    /// what was heard after the last word) plus `seconds`.
    pub after_speech_seconds: f64,
    /// What ended the listening.
    pub ended_by: EndedBy,
    /// The microphone, as `auto`, `device:NAME` or `file:PATH`.
    pub microphone: String,
    /// The language heard ("en"; another only when any language is allowed), and its name.
    pub language: String,
    pub language_name: String,
    /// Another language's words rendered in English by Whisper (not asked: the window shows
    /// them to check); `None` for English.
    pub english: Option<String>,
    /// The speech model that heard it.
    pub model: String,
}

/// Audio kept before the first loud frame (the soft start of a word).
const LEAD_IN_SECONDS: f64 = 0.3;

/// Listens to `microphone` by `rules` (stopped through `listening`) and hears the question with
/// the Whisper model under `models_root`.
pub fn hear(
    microphone: &MicrophoneSpec,
    rules: &ListenRules,
    listening: &Listening,
    models_root: &Path,
    language: crate::settings::SpokenLanguage,
) -> Result<Heard> {
    let _busy = listening.begin()?;
    let (model_dir, model_name) = match language {
        crate::settings::SpokenLanguage::English => (speech::WHISPER_DIR, speech::MODEL_NAME),
        crate::settings::SpokenLanguage::Any => (speech::WHISPER_BASE_DIR, speech::BASE_MODEL_NAME),
    };
    // The model loads while the question is spoken (a few hundred ms that would follow it).
    let whisper_dir = models_root.join(model_dir);
    let loading = std::thread::spawn(move || {
        speech::Transcriber::load(&whisper_dir, &candle_core::Device::Cpu)
            .map_err(|e| Error::WeightsMissing(e.to_string()))
    });
    let mut source = media::microphone::open(microphone)
        .map_err(|e| Error::MicrophoneUnavailable(e.to_string()))?;
    let recorded = record(source.as_mut(), rules, listening)?;
    drop(source);
    let describe = microphone.to_string();
    let Some((first, last)) = recorded.speech else {
        return Err(Error::MicrophoneUnavailable(format!(
            "heard no speech from {describe}: try again closer to the microphone, or type the \
             question"
        )));
    };
    let rate = f64::from(recorded.sample_rate);
    let from = (((first - LEAD_IN_SECONDS).max(0.0)) * rate) as usize;
    let to = (((last + LEAD_IN_SECONDS) * rate) as usize).min(recorded.samples.len());
    let samples = media::audio::resample(
        &recorded.samples[from..to],
        recorded.sample_rate,
        speech::mel::SAMPLE_RATE as u32,
    );
    let mut whisper = loading
        .join()
        .map_err(|_| Error::Internal("loading the speech model panicked".into()))??;
    let internal = |e: speech::Error| Error::Internal(e.to_string());
    let words = |segments: &[speech::Segment]| {
        speech::sentences::sentences(segments)
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let heard = whisper
        .decode(&samples, &speech::DecodeOptions::default(), &mut |_| {})
        .map_err(internal)?;
    let text = words(&heard.segments);
    let english = if heard.language == "en" {
        None
    } else {
        let options = speech::DecodeOptions {
            language: Some(heard.language.clone()),
            translate: true,
        };
        let translated = whisper
            .decode(&samples, &options, &mut |_| {})
            .map_err(internal)?;
        Some(words(&translated.segments))
    };
    if text.trim().is_empty() {
        return Err(Error::MicrophoneUnavailable(format!(
            "heard sound but no words from {describe}: try again, or type the question"
        )));
    }
    let audio_seconds = recorded.samples.len() as f64 / rate;
    let seconds = recorded.ended_at.elapsed().as_secs_f64();
    Ok(Heard {
        text,
        audio_seconds,
        seconds,
        after_speech_seconds: (audio_seconds - last).max(0.0) + seconds,
        ended_by: recorded.ended_by,
        microphone: describe,
        language_name: speech::language_name(&heard.language),
        language: heard.language,
        english,
        model: model_name.to_string(),
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
    fn microphone_settings_parse_and_a_bad_one_is_named() {
        assert_eq!(
            parse_microphone("file:/tmp/q.wav").unwrap(),
            MicrophoneSpec::File("/tmp/q.wav".into())
        );
        assert_eq!(parse_microphone("auto").unwrap(), MicrophoneSpec::Auto);
        let err = parse_microphone("default").unwrap_err();
        assert_eq!(err.code(), "microphone.unavailable");
        assert!(err.to_string().contains("device:NAME"), "{err}");
    }

    /// Sound given as a script of (seconds, level) spans, as fast as asked: a tone at `level`.
    struct Scripted {
        samples: Vec<f32>,
        given: usize,
        per_take: usize,
    }

    impl Scripted {
        fn new(spans: &[(f64, f32)]) -> Self {
            let mut samples = Vec::new();
            for &(seconds, level) in spans {
                let n = (seconds * 16_000.0) as usize;
                samples.extend((0..n).map(|i| level * (i as f32 * 0.17).sin() * 1.414));
            }
            // 30 ms of sound per 30 ms poll: real time.
            Scripted {
                samples,
                given: 0,
                per_take: 480,
            }
        }
    }

    impl SoundSource for Scripted {
        fn sample_rate(&self) -> u32 {
            16_000
        }
        fn take(&mut self) -> std::result::Result<Vec<f32>, media::Error> {
            let end = (self.given + self.per_take).min(self.samples.len());
            let chunk = self.samples[self.given..end].to_vec();
            self.given = end;
            Ok(chunk)
        }
        fn ended(&self) -> bool {
            self.given >= self.samples.len()
        }
        fn describe(&self) -> String {
            "scripted sound".into()
        }
    }

    #[test]
    fn a_pause_after_speech_ends_the_question_but_not_when_holding() {
        let spans = [
            (0.5, 0.002),
            (1.0, 0.2),
            (1.2, 0.002),
            (0.6, 0.2),
            (0.5, 0.0),
        ];
        let mut source = Scripted::new(&spans);
        let rules = ListenRules::new(false);
        let recorded = record(&mut source, &rules, &Listening::default()).unwrap();
        assert_eq!(recorded.ended_by, EndedBy::Silence);
        let (first, last) = recorded.speech.unwrap();
        assert!(
            (first - 0.5).abs() < 0.05 && (last - 1.5).abs() < 0.05,
            "{first} {last}"
        );
        // Stopped 0.8 s into the pause, before the second phrase.
        let heard = recorded.samples.len() as f64 / 16_000.0;
        assert!((2.2..2.45).contains(&heard), "{heard} s");

        // Holding, the pause does not end it: the recording's end does, with both phrases.
        let mut source = Scripted::new(&spans);
        let recorded = record(&mut source, &ListenRules::new(true), &Listening::default()).unwrap();
        assert_eq!(recorded.ended_by, EndedBy::EndOfRecording);
        let (_, last) = recorded.speech.unwrap();
        assert!((last - 3.3).abs() < 0.05, "{last}");
    }

    #[test]
    fn a_release_ends_it_and_silence_alone_is_no_speech() {
        let listening = Listening::default();
        let _busy = listening.begin().unwrap();
        assert!(listening.begin().is_err(), "one question at a time");
        let stopper = listening.clone();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            stopper.stop()
        });
        let mut source = Scripted::new(&[(5.0, 0.2)]);
        let recorded = record(&mut source, &ListenRules::new(true), &listening).unwrap();
        assert!(
            releaser.join().unwrap(),
            "the stop found a question being listened to"
        );
        assert_eq!(recorded.ended_by, EndedBy::Release);
        assert!(
            recorded.samples.len() < 16_000,
            "{}",
            recorded.samples.len()
        );

        // A release that comes before its listening began still ends it; a stale one does not.
        let listening = Listening::default();
        assert!(!listening.stop());
        let guard = listening.begin().unwrap();
        assert!(
            listening.stop.load(Ordering::SeqCst),
            "the early release ends it"
        );
        drop(guard);
        *listening.early_stop.lock().unwrap() = Some(Instant::now() - Duration::from_secs(5));
        let _guard = listening.begin().unwrap();
        assert!(
            !listening.stop.load(Ordering::SeqCst),
            "a stale release does not"
        );

        let mut quiet = Scripted::new(&[(10.0, 0.004)]);
        quiet.per_take = 16_000; // faster than real time: the 8 s come at once
        let err = record(&mut quiet, &ListenRules::new(false), &Listening::default()).unwrap_err();
        assert_eq!(err.code(), "microphone.unavailable");
        assert!(err.to_string().contains("heard nothing"), "{err}");
    }

    #[test]
    fn a_step_is_phrased_as_the_card_writes_it() {
        assert_eq!(
            step_phrase(1, 3, "Turn <Volume> clockwise to 60 ml"),
            "Step 2 of 3: turn Volume clockwise to 60 ml."
        );
    }
}
