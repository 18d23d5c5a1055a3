//! Questions and candidate answers, built like the AssistQ annotations: per step the right
//! action on its `<buttonN>`, the same action on other controls, and the right control with
//! the wrong value, direction or kind of action; 5 to 15 candidates in random order.

use assistq::qa::Qa;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Map;

use crate::kinds::ControlType;
use crate::panel::Panel;
use crate::timeline::{Action, ActionKind, Function};

/// The answer string for `action`, naming its control as `<buttonN>`.
pub fn answer_text(panel: &Panel, action: &Action) -> String {
    let b = &panel.controls[action.control].button_name;
    match action.kind {
        ActionKind::Press => format!("Press <{b}>"),
        ActionKind::Hold(n) => format!("Press and hold <{b}> for {n} seconds"),
        ActionKind::Turn { dial, to } => format!(
            "Turn <{b}> {} to {}",
            if action.clockwise() {
                "clockwise"
            } else {
                "anticlockwise"
            },
            dial.spoken(to)
        ),
    }
}

fn turn_text(panel: &Panel, control: usize, clockwise: bool, value: &str) -> String {
    format!(
        "Turn <{}> {} to {value}",
        panel.controls[control].button_name,
        if clockwise {
            "clockwise"
        } else {
            "anticlockwise"
        }
    )
}

/// The candidates for one step and the 1-based index of the right one.
pub fn candidates(panel: &Panel, action: &Action, rng: &mut ChaCha8Rng) -> (Vec<String>, usize) {
    let right = answer_text(panel, action);
    let mut wrong: Vec<String> = Vec::new();
    let buttons: Vec<usize> = (0..panel.controls.len())
        .filter(|&i| panel.controls[i].ty == ControlType::Button)
        .collect();
    let knobs: Vec<usize> = (0..panel.controls.len())
        .filter(|&i| panel.controls[i].ty == ControlType::Knob)
        .collect();
    let name = |i: usize| panel.controls[i].button_name.clone();
    match action.kind {
        ActionKind::Press | ActionKind::Hold(_) => {
            for &b in &buttons {
                if b != action.control {
                    wrong.push(answer_text(
                        panel,
                        &Action {
                            control: b,
                            kind: action.kind,
                        },
                    ));
                }
            }
            let hold = rng.random_range(2..=5);
            match action.kind {
                ActionKind::Press => wrong.push(format!(
                    "Press and hold <{}> for {hold} seconds",
                    name(action.control)
                )),
                ActionKind::Hold(n) => {
                    wrong.push(format!("Press <{}>", name(action.control)));
                    let other = if n == hold { n + 2 } else { hold };
                    wrong.push(format!(
                        "Press and hold <{}> for {other} seconds",
                        name(action.control)
                    ));
                }
                ActionKind::Turn { .. } => unreachable!(),
            }
            for &k in &knobs {
                if rng.random_bool(0.5) {
                    wrong.push(format!("Press <{}>", name(k)));
                }
            }
        }
        ActionKind::Turn { dial, to } => {
            let cw = action.clockwise();
            wrong.push(turn_text(panel, action.control, !cw, &dial.spoken(to)));
            let mut others: Vec<usize> = (0..dial.values.len()).filter(|&v| v != to).collect();
            others.shuffle(rng);
            for &v in others.iter().take(4) {
                if v == dial.default {
                    continue;
                }
                wrong.push(turn_text(
                    panel,
                    action.control,
                    v > dial.default,
                    &dial.spoken(v),
                ));
                if rng.random_bool(0.3) {
                    wrong.push(turn_text(
                        panel,
                        action.control,
                        v < dial.default,
                        &dial.spoken(v),
                    ));
                }
            }
            for &k in &knobs {
                if k != action.control {
                    wrong.push(turn_text(panel, k, cw, &dial.spoken(to)));
                }
            }
            wrong.push(format!("Press <{}>", name(action.control)));
            for &b in &buttons {
                if rng.random_bool(0.5) {
                    wrong.push(format!("Press <{}>", name(b)));
                }
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    wrong.retain(|w| *w != right);
    wrong.shuffle(rng);
    let total = rng.random_range(5..=15).min(wrong.len() + 1);
    wrong.truncate(total - 1);
    let mut all = wrong;
    all.push(right.clone());
    all.shuffle(rng);
    let correct = all
        .iter()
        .position(|a| *a == right)
        .expect("the right answer is in")
        + 1;
    (all, correct)
}

/// A question asking for `goal`, phrased unlike the narration.
pub fn question(goal: &str, noun: &str, rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..7) {
        0 => format!("How do I {goal}?"),
        1 => format!("How can I {goal} on this {noun}?"),
        2 => format!("I want to {goal}. What should I do?"),
        3 => format!("What should I press to {goal}?"),
        4 => format!("What are the steps to {goal}?"),
        5 => format!("Can you show me how to {goal} with my {noun}?"),
        _ => format!("I'd like to {goal}, which buttons do I use?"),
    }
}

/// One QA for `function`, its goal phrased with variant `goal_variant`.
pub fn make_qa(
    panel: &Panel,
    function: &Function,
    goal_variant: usize,
    image: &str,
    rng: &mut ChaCha8Rng,
) -> Qa {
    let q = question(&function.goal(goal_variant), panel.kind.noun, rng);
    let mut answers = Vec::new();
    let mut correct = Vec::new();
    for action in &function.actions {
        let (cands, c) = candidates(panel, action, rng);
        answers.push(cands);
        correct.push(c);
    }
    Qa {
        question: q,
        images: vec![image.to_string(); answers.len()],
        answers,
        correct: Some(correct),
        extra: Map::new(),
    }
}
