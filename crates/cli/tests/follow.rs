//! `pressnext follow` end to end on the demo pack (made by `scripts/demo_pack.sh`) and the real
//! weights: the clip of a user following the pack's question, played as the camera, gives one JSON
//! line per event, every step confirmed in order, the wrong press reported, then `done`; an answer
//! with no steps and a camera that is not a file are refused with a clear message.

use std::process::Output;

use serde_json::Value;
use testkit::repo::repo;

fn pressnext(args: &[&str]) -> Output {
    testkit::repo::run(env!("CARGO_BIN_EXE_pressnext"), args)
}

fn camera_truth() -> Value {
    let path = repo().join("demo/pack").join(synth::CAMERA_TRUTH_FILE);
    serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run bash scripts/demo_pack.sh", path.display())),
    )
    .unwrap()
}

#[test]
fn the_demo_clip_is_followed_step_by_step_as_json_lines() {
    if testkit::repo::real_models_root().is_none() {
        return;
    }
    let truth = camera_truth();
    let data = tempfile::tempdir().unwrap();
    let out = pressnext(&[
        "follow",
        "--pack",
        "demo/pack",
        "--camera",
        "file:demo/pack/camera.mp4",
        "--data-dir",
        data.path().to_str().unwrap(),
        "--json",
        truth["question"].as_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    for e in &events {
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, ["t", "event", "step", "button"], "{e}");
    }
    let confirmed: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["event"] == "confirmed")
        .map(|e| (e["step"].as_u64().unwrap(), e["button"].as_str().unwrap()))
        .collect();
    let want: Vec<(u64, &str)> = truth["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_u64().unwrap(), s["button"].as_str().unwrap()))
        .collect();
    assert_eq!(confirmed, want, "{events:?}");
    // Each confirmation comes after its press, within a second of the release.
    for (e, s) in events.iter().filter(|e| e["event"] == "confirmed").zip(
        truth["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "step"),
    ) {
        let t = e["t"].as_f64().unwrap();
        assert!(
            t >= s["start"].as_f64().unwrap() && t <= s["end"].as_f64().unwrap() + 1.0,
            "{e} for {s}"
        );
    }
    let wrong = truth["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "wrong")
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "wrong_control" && e["button"] == wrong["button"]),
        "{events:?}"
    );
    assert_eq!(events.last().unwrap()["event"], "done", "{events:?}");

    // A question the tutorial does not cover has no steps to follow.
    let free: Value = serde_json::from_str(
        &std::fs::read_to_string(testkit::repo::demo_folder().join("free_questions.json")).unwrap(),
    )
    .unwrap();
    let out = pressnext(&[
        "follow",
        "--pack",
        "demo/pack",
        "--camera",
        "file:demo/pack/camera.mp4",
        "--data-dir",
        data.path().to_str().unwrap(),
        free["unrelated"][0].as_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no steps to follow"), "{err}");
}

#[test]
fn only_a_video_file_can_be_the_camera() {
    let out = pressnext(&[
        "follow",
        "--pack",
        "demo/pack",
        "--camera",
        "index:0",
        "the question",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("file:PATH"), "{err}");
    let out = pressnext(&[
        "follow",
        "--pack",
        "demo/pack",
        "--camera",
        "file:/nonexistent/clip.mp4",
        "the question",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/clip.mp4"), "{err}");
}
