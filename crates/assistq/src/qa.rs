//! The QA label files `train.json`, `test_without_gt.json` and `test_with_gt.json`
//! (docs/q2a.md §1.4): an object mapping each appliance folder to its list of questions, each with
//! candidate answers per step, the 1-based `correct` index per step (absent in
//! `test_without_gt.json`) and the user-view image per step.
//!
//! Parsing walks the JSON tree by hand rather than through serde's derive so that every
//! problem names its JSON path (`microwave_abc12[0].answers[1][2]`), and so that the dataset
//! checker can collect all problems instead of stopping at the first.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diagnostic::{Problem, Severity};
use crate::{fsutil, Error};

/// One question of one appliance folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Qa {
    pub question: String,
    /// Per step, the candidate answer strings (they name buttons as `<buttonN>`).
    pub answers: Vec<Vec<String>>,
    /// Per step, the 1-based index of the right candidate; `None` in `test_without_gt.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<Vec<usize>>,
    /// Per step, the user-view image file name (in the folder's `images/`).
    pub images: Vec<String>,
    /// Any other keys (e.g. `sents_score`, `paras_score` from forks' pre-processing), kept
    /// verbatim and in order so that a read/write round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A whole QA label file, folders in the order the file lists them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QaFile {
    pub folders: Vec<(String, Vec<Qa>)>,
}

/// One schema problem found while walking the JSON tree.
#[derive(Debug, Clone)]
pub(crate) struct SchemaFinding {
    pub severity: Severity,
    pub location: String,
    pub message: String,
}

/// The result of a lenient walk: everything usable, plus every problem.
#[derive(Debug, Default)]
pub(crate) struct LenientQa {
    /// Every top-level key, even those whose value is unusable, so that the checker does not
    /// also call the folder on disk "not in any JSON".
    pub named_folders: Vec<String>,
    /// Well-typed questions with their index in the file's list (for locations).
    pub folders: Vec<(String, Vec<(usize, Qa)>)>,
    pub findings: Vec<SchemaFinding>,
}

impl QaFile {
    /// Reads and validates a QA label file.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = fsutil::read_utf8(path)?;
        Self::parse(&text, path)
    }

    /// Parses and validates QA JSON text; `path` is only used in error messages. Besides the
    /// types, the invariants downstream code indexes by are enforced: one image and (when
    /// present) one `correct` per step, no empty step, every `correct` in range.
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let root = parse_json(text, path)?;
        let lenient = walk(&root);
        if let Some(first) = lenient
            .findings
            .iter()
            .find(|f| f.severity == Severity::Error)
        {
            return Err(Error::JsonSchema {
                path: path.to_path_buf(),
                location: first.location.clone(),
                message: first.message.clone(),
            });
        }
        Ok(lenient.into_qa_file())
    }

    /// Parses as much as possible and returns every problem (syntax, types, invariants).
    /// Questions with type errors are left out of the returned file.
    pub fn parse_lenient(text: &str, path: &Path) -> (Self, Vec<Problem>) {
        let (lenient, problems) = parse_lenient_detailed(text, path);
        (lenient.into_qa_file(), problems)
    }

    /// Pretty JSON with each question's keys in the order `question`, `answers`, `correct`
    /// (only when present), `images`, then the extra keys.
    pub fn to_json_string(&self) -> String {
        let mut root = Map::new();
        for (folder, questions) in &self.folders {
            let list = questions.iter().map(qa_to_value).collect();
            root.insert(folder.clone(), Value::Array(list));
        }
        serde_json::to_string_pretty(&Value::Object(root))
            .expect("serializing a JSON value to a string cannot fail")
    }

    /// Writes the file atomically (see [`fsutil::write_atomic`]).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let mut text = self.to_json_string();
        text.push('\n');
        fsutil::write_atomic(path, text.as_bytes()).map_err(|e| Error::io(path, e))
    }

    /// The questions of `folder`, if the file lists it.
    pub fn get(&self, folder: &str) -> Option<&[Qa]> {
        self.folders
            .iter()
            .find(|(name, _)| name == folder)
            .map(|(_, questions)| questions.as_slice())
    }
}

impl LenientQa {
    fn into_qa_file(self) -> QaFile {
        QaFile {
            folders: self
                .folders
                .into_iter()
                .map(|(name, qas)| (name, qas.into_iter().map(|(_, qa)| qa).collect()))
                .collect(),
        }
    }
}

fn qa_to_value(qa: &Qa) -> Value {
    let mut object = Map::new();
    object.insert("question".into(), Value::String(qa.question.clone()));
    object.insert(
        "answers".into(),
        serde_json::to_value(&qa.answers).expect("strings serialize"),
    );
    if let Some(correct) = &qa.correct {
        object.insert(
            "correct".into(),
            serde_json::to_value(correct).expect("integers serialize"),
        );
    }
    object.insert(
        "images".into(),
        serde_json::to_value(&qa.images).expect("strings serialize"),
    );
    for (key, value) in &qa.extra {
        object.insert(key.clone(), value.clone());
    }
    Value::Object(object)
}

/// Parses JSON text into a value, mapping syntax errors to [`Error::JsonSyntax`].
pub(crate) fn parse_json(text: &str, path: &Path) -> Result<Value, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|e| Error::JsonSyntax {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: strip_serde_position(&e.to_string()),
    })
}

/// serde_json appends " at line L column C" to its messages; we report the position
/// separately, so drop the duplicate.
fn strip_serde_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Converts an [`Error`] produced while reading a file into a [`Problem`] for reports.
pub(crate) fn error_to_problem(error: Error, path: &Path) -> Problem {
    let (location, message) = match error {
        Error::JsonSyntax {
            line,
            column,
            message,
            ..
        } => (
            format!("line {line}, column {column}"),
            format!("invalid JSON: {message}"),
        ),
        Error::NotUtf8 { line, column, .. } => (
            format!("line {line}"),
            format!("not valid UTF-8: first bad byte at byte {column} of the line"),
        ),
        Error::Io(e) => (String::new(), format!("cannot read: {}", e.source)),
        Error::JsonSchema {
            location, message, ..
        } => (location, message),
        Error::Line { line, message, .. } => (format!("line {line}"), message),
        other => (String::new(), other.to_string()),
    };
    Problem {
        severity: Severity::Error,
        file: path.to_path_buf(),
        location,
        message,
    }
}

/// The lenient parse used by [`QaFile::parse_lenient`] and the dataset checker.
pub(crate) fn parse_lenient_detailed(text: &str, path: &Path) -> (LenientQa, Vec<Problem>) {
    let root = match parse_json(text, path) {
        Ok(root) => root,
        Err(error) => return (LenientQa::default(), vec![error_to_problem(error, path)]),
    };
    let lenient = walk(&root);
    let problems = lenient
        .findings
        .iter()
        .map(|f| Problem {
            severity: f.severity,
            file: path.to_path_buf(),
            location: f.location.clone(),
            message: f.message.clone(),
        })
        .collect();
    (lenient, problems)
}

/// Describes a JSON value's type for "expected X, found Y" messages.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Collects findings during the walk.
struct Walker {
    findings: Vec<SchemaFinding>,
}

impl Walker {
    fn error(&mut self, location: String, message: String) {
        self.findings.push(SchemaFinding {
            severity: Severity::Error,
            location,
            message,
        });
    }

    fn expected(&mut self, location: String, what: &str, found: &Value) {
        self.error(
            location,
            format!("expected {what}, found {}", describe(found)),
        );
    }

    fn string(&mut self, value: &Value, location: String) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            other => {
                self.expected(location, "a string", other);
                None
            }
        }
    }

    fn string_list(&mut self, value: &Value, location: &str) -> Option<Vec<String>> {
        let Value::Array(items) = value else {
            self.expected(location.to_string(), "an array of strings", value);
            return None;
        };
        let mut ok = true;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match self.string(item, format!("{location}[{i}]")) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn qa(&mut self, value: &Value, location: &str) -> Option<Qa> {
        let Value::Object(object) = value else {
            self.expected(
                location.to_string(),
                "an object with keys question, answers, images",
                value,
            );
            return None;
        };
        let mut ok = true;
        let missing = |walker: &mut Walker, key: &str, what: &str| {
            walker.error(
                location.to_string(),
                format!("missing key `{key}`: expected {what}"),
            );
        };

        let question = match object.get("question") {
            Some(v) => self.string(v, format!("{location}.question")),
            None => {
                missing(self, "question", "the question string");
                None
            }
        };
        ok &= question.is_some();

        let answers = match object.get("answers") {
            Some(Value::Array(steps)) => {
                let mut steps_ok = true;
                let mut out = Vec::with_capacity(steps.len());
                for (s, step) in steps.iter().enumerate() {
                    match self.string_list(step, &format!("{location}.answers[{s}]")) {
                        Some(list) => out.push(list),
                        None => steps_ok = false,
                    }
                }
                steps_ok.then_some(out)
            }
            Some(other) => {
                self.expected(
                    format!("{location}.answers"),
                    "an array of steps (arrays of answer strings)",
                    other,
                );
                None
            }
            None => {
                missing(
                    self,
                    "answers",
                    "an array of steps (arrays of answer strings)",
                );
                None
            }
        };
        ok &= answers.is_some();

        let correct = match object.get("correct") {
            None => Some(None),
            Some(Value::Array(items)) => {
                let mut items_ok = true;
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item.as_u64() {
                        Some(n) if n >= 1 => out.push(n as usize),
                        _ => {
                            let found = match item {
                                Value::Number(n) => format!("{n}"),
                                other => describe(other).to_string(),
                            };
                            self.error(
                                format!("{location}.correct[{i}]"),
                                format!("expected a 1-based candidate index (integer >= 1), found {found}"),
                            );
                            items_ok = false;
                        }
                    }
                }
                items_ok.then_some(Some(out))
            }
            Some(other) => {
                self.expected(
                    format!("{location}.correct"),
                    "an array of 1-based candidate indices",
                    other,
                );
                None
            }
        };
        ok &= correct.is_some();

        let images = match object.get("images") {
            Some(v) => self
                .string_list(v, &format!("{location}.images"))
                .and_then(|names| {
                    let bad: Vec<(usize, &String)> = names
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| !crate::layout::is_plain_name(n))
                        .collect();
                    for (i, name) in &bad {
                        self.error(
                            format!("{location}.images[{i}]"),
                            crate::layout::plain_name_problem("image name", name),
                        );
                    }
                    bad.is_empty().then_some(names)
                }),
            None => {
                missing(self, "images", "an array of image file names, one per step");
                None
            }
        };
        ok &= images.is_some();

        if !ok {
            return None;
        }
        let extra = object
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "question" | "answers" | "correct" | "images"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let qa = Qa {
            question: question?,
            answers: answers?,
            correct: correct?,
            images: images?,
            extra,
        };
        self.invariants(&qa, location);
        Some(qa)
    }

    /// The per-step shape rules: counts agree, no empty step, `correct` in range.
    fn invariants(&mut self, qa: &Qa, location: &str) {
        let steps = qa.answers.len();
        if steps == 0 {
            self.error(
                format!("{location}.answers"),
                "no steps: expected at least one step of candidate answers".into(),
            );
        }
        if qa.images.len() != steps {
            self.error(
                format!("{location}.images"),
                format!(
                    "has {} entries but answers has {steps} steps: expected one image per step",
                    qa.images.len()
                ),
            );
        }
        for (s, step) in qa.answers.iter().enumerate() {
            if step.is_empty() {
                self.error(
                    format!("{location}.answers[{s}]"),
                    format!(
                        "step {} is empty: expected at least one candidate answer",
                        s + 1
                    ),
                );
            }
        }
        if let Some(correct) = &qa.correct {
            if correct.len() != steps {
                self.error(
                    format!("{location}.correct"),
                    format!(
                        "has {} entries but answers has {steps} steps: expected one 1-based index per step",
                        correct.len()
                    ),
                );
            }
            for (s, (&c, step)) in correct.iter().zip(&qa.answers).enumerate() {
                if c == 0 || c > step.len() {
                    self.error(
                        format!("{location}.correct[{s}]"),
                        format!(
                            "is {c} but step {} has {} candidates: expected 1..={} (1-based)",
                            s + 1,
                            step.len(),
                            step.len()
                        ),
                    );
                }
            }
        }
    }
}

/// Walks a parsed QA file, collecting every problem.
pub(crate) fn walk(root: &Value) -> LenientQa {
    let mut walker = Walker {
        findings: Vec::new(),
    };
    let mut out = LenientQa::default();
    let Value::Object(folders) = root else {
        walker.expected(
            "top level".into(),
            "an object mapping folder names to lists of questions",
            root,
        );
        out.findings = walker.findings;
        return out;
    };
    for (folder, value) in folders {
        if !crate::layout::is_plain_name(folder) {
            walker.error(
                folder.escape_debug().to_string(),
                crate::layout::plain_name_problem("folder name", folder),
            );
            continue;
        }
        out.named_folders.push(folder.clone());
        let Value::Array(items) = value else {
            walker.expected(folder.clone(), "an array of questions", value);
            continue;
        };
        let mut questions = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(qa) = walker.qa(item, &format!("{folder}[{i}]")) {
                questions.push((i, qa));
            }
        }
        out.folders.push((folder.clone(), questions));
    }
    out.findings = walker.findings;
    out
}
