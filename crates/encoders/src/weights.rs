//! Reading a model folder's files: its JSON configs and its safetensors weights, with errors
//! that name the file and carry the command that installs the weights. Both encoders use it.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result, FIX_WEIGHTS};
use crate::file_rows::FileRows;

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
    Ok(load_safetensors_with_rows(path, device, &[])?.0)
}

/// [`load_safetensors`], except that the first of `table_names` the file has, when it can be read
/// row by row ([`FileRows::open`]: an `F32` table, the CPU), stays in the file: it is returned as
/// rows to read on demand and is absent from the map.
pub fn load_safetensors_with_rows(
    path: &Path,
    device: &Device,
    table_names: &[&str],
) -> Result<(HashMap<String, Tensor>, Option<FileRows>)> {
    use candle_core::safetensors::Load;
    let bytes =
        std::fs::read(path).map_err(|e| weights_error(path, format!("cannot read: {e}")))?;
    let invalid = |e: &dyn std::fmt::Display| {
        weights_error(path, format!("not a valid safetensors file: {e}"))
    };
    let (header_len, metadata) =
        safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| invalid(&e))?;
    let mut rows = None;
    for name in table_names {
        rows = FileRows::open(path, header_len, &metadata, name, device)
            .map_err(|e| weights_error(path, format!("cannot open: {e}")))?
            .map(|r| (name.to_string(), r));
        if rows.is_some() {
            break;
        }
    }
    let file = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| invalid(&e))?;
    let mut tensors = HashMap::new();
    for (name, view) in file.tensors() {
        if rows.as_ref().is_some_and(|(table, _)| *table == name) {
            continue;
        }
        let tensor = view.load(device).map_err(|e| invalid(&e))?;
        tensors.insert(name, tensor);
    }
    Ok((tensors, rows.map(|(_, r)| r)))
}
