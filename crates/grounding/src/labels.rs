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
    // Two words a narrator uses for controls are two names, not one misread: "star" is not a
    // misread "Start".
    let other_known_word =
        |w: &str| l.len() == 1 && w != joined && known_word(&joined) && known_word(w);
    let mut best = 0.0f32;
    for len in l.len().saturating_sub(1).max(1)..=l.len() + 1 {
        for w in s.windows(len.min(s.len())) {
            if w.len() == 1 && other_known_word(&w[0]) {
                continue;
            }
            let run: Vec<char> = w.concat().chars().collect();
            best = best.max(similarity(&target, &run));
        }
    }
    // A short label must be exact, from three letters on but for one letter the print makes
    // look like another ("Dlal" for "Dial": [`SUBSTITUTE_LOOKALIKE`] of an edit in four
    // letters; a label "1" is no "I").
    let needed = match target.len() {
        0..=2 => 0.99,
        3..=4 => 1.0 - (SUBSTITUTE_LOOKALIKE + 0.01) / target.len() as f32,
        _ => 0.7,
    };
    let mut fuzzy = if best >= needed { best * 0.9 } else { 0.0 };
    // A label cut short by the OCR ("On/o", "ratur" for "Temperature"): a piece of one of the
    // sentence's words, at least 3 characters and most of it.
    if target.len() >= 3 {
        for t in s.iter().filter(|t| !other_known_word(t)) {
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

/// Words a narrator uses for the same control: what it does ("power" for a key printed
/// "On/Off"), another name for it ("chips" for "Fries"), or the symbol that shows it ("the play
/// button" for Start, "the padlock key" for Lock). General appliance wording, each group one
/// function; a label matches a group when it, or a part of it between slashes ("Start/Pause"),
/// is one of the group's words.
const SAME_CONTROL: &[&[&str]] = &[
    &["power", "on/off", "on-off", "on off", "i/o", "\u{23fb}"],
    &["start", "go", "play", "run", "begin", "\u{25b6}"],
    &["stop", "cancel", "clear", "\u{25a0}"],
    &["pause", "\u{23f8}"],
    &["plus", "+", "up", "more", "increase", "\u{25b2}"],
    &["minus", "-", "down", "less", "decrease", "\u{25bc}"],
    &["temperature", "temp", "\u{b0}c", "\u{b0}f", "heat"],
    &["timer", "time", "clock"],
    &["minutes", "minute", "min", "mins"],
    &["hours", "hour", "hr", "hrs"],
    &["keep warm", "warm"],
    &["lock", "child lock", "key lock", "padlock"],
    &["hot water", "water"],
    &["half load", "half", "1/2"],
    &["drying", "dry", "extra dry"],
    &["colour copy", "color copy", "colour", "color"],
    &[
        "black and white copy",
        "black and white",
        "b/w copy",
        "b/w",
        "mono",
        "copy",
    ],
    &["wifi", "wi-fi", "wireless"],
    &["light", "lamp"],
    &["menu", "select", "mode"],
    &["rinse", "extra rinse", "rinse+"],
    &["defrost", "thaw"],
    &["fries", "chips"],
    &["info", "information"],
    &["power level", "level"],
];

/// Symbols printed on controls, as a narrator names them ("the key with the flame symbol").
pub const SYMBOLS: &[&str] = &[
    "star",
    "flame",
    "fire",
    "wave",
    "waves",
    "drop",
    "snowflake",
    "fan",
    "bell",
    "arrow",
    "triangle",
    "circle",
    "square",
    "cup",
    "mug",
    "bulb",
    "sun",
    "moon",
    "leaf",
    "house",
    "gear",
    "heart",
    "tick",
    "check",
    "cross",
    "clock",
    "padlock",
    "lock",
    "key",
    "play",
    "pause",
    "stop",
    "plus",
    "minus",
    "power",
    "thermometer",
    "steam",
    "spiral",
];

/// A word the vocabulary knows as a control's name or symbol ([`SYMBOLS`], the one-word names
/// of [`SAME_CONTROL`]).
fn known_word(w: &str) -> bool {
    SYMBOLS.contains(&w) || SAME_CONTROL.iter().any(|g| g.contains(&w))
}

/// Words that describe a control without naming it: where it is, its colour, size or shape.
const DESCRIPTIVE: &[&str] = &[
    "left",
    "right",
    "top",
    "bottom",
    "middle",
    "centre",
    "center",
    "upper",
    "lower",
    "first",
    "second",
    "third",
    "fourth",
    "last",
    "other",
    "same",
    "next",
    "one",
    "big",
    "small",
    "large",
    "little",
    "round",
    "square",
    "long",
    "wide",
    "main",
    "black",
    "white",
    "grey",
    "gray",
    "silver",
    "red",
    "green",
    "blue",
    "orange",
    "yellow",
    "lit",
    "illuminated",
];

/// The words a sentence names a control by, before a control noun: "Press the snowflake key"
/// and "the key with the snowflake symbol" give `snowflake`; "the red key on the left" gives
/// none (colour and place are the layout cue's).
pub fn name_words(sentence: &str) -> Vec<String> {
    let s = tokens(sentence);
    let mut out = Vec::new();
    for (j, t) in s.iter().enumerate() {
        if !CONTROL_NOUNS.contains(&t.as_str()) {
            continue;
        }
        let Some(from) = (j.saturating_sub(5)..j)
            .rev()
            .find(|&i| matches!(s[i].as_str(), "the" | "a" | "an"))
        else {
            continue;
        };
        out.extend(
            s[from + 1..j]
                .iter()
                .filter(|w| {
                    !DESCRIPTIVE.contains(&w.as_str()) && !CONTROL_NOUNS.contains(&w.as_str())
                })
                .cloned(),
        );
    }
    out
}

/// Nouns that end the name of a control: "the power button", "the key with the padlock symbol".
const CONTROL_NOUNS: &[&str] = &[
    "key", "button", "switch", "knob", "dial", "pad", "symbol", "icon", "sign",
];

/// A control named by another word of its group ([`SAME_CONTROL`]) scores this much: less than
/// its label named outright, as the word may mean another control on this panel.
pub const ALIAS_SCORE: f32 = 0.8;

/// How well `sentence` names the control labelled `label` by another word for it
/// ([`SAME_CONTROL`]): [`ALIAS_SCORE`] when a word of the label's group stands right before a
/// control noun ("the power button"; never a bare "up" in "turn it up"), else 0.
pub fn alias_score(label: &str, sentence: &str) -> f32 {
    let whole = tokens(label).join(" ");
    if whole.is_empty() {
        return 0.0;
    }
    let mut parts = vec![whole.clone()];
    if whole.contains('/') {
        parts.extend(
            whole
                .split('/')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty()),
        );
    }
    let s = tokens(sentence);
    let named = |word: &str| {
        let w = tokens(word);
        !w.is_empty()
            && s.windows(w.len() + 1).any(|run| {
                run[..w.len()] == w[..] && CONTROL_NOUNS.contains(&run[w.len()].as_str())
            })
    };
    let found = SAME_CONTROL.iter().any(|group| {
        let members: Vec<String> = group.iter().map(|m| tokens(m).join(" ")).collect();
        parts.iter().any(|p| members.contains(p)) && group.iter().any(|m| named(m))
    });
    if found {
        ALIAS_SCORE
    } else {
        0.0
    }
}

/// How well `sentence` names the control labelled `label`: by the label itself
/// ([`match_score`]) or by another word for it ([`alias_score`]).
pub fn name_score(label: &str, sentence: &str) -> f32 {
    match_score(label, sentence).max(alias_score(label, sentence))
}

/// Whether a text read on the photo is text, with a letter or a digit (the OCR's rule, which
/// its label assignment uses too).
pub use ocr::labels::is_text;

/// Letters small print makes look alike, which an OCR reads one for the other ("Dlal" for
/// "Dial", "5et" for "Set"); `0` and `o` are one already ([`normalize`]).
const LOOKALIKES: &[&[char]] = &[
    &['i', 'l', '1', '|', '!', 'j'],
    &['s', '5'],
    &['z', '2'],
    &['b', '8'],
    &['g', '9'],
    &['c', 'e'],
    &['u', 'v'],
];

/// What substituting one lookalike letter for another costs in [`similarity`] (any other
/// substitution, insertion or deletion costs 1).
pub const SUBSTITUTE_LOOKALIKE: f32 = 0.25;

fn substitution_cost(a: char, b: char) -> f32 {
    if a == b {
        0.0
    } else if LOOKALIKES
        .iter()
        .any(|group| group.contains(&a) && group.contains(&b))
    {
        SUBSTITUTE_LOOKALIKE
    } else {
        1.0
    }
}

/// `1 - levenshtein(a, b) / max(len)`, a lookalike substitution costing
/// [`SUBSTITUTE_LOOKALIKE`].
pub fn similarity(a: &[char], b: &[char]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let mut prev: Vec<f32> = (0..=b.len()).map(|j| j as f32).collect();
    let mut cur = vec![0f32; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = (i + 1) as f32;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + substitution_cost(ca, cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1.0).min(cur[j] + 1.0);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    1.0 - prev[b.len()] / a.len().max(b.len()) as f32
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
        // A short label one lookalike letter off still counts; another letter does not.
        let lookalike = match_score("Dlal", "Turn the Dial knob clockwise.");
        assert!(lookalike > 0.8 && lookalike < 0.9, "{lookalike}");
        assert_eq!(match_score("Dxal", "Turn the Dial knob clockwise."), 0.0);
        assert_eq!(match_score("Lock", "Press the Lack key."), 0.0);
        assert_eq!(match_score("1", "Then I press Start."), 0.0);
        assert!((similarity(&['5', 'e', 't'], &['s', 'e', 't']) - (1.0 - 0.25 / 3.0)).abs() < 1e-6);
    }

    #[test]
    fn a_control_is_named_by_what_it_does_or_its_symbol() {
        assert_eq!(name_score("On/Off", "Press the power button."), ALIAS_SCORE);
        assert_eq!(name_score("Start/Pause", "Tap the play key."), ALIAS_SCORE);
        assert_eq!(
            name_score("Lock", "Press the key with the padlock symbol."),
            ALIAS_SCORE
        );
        assert_eq!(name_score("+", "Press the up key twice."), ALIAS_SCORE);
        assert_eq!(name_score("Keep Warm", "Press the keep warm button."), 1.0);
        // A word of the group that names no control ("turn it up") is no alias.
        assert_eq!(alias_score("+", "Turn it up to 3."), 0.0);
        assert_eq!(alias_score("Stop/Cancel", "Press the power button."), 0.0);
        assert_eq!(alias_score("Popcorn", "Press the popcorn key."), 0.0);
        // Two known words are two names, however close: a Start key is no "star key".
        assert_eq!(match_score("Start", "Now tap the star key."), 0.0);
        assert!(match_score("Stant", "Now tap the start key.") > 0.6);
    }

    #[test]
    fn the_words_a_control_is_named_by() {
        assert_eq!(name_words("Press the snowflake key."), ["snowflake"]);
        assert_eq!(
            name_words("Tap the key with the water drop symbol."),
            ["water", "drop"]
        );
        assert!(name_words("Press the red key on the left.").is_empty());
        assert!(name_words("Press the button in the top right corner.").is_empty());
        assert_eq!(name_words("Press the \"+\" key twice."), ["+"]);
    }
}
