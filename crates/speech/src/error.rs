//! Errors of speech recognition. Each names the file it is about; missing models name the
//! command that installs them.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder that cannot be read or written (the message names it).
    #[error(transparent)]
    Io(#[from] assistq::FileError),
    /// The sound track could not be read (no audio, not media, not a local file).
    #[error(transparent)]
    Media(#[from] media::Error),
    /// A model file that is missing, unreadable or not the model we expect.
    #[error("{}: {message}\n  fix: {FIX_MODELS}", path.display())]
    Model { path: PathBuf, message: String },
    /// The recording holds no speech the model could hear (silence, music, noise).
    #[error("{}: no speech was heard in its sound track ({detail}): type or paste the narration instead", path.display())]
    NoSpeech { path: PathBuf, detail: String },
    /// The network failed while running.
    #[error("running Whisper failed: {0}")]
    Run(String),
}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Self::Run(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The command that installs the pinned speech model, named in every model error.
pub const FIX_MODELS: &str =
    "bash scripts/setup.sh (fetches the wheels) then pressnext models import";
