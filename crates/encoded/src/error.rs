//! Errors of the encoded-features layout. Each names the file it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder that cannot be read or written (the message names it).
    #[error(transparent)]
    Io(#[from] assistq::FileError),
    /// Encoded features that are missing, malformed or inconsistent with each other.
    #[error("{path}: {message}")]
    Features { path: PathBuf, message: String },
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io(assistq::FileError::new(path.into(), source))
    }
    pub fn features(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Features {
            path: path.into(),
            message: message.into(),
        }
    }
}
