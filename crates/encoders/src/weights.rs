//! Reading a model folder's files: its JSON configs and its safetensors weights, with errors
//! that name the file and carry the command that installs the weights. Both encoders use it.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result, FIX_WEIGHTS};

/// A [`Error::Weights`] about `path`, carrying the command that installs the weights.
pub fn weights_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Weights {
        path: path.to_path_buf(),
        message: message.into(),
        fix: FIX_WEIGHTS.into(),
    }
}

/// Reads and parses a JSON file of a model folder; a missing or malformed file is a weights error
/// naming it, since the setup step writes every one of them.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes =
        std::fs::read(path).map_err(|e| weights_error(path, format!("cannot read: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| weights_error(path, format!("not a valid model config: {e}")))
}

/// Reads a whole safetensors file. Read into memory rather than memory-mapped: the files are small
/// (under 100 MB), it needs no `unsafe`, and a truncated file fails here, naming the file, instead
/// of at the first tensor access.
pub fn load_safetensors(path: &Path, device: &Device) -> Result<HashMap<String, Tensor>> {
    let bytes =
        std::fs::read(path).map_err(|e| weights_error(path, format!("cannot read: {e}")))?;
    candle_core::safetensors::load_buffer(&bytes, device)
        .map_err(|e| weights_error(path, format!("not a valid safetensors file: {e}")))
}
