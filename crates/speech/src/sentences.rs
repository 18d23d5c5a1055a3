//! Whisper's segments cut into sentences with their own start and end, the lines of an AssistQ
//! `script.txt`.
//!
//! A segment may hold several sentences, and a sentence may run over two segments (a window
//! boundary, a pause mid-sentence). The segments' text is read as one stream; each character
//! takes a time interpolated linearly inside its segment, and a sentence ends at `.`, `!` or `?`
//! followed by a space (or at the end). A sentence starts at its first character's time and
//! ends at its last one's, so a line says when its words were spoken, to the granularity of
//! Whisper's timestamps.

use serde::Serialize;

use crate::whisper::Segment;

/// One sentence of the narration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Seconds from the start of the recording.
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// The sentences of `segments`, in order.
pub fn sentences(segments: &[Segment]) -> Vec<Line> {
    // (character, time) for the whole stream; segments are joined by a space.
    let mut chars: Vec<(char, f64)> = Vec::new();
    for segment in segments {
        let text = segment.text.trim();
        if text.is_empty() {
            continue;
        }
        if !chars.is_empty() {
            chars.push((' ', segment.start));
        }
        let n = text.chars().count().max(1) as f64;
        let span = (segment.end - segment.start).max(0.0);
        for (i, c) in text.chars().enumerate() {
            chars.push((c, segment.start + span * (i as f64 + 0.5) / n));
        }
    }
    let mut lines = Vec::new();
    let mut current: Vec<(char, f64)> = Vec::new();
    let flush = |current: &mut Vec<(char, f64)>, lines: &mut Vec<Line>| {
        let text: String = current.iter().map(|(c, _)| *c).collect();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().any(char::is_alphanumeric) {
            let first = current.iter().find(|(c, _)| !c.is_whitespace());
            let last = current.iter().rev().find(|(c, _)| !c.is_whitespace());
            if let (Some(&(_, start)), Some(&(_, end))) = (first, last) {
                lines.push(Line { start, end, text });
            }
        }
        current.clear();
    };
    for (i, &(c, t)) in chars.iter().enumerate() {
        current.push((c, t));
        let next = chars.get(i + 1).map(|(c, _)| *c);
        if matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace) {
            flush(&mut current, &mut lines);
        }
    }
    flush(&mut current, &mut lines);
    lines
}

/// The lines as a `script.txt` (whole seconds; a line never ends before it starts).
pub fn to_script(lines: &[Line]) -> assistq::script::Script {
    assistq::script::Script {
        lines: lines
            .iter()
            .enumerate()
            .map(|(i, l)| assistq::script::ScriptLine {
                line: i + 1,
                start: l.start.floor(),
                end: l.end.ceil().max(l.start.floor()),
                // A sentence is one script line: its inner ". " would split it again.
                text: l.text.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: f64, end: f64, text: &str) -> Segment {
        Segment {
            start,
            end,
            text: text.into(),
        }
    }

    #[test]
    fn splits_merges_and_times_sentences() {
        let lines = sentences(&[
            seg(0.0, 4.0, " Press the power button. Then turn the knob"),
            seg(4.0, 6.0, " to 60 degrees."),
            seg(6.5, 8.0, "Hold start for 3 s! Done"),
        ]);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Press the power button.",
                "Then turn the knob to 60 degrees.",
                "Hold start for 3 s!",
                "Done"
            ]
        );
        // "Press the power button." is 23 of the first segment's 42 characters: about 2.1 s.
        assert!(
            lines[0].start < 0.1 && (2.0..2.3).contains(&lines[0].end),
            "{:?}",
            lines[0]
        );
        assert!(lines[1].start > 2.1 && lines[1].start < 2.5 && lines[1].end > 5.5);
        assert!(lines[2].start >= 6.5);
        // Times never go backwards.
        for pair in lines.windows(2) {
            assert!(pair[0].end <= pair[1].start + 1e-9);
        }
        let script = to_script(&lines);
        assert_eq!(
            script.to_text().lines().next(),
            Some("0:00:00-0:00:03 Press the power button.")
        );
    }

    #[test]
    fn punctuation_only_or_empty_segments_make_no_line() {
        assert!(sentences(&[seg(0.0, 1.0, " ..."), seg(1.0, 2.0, "  ")]).is_empty());
        // A decimal point is not a sentence end.
        let lines = sentences(&[seg(0.0, 2.0, "Set 2.5 cups. Go.")]);
        assert_eq!(lines.len(), 2);
    }
}
