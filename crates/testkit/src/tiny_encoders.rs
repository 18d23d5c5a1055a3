//! Tiny random BERT and DINOv2 models for tests (feature `encoders`): written as safetensors
//! (with a hand-made WordPiece tokenizer.json) into temp folders, so the real loading code runs
//! without the pretrained weights; and installed as a whole models root for the CLI's tests.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::bert::BertModel;
use encoders::dinov2::{Dinov2, Dinov2Config};
use image::RgbImage;

/// The seeded generator of the random weights and images.
pub use geometry::SplitMix64 as Rng;

/// Uniform test data from [`Rng`].
pub trait Uniform {
    /// `n` values uniform in `[-scale, scale)`.
    fn uniform(&mut self, n: usize, scale: f32) -> Vec<f32>;
}

impl Uniform for Rng {
    fn uniform(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n)
            .map(|_| (self.unit_f32() * 2.0 - 1.0) * scale)
            .collect()
    }
}

/// Replaces every variable with deterministic random values (norm weights near 1) and saves the
/// map as `model.safetensors` in `dir`.
pub fn randomize_and_save(vm: &VarMap, dir: &Path, seed: u64) {
    let mut rng = Rng(seed);
    let data = vm.data().lock().unwrap();
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        let var = &data[name];
        let shape = var.shape().clone();
        let n = shape.elem_count();
        let norm_weight = name.ends_with("LayerNorm.weight")
            || (name.contains("norm") && name.ends_with(".weight"));
        let values: Vec<f32> = if norm_weight {
            rng.uniform(n, 0.2).into_iter().map(|v| 1.0 + v).collect()
        } else {
            rng.uniform(n, 0.3)
        };
        var.set(&Tensor::from_vec(values, shape, &Device::Cpu).unwrap())
            .unwrap();
    }
    drop(data);
    vm.save(dir.join("model.safetensors")).unwrap();
}

pub fn max_abs_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| {
            assert_eq!(x.len(), y.len());
            x.iter().zip(y).map(|(p, q)| (p - q).abs())
        })
        .fold(0.0, f32::max)
}

// ---------------------------------------------------------------- BERT

pub const WORDS: &[&str] = &[
    "question",
    "answer",
    "press",
    "button",
    ":",
    "<",
    ">",
    "##1",
    "##2",
    "##3",
    "##0",
    "the",
    "to",
    "how",
    "do",
    "i",
    "turn",
    "on",
    "off",
    "set",
    "timer",
    "power",
    "start",
    "stop",
    "water",
    "heat",
    "mode",
    "and",
    "then",
    "hold",
    ".",
    ",",
    "?",
    "a",
    "microwave",
    "oven",
    "washing",
    "machine",
    "##s",
    "##ing",
    "light",
    "fan",
    "speed",
];
pub const SPECIALS: &[&str] = &["[PAD]", "[UNK]", "[CLS]", "[SEP]"];

pub fn vocab_size() -> usize {
    SPECIALS.len() + WORDS.len()
}

/// A WordPiece tokenizer.json as Hugging Face writes it for BERT, built by hand.
pub fn tokenizer_json() -> serde_json::Value {
    let mut vocab = serde_json::Map::new();
    for (i, w) in SPECIALS.iter().chain(WORDS).enumerate() {
        vocab.insert(w.to_string(), serde_json::json!(i));
    }
    let added: Vec<_> = SPECIALS
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::json!({"id": i, "content": t, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    serde_json::json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
            "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}}
            ],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}}
            ],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}
            }
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100, "vocab": vocab}
    })
}

pub fn bert_config() -> serde_json::Value {
    serde_json::json!({
        "architectures": ["BertModel"],
        "vocab_size": vocab_size(),
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": 64,
        "type_vocab_size": 2,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "model_type": "bert"
    })
}

pub enum BertKind {
    /// MiniLM layout: bare names, `1_Pooling/config.json` asking for mean tokens.
    MeanPooling,
    /// bert-base layout: `bert.`-prefixed names with `bert.pooler.dense`, no pooling file.
    Pooler,
}

/// Writes a tiny random BERT model folder and returns its directory.
pub fn write_tiny_bert(kind: BertKind) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let cfg_json = bert_config();
    std::fs::write(
        dir.path().join("config.json"),
        serde_json::to_vec_pretty(&cfg_json).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tokenizer.json"),
        serde_json::to_vec_pretty(&tokenizer_json()).unwrap(),
    )
    .unwrap();
    let cfg: candle_transformers::models::bert::Config = serde_json::from_value(cfg_json).unwrap();
    let vm = VarMap::new();
    let vb = VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu);
    match kind {
        BertKind::MeanPooling => {
            BertModel::load(vb, &cfg).unwrap();
            std::fs::create_dir(dir.path().join("1_Pooling")).unwrap();
            std::fs::write(
                dir.path().join("1_Pooling/config.json"),
                r#"{"word_embedding_dimension": 32, "pooling_mode_cls_token": false,
                    "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false}"#,
            )
            .unwrap();
            randomize_and_save(&vm, dir.path(), 7);
        }
        BertKind::Pooler => {
            let vb = vb.pp("bert");
            BertModel::load(vb.clone(), &cfg).unwrap();
            candle_nn::linear(32, 32, vb.pp("pooler").pp("dense")).unwrap();
            randomize_and_save(&vm, dir.path(), 11);
        }
    }
    dir
}

pub fn tiny_dino_config(image_size: usize) -> Dinov2Config {
    Dinov2Config {
        image_size,
        patch_size: 14,
        hidden_size: 32,
        num_layers: 2,
        num_heads: 2,
        mlp_ratio: 4.0,
        layer_norm_eps: 1e-6,
    }
}

pub fn write_tiny_dino(image_size: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let cfg = tiny_dino_config(image_size);
    std::fs::write(
        dir.path().join("config.json"),
        serde_json::to_vec_pretty(&cfg).unwrap(),
    )
    .unwrap();
    let vm = VarMap::new();
    Dinov2::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
    randomize_and_save(&vm, dir.path(), 23);
    dir
}

pub fn random_image(rng: &mut Rng, w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |_, _| {
        image::Rgb([0, 0, 0].map(|_: u8| (rng.unit_f32() * 256.0) as u8))
    })
}

pub use crate::repo::real_models_root;

/// Installs the tiny BERT (mean pooling) and a tiny DINOv2 (56 px) as a models root, with a
/// manifest hashing every file, exactly as `pressnext models import` lays out the real ones.
pub fn install_tiny_models(root: &Path) {
    use encoders::models::{self, Manifest, ManifestFile, ManifestModel, Role};
    let text = write_tiny_bert(BertKind::MeanPooling);
    let image = write_tiny_dino(56);
    let mut entries = Vec::new();
    for (src, dir, role) in [
        (text.path(), models::TEXT_DIR, Role::Text),
        (image.path(), models::IMAGE_DIR, Role::Image),
    ] {
        let mut files = Vec::new();
        copy_tree(src, &root.join(dir), dir, &mut files);
        files.sort_by(|a: &ManifestFile, b| a.path.cmp(&b.path));
        entries.push(ManifestModel {
            name: format!("tiny-{dir}"),
            role,
            source_package: "tiny".into(),
            source_version: "0.0.0".into(),
            source_sha256: "00".repeat(32),
            files,
        });
    }
    Manifest { models: entries }.write(root).unwrap();

    fn copy_tree(
        src: &Path,
        dst: &Path,
        rel: &str,
        files: &mut Vec<encoders::models::ManifestFile>,
    ) {
        std::fs::create_dir_all(dst).unwrap();
        for entry in std::fs::read_dir(src).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let (from, to) = (entry.path(), dst.join(&name));
            let rel = format!("{rel}/{name}");
            if from.is_dir() {
                copy_tree(&from, &to, &rel, files);
            } else {
                std::fs::copy(&from, &to).unwrap();
                files.push(encoders::models::ManifestFile {
                    sha256: encoders::models::sha256_file(&to).unwrap(),
                    bytes: std::fs::metadata(&to).unwrap().len(),
                    path: rel,
                });
            }
        }
    }
}

/// A Q2A model as wide as the tiny encoders (32-d), trained by `pressnext` in a scratch folder:
/// write [`TINY_Q2A_CONFIG`] to `cfg.yaml`, run [`TINY_Q2A_FEATURES`] then [`TINY_Q2A_TRAIN`];
/// the model is `model/last.safetensors`.
pub const TINY_Q2A_CONFIG: &str = "MODEL:\n  HISTORY:\n    ARCH: gru\n";
pub const TINY_Q2A_FEATURES: &[&str] = &[
    "synth-features",
    "--out",
    "enc",
    "--dim",
    "32",
    "--folders",
    "2",
    "--seed",
    "3",
];
pub const TINY_Q2A_TRAIN: &[&str] = &[
    "train",
    "--cfg",
    "cfg.yaml",
    "INPUT.DIM",
    "32",
    "MODEL.DIM_STATE",
    "16",
    "SOLVER.MAX_EPOCHS",
    "1",
    "SOLVER.BATCH_SIZE",
    "4",
    "DATASET.TRAIN",
    "enc",
    "DEVICE",
    "cpu",
    "OUTPUT_DIR",
    "model",
];
