//! Reads a CTranslate2 `model.bin`, the file the pinned Whisper weights ship as.
//!
//! The layout (CTranslate2's `models/model.cc`, binary versions 2 to 6), all little-endian:
//!
//! ```text
//! u32 binary_version
//! str spec_name; u32 spec_revision                      (version >= 2)
//! u32 n_variables, then per variable:
//!   str name; u8 rank; u32 dims[rank]; u8 dtype (version >= 4); u32 n_bytes; bytes
//! u32 n_aliases, then per alias: str alias; str variable  (version >= 3)
//! ```
//!
//! where `str` is a u16 byte count followed by the bytes, NUL-terminated. The data types are
//! CTranslate2's `DataType`: 0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// CTranslate2's element types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DataType {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::F32,
            1 => Self::I8,
            2 => Self::I16,
            3 => Self::I32,
            4 => Self::F16,
            5 => Self::BF16,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Self::I8 => 1,
            Self::I16 | Self::F16 | Self::BF16 => 2,
            Self::F32 | Self::I32 => 4,
        }
    }
}

/// One stored variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub dims: Vec<usize>,
    pub dtype: DataType,
    /// Raw little-endian bytes, `dims.product() * dtype.size()` of them.
    pub data: Vec<u8>,
}

impl Variable {
    /// A scalar integer variable's value (CTranslate2 stores flags and head counts this way).
    pub fn scalar_int(&self) -> Option<i64> {
        if !self.dims.is_empty() {
            return None;
        }
        Some(match self.dtype {
            DataType::I8 => i64::from(*self.data.first()? as i8),
            DataType::I16 => i64::from(i16::from_le_bytes(self.data.get(..2)?.try_into().ok()?)),
            DataType::I32 => i64::from(i32::from_le_bytes(self.data.get(..4)?.try_into().ok()?)),
            _ => return None,
        })
    }
}

/// A parsed `model.bin`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ct2Model {
    pub binary_version: u32,
    pub spec: String,
    pub spec_revision: u32,
    pub variables: BTreeMap<String, Variable>,
    /// Alias name -> the variable it stands for (Whisper's output projection is the embedding).
    pub aliases: BTreeMap<String, String>,
}

impl Ct2Model {
    /// Parses `bytes`; `path` only names the file in errors.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self> {
        let mut r = Reader {
            bytes,
            at: 0,
            path: path.to_path_buf(),
        };
        let binary_version = r.u32("binary version")?;
        if !(2..=6).contains(&binary_version) {
            return Err(r.error(format!(
                "CTranslate2 binary version {binary_version}, this reader knows 2 to 6"
            )));
        }
        let spec = r.string("spec name")?;
        let spec_revision = r.u32("spec revision")?;
        let count = r.u32("variable count")?;
        let mut variables = BTreeMap::new();
        for _ in 0..count {
            let name = r.string("variable name")?;
            let rank = usize::from(r.u8("rank")?);
            let dims = (0..rank)
                .map(|_| r.u32("dimension").map(|d| d as usize))
                .collect::<Result<Vec<_>>>()?;
            let dtype = if binary_version >= 4 {
                let code = r.u8("data type")?;
                DataType::from_code(code)
                    .ok_or_else(|| r.error(format!("{name}: unknown data type {code}")))?
            } else {
                DataType::F32
            };
            let n_bytes = r.u32("byte count")? as usize;
            let elements: usize = dims.iter().product();
            if elements
                .checked_mul(dtype.size())
                .is_none_or(|want| want != n_bytes)
            {
                return Err(r.error(format!(
                    "{name}: {n_bytes} bytes for shape {dims:?} of {dtype:?}"
                )));
            }
            let data = r.take(n_bytes, &name)?.to_vec();
            variables.insert(name, Variable { dims, dtype, data });
        }
        let mut aliases = BTreeMap::new();
        if binary_version >= 3 {
            let count = r.u32("alias count")?;
            for _ in 0..count {
                let alias = r.string("alias")?;
                let target = r.string("alias target")?;
                aliases.insert(alias, target);
            }
        }
        Ok(Self {
            binary_version,
            spec,
            spec_revision,
            variables,
            aliases,
        })
    }

    /// The variable `name`, following an alias.
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.variables
            .get(name)
            .or_else(|| self.variables.get(self.aliases.get(name)?))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    path: PathBuf,
}

impl<'a> Reader<'a> {
    fn error(&self, message: String) -> Error {
        Error::Model {
            path: self.path.clone(),
            message: format!(
                "not a CTranslate2 model we can read (byte {}): {message}",
                self.at
            ),
        }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        match end {
            Some(end) => {
                let out = &self.bytes[self.at..end];
                self.at = end;
                Ok(out)
            }
            None => Err(self.error(format!("the file ends inside the {what}"))),
        }
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self, what: &str) -> Result<String> {
        let b = self.take(2, what)?;
        let n = usize::from(u16::from_le_bytes([b[0], b[1]]));
        let raw = self.take(n, what)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        String::from_utf8(raw.to_vec()).map_err(|_| self.error(format!("{what} is not UTF-8")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    fn sample() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&6u32.to_le_bytes());
        string(&mut b, "WhisperSpec");
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&2u32.to_le_bytes());
        string(&mut b, "decoder/num_heads");
        b.push(0);
        b.push(2);
        b.extend_from_slice(&2u32.to_le_bytes());
        b.extend_from_slice(&6i16.to_le_bytes());
        string(&mut b, "decoder/embeddings/weight");
        b.push(2);
        b.extend_from_slice(&2u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.push(0);
        b.extend_from_slice(&8u32.to_le_bytes());
        b.extend_from_slice(&1.5f32.to_le_bytes());
        b.extend_from_slice(&(-2.0f32).to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        string(&mut b, "decoder/projection/weight");
        string(&mut b, "decoder/embeddings/weight");
        b
    }

    #[test]
    fn reads_variables_scalars_and_aliases() {
        let model = Ct2Model::parse(&sample(), Path::new("model.bin")).unwrap();
        assert_eq!(model.spec, "WhisperSpec");
        assert_eq!(model.spec_revision, 3);
        assert_eq!(
            model.get("decoder/num_heads").unwrap().scalar_int(),
            Some(6)
        );
        let projection = model.get("decoder/projection/weight").unwrap();
        assert_eq!(projection.dims, vec![2, 1]);
        assert_eq!(projection.data[..4], 1.5f32.to_le_bytes());
    }

    #[test]
    fn a_truncated_file_is_an_error_naming_it() {
        let bytes = sample();
        for cut in [3, 20, bytes.len() - 3] {
            let err = Ct2Model::parse(&bytes[..cut], Path::new("x/model.bin")).unwrap_err();
            assert!(err.to_string().contains("x/model.bin"), "{err}");
            assert!(err.to_string().contains("ends inside"), "{err}");
        }
    }
}
