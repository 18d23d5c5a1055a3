//! A small executor for MediaPipe's hand models (TensorFlow Lite graphs) on candle tensors.
//!
//! The two graphs are fixed, pinned files (docs/hands.md) that use 13 TensorFlow Lite ops, all
//! listed in [`Op`]. The file is parsed once ([`crate::tflite`]); every constant is read then
//! (the float16 weights behind `DEQUANTIZE` become float32 once), each operator is checked and
//! turned into an [`Op`] with its weights laid out for candle (an op, option or activation outside
//! what is implemented is refused at load, by name, never halfway through a run). A run walks the
//! operators in their stored (topological) order and frees every value after its last use.
//!
//! TensorFlow Lite is NHWC, candle's convolutions NCHW: every 4-D value is kept NCHW here, and the
//! ops whose meaning depends on the layout (reshape, concatenation, padding, mean, fully
//! connected) translate their axes. Padding `SAME` is TensorFlow's: uneven (the extra row and
//! column at the bottom and right) when the stride is 2.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

use crate::error::{Error, Result};
use crate::tflite::{builtin, Model, Operator, Table, TensorInfo, TensorType};

type R<T> = candle_core::Result<T>;

/// A fused activation (`ActivationFunctionType` of the schema).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Activation {
    None,
    Relu,
    Relu6,
}

/// `Padding` of the schema.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Padding {
    Same,
    Valid,
}

#[derive(Debug, Clone)]
enum Op {
    /// Weights `[O, I, KH, KW]`.
    Conv {
        w: Tensor,
        bias: Option<Tensor>,
        padding: Padding,
        strides: [usize; 2],
        act: Activation,
    },
    /// Weights `[C, 1, KH, KW]`.
    Depthwise {
        w: Tensor,
        bias: Option<Tensor>,
        padding: Padding,
        strides: [usize; 2],
        act: Activation,
    },
    Add(Activation),
    /// Slope per channel, `[1, C, 1, 1]`.
    Prelu(Tensor),
    MaxPool {
        kernel: [usize; 2],
        strides: [usize; 2],
        padding: Padding,
    },
    /// (before, after) per NCHW axis.
    Pad([(usize, usize); 4]),
    ResizeBilinear {
        size: [usize; 2],
        align_corners: bool,
        half_pixel_centers: bool,
    },
    /// To the output tensor's static shape (NHWC order).
    Reshape(Vec<usize>),
    /// Axis in the stored layout.
    Concat(usize),
    /// Axes in the stored layout.
    Mean {
        axes: Vec<usize>,
        keep_dims: bool,
    },
    /// Weights transposed once at load, `[in, out]`, as the product takes them.
    FullyConnected {
        w: Tensor,
        bias: Option<Tensor>,
        act: Activation,
    },
    Logistic,
}

#[derive(Debug, Clone)]
struct Node {
    op: Op,
    /// Run-time input values (constants are folded into the op).
    inputs: Vec<usize>,
    output: usize,
    /// Values whose last use is this node, freed after it.
    frees: Vec<usize>,
}

/// One loaded network.
#[derive(Debug, Clone)]
pub struct Network {
    path: PathBuf,
    nodes: Vec<Node>,
    input: usize,
    /// NHWC shape of the input.
    input_shape: Vec<usize>,
    outputs: Vec<usize>,
    slots: usize,
}

fn model_err(path: &Path, message: impl Into<String>) -> Error {
    Error::Model {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// NHWC axis -> NCHW axis.
fn nchw_axis(axis: usize) -> usize {
    [0, 2, 3, 1][axis]
}

/// A constant's values as f32 (float32 and float16 data).
fn constant_f32(info: &TensorInfo, data: &[u8]) -> Option<Vec<f32>> {
    match info.dtype {
        TensorType::Float32 => Some(
            data.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        ),
        TensorType::Float16 => Some(
            data.chunks_exact(2)
                .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
        ),
        _ => None,
    }
}

/// Constants of the graph: f32 values with their NHWC shape, and int32 data.
struct Constants {
    floats: HashMap<usize, (Vec<f32>, Vec<usize>)>,
    ints: HashMap<usize, Vec<i32>>,
}

impl Network {
    /// Loads a `.tflite` file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::Io(assistq::FileError::new(path, e)))?;
        Self::from_bytes(&bytes, path)
    }

    /// Builds the network from a file's bytes; `path` names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let model = Model::parse(bytes).map_err(|e| {
            model_err(
                path,
                format!("not a TensorFlow Lite model we can read: {e}"),
            )
        })?;
        if model.inputs.len() != 1 {
            return Err(model_err(
                path,
                format!("expected one input, found {}", model.inputs.len()),
            ));
        }
        let mut consts = Constants {
            floats: HashMap::new(),
            ints: HashMap::new(),
        };
        for (i, t) in model.tensors.iter().enumerate() {
            let data = model.buffers[t.buffer];
            if data.is_empty() {
                continue;
            }
            if t.dtype == TensorType::Int32 {
                let v = data
                    .chunks_exact(4)
                    .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                consts.ints.insert(i, v);
            } else if let Some(v) = constant_f32(t, data) {
                let want: usize = t.shape.iter().product();
                if v.len() != want {
                    return Err(model_err(
                        path,
                        format!(
                            "tensor {:?}: {} values for shape {:?}",
                            t.name,
                            v.len(),
                            t.shape
                        ),
                    ));
                }
                consts.floats.insert(i, (v, t.shape.clone()));
            }
        }
        let mut nodes = Vec::new();
        for (k, op) in model.operators.iter().enumerate() {
            let name = builtin::name(op.builtin);
            let ctx = |m: String| model_err(path, format!("operator {k} ({name}): {m}"));
            if op.builtin == builtin::DEQUANTIZE {
                // float16 constant -> float32 constant: folded now.
                let (src, dst) = (op.inputs[0] as usize, op.outputs[0] as usize);
                let c = consts
                    .floats
                    .get(&src)
                    .cloned()
                    .ok_or_else(|| ctx("the input is not a constant".into()))?;
                consts.floats.insert(dst, c);
                continue;
            }
            let node = build_node(&model, op, &consts).map_err(ctx)?;
            nodes.push(node);
        }
        let input = model.inputs[0];
        let input_shape = model.tensors[input].shape.clone();
        if input_shape.len() != 4 || input_shape[0] != 1 || input_shape[3] != 3 {
            return Err(model_err(
                path,
                format!("expected an input [1, H, W, 3], found {input_shape:?}"),
            ));
        }
        // Every run-time input must be produced before it is used.
        let mut known = vec![false; model.tensors.len()];
        known[input] = true;
        for (k, n) in nodes.iter().enumerate() {
            for &i in &n.inputs {
                if !known[i] {
                    return Err(model_err(
                        path,
                        format!(
                            "node {k}: input {:?} is never computed",
                            model.tensors[i].name
                        ),
                    ));
                }
            }
            known[n.output] = true;
        }
        for &o in &model.outputs {
            if !known[o] {
                return Err(model_err(
                    path,
                    format!("output {:?} is never computed", model.tensors[o].name),
                ));
            }
        }
        // Free each value after its last use (outputs are kept).
        let mut last_use: HashMap<usize, usize> = HashMap::new();
        for (k, n) in nodes.iter().enumerate() {
            for &i in &n.inputs {
                last_use.insert(i, k);
            }
        }
        for (v, k) in last_use {
            if !model.outputs.contains(&v) {
                nodes[k].frees.push(v);
            }
        }
        Ok(Network {
            path: path.to_path_buf(),
            nodes,
            input,
            input_shape,
            outputs: model.outputs.clone(),
            slots: model.tensors.len(),
        })
    }

    /// The input's height and width.
    pub fn input_size(&self) -> (usize, usize) {
        (self.input_shape[1], self.input_shape[2])
    }

    /// Runs the network on `x` (`[1, H, W, 3]`, NHWC as the model takes it); returns the outputs
    /// in the model's order, 4-D ones NHWC again.
    pub fn run(&self, x: &Tensor) -> Result<Vec<Tensor>> {
        self.run_inner(x).map_err(|e| Error::Run {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }

    fn run_inner(&self, x: &Tensor) -> R<Vec<Tensor>> {
        if x.dims() != self.input_shape.as_slice() {
            candle_core::bail!(
                "input shape {:?}, the network takes {:?}",
                x.dims(),
                self.input_shape
            )
        }
        let mut values: Vec<Option<Tensor>> = vec![None; self.slots];
        values[self.input] = Some(
            x.to_dtype(DType::F32)?
                .permute((0, 3, 1, 2))?
                .contiguous()?,
        );
        for node in &self.nodes {
            let args: Vec<&Tensor> = node
                .inputs
                .iter()
                .map(|&i| values[i].as_ref().expect("checked at load"))
                .collect();
            let y = run_op(&node.op, &args)?;
            values[node.output] = Some(y);
            for &f in &node.frees {
                values[f] = None;
            }
        }
        self.outputs
            .iter()
            .map(|&o| {
                let v = values[o].take().expect("checked at load");
                if v.rank() == 4 {
                    v.permute((0, 2, 3, 1))?.contiguous()
                } else {
                    Ok(v)
                }
            })
            .collect()
    }
}

fn activation(code: u8) -> std::result::Result<Activation, String> {
    match code {
        0 => Ok(Activation::None),
        1 => Ok(Activation::Relu),
        3 => Ok(Activation::Relu6),
        c => Err(format!("fused activation {c} is not implemented")),
    }
}

fn padding(code: u8) -> std::result::Result<Padding, String> {
    match code {
        0 => Ok(Padding::Same),
        1 => Ok(Padding::Valid),
        c => Err(format!("padding {c} is not implemented")),
    }
}

fn build_node(
    model: &Model,
    op: &Operator,
    consts: &Constants,
) -> std::result::Result<Node, String> {
    let fmt = |e: crate::tflite::FormatError| e.0;
    let opts = op.options;
    let o = |id: usize, d: i32| -> std::result::Result<i32, String> {
        opts.map_or(Ok(d), |t: Table| t.i32(id, d)).map_err(fmt)
    };
    let o8 = |id: usize| -> std::result::Result<u8, String> {
        opts.map_or(Ok(0), |t: Table| t.u8(id, 0)).map_err(fmt)
    };
    let output = *op.outputs.first().ok_or("no output")? as usize;
    if op.outputs.len() != 1 {
        return Err(format!("{} outputs, expected 1", op.outputs.len()));
    }
    let arg = |i: usize| -> std::result::Result<usize, String> {
        op.inputs
            .get(i)
            .copied()
            .filter(|&t| t >= 0)
            .map(|t| t as usize)
            .ok_or_else(|| format!("input {i} is missing"))
    };
    let float = |i: usize| -> std::result::Result<&(Vec<f32>, Vec<usize>), String> {
        consts
            .floats
            .get(&arg(i)?)
            .ok_or_else(|| format!("input {i} is not a float constant"))
    };
    let optional_bias = |i: usize| -> std::result::Result<Option<Tensor>, String> {
        match op.inputs.get(i) {
            Some(&t) if t >= 0 => {
                let (v, _) = float(i)?;
                Ok(Some(
                    Tensor::from_vec(v.clone(), v.len(), &Device::Cpu)
                        .map_err(|e| e.to_string())?,
                ))
            }
            _ => Ok(None),
        }
    };
    let ce = |e: candle_core::Error| e.to_string();
    let strides = || -> std::result::Result<[usize; 2], String> {
        // Conv2DOptions / DepthwiseConv2DOptions / Pool2DOptions: 1 stride_w, 2 stride_h.
        let (sw, sh) = (o(1, 1)?, o(2, 1)?);
        if sw < 1 || sh < 1 {
            return Err(format!("stride {sh}x{sw}"));
        }
        Ok([sh as usize, sw as usize])
    };
    let mut inputs = vec![arg(0)?];
    let op_ = match op.builtin {
        builtin::CONV_2D => {
            // Conv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 activation, 4/5 dilation.
            if o(4, 1)? != 1 || o(5, 1)? != 1 {
                return Err("dilation is not implemented".into());
            }
            let (w, shape) = float(1)?;
            let &[oc, kh, kw, ic] = shape.as_slice() else {
                return Err(format!("weights of shape {shape:?}"));
            };
            let w = Tensor::from_vec(w.clone(), (oc, kh, kw, ic), &Device::Cpu)
                .and_then(|w| w.permute((0, 3, 1, 2))?.contiguous())
                .map_err(ce)?;
            Op::Conv {
                w,
                bias: optional_bias(2)?,
                padding: padding(o8(0)?)?,
                strides: strides()?,
                act: activation(o8(3)?)?,
            }
        }
        builtin::DEPTHWISE_CONV_2D => {
            // DepthwiseConv2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 depth_multiplier,
            // 4 activation, 5/6 dilation.
            if o(5, 1)? != 1 || o(6, 1)? != 1 {
                return Err("dilation is not implemented".into());
            }
            let (w, shape) = float(1)?;
            let &[one, kh, kw, c] = shape.as_slice() else {
                return Err(format!("weights of shape {shape:?}"));
            };
            let in_c = model.tensors[arg(0)?].shape.get(3).copied().unwrap_or(0);
            if one != 1 || c != in_c {
                return Err(format!(
                    "depth multiplier other than 1 (weights {shape:?}, {in_c} input channels)"
                ));
            }
            let w = Tensor::from_vec(w.clone(), (kh, kw, c), &Device::Cpu)
                .and_then(|w| w.permute((2, 0, 1))?.contiguous()?.reshape((c, 1, kh, kw)))
                .map_err(ce)?;
            Op::Depthwise {
                w,
                bias: optional_bias(2)?,
                padding: padding(o8(0)?)?,
                strides: strides()?,
                act: activation(o8(4)?)?,
            }
        }
        builtin::ADD => {
            inputs.push(arg(1)?);
            Op::Add(activation(o8(0)?)?)
        }
        builtin::PRELU => {
            let (a, _) = float(1)?;
            let c = model.tensors[arg(0)?].shape.last().copied().unwrap_or(0);
            if a.len() != c {
                return Err(format!("{} slopes for {c} channels", a.len()));
            }
            Op::Prelu(Tensor::from_vec(a.clone(), (1, c, 1, 1), &Device::Cpu).map_err(ce)?)
        }
        builtin::MAX_POOL_2D => {
            // Pool2DOptions: 0 padding, 1 stride_w, 2 stride_h, 3 filter_w, 4 filter_h, 5 act.
            if activation(o8(5)?)? != Activation::None {
                return Err("fused activation on pooling".into());
            }
            Op::MaxPool {
                kernel: [o(4, 1)?.max(1) as usize, o(3, 1)?.max(1) as usize],
                strides: strides()?,
                padding: padding(o8(0)?)?,
            }
        }
        builtin::PAD => {
            let p = consts
                .ints
                .get(&arg(1)?)
                .ok_or("paddings are not a constant")?;
            if p.len() != 8 || p.iter().any(|&v| v < 0) {
                return Err(format!("paddings {p:?}"));
            }
            let mut pads = [(0, 0); 4];
            for axis in 0..4 {
                pads[nchw_axis(axis)] = (p[2 * axis] as usize, p[2 * axis + 1] as usize);
            }
            Op::Pad(pads)
        }
        builtin::RESIZE_BILINEAR => {
            // ResizeBilinearOptions: 2 align_corners, 3 half_pixel_centers.
            let s = consts
                .ints
                .get(&arg(1)?)
                .ok_or("the size is not a constant")?;
            let &[h, w] = s.as_slice() else {
                return Err(format!("size {s:?}"));
            };
            if h < 1 || w < 1 {
                return Err(format!("size {s:?}"));
            }
            Op::ResizeBilinear {
                size: [h as usize, w as usize],
                align_corners: o8(2)? != 0,
                half_pixel_centers: o8(3)? != 0,
            }
        }
        builtin::RESHAPE => Op::Reshape(model.tensors[output].shape.clone()),
        builtin::CONCATENATION => {
            // ConcatenationOptions: 0 axis, 1 activation.
            if activation(o8(1)?)? != Activation::None {
                return Err("fused activation on concatenation".into());
            }
            inputs = (0..op.inputs.len()).map(arg).collect::<Result<_, _>>()?;
            let rank = model.tensors[output].shape.len() as i32;
            let axis = o(0, 0)?;
            let axis = if axis < 0 { axis + rank } else { axis };
            if axis < 0 || axis >= rank {
                return Err(format!("axis {axis} of a rank-{rank} tensor"));
            }
            let axis = axis as usize;
            Op::Concat(if rank == 4 { nchw_axis(axis) } else { axis })
        }
        builtin::MEAN => {
            // ReducerOptions: 0 keep_dims.
            let rank = model.tensors[arg(0)?].shape.len() as i32;
            let axes = consts.ints.get(&arg(1)?).ok_or("axes are not a constant")?;
            let mut mapped = axes
                .iter()
                .map(|&a| {
                    let a = if a < 0 { a + rank } else { a };
                    if a < 0 || a >= rank {
                        return Err(format!("axis {a} of a rank-{rank} tensor"));
                    }
                    Ok(if rank == 4 {
                        nchw_axis(a as usize)
                    } else {
                        a as usize
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            mapped.sort_unstable();
            Op::Mean {
                axes: mapped,
                keep_dims: o8(0)? != 0,
            }
        }
        builtin::FULLY_CONNECTED => {
            // FullyConnectedOptions: 0 activation, 1 weights_format, 2 keep_num_dims.
            if o8(1)? != 0 {
                return Err("shuffled weights are not implemented".into());
            }
            let (w, shape) = float(1)?;
            let &[out, inn] = shape.as_slice() else {
                return Err(format!("weights of shape {shape:?}"));
            };
            Op::FullyConnected {
                w: Tensor::from_vec(w.clone(), (out, inn), &Device::Cpu)
                    .and_then(|w| w.t()?.contiguous())
                    .map_err(ce)?,
                bias: optional_bias(2)?,
                act: activation(o8(0)?)?,
            }
        }
        builtin::LOGISTIC => Op::Logistic,
        other => return Err(format!("{} is not implemented", builtin::name(other))),
    };
    Ok(Node {
        op: op_,
        inputs,
        output,
        frees: Vec::new(),
    })
}

/// TensorFlow's padding for one spatial axis: (before, after).
fn same_pads(input: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let out = input.div_ceil(stride);
    let total = ((out - 1) * stride + kernel).saturating_sub(input);
    (total / 2, total - total / 2)
}

fn spatial_pads(x: &Tensor, kernel: [usize; 2], strides: [usize; 2], p: Padding) -> R<[usize; 4]> {
    let (_, _, h, w) = x.dims4()?;
    Ok(match p {
        Padding::Valid => [0; 4],
        Padding::Same => {
            let (t, b) = same_pads(h, kernel[0], strides[0]);
            let (l, r) = same_pads(w, kernel[1], strides[1]);
            [t, l, b, r]
        }
    })
}

fn act(y: Tensor, a: Activation) -> R<Tensor> {
    match a {
        Activation::None => Ok(y),
        Activation::Relu => y.relu(),
        Activation::Relu6 => y.clamp(0f32, 6f32),
    }
}

fn add_bias(y: Tensor, bias: &Option<Tensor>) -> R<Tensor> {
    match bias {
        None => Ok(y),
        Some(b) if y.rank() == 4 => y.broadcast_add(&b.reshape((1, b.elem_count(), 1, 1))?),
        Some(b) => y.broadcast_add(b),
    }
}

fn run_op(op: &Op, a: &[&Tensor]) -> R<Tensor> {
    let x = a[0];
    match op {
        Op::Conv {
            w,
            bias,
            padding,
            strides,
            act: f,
        } => {
            let (oc, ic, kh, kw) = w.dims4()?;
            let [t, l, b, r] = spatial_pads(x, [kh, kw], *strides, *padding)?;
            let (n, c, h, wd) = x.dims4()?;
            let y = if (kh, kw) == (1, 1) && *strides == [1, 1] {
                // A 1 x 1 convolution is one matrix product per image.
                if n != 1 {
                    candle_core::bail!("batch {n}: the hand models run one image at a time")
                }
                blas::matmul(&w.reshape((oc, ic))?, &x.reshape((c, h * wd))?)?
                    .reshape((1, oc, h, wd))?
            } else {
                let xp = x.pad_with_zeros(2, t, b)?.pad_with_zeros(3, l, r)?;
                if strides[0] != strides[1] {
                    candle_core::bail!("uneven strides {strides:?}")
                }
                xp.conv2d(w, 0, strides[0], 1, 1)?
            };
            act(add_bias(y, bias)?, *f)
        }
        Op::Depthwise {
            w,
            bias,
            padding,
            strides,
            act: f,
        } => {
            let (_, _, kh, kw) = w.dims4()?;
            let pads = spatial_pads(x, [kh, kw], *strides, *padding)?;
            let y = blas::conv::depthwise_conv2d(x, w, pads, *strides)?;
            act(add_bias(y, bias)?, *f)
        }
        Op::Add(f) => act(x.broadcast_add(a[1])?, *f),
        Op::Prelu(alpha) => {
            let pos = x.relu()?;
            let neg = (x - &pos)?;
            pos + neg.broadcast_mul(alpha)?
        }
        Op::MaxPool {
            kernel,
            strides,
            padding,
        } => {
            let [t, l, b, r] = spatial_pads(x, *kernel, *strides, *padding)?;
            let x = if [t, l, b, r] == [0; 4] {
                x.clone()
            } else {
                // Padding must never win the max.
                let (n, c, h, w) = x.dims4()?;
                let big = Tensor::full(f32::MIN, (n, c, h + t + b, w + l + r), x.device())?;
                big.slice_assign(&[0..n, 0..c, t..t + h, l..l + w], x)?
            };
            x.max_pool2d_with_stride((kernel[0], kernel[1]), (strides[0], strides[1]))
        }
        Op::Pad(p) => {
            let mut y = x.clone();
            for (axis, &(before, after)) in p.iter().enumerate() {
                if before + after > 0 {
                    y = y.pad_with_zeros(axis, before, after)?;
                }
            }
            Ok(y)
        }
        Op::ResizeBilinear {
            size,
            align_corners,
            half_pixel_centers,
        } => resize_bilinear(x, *size, *align_corners, *half_pixel_centers),
        Op::Reshape(shape) => {
            let y = if x.rank() == 4 {
                x.permute((0, 2, 3, 1))?.contiguous()?
            } else {
                x.clone()
            };
            let y = y.reshape(shape.as_slice())?;
            if shape.len() == 4 {
                y.permute((0, 3, 1, 2))?.contiguous()
            } else {
                Ok(y)
            }
        }
        Op::Concat(axis) => Tensor::cat(a, *axis),
        Op::Mean { axes, keep_dims } => {
            let mut y = x.clone();
            for &axis in axes.iter().rev() {
                y = if *keep_dims {
                    y.mean_keepdim(axis)?
                } else {
                    y.mean(axis)?
                };
            }
            Ok(y)
        }
        Op::FullyConnected { w, bias, act: f } => {
            let (inn, _) = w.dims2()?;
            let flat = if x.rank() == 4 {
                x.permute((0, 2, 3, 1))?.contiguous()?
            } else {
                x.clone()
            };
            let rows = flat.elem_count() / inn;
            let flat = flat.reshape((rows, inn))?;
            let y = blas::matmul(&flat, w)?;
            act(add_bias(y, bias)?, *f)
        }
        Op::Logistic => (x.neg()?.exp()? + 1.0)?.recip(),
    }
}

/// Bilinear resizing as TensorFlow Lite's reference kernel computes it: source coordinate
/// `y * scale` (or `(y + 0.5) * scale - 0.5` with half-pixel centres), lower neighbour clamped at
/// 0, upper one at the last row.
fn resize_bilinear(x: &Tensor, size: [usize; 2], align: bool, half: bool) -> R<Tensor> {
    let axis_weights = |input: usize, output: usize| -> (Vec<u32>, Vec<u32>, Vec<f32>) {
        let scale = if align && output > 1 {
            (input - 1) as f32 / (output - 1) as f32
        } else {
            input as f32 / output as f32
        };
        let mut lo = Vec::with_capacity(output);
        let mut hi = Vec::with_capacity(output);
        let mut frac = Vec::with_capacity(output);
        for o in 0..output {
            let v = if half {
                (o as f32 + 0.5) * scale - 0.5
            } else {
                o as f32 * scale
            };
            let l = v.floor().max(0.0);
            let h = v.ceil().min((input - 1) as f32);
            lo.push(l as u32);
            hi.push(h as u32);
            frac.push(v - l);
        }
        (lo, hi, frac)
    };
    let (_, _, h, w) = x.dims4()?;
    let dev = x.device();
    let along = |t: &Tensor, axis: usize, input: usize, output: usize| -> R<Tensor> {
        let (lo, hi, frac) = axis_weights(input, output);
        let lo = t.index_select(&Tensor::new(lo.as_slice(), dev)?, axis)?;
        let hi = t.index_select(&Tensor::new(hi.as_slice(), dev)?, axis)?;
        let mut shape = vec![1usize; 4];
        shape[axis] = output;
        let f = Tensor::from_vec(frac, shape.as_slice(), dev)?;
        lo.broadcast_add(&(hi - &lo)?.broadcast_mul(&f)?)
    };
    let y = along(x, 2, h, size[0])?;
    along(&y, 3, w, size[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_is_tensorflows() {
        // Stride 2 on an even size: the extra row goes after.
        assert_eq!(same_pads(192, 3, 2), (0, 1));
        assert_eq!(same_pads(192, 5, 1), (2, 2));
        assert_eq!(same_pads(24, 2, 2), (0, 0));
        assert_eq!(same_pads(7, 3, 2), (1, 1));
    }

    #[test]
    fn resize_doubles_like_tflite() {
        // 1 x 1 x 1 x 2 row [0, 1] -> 4 columns: source 0, 0.5, 1, 1.5 (clamped to 1).
        let x = Tensor::new(&[0f32, 1.0], &Device::Cpu)
            .unwrap()
            .reshape((1, 1, 1, 2))
            .unwrap();
        let y = resize_bilinear(&x, [1, 4], false, false).unwrap();
        let v: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(v, vec![0.0, 0.5, 1.0, 1.0]);
        // Half-pixel centres: -0.25 (clamped, weight on the first), 0.25, 0.75, 1.25.
        let y = resize_bilinear(&x, [1, 4], false, true).unwrap();
        let v: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(v, vec![0.0, 0.25, 0.75, 1.0]);
    }
}
