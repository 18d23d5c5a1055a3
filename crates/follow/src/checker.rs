//! The step check: while a step is shown, the hand's tip ([`crate::hand`]) must rest on that
//! step's control for long enough (a press, the stated time of a hold, a turn) and then leave it;
//! only then is the step confirmed. The evidence has to hold over many frames, never one: a
//! hand crossing the panel rests on no control, and the approach to a key is counted only where
//! the tip has stopped on it. A rest of that length on another control is reported as a wrong
//! control and does not advance. Frames that do not register give no evidence: a touch that
//! loses the camera for longer than a moment is dropped, so nothing advances without it.

use image::RgbImage;
use registration::Mat3;
use serde::Serialize;

use crate::hand::{HandFinder, Rect, Tip};

/// A control of the pack: its name (as in `buttons.csv`) and box on the reference photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    pub name: String,
    pub rect: Rect,
}

/// What a step asks the hand to do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Press,
    Hold { seconds: f64 },
    Turn,
}

/// One step to check: `control` indexes the checker's controls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub control: usize,
    pub action: Action,
}

/// The rules' numbers, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Shortest rest of the tip on a control that counts as a press.
    pub press: f64,
    /// Share of a hold's stated time the tip must rest.
    pub hold_share: f64,
    /// Shortest rest on a knob that counts as a turn.
    pub turn: f64,
    /// How long the tip must be off the control (or gone) before the touch counts as released.
    pub release: f64,
    /// Longest run of frames without registration a touch survives.
    pub gap: f64,
    /// Fewest frames a touch must span.
    pub min_frames: usize,
    /// Farthest the tip may move within [`Config::steady`] seconds and still be resting, as a
    /// share of the control's diagonal (a hand crossing the panel moves on; a pressing fingertip
    /// does not).
    pub wander: f32,
    /// The same on a knob being turned (fingers move round it).
    pub wander_turn: f32,
    /// The window over which the tip's movement is measured.
    pub steady: f64,
    /// Each control's box is widened by this share of its size on every side.
    pub widen: f32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            press: 0.25,
            hold_share: 0.7,
            turn: 0.8,
            release: 0.1,
            gap: 0.3,
            min_frames: 5,
            wander: 0.9,
            wander_turn: 1.2,
            steady: 0.3,
            widen: 0.35,
        }
    }
}

/// What the checker saw, as `pressnext follow --json` prints it (docs/app.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Seconds (the clip's time, or the camera's since the checker started).
    pub t: f64,
    pub event: EventKind,
    /// 1-based step the event is about (the step that was shown).
    pub step: usize,
    /// The control operated (`confirmed`, `wrong_control`) or the last step's (`done`).
    pub button: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Confirmed,
    WrongControl,
    Done,
}

/// The tip resting on one control.
#[derive(Debug, Clone)]
struct Touch {
    control: usize,
    first: f64,
    last: f64,
    /// Tip positions of the last [`Config::steady`] seconds.
    recent: Vec<(f64, [f32; 2])>,
    frames: usize,
    /// Most of the control's box the hand covered during the touch.
    cover_max: f32,
}

pub struct StepChecker {
    cfg: Config,
    controls: Vec<Control>,
    steps: Vec<Step>,
    current: usize,
    finder: HandFinder,
    touch: Option<Touch>,
    /// Time of the last frame that registered.
    last_seen: Option<f64>,
}

impl StepChecker {
    /// A checker for `steps` on the controls of a reference photo of `photo` (width, height)
    /// pixels, starting at the first step.
    pub fn new(photo: (u32, u32), controls: Vec<Control>, steps: Vec<Step>, cfg: Config) -> Self {
        let rects: Vec<Rect> = controls.iter().map(|c| c.rect).collect();
        Self {
            finder: HandFinder::new(photo, &rects),
            cfg,
            controls,
            steps,
            current: 0,
            touch: None,
            last_seen: None,
        }
    }

    /// The 0-based step shown; `steps.len()` once done.
    pub fn current(&self) -> usize {
        self.current
    }

    pub fn steps(&self) -> usize {
        self.steps.len()
    }

    /// Shows step `k` (0-based; Next, Back or a click on a step): a touch under way is dropped.
    pub fn set_current(&mut self, k: usize) {
        self.current = k.min(self.steps.len());
        self.touch = None;
    }

    /// One camera frame at `t` seconds; `homography` maps photo pixels to frame pixels, `None`
    /// when the frame did not register. Returns what it confirmed or refused.
    pub fn observe(&mut self, t: f64, frame: &RgbImage, homography: Option<&Mat3>) -> Vec<Event> {
        let Some(h) = homography else {
            // No evidence: a touch that has been unseen for too long is dropped, never counted.
            if let (Some(seen), Some(_)) = (self.last_seen, &self.touch) {
                if t - seen > self.cfg.gap {
                    self.touch = None;
                }
            }
            return Vec::new();
        };
        if self.last_seen.is_some_and(|s| t - s > 2.0) {
            // The camera was away: what the background learnt may no longer hold.
            self.finder.reset();
            self.touch = None;
        }
        let tip = self.finder.observe(t, frame, h);
        let cover = self
            .touch
            .as_ref()
            .map(|touch| self.finder.coverage(self.controls[touch.control].rect));
        self.decide(t, tip, cover)
    }

    /// The decision from the tip alone (tests drive it directly).
    pub fn step(&mut self, t: f64, tip: Option<Tip>) -> Vec<Event> {
        self.decide(t, tip, None)
    }

    /// The decision from the tip and, during a touch, how much of its control the hand covers:
    /// a hand that lets go of a knob can leave the knob's new look joined to its blob, so the tip
    /// seems to stay; the cover falling to a third of its most says the hand has gone.
    fn decide(&mut self, t: f64, tip: Option<Tip>, cover: Option<f32>) -> Vec<Event> {
        self.last_seen = Some(t);
        let on = tip.and_then(|tip| self.control_under(tip.at).map(|c| (c, tip.at)));
        let mut events = Vec::new();
        let let_go = match (&self.touch, cover) {
            (Some(touch), Some(c)) => touch.cover_max > 0.0 && c < touch.cover_max / 3.0,
            _ => false,
        };
        let stays = match (&self.touch, on) {
            (Some(touch), Some((c, _))) => touch.control == c && !let_go,
            _ => false,
        };
        match (&mut self.touch, stays) {
            (Some(touch), true) => {
                let at = on.map(|o| o.1).unwrap_or_default();
                let steady = self.cfg.steady;
                touch.recent.retain(|&(r, _)| t - r <= steady);
                let moved = touch.recent.first().map_or(0.0, |&(_, p)| {
                    let r = self.controls[touch.control].rect;
                    let diag = ((r[2] - r[0]).powi(2) + (r[3] - r[1]).powi(2))
                        .sqrt()
                        .max(1.0);
                    ((p[0] - at[0]).powi(2) + (p[1] - at[1]).powi(2)).sqrt() / diag
                });
                let turning = self
                    .steps
                    .get(self.current)
                    .is_some_and(|s| s.control == touch.control && s.action == Action::Turn);
                let wander = if turning {
                    self.cfg.wander_turn
                } else {
                    self.cfg.wander
                };
                if moved > wander {
                    // Still moving across the control (arriving, or a hand passing over): the
                    // rest starts when it stops.
                    touch.first = t;
                    touch.frames = 0;
                }
                touch.recent.push((t, at));
                touch.last = t;
                touch.frames += 1;
                touch.cover_max = touch.cover_max.max(cover.unwrap_or(0.0));
            }
            _ => {
                // The tip left the control, moved on, or vanished: a touch that has been off
                // for the release time ends here.
                if let Some(touch) = self.touch.clone() {
                    if t - touch.last >= self.cfg.release {
                        self.touch = None;
                        events.extend(self.released(t, &touch));
                    } else {
                        return events;
                    }
                }
                if let Some((c, at)) = on {
                    self.touch = Some(Touch {
                        control: c,
                        first: t,
                        last: t,
                        recent: vec![(t, at)],
                        frames: 1,
                        cover_max: 0.0,
                    });
                }
            }
        }
        events
    }

    /// A touch ended at `t`: confirm, refuse or ignore it.
    fn released(&mut self, t: f64, touch: &Touch) -> Vec<Event> {
        let Some(step) = self.steps.get(self.current).copied() else {
            return Vec::new();
        };
        let rested = touch.last - touch.first;
        if touch.frames < self.cfg.min_frames {
            return Vec::new();
        }
        let shown = self.current + 1;
        if touch.control != step.control {
            if rested < self.cfg.press {
                return Vec::new();
            }
            return vec![Event {
                t,
                event: EventKind::WrongControl,
                step: shown,
                button: self.controls[touch.control].name.clone(),
            }];
        }
        let needed = match step.action {
            Action::Press => self.cfg.press,
            Action::Hold { seconds } => (seconds * self.cfg.hold_share).max(self.cfg.press),
            Action::Turn => self.cfg.turn,
        };
        if rested < needed {
            return Vec::new();
        }
        let button = self.controls[step.control].name.clone();
        self.current += 1;
        let mut events = vec![Event {
            t,
            event: EventKind::Confirmed,
            step: shown,
            button: button.clone(),
        }];
        if self.current == self.steps.len() {
            events.push(Event {
                t,
                event: EventKind::Done,
                step: shown,
                button,
            });
        }
        events
    }

    /// The control whose widened box holds `at` (the nearest centre when boxes overlap).
    fn control_under(&self, at: [f32; 2]) -> Option<usize> {
        let widen = self.cfg.widen;
        self.controls
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let r = c.rect;
                let (mx, my) = ((r[2] - r[0]) * widen, (r[3] - r[1]) * widen);
                at[0] >= r[0] - mx && at[0] <= r[2] + mx && at[1] >= r[1] - my && at[1] <= r[3] + my
            })
            .min_by(|(_, a), (_, b)| {
                let d = |r: Rect| {
                    let (cx, cy) = ((r[0] + r[2]) / 2.0, (r[1] + r[3]) / 2.0);
                    ((at[0] - cx) / (r[2] - r[0]).max(1.0)).powi(2)
                        + ((at[1] - cy) / (r[3] - r[1]).max(1.0)).powi(2)
                };
                d(a.rect).total_cmp(&d(b.rect))
            })
            .map(|(i, _)| i)
    }
}
