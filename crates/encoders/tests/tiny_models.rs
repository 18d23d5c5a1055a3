//! Tiny random BERT and DINOv2 models, written as safetensors into a temp folder at test time, so
//! the real loading code (file layout, parameter names, tokenizer JSON) is exercised without the
//! pretrained weights.

use std::collections::HashMap;

use candle_core::{DType, Device, IndexOp, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::BertModel;
use encoders::dinov2::Dinov2Config;
use encoders::text::{TextEncoder, TextPooling};
use encoders::vision::{self, ImageEncoder, IMAGENET_MEAN, IMAGENET_STD};
use image::RgbImage;

use common::*;
use testkit::tiny_encoders as common;

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

/// The word table read row by row from the weights file gives the stored rows, refuses an id
/// outside the table, and names the file when it can no longer be read (truncated after load).
#[test]
fn word_table_rows_from_file() {
    use candle_core::Module;
    let dir = write_tiny_bert(BertKind::MeanPooling);
    let path = dir.path().join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    let (header_len, metadata) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let name = "embeddings.word_embeddings.weight";
    let rows =
        encoders::file_rows::FileRows::open(&path, header_len, &metadata, name, &Device::Cpu)
            .unwrap()
            .expect("an F32 table on the CPU is read from the file");
    let stored = candle_core::safetensors::load(&path, &Device::Cpu).unwrap()[name].clone();
    assert_eq!(rows.rows(), vocab_size());
    let ids = Tensor::new(&[[3u32, 0, 7], [1, 1, 2]], &Device::Cpu).unwrap();
    let got = rows.forward(&ids).unwrap();
    assert_eq!(got.dims(), &[2, 3, 32]);
    let want = candle_nn::Embedding::new(stored, 32).forward(&ids).unwrap();
    assert_eq!(
        got.to_vec3::<f32>().unwrap(),
        want.to_vec3::<f32>().unwrap()
    );
    let outside = Tensor::new(&[vocab_size() as u32], &Device::Cpu).unwrap();
    let err = rows.forward(&outside).unwrap_err().to_string();
    assert!(err.contains("outside the embedding table"), "{err}");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(8 + header_len as u64)
        .unwrap();
    let err = rows.forward(&ids).unwrap_err().to_string();
    assert!(
        err.contains("model.safetensors") && err.contains("cannot read"),
        "{err}"
    );
}
