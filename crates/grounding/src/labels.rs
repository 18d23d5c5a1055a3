//! Cue (a): the label read on the photo against the words of the sentence. A label matches when
//! its words appear, in order and together, in the sentence; comparisons ignore case, spaces
//! and punctuation around words and read `0` as `O` (the OCR confuses them in bold faces:
//! "On/0ff"), so "the ON/OFF key", "On/Off" and "on/0ff" are one label. Small print read from a
//! photo is often a letter off ("Papcor" for "Popcorn"), so a label also matches a run of the
//! sentence's words that it is close to in edit distance, scored by that closeness.

/// The comparable form of a word or label: lower case, `0` as `o`, surrounding quotes and
/// punctuation dropped.
pub fn normalize(s: &str) -> String {
    s.trim_matches(|c: char| {
        matches!(
            c,
            '"' | '\'' | '.' | ',' | ':' | ';' | '?' | '!' | '(' | ')'
        )
    })
    .to_lowercase()
    .replace('0', "o")
}

fn tokens(s: &str) -> Vec<String> {
    s.split_whitespace()
        .map(normalize)
        .filter(|t| !t.is_empty())
        .collect()
}

/// How well `label` is named in `sentence`: 1 when all its words appear together, in order;
/// otherwise the share of its words found anywhere (0 for none), halved, so a partial mention
/// never beats a whole one.
pub fn match_score(label: &str, sentence: &str) -> f32 {
    let l = tokens(label);
    let s = tokens(sentence);
    if l.is_empty() || s.is_empty() {
        return 0.0;
    }
    let whole = s.windows(l.len()).any(|w| w == l.as_slice());
    if whole {
        return 1.0;
    }
    // A label read as one token ("+30SEC") against spaced words, and the reverse.
    let joined: String = l.concat();
    if s.windows(2).any(|w| w.concat() == joined) || s.iter().any(|t| *t == joined) {
        return 1.0;
    }
    // Fuzzy: the closest run of as many words as the label (one fewer or more too), compared
    // without spaces; a short label must be nearly exact to count.
    let target: Vec<char> = joined.chars().collect();
    let mut best = 0.0f32;
    for len in l.len().saturating_sub(1).max(1)..=l.len() + 1 {
        for w in s.windows(len.min(s.len())) {
            let run: Vec<char> = w.concat().chars().collect();
            best = best.max(similarity(&target, &run));
        }
    }
    let needed = if target.len() <= 4 { 0.99 } else { 0.7 };
    let mut fuzzy = if best >= needed { best * 0.9 } else { 0.0 };
    // A label cut short by the OCR ("On/o", "ratur" for "Temperature"): a piece of one of the
    // sentence's words, at least 3 characters and most of it.
    if target.len() >= 3 {
        for t in &s {
            let word: Vec<char> = t.chars().collect();
            let share = target.len() as f32 / word.len().max(1) as f32;
            if t.starts_with(&joined) && share >= 0.6 {
                fuzzy = fuzzy.max(0.8 * share.min(1.0));
            } else if target.len() >= 4 && t.contains(&joined) && share >= 0.45 {
                fuzzy = fuzzy.max(0.7 * share.min(1.0));
            }
        }
    }
    let found = l.iter().filter(|t| t.len() > 1 && s.contains(t)).count();
    fuzzy.max(0.5 * found as f32 / l.len() as f32)
}

/// `1 - levenshtein(a, b) / max(len)`.
pub fn similarity(a: &[char], b: &[char]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    1.0 - prev[b.len()] as f32 / a.len().max(b.len()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_partial_and_ocr_confusions() {
        assert_eq!(match_score("On/0ff", "Now tap the On/Off key."), 1.0);
        assert_eq!(match_score("ON/OFF", "press the on/off button"), 1.0);
        assert_eq!(match_score("Hot Water", "Press the Hot Water key."), 1.0);
        assert_eq!(match_score("+30SEC", "Now press the +30 sec button."), 1.0);
        assert_eq!(match_score("Hot Water", "Pour water in."), 0.25); // "pourwater": 0.67 apart, under 0.7
        let fuzzy = match_score("Papcor", "Now press the Popcorn button.");
        assert!(fuzzy > 0.6 && fuzzy < 1.0, "{fuzzy}");
        assert!(match_score("Stopcantel", "Press the Stop/Cancel button.") > 0.6);
        assert_eq!(match_score("Start", "Press the Stop button."), 0.0);
        assert!(match_score("On/o", "Now tap the On/Off key.") > 0.5);
        assert!(match_score("ratur", "Turn the Temperature knob.") > 0.3);
        assert_eq!(match_score("Volume", "Tap the Lungo key."), 0.0);
        assert_eq!(match_score("+", "Press the \"+\" key."), 1.0);
    }
}
