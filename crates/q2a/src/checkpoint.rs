//! Checkpoints: ours (safetensors with the config inside) and the reference's PyTorch files.
//!
//! Ours hold every parameter under its PyTorch-compatible name, the initial history state as
//! `state`, and, in `last.safetensors`, the optimizer's state as `optimizer.momentum.<name>` (SGD)
//! or `optimizer.exp_avg.<name>`, `optimizer.exp_avg_sq.<name>`, `optimizer.step` (Adam). Metadata: `format` = `pressnext-q2a`, `config` (YAML), `epoch`
//! (epochs completed), `batch` (batches of the next epoch already done), `best` (JSON), `metrics`.
//!
//! The reference's `.pth` state dicts and Lightning `.ckpt` files (`state_dict`, keys prefixed
//! `model.`) are read by the `pth` crate: a bounded pickle machine that never executes pickled
//! code, knows only the globals a state dict needs, and turns any malformed file into an error. They carry no initial state: `MODEL.INIT_STATE` supplies it.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::features::write_safetensors;

pub const FORMAT: &str = "pressnext-q2a";
/// Optimizer state tensors are stored as `optimizer.<name>`: SGD's `momentum.<param>`, Adam's
/// `exp_avg.<param>`, `exp_avg_sq.<param>` and `step`.
pub const OPTIMIZER_PREFIX: &str = "optimizer.";

#[derive(Debug, Clone, Default)]
pub struct TrainState {
    /// Epochs completed.
    pub epoch: usize,
    /// Batches of epoch `epoch` already done (non-zero after an interrupted epoch).
    pub batch: usize,
    /// Best monitored value so far and the epoch it came from.
    pub best: Option<(f64, usize)>,
    pub metrics: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct Checkpoint {
    /// Model parameters (including `state`) on the CPU.
    pub params: HashMap<String, Tensor>,
    pub optimizer: HashMap<String, Tensor>,
    /// Present in our checkpoints.
    pub config: Option<Config>,
    pub train_state: TrainState,
}

pub fn save(
    path: &Path,
    varmap: &VarMap,
    cfg: &Config,
    state: &TrainState,
    optimizer: &[(String, Tensor)],
) -> Result<()> {
    let mut tensors: Vec<(String, Tensor)> = {
        let vars = varmap.data().lock().expect("varmap lock");
        vars.iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect()
    };
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    tensors.extend(
        optimizer
            .iter()
            .map(|(n, t)| (format!("{OPTIMIZER_PREFIX}{n}"), t.clone())),
    );
    let mut meta = HashMap::new();
    meta.insert("format".to_string(), FORMAT.to_string());
    meta.insert("config".to_string(), cfg.to_yaml());
    meta.insert("epoch".to_string(), state.epoch.to_string());
    meta.insert("batch".to_string(), state.batch.to_string());
    meta.insert(
        "best".to_string(),
        serde_json::to_string(&state.best).expect("json"),
    );
    if let Some(m) = &state.metrics {
        meta.insert("metrics".to_string(), m.to_string());
    }
    write_safetensors(path, tensors, Some(meta)).map_err(|e| match e {
        encoded::Error::Features { path, message } => Error::checkpoint(path, message),
        other => Error::from(other),
    })
}

/// Loads our checkpoint or a reference PyTorch one (by extension: `.pth`, `.pt`, `.ckpt`).
/// `init_state` (a safetensors file with tensor `state`) supplies or replaces the initial state.
pub fn load(path: &Path, init_state: Option<&Path>) -> Result<Checkpoint> {
    load_with(path, init_state, Part::All)
}

/// [`load`] without the optimizer state (empty in the result): what answering needs. The
/// optimizer's moments are twice the weights' size and are never read from the file.
pub fn load_weights(path: &Path, init_state: Option<&Path>) -> Result<Checkpoint> {
    load_with(path, init_state, Part::Weights)
}

/// Which tensors of a checkpoint are loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    All,
    Weights,
}

fn load_with(path: &Path, init_state: Option<&Path>, part: Part) -> Result<Checkpoint> {
    if !path.exists() {
        return Err(Error::checkpoint(path, "no such file"));
    }
    let mut ckpt = if is_torch(path) {
        load_torch(path)?
    } else {
        load_ours(path, part)?
    };
    if let Some(p) = init_state {
        let bytes = assistq::fsutil::read_regular(p).map_err(|e| Error::io(p, e))?;
        let mut map = encoded::load_safetensors(&bytes).map_err(|e| {
            Error::checkpoint(
                p,
                format!("MODEL.INIT_STATE is not a readable safetensors file: {e}"),
            )
        })?;
        let state = map
            .remove("state")
            .ok_or_else(|| Error::checkpoint(p, "MODEL.INIT_STATE has no tensor `state`"))?;
        ckpt.params
            .insert("state".into(), state.to_dtype(DType::F32)?);
    }
    if !ckpt.params.contains_key("state") {
        return Err(Error::checkpoint(
            path,
            "it carries no initial history state (reference checkpoints never save it): \
             pass MODEL.INIT_STATE PATH.safetensors with a tensor `state` [DIM_STATE]",
        ));
    }
    Ok(ckpt)
}

/// Whether `path` is a PyTorch checkpoint (`.pth`, `.pt`, `.ckpt`, `.bin`) rather than ours.
fn is_torch(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "pth" | "pt" | "ckpt" | "bin")
}

/// The largest safetensors header read for its config alone (the format's own limit).
const MAX_HEADER: u64 = 100_000_000;

/// The config a checkpoint of ours carries, read from its header alone (no tensor is loaded);
/// `None` for PyTorch checkpoints, which carry none, and for ours written without one.
pub fn stored_config(path: &Path) -> Result<Option<Config>> {
    use std::io::Read;
    if is_torch(path) {
        return Ok(None);
    }
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len)
        .map_err(|e| Error::checkpoint(path, format!("not a safetensors checkpoint: {e}")))?;
    let len = u64::from_le_bytes(len);
    if len > MAX_HEADER {
        return Err(Error::checkpoint(
            path,
            format!("not a safetensors checkpoint: a header of {len} bytes"),
        ));
    }
    let mut header = vec![0u8; len as usize];
    file.read_exact(&mut header)
        .map_err(|e| Error::checkpoint(path, format!("not a safetensors checkpoint: {e}")))?;
    let header: serde_json::Value = serde_json::from_slice(&header)
        .map_err(|e| Error::checkpoint(path, format!("not a safetensors checkpoint: {e}")))?;
    header["__metadata__"]["config"]
        .as_str()
        .map(|yaml| config_from_meta(yaml, path))
        .transpose()
}

/// The config stored in a checkpoint's metadata.
fn config_from_meta(yaml: &str, path: &Path) -> Result<Config> {
    Config::from_yaml(yaml, &[], &format!("stored in {}", path.display()))
}

fn load_ours(path: &Path, part: Part) -> Result<Checkpoint> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes, path, part)
}

/// A checkpoint of ours from its file's bytes (`path` names it in errors).
pub fn from_safetensors_bytes(bytes: &[u8], path: &Path) -> Result<Checkpoint> {
    from_bytes(bytes, path, Part::All)
}

fn from_bytes(bytes: &[u8], path: &Path, part: Part) -> Result<Checkpoint> {
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| Error::checkpoint(path, format!("not a safetensors checkpoint: {e}")))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let tensors = encoded::load_safetensors_where(bytes, |name| {
        part == Part::All || !name.starts_with(OPTIMIZER_PREFIX)
    })
    .map_err(|e| Error::checkpoint(path, format!("unreadable tensors: {e}")))?;
    let config = meta
        .get("config")
        .map(|yaml| config_from_meta(yaml, path))
        .transpose()?;
    let num = |k: &str| {
        meta.get(k)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
    };
    let train_state = TrainState {
        epoch: num("epoch"),
        batch: num("batch"),
        best: meta
            .get("best")
            .and_then(|b| serde_json::from_str(b).ok())
            .flatten(),
        metrics: meta
            .get("metrics")
            .and_then(|m| serde_json::from_str(m).ok()),
    };
    let mut params = HashMap::new();
    let mut optimizer = HashMap::new();
    for (name, t) in tensors {
        let t = t.to_dtype(DType::F32)?;
        match name.strip_prefix(OPTIMIZER_PREFIX) {
            Some(p) => optimizer.insert(p.to_string(), t),
            None => params.insert(name, t),
        };
    }
    Ok(Checkpoint {
        params,
        optimizer,
        config,
        train_state,
    })
}

fn load_torch(path: &Path) -> Result<Checkpoint> {
    // Our own bounded reader (crate `pth`): a crafted pickle is an error naming the file, never
    // a panic, an unbounded allocation or a call of a global outside the state-dict allow-list.
    let read = |key: Option<&str>| {
        pth::read_tensors(path, key)
            .map_err(|e| Error::checkpoint(path, format!("not a readable PyTorch checkpoint: {e}")))
    };
    // A Lightning checkpoint nests the weights under `state_dict`; a plain `.pth` is the dict.
    let mut tensors = read(None)?;
    if tensors.is_empty() {
        tensors = read(Some("state_dict"))?;
    }
    if tensors.is_empty() {
        return Err(Error::checkpoint(
            path,
            "no tensors found (neither a state dict nor a `state_dict` entry)",
        ));
    }
    let mut params = HashMap::new();
    for (name, t) in tensors {
        let name = name.strip_prefix("model.").unwrap_or(&name).to_string();
        let shape = t.shape.clone();
        params.insert(name, Tensor::from_vec(t.to_f32(), shape, &Device::Cpu)?);
    }
    Ok(Checkpoint {
        params,
        optimizer: HashMap::new(),
        config: None,
        train_state: TrainState::default(),
    })
}

/// Keys that fix the model's shape and wiring: a checkpoint only fits a config that agrees on them.
pub fn architecture_mismatches(a: &Config, b: &Config) -> Vec<String> {
    let mut out = Vec::new();
    let mut cmp = |key: &str, x: String, y: String| {
        if x != y {
            out.push(format!("{key}: {x} in the checkpoint, {y} in the config"));
        }
    };
    cmp(
        "INPUT.DIM",
        a.input.dim.to_string(),
        b.input.dim.to_string(),
    );
    cmp(
        "INPUT.NUM_MASKS",
        a.input.num_masks.to_string(),
        b.input.num_masks.to_string(),
    );
    cmp(
        "MODEL.DIM_STATE",
        a.model.dim_state.to_string(),
        b.model.dim_state.to_string(),
    );
    cmp(
        "MODEL.NUM_HEADS",
        a.model.num_heads.to_string(),
        b.model.num_heads.to_string(),
    );
    cmp(
        "MODEL.MLP.LAYERS",
        a.model.mlp.layers.to_string(),
        b.model.mlp.layers.to_string(),
    );
    cmp(
        "MODEL.MLP.ACT",
        format!("{:?}", a.model.mlp.act),
        format!("{:?}", b.model.mlp.act),
    );
    cmp(
        "INPUT.NORM",
        format!("{:?}", a.input.norm),
        format!("{:?}", b.input.norm),
    );
    cmp(
        "MODEL.ARCH",
        format!("{:?}", a.model.arch),
        format!("{:?}", b.model.arch),
    );
    cmp(
        "MODEL.HISTORY.ARCH",
        format!("{:?}", a.model.history.arch),
        format!("{:?}", b.model.history.arch),
    );
    out
}

#[cfg(test)]
mod stored_config_tests {
    use super::*;

    #[test]
    fn a_damaged_header_is_an_error_and_torch_files_carry_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ckpt.safetensors");
        for bytes in [
            &b"\x03"[..],
            &u64::MAX.to_le_bytes()[..],
            &[&4u64.to_le_bytes()[..], b"{no"].concat()[..],
        ] {
            std::fs::write(&path, bytes).unwrap();
            let err = stored_config(&path).unwrap_err().to_string();
            assert!(err.contains("not a safetensors checkpoint"), "{err}");
        }
        std::fs::write(&path, [&2u64.to_le_bytes()[..], b"{}"].concat()).unwrap();
        assert!(stored_config(&path).unwrap().is_none());
        assert!(stored_config(&dir.path().join("ref.pth"))
            .unwrap()
            .is_none());
    }
}
