//! What happens in an instructional video: the functions shown (each with its chosen values),
//! their actions, and the whole-second schedule of every step, which the narration's
//! timestamps repeat exactly.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::kinds::{Dial, FunctionSpec, StepSpec};
use crate::panel::Panel;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ActionKind {
    Press,
    /// Press and hold for whole seconds.
    Hold(u32),
    /// Turn from the dial's default value to `to`.
    Turn {
        dial: &'static Dial,
        to: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Index into `Panel::controls`.
    pub control: usize,
    pub kind: ActionKind,
}

impl Action {
    /// Whether a turn goes clockwise (raising the value).
    pub fn clockwise(&self) -> bool {
        match self.kind {
            ActionKind::Turn { dial, to } => to > dial.default,
            _ => false,
        }
    }

    /// The action as the truth files write it: `{"kind": "press"}`, `{"kind": "hold", "seconds":
    /// N}` or `{"kind": "turn", "direction": "clockwise" | "anticlockwise", "to": "<as spoken>"}`.
    pub fn to_json(&self) -> serde_json::Value {
        match self.kind {
            ActionKind::Press => serde_json::json!({"kind": "press"}),
            ActionKind::Hold(n) => serde_json::json!({"kind": "hold", "seconds": n}),
            ActionKind::Turn { dial, to } => serde_json::json!({
                "kind": "turn",
                "direction": if self.clockwise() { "clockwise" } else { "anticlockwise" },
                "to": dial.spoken(to),
            }),
        }
    }
}

/// One function with its values chosen.
#[derive(Debug, Clone)]
pub struct Function {
    pub spec: &'static FunctionSpec,
    pub actions: Vec<Action>,
}

impl Function {
    /// A random instance of `spec` on `panel`: every turn gets a target different from its
    /// dial's default.
    pub fn random(spec: &'static FunctionSpec, panel: &Panel, rng: &mut ChaCha8Rng) -> Function {
        let actions = spec
            .steps
            .iter()
            .map(|step| match step {
                StepSpec::Press(id) => Action {
                    control: panel.control_index(id),
                    kind: ActionKind::Press,
                },
                StepSpec::Hold(id, secs) => Action {
                    control: panel.control_index(id),
                    kind: ActionKind::Hold(*secs),
                },
                StepSpec::Turn(id, dial) => {
                    let to = loop {
                        let to = rng.random_range(0..dial.values.len());
                        if to != dial.default {
                            break to;
                        }
                    };
                    Action {
                        control: panel.control_index(id),
                        kind: ActionKind::Turn { dial, to },
                    }
                }
            })
            .collect();
        Function { spec, actions }
    }

    /// The spoken values of the turns, in order ({v}, {w}).
    pub fn values(&self) -> Vec<String> {
        self.actions
            .iter()
            .filter_map(|a| match a.kind {
                ActionKind::Turn { dial, to } => Some(dial.spoken(to)),
                _ => None,
            })
            .collect()
    }

    /// Goal phrasing number `variant` with the values filled in.
    pub fn goal(&self, variant: usize) -> String {
        let values = self.values();
        let mut goal = self.spec.goals[variant % self.spec.goals.len()].to_string();
        if let Some(v) = values.first() {
            goal = goal.replace("{v}", v);
        }
        if let Some(w) = values.get(1) {
            goal = goal.replace("{w}", w);
        }
        fix_articles(&goal)
    }

    /// Same spec and same values.
    pub fn same_as(&self, other: &Function) -> bool {
        std::ptr::eq(self.spec, other.spec) && self.actions == other.actions
    }
}

/// "a Intensive wash" -> "an Intensive wash" (values are filled into "a {v}" templates).
pub(crate) fn fix_articles(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let next_vowel = words
            .get(i + 1)
            .and_then(|n| n.chars().next())
            .is_some_and(|c| "aeiouAEIOU".contains(c));
        out.push(if *w == "a" && next_vowel { "an" } else { w });
    }
    out.join(" ")
}

/// Seconds from a step's start at which the hand reaches the control.
pub const APPROACH: f64 = 0.8;
/// Seconds a press lasts.
pub const PRESS: f64 = 0.45;
/// Seconds a turn lasts.
pub const TURN: f64 = 1.5;

/// One step on the clock. `start` and `end` are whole seconds (the script's timestamps);
/// the action itself runs from `act_start` to `act_end` inside them.
#[derive(Debug, Clone)]
pub struct TimedStep {
    pub function: usize,
    pub step: usize,
    pub start: u32,
    pub end: u32,
    pub act_start: f64,
    pub act_end: f64,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    pub functions: Vec<Function>,
    pub steps: Vec<TimedStep>,
    /// End of the opening overview (seconds), when the first function starts.
    pub intro: u32,
    pub duration: u32,
}

fn action_seconds(kind: &ActionKind) -> f64 {
    match kind {
        ActionKind::Press => PRESS,
        ActionKind::Hold(s) => *s as f64,
        ActionKind::Turn { .. } => TURN,
    }
}

/// Whole seconds a step takes: approach, act, lift off.
fn step_seconds(kind: &ActionKind) -> u32 {
    (APPROACH + action_seconds(kind) + 0.6).ceil() as u32
}

impl Timeline {
    /// Picks functions of the panel's kind until the video lasts between `min` and `max`
    /// seconds (whole seconds), and schedules their steps.
    pub fn random(panel: &Panel, rng: &mut ChaCha8Rng, min: u32, max: u32) -> Timeline {
        let target = rng.random_range(min..=max);
        let intro = rng.random_range(2..=3);
        let outro = 2;
        let mut order: Vec<&'static FunctionSpec> = panel.kind.functions.iter().collect();
        order.shuffle(rng);
        let mut functions: Vec<Function> = Vec::new();
        let mut steps = Vec::new();
        let mut t = intro;
        let mut attempts = 0;
        while attempts < 40 {
            // Cycle through the kind's functions; one that cannot be repeated (no values to
            // vary) or does not fit is skipped for the next.
            let spec = order[attempts % order.len()];
            attempts += 1;
            let f = Function::random(spec, panel, rng);
            if functions.iter().any(|g| g.same_as(&f)) {
                continue;
            }
            let length: u32 = f.actions.iter().map(|a| step_seconds(&a.kind)).sum::<u32>() + 1;
            if t + length + outro > max {
                if t + outro >= min {
                    break;
                }
                continue;
            }
            let index = functions.len();
            for (s, a) in f.actions.iter().enumerate() {
                let len = step_seconds(&a.kind);
                let act_start = t as f64 + APPROACH;
                steps.push(TimedStep {
                    function: index,
                    step: s,
                    start: t,
                    end: t + len,
                    act_start,
                    act_end: act_start + action_seconds(&a.kind),
                });
                t += len;
            }
            t += 1; // a pause between functions
            functions.push(f);
            if t + outro >= target {
                break;
            }
        }
        let duration = (t + outro).max(min).min(max.max(t + outro));
        Timeline {
            functions,
            steps,
            intro,
            duration,
        }
    }
}

impl Timeline {
    /// One function carried out slowly, with pauses between steps, in a clip of `duration`
    /// seconds (the demo's camera view of a user following the instructions).
    pub fn performing(function: Function, duration: u32, rng: &mut ChaCha8Rng) -> Timeline {
        let intro = rng.random_range(4..=6);
        // Pauses between steps of 1 to 3 s, shorter when needed to end by 38 s.
        let busy: u32 = function.actions.iter().map(|a| step_seconds(&a.kind)).sum();
        let room = 38u32.saturating_sub(intro + busy) / function.actions.len().max(1) as u32;
        let mut t = intro;
        let mut steps = Vec::new();
        for (s, a) in function.actions.iter().enumerate() {
            let len = step_seconds(&a.kind);
            let act_start = t as f64 + APPROACH;
            steps.push(TimedStep {
                function: 0,
                step: s,
                start: t,
                end: t + len,
                act_start,
                act_end: act_start + action_seconds(&a.kind),
            });
            t += len + rng.random_range(1..=3).min(room.max(1));
        }
        Timeline {
            functions: vec![function],
            steps,
            intro,
            duration: duration.max(t + 2),
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    #[test]
    fn durations_stay_in_range_and_spread_over_it() {
        let mut durations = Vec::new();
        for seed in 0..60u64 {
            let mut rng = super::ChaCha8Rng::seed_from_u64(seed);
            let kind = &crate::kinds::KINDS[seed as usize % crate::kinds::KINDS.len()];
            let panel = crate::panel::Panel::random(kind, &mut rng);
            let t = super::Timeline::random(&panel, &mut rng, 20, 120);
            assert!((20..=120).contains(&t.duration), "{}", t.duration);
            let last = t.steps.last().expect("at least one step");
            assert!(last.end + 2 <= t.duration);
            durations.push(t.duration);
        }
        durations.sort_unstable();
        assert!(durations[0] < 35 && durations[59] > 100, "{durations:?}");
    }

    #[test]
    fn articles_follow_the_value() {
        assert_eq!(
            super::fix_articles("start a Intensive wash"),
            "start an Intensive wash"
        );
        assert_eq!(
            super::fix_articles("run a Cotton cycle"),
            "run a Cotton cycle"
        );
    }
}
