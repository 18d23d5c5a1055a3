//! Function paragraphs of a script and TF-IDF question-to-paragraph scores: the pre-processing of
//! the 2022 challenge winner's function-centric grounding (docs/q2a.md section 3.6), which
//! `MODEL.ARCH: q2a_function` consumes.
//!
//! A new paragraph starts at every line whose text starts with one of [`PARAGRAPH_STARTS`] (plain
//! prefix tests, so "Touch ..." also opens one, as in the original); the text of a paragraph is its
//! lines joined with no separator, its span from the start of its first line to the end of its last.

use serde::{Deserialize, Serialize};

use crate::script::Script;

/// Line prefixes that open a new function paragraph.
pub const PARAGRAPH_STARTS: &[&str] = &[
    "To",
    "to",
    "First",
    "If",
    "IN this case",
    "In this case",
    "By",
    "Else,",
    "How to",
    "You can",
    "in order to",
    "This is how to",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paragraph {
    pub text: String,
    /// Seconds.
    pub start: f64,
    pub end: f64,
    /// 1-based script lines it is made of.
    pub lines: Vec<usize>,
}

/// The script's function paragraphs, in order. Lines with no text are skipped (the original keeps
/// only lines longer than the 16-character time prefix).
pub fn paragraphs(script: &Script) -> Vec<Paragraph> {
    let mut out: Vec<Paragraph> = Vec::new();
    for line in script.lines.iter().filter(|l| !l.text.is_empty()) {
        let opens = PARAGRAPH_STARTS.iter().any(|p| line.text.starts_with(p));
        match out.last_mut() {
            Some(para) if !opens => {
                para.text.push_str(&line.text);
                para.end = line.end;
                para.lines.push(line.line);
            }
            _ => out.push(Paragraph {
                text: line.text.clone(),
                start: line.start,
                end: line.end,
                lines: vec![line.line],
            }),
        }
    }
    out
}

/// Word tokens as the original scores them: non-word characters become separators, and the word
/// "How" / "how" is dropped.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty() && *t != "How" && *t != "how")
        .map(str::to_string)
        .collect()
}

/// TF-IDF score of `query` against each document: the sum over the query's tokens (repeats
/// included) of `tf * idf`, with `tf = count / len(doc)` and `idf = ln(N / (df + 1))` over the N
/// documents given. A document without tokens scores 0.
pub fn tfidf_scores(query: &str, docs: &[&str]) -> Vec<f64> {
    let docs: Vec<Vec<String>> = docs.iter().map(|d| tokens(d)).collect();
    let n = docs.len() as f64;
    let q = tokens(query);
    docs.iter()
        .map(|doc| {
            if doc.is_empty() {
                return 0.0;
            }
            q.iter()
                .map(|t| {
                    let count = doc.iter().filter(|w| *w == t).count() as f64;
                    if count == 0.0 {
                        return 0.0;
                    }
                    let df = docs.iter().filter(|d| d.contains(t)).count() as f64;
                    count / doc.len() as f64 * (n / (df + 1.0)).ln()
                })
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn paragraphs_open_on_the_prefixes() {
        let script = Script::parse(
            "0:00:00-0:00:04 To set the clock, press the clock key.\n\
             0:00:04-0:00:07 Turn the dial.\n\
             0:00:07-0:00:09 Touch start to begin.\n\
             0:00:09-0:00:12\n\
             0:00:12-0:00:15 If the door is open, close it.\n\
             0:00:15-0:00:20 Then wait.\n",
            Path::new("script.txt"),
        )
        .unwrap();
        let p = paragraphs(&script);
        // "Touch" opens a paragraph because it starts with "To" (as in the original).
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[0].text,
            "To set the clock, press the clock key.Turn the dial."
        );
        assert_eq!((p[0].start, p[0].end), (0.0, 7.0));
        assert_eq!(p[0].lines, [1, 2]);
        assert_eq!(p[1].text, "Touch start to begin.");
        assert_eq!((p[2].start, p[2].end), (12.0, 20.0));
        assert_eq!(p[2].lines, [5, 6]);
    }

    #[test]
    fn tfidf_by_hand() {
        assert_eq!(
            tokens("How do I set the timer?"),
            ["do", "I", "set", "the", "timer"]
        );
        let docs = ["set the timer", "press start", "open the door", "the end"];
        let s = tfidf_scores("how to set the timer", &docs);
        // "set" and "timer": tf 1/3, df 1, idf ln(4/2); "the": df 3, idf ln(4/4) = 0; "to": absent.
        let want0 = 2.0 * (1.0 / 3.0) * (2.0f64).ln();
        assert!((s[0] - want0).abs() < 1e-12, "{s:?}");
        assert_eq!(s[1], 0.0);
        assert!(s[0] > s[2] && s[0] > s[3]);
        assert_eq!(tfidf_scores("x", &[""]), [0.0]);
    }
}
