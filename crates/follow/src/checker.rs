//! The step check: while a step is shown, the hand's tip ([`crate::hand`]) must rest on that
//! step's control for long enough (a press, the stated time of a hold, a turn) and then leave it;
//! only then is the step confirmed (a turn, once the knob looks different from before the hand
//! came: its pointer has moved). The evidence has to hold over many frames, never one: a
//! hand crossing the panel rests on no control, and the approach to a key is counted only where
//! the tip has stopped on it. A rest of that length on another control is reported as a wrong
//! control and does not advance. Frames that do not register give no evidence: a touch that
//! loses the camera for longer than a moment is dropped, so nothing advances without it.

use image::RgbImage;
use registration::Mat3;
use serde::Serialize;

use crate::hand::{HandFinder, Look, Rect, Tip};

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
    /// Share of the knob's cells (those the hand leaves free) that must look different from
    /// before the hand came for a turn to count.
    pub turn_change: f32,
    /// Longest wait after a turn's release for the hand to leave the knob before its look is
    /// judged.
    pub turn_wait: f64,
    /// Longest break between two rests on the knob of a turn that still makes them one rest:
    /// fingers moving round a knob take the tip off it for a moment.
    pub turn_gap: f64,
    /// How long the tip must be off the control (or gone) before the touch counts as released.
    pub release: f64,
    /// Longest run of frames without registration a touch survives.
    pub gap: f64,
    /// Fewest frames a touch must span.
    pub min_frames: usize,
    /// Farthest the tip may move within [`Config::steady`] seconds and still be resting, in
    /// control sizes (the square root of its area; a hand crossing the panel moves on, a
    /// pressing fingertip does not).
    pub wander: f32,
    /// The same on a knob being turned (fingers move round it).
    pub wander_turn: f32,
    /// Fastest steady drift of the tip over a whole rest, in control sizes per second.
    pub drift: f32,
    /// The window over which the tip's movement is measured.
    pub steady: f64,
    /// Each control's box is widened by this share of its size on every side.
    pub widen: f32,
    /// The same for a tip already resting on the control (no other control's box holding it).
    pub widen_held: f32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            press: 0.25,
            hold_share: 0.7,
            turn: 0.8,
            turn_change: 0.02,
            turn_wait: 0.4,
            turn_gap: 0.5,
            release: 0.1,
            gap: 0.3,
            min_frames: 5,
            wander: 1.3,
            wander_turn: 1.7,
            drift: 2.5,
            steady: 0.3,
            widen: 0.35,
            widen_held: 0.6,
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
    /// Frames in a row the tip has moved farther than the rest allows.
    moving: usize,
    /// Tip positions since the rest began.
    path: Vec<(f64, [f32; 2])>,
    /// Most of the control's box the hand covered during the touch.
    cover_max: f32,
    /// The control's look as the hand arrived (frames only; the tests' tips have none).
    before: Option<Look>,
}

pub struct StepChecker {
    cfg: Config,
    controls: Vec<Control>,
    steps: Vec<Step>,
    current: usize,
    finder: HandFinder,
    touch: Option<Touch>,
    /// A turn whose rest was long enough, waiting for the hand to leave the knob to see that
    /// the knob looks different.
    turned: Option<Turned>,
    /// The turn's rests so far on its knob, each too short alone.
    partial_turn: Option<PartialTurn>,
    /// Time of the last frame that registered.
    last_seen: Option<f64>,
}

/// Rests on a turn's knob too short to be the turn alone, carried to the next one.
#[derive(Debug, Clone)]
struct PartialTurn {
    control: usize,
    rested: f64,
    /// When the last of them ended.
    ended: f64,
    /// The knob's look before the hand came for the first of them.
    before: Option<Look>,
}

/// A turn rest released at `released`, to be confirmed once the knob shows its new look.
#[derive(Debug)]
struct Turned {
    control: usize,
    before: Look,
    released: f64,
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
            turned: None,
            partial_turn: None,
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
        self.turned = None;
        self.partial_turn = None;
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
            self.turned = None;
            self.partial_turn = None;
        }
        let tip = self.finder.observe(t, frame, h);
        let cover = self
            .touch
            .as_ref()
            .map(|touch| self.finder.coverage(self.controls[touch.control].rect));
        let mut events = self.decide(t, tip, cover);
        if let Some(touch) = self.touch.as_mut() {
            if touch.before.is_none() {
                touch.before = Some(self.finder.look(self.controls[touch.control].rect));
            }
        }
        // A turn is judged once the hand has left the knob, or, a hand lingering, on the cells
        // it leaves free after `turn_wait`.
        let judged = self.turned.as_ref().is_some_and(|turned| {
            self.finder.hand_share(self.controls[turned.control].rect) < 0.05
                || t - turned.released >= self.cfg.turn_wait
        });
        if let Some(turned) = self.turned.take_if(|_| judged) {
            if self.finder.changed_from(&turned.before) >= self.cfg.turn_change {
                events.extend(self.confirm(t));
            }
        }
        events
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
        // A tip resting on a control stays on it within a wider box than it takes to start
        // there: the far end of a finger flickers across the edge of a small key.
        let held = self.touch.as_ref().map(|touch| touch.control);
        let on = tip.and_then(|tip| match self.control_under(tip.at, self.cfg.widen) {
            Some(c) => Some((c, tip.at)),
            None => held
                .filter(|&c| self.within(c, tip.at, self.cfg.widen_held))
                .map(|c| (c, tip.at)),
        });
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
                // From where the tip was at the window's start: the median of its first three
                // positions, so that one stray frame there does not make a move.
                let start = (!touch.recent.is_empty()).then(|| {
                    let first: Vec<[f32; 2]> =
                        touch.recent.iter().take(3).map(|&(_, p)| p).collect();
                    [
                        median(first.iter().map(|p| p[0])),
                        median(first.iter().map(|p| p[1])),
                    ]
                });
                // In control sizes (a hand sliding along a wide key must not look still).
                let size = size(self.controls[touch.control].rect);
                let moved = start.map_or(0.0, |p| {
                    ((p[0] - at[0]).powi(2) + (p[1] - at[1]).powi(2)).sqrt() / size
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
                // One frame's jump is not a move: the far end of the hand blob jumps to a
                // knuckle now and then while the finger stays.
                touch.moving = if moved > wander { touch.moving + 1 } else { 0 };
                if touch.moving >= 2 {
                    // Still moving across the control (arriving, or a hand passing over): the
                    // rest starts when it stops.
                    touch.first = t;
                    touch.frames = 0;
                    touch.path.clear();
                }
                if touch.moving != 1 {
                    touch.recent.push((t, at));
                }
                touch.path.push((t, at));
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
                        moving: 0,
                        path: vec![(t, at)],
                        cover_max: 0.0,
                        before: None,
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
        // A hand sliding steadily over a wide key can leave it before the window shows it
        // moving: the rest's own drift (a robust slope of its path) says it never stopped.
        if drift(&touch.path) / size(self.controls[touch.control].rect) > self.cfg.drift {
            return Vec::new();
        }
        let shown = self.current + 1;
        if touch.control != step.control {
            if rested < self.cfg.press {
                return Vec::new();
            }
            self.partial_turn = None;
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
        let (mut rested, mut before) = (rested, touch.before.clone());
        if step.action == Action::Turn {
            // The rests on the knob since the hand came, if each began soon after the last.
            if let Some(partial) = self.partial_turn.take().filter(|p| {
                p.control == touch.control && touch.first - p.ended <= self.cfg.turn_gap
            }) {
                rested += partial.rested;
                before = partial.before.or(before);
            }
            if rested < needed {
                self.partial_turn = Some(PartialTurn {
                    control: touch.control,
                    rested,
                    ended: touch.last,
                    before,
                });
                return Vec::new();
            }
        }
        if rested < needed {
            return Vec::new();
        }
        if let (Action::Turn, Some(before)) = (step.action, before) {
            // A hand resting on a knob is not yet a turn: the knob must look different.
            self.turned = Some(Turned {
                control: touch.control,
                before,
                released: t,
            });
            return Vec::new();
        }
        self.confirm(t)
    }

    /// The shown step is done: confirmed (and `done` after the last).
    fn confirm(&mut self, t: f64) -> Vec<Event> {
        let Some(step) = self.steps.get(self.current).copied() else {
            return Vec::new();
        };
        let shown = self.current + 1;
        let button = self.controls[step.control].name.clone();
        self.current += 1;
        self.partial_turn = None;
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

    /// Whether `at` is in control `c`'s box widened by `widen` of its size on every side.
    fn within(&self, c: usize, at: [f32; 2], widen: f32) -> bool {
        let r = self.controls[c].rect;
        let (mx, my) = ((r[2] - r[0]) * widen, (r[3] - r[1]) * widen);
        at[0] >= r[0] - mx && at[0] <= r[2] + mx && at[1] >= r[1] - my && at[1] <= r[3] + my
    }

    /// The control whose box widened by `widen` holds `at` (the nearest centre when boxes
    /// overlap).
    fn control_under(&self, at: [f32; 2], widen: f32) -> Option<usize> {
        (0..self.controls.len())
            .filter(|&c| self.within(c, at, widen))
            .min_by(|&a, &b| {
                let d = |r: Rect| {
                    let (cx, cy) = ((r[0] + r[2]) / 2.0, (r[1] + r[3]) / 2.0);
                    ((at[0] - cx) / (r[2] - r[0]).max(1.0)).powi(2)
                        + ((at[1] - cy) / (r[3] - r[1]).max(1.0)).powi(2)
                };
                d(self.controls[a].rect).total_cmp(&d(self.controls[b].rect))
            })
    }
}

/// A control's size in photo pixels: the square root of its box's area (a wide key is no
/// easier to rest on than a square one).
fn size(r: Rect) -> f32 {
    ((r[2] - r[0]) * (r[3] - r[1])).max(1.0).sqrt()
}

/// The median of a few values (the upper one of an even count).
fn median(values: impl Iterator<Item = f32>) -> f32 {
    let mut v: Vec<f32> = values.collect();
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The speed (pixels per second) of a path's steady drift: the Theil-Sen slope, the median of
/// the slopes between pairs of points at least 0.1 s apart, in x and in y (strays and jitter
/// do not move a median). At most 40 points are used.
fn drift(path: &[(f64, [f32; 2])]) -> f32 {
    let stride = path.len().div_ceil(40).max(1);
    let points: Vec<&(f64, [f32; 2])> = path.iter().step_by(stride).collect();
    let (mut sx, mut sy) = (Vec::new(), Vec::new());
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            let dt = (b.0 - a.0) as f32;
            if dt >= 0.1 {
                sx.push((b.1[0] - a.1[0]) / dt);
                sy.push((b.1[1] - a.1[1]) / dt);
            }
        }
    }
    if sx.is_empty() {
        return 0.0;
    }
    median(sx.into_iter()).hypot(median(sy.into_iter()))
}
