//! Reading a TensorFlow Lite model file: the parts of its FlatBuffers schema (`schema.fbs` of
//! TensorFlow Lite, file identifier `TFL3`) that a single-subgraph float model needs. A
//! FlatBuffers table is an `i32` offset back to its vtable, whose `u16` entries give each field's
//! position inside the table (0: absent, take the default); offsets to vectors, strings and
//! sub-tables are `u32`s relative to where they are stored. Every read is bounds-checked, so a
//! truncated or foreign file is an error naming what was being read, never a panic.

use std::fmt;

/// What went wrong reading the file (the caller adds the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError(pub String);

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type R<T> = Result<T, FormatError>;

fn bad(what: impl Into<String>) -> FormatError {
    FormatError(what.into())
}

/// A tensor's element type (`TensorType` of the schema), as far as these models use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorType {
    Float32,
    Float16,
    Int32,
    Other(u8),
}

impl TensorType {
    fn from_code(code: u8) -> Self {
        match code {
            0 => TensorType::Float32,
            1 => TensorType::Float16,
            2 => TensorType::Int32,
            c => TensorType::Other(c),
        }
    }
}

/// One tensor of the subgraph: its static shape, type, name and the buffer that holds its
/// constant data (buffer 0 and empty buffers: computed at run time).
#[derive(Debug, Clone, PartialEq)]
pub struct TensorInfo {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: TensorType,
    pub buffer: usize,
}

/// One operator: its builtin code (`BuiltinOperator` of the schema), its input and output tensor
/// indices (-1: an omitted optional input) and its options table.
#[derive(Debug, Clone)]
pub struct Operator<'a> {
    pub builtin: i32,
    pub inputs: Vec<i32>,
    pub outputs: Vec<i32>,
    pub options: Option<Table<'a>>,
}

/// A whole model: the first subgraph's tensors, operators, inputs and outputs, and the buffers.
#[derive(Debug, Clone)]
pub struct Model<'a> {
    pub tensors: Vec<TensorInfo>,
    pub operators: Vec<Operator<'a>>,
    pub inputs: Vec<usize>,
    pub outputs: Vec<usize>,
    /// Constant data per buffer index (empty for run-time tensors).
    pub buffers: Vec<&'a [u8]>,
}

/// A FlatBuffers table inside `buf` at `pos`.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn read<const N: usize>(buf: &[u8], pos: usize, what: &str) -> R<[u8; N]> {
    buf.get(pos..pos + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad(format!("{what}: offset {pos} is past the end of the file")))
}

fn u32_at(buf: &[u8], pos: usize, what: &str) -> R<u32> {
    read::<4>(buf, pos, what).map(u32::from_le_bytes)
}

impl<'a> Table<'a> {
    fn at(buf: &'a [u8], pos: usize, what: &str) -> R<Self> {
        // Validate the vtable once, so field reads can rely on it.
        let t = Table { buf, pos };
        t.vtable(what)?;
        Ok(t)
    }

    /// (vtable position, vtable length in bytes).
    fn vtable(&self, what: &str) -> R<(usize, usize)> {
        let soffset = i32::from_le_bytes(read::<4>(self.buf, self.pos, what)?);
        let vt = self.pos as i64 - soffset as i64;
        if vt < 0 || vt as usize >= self.buf.len() {
            return Err(bad(format!("{what}: vtable outside the file")));
        }
        let vt = vt as usize;
        let len = u16::from_le_bytes(read::<2>(self.buf, vt, what)?) as usize;
        Ok((vt, len))
    }

    /// Where field `id` is stored, or `None` when it is absent.
    fn field(&self, id: usize, what: &str) -> R<Option<usize>> {
        let (vt, len) = self.vtable(what)?;
        let entry = 4 + 2 * id;
        if entry + 2 > len {
            return Ok(None);
        }
        let off = u16::from_le_bytes(read::<2>(self.buf, vt + entry, what)?) as usize;
        Ok((off != 0).then_some(self.pos + off))
    }

    fn deref(&self, id: usize, what: &str) -> R<Option<usize>> {
        match self.field(id, what)? {
            None => Ok(None),
            Some(p) => Ok(Some(p + u32_at(self.buf, p, what)? as usize)),
        }
    }

    pub fn u8(&self, id: usize, default: u8) -> R<u8> {
        match self.field(id, "u8 field")? {
            None => Ok(default),
            Some(p) => Ok(read::<1>(self.buf, p, "u8 field")?[0]),
        }
    }

    pub fn bool(&self, id: usize) -> R<bool> {
        Ok(self.u8(id, 0)? != 0)
    }

    pub fn i32(&self, id: usize, default: i32) -> R<i32> {
        match self.field(id, "i32 field")? {
            None => Ok(default),
            Some(p) => Ok(i32::from_le_bytes(read::<4>(self.buf, p, "i32 field")?)),
        }
    }

    pub fn table(&self, id: usize, what: &str) -> R<Option<Table<'a>>> {
        match self.deref(id, what)? {
            None => Ok(None),
            Some(p) => Table::at(self.buf, p, what).map(Some),
        }
    }

    /// A vector's element count and the position of its first element.
    fn vector(&self, id: usize, what: &str) -> R<Option<(usize, usize)>> {
        match self.deref(id, what)? {
            None => Ok(None),
            Some(p) => {
                let n = u32_at(self.buf, p, what)? as usize;
                Ok(Some((n, p + 4)))
            }
        }
    }

    pub fn bytes(&self, id: usize, what: &str) -> R<&'a [u8]> {
        match self.vector(id, what)? {
            None => Ok(&[]),
            Some((n, start)) => self
                .buf
                .get(start..start + n)
                .ok_or_else(|| bad(format!("{what}: {n} bytes past the end of the file"))),
        }
    }

    pub fn i32s(&self, id: usize, what: &str) -> R<Vec<i32>> {
        let Some((n, start)) = self.vector(id, what)? else {
            return Ok(Vec::new());
        };
        (0..n)
            .map(|i| read::<4>(self.buf, start + 4 * i, what).map(i32::from_le_bytes))
            .collect()
    }

    pub fn string(&self, id: usize, what: &str) -> R<String> {
        let b = self.bytes(id, what)?;
        Ok(String::from_utf8_lossy(b).into_owned())
    }

    pub fn tables(&self, id: usize, what: &str) -> R<Vec<Table<'a>>> {
        let Some((n, start)) = self.vector(id, what)? else {
            return Ok(Vec::new());
        };
        (0..n)
            .map(|i| {
                let p = start + 4 * i;
                let target = p + u32_at(self.buf, p, what)? as usize;
                Table::at(self.buf, target, what)
            })
            .collect()
    }
}

/// Operator codes of the schema's `BuiltinOperator` that the hand models use.
pub mod builtin {
    pub const ADD: i32 = 0;
    pub const CONCATENATION: i32 = 2;
    pub const CONV_2D: i32 = 3;
    pub const DEPTHWISE_CONV_2D: i32 = 4;
    pub const DEQUANTIZE: i32 = 6;
    pub const FULLY_CONNECTED: i32 = 9;
    pub const LOGISTIC: i32 = 14;
    pub const MAX_POOL_2D: i32 = 17;
    pub const RESHAPE: i32 = 22;
    pub const RESIZE_BILINEAR: i32 = 23;
    pub const PAD: i32 = 34;
    pub const MEAN: i32 = 40;
    pub const PRELU: i32 = 54;

    /// The schema's name of a code, for errors.
    pub fn name(code: i32) -> String {
        match code {
            ADD => "ADD".into(),
            CONCATENATION => "CONCATENATION".into(),
            CONV_2D => "CONV_2D".into(),
            DEPTHWISE_CONV_2D => "DEPTHWISE_CONV_2D".into(),
            DEQUANTIZE => "DEQUANTIZE".into(),
            FULLY_CONNECTED => "FULLY_CONNECTED".into(),
            LOGISTIC => "LOGISTIC".into(),
            MAX_POOL_2D => "MAX_POOL_2D".into(),
            RESHAPE => "RESHAPE".into(),
            RESIZE_BILINEAR => "RESIZE_BILINEAR".into(),
            PAD => "PAD".into(),
            MEAN => "MEAN".into(),
            PRELU => "PRELU".into(),
            c => format!("builtin operator {c}"),
        }
    }
}

impl<'a> Model<'a> {
    /// Parses `bytes` (a whole `.tflite` file). Only the first subgraph is read: these models
    /// have one.
    pub fn parse(bytes: &'a [u8]) -> R<Self> {
        if bytes.get(4..8) != Some(b"TFL3") {
            return Err(bad("not a TensorFlow Lite model (no TFL3 identifier)"));
        }
        let root = u32_at(bytes, 0, "root offset")? as usize;
        let model = Table::at(bytes, root, "model")?;
        // Model: 1 operator_codes, 2 subgraphs, 4 buffers.
        let codes = model
            .tables(1, "operator codes")?
            .iter()
            .map(|c| {
                // OperatorCode: 0 deprecated_builtin_code (byte), 3 builtin_code (int); the real
                // code is the larger of the two (the schema's rule since codes passed 127).
                let old = c.u8(0, 0)? as i8 as i32;
                let new = c.i32(3, 0)?;
                Ok(old.max(new))
            })
            .collect::<R<Vec<i32>>>()?;
        let subgraphs = model.tables(2, "subgraphs")?;
        let graph = subgraphs
            .first()
            .ok_or_else(|| bad("the model has no subgraph"))?;
        let buffers = model
            .tables(4, "buffers")?
            .iter()
            .map(|b| b.bytes(0, "buffer data"))
            .collect::<R<Vec<&[u8]>>>()?;
        // SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators.
        let tensors = graph
            .tables(0, "tensors")?
            .iter()
            .enumerate()
            .map(|(i, t)| {
                // Tensor: 0 shape, 1 type, 2 buffer, 3 name.
                let shape = t
                    .i32s(0, "tensor shape")?
                    .into_iter()
                    .map(|d| {
                        usize::try_from(d)
                            .map_err(|_| bad(format!("tensor {i}: negative dimension {d}")))
                    })
                    .collect::<R<Vec<usize>>>()?;
                let buffer = t.i32(2, 0)? as u32 as usize;
                if buffer >= buffers.len() {
                    return Err(bad(format!("tensor {i}: buffer {buffer} does not exist")));
                }
                Ok(TensorInfo {
                    name: t.string(3, "tensor name")?,
                    shape,
                    dtype: TensorType::from_code(t.u8(1, 0)?),
                    buffer,
                })
            })
            .collect::<R<Vec<_>>>()?;
        let index = |v: Vec<i32>, what: &str| -> R<Vec<usize>> {
            v.into_iter()
                .map(|i| {
                    usize::try_from(i)
                        .ok()
                        .filter(|&i| i < tensors.len())
                        .ok_or_else(|| bad(format!("{what}: tensor {i} does not exist")))
                })
                .collect()
        };
        let inputs = index(graph.i32s(1, "subgraph inputs")?, "subgraph input")?;
        let outputs = index(graph.i32s(2, "subgraph outputs")?, "subgraph output")?;
        let operators = graph
            .tables(3, "operators")?
            .iter()
            .enumerate()
            .map(|(i, op)| {
                // Operator: 0 opcode_index, 1 inputs, 2 outputs, 4 builtin_options (a union).
                let code = op.i32(0, 0)? as u32 as usize;
                let builtin = *codes
                    .get(code)
                    .ok_or_else(|| bad(format!("operator {i}: opcode {code} does not exist")))?;
                let inputs = op.i32s(1, "operator inputs")?;
                let outputs = op.i32s(2, "operator outputs")?;
                for &t in inputs.iter().chain(&outputs) {
                    if t < -1 || t >= tensors.len() as i32 {
                        return Err(bad(format!("operator {i}: tensor {t} does not exist")));
                    }
                }
                Ok(Operator {
                    builtin,
                    inputs,
                    outputs,
                    options: op.table(4, "operator options")?,
                })
            })
            .collect::<R<Vec<_>>>()?;
        Ok(Model {
            tensors,
            operators,
            inputs,
            outputs,
            buffers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_tflite() {
        assert!(Model::parse(b"").is_err());
        assert!(Model::parse(b"\x08\0\0\0ONNXxxxxxxxx").is_err());
        // The right identifier, but the root offset points past the end.
        let e = Model::parse(b"\xff\0\0\0TFL3").unwrap_err();
        assert!(e.0.contains("past the end"), "{e}");
    }
}
