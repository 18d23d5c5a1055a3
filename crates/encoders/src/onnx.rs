//! A view of an ONNX model for the one-time weight import ([`crate::import`]): its float
//! weights as tensors and its node list. Nothing here executes a graph. The protobuf schema
//! itself (`prost` derive, no `protoc`) is the one `ocr::onnx` declares, re-exported here.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use prost::Message;

use crate::error::{Error, Result};

pub use ocr::onnx::{
    data_type, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    DATA_LOCATION_EXTERNAL,
};

/// One graph node (attributes are not read).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub name: String,
    pub op_type: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

/// What [`load`] returns: the float initializers as CPU tensors, and the nodes in file order.
#[derive(Debug)]
pub struct OnnxGraph {
    /// The file this came from, for error messages.
    pub path: PathBuf,
    /// Float (`FLOAT`) initializers by name, with their ONNX shapes.
    pub initializers: BTreeMap<String, Tensor>,
    /// Initializers of other data types (name -> `TensorProto.DataType`), not converted.
    pub other_initializers: BTreeMap<String, i32>,
    pub nodes: Vec<Node>,
}

impl OnnxGraph {
    /// Builds the view from a decoded model; `path` is only used in messages.
    pub fn from_model(model: ModelProto, path: &Path) -> Result<Self> {
        let graph = model
            .graph
            .ok_or_else(|| onnx_err(path, "the model has no graph"))?;
        let mut initializers = BTreeMap::new();
        let mut other_initializers = BTreeMap::new();
        for t in graph.initializer {
            if t.data_type != data_type::FLOAT {
                other_initializers.insert(t.name, t.data_type);
                continue;
            }
            let tensor = tensor_to_candle(&t, path)?;
            initializers.insert(t.name, tensor);
        }
        let nodes = graph
            .node
            .into_iter()
            .map(|n| Node {
                name: n.name,
                op_type: n.op_type,
                inputs: n.input,
                outputs: n.output,
            })
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            initializers,
            other_initializers,
            nodes,
        })
    }

    /// The node producing each value name.
    pub fn producers(&self) -> HashMap<&str, &Node> {
        let mut map = HashMap::new();
        for n in &self.nodes {
            for o in &n.outputs {
                map.insert(o.as_str(), n);
            }
        }
        map
    }

    /// The nodes consuming each value name.
    pub fn consumers(&self) -> HashMap<&str, Vec<&Node>> {
        let mut map: HashMap<&str, Vec<&Node>> = HashMap::new();
        for n in &self.nodes {
            for i in &n.inputs {
                map.entry(i.as_str()).or_default().push(n);
            }
        }
        map
    }
}

/// Reads and decodes an ONNX file (weights must be embedded, not external).
pub fn load(path: &Path) -> Result<OnnxGraph> {
    let bytes = std::fs::read(path)
        .map_err(|source| Error::Io(assistq::FileError::new(path.to_path_buf(), source)))?;
    let model = decode_model(&bytes, path)?;
    OnnxGraph::from_model(model, path)
}

/// Decodes ONNX protobuf bytes; `path` is only used in messages.
pub fn decode_model(bytes: &[u8], path: &Path) -> Result<ModelProto> {
    ModelProto::decode(bytes)
        .map_err(|e| onnx_err(path, format!("not a readable ONNX model (protobuf: {e})")))
}

/// Encodes a model (the tests write small synthetic ONNX files with it).
pub fn encode_model(model: &ModelProto) -> Vec<u8> {
    model.encode_to_vec()
}

fn tensor_to_candle(t: &TensorProto, path: &Path) -> Result<Tensor> {
    if t.data_location == DATA_LOCATION_EXTERNAL {
        return Err(onnx_err(
            path,
            format!(
                "initializer `{}` uses external data, which is not supported",
                t.name
            ),
        ));
    }
    let mut shape = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        if d < 0 {
            return Err(onnx_err(
                path,
                format!("initializer `{}` has dim {d}", t.name),
            ));
        }
        shape.push(d as usize);
    }
    // A product past usize (a crafted file) is an error, not a wrapped multiplication; the zero
    // dimensions are left out too, because the strides of an empty tensor still multiply the
    // others.
    if shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(4usize, |n, &d| n.checked_mul(d))
        .is_none()
    {
        return Err(onnx_err(
            path,
            format!(
                "initializer `{}`: shape {shape:?} has too many elements",
                t.name
            ),
        ));
    }
    let numel: usize = shape.iter().product();
    let data: Vec<f32> = if !t.raw_data.is_empty() {
        if t.raw_data.len() != numel * 4 {
            return Err(onnx_err(
                path,
                format!(
                    "initializer `{}`: {} raw bytes for shape {shape:?} ({} floats)",
                    t.name,
                    t.raw_data.len(),
                    numel
                ),
            ));
        }
        t.raw_data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    } else {
        if t.float_data.len() != numel {
            return Err(onnx_err(
                path,
                format!(
                    "initializer `{}`: {} floats for shape {shape:?} ({} expected)",
                    t.name,
                    t.float_data.len(),
                    numel
                ),
            ));
        }
        t.float_data.clone()
    };
    Ok(Tensor::from_vec(data, shape, &Device::Cpu)?)
}

fn onnx_err(path: &Path, message: impl Into<String>) -> Error {
    Error::Onnx {
        path: path.to_path_buf(),
        message: message.into(),
    }
}
