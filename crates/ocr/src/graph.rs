//! A small executor for the PP-OCR ONNX graphs on candle tensors.
//!
//! The graphs are fixed, pinned files (docs/weights.md) that use 30 ONNX ops, all listed in
//! [`Op`]. Each node is parsed once when the model loads (an op or attribute outside what is
//! implemented is refused then, by name, never halfway through a run), the weights are turned
//! into tensors once, and a run walks the nodes in their (topological) order, freeing every value
//! after its last use. candle-onnx 0.11's interpreter was measured first and rejected
//! (docs/ocr.md): it lacks `HardSigmoid`, `GlobalAveragePool`, `ConvTranspose` and uneven conv
//! strides, re-reads every weight on each call, keeps every intermediate alive, and runs a
//! depthwise convolution as one convolution per channel (2.9 s to detect text in a 1024 x 768
//! photo, 0.67 s per text line). Here a depthwise convolution is one direct loop per channel,
//! a 1 x 1 convolution one matrix product, and `ConvTranspose` (kernel 2, stride 2, as PP-OCR's
//! detection head uses it) one matrix product and a depth-to-space.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, IndexOp, Tensor};

use crate::error::{Error, Result, FIX_MODELS};
use crate::onnx::{self, data_type, AttributeProto, NodeProto, TensorProto};

/// The value of `key` in an ONNX file's `metadata_props` (PP-OCRv4 keeps its dictionary there,
/// under `character`). `path` names the file in errors.
pub fn metadata(bytes: &[u8], key: &str, path: &Path) -> Result<Option<String>> {
    let model =
        onnx::decode(bytes).map_err(|e| model_err(path, format!("not an ONNX model: {e}")))?;
    Ok(model
        .metadata_props
        .into_iter()
        .find(|p| p.key == key)
        .map(|p| p.value))
}

/// A binary elementwise op with NumPy broadcasting.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Binary {
    Add,
    Sub,
    Mul,
    Div,
}

/// Every op the executor runs, with its attributes parsed.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    Binary(Binary),
    Pow,
    Relu,
    Sigmoid,
    Sqrt,
    Identity,
    HardSigmoid {
        alpha: f32,
        beta: f32,
    },
    HardSwish,
    /// Bounds from attributes (opset < 11) or from inputs 1 and 2.
    Clip {
        min: Option<f32>,
        max: Option<f32>,
    },
    Cast {
        to: DType,
    },
    Conv(ConvSpec),
    /// Kernel 2, stride 2, no padding, one group.
    ConvTranspose2x2,
    BatchNorm {
        eps: f32,
    },
    GlobalAveragePool,
    AveragePool {
        kernel: [usize; 2],
        strides: [usize; 2],
    },
    MatMul,
    Softmax {
        axis: i64,
    },
    ReduceMean {
        axes: Option<Vec<i64>>,
        keepdims: bool,
    },
    Reshape,
    Transpose {
        perm: Option<Vec<usize>>,
    },
    Shape,
    Slice,
    Squeeze {
        axes: Option<Vec<i64>>,
    },
    Unsqueeze {
        axes: Option<Vec<i64>>,
    },
    Concat {
        axis: i64,
    },
    /// Nearest-neighbour upsampling by whole factors (`scales`) or to `sizes`.
    Resize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct ConvSpec {
    strides: [usize; 2],
    /// top, left, bottom, right
    pads: [usize; 4],
    dilations: [usize; 2],
    group: usize,
}

#[derive(Debug, Clone)]
struct Node {
    name: String,
    op: Op,
    /// Value slots; `None` for an omitted optional input.
    inputs: Vec<Option<usize>>,
    outputs: Vec<usize>,
    /// Slots whose last reader is this node, freed after it runs.
    frees: Vec<usize>,
}

/// One loaded graph with a single image input and a single output.
pub struct Network {
    path: PathBuf,
    nodes: Vec<Node>,
    /// Number of value slots (one per value name).
    slot_count: usize,
    /// The weights and constants, by slot.
    constants: Vec<(usize, Tensor)>,
    input: usize,
    output: usize,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("path", &self.path)
            .field("nodes", &self.nodes.len())
            .field("constants", &self.constants.len())
            .finish()
    }
}

impl Network {
    /// Reads and parses the ONNX file at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                model_err(path, "missing OCR model file".to_string())
            } else {
                Error::Io(assistq::FileError::new(path.to_path_buf(), source))
            }
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// As [`Network::load`], from the file's bytes (`path` names it in errors).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let model =
            onnx::decode(bytes).map_err(|e| model_err(path, format!("not an ONNX model: {e}")))?;
        let graph = model
            .graph
            .ok_or_else(|| model_err(path, "the ONNX model has no graph".to_string()))?;
        let mut slots: HashMap<String, usize> = HashMap::new();
        let slot = |name: &str, slots: &mut HashMap<String, usize>| {
            let n = slots.len();
            *slots.entry(name.to_string()).or_insert(n)
        };
        let mut constants = Vec::new();
        for t in &graph.initializer {
            let s = slot(&t.name, &mut slots);
            constants.push((s, tensor_of(t, path)?));
        }
        let inputs: Vec<&str> = graph
            .input
            .iter()
            .map(|i| i.name.as_str())
            .filter(|n| !graph.initializer.iter().any(|t| t.name == *n))
            .collect();
        let [input] = inputs.as_slice() else {
            return Err(model_err(
                path,
                format!("expected one image input, found {inputs:?}"),
            ));
        };
        let input = slot(input, &mut slots);
        let [output] = graph.output.as_slice() else {
            return Err(model_err(
                path,
                format!("expected one output, found {}", graph.output.len()),
            ));
        };
        let output_name = output.name.clone();

        let mut nodes = Vec::new();
        let mut unsupported = std::collections::BTreeSet::new();
        for node in &graph.node {
            if node.op_type == "Constant" {
                let value = attr(node, "value")
                    .and_then(|a| a.t.as_ref())
                    .ok_or_else(|| {
                        model_err(
                            path,
                            format!("Constant `{}` has no tensor value", node.name),
                        )
                    })?;
                let s = slot(&node.output[0], &mut slots);
                constants.push((s, tensor_of(value, path)?));
                continue;
            }
            let op = match parse(node) {
                Ok(Some(op)) => op,
                Ok(None) => {
                    unsupported.insert(node.op_type.clone());
                    continue;
                }
                Err(message) => return Err(model_err(path, format!("`{}`: {message}", node.name))),
            };
            let node_inputs = node
                .input
                .iter()
                .map(|n| {
                    if n.is_empty() {
                        Ok(None)
                    } else {
                        slots.get(n).copied().map(Some).ok_or_else(|| {
                            model_err(
                                path,
                                format!("`{}` reads `{n}` before it is made", node.name),
                            )
                        })
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            let outputs = node.output.iter().map(|n| slot(n, &mut slots)).collect();
            nodes.push(Node {
                name: node.name.clone(),
                op,
                inputs: node_inputs,
                outputs,
                frees: Vec::new(),
            });
        }
        if !unsupported.is_empty() {
            return Err(model_err(
                path,
                format!("ops the OCR cannot run: {unsupported:?}"),
            ));
        }
        let output = *slots
            .get(&output_name)
            .ok_or_else(|| model_err(path, format!("nothing makes the output `{output_name}`")))?;
        // Free each computed value after its last reader (never the output or a constant).
        let mut last_reader: HashMap<usize, usize> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            for s in node.inputs.iter().flatten() {
                last_reader.insert(*s, i);
            }
        }
        let constant_slots: std::collections::HashSet<usize> =
            constants.iter().map(|(s, _)| *s).collect();
        for (s, i) in last_reader {
            if s != output && !constant_slots.contains(&s) {
                nodes[i].frees.push(s);
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            nodes,
            slot_count: slots.len(),
            constants,
            input,
            output,
        })
    }

    /// The file the graph was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs the graph on `x` (converted to f32 on the CPU).
    pub fn run(&self, x: &Tensor) -> Result<Tensor> {
        let x = x
            .to_dtype(DType::F32)
            .and_then(|x| x.to_device(&Device::Cpu))
            .map_err(|e| self.run_err("input", e))?;
        let mut values: Vec<Option<Tensor>> = vec![None; self.slot_count];
        for (s, t) in &self.constants {
            values[*s] = Some(t.clone());
        }
        values[self.input] = Some(x);
        for node in &self.nodes {
            let args: Vec<Option<&Tensor>> = node
                .inputs
                .iter()
                .map(|s| s.and_then(|s| values[s].as_ref()))
                .collect();
            let out = eval(&node.op, &args).map_err(|e| self.run_err(&node.name, e))?;
            for (slot, value) in node.outputs.iter().zip(out) {
                values[*slot] = Some(value);
            }
            for s in &node.frees {
                values[*s] = None;
            }
        }
        values[self.output].take().ok_or_else(|| Error::Run {
            path: self.path.clone(),
            message: "the graph produced no output".to_string(),
        })
    }

    fn run_err(&self, node: &str, e: candle_core::Error) -> Error {
        Error::Run {
            path: self.path.clone(),
            message: format!("node `{node}`: {e}"),
        }
    }
}

fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn ints(node: &NodeProto, name: &str) -> Option<Vec<i64>> {
    attr(node, name).map(|a| a.ints.clone())
}

fn string(node: &NodeProto, name: &str) -> Option<String> {
    attr(node, name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
}

fn pair(v: Option<Vec<i64>>, default: usize, what: &str) -> Result<[usize; 2], String> {
    match v.as_deref() {
        None => Ok([default; 2]),
        Some([a, b]) if *a >= 1 && *b >= 1 => Ok([*a as usize, *b as usize]),
        Some(other) => Err(format!("{what} {other:?}: two positive values expected")),
    }
}

/// The op of `node`; `Ok(None)` for an op type the executor lacks.
fn parse(node: &NodeProto) -> Result<Option<Op>, String> {
    let op = match node.op_type.as_str() {
        "Add" => Op::Binary(Binary::Add),
        "Sub" => Op::Binary(Binary::Sub),
        "Mul" => Op::Binary(Binary::Mul),
        "Div" => Op::Binary(Binary::Div),
        "Pow" => Op::Pow,
        "Relu" => Op::Relu,
        "Sigmoid" => Op::Sigmoid,
        "Sqrt" => Op::Sqrt,
        "Identity" | "Dropout" => Op::Identity,
        "HardSigmoid" => Op::HardSigmoid {
            alpha: attr(node, "alpha").map(|a| a.f).unwrap_or(0.2),
            beta: attr(node, "beta").map(|a| a.f).unwrap_or(0.5),
        },
        "HardSwish" => Op::HardSwish,
        "Clip" => Op::Clip {
            min: attr(node, "min").map(|a| a.f),
            max: attr(node, "max").map(|a| a.f),
        },
        "Cast" => Op::Cast {
            to: match attr(node, "to").map(|a| a.i) {
                Some(1) => DType::F32,
                Some(6) | Some(7) => DType::I64,
                other => return Err(format!("Cast to type {other:?} is not supported")),
            },
        },
        "Conv" => {
            if string(node, "auto_pad").is_some_and(|p| p != "NOTSET") {
                return Err("auto_pad is not supported".to_string());
            }
            let pads = match ints(node, "pads").as_deref() {
                None => [0; 4],
                Some([t, l, b, r]) if [t, l, b, r].iter().all(|&&p| p >= 0) => {
                    [*t as usize, *l as usize, *b as usize, *r as usize]
                }
                Some(other) => return Err(format!("pads {other:?}: a 2-D conv expected")),
            };
            Op::Conv(ConvSpec {
                strides: pair(ints(node, "strides"), 1, "strides")?,
                pads,
                dilations: pair(ints(node, "dilations"), 1, "dilations")?,
                group: attr(node, "group")
                    .map(|a| a.i.max(1) as usize)
                    .unwrap_or(1),
            })
        }
        "ConvTranspose" => {
            let ok = attr(node, "group").is_none_or(|a| a.i == 1)
                && ints(node, "kernel_shape").is_none_or(|k| k == [2, 2])
                && ints(node, "strides").as_deref() == Some(&[2, 2][..])
                && ints(node, "pads")
                    .unwrap_or_default()
                    .iter()
                    .all(|&p| p == 0)
                && ints(node, "output_padding")
                    .unwrap_or_default()
                    .iter()
                    .all(|&p| p == 0)
                && ints(node, "dilations")
                    .unwrap_or_default()
                    .iter()
                    .all(|&d| d == 1);
            if !ok {
                return Err(
                    "only ConvTranspose with kernel 2, stride 2, one group, no padding".into(),
                );
            }
            Op::ConvTranspose2x2
        }
        "BatchNormalization" => Op::BatchNorm {
            eps: attr(node, "epsilon").map(|a| a.f).unwrap_or(1e-5),
        },
        "GlobalAveragePool" => Op::GlobalAveragePool,
        "AveragePool" => {
            if ints(node, "pads")
                .unwrap_or_default()
                .iter()
                .any(|&p| p != 0)
                || attr(node, "ceil_mode").is_some_and(|a| a.i != 0)
            {
                return Err("AveragePool with padding or ceil_mode is not supported".to_string());
            }
            let kernel = pair(ints(node, "kernel_shape"), 1, "kernel_shape")?;
            Op::AveragePool {
                kernel,
                strides: match ints(node, "strides") {
                    None => kernel,
                    s => pair(s, 1, "strides")?,
                },
            }
        }
        "MatMul" => Op::MatMul,
        "Softmax" => Op::Softmax {
            axis: attr(node, "axis").map(|a| a.i).unwrap_or(-1),
        },
        "ReduceMean" => Op::ReduceMean {
            axes: ints(node, "axes"),
            keepdims: attr(node, "keepdims").is_none_or(|a| a.i != 0),
        },
        "Reshape" => {
            if attr(node, "allowzero").is_some_and(|a| a.i != 0) {
                return Err("Reshape with allowzero is not supported".to_string());
            }
            Op::Reshape
        }
        "Transpose" => Op::Transpose {
            perm: ints(node, "perm").map(|p| p.iter().map(|&v| v as usize).collect()),
        },
        "Shape" => {
            if attr(node, "start").is_some() || attr(node, "end").is_some() {
                return Err("Shape with start/end is not supported".to_string());
            }
            Op::Shape
        }
        "Slice" => Op::Slice,
        "Squeeze" => Op::Squeeze {
            axes: ints(node, "axes"),
        },
        "Unsqueeze" => Op::Unsqueeze {
            axes: ints(node, "axes"),
        },
        "Concat" => Op::Concat {
            axis: attr(node, "axis")
                .map(|a| a.i)
                .ok_or("Concat without axis")?,
        },
        "Resize" | "Upsample" => {
            let mode = string(node, "mode").unwrap_or_else(|| "nearest".to_string());
            if mode != "nearest" {
                return Err(format!(
                    "Resize mode {mode} is not supported (nearest only)"
                ));
            }
            Op::Resize
        }
        _ => return Ok(None),
    };
    Ok(Some(op))
}

fn tensor_of(t: &TensorProto, path: &Path) -> Result<Tensor> {
    let bad = |what: &str| model_err(path, format!("tensor `{}`: {what}", t.name));
    // Dimensions come from the file: a negative one or a product past usize (found by the `onnx`
    // fuzz target) is an error, not a wrapped or panicking multiplication.
    let dims = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| bad(&format!("dimension {d}"))))
        .collect::<Result<Vec<usize>>>()?;
    // The zero dimensions left out too: a tensor's strides multiply the others even when it is
    // empty, and candle's overflow there is a panic.
    if dims
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .is_none()
    {
        return Err(bad(&format!("shape {dims:?} has too many elements")));
    }
    let n: usize = dims.iter().product();
    if t.data_location == 1 {
        return Err(bad("external data is not supported"));
    }
    let result = match t.data_type {
        data_type::FLOAT => {
            let v: Vec<f32> = if !t.float_data.is_empty() {
                t.float_data.clone()
            } else {
                t.raw_data
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            };
            (v.len() == n).then(|| Tensor::from_vec(v, dims.as_slice(), &Device::Cpu))
        }
        data_type::INT64 | data_type::INT32 => {
            let v: Vec<i64> = if !t.int64_data.is_empty() {
                t.int64_data.clone()
            } else if !t.int32_data.is_empty() {
                t.int32_data.iter().map(|&v| v as i64).collect()
            } else if t.data_type == data_type::INT64 {
                t.raw_data
                    .chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
                    .collect()
            } else {
                t.raw_data
                    .chunks_exact(4)
                    .map(|c| i32::from_le_bytes(c.try_into().expect("4 bytes")) as i64)
                    .collect()
            };
            (v.len() == n).then(|| Tensor::from_vec(v, dims.as_slice(), &Device::Cpu))
        }
        other => return Err(bad(&format!("data type {other} is not supported"))),
    };
    match result {
        Some(t) => t.map_err(|e| bad(&e.to_string())),
        None => Err(bad(&format!(
            "holds the wrong number of values for shape {dims:?}"
        ))),
    }
}

type R<T> = candle_core::Result<T>;

fn arg<'a>(args: &[Option<&'a Tensor>], i: usize) -> R<&'a Tensor> {
    args.get(i)
        .copied()
        .flatten()
        .ok_or_else(|| candle_core::Error::Msg(format!("input {i} is missing")))
}

fn i64s(t: &Tensor) -> R<Vec<i64>> {
    t.to_dtype(DType::I64)?.flatten_all()?.to_vec1::<i64>()
}

fn f32_scalar(t: &Tensor) -> R<f32> {
    t.to_dtype(DType::F32)?
        .flatten_all()?
        .i(0)?
        .to_scalar::<f32>()
}

fn axis_of(axis: i64, rank: usize) -> R<usize> {
    let a = if axis < 0 { axis + rank as i64 } else { axis };
    if a < 0 || a as usize >= rank {
        candle_core::bail!("axis {axis} out of range for rank {rank}")
    }
    Ok(a as usize)
}

fn eval(op: &Op, args: &[Option<&Tensor>]) -> R<Vec<Tensor>> {
    let x = arg(args, 0)?;
    let y = match op {
        Op::Binary(b) => {
            let rhs = arg(args, 1)?;
            match b {
                Binary::Add => x.broadcast_add(rhs)?,
                Binary::Sub => x.broadcast_sub(rhs)?,
                Binary::Mul => x.broadcast_mul(rhs)?,
                Binary::Div => x.broadcast_div(rhs)?,
            }
        }
        Op::Pow => {
            let p = f32_scalar(arg(args, 1)?)?;
            if p == 2.0 {
                x.sqr()?
            } else {
                x.powf(p as f64)?
            }
        }
        Op::Relu => x.relu()?,
        Op::Sigmoid => (x.neg()?.exp()? + 1.0)?.recip()?,
        Op::Sqrt => x.sqrt()?,
        Op::Identity => x.clone(),
        Op::HardSigmoid { alpha, beta } => {
            x.affine(*alpha as f64, *beta as f64)?.clamp(0f32, 1f32)?
        }
        Op::HardSwish => (x * x.affine(1.0 / 6.0, 0.5)?.clamp(0f32, 1f32)?)?,
        Op::Clip { min, max } => {
            let lo = match args.get(1).copied().flatten() {
                Some(t) => f32_scalar(t)?,
                None => min.unwrap_or(f32::NEG_INFINITY),
            };
            let hi = match args.get(2).copied().flatten() {
                Some(t) => f32_scalar(t)?,
                None => max.unwrap_or(f32::INFINITY),
            };
            x.clamp(lo, hi)?
        }
        Op::Cast { to } => x.to_dtype(*to)?,
        Op::Conv(spec) => conv(x, arg(args, 1)?, args.get(2).copied().flatten(), spec)?,
        Op::ConvTranspose2x2 => {
            conv_transpose_2x2(x, arg(args, 1)?, args.get(2).copied().flatten())?
        }
        Op::BatchNorm { eps } => {
            let (scale, bias) = (arg(args, 1)?, arg(args, 2)?);
            let (mean, var) = (arg(args, 3)?, arg(args, 4)?);
            let a = scale.broadcast_div(&(var + *eps as f64)?.sqrt()?)?;
            let b = (bias - (mean * &a)?)?;
            let c = a.dim(0)?;
            let shape: Vec<usize> = (0..x.rank()).map(|i| if i == 1 { c } else { 1 }).collect();
            x.broadcast_mul(&a.reshape(shape.as_slice())?)?
                .broadcast_add(&b.reshape(shape.as_slice())?)?
        }
        Op::GlobalAveragePool => x.mean_keepdim(3)?.mean_keepdim(2)?,
        Op::AveragePool { kernel, strides } => {
            x.avg_pool2d_with_stride((kernel[0], kernel[1]), (strides[0], strides[1]))?
        }
        Op::MatMul => x
            .contiguous()?
            .broadcast_matmul(&arg(args, 1)?.contiguous()?)?,
        Op::Softmax { axis } => {
            let axis = axis_of(*axis, x.rank())?;
            let e = x.broadcast_sub(&x.max_keepdim(axis)?)?.exp()?;
            e.broadcast_div(&e.sum_keepdim(axis)?)?
        }
        Op::ReduceMean { axes, keepdims } => {
            let axes = match (axes, args.get(1).copied().flatten()) {
                (Some(a), _) => a.clone(),
                (None, Some(t)) => i64s(t)?,
                (None, None) => (0..x.rank() as i64).collect(),
            };
            let mut axes = axes
                .iter()
                .map(|&a| axis_of(a, x.rank()))
                .collect::<R<Vec<_>>>()?;
            axes.sort_unstable();
            axes.dedup();
            let mut y = x.clone();
            for &a in axes.iter().rev() {
                y = if *keepdims {
                    y.mean_keepdim(a)?
                } else {
                    y.mean(a)?
                };
            }
            y
        }
        Op::Reshape => {
            let target = i64s(arg(args, 1)?)?;
            let mut dims = Vec::with_capacity(target.len());
            let mut infer = None;
            for (i, &d) in target.iter().enumerate() {
                dims.push(match d {
                    0 => x.dim(i)?,
                    -1 => {
                        infer = Some(i);
                        1
                    }
                    d if d > 0 => d as usize,
                    d => candle_core::bail!("Reshape to dimension {d}"),
                });
            }
            if let Some(i) = infer {
                let known: usize = dims.iter().product();
                if known == 0 || x.elem_count() % known != 0 {
                    candle_core::bail!("Reshape of {:?} to {target:?}", x.dims())
                }
                dims[i] = x.elem_count() / known;
            }
            x.reshape(dims)?
        }
        Op::Transpose { perm } => {
            let perm = perm
                .clone()
                .unwrap_or_else(|| (0..x.rank()).rev().collect());
            x.permute(perm)?.contiguous()?
        }
        Op::Shape => {
            let dims: Vec<i64> = x.dims().iter().map(|&d| d as i64).collect();
            Tensor::from_vec(dims, x.rank(), &Device::Cpu)?
        }
        Op::Slice => slice(x, args)?,
        Op::Squeeze { axes } => {
            let axes = match (axes, args.get(1).copied().flatten()) {
                (Some(a), _) => a.clone(),
                (None, Some(t)) => i64s(t)?,
                (None, None) => (0..x.rank() as i64)
                    .filter(|&i| x.dims()[i as usize] == 1)
                    .collect(),
            };
            let mut axes = axes
                .iter()
                .map(|&a| axis_of(a, x.rank()))
                .collect::<R<Vec<_>>>()?;
            axes.sort_unstable();
            let mut y = x.clone();
            for &a in axes.iter().rev() {
                y = y.squeeze(a)?;
            }
            y
        }
        Op::Unsqueeze { axes } => {
            let axes = match (axes, args.get(1).copied().flatten()) {
                (Some(a), _) => a.clone(),
                (None, Some(t)) => i64s(t)?,
                (None, None) => candle_core::bail!("Unsqueeze without axes"),
            };
            let rank = x.rank() + axes.len();
            let mut axes = axes
                .iter()
                .map(|&a| axis_of(a, rank))
                .collect::<R<Vec<_>>>()?;
            axes.sort_unstable();
            let mut y = x.clone();
            for a in axes {
                y = y.unsqueeze(a)?;
            }
            y
        }
        Op::Concat { axis } => {
            let parts: Vec<&Tensor> = args.iter().flatten().copied().collect();
            let axis = axis_of(*axis, x.rank())?;
            Tensor::cat(&parts, axis)?
        }
        Op::Resize => {
            let (h, w) = (x.dim(2)?, x.dim(3)?);
            let scales = args
                .get(2)
                .copied()
                .flatten()
                .filter(|t| t.elem_count() > 0);
            let sizes = args
                .get(3)
                .copied()
                .flatten()
                .filter(|t| t.elem_count() > 0);
            let (oh, ow) = match (scales, sizes) {
                (Some(s), _) => {
                    let s = s.to_dtype(DType::F32)?.to_vec1::<f32>()?;
                    if s.len() != 4 || s[2].fract() != 0.0 || s[3].fract() != 0.0 {
                        candle_core::bail!("Resize by {s:?}: whole factors on H, W expected")
                    }
                    ((h as f32 * s[2]) as usize, (w as f32 * s[3]) as usize)
                }
                (None, Some(s)) => {
                    let s = i64s(s)?;
                    (s[2] as usize, s[3] as usize)
                }
                (None, None) => candle_core::bail!("Resize without scales or sizes"),
            };
            if oh % h != 0 || ow % w != 0 {
                candle_core::bail!("Resize {h}x{w} -> {oh}x{ow}: whole factors expected")
            }
            x.upsample_nearest2d(oh, ow)?
        }
    };
    Ok(vec![y])
}

fn slice(x: &Tensor, args: &[Option<&Tensor>]) -> R<Tensor> {
    let starts = i64s(arg(args, 1)?)?;
    let ends = i64s(arg(args, 2)?)?;
    let axes = match args.get(3).copied().flatten() {
        Some(t) => i64s(t)?,
        None => (0..starts.len() as i64).collect(),
    };
    let steps = match args.get(4).copied().flatten() {
        Some(t) => i64s(t)?,
        None => vec![1; starts.len()],
    };
    let mut y = x.clone();
    for (((&s, &e), &a), &step) in starts.iter().zip(&ends).zip(&axes).zip(&steps) {
        let a = axis_of(a, x.rank())?;
        let n = y.dim(a)? as i64;
        if step < 1 {
            candle_core::bail!("Slice with step {step} is not supported")
        }
        let fix = |v: i64| (if v < 0 { v + n } else { v }).clamp(0, n);
        let (s, e) = (fix(s), fix(e));
        if e <= s {
            candle_core::bail!("empty Slice [{s}, {e}) on axis {a}")
        }
        y = if step == 1 {
            y.narrow(a, s as usize, (e - s) as usize)?
        } else {
            let idx: Vec<u32> = (s..e).step_by(step as usize).map(|i| i as u32).collect();
            let idx = Tensor::from_vec(idx.clone(), idx.len(), &Device::Cpu)?;
            y.contiguous()?.index_select(&idx, a)?
        };
    }
    y.contiguous()
}

/// A 2-D convolution: depthwise by a direct loop, 1 x 1 by a matrix product, otherwise candle's
/// conv2d (uneven strides as stride 1 then every n-th row or column).
fn conv(x: &Tensor, w: &Tensor, bias: Option<&Tensor>, spec: &ConvSpec) -> R<Tensor> {
    let (n, c, h, wd) = x.dims4()?;
    let (o, ci, kh, kw) = w.dims4()?;
    let y = if spec.group == c && o == c && ci == 1 && spec.dilations == [1, 1] {
        blas::conv::depthwise_conv2d(x, w, spec.pads, spec.strides)?
    } else if (kh, kw) == (1, 1) && spec.group == 1 && spec.strides == [1, 1] && spec.pads == [0; 4]
    {
        let y = w
            .reshape((o, ci))?
            .broadcast_matmul(&x.reshape((n, c, h * wd))?.contiguous()?)?;
        y.reshape((n, o, h, wd))?
    } else {
        let [t, l, b, r] = spec.pads;
        let x = if t == b && l == r && t == l {
            x.clone()
        } else {
            x.pad_with_zeros(2, t, b)?.pad_with_zeros(3, l, r)?
        };
        let pad = if t == b && l == r && t == l { t } else { 0 };
        if spec.dilations[0] != spec.dilations[1] {
            candle_core::bail!("uneven dilations {:?}", spec.dilations)
        }
        let [sh, sw] = spec.strides;
        if sh == sw {
            x.conv2d(w, pad, sh, spec.dilations[0], spec.group)?
        } else {
            let dense = x.conv2d(w, pad, 1, spec.dilations[0], spec.group)?;
            let pick = |len: usize, step: usize| -> R<Tensor> {
                let idx: Vec<u32> = (0..len).step_by(step).map(|i| i as u32).collect();
                Tensor::from_vec(idx.clone(), idx.len(), &Device::Cpu)
            };
            let dense = dense.index_select(&pick(dense.dim(2)?, sh)?, 2)?;
            dense.index_select(&pick(dense.dim(3)?, sw)?, 3)?
        }
    };
    match bias {
        Some(b) => y.broadcast_add(&b.reshape((1, o, 1, 1))?),
        None => Ok(y),
    }
}

/// `ConvTranspose` with kernel 2, stride 2: each input pixel writes a 2 x 2 block, so the output
/// is one matrix product (`[Cout * 4, Cin] x [Cin, H W]`) followed by depth-to-space.
fn conv_transpose_2x2(x: &Tensor, w: &Tensor, bias: Option<&Tensor>) -> R<Tensor> {
    let (n, cin, h, wd) = x.dims4()?;
    let (wcin, cout, kh, kw) = w.dims4()?;
    if wcin != cin || (kh, kw) != (2, 2) {
        candle_core::bail!(
            "ConvTranspose weight {:?} for input {:?}",
            w.dims(),
            x.dims()
        )
    }
    // [Cin, Cout, 2, 2] -> [Cout * 4, Cin]: row 4 o + 2 dy + dx.
    let wm = w.reshape((cin, cout * 4))?.t()?.contiguous()?;
    let y = wm.broadcast_matmul(&x.reshape((n, cin, h * wd))?.contiguous()?)?;
    let y = y
        .reshape((n, cout, 2, 2, h, wd))?
        .permute((0, 1, 4, 2, 5, 3))?
        .contiguous()?
        .reshape((n, cout, 2 * h, 2 * wd))?;
    match bias {
        Some(b) => y.broadcast_add(&b.reshape((1, cout, 1, 1))?),
        None => Ok(y),
    }
}

fn model_err(path: &Path, message: String) -> Error {
    Error::Model {
        path: path.to_path_buf(),
        message,
        fix: FIX_MODELS.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ConvTranspose by matrix product against the definition.
    #[test]
    fn conv_transpose_writes_2x2_blocks() {
        let dev = Device::Cpu;
        let x = Tensor::rand(-1f32, 1f32, (1, 2, 3, 4), &dev).unwrap();
        let w = Tensor::rand(-1f32, 1f32, (2, 3, 2, 2), &dev).unwrap();
        let y = conv_transpose_2x2(&x, &w, None).unwrap();
        assert_eq!(y.dims(), &[1, 3, 6, 8]);
        let xv = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let wv = w.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let yv = y.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        for o in 0..3 {
            for oy in 0..6 {
                for ox in 0..8 {
                    let (iy, dy, ix, dx) = (oy / 2, oy % 2, ox / 2, ox % 2);
                    let want: f32 = (0..2)
                        .map(|c| xv[(c * 3 + iy) * 4 + ix] * wv[((c * 3 + o) * 2 + dy) * 2 + dx])
                        .sum();
                    let got = yv[(o * 6 + oy) * 8 + ox];
                    assert!((got - want).abs() < 1e-5);
                }
            }
        }
    }
}
