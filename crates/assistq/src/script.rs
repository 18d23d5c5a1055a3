//! `script.txt`: the narration of the instructional video (docs/q2a.md §1.2), one segment per line
//! as `H:MM:SS-H:MM:SS <text>`, and its split into sentences exactly as the reference
//! encoder does it (`line[16:].strip().split('. ')`, flattened over lines).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{quote, Problem, Severity};
use crate::{fsutil, Error};

/// One narration segment.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptLine {
    /// 1-based line number in the file.
    pub line: usize,
    /// Start and end, in seconds.
    pub start: f64,
    pub end: f64,
    /// The narration text, surrounding whitespace removed.
    pub text: String,
}

/// One sentence of the narration, with the line it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    pub text: String,
    pub line: usize,
    pub start: f64,
    pub end: f64,
}

/// A parsed `script.txt`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Script {
    pub lines: Vec<ScriptLine>,
}

/// A problem on one line, before it is tied to a file.
struct LineFinding {
    severity: Severity,
    line: usize,
    message: String,
}

const EXPECTED_FORMAT: &str = "`H:MM:SS-H:MM:SS text`";

impl Script {
    /// Reads and parses `script.txt`.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = fsutil::read_utf8(path)?;
        Self::parse(&text, path)
    }

    /// Parses script text; the first malformed line is the error. Blank lines are skipped.
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let (script, findings) = parse_lines(text);
        match findings.into_iter().find(|f| f.severity == Severity::Error) {
            Some(f) => Err(Error::Line {
                path: path.to_path_buf(),
                line: f.line,
                message: f.message,
            }),
            None => Ok(script),
        }
    }

    /// Parses what it can and returns every problem; malformed lines are left out.
    pub fn parse_lenient(text: &str, path: &Path) -> (Self, Vec<Problem>) {
        let (script, findings) = parse_lines(text);
        let problems = findings
            .into_iter()
            .map(|f| Problem {
                severity: f.severity,
                file: path.to_path_buf(),
                location: format!("line {}", f.line),
                message: f.message,
            })
            .collect();
        (script, problems)
    }

    /// The sentences the reference encoder feeds to the text model: each line's text split on
    /// `". "` exactly like Python's `str.split('. ')` (pieces not stripped, empty pieces kept,
    /// so an empty line still yields one empty sentence), flattened in line order.
    pub fn sentences(&self) -> Vec<Sentence> {
        self.lines
            .iter()
            .flat_map(|line| {
                line.text.split(". ").map(move |piece| Sentence {
                    text: piece.to_string(),
                    line: line.line,
                    start: line.start,
                    end: line.end,
                })
            })
            .collect()
    }

    /// The script in file format, one `H:MM:SS-H:MM:SS text` line per segment.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(&format_time(line.start));
            out.push('-');
            out.push_str(&format_time(line.end));
            if !line.text.is_empty() {
                out.push(' ');
                out.push_str(&line.text);
            }
            out.push('\n');
        }
        out
    }

    /// Writes the script atomically.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        fsutil::write_atomic(path, self.to_text().as_bytes()).map_err(|e| Error::io(path, e))
    }
}

/// Formats seconds as `H:MM:SS` (hours unpadded), rounding to whole seconds.
pub fn format_time(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.round() as u64
    } else {
        0
    };
    format!(
        "{}:{:02}:{:02}",
        total / 3600,
        (total / 60) % 60,
        total % 60
    )
}

/// Parses `H:MM:SS` at the start of `s`; returns seconds and the rest. Errors say what was
/// wrong with a timestamp that has the right shape but impossible values.
/// The largest hour a timestamp may have (over eleven years): any larger is a typo or a crafted
/// file, and would overflow the seconds.
pub const MAX_HOURS: u64 = 99_999;

fn parse_time(s: &str) -> Option<Result<(u64, &str), String>> {
    let hour_digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if hour_digits == 0 {
        return None;
    }
    let rest = &s[hour_digits..];
    let bytes = rest.as_bytes();
    let shape_ok = bytes.len() >= 6
        && bytes[0] == b':'
        && bytes[1..3].iter().all(u8::is_ascii_digit)
        && bytes[3] == b':'
        && bytes[4..6].iter().all(u8::is_ascii_digit);
    if !shape_ok {
        return None;
    }
    let hours: u64 = match s[..hour_digits].parse() {
        Ok(h) if h <= MAX_HOURS => h,
        _ => {
            return Some(Err(format!(
                "hour `{}` is too large: expected at most {MAX_HOURS}",
                quote(&s[..hour_digits])
            )))
        }
    };
    let minutes: u64 = rest[1..3].parse().expect("two ASCII digits");
    let secs: u64 = rest[4..6].parse().expect("two ASCII digits");
    let stamp = &s[..hour_digits + 6];
    if minutes >= 60 {
        return Some(Err(format!(
            "minutes in `{stamp}` are {minutes}: expected 00-59"
        )));
    }
    if secs >= 60 {
        return Some(Err(format!(
            "seconds in `{stamp}` are {secs}: expected 00-59"
        )));
    }
    Some(Ok((hours * 3600 + minutes * 60 + secs, &rest[6..])))
}

/// Parses one non-blank line into (start, end, text) seconds, or says what is wrong.
fn parse_line(line: &str) -> Result<(u64, u64, &str), String> {
    let format_error = || format!("expected {EXPECTED_FORMAT}, found `{}`", quote(line));
    let (start, rest) = parse_time(line).ok_or_else(format_error)??;
    let rest = rest.strip_prefix('-').ok_or_else(format_error)?;
    let (end, rest) = parse_time(rest).ok_or_else(format_error)??;
    // The timestamp must be followed by whitespace (or nothing): `0:00:00-0:00:04x` would be
    // mis-cut by the reference's fixed 16-character offset.
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return Err(format_error());
    }
    if end < start {
        return Err(format!(
            "end time {} is before start time {}: expected end >= start",
            format_time(end as f64),
            format_time(start as f64)
        ));
    }
    Ok((start, end, rest.trim()))
}

fn parse_lines(text: &str) -> (Script, Vec<LineFinding>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut script = Script::default();
    let mut findings = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            findings.push(LineFinding {
                severity: Severity::Warning,
                line,
                message: "blank line: expected `H:MM:SS-H:MM:SS text` (skipped)".into(),
            });
            continue;
        }
        match parse_line(raw) {
            Ok((start, end, body)) => {
                if body.is_empty() {
                    findings.push(LineFinding {
                        severity: Severity::Warning,
                        line,
                        message:
                            "no narration text after the timestamps (gives one empty sentence)"
                                .into(),
                    });
                }
                if let Some(previous) = script.lines.last() {
                    if (start as f64) < previous.start {
                        findings.push(LineFinding {
                            severity: Severity::Warning,
                            line,
                            message: format!(
                                "starts at {}, before the previous line (line {}) starts at {}: expected lines in time order",
                                format_time(start as f64),
                                previous.line,
                                format_time(previous.start)
                            ),
                        });
                    }
                }
                script.lines.push(ScriptLine {
                    line,
                    start: start as f64,
                    end: end as f64,
                    text: body.to_string(),
                });
            }
            Err(message) => findings.push(LineFinding {
                severity: Severity::Error,
                line,
                message,
            }),
        }
    }
    (script, findings)
}
