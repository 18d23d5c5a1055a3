//! The action a sentence asks for, parsed from its words: press, press and hold (with its
//! duration), turn (direction and target value), slide, open or close. A sentence with none of
//! these verbs asks for no action (an introduction, a remark).

use serde::{Deserialize, Serialize};

/// What to do with a control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Action {
    Press,
    /// Press and hold; `seconds` when the sentence says how long.
    Hold {
        seconds: Option<f64>,
    },
    /// Turn; `direction` is `clockwise` or `anticlockwise` when said, `to` the target as spoken.
    Turn {
        direction: Option<String>,
        to: Option<String>,
    },
    Slide {
        to: Option<String>,
    },
    Open,
    Close,
}

impl Action {
    /// "Press", "Press and hold for 3 seconds", "Turn clockwise to 60 ml": how a step card says it.
    pub fn describe(&self) -> String {
        self.phrase(None)
    }

    /// The action done to `object`, after its verb: `Turn <button5> clockwise to 60 ml` (the
    /// way AssistQ answers name a control); without an object, [`Action::describe`].
    pub fn phrase(&self, object: Option<&str>) -> String {
        let verb = match self {
            Action::Press => "Press",
            Action::Hold { .. } => "Press and hold",
            Action::Turn { .. } => "Turn",
            Action::Slide { .. } => "Slide",
            Action::Open => "Open",
            Action::Close => "Close",
        };
        let mut s = verb.to_string();
        if let Some(o) = object {
            s.push(' ');
            s.push_str(o);
        }
        match self {
            Action::Hold { seconds: Some(n) } => s.push_str(&format!(" for {n} seconds")),
            Action::Turn { direction, to } => {
                if let Some(d) = direction {
                    s.push(' ');
                    s.push_str(d);
                }
                if let Some(t) = to {
                    s.push_str(" to ");
                    s.push_str(t);
                }
            }
            Action::Slide { to: Some(t) } => s.push_str(&format!(" to {t}")),
            _ => {}
        }
        s
    }
}

/// Lower-case words of `text` (letters, digits, `+`, `-`, `/` and `.` inside numbers kept).
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | '!' | '?' | '(' | ')' | '"' | ':')
    })
    .map(|w| {
        w.trim_end_matches('.')
            .trim_start_matches('.')
            .to_lowercase()
    })
    .filter(|w| !w.is_empty())
    .collect()
}

const TURN: &[&str] = &["turn", "rotate", "twist", "set"];
const PRESS: &[&str] = &["press", "push", "hit", "tap", "touch", "click"];

/// The action of one sentence, or `None` when it asks for none.
pub fn parse(text: &str) -> Option<Action> {
    let w = words(text);
    let has = |k: &str| w.iter().any(|x| x == k);
    let at = |seq: &[&str]| {
        (0..w.len()).find(|&i| {
            seq.iter()
                .enumerate()
                .all(|(j, s)| w.get(i + j).is_some_and(|x| x == s))
        })
    };
    let seconds = seconds(&w);
    if has("hold") || (has("keep") && (has("pressed") || has("down"))) {
        return Some(Action::Hold { seconds });
    }
    if w.iter().any(|x| TURN.contains(&x.as_str()))
        && !(has("set") && w.iter().any(|x| PRESS.contains(&x.as_str())))
    {
        let direction = if has("anticlockwise")
            || has("counterclockwise")
            || has("counter-clockwise")
            || at(&["to", "the", "left"]).is_some()
        {
            Some("anticlockwise".to_string())
        } else if has("clockwise") || at(&["to", "the", "right"]).is_some() {
            Some("clockwise".to_string())
        } else {
            None
        };
        return Some(Action::Turn {
            direction,
            to: target(text),
        });
    }
    if has("slide") || has("move") && has("slider") {
        return Some(Action::Slide { to: target(text) });
    }
    if has("open") || has("lift") {
        return Some(Action::Open);
    }
    if has("close") || has("shut") {
        return Some(Action::Close);
    }
    if w.iter().any(|x| PRESS.contains(&x.as_str())) {
        return Some(Action::Press);
    }
    None
}

/// "for 3 seconds", "for about 5 s": the number before a unit of seconds.
fn seconds(w: &[String]) -> Option<f64> {
    let i = w
        .iter()
        .position(|x| matches!(x.as_str(), "seconds" | "second" | "secs" | "sec" | "s"))?;
    let n = w.get(i.checked_sub(1)?)?;
    number(n)
}

fn number(s: &str) -> Option<f64> {
    const WORDS: &[&str] = &[
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    s.parse::<f64>()
        .ok()
        .or_else(|| WORDS.iter().position(|w| *w == s).map(|n| n as f64))
}

/// The target value of a turn or slide: what follows "until the display shows", "to set" or
/// the last " to " that is not "to the left/right", without the final full stop.
fn target(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let clean = |s: &str| {
        let s = s.trim().trim_end_matches(['.', '!']).trim();
        // Only up to the end of this sentence.
        let s = s.split(". ").next().unwrap_or(s).trim();
        (!s.is_empty()).then(|| s.to_string())
    };
    for marker in ["until the display shows ", "to set ", "until it shows "] {
        if let Some(i) = lower.find(marker) {
            return clean(&text[i + marker.len()..]);
        }
    }
    let mut best = None;
    for (i, _) in lower.match_indices(" to ") {
        let rest = &lower[i + 4..];
        if rest.starts_with("the left") || rest.starts_with("the right") {
            continue;
        }
        best = Some(i + 4);
    }
    best.and_then(|i| clean(&text[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_s_phrasings() {
        assert_eq!(parse("Now tap the On/Off key."), Some(Action::Press));
        assert_eq!(parse("Next, hit the Power button."), Some(Action::Press));
        assert_eq!(
            parse("Press and hold the Start button for 3 seconds."),
            Some(Action::Hold { seconds: Some(3.0) })
        );
        assert_eq!(
            parse("Keep the Lock button pressed for about 5 seconds."),
            Some(Action::Hold { seconds: Some(5.0) })
        );
        assert_eq!(
            parse("Turn the Volume dial to the right to 60 millilitres."),
            Some(Action::Turn {
                direction: Some("clockwise".into()),
                to: Some("60 millilitres".into())
            })
        );
        assert_eq!(
            parse("Rotate the Select knob counterclockwise until the display shows power level 9."),
            Some(Action::Turn {
                direction: Some("anticlockwise".into()),
                to: Some("power level 9".into())
            })
        );
        assert_eq!(
            parse("Twist the knob to the left to set 10 minutes."),
            Some(Action::Turn {
                direction: Some("anticlockwise".into()),
                to: Some("10 minutes".into())
            })
        );
        assert_eq!(parse("Here is the control panel of my microwave."), None);
        assert_eq!(
            parse("This video shows the controls of a coffee machine."),
            None
        );
    }
}
