//! Whisper on the real imported weights: the decoder against CTranslate2's (the reference that
//! ships with the weights) on a committed clip, and transcription of narrated videos the test
//! makes with espeak-ng and FFmpeg (Debian packages the setup installs), scored by word error
//! rate against what was spoken.

use std::path::{Path, PathBuf};
use std::process::Command;

use candle_core::Device;
use serde_json::Value;
use speech::mel::{self, N_SAMPLES};
use speech::Transcriber;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn transcriber() -> Option<Transcriber> {
    let root = testkit::repo::real_models_root()?;
    Some(Transcriber::load(&root.join(speech::WHISPER_DIR), &Device::Cpu).expect("load Whisper"))
}

fn tool(program: &str) -> Option<PathBuf> {
    testkit::repo::required_program(program)
}

fn run(program: &Path, args: &[&str]) {
    let out = Command::new(program).args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The same log-mel and the same tokens, timestamps included, as CTranslate2's greedy decoder
/// gave on `press_and_turn.wav` (scripts/whisper_reference.py; tests/fixtures/README.md).
#[test]
fn matches_the_reference_decoder() {
    let Some(mut whisper) = transcriber() else {
        return;
    };
    let reference: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("press_and_turn.reference.json")).unwrap(),
    )
    .unwrap();
    let audio = media::audio::decode_audio(&fixture("press_and_turn.wav"), 16_000).unwrap();
    assert_eq!(
        audio.samples.len() as u64,
        reference["num_samples"].as_u64().unwrap()
    );

    // The reference pads the clip to one 30-second window.
    let filters = candle_core::safetensors::load(
        testkit::repo::models_root()
            .join(speech::WHISPER_DIR)
            .join(speech::MEL_FILTERS_FILE),
        &Device::Cpu,
    )
    .unwrap()
    .remove("mel_80")
    .unwrap();
    let mel = mel::log_mel(
        &audio.samples,
        N_SAMPLES - audio.samples.len(),
        &filters,
        &Device::Cpu,
    )
    .unwrap();
    assert_eq!(mel.dims(), &[80, 3000]);
    let ours: Vec<Vec<f32>> = mel.to_vec2().unwrap();
    let mut worst = 0f32;
    for (b, row) in reference["mel_first_frames"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        for (t, v) in row.as_array().unwrap().iter().enumerate() {
            worst = worst.max((ours[b][t] - v.as_f64().unwrap() as f32).abs());
        }
    }
    assert!(
        worst < 1e-4,
        "log-mel differs from the reference by {worst}"
    );
    let mean = ours.iter().flatten().map(|&v| f64::from(v)).sum::<f64>() / (80.0 * 3000.0);
    let want = reference["mel_stats"]["mean"].as_f64().unwrap();
    assert!((mean - want).abs() < 1e-5, "mean {mean} vs {want}");

    let decoded = whisper.decode_window(&mel.unsqueeze(0).unwrap()).unwrap();
    let want: Vec<u32> = reference["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(decoded.tokens, want);
    let ns = reference["no_speech_prob"].as_f64().unwrap();
    assert!(
        (decoded.no_speech_prob - ns).abs() < 0.01,
        "{} vs {ns}",
        decoded.no_speech_prob
    );

    // And through the whole pipeline: the reference's two segments and their times.
    let segments = whisper.transcribe(&audio.samples, &mut |_| {}).unwrap();
    let want = reference["segments"].as_array().unwrap();
    assert_eq!(segments.len(), want.len(), "{segments:?}");
    for (got, want) in segments.iter().zip(want) {
        assert_eq!(got.text, want["text"].as_str().unwrap().trim());
        assert!((got.start - want["start"].as_f64().unwrap()).abs() < 1e-6);
        assert!((got.end - want["end"].as_f64().unwrap()).abs() < 1e-6);
    }
}

/// A tutorial video the way a user has one: pictures and an AAC narration track in an MP4,
/// longer than Whisper's 30-second window. Transcribed to within 10 % word error, one line per
/// sentence, with times that increase and stay inside the recording.
#[test]
fn transcribes_a_narrated_video() {
    let (Some(espeak), Some(ffmpeg)) = (tool("espeak-ng"), tool("ffmpeg")) else {
        return;
    };
    let Some(mut whisper) = transcriber() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("narration.wav");
    let video = dir.path().join("tutorial.mp4");
    let text = speech::SAMPLE_NARRATION.join(" ");
    testkit::speak::espeak_to_wav(&espeak, &text, &wav);
    run(
        &ffmpeg,
        &[
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=160x120:r=10",
            "-i",
            wav.to_str().unwrap(),
            "-shortest",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            video.to_str().unwrap(),
        ],
    );
    let mut fractions = Vec::new();
    let transcript =
        speech::transcribe_file(&mut whisper, &video, &mut |f| fractions.push(f)).unwrap();
    assert!(
        transcript.duration > 30.0,
        "the narration must span two windows: {}",
        transcript.duration
    );
    let heard: Vec<&str> = transcript.lines.iter().map(|l| l.text.as_str()).collect();
    let wer = speech::word_error_rate(&text, &heard.join(" "));
    eprintln!("word error rate {wer:.3} over {:.1} s", transcript.duration);
    assert!(wer <= 0.10, "word error rate {wer:.3}: heard {heard:#?}");
    assert!(
        transcript.lines.len() >= speech::SAMPLE_NARRATION.len() - 1,
        "one line per sentence: {heard:#?}"
    );
    for pair in transcript.lines.windows(2) {
        assert!(pair[0].start <= pair[1].start, "{:?}", transcript.lines);
    }
    let last = transcript.lines.last().unwrap();
    assert!(last.end <= transcript.duration + 0.5 && last.end > transcript.duration - 6.0);
    assert!(fractions.len() >= 2 && (fractions.last().unwrap() - 1.0).abs() < 1e-9);
    // The script is AssistQ's format and reads back.
    let script = transcript.script();
    let path = dir.path().join("script.txt");
    script.write(&path).unwrap();
    let back = assistq::script::Script::read(&path).unwrap();
    assert_eq!(back.lines.len(), transcript.lines.len());
}

/// A video without a sound track, and a silent recording: errors that name the file and say to
/// type the narration; nothing decoded as words.
#[test]
fn no_audio_and_silence_are_clear_errors() {
    let Some(ffmpeg) = tool("ffmpeg") else {
        return;
    };
    let Some(mut whisper) = transcriber() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mute = dir.path().join("mute.mp4");
    run(
        &ffmpeg,
        &[
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=160x120:r=10:d=2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            mute.to_str().unwrap(),
        ],
    );
    let err = speech::transcribe_file(&mut whisper, &mute, &mut |_| {}).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("mute.mp4") && message.contains("no audio track"),
        "{message}"
    );
    assert!(message.contains("type or paste"), "{message}");

    let silent = dir.path().join("silent.wav");
    run(
        &ffmpeg,
        &[
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=16000:cl=mono",
            "-t",
            "3",
            silent.to_str().unwrap(),
        ],
    );
    let err = speech::transcribe_file(&mut whisper, &silent, &mut |_| {}).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("silent.wav") && message.contains("no speech"),
        "{message}"
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a recording").unwrap();
    let err = speech::transcribe_file(&mut whisper, &text, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("notes.txt"), "{err}");
}

/// The app's voice (eSpeak NG through its library) says a step; Whisper hears the same words.
#[test]
fn a_spoken_step_is_heard_back() {
    if let Err(e) = speech::say::available() {
        testkit::repo::missing(&format!(
            "the speech engine (setup installs espeak-ng): {e}"
        ));
        return;
    }
    let text = "Press the start button, then turn the dial to the right.";
    let settings = speech::say::VoiceSettings::default();
    let spoken = speech::say::say(text, &settings).unwrap();
    assert!(spoken.rms() > 0.02, "silent: rms {}", spoken.rms());
    assert!(
        (1.5..8.0).contains(&spoken.duration()),
        "{}",
        spoken.duration()
    );
    // Slower speech is longer; a quieter voice has less energy.
    let slow = speech::say::say(
        text,
        &speech::say::VoiceSettings {
            rate: 100,
            ..settings.clone()
        },
    )
    .unwrap();
    assert!(slow.duration() > spoken.duration() * 1.3);
    let quiet = speech::say::say(
        text,
        &speech::say::VoiceSettings {
            volume: 30,
            ..settings.clone()
        },
    )
    .unwrap();
    assert!(quiet.rms() < spoken.rms() * 0.6);

    let Some(mut whisper) = transcriber() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("step.wav");
    spoken.write_wav(&wav).unwrap();
    let heard = speech::transcribe_file(&mut whisper, &wav, &mut |_| {}).unwrap();
    let words: Vec<&str> = heard.lines.iter().map(|l| l.text.as_str()).collect();
    let wer = speech::word_error_rate(text, &words.join(" "));
    assert!(wer <= 0.2, "{wer}: {words:?}");

    let err = speech::say::say(
        "hello",
        &speech::say::VoiceSettings {
            voice: "xx-nonexistent".into(),
            ..settings.clone()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("xx-nonexistent"), "{err}");
    assert!(speech::say::say("   ", &settings).is_err());
}
