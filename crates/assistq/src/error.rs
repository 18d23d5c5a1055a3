//! The crate's error type: every variant names the file and, where it helps, the line or
//! JSON path, so a message alone tells the user what to fix.

use std::path::PathBuf;

/// Everything that can go wrong reading, writing or evaluating AssistQ files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder that cannot be read or written (the message names it).
    #[error(transparent)]
    Io(#[from] crate::FileError),
    /// The file is not UTF-8; `line` and `column` (1-based, column in bytes) locate the first
    /// bad byte.
    #[error("{}: line {line}: not valid UTF-8 (first bad byte at byte {column} of the line)", path.display())]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    /// The file is not syntactically valid JSON.
    #[error("{}: line {line}, column {column}: invalid JSON: {message}", path.display())]
    JsonSyntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid JSON with the wrong shape; `location` is a JSON path such as
    /// `microwave_abc12[0].answers[1][2]`.
    #[error("{}: {location}: {message}", path.display())]
    JsonSchema {
        path: PathBuf,
        location: String,
        message: String,
    },
    /// A malformed line of a line-oriented file (`script.txt`, `buttons.csv`); `line` is 1-based.
    #[error("{}: line {line}: {message}", path.display())]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// Predictions and ground truth do not fit together. `step` is 1-based where the problem
    /// concerns one step; the message repeats it for the user.
    #[error("folder {folder}, question {question:?}: {message}")]
    Mismatch {
        folder: String,
        question: String,
        step: Option<usize>,
        message: String,
    },
    /// A path that does not hold the expected dataset layout (no appliance folder, or several
    /// where one was meant).
    #[error("{}: {message}", path.display())]
    Layout { path: PathBuf, message: String },
    /// There was nothing to evaluate (no steps at all).
    #[error("nothing to evaluate: {0}")]
    Empty(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io(crate::FileError::new(path.into(), source))
    }
}
