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

/// Every way a script line names its control, as the truth file's `naming` records it: `none`
/// for a line about no control, the rest as [`refer`] and the two-control lines make them.
pub const NAMINGS: [&str; 8] = [
    "none",
    "label",
    "position",
    "colour",
    "icon",
    "function",
    "shared label",
    "two controls",
];

/// How the narrator names control `index` this time, and how that naming is called in the
/// truth file: `label`, `position`, `colour`, and with the harder generator (`hard`, its own
/// RNG) also `icon`, `function` and `shared label` (a label two keys carry).
pub fn refer(
    panel: &Panel,
    index: usize,
    rng: &mut ChaCha8Rng,
    hard: Option<&mut ChaCha8Rng>,
) -> (String, &'static str) {
    let c = &panel.controls[index];
    let thing = c.thing();
    let quoted = |label: &str| {
        if label.chars().any(|ch| ch.is_alphanumeric()) {
            label.to_string()
        } else {
            format!("\"{label}\"")
        }
    };
    if let Some(h) = hard {
        if !c.printed || h.random_bool(0.25) {
            if let Some(named) = by_function_or_icon(panel, index, h, !c.printed) {
                return named;
            }
        }
        let shared = c.printed
            && panel
                .controls
                .iter()
                .enumerate()
                .any(|(j, o)| j != index && o.printed && o.label == c.label);
        if shared {
            if h.random_bool(0.5) {
                if let Some(position) = panel.position_phrase(index) {
                    return (
                        format!("the {} {thing} {position}", quoted(&c.label)),
                        "position",
                    );
                }
            }
            return (format!("the {} {thing}", quoted(&c.label)), "shared label");
        }
    }
    let roll = rng.random_range(0..4);
    if roll == 1 {
        if let Some(position) = panel.position_phrase(index) {
            return (format!("the {thing} {position}"), "position");
        }
    }
    if roll == 2 {
        if let Some(colour) = panel.colour_phrase(index) {
            return (format!("the {colour} {thing}"), "colour");
        }
    }
    if !c.printed {
        // Nothing printed to name it by: where it is, else its symbol.
        if let Some(position) = panel.position_phrase(index) {
            return (format!("the {thing} {position}"), "position");
        }
        if let Some((text, naming)) = by_function_or_icon(panel, index, rng, true) {
            return (text, naming);
        }
    }
    let thing = if thing == "knob" {
        pick(rng, &["knob", "dial"])
    } else {
        thing
    };
    (format!("the {} {thing}", quoted(&c.label)), "label")
}

/// The control named by what it does ("the power button" for a key printed "On/Off") or by its
/// symbol ("the key with the flame symbol"); only namings the printed label does not already
/// contain, unless `any` (a key with no printed label).
fn by_function_or_icon(
    panel: &Panel,
    index: usize,
    rng: &mut ChaCha8Rng,
    any: bool,
) -> Option<(String, &'static str)> {
    let c = &panel.controls[index];
    let thing = c.thing();
    let label = c.label.to_lowercase();
    let new_words = |words: &str| any || !words.split(' ').all(|w| label.contains(w));
    let mut options: Vec<(String, &'static str)> = Vec::new();
    let icon = if c.icon == crate::kinds::Icon::None && c.shape == crate::panel::Shape::Touch {
        // A touch key without a symbol of its own shows a star.
        crate::kinds::Icon::Star
    } else {
        c.icon
    };
    if let Some(name) = crate::harder::icon_name(icon).filter(|n| new_words(n)) {
        let text = if rng.random_bool(0.5) {
            format!("the {name} {thing}")
        } else {
            format!("the {thing} with the {name} symbol")
        };
        options.push((text, "icon"));
    }
    let function = crate::harder::function_name(c.id);
    if new_words(&function) && c.ty != crate::kinds::ControlType::Knob {
        options.push((format!("the {function} {thing}"), "function"));
    }
    if options.is_empty() {
        return None;
    }
    let k = rng.random_range(0..options.len());
    Some(options.swap_remove(k))
}

/// One sentence describing `action`, ending with a full stop, and how it names its control
/// ([`refer`]; `two controls` when the harder generator also names another one).
pub fn step_sentence(
    panel: &Panel,
    action: &Action,
    rng: &mut ChaCha8Rng,
    mut hard: Option<&mut ChaCha8Rng>,
) -> (String, &'static str) {
    let (r, naming) = refer(panel, action.control, rng, hard.as_deref_mut());
    let sentence = one_control_sentence(panel, action, &r, rng);
    let Some(h) = hard else {
        return (sentence, naming);
    };
    if panel.controls.len() < 2 || !h.random_bool(0.2) {
        return (sentence, naming);
    }
    // Another control in the same sentence: the nearest one, or another of the same sort.
    let me = &panel.controls[action.control];
    // Never another key with the same printed label: "leave the + alone and press the +".
    let others: Vec<usize> = (0..panel.controls.len())
        .filter(|&j| j != action.control && panel.controls[j].label != me.label)
        .collect();
    if others.is_empty() {
        return (sentence, naming);
    }
    let nearest = *others
        .iter()
        .min_by(|&&a, &&b| {
            let d = |j: usize| {
                let o = &panel.controls[j];
                (o.cx - me.cx).hypot(o.cy - me.cy)
            };
            d(a).total_cmp(&d(b))
        })
        .expect("two controls or more");
    let alike: Vec<usize> = others
        .iter()
        .copied()
        .filter(|&j| panel.controls[j].ty == me.ty)
        .collect();
    // "..., the one next to Y", "..., not Y" (Y of the same sort), "Leave Y alone and ...".
    let mut form = h.random_range(0..3);
    if form == 1 && alike.is_empty() {
        form = 2;
    }
    let other = match form {
        0 => nearest,
        1 => alike[h.random_range(0..alike.len())],
        _ => others[h.random_range(0..others.len())],
    };
    let (r2, _) = refer(panel, other, rng, Some(h));
    let body = sentence.trim_end_matches('.');
    let text = match form {
        0 => format!("{body}, the one next to {r2}."),
        1 => format!("{body}, not {r2}."),
        _ => format!("Leave {r2} alone and {}", lower_first(&sentence)),
    };
    (text, "two controls")
}

/// The sentence for `action` on the control named `r`.
fn one_control_sentence(panel: &Panel, action: &Action, r: &str, rng: &mut ChaCha8Rng) -> String {
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
            verb.replace("{r}", r)
        }
        ActionKind::Hold(n) => pick(
            rng,
            &[
                "Press and hold {r} for {n} seconds.",
                "Hold down {r} for {n} seconds.",
                "Keep {r} pressed for about {n} seconds.",
            ],
        )
        .replace("{r}", r)
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
            .replace("{r}", r)
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

/// The narration of a timeline, and how each line names its control ([`step_sentence`];
/// `none` for the opening). `script_goal[f]` is the goal phrasing variant used for function `f`
/// (the questions use a different one); `hard` is the harder generator's RNG, if any.
pub fn narrate(
    panel: &Panel,
    timeline: &Timeline,
    script_goal: &[usize],
    rng: &mut ChaCha8Rng,
    mut hard: Option<&mut ChaCha8Rng>,
) -> (Script, Vec<&'static str>) {
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
    let mut namings = vec!["none"];
    for step in &timeline.steps {
        let function = &timeline.functions[step.function];
        let action = &function.actions[step.step];
        let (sentence, naming) = step_sentence(panel, action, rng, hard.as_deref_mut());
        namings.push(naming);
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
    let script = Script {
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
    };
    (script, namings)
}
