//! The installed pretrained encoders against an independent implementation
//! (`scripts/encoder_reference.py`: the MiniLM model run by PyTorch/transformers, the original
//! DINOv2 ONNX run by onnxruntime), through the same public API the CLI and the app use, and the
//! encode pipeline on a generated folder with the real weights. Skipped with a note when the
//! weights are not installed; required (failing) under scripts/test.sh.

use std::path::Path;
use std::sync::Mutex;

use candle_core::Device;
use encoders::encode::{
    encode_dataset, ButtonView, EncodeEvent, EncodeOptions, EncodeSink, Encoders,
};
use encoders::models::ModelPaths;
use encoders::text::TextEncoder;
use encoders::vision::{load_image, ImageEncoder};
use encoders::Embedder;

use testkit::tiny_encoders as common;

use testkit::tutorial;

fn reference() -> serde_json::Value {
    let path =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/reference_embeddings.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn real_text_encoder_matches_pytorch() {
    let Some(root) = common::real_models_root() else {
        return;
    };
    let enc = TextEncoder::load(&ModelPaths::under(&root).text, &Device::Cpu).unwrap();
    assert_eq!(Embedder::dim(&enc), 384);
    let items = reference()["text"]["items"].as_array().unwrap().clone();
    assert!(items.len() >= 5);
    let texts: Vec<String> = items
        .iter()
        .map(|i| i["text"].as_str().unwrap().to_string())
        .collect();
    // All in one padded batch, as the encode pipeline runs them.
    let got = enc.embed(&texts).unwrap();
    for (item, g) in items.iter().zip(&got) {
        let text = item["text"].as_str().unwrap();
        assert_eq!(
            enc.tokenize(text).unwrap().len(),
            item["tokens"].as_u64().unwrap() as usize,
            "{text:?}: token count"
        );
        let c = cosine(g, &floats(&item["embedding"]));
        eprintln!("{text:?}: cosine {c:.6}");
        assert!(c >= 0.999, "{text:?}: cosine {c} to PyTorch");
    }
}

#[test]
fn real_image_encoder_matches_onnxruntime() {
    let Some(root) = common::real_models_root() else {
        return;
    };
    let enc = ImageEncoder::load(&ModelPaths::under(&root).image, &Device::Cpu).unwrap();
    assert_eq!(Embedder::dim(&enc), 384);
    let fixtures =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("tests/fixtures");
    let items = reference()["image"]["items"].as_array().unwrap().clone();
    let images: Vec<_> = items
        .iter()
        .map(|i| load_image(&fixtures.join(i["file"].as_str().unwrap())).unwrap())
        .collect();
    let got = enc.embed(&images).unwrap();
    for (item, g) in items.iter().zip(&got) {
        let c = cosine(g, &floats(&item["cls"]));
        eprintln!("{}: cosine {c:.6}", item["file"]);
        assert!(c >= 0.997, "{}: cosine {c} to onnxruntime", item["file"]);
    }
}

#[derive(Default)]
struct Warnings(Mutex<Vec<String>>);

impl EncodeSink for Warnings {
    fn event(&self, event: &EncodeEvent) {
        if let EncodeEvent::Warning { message, .. } = event {
            self.0.lock().unwrap().push(message.clone());
        }
    }
}

#[test]
fn real_encoders_encode_a_generated_folder() {
    let Some(root) = common::real_models_root() else {
        return;
    };
    let encoders = Encoders::load(&root, &Device::Cpu).unwrap();
    assert!(
        encoders.info_text.0.contains("MiniLM"),
        "{:?}",
        encoders.info_text
    );
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    tutorial::write_dataset(&data, &["microwave"]);
    let opts = EncodeOptions {
        data_root: data,
        split: "train".into(),
        label: "train.json".into(),
        out: tmp.path().join("encoded"),
        fps: 1.0,
        button_view: ButtonView::Crop,
    };
    let sink = Warnings::default();
    let summary = encode_dataset(&encoders, &opts, &sink).unwrap();
    assert_eq!(summary.encoded, 1, "{:?}", summary.failed);
    assert!(sink.0.lock().unwrap().is_empty());
    let folder = encoded::EncodedFolder::read(&opts.out.join("microwave")).unwrap();
    assert_eq!(folder.video.dims(), [tutorial::VIDEO_SECONDS, 384]);
    assert_eq!(folder.script.dims(), [tutorial::SCRIPT_SENTENCES, 384]);
    let steps: Vec<[usize; 2]> = folder.qas[0]
        .steps
        .iter()
        .map(|s| s.button.dims().try_into().unwrap())
        .collect();
    assert_eq!(steps, [[3, 384], [2, 384]]);
    // MiniLM vectors are unit length.
    let norm: f32 = folder.qas[0]
        .question
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!((norm - 1.0).abs() < 1e-4, "{norm}");
}
