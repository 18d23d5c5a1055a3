//! What happens in an instructional video: the functions shown (each with its chosen values),
//! their actions, and the whole-second schedule of every step, which the narration's
//! timestamps repeat exactly.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::kinds::{ControlType, Dial, FunctionSpec, StepSpec};
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
    /// Before the action, the hand first hovers over another control (the harder generator).
    pub hover: Option<Hover>,
}

/// The hand hovering over `control` at `height` (0 touching, 1 high) from `start` to `end`
/// seconds, on its way to the step's own control, without operating it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hover {
    pub control: usize,
    pub start: f64,
    pub end: f64,
    pub height: f32,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    pub functions: Vec<Function>,
    pub steps: Vec<TimedStep>,
    /// End of the opening overview (seconds), when the first function starts.
    pub intro: u32,
    pub duration: u32,
    /// Hands crossing the panel without touching it (camera clips only; tutorials have none).
    pub passes: Vec<Pass>,
}

/// A hand crossing the panel at `height` (0 touching, 1 high) in a straight line from `from`
/// to `to` (panel pixels) between `start` and `end` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    pub start: f64,
    pub end: f64,
    pub from: (f32, f32),
    pub to: (f32, f32),
    pub height: f32,
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
                    hover: None,
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
            passes: Vec::new(),
        }
    }
}

/// What a camera clip of a user following a question shows, with its exact times: the truth
/// that the live step check is measured against (`camera_truth.json`, docs/synth.md).
#[derive(Debug, Clone, PartialEq)]
pub enum ClipEvent {
    /// Step `step` (0-based) of the function carried out: the control is pressed, held or
    /// turned from `start` to `end` (seconds).
    Step { step: usize, start: f64, end: f64 },
    /// A press on `control`, which is not the step's control, from `start` to `end`.
    Wrong {
        control: usize,
        start: f64,
        end: f64,
    },
    /// The hand crosses the panel over `over` without touching anything.
    Pass { over: usize, start: f64, end: f64 },
}

impl Timeline {
    /// A user following `function` in front of the panel, as the step check sees it: a few
    /// quiet seconds, then its steps in order with 1-2 s between them, one longer pause (3-4 s),
    /// one press on a wrong control (somewhere before a step, then a pause), and one hand
    /// crossing the panel over the next step's control without pressing (1.0-1.4 s, hovering).
    /// Every event comes with its exact times.
    pub fn following(
        function: Function,
        panel: &Panel,
        rng: &mut ChaCha8Rng,
    ) -> (Timeline, Vec<ClipEvent>) {
        let n = function.actions.len();
        let intro = rng.random_range(3..=5);
        let wrong_before = rng.random_range(0..n);
        let pass_before = rng.random_range(0..n);
        let long_pause_after = rng.random_range(0..n);
        // The wrong control: a push control other than every control of the function, so a
        // press on it can never count as a step.
        let used: Vec<usize> = function.actions.iter().map(|a| a.control).collect();
        let others: Vec<usize> = (0..panel.controls.len())
            .filter(|c| !used.contains(c) && panel.controls[*c].ty != ControlType::Knob)
            .collect();
        let wrong = (!others.is_empty()).then(|| others[rng.random_range(0..others.len())]);
        let mut functions = vec![function];
        let mut steps = Vec::new();
        let mut passes = Vec::new();
        let mut events = Vec::new();
        let mut t = intro;
        let push = |steps: &mut Vec<TimedStep>,
                    t: &mut u32,
                    function: usize,
                    step: usize,
                    kind: &ActionKind| {
            let len = step_seconds(kind);
            let act_start = *t as f64 + APPROACH;
            let timed = TimedStep {
                function,
                step,
                start: *t,
                end: *t + len,
                act_start,
                act_end: act_start + action_seconds(kind),
                hover: None,
            };
            steps.push(timed.clone());
            *t += len;
            timed
        };
        for s in 0..n {
            let action = functions[0].actions[s].clone();
            if s == wrong_before {
                if let Some(control) = wrong {
                    if functions.len() == 1 {
                        // The wrong press is a one-step function of its own (same goal), so the
                        // renderer draws it like any other press.
                        functions.push(Function {
                            spec: functions[0].spec,
                            actions: vec![Action {
                                control,
                                kind: ActionKind::Press,
                            }],
                        });
                    }
                    let timed = push(&mut steps, &mut t, 1, 0, &ActionKind::Press);
                    events.push(ClipEvent::Wrong {
                        control,
                        start: timed.act_start,
                        end: timed.act_end,
                    });
                    t += rng.random_range(1..=2);
                }
            }
            if s == pass_before {
                let c = &panel.controls[action.control];
                let seconds = rng.random_range(1.0f64..1.4);
                let left = rng.random_bool(0.5);
                let (x0, x1) = if left {
                    (c.cx - 420.0, c.cx + 420.0)
                } else {
                    (c.cx + 420.0, c.cx - 420.0)
                };
                let dy = rng.random_range(-60.0f32..60.0);
                let start = t as f64 + 0.2;
                passes.push(Pass {
                    start,
                    end: start + seconds,
                    from: (x0, c.cy - dy),
                    to: (x1, c.cy + dy),
                    height: rng.random_range(0.45f32..0.8),
                });
                events.push(ClipEvent::Pass {
                    over: action.control,
                    start,
                    end: start + seconds,
                });
                t += (seconds + 0.2).ceil() as u32 + 1;
            }
            let timed = push(&mut steps, &mut t, 0, s, &action.kind);
            events.push(ClipEvent::Step {
                step: s,
                start: timed.act_start,
                end: timed.act_end,
            });
            t += if s == long_pause_after {
                rng.random_range(3..=4)
            } else {
                rng.random_range(1..=2)
            };
        }
        // The renderer looks steps up in time order.
        steps.sort_by(|a, b| a.start.cmp(&b.start));
        let duration = t + 2;
        (
            Timeline {
                functions,
                steps,
                intro,
                duration,
                passes,
            },
            events,
        )
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
