//! The OCR on candle against onnxruntime, on fixtures written by `scripts/ocr_reference.py`
//! (RapidOCR's pipeline with onnxruntime on the same pinned graphs): the detector's probability
//! map and the recogniser's per-step probabilities within 1e-3 on the same inputs, and the whole
//! pipeline's strings identical on the fixture images. Needs the imported models
//! (`bash scripts/setup.sh`); the models root is `$PRESSNEXT_MODELS` or the repository's
//! `models/`.

use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use ocr::{ModelSet, Ocr};
use testkit::repo::models_root;
use testkit::tensors::max_abs_diff;

fn fixtures() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
}

fn load(set: ModelSet) -> Ocr {
    Ocr::load(&models_root(), set).unwrap_or_else(|e| {
        panic!("the OCR models are not installed ({e}); run bash scripts/setup.sh")
    })
}

fn tensors(file: &str) -> std::collections::HashMap<String, Tensor> {
    candle_core::safetensors::load(fixtures().join(file), &Device::Cpu).unwrap()
}

fn networks_match_onnxruntime(set: ModelSet) {
    let ocr = load(set);
    let name = set.name();
    let det = tensors(&format!("det_{name}.safetensors"));
    let prob = ocr.det.run(&det["input"]).unwrap();
    let d = max_abs_diff(&prob, &det["prob"]);
    eprintln!("{name} detector: max |candle - onnxruntime| = {d:e}");
    assert!(
        d < 1e-3,
        "{name} detector: max |candle - onnxruntime| = {d}"
    );

    let rec = tensors(&format!("rec_{name}.safetensors"));
    let out = ocr.rec.run(&rec["input"]).unwrap();
    let d = max_abs_diff(&out, &rec["output"]);
    eprintln!("{name} recogniser: max |candle - onnxruntime| = {d:e}");
    assert!(
        d < 1e-3,
        "{name} recogniser: max |candle - onnxruntime| = {d}"
    );
    let argmax: Vec<i64> = rec["argmax"].to_vec1().unwrap();
    let ours: Vec<i64> = out
        .squeeze(0)
        .unwrap()
        .argmax(1)
        .unwrap()
        .to_dtype(candle_core::DType::I64)
        .unwrap()
        .to_vec1()
        .unwrap();
    assert_eq!(ours, argmax, "{name} recogniser: best class per step");
}

#[test]
fn v5_networks_match_onnxruntime() {
    networks_match_onnxruntime(ModelSet::V5);
}

#[test]
fn v4_networks_match_onnxruntime() {
    networks_match_onnxruntime(ModelSet::V4);
}

fn pipeline_reads_what_onnxruntime_reads(set: ModelSet) {
    let ocr = load(set);
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join(format!("expected_{}.json", set.name()))).unwrap(),
    )
    .unwrap();
    for image in expected["images"].as_array().unwrap() {
        let file = image["file"].as_str().unwrap();
        let pixels = ocr::read_image(&fixtures().join(file)).unwrap();
        let got = ocr.read(&pixels).unwrap();
        let want = image["boxes"].as_array().unwrap();
        let got_text: Vec<&str> = got.iter().map(|b| b.text.as_str()).collect();
        let want_text: Vec<&str> = want.iter().map(|b| b["text"].as_str().unwrap()).collect();
        assert_eq!(got_text, want_text, "{} {file}: strings", set.name());
        for (g, w) in got.iter().zip(want) {
            let wq: Vec<[f32; 2]> = w["quad"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| [p[0].as_f64().unwrap() as f32, p[1].as_f64().unwrap() as f32])
                .collect();
            for (a, b) in g.quad.0.iter().zip(&wq) {
                assert!(
                    (a[0] - b[0]).abs() <= 3.0 && (a[1] - b[1]).abs() <= 3.0,
                    "{} {file} `{}`: corner {a:?} vs onnxruntime's {b:?}",
                    set.name(),
                    g.text
                );
            }
            let wc = w["confidence"].as_f64().unwrap() as f32;
            assert!(
                (g.confidence - wc).abs() < 0.03,
                "{} {file} `{}`: confidence {} vs {wc}",
                set.name(),
                g.text,
                g.confidence
            );
        }
    }
}

#[test]
fn v5_pipeline_reads_what_onnxruntime_reads() {
    pipeline_reads_what_onnxruntime_reads(ModelSet::V5);
}

#[test]
fn v4_pipeline_reads_what_onnxruntime_reads() {
    pipeline_reads_what_onnxruntime_reads(ModelSet::V4);
}

#[test]
fn a_missing_model_folder_is_named_with_the_fix() {
    let dir = std::env::temp_dir().join("pressnext-ocr-no-models");
    let err = Ocr::load(&dir, ModelSet::V5).unwrap_err().to_string();
    assert!(
        err.contains("ppocrv5") && err.contains("fix: bash scripts/setup.sh"),
        "{err}"
    );
}

#[test]
fn an_image_without_text_gives_no_boxes() {
    let ocr = load(ModelSet::V5);
    let blank = image::RgbImage::from_pixel(320, 200, image::Rgb([200, 200, 200]));
    assert!(ocr.read(&blank).unwrap().is_empty());
    let tiny = image::RgbImage::from_pixel(2, 2, image::Rgb([0, 0, 0]));
    assert!(ocr.read(&tiny).unwrap().is_empty());
}
