//! The generator's errors; each names the file it was writing or the setting that was wrong.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder that cannot be read or written (the message names it).
    #[error(transparent)]
    Io(#[from] assistq::FileError),
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("{path}: video encoding failed: {message}")]
    Video { path: PathBuf, message: String },
    #[error("invalid option: {0}")]
    Option(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io(assistq::FileError::new(path.into(), source))
    }

    pub(crate) fn video(path: impl Into<PathBuf>, message: impl ToString) -> Self {
        Error::Video {
            path: path.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn from_assistq(error: assistq::Error, path: impl Into<PathBuf>) -> Self {
        Error::Format {
            path: path.into(),
            message: error.to_string(),
        }
    }
}
