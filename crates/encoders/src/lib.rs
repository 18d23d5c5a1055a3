//! Frozen encoders that turn tutorial folders into Q2A features: a BERT-family text encoder
//! ([`text`]), a DINOv2-family image encoder ([`dinov2`], [`vision`]), the import of the pinned
//! pretrained weights ([`import`], [`models`]).

pub mod bench;
pub mod bert;
pub mod dinov2;
pub mod embed;
pub mod encode;
pub mod error;
pub mod file_rows;
pub mod import;
pub mod models;
pub mod onnx;
pub mod ops;
pub mod text;
pub mod vision;
pub mod weights;

pub use embed::Embedder;
pub use error::{Error, Result};
