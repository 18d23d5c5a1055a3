//! What the format readers and the dataset checker report: a [`Problem`] in a file, its
//! [`Severity`], and how a line is quoted in a message. The readers (`buttons`, `qa`,
//! `script`) and `check` all depend on this module, and it on none of them.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// How bad a problem is: errors break training, inference or evaluation; warnings are
/// suspicious but usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub file: PathBuf,
    /// Where in the file: `"line 3"`, a JSON path such as `"microwave_abc12[0].correct[1]"`,
    /// or `""` for the file as a whole.
    pub location: String,
    /// What was found and what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(
                f,
                "{}: {}: {}",
                self.severity,
                self.file.display(),
                self.message
            )
        } else {
            write!(
                f,
                "{}: {}:{}: {}",
                self.severity,
                self.file.display(),
                self.location,
                self.message
            )
        }
    }
}

/// Shortens a line for quoting in a message.
pub(crate) fn quote(line: &str) -> String {
    const MAX_CHARS: usize = 60;
    if line.chars().count() <= MAX_CHARS {
        line.to_string()
    } else {
        let cut: String = line.chars().take(MAX_CHARS).collect();
        format!("{cut}…")
    }
}
