//! Free questions (`free_questions.json` in every appliance folder): what a person might ask
//! about the appliance without anyone having written candidate answers, for the free-question
//! protocol of `pressnext bench-accuracy` (docs/metrics.md).
//!
//! `covered`: one question per function of the tutorial, its goal in the phrasing that neither
//! the narration nor the listed question uses, in templates the listed questions never use, with
//! the true step sequence. `unrelated`: goals the tutorial does not cover (other kinds' functions
//! that share no content word with this kind's, and a few everyday questions), which should be
//! answered "not covered".
//!
//! Drawn from its own RNG (seeded from the appliance's narration seed), so adding this file left
//! every other file of a seed unchanged.

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::kinds::{KindSpec, KINDS};
use crate::panel::Panel;
use crate::qa::answer_text;
use crate::timeline::Function;

/// File name inside each appliance folder.
pub const FREE_FILE: &str = "free_questions.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreeStep {
    /// The control's id in `buttons.csv`.
    pub button: String,
    /// Its printed label.
    pub label: String,
    /// The answer as the AssistQ files write it (`Turn <button5> clockwise to 60 millilitres`).
    pub answer: String,
    /// `{"kind": "press"}`, `{"kind": "hold", "seconds": 3}` or
    /// `{"kind": "turn", "direction": "clockwise", "to": "60 millilitres"}`.
    pub action: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoveredQuestion {
    pub question: String,
    pub steps: Vec<FreeStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreeQuestions {
    pub version: u32,
    pub covered: Vec<CoveredQuestion>,
    pub unrelated: Vec<String>,
}

/// Templates no listed question uses (those are in `qa::question`).
fn free_question(goal: &str, noun: &str, rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..6) {
        0 => format!("Tell me how to {goal}."),
        1 => format!("Please help me {goal}"),
        2 => format!("Walk me through how to {goal} on the {noun}"),
        3 => format!("what do i do to {goal}"),
        4 => format!("Is there a way to {goal}?"),
        _ => format!("Need to {goal} - how does that work?"),
    }
}

/// Everyday questions no appliance tutorial covers.
const OFF_TOPIC: &[&str] = &[
    "change a flat tyre on my bike",
    "book a table at a restaurant",
    "find out tomorrow's weather",
    "reset my email password",
    "water the garden plants",
    "tune the guitar strings",
];

const STOPWORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "to",
    "on",
    "for",
    "of",
    "in",
    "at",
    "with",
    "and",
    "my",
    "it",
    "some",
    "something",
    "use",
    "get",
    "make",
    "have",
];

fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !w.contains('{'))
        .map(|w| w.to_lowercase())
        .filter(|w| !STOPWORDS.contains(&w.as_str()) && w.len() > 2)
        // Plural or not, the same word.
        .map(|w| {
            w.strip_suffix('s')
                .filter(|b| b.len() > 2)
                .unwrap_or(&w)
                .to_string()
        })
        .collect()
}

/// Words that tie a goal to `kind`: its noun, control labels, dial values and every goal
/// phrasing.
fn kind_words(kind: &KindSpec) -> Vec<String> {
    let mut words = content_words(kind.noun);
    for f in kind.functions {
        for g in f.goals {
            words.extend(content_words(g));
        }
        // Dial values name functions too ("Quick" rice, a "Spin" cycle).
        for step in f.steps {
            if let crate::kinds::StepSpec::Turn(_, dial) = step {
                for v in dial.values {
                    words.extend(content_words(v));
                }
                words.extend(content_words(dial.spoken));
            }
        }
    }
    for c in kind.controls.iter().chain(kind.extras) {
        for l in c.labels {
            words.extend(content_words(l));
        }
    }
    words
}

fn step(panel: &Panel, action: &crate::timeline::Action) -> FreeStep {
    let control = &panel.controls[action.control];
    FreeStep {
        button: control.button_name.clone(),
        label: control.label.clone(),
        answer: answer_text(panel, action),
        action: action.to_json(),
    }
}

/// Goals of other kinds (without values to fill in) that share no content word with `kind`'s,
/// sorted and distinct.
fn unrelated_goals(kind: &KindSpec) -> Vec<&'static str> {
    let own = kind_words(kind);
    let mut pool: Vec<&'static str> = KINDS
        .iter()
        .filter(|k| k.name != kind.name)
        .flat_map(|k| k.functions.iter().flat_map(|f| f.goals.iter().copied()))
        .filter(|g| !g.contains('{'))
        .filter(|g| content_words(g).iter().all(|w| !own.contains(w)))
        .collect();
    pool.sort_unstable();
    pool.dedup();
    pool
}

/// The free questions of an appliance whose tutorial shows `functions`, narrated with goal
/// variants `script_goals` and asked in the listed questions with `question_goals`.
pub(crate) fn free_questions(
    panel: &Panel,
    functions: &[Function],
    script_goals: &[usize],
    question_goals: &[usize],
    rng: &mut ChaCha8Rng,
) -> FreeQuestions {
    let noun = panel.kind.noun;
    let mut covered: Vec<CoveredQuestion> = Vec::new();
    for (f, function) in functions.iter().enumerate() {
        let n = function.spec.goals.len();
        let unused: Vec<usize> = (0..n)
            .filter(|&v| v != script_goals[f] && v != question_goals[f])
            .collect();
        let variant = match unused.choose(rng) {
            Some(&v) => v,
            None => question_goals[f],
        };
        let question = free_question(&function.goal(variant), noun, rng);
        if covered.iter().any(|c| c.question == question) {
            continue;
        }
        covered.push(CoveredQuestion {
            question,
            steps: function.actions.iter().map(|a| step(panel, a)).collect(),
        });
    }
    let pool = unrelated_goals(panel.kind);
    let mut unrelated: Vec<String> = Vec::new();
    if let Some(goal) = pool.choose(rng) {
        unrelated.push(free_question(goal, noun, rng));
    }
    if let Some(goal) = pool.choose(rng) {
        let q = free_question(goal, noun, rng);
        if !unrelated.contains(&q) {
            unrelated.push(q);
        }
    }
    let goal = OFF_TOPIC.choose(rng).expect("non-empty");
    unrelated.push(free_question(goal, noun, rng));
    FreeQuestions {
        version: 1,
        covered,
        unrelated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrelated_goals_share_no_content_word_with_the_kind() {
        for kind in KINDS {
            let own = kind_words(kind);
            let pool = unrelated_goals(kind);
            assert!(
                pool.len() >= 3,
                "{}: only {} unrelated goals",
                kind.name,
                pool.len()
            );
            for g in pool {
                assert!(
                    content_words(g).iter().all(|w| !own.contains(w)),
                    "{g} overlaps {}",
                    kind.name
                );
            }
        }
    }
}
