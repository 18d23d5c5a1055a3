//! An embedding table read row by row from its weights file instead of held in memory.
//!
//! BERT's word embedding table is most of a small sentence encoder: all-MiniLM-L6-v2's
//! 30522 x 384 floats are 47 MB of its 91 MB, while a question touches a dozen rows. The app
//! keeps the text encoder loaded for as long as a pack is open (every question is embedded), so
//! the table stays in the safetensors file and each lookup reads its rows (`pread`, served from
//! the page cache after the first time): the same numbers, at a few microseconds per token.
//! Only little-endian `F32` tables on the CPU take this path; anything else loads as usual.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Module, Tensor};
use safetensors::tensor::Metadata;

/// A `[rows, width]` `F32` table stored at `offset` of `path`.
#[derive(Debug)]
pub struct FileRows {
    file: File,
    path: PathBuf,
    offset: u64,
    rows: usize,
    width: usize,
}

impl FileRows {
    /// Tensor `name` of the safetensors file `path`, whose header (`header_len` bytes, then
    /// `metadata`) was already read and validated against the file's size; `None` when the tensor
    /// is absent, not a 2-D `F32` table, or the device is not the CPU.
    pub fn open(
        path: &Path,
        header_len: usize,
        metadata: &Metadata,
        name: &str,
        device: &Device,
    ) -> std::io::Result<Option<Self>> {
        let Some(info) = metadata.info(name) else {
            return Ok(None);
        };
        if !device.is_cpu()
            || info.dtype != safetensors::Dtype::F32
            || info.shape.len() != 2
            || !cfg!(target_endian = "little")
        {
            return Ok(None);
        }
        Ok(Some(Self {
            file: File::open(path)?,
            path: path.to_path_buf(),
            // The data follows the 8-byte length and the header.
            offset: (8 + header_len + info.data_offsets.0) as u64,
            rows: info.shape[0],
            width: info.shape[1],
        }))
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn width(&self) -> usize {
        self.width
    }
}

impl Module for FileRows {
    /// `ids` (`u32`, any shape) to their rows, shape `ids.dims() + [width]`, on the CPU.
    fn forward(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let flat = ids.flatten_all()?.to_dtype(DType::U32)?.to_vec1::<u32>()?;
        let row_bytes = self.width * 4;
        let mut bytes = vec![0u8; flat.len() * row_bytes];
        for (&id, row) in flat.iter().zip(bytes.chunks_exact_mut(row_bytes)) {
            if id as usize >= self.rows {
                candle_core::bail!(
                    "token id {id} is outside the embedding table of {} rows",
                    self.rows
                );
            }
            let at = self.offset + id as u64 * row_bytes as u64;
            self.file.read_exact_at(row, at).map_err(|e| {
                candle_core::Error::Msg(format!(
                    "{}: cannot read embedding row {id}: {e}",
                    self.path.display()
                ))
            })?;
        }
        let values: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let mut shape = ids.dims().to_vec();
        shape.push(self.width);
        Tensor::from_vec(values, shape, &Device::Cpu)
    }
}
