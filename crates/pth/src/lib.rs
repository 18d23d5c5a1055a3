//! Reading PyTorch checkpoints (`torch.save`'s zip format: `.pth`, Lightning `.ckpt`) without
//! Python and without trusting the file.
//!
//! A checkpoint is a zip archive holding `<prefix>/data.pkl`, a pickle of the state dict, and
//! one raw storage per `<prefix>/data/<key>`. [`pickle`] runs the pickle with an allow-list of
//! globals; this module finds the entries, reads each storage once with its size checked against
//! the archive before anything is allocated (entries are stored uncompressed, as `torch.save`
//! writes them, so an entry cannot claim more bytes than the file holds), and copies each tensor's strided view out of its storage after checking
//! every index with checked arithmetic. Nothing here panics or allocates more than a constant
//! times the file's size; every failure is an [`Error`] naming the file.

pub mod pickle;

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub use pickle::{DType, PickleError, StorageRef, TensorRef};

/// A tensor read from a checkpoint: contiguous, row-major, little-endian elements.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

impl Tensor {
    /// The elements as `f32` (integers and bools converted, halves widened).
    pub fn to_f32(&self) -> Vec<f32> {
        let n = self.dtype.size();
        self.data
            .chunks_exact(n)
            .map(|b| match self.dtype {
                DType::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                DType::F64 => {
                    f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
                }
                DType::BF16 => f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16),
                DType::F16 => f16_to_f32(u16::from_le_bytes([b[0], b[1]])),
                DType::I64 => {
                    i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
                }
                DType::I32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32,
                DType::I16 => i16::from_le_bytes([b[0], b[1]]) as f32,
                DType::I8 => b[0] as i8 as f32,
                DType::U8 | DType::Bool => b[0] as f32,
            })
            .collect()
    }
}

/// IEEE half to single precision (exact: every half is a single).
fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let frac = (h & 0x3ff) as u32;
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: normalise the fraction.
            let shift = frac.leading_zeros() - 21;
            let frac = (frac << shift) & 0x3ff;
            sign | ((127 - 15 + 1 - shift) << 23) | (frac << 13)
        }
        (0x1f, _) => sign | 0x7f80_0000 | (frac << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

/// Why a checkpoint could not be read. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a PyTorch checkpoint archive: {message}", path.display())]
    Archive { path: PathBuf, message: String },
    #[error("{}: data.pkl {source}", path.display())]
    Pickle { path: PathBuf, source: PickleError },
    #[error("{}: tensor `{name}`: {message}", path.display())]
    Tensor {
        path: PathBuf,
        name: String,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

/// The largest `data.pkl` read: a state dict's pickle is kilobytes per tensor.
pub const MAX_PICKLE_BYTES: u64 = 256 << 20;

/// The named tensors of the checkpoint at `path`: the top-level dict's, or those of its entry
/// `key` (Lightning nests the weights under `state_dict`). In file order.
pub fn read_tensors(path: &Path, key: Option<&str>) -> Result<Vec<(String, Tensor)>> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if file.metadata().map(|m| !m.is_file()).unwrap_or(true) {
        return Err(Error::Archive {
            path: path.to_path_buf(),
            message: "not a regular file".into(),
        });
    }
    read_tensors_from(file, key, path)
}

/// [`read_tensors`] from any seekable reader; `path` only names it in errors.
pub fn read_tensors_from<R: Read + Seek>(
    mut reader: R,
    key: Option<&str>,
    path: &Path,
) -> Result<Vec<(String, Tensor)>> {
    let archive_err = |message: String| Error::Archive {
        path: path.to_path_buf(),
        message,
    };
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let archive_len = reader.seek(SeekFrom::End(0)).map_err(io_err)?;
    reader.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| archive_err(format!("{e}")))?;

    let mut pickle_name = None;
    for name in archive.file_names() {
        let name = name.map_err(|e| archive_err(format!("{e}")))?;
        if name == "data.pkl" || name.ends_with("/data.pkl") {
            if pickle_name.is_some() {
                return Err(archive_err("more than one data.pkl".into()));
            }
            pickle_name = Some(name.to_string());
        }
    }
    let Some(pickle_name) = pickle_name else {
        return Err(archive_err("no data.pkl in the archive".into()));
    };
    let prefix = &pickle_name[..pickle_name.len() - "data.pkl".len()];

    let pickle_bytes = read_entry(
        &mut archive,
        &pickle_name,
        MAX_PICKLE_BYTES,
        archive_len,
        path,
    )?;
    let pickle = pickle::read(&pickle_bytes).map_err(|source| Error::Pickle {
        path: path.to_path_buf(),
        source,
    })?;

    let mut storages: HashMap<String, Vec<u8>> = HashMap::new();
    let mut storage_total: u64 = 0;
    let mut out_total: u64 = 0;
    let mut out = Vec::new();
    for (name, t) in pickle.tensors(key) {
        let tensor_err = |message: String| Error::Tensor {
            path: path.to_path_buf(),
            name: name.clone(),
            message,
        };
        let s = &t.storage;
        let elem = s.dtype.size() as u64;
        let storage_bytes = s
            .numel
            .checked_mul(elem)
            .ok_or_else(|| tensor_err(format!("a storage of {} elements", s.numel)))?;
        if !storages.contains_key(&s.key) {
            let entry = format!("{prefix}data/{}", s.key);
            let bytes = read_entry(&mut archive, &entry, storage_bytes, archive_len, path)?;
            if (bytes.len() as u64) < storage_bytes {
                return Err(tensor_err(format!(
                    "its storage {entry} holds {} bytes, {storage_bytes} expected",
                    bytes.len()
                )));
            }
            storage_total += bytes.len() as u64;
            storages.insert(s.key.clone(), bytes);
        }
        let storage = &storages[&s.key];
        if (storage.len() as u64) < storage_bytes {
            return Err(tensor_err(format!(
                "storage {} is read as {} elements of {} bytes but holds {} bytes",
                s.key,
                s.numel,
                elem,
                storage.len()
            )));
        }
        let tensor = view(&t, storage).map_err(tensor_err)?;
        out_total += tensor.data.len() as u64;
        // Views may share a storage, but never add up to much more than the storages read.
        if out_total > 2 * storage_total + (1 << 20) {
            return Err(tensor_err(format!(
                "the tensors add up to {out_total} bytes from {storage_total} bytes of storage"
            )));
        }
        out.push((name, tensor));
    }
    Ok(out)
}

/// Reads one archive entry whole, refusing sizes over `max` or beyond what the archive can hold.
fn read_entry<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
    max: u64,
    archive_len: u64,
    path: &Path,
) -> Result<Vec<u8>> {
    let archive_err = |message: String| Error::Archive {
        path: path.to_path_buf(),
        message,
    };
    let entry = archive
        .by_name(name)
        .map_err(|e| archive_err(format!("{name}: {e}")))?;
    let size = entry.size();
    let packed = entry.compressed_size();
    let holdable = match entry.compression() {
        zip::CompressionMethod::Stored => packed,
        other => {
            return Err(archive_err(format!(
                "{name} is compressed with {other:?} (torch.save stores entries uncompressed)"
            )))
        }
    };
    if packed > archive_len || size > holdable {
        return Err(archive_err(format!(
            "{name} claims {size} bytes, more than the archive holds"
        )));
    }
    if size > max {
        return Err(archive_err(format!(
            "{name} is {size} bytes, more than the {max} expected"
        )));
    }
    let mut buf = Vec::new();
    buf.try_reserve_exact(size as usize)
        .map_err(|e| archive_err(format!("{name}: {size} bytes: {e}")))?;
    entry
        .take(size)
        .read_to_end(&mut buf)
        .map_err(|e| archive_err(format!("{name}: {e}")))?;
    if (buf.len() as u64) != size {
        return Err(archive_err(format!(
            "{name} holds {} bytes, its header says {size}",
            buf.len()
        )));
    }
    Ok(buf)
}

/// Copies the strided view `t` out of `storage` (already checked to hold `t.storage.numel`
/// elements) into a contiguous tensor.
fn view(t: &TensorRef, storage: &[u8]) -> std::result::Result<Tensor, String> {
    let elem = t.storage.dtype.size();
    // The product of the non-zero sizes must fit too: an empty tensor's strides still multiply
    // them (candle overflows there).
    let nonzero = t
        .shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(elem as u64, |n, &d| n.checked_mul(d))
        .filter(|&n| usize::try_from(n).is_ok());
    if nonzero.is_none() {
        return Err(format!("its shape {:?} overflows", t.shape));
    }
    let count: u64 = t.shape.iter().product();
    if count > t.storage.numel {
        return Err(format!(
            "its shape {:?} has {count} elements, its storage {}",
            t.shape, t.storage.numel
        ));
    }
    let shape: Vec<usize> = t.shape.iter().map(|&d| d as usize).collect();
    if count == 0 {
        return Ok(Tensor {
            dtype: t.storage.dtype,
            shape,
            data: Vec::new(),
        });
    }
    // The last element's index: offset + sum((size - 1) * stride).
    let mut last = t.offset;
    for (&d, &s) in t.shape.iter().zip(&t.strides) {
        last = (d - 1)
            .checked_mul(s)
            .and_then(|x| x.checked_add(last))
            .ok_or_else(|| "its strides overflow".to_string())?;
    }
    if last >= t.storage.numel {
        return Err(format!(
            "its view (offset {}, shape {:?}, strides {:?}) reaches element {last} of a \
             storage of {}",
            t.offset, t.shape, t.strides, t.storage.numel
        ));
    }
    // Every index below is at most `last`, which fits the storage: no arithmetic can overflow.
    let count = count as usize;
    let mut data = Vec::new();
    data.try_reserve_exact(count * elem)
        .map_err(|e| format!("{} bytes: {e}", count * elem))?;
    let contiguous = {
        let mut expect = 1u64;
        let mut ok = true;
        for (&d, &s) in t.shape.iter().zip(&t.strides).rev() {
            if d != 1 && s != expect {
                ok = false;
            }
            expect *= d;
        }
        ok
    };
    if contiguous {
        let start = t.offset as usize * elem;
        data.extend_from_slice(&storage[start..start + count * elem]);
    } else {
        let mut index = vec![0u64; shape.len()];
        for _ in 0..count {
            let at = t.offset
                + index
                    .iter()
                    .zip(&t.strides)
                    .map(|(&i, &s)| i * s)
                    .sum::<u64>();
            let at = at as usize * elem;
            data.extend_from_slice(&storage[at..at + elem]);
            for k in (0..index.len()).rev() {
                index[k] += 1;
                if index[k] < t.shape[k] {
                    break;
                }
                index[k] = 0;
            }
        }
    }
    Ok(Tensor {
        dtype: t.storage.dtype,
        shape,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_widen_exactly() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert!(f16_to_f32(0x7c00).is_infinite());
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    fn tref(offset: u64, shape: Vec<u64>, strides: Vec<u64>, numel: u64) -> TensorRef {
        TensorRef {
            storage: std::rc::Rc::new(StorageRef {
                dtype: DType::U8,
                key: "0".into(),
                numel,
            }),
            offset,
            shape,
            strides,
        }
    }

    #[test]
    fn views_are_copied_and_bounded() {
        let storage: Vec<u8> = (0..12).collect();
        // A transposed 3x4 view.
        let t = view(&tref(0, vec![4, 3], vec![1, 4], 12), &storage).unwrap();
        assert_eq!(t.data, vec![0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
        let t = view(&tref(2, vec![2, 2], vec![2, 1], 12), &storage).unwrap();
        assert_eq!(t.data, vec![2, 3, 4, 5]);
        assert!(view(&tref(11, vec![2], vec![1], 12), &storage).is_err());
        assert!(view(&tref(0, vec![u64::MAX, 2], vec![1, 1], 12), &storage).is_err());
        assert!(view(&tref(0, vec![2, 2], vec![u64::MAX, 1], 12), &storage).is_err());
        assert!(view(&tref(0, vec![13], vec![0], 12), &storage).is_err());
        assert_eq!(
            view(&tref(99, vec![0, 5], vec![1, 1], 12), &storage)
                .unwrap()
                .data,
            vec![]
        );
        // Empty, but its other sizes overflow a stride.
        assert!(view(
            &tref(0, vec![0, u64::MAX / 2, 4], vec![1, 1, 1], 12),
            &storage
        )
        .is_err());
    }

    #[test]
    fn not_an_archive_names_the_file() {
        let e = read_tensors_from(
            std::io::Cursor::new(b"\x80\x02}q\x00.".to_vec()),
            None,
            Path::new("old.pth"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("old.pth: not a PyTorch checkpoint archive"),
            "{e}"
        );
    }
}
