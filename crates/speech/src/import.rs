//! Turns the shipped CTranslate2 Whisper into the folder [`crate::Transcriber`] loads.
//!
//! CTranslate2 keeps OpenAI's layout under its own names and fuses projections; candle's
//! `whisper::model` reads the Hugging Face names. The mapping, per layer `i`:
//!
//! | CTranslate2 | candle |
//! |---|---|
//! | `encoder/conv{1,2}/{weight,bias}` | `model.encoder.conv{1,2}.*` |
//! | `encoder/layer_i/self_attention/linear_0` (q, k, v stacked on rows) | `model.encoder.layers.i.self_attn.{q,k,v}_proj` |
//! | `.../self_attention/linear_1` | `.../self_attn.out_proj` |
//! | `.../self_attention/layer_norm/{gamma,beta}` | `.../self_attn_layer_norm.{weight,bias}` |
//! | `.../ffn/linear_{0,1}`, `.../ffn/layer_norm` | `.../fc{1,2}`, `.../final_layer_norm` |
//! | `decoder/layer_i/attention/linear_0` (q), `linear_1` (k, v stacked), `linear_2` | `.../encoder_attn.{q,k,v,out}_proj` |
//! | `decoder/embeddings/weight`, `decoder/position_encodings/encodings` | `model.decoder.embed_tokens.weight`, `model.decoder.embed_positions.weight` |
//! | `{encoder,decoder}/layer_norm` | `model.{encoder,decoder}.layer_norm` |
//!
//! Whisper's key projections have no bias; CTranslate2 stores zeros for it in the fused bias,
//! which the import checks and drops. The encoder's sinusoidal position table is recomputed by
//! candle and not stored. Tensors keep their stored precision (float16: half the disk) and are
//! read as f32. Every file is written to a temporary name and renamed into place.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::{Dtype, View};
use serde_json::Value;

use crate::ct2::{Ct2Model, DataType, Variable};
use crate::error::{Error, Result};
use crate::{CONFIG_FILE, MEL_FILTERS_FILE, MODEL_FILE, TOKENIZER_FILE};

/// What an import wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct WhisperImport {
    /// Files written, relative to the output folder, sorted.
    pub files: Vec<String>,
    pub tensors: usize,
    pub parameters: usize,
    pub config: candle_transformers::models::whisper::Config,
}

/// The shipped files, as bytes, each with the path it came from (for errors).
pub struct WhisperSources<'a> {
    pub model_bin: (&'a [u8], &'a Path),
    /// CTranslate2's `config.json` (its `suppress_ids`).
    pub ct2_config: (&'a [u8], &'a Path),
    pub tokenizer: (&'a [u8], &'a Path),
    /// `mel_filters.npz`'s `mel_80.npy`.
    pub mel_80_npy: (&'a [u8], &'a Path),
}

/// A tensor to write: shape, dtype and raw little-endian bytes.
struct Raw {
    shape: Vec<usize>,
    dtype: Dtype,
    data: Vec<u8>,
}

impl View for &Raw {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// Converts and writes the model into `out_dir`: [`MODEL_FILE`], [`CONFIG_FILE`] (candle's
/// whisper `Config`), [`TOKENIZER_FILE`] (as shipped, after checking it loads and knows
/// Whisper's special tokens) and [`MEL_FILTERS_FILE`].
pub fn import_whisper(sources: &WhisperSources<'_>, out_dir: &Path) -> Result<WhisperImport> {
    let (bin, bin_path) = sources.model_bin;
    let model = Ct2Model::parse(bin, bin_path)?;
    if model.spec != "WhisperSpec" {
        return Err(Error::Model {
            path: bin_path.to_path_buf(),
            message: format!("a CTranslate2 `{}`, not a Whisper model", model.spec),
        });
    }
    let bad = |message: String| Error::Model {
        path: bin_path.to_path_buf(),
        message,
    };
    let tensors = convert(&model).map_err(bad)?;
    let config = whisper_config(&model, sources.ct2_config).map_err(|m| Error::Model {
        path: sources.ct2_config.1.to_path_buf(),
        message: m,
    })?;

    let (tok_bytes, tok_path) = sources.tokenizer;
    let tokenizer = tokenizers::Tokenizer::from_bytes(tok_bytes).map_err(|e| Error::Model {
        path: tok_path.to_path_buf(),
        message: format!("unreadable tokenizer: {e}"),
    })?;
    for special in ["<|endoftext|>", "<|startoftranscript|>", "<|notimestamps|>"] {
        if tokenizer.token_to_id(special).is_none() {
            return Err(Error::Model {
                path: tok_path.to_path_buf(),
                message: format!("the tokenizer has no `{special}`"),
            });
        }
    }

    let (npy, npy_path) = sources.mel_80_npy;
    let (shape, filters) = parse_npy_f32(npy).map_err(|m| Error::Model {
        path: npy_path.to_path_buf(),
        message: m,
    })?;
    if shape != [config.num_mel_bins, crate::mel::N_FFT / 2 + 1] {
        return Err(Error::Model {
            path: npy_path.to_path_buf(),
            message: format!(
                "mel filters of shape {shape:?}, want [{}, {}]",
                config.num_mel_bins,
                crate::mel::N_FFT / 2 + 1
            ),
        });
    }
    let filters = Raw {
        shape,
        dtype: Dtype::F32,
        data: filters.iter().flat_map(|v| v.to_le_bytes()).collect(),
    };

    let parameters = tensors
        .values()
        .map(|t| t.shape.iter().product::<usize>())
        .sum();
    let count = tensors.len();
    let model_bytes = safetensors::serialize(tensors.iter().map(|(k, v)| (k.clone(), v)), None)
        .map_err(|e| Error::Run(format!("cannot serialise the converted weights: {e}")))?;
    let filter_bytes = safetensors::serialize([("mel_80".to_string(), &filters)], None)
        .map_err(|e| Error::Run(format!("cannot serialise the mel filters: {e}")))?;
    let config_bytes =
        serde_json::to_vec_pretty(&config_json(&config)).map_err(|e| Error::Run(e.to_string()))?;

    std::fs::create_dir_all(out_dir)
        .map_err(|e| Error::Io(assistq::FileError::new(out_dir.to_path_buf(), e)))?;
    let files: [(&str, &[u8]); 4] = [
        (MODEL_FILE, &model_bytes),
        (CONFIG_FILE, &config_bytes),
        (TOKENIZER_FILE, tok_bytes),
        (MEL_FILTERS_FILE, &filter_bytes),
    ];
    for (name, bytes) in files {
        let path = out_dir.join(name);
        assistq::fsutil::write_atomic(&path, bytes)
            .map_err(|e| Error::Io(assistq::FileError::new(path.clone(), e)))?;
    }
    let mut names: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    Ok(WhisperImport {
        files: names,
        tensors: count,
        parameters,
        config,
    })
}

/// Candle's names for every tensor the model needs.
fn convert(model: &Ct2Model) -> std::result::Result<BTreeMap<String, Raw>, String> {
    let mut out = BTreeMap::new();
    let get = |name: &str| -> std::result::Result<&Variable, String> {
        model
            .get(name)
            .ok_or_else(|| format!("the model has no `{name}`"))
    };
    let mut put = |name: String, v: &Variable| -> std::result::Result<(), String> {
        out.insert(name, raw(v)?);
        Ok(())
    };
    let (n_enc, n_dec) = (layer_count(model, "encoder"), layer_count(model, "decoder"));
    if n_enc == 0 || n_dec == 0 {
        return Err("no encoder or decoder layers".into());
    }

    for conv in ["conv1", "conv2"] {
        for p in ["weight", "bias"] {
            put(
                format!("model.encoder.{conv}.{p}"),
                get(&format!("encoder/{conv}/{p}"))?,
            )?;
        }
    }
    put(
        "model.decoder.embed_tokens.weight".into(),
        get("decoder/embeddings/weight")?,
    )?;
    put(
        "model.decoder.embed_positions.weight".into(),
        get("decoder/position_encodings/encodings")?,
    )?;
    for side in ["encoder", "decoder"] {
        put_norm(
            &mut out,
            model,
            &format!("{side}/layer_norm"),
            &format!("model.{side}.layer_norm"),
        )?;
    }
    for (side, n) in [("encoder", n_enc), ("decoder", n_dec)] {
        for i in 0..n {
            let src = format!("{side}/layer_{i}");
            let dst = format!("model.{side}.layers.{i}");
            // Self-attention: q, k, v fused on rows.
            let fused_w = get(&format!("{src}/self_attention/linear_0/weight"))?;
            let fused_b = get(&format!("{src}/self_attention/linear_0/bias"))?;
            let [q_w, k_w, v_w] = split_rows::<3>(fused_w)?;
            let [q_b, k_b, v_b] = split_rows::<3>(fused_b)?;
            check_zero(
                &k_b,
                &format!("{src}/self_attention/linear_0/bias (key part)"),
            )?;
            out.insert(format!("{dst}.self_attn.q_proj.weight"), q_w);
            out.insert(format!("{dst}.self_attn.q_proj.bias"), q_b);
            out.insert(format!("{dst}.self_attn.k_proj.weight"), k_w);
            out.insert(format!("{dst}.self_attn.v_proj.weight"), v_w);
            out.insert(format!("{dst}.self_attn.v_proj.bias"), v_b);
            put_linear(
                &mut out,
                model,
                &format!("{src}/self_attention/linear_1"),
                &format!("{dst}.self_attn.out_proj"),
            )?;
            put_norm(
                &mut out,
                model,
                &format!("{src}/self_attention/layer_norm"),
                &format!("{dst}.self_attn_layer_norm"),
            )?;
            if side == "decoder" {
                put_linear(
                    &mut out,
                    model,
                    &format!("{src}/attention/linear_0"),
                    &format!("{dst}.encoder_attn.q_proj"),
                )?;
                let kv_w = get(&format!("{src}/attention/linear_1/weight"))?;
                let kv_b = get(&format!("{src}/attention/linear_1/bias"))?;
                let [k_w, v_w] = split_rows::<2>(kv_w)?;
                let [k_b, v_b] = split_rows::<2>(kv_b)?;
                check_zero(&k_b, &format!("{src}/attention/linear_1/bias (key part)"))?;
                out.insert(format!("{dst}.encoder_attn.k_proj.weight"), k_w);
                out.insert(format!("{dst}.encoder_attn.v_proj.weight"), v_w);
                out.insert(format!("{dst}.encoder_attn.v_proj.bias"), v_b);
                put_linear(
                    &mut out,
                    model,
                    &format!("{src}/attention/linear_2"),
                    &format!("{dst}.encoder_attn.out_proj"),
                )?;
                put_norm(
                    &mut out,
                    model,
                    &format!("{src}/attention/layer_norm"),
                    &format!("{dst}.encoder_attn_layer_norm"),
                )?;
            }
            put_linear(
                &mut out,
                model,
                &format!("{src}/ffn/linear_0"),
                &format!("{dst}.fc1"),
            )?;
            put_linear(
                &mut out,
                model,
                &format!("{src}/ffn/linear_1"),
                &format!("{dst}.fc2"),
            )?;
            put_norm(
                &mut out,
                model,
                &format!("{src}/ffn/layer_norm"),
                &format!("{dst}.final_layer_norm"),
            )?;
        }
    }
    Ok(out)
}

/// Layers of the encoder or decoder (`side`): how many `layer_{i}` have a feed-forward block.
fn layer_count(model: &Ct2Model, side: &str) -> usize {
    (0..)
        .take_while(|i| {
            model
                .variables
                .contains_key(&format!("{side}/layer_{i}/ffn/linear_0/weight"))
        })
        .count()
}

fn put_linear(
    out: &mut BTreeMap<String, Raw>,
    model: &Ct2Model,
    src: &str,
    dst: &str,
) -> std::result::Result<(), String> {
    for p in ["weight", "bias"] {
        let v = model
            .get(&format!("{src}/{p}"))
            .ok_or_else(|| format!("the model has no `{src}/{p}`"))?;
        out.insert(format!("{dst}.{p}"), raw(v)?);
    }
    Ok(())
}

fn put_norm(
    out: &mut BTreeMap<String, Raw>,
    model: &Ct2Model,
    src: &str,
    dst: &str,
) -> std::result::Result<(), String> {
    for (from, to) in [("gamma", "weight"), ("beta", "bias")] {
        let v = model
            .get(&format!("{src}/{from}"))
            .ok_or_else(|| format!("the model has no `{src}/{from}`"))?;
        out.insert(format!("{dst}.{to}"), raw(v)?);
    }
    Ok(())
}

fn safetensors_dtype(dtype: DataType) -> std::result::Result<Dtype, String> {
    Ok(match dtype {
        DataType::F32 => Dtype::F32,
        DataType::F16 => Dtype::F16,
        DataType::BF16 => Dtype::BF16,
        other => {
            return Err(format!(
                "a weight stored as {other:?} (quantised models are not supported)"
            ))
        }
    })
}

fn raw(v: &Variable) -> std::result::Result<Raw, String> {
    Ok(Raw {
        shape: v.dims.clone(),
        dtype: safetensors_dtype(v.dtype)?,
        data: v.data.clone(),
    })
}

/// `v` cut into `N` equal blocks of rows (its first dimension).
fn split_rows<const N: usize>(v: &Variable) -> std::result::Result<[Raw; N], String> {
    let rows = *v
        .dims
        .first()
        .ok_or("a fused projection without dimensions")?;
    if rows % N != 0 {
        return Err(format!(
            "a fused projection of {rows} rows does not split in {N}"
        ));
    }
    let dtype = safetensors_dtype(v.dtype)?;
    let block = v.data.len() / N;
    let mut shape = v.dims.clone();
    shape[0] = rows / N;
    Ok(std::array::from_fn(|i| Raw {
        shape: shape.clone(),
        dtype,
        data: v.data[i * block..(i + 1) * block].to_vec(),
    }))
}

/// The key projections have no bias in Whisper: anything else means a model we misread.
fn check_zero(bias: &Raw, name: &str) -> std::result::Result<(), String> {
    // Zero is any sign with every other bit clear: mask the sign bit of each element.
    let size = match bias.dtype {
        Dtype::F32 => 4,
        _ => 2,
    };
    let is_zero = bias.data.chunks_exact(size).all(|c| {
        let (sign_byte, rest) = c.split_last().unwrap_or((&0, &[]));
        sign_byte & 0x7f == 0 && rest.iter().all(|&b| b == 0)
    });
    if is_zero {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not zero: not a Whisper layout this import knows"
        ))
    }
}

fn whisper_config(
    model: &Ct2Model,
    (bytes, _): (&[u8], &Path),
) -> std::result::Result<candle_transformers::models::whisper::Config, String> {
    let dims = |name: &str| -> std::result::Result<Vec<usize>, String> {
        Ok(model
            .get(name)
            .ok_or_else(|| format!("the model has no `{name}`"))?
            .dims
            .clone())
    };
    let heads = |name: &str| -> std::result::Result<usize, String> {
        model
            .get(name)
            .and_then(Variable::scalar_int)
            .filter(|&h| h > 0)
            .map(|h| h as usize)
            .ok_or_else(|| format!("the model has no head count `{name}`"))
    };
    let conv1 = dims("encoder/conv1/weight")?;
    let embeddings = dims("decoder/embeddings/weight")?;
    let positions = dims("decoder/position_encodings/encodings")?;
    let source_positions = dims("encoder/position_encodings/encodings")
        .map(|d| d[0])
        .unwrap_or(1500);
    let ct2: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let suppress_tokens = ct2
        .get("suppress_ids")
        .and_then(Value::as_array)
        .ok_or("no `suppress_ids` list")?
        .iter()
        .map(|v| {
            v.as_u64()
                .map(|n| n as u32)
                .ok_or("a suppress id is not a number")
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if conv1.len() != 3 || embeddings.len() != 2 || positions.len() != 2 {
        return Err("unexpected weight shapes".into());
    }
    Ok(candle_transformers::models::whisper::Config {
        num_mel_bins: conv1[1],
        max_source_positions: source_positions,
        d_model: conv1[0],
        encoder_attention_heads: heads("encoder/num_heads")?,
        encoder_layers: layer_count(model, "encoder"),
        vocab_size: embeddings[0],
        max_target_positions: positions[0],
        decoder_attention_heads: heads("decoder/num_heads")?,
        decoder_layers: layer_count(model, "decoder"),
        suppress_tokens,
    })
}

/// The config as candle's `Config` deserialises it (it does not implement `Serialize`).
pub(crate) fn config_json(c: &candle_transformers::models::whisper::Config) -> Value {
    serde_json::json!({
        "num_mel_bins": c.num_mel_bins,
        "max_source_positions": c.max_source_positions,
        "d_model": c.d_model,
        "encoder_attention_heads": c.encoder_attention_heads,
        "encoder_layers": c.encoder_layers,
        "vocab_size": c.vocab_size,
        "max_target_positions": c.max_target_positions,
        "decoder_attention_heads": c.decoder_attention_heads,
        "decoder_layers": c.decoder_layers,
        "suppress_tokens": c.suppress_tokens,
    })
}

/// A little-endian float32 `.npy` array (format versions 1 to 3, C order): its shape and values.
pub fn parse_npy_f32(bytes: &[u8]) -> std::result::Result<(Vec<usize>, Vec<f32>), String> {
    let magic = b"\x93NUMPY";
    if bytes.len() < 10 || &bytes[..6] != magic {
        return Err("not a .npy array".into());
    }
    let major = bytes[6];
    let (header_len, start) = match major {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err(format!(".npy format version {major} is not supported")),
    };
    let header = bytes
        .get(start..start + header_len)
        .ok_or("the .npy header is cut short")?;
    let header = String::from_utf8_lossy(header);
    if !header.contains("'descr': '<f4'") {
        return Err(format!(
            "not a little-endian float32 array: {}",
            header.trim()
        ));
    }
    if header.contains("'fortran_order': True") {
        return Err("a Fortran-order array".into());
    }
    let shape_text = header
        .split("'shape':")
        .nth(1)
        .and_then(|s| s.split('(').nth(1))
        .and_then(|s| s.split(')').next())
        .ok_or("no shape in the .npy header")?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("bad shape `{shape_text}`"))
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let n: usize = shape.iter().product();
    let data = &bytes[start + header_len..];
    if data.len() != n * 4 {
        return Err(format!("{} bytes of data for shape {shape:?}", data.len()));
    }
    let values = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((shape, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_float32_npy() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        let mut header = header.to_string();
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        for v in [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.5] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let (shape, values) = parse_npy_f32(&bytes).unwrap();
        assert_eq!(shape, vec![2, 3]);
        assert_eq!(values[5], 6.5);
        assert!(parse_npy_f32(&bytes[..bytes.len() - 1]).is_err());
        assert!(parse_npy_f32(b"PK\x03\x04 not npy").is_err());
    }
}
