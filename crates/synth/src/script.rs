//! The narration (`script.txt`): one line per step with the step's whole-second timestamps,
//! phrased from several templates and synonyms. A control is named by its printed label, or by
//! its position or colour when those single it out.

use assistq::script::{Script, ScriptLine};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::panel::Panel;
use crate::timeline::{Action, ActionKind, Timeline};

fn pick<'a>(rng: &mut ChaCha8Rng, options: &[&'a str]) -> &'a str {
    options[rng.random_range(0..options.len())]
}

/// How the narrator names control `index` this time.
pub fn refer(panel: &Panel, index: usize, rng: &mut ChaCha8Rng) -> String {
    let c = &panel.controls[index];
    let thing = c.thing();
    let roll = rng.random_range(0..4);
    if roll == 1 {
        if let Some(position) = panel.position_phrase(index) {
            return format!("the {thing} {position}");
        }
    }
    if roll == 2 {
        if let Some(colour) = panel.colour_phrase(index) {
            return format!("the {colour} {thing}");
        }
    }
    let thing = if thing == "knob" {
        pick(rng, &["knob", "dial"])
    } else {
        thing
    };
    if c.label.chars().any(|ch| ch.is_alphanumeric()) {
        format!("the {} {thing}", c.label)
    } else {
        format!("the \"{}\" {thing}", c.label)
    }
}

/// One sentence describing `action`, ending with a full stop.
pub fn step_sentence(panel: &Panel, action: &Action, rng: &mut ChaCha8Rng) -> String {
    let r = refer(panel, action.control, rng);
    match action.kind {
        ActionKind::Press => {
            let verb = if panel.controls[action.control].thing() == "key" {
                pick(
                    rng,
                    &["Tap {r}.", "Touch {r}.", "Press {r}.", "Now tap {r}."],
                )
            } else {
                pick(
                    rng,
                    &[
                        "Press {r}.",
                        "Push {r}.",
                        "Then press {r}.",
                        "Next, hit {r}.",
                        "Now press {r} once.",
                    ],
                )
            };
            verb.replace("{r}", &r)
        }
        ActionKind::Hold(n) => pick(
            rng,
            &[
                "Press and hold {r} for {n} seconds.",
                "Hold down {r} for {n} seconds.",
                "Keep {r} pressed for about {n} seconds.",
            ],
        )
        .replace("{r}", &r)
        .replace("{n}", &n.to_string()),
        ActionKind::Turn { dial, to } => {
            let dir = if action.clockwise() {
                pick(rng, &["clockwise", "to the right"])
            } else {
                pick(rng, &["anticlockwise", "counterclockwise", "to the left"])
            };
            pick(
                rng,
                &[
                    "Turn {r} {d} to {v}.",
                    "Rotate {r} {d} until the display shows {v}.",
                    "Twist {r} {d} to set {v}.",
                ],
            )
            .replace("{r}", &r)
            .replace("{d}", dir)
            .replace("{v}", &dial.spoken(to))
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The narration of a timeline. `script_goal[f]` is the goal phrasing variant used for
/// function `f` (the questions use a different one).
pub fn narrate(
    panel: &Panel,
    timeline: &Timeline,
    script_goal: &[usize],
    rng: &mut ChaCha8Rng,
) -> Script {
    let mut lines = Vec::new();
    let noun = panel.kind.noun;
    let opening = pick(
        rng,
        &[
            "Here is the control panel of my {n}.",
            "This video shows the controls of a {n}.",
            "Let's look at the buttons on this {n}.",
        ],
    )
    .replace("{n}", noun);
    lines.push((0, timeline.intro, crate::timeline::fix_articles(&opening)));
    for step in &timeline.steps {
        let function = &timeline.functions[step.function];
        let action = &function.actions[step.step];
        let sentence = step_sentence(panel, action, rng);
        let text = if step.step == 0 {
            let goal = function.goal(script_goal[step.function]);
            match rng.random_range(0..6) {
                0 => format!("This is how to {goal}. {sentence}"),
                1 => format!("How to {goal}? {sentence}"),
                2 => format!("To {goal}, {}", lower_first(&sentence)),
                3 => format!("If you want to {goal}, {}", lower_first(&sentence)),
                4 => format!("Let me show you how to {goal}. {sentence}"),
                _ => format!("You can {goal} like this. {sentence}"),
            }
        } else if step.step + 1 == function.actions.len() && rng.random_bool(0.3) {
            format!(
                "{} {}",
                sentence,
                pick(rng, &["That's it.", "Done.", "And it starts."])
            )
        } else {
            sentence
        };
        lines.push((step.start, step.end, text));
    }
    Script {
        lines: lines
            .into_iter()
            .enumerate()
            .map(|(i, (start, end, text))| ScriptLine {
                line: i + 1,
                start: start as f64,
                end: end as f64,
                text,
            })
            .collect(),
    }
}
