//! The CodaLab submission / prediction file (docs/q2a.md §1.5):
//! `{ "<folder>": [ {"question": "...", "scores": [[score per candidate] per step]} ] }`.
//! Predictions are matched to ground truth by exact question string within a folder.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::qa::{describe, parse_json};
use crate::{fsutil, Error};

/// The scores a model gave one question's candidates, per step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub question: String,
    pub scores: Vec<Vec<f32>>,
}

/// A whole submission, folders in first-seen order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Submission {
    pub folders: Vec<(String, Vec<Prediction>)>,
}

impl Submission {
    /// Reads and validates a submission file.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = fsutil::read_utf8(path)?;
        Self::parse(&text, path)
    }

    /// Parses submission JSON; errors name the JSON path (`folder[0].scores[1][2]`).
    /// Unknown keys in a prediction are ignored.
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let schema_error = |location: String, message: String| Error::JsonSchema {
            path: path.to_path_buf(),
            location,
            message,
        };
        let expected = |location: String, what: &str, found: &Value| {
            schema_error(
                location,
                format!("expected {what}, found {}", describe(found)),
            )
        };

        let root = parse_json(text, path)?;
        let Value::Object(folders) = root else {
            return Err(expected(
                "top level".into(),
                "an object mapping folder names to lists of predictions",
                &root,
            ));
        };
        let mut submission = Submission::default();
        for (folder, value) in &folders {
            let Value::Array(items) = value else {
                return Err(expected(folder.clone(), "an array of predictions", value));
            };
            let mut predictions = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let location = format!("{folder}[{i}]");
                let Value::Object(object) = item else {
                    return Err(expected(
                        location,
                        "an object with keys question, scores",
                        item,
                    ));
                };
                let question = match object.get("question") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => {
                        return Err(expected(format!("{location}.question"), "a string", other))
                    }
                    None => {
                        return Err(schema_error(
                            location,
                            "missing key `question`: expected the original question string".into(),
                        ))
                    }
                };
                let steps =
                    match object.get("scores") {
                        Some(Value::Array(steps)) => steps,
                        Some(other) => {
                            return Err(expected(
                                format!("{location}.scores"),
                                "an array of steps (arrays of numbers)",
                                other,
                            ))
                        }
                        None => return Err(schema_error(
                            location,
                            "missing key `scores`: expected an array of steps (arrays of numbers)"
                                .into(),
                        )),
                    };
                let mut scores = Vec::with_capacity(steps.len());
                for (s, step) in steps.iter().enumerate() {
                    let Value::Array(values) = step else {
                        return Err(expected(
                            format!("{location}.scores[{s}]"),
                            "an array of numbers",
                            step,
                        ));
                    };
                    let mut row = Vec::with_capacity(values.len());
                    for (c, v) in values.iter().enumerate() {
                        match v.as_f64() {
                            Some(x) => row.push(x as f32),
                            None => {
                                return Err(expected(
                                    format!("{location}.scores[{s}][{c}]"),
                                    "a number",
                                    v,
                                ))
                            }
                        }
                    }
                    scores.push(row);
                }
                predictions.push(Prediction { question, scores });
            }
            submission.folders.push((folder.clone(), predictions));
        }
        Ok(submission)
    }

    /// Pretty JSON, folders and predictions in order. Non-finite scores (which JSON cannot
    /// hold) come out as `null`, which [`Submission::parse`] rejects.
    pub fn to_json_string(&self) -> String {
        let mut root = Map::new();
        for (folder, predictions) in &self.folders {
            let list = predictions
                .iter()
                .map(|p| serde_json::to_value(p).expect("predictions serialize"))
                .collect();
            root.insert(folder.clone(), Value::Array(list));
        }
        serde_json::to_string_pretty(&Value::Object(root))
            .expect("serializing a JSON value to a string cannot fail")
    }

    /// Writes the file atomically.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let mut text = self.to_json_string();
        text.push('\n');
        fsutil::write_atomic(path, text.as_bytes()).map_err(|e| Error::io(path, e))
    }

    /// Appends `prediction` to `folder`'s entry, creating it (at the end) if needed.
    pub fn push(&mut self, folder: &str, prediction: Prediction) {
        match self.folders.iter_mut().find(|(name, _)| name == folder) {
            Some((_, predictions)) => predictions.push(prediction),
            None => self.folders.push((folder.to_string(), vec![prediction])),
        }
    }
}
