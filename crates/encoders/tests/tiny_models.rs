//! Tiny random BERT and DINOv2 models, written as safetensors into a temp folder at test time, so
//! the real loading code (file layout, parameter names, tokenizer JSON) is exercised without the
//! pretrained weights.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, IndexOp, Tensor};
use candle_nn::{VarBuilder, VarMap};
use candle_transformers::models::bert::BertModel;
use encoders::dinov2::{Dinov2, Dinov2Config};
use encoders::text::{TextEncoder, TextPooling};
use encoders::vision::{self, ImageEncoder, IMAGENET_MEAN, IMAGENET_STD};
use image::RgbImage;

// ---------------------------------------------------------------- helpers

/// Small deterministic generator (xorshift64*), so a failing test fails the same way every run.
struct Rng(u64);

impl Rng {
    fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 40) as f32 / (1u64 << 24) as f32 // [0, 1)
    }
    fn uniform(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n)
            .map(|_| (self.next_f32() * 2.0 - 1.0) * scale)
            .collect()
    }
}

/// Replaces every variable with deterministic random values (norm weights near 1) and saves the
/// map as `model.safetensors` in `dir`.
fn randomize_and_save(vm: &VarMap, dir: &Path, seed: u64) {
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

fn max_abs_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
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

const WORDS: &[&str] = &[
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
const SPECIALS: &[&str] = &["[PAD]", "[UNK]", "[CLS]", "[SEP]"];

fn vocab_size() -> usize {
    SPECIALS.len() + WORDS.len()
}

/// A WordPiece tokenizer.json as Hugging Face writes it for BERT, built by hand.
fn tokenizer_json() -> serde_json::Value {
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

fn bert_config() -> serde_json::Value {
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

enum BertKind {
    /// MiniLM layout: bare names, `1_Pooling/config.json` asking for mean tokens.
    MeanPooling,
    /// bert-base layout: `bert.`-prefixed names with `bert.pooler.dense`, no pooling file.
    Pooler,
}

/// Writes a tiny random BERT model folder and returns its directory.
fn write_tiny_bert(kind: BertKind) -> tempfile::TempDir {
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

fn sentences() -> Vec<String> {
    let long = "press the power button and then hold the start button . ".repeat(12);
    [
        "Question: how do I turn on the microwave?",
        "Answer: press <button1>",
        "Answer: press <button2> and then hold <button13>",
        "power",
        "",
        "Set the TIMER, then press <button3> to start heating water.",
        long.as_str(),
        "unknownword zzz",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn tokenizer_json_word_pieces_button_tags() {
    let dir = write_tiny_bert(BertKind::MeanPooling);
    let enc = TextEncoder::load(dir.path(), &Device::Cpu).unwrap();
    let ids = enc.tokenize("Answer: Press <button1>").unwrap();
    let id = |w: &str| (SPECIALS.iter().chain(WORDS).position(|x| *x == w).unwrap()) as u32;
    let expected: Vec<u32> = [
        "[CLS]", "answer", ":", "press", "<", "button", "##1", ">", "[SEP]",
    ]
    .iter()
    .map(|w| id(w))
    .collect();
    assert_eq!(ids, expected);
    // Truncation to the position table (64 < 256).
    assert_eq!(enc.max_tokens(), 64);
    assert_eq!(enc.tokenize(&sentences()[6]).unwrap().len(), 64);
}

#[test]
fn mean_pooling_bert_unit_norm_batch_invariant() {
    let dir = write_tiny_bert(BertKind::MeanPooling);
    let enc = TextEncoder::load(dir.path(), &Device::Cpu).unwrap();
    assert_eq!(enc.pooling(), TextPooling::MeanL2);
    assert_eq!(enc.dim(), 32);
    let texts = sentences();
    let batched = enc.encode(&texts).unwrap();
    assert_eq!(batched.len(), texts.len());
    for v in &batched {
        assert_eq!(v.len(), 32);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
    }
    let single: Vec<Vec<f32>> = texts
        .iter()
        .map(|t| enc.encode(std::slice::from_ref(t)).unwrap().remove(0))
        .collect();
    let diff = max_abs_diff(&batched, &single);
    assert!(diff < 1e-5, "batched vs one-by-one differ by {diff}");
    // Different sentences give different vectors (the padding mask is not washing them out).
    assert!(max_abs_diff(&batched[1..2], &batched[2..3]) > 1e-3);
    // Deterministic.
    assert_eq!(enc.encode(&texts).unwrap(), batched);
    // Tensor form, and more than one batch of 32.
    let many: Vec<String> = (0..70).map(|i| texts[i % texts.len()].clone()).collect();
    let t = enc.encode_tensor(&many).unwrap();
    assert_eq!(t.dims(), &[70, 32]);
    let rows = t.to_vec2::<f32>().unwrap();
    for (i, r) in rows.iter().enumerate() {
        let diff = max_abs_diff(
            std::slice::from_ref(r),
            &batched[i % texts.len()..i % texts.len() + 1],
        );
        assert!(diff < 1e-5, "row {i} differs by {diff}");
    }
    assert_eq!(enc.encode_tensor(&[]).unwrap().dims(), &[0, 32]);
}

#[test]
fn mean_pooling_matches_direct_bert() {
    let dir = write_tiny_bert(BertKind::MeanPooling);
    let enc = TextEncoder::load(dir.path(), &Device::Cpu).unwrap();
    let cfg: candle_transformers::models::bert::Config =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    let tensors =
        candle_core::safetensors::load(dir.path().join("model.safetensors"), &Device::Cpu).unwrap();
    let bert = BertModel::load(
        VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu),
        &cfg,
    )
    .unwrap();
    let text = "Answer: press <button2> and then hold <button13>".to_string();
    let ids = enc.tokenize(&text).unwrap();
    let n = ids.len();
    let input = Tensor::new(ids, &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let hidden = bert
        .forward(&input, &input.zeros_like().unwrap(), None)
        .unwrap()
        .i(0)
        .unwrap();
    let rows = hidden.to_vec2::<f32>().unwrap();
    let mut mean = [0f32; 32];
    for r in &rows {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += x / n as f32;
        }
    }
    let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt();
    let expected: Vec<f32> = mean.iter().map(|x| x / norm).collect();
    let got = enc.encode(&[text]).unwrap();
    let diff = max_abs_diff(&got, &[expected]);
    assert!(
        diff < 1e-5,
        "differs from mean of BertModel output by {diff}"
    );
}

#[test]
fn pooler_bert_prefixed_names_tanh_bounded() {
    let dir = write_tiny_bert(BertKind::Pooler);
    let enc = TextEncoder::load(dir.path(), &Device::Cpu).unwrap();
    assert_eq!(enc.pooling(), TextPooling::Pooler);
    assert_eq!(enc.max_tokens(), 64);
    let texts = sentences();
    let batched = enc.encode(&texts).unwrap();
    for v in &batched {
        assert_eq!(v.len(), 32);
        assert!(
            v.iter().all(|x| x.abs() < 1.0),
            "pooler output must be tanh-bounded"
        );
    }
    let single: Vec<Vec<f32>> = texts
        .iter()
        .map(|t| enc.encode(std::slice::from_ref(t)).unwrap().remove(0))
        .collect();
    let diff = max_abs_diff(&batched, &single);
    assert!(diff < 1e-5, "batched vs one-by-one differ by {diff}");

    // tanh(W h_CLS + b) computed by hand from the stored tensors and candle's BertModel.
    let cfg: candle_transformers::models::bert::Config =
        serde_json::from_value(bert_config()).unwrap();
    let tensors =
        candle_core::safetensors::load(dir.path().join("model.safetensors"), &Device::Cpu).unwrap();
    let w = tensors["bert.pooler.dense.weight"]
        .to_vec2::<f32>()
        .unwrap();
    let b = tensors["bert.pooler.dense.bias"].to_vec1::<f32>().unwrap();
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu).pp("bert");
    let bert = BertModel::load(vb, &cfg).unwrap();
    let ids = enc.tokenize(&texts[0]).unwrap();
    let input = Tensor::new(ids, &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    let h = bert
        .forward(&input, &input.zeros_like().unwrap(), None)
        .unwrap();
    let cls = h.i((0, 0)).unwrap().to_vec1::<f32>().unwrap();
    let expected: Vec<f32> = (0..32)
        .map(|o| (b[o] + (0..32).map(|i| w[o][i] * cls[i]).sum::<f32>()).tanh())
        .collect();
    let diff = max_abs_diff(&batched[0..1], &[expected]);
    assert!(
        diff < 1e-5,
        "pooler differs from hand computation by {diff}"
    );
}

#[test]
fn text_weight_errors_name_the_file() {
    let dir = write_tiny_bert(BertKind::MeanPooling);
    let weights = dir.path().join("model.safetensors");

    std::fs::write(&weights, b"not a safetensors file").unwrap();
    let err = TextEncoder::load(dir.path(), &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("model.safetensors") && err.contains("fix:"),
        "{err}"
    );

    std::fs::remove_file(&weights).unwrap();
    let err = TextEncoder::load(dir.path(), &Device::Cpu).unwrap_err();
    assert!(matches!(err, encoders::Error::Weights { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&weights.display().to_string()) && msg.contains("fix:"),
        "{msg}"
    );

    let dir = write_tiny_bert(BertKind::MeanPooling);
    std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
    let err = TextEncoder::load(dir.path(), &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tokenizer.json") && err.contains("fix:"),
        "{err}"
    );

    let dir = write_tiny_bert(BertKind::MeanPooling);
    std::fs::write(dir.path().join("config.json"), "{").unwrap();
    let err = TextEncoder::load(dir.path(), &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(err.contains("config.json") && err.contains("fix:"), "{err}");
}

// ---------------------------------------------------------------- DINOv2

fn tiny_dino_config(image_size: usize) -> Dinov2Config {
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

fn write_tiny_dino(image_size: usize) -> tempfile::TempDir {
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

fn random_image(rng: &mut Rng, w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |_, _| {
        image::Rgb([0, 0, 0].map(|_: u8| (rng.next_f32() * 256.0) as u8))
    })
}

#[test]
fn dinov2_shapes_and_batch_invariance() {
    for size in [28usize, 56] {
        let grid = size / 14;
        let dir = write_tiny_dino(size);
        let enc = ImageEncoder::load(dir.path(), &Device::Cpu).unwrap();
        assert_eq!((enc.dim(), enc.image_size(), enc.grid()), (32, size, grid));
        let mut rng = Rng(99);
        // 10 images: two batches of at most 8; mixed sizes, one already at the input size.
        let sizes = [
            (40, 30),
            (28, 28),
            (100, 60),
            (56, 56),
            (17, 90),
            (64, 64),
            (30, 40),
            (200, 150),
            (33, 33),
            (50, 20),
        ];
        let images: Vec<RgbImage> = sizes
            .iter()
            .map(|&(w, h)| random_image(&mut rng, w, h))
            .collect();

        let pixels = Tensor::stack(
            &[
                enc.preprocess(&images[0]).unwrap(),
                enc.preprocess(&images[1]).unwrap(),
            ],
            0,
        )
        .unwrap();
        let (cls, patches) = enc.model().forward(&pixels).unwrap();
        assert_eq!(cls.dims(), &[2, 32]);
        assert_eq!(patches.dims(), &[2, grid * grid, 32]);

        let batched = enc.encode(&images).unwrap();
        assert_eq!(batched.len(), images.len());
        assert!(batched.iter().all(|v| v.len() == 32));
        let single: Vec<Vec<f32>> = images
            .iter()
            .map(|im| enc.encode(std::slice::from_ref(im)).unwrap().remove(0))
            .collect();
        let diff = max_abs_diff(&batched, &single);
        assert!(diff < 1e-5, "batched vs one-by-one differ by {diff}");
        assert!(max_abs_diff(&batched[0..1], &batched[2..3]) > 1e-3);

        let feats = enc.encode_with_patches(&images).unwrap();
        assert_eq!(feats.len(), images.len());
        for (f, c) in feats.iter().zip(&batched) {
            assert_eq!(f.grid, grid);
            assert_eq!(f.patches.len(), grid * grid);
            assert!(f.patches.iter().all(|p| p.len() == 32));
            assert!(max_abs_diff(std::slice::from_ref(&f.cls), std::slice::from_ref(c)) < 1e-5);
        }
        let (t_cls, t_patches) = enc.encode_tensor(&images).unwrap();
        assert_eq!(t_cls.dims(), &[10, 32]);
        assert_eq!(t_patches.dims(), &[10, grid * grid, 32]);
        // Wrong input size is refused rather than silently mis-embedded.
        assert!(enc
            .model()
            .forward(
                &Tensor::zeros((1, 3, size + 14, size + 14), DType::F32, &Device::Cpu).unwrap()
            )
            .is_err());
    }
}

/// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), enough for a 1e-4 comparison.
fn erf(x: f64) -> f64 {
    let s = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.3275911 * x);
    let y = 1.0
        - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
            + 0.254829592)
            * t
            * (-x * x).exp();
    s * y
}

fn layer_norm(x: &[f64], w: &[f64], b: &[f64], eps: f64) -> Vec<f64> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    x.iter()
        .enumerate()
        .map(|(i, v)| (v - mean) / (var + eps).sqrt() * w[i] + b[i])
        .collect()
}

/// `W x + b` with `W` row-major `[out, in]`.
fn linear(w: &[f64], b: &[f64], x: &[f64]) -> Vec<f64> {
    let (out, inp) = (b.len(), x.len());
    (0..out)
        .map(|o| b[o] + (0..inp).map(|i| w[o * inp + i] * x[i]).sum::<f64>())
        .collect()
}

/// A direct, loop-by-loop DINOv2 forward on one image, in f64, from the stored tensors.
fn naive_dinov2(t: &HashMap<String, Vec<f64>>, cfg: &Dinov2Config, px: &[f64]) -> Vec<Vec<f64>> {
    let (d, p, s, g, heads) = (
        cfg.hidden_size,
        cfg.patch_size,
        cfg.image_size,
        cfg.grid(),
        cfg.num_heads,
    );
    let dh = d / heads;
    let get = |n: &str| t.get(n).unwrap_or_else(|| panic!("missing {n}"));
    // Patch embedding as an explicit dot product over each 3 x p x p patch.
    let (pw, pb) = (get("patch_embed.proj.weight"), get("patch_embed.proj.bias"));
    let mut tokens = vec![get("cls_token").clone()];
    for gy in 0..g {
        for gx in 0..g {
            let mut tok = pb.clone();
            for (o, v) in tok.iter_mut().enumerate() {
                for c in 0..3 {
                    for ky in 0..p {
                        for kx in 0..p {
                            *v += pw[((o * 3 + c) * p + ky) * p + kx]
                                * px[(c * s + gy * p + ky) * s + gx * p + kx];
                        }
                    }
                }
            }
            tokens.push(tok);
        }
    }
    let pos = get("pos_embed");
    for (i, tok) in tokens.iter_mut().enumerate() {
        for (j, v) in tok.iter_mut().enumerate() {
            *v += pos[i * d + j];
        }
    }
    let n = tokens.len();
    let eps = cfg.layer_norm_eps;
    for l in 0..cfg.num_layers {
        let k = |s: &str| format!("blocks.{l}.{s}");
        // Attention branch.
        let normed: Vec<Vec<f64>> = tokens
            .iter()
            .map(|x| layer_norm(x, get(&k("norm1.weight")), get(&k("norm1.bias")), eps))
            .collect();
        let qkv: Vec<Vec<f64>> = normed
            .iter()
            .map(|x| linear(get(&k("attn.qkv.weight")), get(&k("attn.qkv.bias")), x))
            .collect();
        let mut attn_out = vec![vec![0.0; d]; n];
        for h in 0..heads {
            for i in 0..n {
                let q = &qkv[i][h * dh..(h + 1) * dh];
                let scores: Vec<f64> = (0..n)
                    .map(|j| {
                        let kk = &qkv[j][d + h * dh..d + (h + 1) * dh];
                        q.iter().zip(kk).map(|(a, b)| a * b).sum::<f64>() / (dh as f64).sqrt()
                    })
                    .collect();
                let m = scores.iter().cloned().fold(f64::MIN, f64::max);
                let e: Vec<f64> = scores.iter().map(|x| (x - m).exp()).collect();
                let z: f64 = e.iter().sum();
                for j in 0..n {
                    for c in 0..dh {
                        attn_out[i][h * dh + c] += e[j] / z * qkv[j][2 * d + h * dh + c];
                    }
                }
            }
        }
        let g1 = get(&k("ls1.gamma"));
        for i in 0..n {
            let y = linear(
                get(&k("attn.proj.weight")),
                get(&k("attn.proj.bias")),
                &attn_out[i],
            );
            for c in 0..d {
                tokens[i][c] += g1[c] * y[c];
            }
        }
        // MLP branch.
        let g2 = get(&k("ls2.gamma"));
        for tok in tokens.iter_mut() {
            let x = layer_norm(tok, get(&k("norm2.weight")), get(&k("norm2.bias")), eps);
            let hdn: Vec<f64> = linear(get(&k("mlp.fc1.weight")), get(&k("mlp.fc1.bias")), &x)
                .into_iter()
                .map(|v| 0.5 * v * (1.0 + erf(v / std::f64::consts::SQRT_2)))
                .collect();
            let y = linear(get(&k("mlp.fc2.weight")), get(&k("mlp.fc2.bias")), &hdn);
            for c in 0..d {
                tok[c] += g2[c] * y[c];
            }
        }
    }
    tokens
        .iter()
        .map(|x| layer_norm(x, get("norm.weight"), get("norm.bias"), eps))
        .collect()
}

#[test]
fn dinov2_forward_matches_naive_implementation() {
    let size = 28;
    let dir = write_tiny_dino(size);
    let cfg = tiny_dino_config(size);
    let enc = ImageEncoder::load(dir.path(), &Device::Cpu).unwrap();
    let tensors =
        candle_core::safetensors::load(dir.path().join("model.safetensors"), &Device::Cpu).unwrap();
    let flat: HashMap<String, Vec<f64>> = tensors
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.flatten_all()
                    .unwrap()
                    .to_vec1::<f32>()
                    .unwrap()
                    .into_iter()
                    .map(f64::from)
                    .collect(),
            )
        })
        .collect();

    let mut rng = Rng(5);
    let images = [
        random_image(&mut rng, size as u32, size as u32),
        random_image(&mut rng, 45, 31),
    ];
    let pixels: Vec<Tensor> = images
        .iter()
        .map(|im| enc.preprocess(im).unwrap())
        .collect();
    let (cls, patches) = enc
        .model()
        .forward(&Tensor::stack(&pixels, 0).unwrap())
        .unwrap();
    let (cls, patches) = (
        cls.to_vec2::<f32>().unwrap(),
        patches.to_vec3::<f32>().unwrap(),
    );
    for b in 0..images.len() {
        let px: Vec<f64> = pixels[b]
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
            .into_iter()
            .map(f64::from)
            .collect();
        let expected = naive_dinov2(&flat, &cfg, &px);
        assert_eq!(expected.len(), 1 + cfg.num_patches());
        let mut worst = 0f64;
        for c in 0..32 {
            worst = worst.max((cls[b][c] as f64 - expected[0][c]).abs());
            for p in 0..cfg.num_patches() {
                worst = worst.max((patches[b][p][c] as f64 - expected[1 + p][c]).abs());
            }
        }
        assert!(
            worst < 1e-4,
            "image {b}: candle forward differs from the naive one by {worst}"
        );
    }
}

#[test]
fn preprocess_gray_and_red_constants() {
    let gray = RgbImage::from_pixel(50, 30, image::Rgb([128, 128, 128]));
    let t = vision::preprocess(&gray, 28, &Device::Cpu).unwrap();
    assert_eq!(t.dims(), &[3, 28, 28]);
    let v = t.to_vec3::<f32>().unwrap();
    for c in 0..3 {
        let expected = (128.0 / 255.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
        for row in &v[c] {
            for x in row {
                assert!(
                    (x - expected).abs() < 1e-5,
                    "channel {c}: {x} vs {expected}"
                );
            }
        }
    }
    // Sanity values for gray: R (0.50196 - 0.485) / 0.229.
    assert!((v[0][0][0] - 0.074_06).abs() < 1e-4);

    // Channel order is RGB.
    let red = RgbImage::from_pixel(14, 14, image::Rgb([255, 0, 0]));
    let v = vision::preprocess(&red, 14, &Device::Cpu)
        .unwrap()
        .to_vec3::<f32>()
        .unwrap();
    assert!((v[0][3][3] - (1.0 - 0.485) / 0.229).abs() < 1e-5);
    assert!((v[1][3][3] - (0.0 - 0.456) / 0.224).abs() < 1e-5);
    assert!((v[2][3][3] - (0.0 - 0.406) / 0.225).abs() < 1e-5);
}

#[test]
fn vision_errors_name_the_file() {
    let dir = write_tiny_dino(28);
    let weights = dir.path().join("model.safetensors");
    std::fs::remove_file(&weights).unwrap();
    let err = ImageEncoder::load(dir.path(), &Device::Cpu).unwrap_err();
    assert!(matches!(err, encoders::Error::Weights { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&weights.display().to_string()) && msg.contains("fix:"),
        "{msg}"
    );

    // Weights of another grid (pos_embed shape) are refused, naming the weights file.
    let other = write_tiny_dino(56);
    std::fs::copy(other.path().join("model.safetensors"), &weights).unwrap();
    let msg = ImageEncoder::load(dir.path(), &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("model.safetensors") && msg.contains("fix:"),
        "{msg}"
    );

    let missing = dir.path().join("nope.jpg");
    let msg = vision::load_image(&missing).unwrap_err().to_string();
    assert!(msg.contains("nope.jpg"), "{msg}");
    let bad = dir.path().join("bad.png");
    std::fs::write(&bad, b"definitely not a png").unwrap();
    let msg = vision::load_image(&bad).unwrap_err().to_string();
    assert!(msg.contains("bad.png"), "{msg}");

    // A real PNG round-trips.
    let good = dir.path().join("good.png");
    RgbImage::from_pixel(5, 4, image::Rgb([1, 2, 3]))
        .save(&good)
        .unwrap();
    let img = vision::load_image(&good).unwrap();
    assert_eq!(
        (img.width(), img.height(), img.get_pixel(2, 2).0),
        (5, 4, [1, 2, 3])
    );
}
