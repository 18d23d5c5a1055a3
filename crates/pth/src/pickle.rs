//! A pickle machine for PyTorch state dicts.
//!
//! `torch.save` writes a state dict as a protocol-2 pickle (`data.pkl`) whose tensors point, by
//! persistent id, at raw storages stored beside it in a zip archive. Python's own unpickler
//! imports and calls whatever global the file names, and candle's reader panics on short tuples,
//! overflows on `LONG1` and clones its memo without limit. This one runs a fixed opcode set
//! (protocols 2 to 5, binary opcodes only), knows only the globals a state dict needs (the
//! allow-list below, as `torch.load(weights_only=True)` does), and is bounded by its input:
//! every length is checked against the bytes left before anything is allocated, lists and dicts
//! live in an arena and are shared by index (a memo reference copies an index, never a tree), and
//! the input size bounds the number of operations. It never panics: every malformed input is an
//! [`PickleError`] with the byte offset of the operation that failed.

use std::collections::HashMap;
use std::rc::Rc;

/// The element types of PyTorch storages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    Bool,
}

impl DType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 => 4,
            DType::F16 | DType::BF16 | DType::I16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }

    /// The storage class `torch.<name>` stands for.
    fn from_storage_class(name: &str) -> Option<DType> {
        Some(match name {
            "DoubleStorage" => DType::F64,
            "FloatStorage" => DType::F32,
            "HalfStorage" => DType::F16,
            "BFloat16Storage" => DType::BF16,
            "LongStorage" => DType::I64,
            "IntStorage" => DType::I32,
            "ShortStorage" => DType::I16,
            "CharStorage" => DType::I8,
            "ByteStorage" => DType::U8,
            "BoolStorage" => DType::Bool,
            _ => return None,
        })
    }
}

/// A storage as a persistent id names it: `('storage', torch.<T>Storage, key, location, numel)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageRef {
    pub dtype: DType,
    /// The archive entry `<prefix>/data/<key>` holding the raw little-endian elements.
    pub key: String,
    pub numel: u64,
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorRef {
    pub storage: Rc<StorageRef>,
    /// In elements.
    pub offset: u64,
    pub shape: Vec<u64>,
    /// In elements.
    pub strides: Vec<u64>,
}

/// Why a pickle could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickleError {
    /// Byte offset of the operation that failed.
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for PickleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for PickleError {}

/// Tensors have at most this many dimensions (PyTorch allows 64; a Q2A state dict uses 2).
pub const MAX_DIMS: usize = 16;

/// The globals a state dict may name. Anything else is refused, never looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Global {
    OrderedDict,
    RebuildTensorV2,
    RebuildTensor,
    RebuildParameter,
    RebuildParameterWithState,
    RebuildFromTypeV2,
    Storage(DType),
    /// `torch.Tensor` / `torch.nn.parameter.Parameter`: the type argument of
    /// `_rebuild_from_type_v2`, never called itself.
    TensorType,
}

impl Global {
    fn allowed(module: &str, name: &str) -> Option<Global> {
        Some(match (module, name) {
            ("collections", "OrderedDict") => Global::OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2") => Global::RebuildTensorV2,
            ("torch._utils", "_rebuild_tensor") => Global::RebuildTensor,
            ("torch._utils", "_rebuild_parameter") => Global::RebuildParameter,
            ("torch._utils", "_rebuild_parameter_with_state") => Global::RebuildParameterWithState,
            ("torch._tensor", "_rebuild_from_type_v2") => Global::RebuildFromTypeV2,
            ("torch", "Tensor") | ("torch.nn.parameter", "Parameter") => Global::TensorType,
            ("torch", storage) => Global::Storage(DType::from_storage_class(storage)?),
            _ => return None,
        })
    }
}

/// A value on the machine's stack. Lists and dicts are indices into the machine's arenas, so
/// that copying a value (a memo reference, `DUP`) is constant time and shares the object, as
/// Python does.
#[derive(Debug, Clone)]
enum Value {
    None,
    Bool,
    Int(i64),
    Float,
    Str(Rc<str>),
    Bytes,
    Tuple(Rc<[Value]>),
    List(usize),
    Dict(usize),
    Global(Global),
    Storage(Rc<StorageRef>),
    Tensor(Rc<TensorRef>),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool => "a bool",
            Value::Int(_) => "an int",
            Value::Float => "a float",
            Value::Str(_) => "a string",
            Value::Bytes => "bytes",
            Value::Tuple(_) => "a tuple",
            Value::List(_) => "a list",
            Value::Dict(_) => "a dict",
            Value::Global(_) => "a global",
            Value::Storage(_) => "a storage",
            Value::Tensor(_) => "a tensor",
        }
    }
}

/// A read pickle: its top-level value and the arena its dicts live in.
pub struct Pickle {
    top: Value,
    dicts: Vec<Vec<(Value, Value)>>,
}

impl Pickle {
    /// The tensors of the top-level dict (or of its entry `key`), in file order, by name.
    /// Entries that are not tensors (a Lightning checkpoint's epoch, versions, ...) are skipped;
    /// a top level that is not a dict has no tensors.
    pub fn tensors(&self, key: Option<&str>) -> Vec<(String, TensorRef)> {
        let Value::Dict(mut dict) = self.top else {
            return Vec::new();
        };
        if let Some(key) = key {
            match self.dicts[dict]
                .iter()
                .find(|(k, _)| matches!(k, Value::Str(s) if &**s == key))
            {
                Some((_, Value::Dict(inner))) => dict = *inner,
                _ => return Vec::new(),
            }
        }
        self.dicts[dict]
            .iter()
            .filter_map(|(k, v)| match (k, v) {
                (Value::Str(name), Value::Tensor(t)) => Some((name.to_string(), (**t).clone())),
                _ => None,
            })
            .collect()
    }
}

/// Runs the pickle in `data` to its `STOP`.
pub fn read(data: &[u8]) -> Result<Pickle, PickleError> {
    Machine {
        data,
        pos: 0,
        op_at: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        lists: Vec::new(),
        dicts: Vec::new(),
    }
    .run()
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    op_at: usize,
    stack: Vec<Value>,
    /// Stack lengths at each `MARK`.
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
    lists: Vec<Vec<Value>>,
    dicts: Vec<Vec<(Value, Value)>>,
}

type Step<T> = Result<T, PickleError>;

impl<'a> Machine<'a> {
    fn fail<T>(&self, message: impl Into<String>) -> Step<T> {
        Err(PickleError {
            offset: self.op_at,
            message: message.into(),
        })
    }

    fn take(&mut self, n: usize) -> Step<&'a [u8]> {
        let data: &'a [u8] = self.data;
        match self.pos.checked_add(n) {
            Some(end) if end <= data.len() => {
                let bytes = &data[self.pos..end];
                self.pos = end;
                Ok(bytes)
            }
            _ => self.fail(format!(
                "needs {n} more bytes, {} left (truncated file?)",
                data.len() - self.pos
            )),
        }
    }

    fn u8(&mut self) -> Step<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Step<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Step<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Step<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// A length read from the file, checked against the bytes left before anything is read.
    fn len(&mut self, n: u64) -> Step<usize> {
        match usize::try_from(n) {
            Ok(n) if n <= self.data.len() - self.pos => Ok(n),
            _ => self.fail(format!(
                "a length of {n} bytes, but only {} are left",
                self.data.len() - self.pos
            )),
        }
    }

    fn line(&mut self) -> Step<&'a str> {
        let data: &'a [u8] = self.data;
        let rest = &data[self.pos..];
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            return self.fail("a text argument without its end of line");
        };
        self.pos += end + 1;
        match std::str::from_utf8(&rest[..end]) {
            Ok(s) => Ok(s),
            Err(_) => self.fail("a text argument that is not UTF-8"),
        }
    }

    fn utf8(&mut self, n: usize) -> Step<Value> {
        let bytes = self.take(n)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Value::Str(Rc::from(s))),
            Err(_) => self.fail("a string that is not UTF-8"),
        }
    }

    fn pop(&mut self) -> Step<Value> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() <= floor {
            return self.fail("an operation needs a value, but the stack is empty");
        }
        match self.stack.pop() {
            Some(v) => Ok(v),
            None => self.fail("an operation needs a value, but the stack is empty"),
        }
    }

    fn top(&self) -> Step<&Value> {
        let floor = self.marks.last().copied().unwrap_or(0);
        match self.stack.last() {
            Some(v) if self.stack.len() > floor => Ok(v),
            _ => self.fail("an operation needs a value, but the stack is empty"),
        }
    }

    /// The values pushed since the last `MARK`, which is removed.
    fn pop_mark(&mut self) -> Step<Vec<Value>> {
        let Some(mark) = self.marks.pop() else {
            return self.fail("an operation needs a MARK, but there is none");
        };
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    fn tuple(&mut self, n: usize) -> Step<Value> {
        let floor = self.marks.last().copied().unwrap_or(0);
        if self.stack.len() < floor + n {
            return self.fail(format!("a {n}-tuple needs {n} values on the stack"));
        }
        let items = self.stack.split_off(self.stack.len() - n);
        Ok(Value::Tuple(Rc::from(items)))
    }

    fn memo_get(&self, index: u32) -> Step<Value> {
        match self.memo.get(&index) {
            Some(v) => Ok(v.clone()),
            None => self.fail(format!("memo entry {index} was never stored")),
        }
    }

    fn memo_put(&mut self, index: u32) -> Step<()> {
        let v = self.top()?.clone();
        self.memo.insert(index, v);
        Ok(())
    }

    fn int_le(&self, bytes: &[u8]) -> Step<Value> {
        if bytes.is_empty() {
            return Ok(Value::Int(0));
        }
        if bytes.len() > 8 {
            // Sign-extension bytes beyond 8 are allowed only when they carry no value.
            let (low, high) = bytes.split_at(8);
            let negative = low[7] & 0x80 != 0;
            let fill = if negative { 0xff } else { 0 };
            if high.iter().any(|&b| b != fill) {
                return self.fail(format!(
                    "an integer of {} bytes does not fit in 64 bits",
                    bytes.len()
                ));
            }
            return self.int_le(low);
        }
        let negative = bytes[bytes.len() - 1] & 0x80 != 0;
        let mut a = if negative { [0xffu8; 8] } else { [0u8; 8] };
        a[..bytes.len()].copy_from_slice(bytes);
        Ok(Value::Int(i64::from_le_bytes(a)))
    }

    fn list_mut(&mut self, v: &Value) -> Step<usize> {
        match v {
            Value::List(i) => Ok(*i),
            other => self.fail(format!("APPEND to {}, not a list", other.kind())),
        }
    }

    fn set_items(&mut self, items: Vec<Value>) -> Step<()> {
        if items.len() % 2 != 0 {
            return self.fail("SETITEMS with a key and no value");
        }
        let target = self.top()?.clone();
        let Value::Dict(d) = target else {
            return self.fail(format!("SETITEM on {}, not a dict", target.kind()));
        };
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            self.dicts[d].push((k, v));
        }
        Ok(())
    }

    fn new_dict(&mut self, entries: Vec<(Value, Value)>) -> Value {
        self.dicts.push(entries);
        Value::Dict(self.dicts.len() - 1)
    }

    fn run(mut self) -> Step<Pickle> {
        loop {
            self.op_at = self.pos;
            let op = self.u8()?;
            match op {
                0x80 => {
                    let proto = self.u8()?;
                    if !(2..=5).contains(&proto) {
                        return self.fail(format!("pickle protocol {proto} (2 to 5 are read)"));
                    }
                }
                0x95 => {
                    self.u64()?; // FRAME: a size hint only.
                }
                b'.' => {
                    let top = self.pop()?;
                    return Ok(Pickle {
                        top,
                        dicts: self.dicts,
                    });
                }
                b'(' => self.marks.push(self.stack.len()),
                b'}' => {
                    let d = self.new_dict(Vec::new());
                    self.stack.push(d);
                }
                b']' => {
                    self.lists.push(Vec::new());
                    self.stack.push(Value::List(self.lists.len() - 1));
                }
                b')' => self.stack.push(Value::Tuple(Rc::from(Vec::new()))),
                b'q' => {
                    let i = self.u8()?;
                    self.memo_put(i as u32)?;
                }
                b'r' => {
                    let i = self.u32()?;
                    self.memo_put(i)?;
                }
                0x94 => {
                    let Ok(i) = u32::try_from(self.memo.len()) else {
                        return self.fail("too many memo entries");
                    };
                    self.memo_put(i)?;
                }
                b'h' => {
                    let i = self.u8()?;
                    let v = self.memo_get(i as u32)?;
                    self.stack.push(v);
                }
                b'j' => {
                    let i = self.u32()?;
                    let v = self.memo_get(i)?;
                    self.stack.push(v);
                }
                b'X' => {
                    let n = self.u32()?;
                    let n = self.len(n as u64)?;
                    let v = self.utf8(n)?;
                    self.stack.push(v);
                }
                0x8c => {
                    let n = self.u8()? as usize;
                    let v = self.utf8(n)?;
                    self.stack.push(v);
                }
                0x8d => {
                    let n = self.u64()?;
                    let n = self.len(n)?;
                    let v = self.utf8(n)?;
                    self.stack.push(v);
                }
                b'U' | b'C' => {
                    let n = self.u8()? as usize;
                    self.take(n)?;
                    self.stack.push(Value::Bytes);
                }
                b'T' | b'B' => {
                    let n = self.u32()?;
                    let n = self.len(n as u64)?;
                    self.take(n)?;
                    self.stack.push(Value::Bytes);
                }
                0x8e => {
                    let n = self.u64()?;
                    let n = self.len(n)?;
                    self.take(n)?;
                    self.stack.push(Value::Bytes);
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    let g = self.global(module, name)?;
                    self.stack.push(g);
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Value::Str(module), Value::Str(name)) = (&module, &name) else {
                        return self.fail("STACK_GLOBAL needs two strings");
                    };
                    let g = self.global(module, name)?;
                    self.stack.push(g);
                }
                b'Q' => {
                    let pid = self.pop()?;
                    let storage = self.persistent_load(pid)?;
                    self.stack.push(storage);
                }
                b'R' | 0x81 => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = self.call(callable, args)?;
                    self.stack.push(v);
                }
                b'b' => {
                    let _state = self.pop()?;
                    // The state of an OrderedDict (its `_metadata`) or a tensor (hooks): not
                    // needed to read the weights, so not applied.
                    match self.top()? {
                        Value::Dict(_) | Value::Tensor(_) => {}
                        other => {
                            let kind = other.kind();
                            return self.fail(format!("BUILD on {kind}"));
                        }
                    }
                }
                b't' => {
                    let items = self.pop_mark()?;
                    self.stack.push(Value::Tuple(Rc::from(items)));
                }
                0x85 => {
                    let t = self.tuple(1)?;
                    self.stack.push(t);
                }
                0x86 => {
                    let t = self.tuple(2)?;
                    self.stack.push(t);
                }
                0x87 => {
                    let t = self.tuple(3)?;
                    self.stack.push(t);
                }
                b'K' => {
                    let v = self.u8()?;
                    self.stack.push(Value::Int(v as i64));
                }
                b'M' => {
                    let v = self.u16()?;
                    self.stack.push(Value::Int(v as i64));
                }
                b'J' => {
                    let v = self.u32()? as i32;
                    self.stack.push(Value::Int(v as i64));
                }
                0x8a => {
                    let n = self.u8()? as usize;
                    let b = self.take(n)?;
                    let v = self.int_le(b)?;
                    self.stack.push(v);
                }
                0x8b => {
                    let n = self.u32()? as i32;
                    if n < 0 {
                        return self.fail("LONG4 with a negative length");
                    }
                    let n = self.len(n as u64)?;
                    let b = self.take(n)?;
                    let v = self.int_le(b)?;
                    self.stack.push(v);
                }
                b'G' => {
                    self.take(8)?;
                    self.stack.push(Value::Float);
                }
                b'N' => self.stack.push(Value::None),
                0x88 => self.stack.push(Value::Bool),
                0x89 => self.stack.push(Value::Bool),
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    self.set_items(vec![k, v])?;
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    self.set_items(items)?;
                }
                b'a' => {
                    let v = self.pop()?;
                    let target = self.top()?.clone();
                    let l = self.list_mut(&target)?;
                    self.lists[l].push(v);
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    let target = self.top()?.clone();
                    let l = self.list_mut(&target)?;
                    self.lists[l].extend(items);
                }
                b'2' => {
                    let v = self.top()?.clone();
                    self.stack.push(v);
                }
                b'0' => {
                    self.pop()?;
                }
                b'1' => {
                    self.pop_mark()?;
                }
                other => {
                    return self.fail(format!(
                        "opcode 0x{other:02x} is not one a PyTorch state dict uses"
                    ))
                }
            }
        }
    }

    fn global(&self, module: &str, name: &str) -> Step<Value> {
        match Global::allowed(module, name) {
            Some(g) => Ok(Value::Global(g)),
            None => self.fail(format!(
                "refuses the global `{module}.{name}`: a state dict needs only tensors, \
                 storages and OrderedDict"
            )),
        }
    }

    fn persistent_load(&self, pid: Value) -> Step<Value> {
        let Value::Tuple(items) = &pid else {
            return self.fail(format!(
                "a persistent id that is {}, not a tuple",
                pid.kind()
            ));
        };
        match &items[..] {
            [Value::Str(tag), Value::Global(Global::Storage(dtype)), Value::Str(key), _location, Value::Int(numel)]
                if &**tag == "storage" =>
            {
                let Ok(numel) = u64::try_from(*numel) else {
                    return self.fail(format!("a storage of {numel} elements"));
                };
                if key.is_empty() || key.len() > 64 || key.contains(['/', '\\']) {
                    return self.fail(format!("a storage key `{key}` that is not a plain name"));
                }
                Ok(Value::Storage(Rc::new(StorageRef {
                    dtype: *dtype,
                    key: key.to_string(),
                    numel,
                })))
            }
            _ => self.fail(
                "a persistent id that is not ('storage', torch.<T>Storage, key, location, numel)",
            ),
        }
    }

    fn args<'v>(&self, args: &'v Value, what: &str, min: usize) -> Step<&'v [Value]> {
        match args {
            Value::Tuple(items) if items.len() >= min => Ok(items),
            Value::Tuple(items) => self.fail(format!(
                "{what} called with {} arguments, needs {min}",
                items.len()
            )),
            other => self.fail(format!("{what} called with {}, not a tuple", other.kind())),
        }
    }

    fn dims(&self, v: &Value, what: &str) -> Step<Vec<u64>> {
        let Value::Tuple(items) = v else {
            return self.fail(format!("a tensor {what} that is {}, not a tuple", v.kind()));
        };
        if items.len() > MAX_DIMS {
            return self.fail(format!(
                "a tensor with {} dimensions (at most {MAX_DIMS})",
                items.len()
            ));
        }
        items
            .iter()
            .map(|d| match d {
                Value::Int(n) if *n >= 0 => Ok(*n as u64),
                other => self.fail(format!("a tensor {what} entry that is {other:?}")),
            })
            .collect()
    }

    fn call(&mut self, callable: Value, args: Value) -> Step<Value> {
        let Value::Global(g) = callable else {
            return self.fail(format!(
                "REDUCE calls {}, not an allowed global",
                callable.kind()
            ));
        };
        match g {
            Global::OrderedDict => {
                let items = self.args(&args, "OrderedDict", 0)?;
                match items {
                    [] => Ok(self.new_dict(Vec::new())),
                    _ => self.fail("OrderedDict called with arguments"),
                }
            }
            Global::RebuildTensorV2 | Global::RebuildTensor => {
                let items = self.args(&args, "_rebuild_tensor", 4)?;
                let Value::Storage(storage) = &items[0] else {
                    return self.fail(format!(
                        "_rebuild_tensor of {}, not a storage",
                        items[0].kind()
                    ));
                };
                let offset = match items[1] {
                    Value::Int(o) if o >= 0 => o as u64,
                    ref other => {
                        return self.fail(format!("a tensor offset that is {other:?}"));
                    }
                };
                let shape = self.dims(&items[2], "size")?;
                let strides = self.dims(&items[3], "stride")?;
                if shape.len() != strides.len() {
                    return self.fail(format!(
                        "a tensor with {} sizes and {} strides",
                        shape.len(),
                        strides.len()
                    ));
                }
                Ok(Value::Tensor(Rc::new(TensorRef {
                    storage: storage.clone(),
                    offset,
                    shape,
                    strides,
                })))
            }
            Global::RebuildParameter | Global::RebuildParameterWithState => {
                let items = self.args(&args, "_rebuild_parameter", 1)?;
                match &items[0] {
                    t @ Value::Tensor(_) => Ok(t.clone()),
                    other => self.fail(format!("a parameter of {}", other.kind())),
                }
            }
            Global::RebuildFromTypeV2 => {
                let items = self.args(&args, "_rebuild_from_type_v2", 3)?.to_vec();
                match (&items[0], &items[1]) {
                    (Value::Global(Global::RebuildFromTypeV2), _) => {
                        self.fail("_rebuild_from_type_v2 calling itself")
                    }
                    (Value::Global(_), Value::Global(Global::TensorType)) => {
                        self.call(items[0].clone(), items[2].clone())
                    }
                    _ => self.fail("_rebuild_from_type_v2 of something other than a tensor"),
                }
            }
            Global::Storage(_) | Global::TensorType => {
                self.fail("a storage or tensor type called directly")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(data: &[u8]) -> String {
        match read(data) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn refuses_globals_outside_the_allow_list() {
        let e = err(b"\x80\x02cos\nsystem\nq\x00.");
        assert!(e.contains("`os.system`"), "{e}");
    }

    #[test]
    fn short_tuples_and_empty_stacks_are_errors() {
        // _rebuild_tensor_v2 with one argument (candle's reader indexes past the end).
        let e = err(b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\nK\x01\x85R.");
        assert!(e.contains("needs 4"), "{e}");
        assert!(err(b"\x80\x02R.").contains("stack is empty"));
        assert!(err(b"\x80\x02t.").contains("MARK"));
        assert!(err(b"\x80\x02h\x05.").contains("memo entry 5"));
    }

    #[test]
    fn long_integers_are_bounded() {
        // LONG1 of 200 bytes (candle's overflows).
        let mut p = b"\x80\x02\x8a\xc8".to_vec();
        p.extend(std::iter::repeat_n(0x7f, 200));
        p.push(b'.');
        assert!(err(&p).contains("does not fit"));
        // Sign-extended 9-byte -1 fits.
        let p = b"\x80\x02\x8a\x09\xff\xff\xff\xff\xff\xff\xff\xff\xff.";
        assert!(matches!(read(p).map(|p| p.top), Ok(Value::Int(-1))));
    }

    #[test]
    fn lengths_are_checked_before_allocating() {
        let e = err(b"\x80\x02X\xff\xff\xff\xff");
        assert!(e.contains("only 0 are left"), "{e}");
        let e = err(b"\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\xff");
        assert!(e.contains("left"), "{e}");
    }

    #[test]
    fn memo_copies_share_instead_of_cloning_trees() {
        // A list put in the memo, then 10 000 times: get it twice, append one copy to the
        // other. A tree-cloning reader doubles its size each time.
        let mut p = b"\x80\x02]q\x00".to_vec();
        for _ in 0..10_000 {
            p.extend_from_slice(b"h\x00h\x00a0");
        }
        p.push(b'.');
        assert!(read(&p).is_ok());
    }

    #[test]
    fn reads_a_state_dict_shape() {
        // OrderedDict() then SETITEMS {"w": _rebuild_tensor_v2(storage, 0, (2, 3), (3, 1), False, OrderedDict())}
        let mut p = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(X\x01\x00\x00\x00w".to_vec();
        p.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\n(");
        p.extend_from_slice(b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x06tQ");
        p.extend_from_slice(b"K\x00K\x02K\x03\x86K\x03K\x01\x86\x89h\x00)RtRu.");
        let pickle = read(&p).expect("reads");
        let tensors = pickle.tensors(None);
        assert_eq!(tensors.len(), 1);
        assert_eq!(tensors[0].0, "w");
        assert_eq!(tensors[0].1.shape, vec![2, 3]);
        assert_eq!(tensors[0].1.strides, vec![3, 1]);
        assert_eq!(tensors[0].1.storage.numel, 6);
        assert_eq!(tensors[0].1.storage.dtype, DType::F32);
    }
}
