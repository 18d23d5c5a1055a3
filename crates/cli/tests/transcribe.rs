//! `pressnext transcribe VIDEO [--json] [--out script.txt]` end to end on the real Whisper model
//! (installed by `bash scripts/setup.sh`): the JSON contract, the script it writes, and clear
//! errors for a file that is not media and a models root without the speech model.

use std::process::Output;

fn pressnext(args: &[&str]) -> Output {
    testkit::repo::run(env!("CARGO_BIN_EXE_pressnext"), args)
}

/// espeak-ng saying "Press the power button. Then turn the knob to sixty degrees. Hold the start
/// key for three seconds." (crates/speech/tests/fixtures/README.md).
const CLIP: &str = "crates/speech/tests/fixtures/press_and_turn.wav";

#[test]
fn json_gives_timed_sentences_and_out_writes_the_script() {
    if testkit::repo::real_models_root().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.txt");
    let out = pressnext(&[
        "transcribe",
        CLIP,
        "--json",
        "--out",
        script.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["model"], "whisper-tiny.en");
    assert_eq!(v["file"], CLIP);
    let duration = v["duration"].as_f64().unwrap();
    assert!((duration - 7.837).abs() < 0.01, "{duration}");
    let lines = v["lines"].as_array().unwrap();
    let texts: Vec<&str> = lines.iter().map(|l| l["text"].as_str().unwrap()).collect();
    // What tiny.en hears (CTranslate2's decoder hears the same: the fixture's reference).
    assert_eq!(
        texts,
        [
            "Press the power button, and turn the knob to 60 degrees.",
            "Hold the start key for three seconds."
        ]
    );
    let (s0, e0) = (
        lines[0]["start"].as_f64().unwrap(),
        lines[0]["end"].as_f64().unwrap(),
    );
    let (s1, e1) = (
        lines[1]["start"].as_f64().unwrap(),
        lines[1]["end"].as_f64().unwrap(),
    );
    assert!(s0 < 0.5 && (4.0..5.0).contains(&e0) && (4.5..5.5).contains(&s1) && e1 <= duration);
    let written = std::fs::read_to_string(&script).unwrap();
    assert_eq!(written, v["script"].as_str().unwrap());
    assert!(
        written.starts_with("0:00:00-0:00:05 Press the power button"),
        "{written}"
    );
    assistq::script::Script::read(&script).unwrap();

    // Without --json: the script lines.
    let out = pressnext(&["transcribe", CLIP]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), written);
}

#[test]
fn bad_files_and_missing_models_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp4");
    std::fs::write(&text, "not a video").unwrap();
    let models = dir.path().join("empty-models");
    std::fs::create_dir_all(&models).unwrap();

    let out = pressnext(&["transcribe", CLIP, "--model", models.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("model.safetensors") && stderr.contains("fix:"),
        "{stderr}"
    );

    if testkit::repo::real_models_root().is_none() {
        return;
    }
    let out = pressnext(&["transcribe", text.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("notes.mp4"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// `pressnext bench-transcribe --json`: a short espeak-ng narration timed and scored.
#[test]
fn bench_transcribe_reports_speed_and_word_errors() {
    if testkit::repo::real_models_root().is_none() {
        return;
    }
    if testkit::repo::required_program("espeak-ng").is_none() {
        return;
    }
    let out = pressnext(&["bench-transcribe", "--seconds", "12", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let audio = v["audio_seconds"].as_f64().unwrap();
    assert!((10.0..25.0).contains(&audio), "{v}");
    let took = v["transcribe_seconds"].as_f64().unwrap();
    assert!((v["realtime_factor"].as_f64().unwrap() - took / audio).abs() < 0.01);
    assert!(v["word_error_rate"].as_f64().unwrap() <= 0.25, "{v}");
    assert_eq!(v["model"], "whisper-tiny.en");
    assert!(v["lines"].as_u64().unwrap() >= 2);
}
