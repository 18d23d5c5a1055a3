//! `pressnext hands IMAGE [--json]` end to end on the real MediaPipe hand models (installed by
//! `bash scripts/setup.sh` under the repository's `models/`): the JSON contract on a frame of a
//! synthetic tutorial with a finger pressing a key, the plain listing of a frame without a hand,
//! and clear errors for a missing image and a models root without the hand models.

use std::process::Output;

fn pressnext(args: &[&str]) -> Output {
    testkit::repo::run(env!("CARGO_BIN_EXE_pressnext"), args)
}

const PRESS: &str = "crates/hands/tests/fixtures/press.png";
const NO_HAND: &str = "crates/hands/tests/fixtures/no_hand.png";

#[test]
fn json_gives_the_fingertip_and_21_landmarks() {
    let out = pressnext(&["hands", PRESS, "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(640), Some(360))
    );
    let hands = v["hands"].as_array().unwrap();
    assert_eq!(hands.len(), 1, "{v}");
    let h = &hands[0];
    assert_eq!(h["landmarks"].as_array().unwrap().len(), 21);
    // The fixture's finger presses the Power key, its tip near (296, 255) as MediaPipe finds it.
    let (x, y) = (
        h["index_tip"][0].as_f64().unwrap(),
        h["index_tip"][1].as_f64().unwrap(),
    );
    assert!((x - 296.3).abs() < 3.0 && (y - 255.2).abs() < 3.0, "{v}");
    assert_eq!(h["landmarks"][8][0], h["index_tip"][0]);
    let presence = h["presence"].as_f64().unwrap();
    assert!(presence > 0.5 && presence <= 1.0, "{v}");
}

#[test]
fn plain_output_says_when_there_is_no_hand() {
    let out = pressnext(&["hands", NO_HAND]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("no hand found in"), "{stdout}");
    let out = pressnext(&["hands", PRESS]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("hand: index fingertip at"), "{stdout}");
}

#[test]
fn bad_inputs_name_the_file() {
    let out = pressnext(&["hands", "no/such/frame.png"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no/such/frame.png"), "{stderr}");

    let tmp = tempfile::tempdir().unwrap();
    let out = pressnext(&["hands", PRESS, "--models", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("palm_detection_lite.tflite")
            && stderr.contains("fix: bash scripts/setup.sh"),
        "{stderr}"
    );
}
