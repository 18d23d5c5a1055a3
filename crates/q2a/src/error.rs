//! Errors of the Q2A engine. Each names the file, config key or sample it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that cannot be read or written, or encoded features that are missing, malformed
    /// or inconsistent with the config (the encoded layout's own errors).
    #[error(transparent)]
    Encoded(#[from] encoded::Error),
    #[error("config {origin}: {message}")]
    Config { origin: String, message: String },
    #[error("checkpoint {path}: {message}")]
    Checkpoint { path: PathBuf, message: String },
    #[error("{0}")]
    Data(String),
    #[error(transparent)]
    Format(#[from] assistq::Error),
    #[error("device: {0}")]
    Device(String),
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        encoded::Error::io(path, source).into()
    }
    pub fn features(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        encoded::Error::features(path, message).into()
    }
    pub fn checkpoint(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Checkpoint {
            path: path.into(),
            message: message.into(),
        }
    }
    pub fn config(origin: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config {
            origin: origin.into(),
            message: message.into(),
        }
    }
}
