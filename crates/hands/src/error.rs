//! Errors of the hand finder. Each names the file it is about; missing models name the command
//! that installs them.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that cannot be read (the message names it).
    #[error(transparent)]
    Io(#[from] assistq::FileError),
    /// A model file that is missing, unreadable or not the graph we expect.
    #[error("{path}: {message}\n  fix: {FIX_MODELS}")]
    Model { path: PathBuf, message: String },
    /// The graph failed while running.
    #[error("{path}: running the network failed: {message}")]
    Run { path: PathBuf, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The command that installs the pinned hand models, named in every model error.
pub const FIX_MODELS: &str =
    "bash scripts/setup.sh (fetches the wheels) then pressnext models import";
