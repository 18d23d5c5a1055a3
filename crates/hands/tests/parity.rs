//! The hand models on candle against TensorFlow Lite, on fixtures written by
//! `scripts/hands_reference.py`: the palm detector's and the landmark model's outputs within 1e-3
//! of the interpreter's on the same inputs, and the whole pipeline's landmarks within 2 px of
//! MediaPipe's own on frames of a synthetic tutorial (and no hand where it finds none). Needs the
//! imported models (`bash scripts/setup.sh`); the models root is `$PRESSNEXT_MODELS` or the
//! repository's `models/`.

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use hands::HandFinder;
use testkit::repo::models_root;
use testkit::tensors::max_abs_diff;

fn fixtures() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
}

fn finder() -> HandFinder {
    HandFinder::load(&models_root()).unwrap_or_else(|e| {
        panic!("the hand models are not installed ({e}); run bash scripts/setup.sh")
    })
}

fn tensors(file: &str) -> std::collections::HashMap<String, Tensor> {
    candle_core::safetensors::load(fixtures().join(file), &Device::Cpu).unwrap()
}

#[test]
fn palm_detector_matches_tflite() {
    let f = finder();
    let t = tensors("palm.safetensors");
    let out = f.palm.run(&t["input"]).unwrap();
    assert_eq!(out.len(), 2);
    for (got, name) in out.iter().zip(["boxes", "scores"]) {
        assert_eq!(got.dims(), t[name].dims(), "{name}");
        let d = max_abs_diff(got, &t[name]);
        eprintln!("palm {name}: max |candle - tflite| = {d:e}");
        assert!(d < 1e-3, "palm {name}: max |candle - tflite| = {d}");
    }
}

#[test]
fn landmark_model_matches_tflite() {
    let f = finder();
    let t = tensors("landmark.safetensors");
    let out = f.landmark.run(&t["input"]).unwrap();
    assert_eq!(out.len(), 4);
    for (i, got) in out.iter().enumerate() {
        let want = &t[&format!("out{i}")];
        assert_eq!(got.dims(), want.dims(), "output {i}");
        // Landmarks are in crop pixels (0..224): 1e-3 relative to that range.
        let tol = if i == 0 || i == 3 { 1e-3 * 224.0 } else { 1e-3 };
        let d = max_abs_diff(got, want);
        eprintln!("landmark output {i}: max |candle - tflite| = {d:e}");
        assert!(d < tol, "landmark output {i}: max |candle - tflite| = {d}");
    }
}

#[test]
fn pipeline_matches_mediapipe() {
    let f = finder();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("expected.json")).unwrap())
            .unwrap();
    for (name, want) in expected.as_object().unwrap() {
        let img = image::open(fixtures().join(name)).unwrap().to_rgb8();
        let got = f.find(&img).unwrap();
        let want = want.as_array().unwrap();
        assert_eq!(got.len(), want.len(), "{name}: hands found");
        for (g, w) in got.iter().zip(want) {
            let wl = w["landmarks"].as_array().unwrap();
            let mut worst = 0f32;
            for (a, b) in g.landmarks.iter().zip(wl) {
                let bx = b[0].as_f64().unwrap() as f32;
                let by = b[1].as_f64().unwrap() as f32;
                worst = worst.max(((a[0] - bx).powi(2) + (a[1] - by).powi(2)).sqrt());
            }
            let (tx, ty) = g.index_tip();
            eprintln!("{name}: fingertip at {tx:.1},{ty:.1}; worst landmark {worst:.2} px off");
            assert!(
                worst < 2.0,
                "{name}: a landmark {worst} px from MediaPipe's"
            );
        }
    }
}

#[test]
fn a_damaged_model_file_is_refused_naming_it() {
    let path = models_root().join(hands::HANDS_DIR).join(hands::PALM_FILE);
    let bytes = std::fs::read(&path).unwrap();
    for cut in [8, 1000, bytes.len() / 2] {
        let e = hands::Network::from_bytes(&bytes[..cut], Path::new("damaged.tflite")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("damaged.tflite"), "{msg}");
        assert!(msg.contains("fix: bash scripts/setup.sh"), "{msg}");
    }
    // An image of the wrong size is an error, not a panic.
    let f = finder();
    let wrong = Tensor::zeros((1, 100, 100, 3), candle_core::DType::F32, &Device::Cpu).unwrap();
    let msg = f.palm.run(&wrong).unwrap_err().to_string();
    assert!(msg.contains("input shape"), "{msg}");
}
