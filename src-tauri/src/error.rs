//! The error every command rejects with: `{code, message}` (codes in `docs/app.md`), so the UI can
//! say what to do.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl From<assistant::Error> for CommandError {
    fn from(e: assistant::Error) -> Self {
        let p = assistant::ErrorPayload::from(&e);
        CommandError {
            code: p.code,
            message: p.message,
        }
    }
}

impl CommandError {
    /// A command's worker thread died (a bug): report it rather than hang or crash the app.
    pub fn internal(message: impl ToString) -> Self {
        CommandError {
            code: "internal".into(),
            message: message.to_string(),
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn serialises_as_code_and_message() {
        let e: CommandError = assistant::Error::PackNotFound {
            path: PathBuf::from("/x"),
        }
        .into();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "pack.not_found", "message": "/x: no such folder; pick another folder"})
        );
    }
}
