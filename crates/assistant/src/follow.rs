//! Follow along: the answer's steps checked on camera frames ([`follow::StepChecker`]). The live
//! view runs the checker on every frame it registers (the app), and [`follow_clip`] plays a
//! video file through the same registration and checker (`pressnext follow`, the tests and the
//! benchmark), so the two see exactly the same evidence.

use std::path::Path;
use std::time::{Duration, Instant};

use ::follow::{Action, Config, Control, Step, StepChecker};
/// What the step check reports, as the app and `pressnext follow` pass it on.
pub use ::follow::{Event, EventKind};
use image::RgbImage;
use media::camera::CameraError;
use media::scale::Downscaler;
use registration::{ButtonBox, RegisterConfig, Registrar, Tracker};

use crate::ask::Answer;
use crate::{Error, Result};

/// The step check of `steps` on a pack's `buttons` (boxes on its reference photo of `photo`
/// pixels), with the app's rules: what the live view, `follow_clip` and the benchmarks run.
pub fn checker(photo: (u32, u32), buttons: &[ButtonBox], steps: Vec<Step>) -> StepChecker {
    let controls = buttons
        .iter()
        .map(|b| Control {
            name: b.name.clone(),
            rect: [
                b.x as f32,
                b.y as f32,
                (b.x + b.w) as f32,
                (b.y + b.h) as f32,
            ],
        })
        .collect();
    StepChecker::new(photo, controls, steps, Config::default())
}

/// The steps to check for `answer`: each step's best candidate, its control among `buttons`
/// and its action read from the answer's words (a hold without a stated time counts 2 s).
/// `None` when the answer has no steps or names a control the pack does not have.
pub fn steps(answer: &Answer, buttons: &[ButtonBox]) -> Option<Vec<Step>> {
    if !answer.covered || answer.steps.is_empty() {
        return None;
    }
    answer
        .steps
        .iter()
        .map(|s| {
            let best = s.candidates.first()?;
            let control = buttons.iter().position(|b| b.name == best.button)?;
            let action = match grounding::action::parse(&best.answer) {
                Some(grounding::action::Action::Hold { seconds }) => Action::Hold {
                    seconds: seconds.unwrap_or(2.0),
                },
                Some(grounding::action::Action::Turn { .. }) => Action::Turn,
                _ => Action::Press,
            };
            Some(Step { control, action })
        })
        .collect()
}

/// What [`follow_clip`] saw.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipRun {
    pub events: Vec<Event>,
    pub frames: usize,
    /// Frames that registered to the reference photo.
    pub registered: usize,
    pub seconds: f64,
}

/// Plays the video `clip` as the camera: every frame is registered to `reference` (as the live
/// view registers, tracking between frames) and checked against `steps` on `buttons`. As fast as
/// it can, or at the clip's own pace with `realtime`. `on_event` gets each event as it happens.
pub fn follow_clip(
    reference: &RgbImage,
    buttons: &[ButtonBox],
    steps: Vec<Step>,
    clip: &Path,
    realtime: bool,
    on_event: impl FnMut(&Event),
) -> Result<ClipRun> {
    follow_clip_with_next(reference, buttons, steps, clip, realtime, &[], on_event)
}

/// [`follow_clip`] with a user who clicks Next: at each `(seconds, k)` of `next` (in time order),
/// a check still waiting for a step before `k` (0-based) moves on to step `k`, as the app's Next
/// does, so that the benchmark measures every press even after the check missed one.
pub fn follow_clip_with_next(
    reference: &RgbImage,
    buttons: &[ButtonBox],
    steps: Vec<Step>,
    clip: &Path,
    realtime: bool,
    next: &[(f64, usize)],
    mut on_event: impl FnMut(&Event),
) -> Result<ClipRun> {
    let failed = |message: String| {
        Error::Camera(CameraError::Failed(
            format!("file:{}", clip.display()),
            message,
        ))
    };
    let registrar = Registrar::from_rgb(reference, RegisterConfig::default())
        .map_err(|e| failed(format!("the reference photo cannot be registered to: {e}")))?;
    let mut tracker = Tracker::new(registrar);
    let mut scaler = Downscaler::new();
    let mut checker = checker(reference.dimensions(), buttons, steps);
    let mut run = ClipRun {
        events: Vec::new(),
        frames: 0,
        registered: 0,
        seconds: 0.0,
    };
    let started = Instant::now();
    let mut error = None;
    // Every frame: a sampling rate above any camera's keeps stride 1.
    media::for_each_sampled_frame(clip, 1000.0, |frame| {
        if realtime {
            let due = Duration::from_secs_f64(frame.timestamp.max(0.0));
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        for &(_, k) in next.iter().filter(|(at, _)| *at <= frame.timestamp) {
            if checker.current() < k {
                checker.set_current(k);
            }
        }
        let reg = match crate::live::register_scaled(&mut tracker, &mut scaler, &frame.image) {
            Ok(reg) => reg,
            Err(e) => {
                error = Some(e.to_string());
                return false;
            }
        };
        run.frames += 1;
        run.seconds = frame.timestamp;
        if reg.homography.is_some() {
            run.registered += 1;
        }
        for event in checker.observe(frame.timestamp, &frame.image, reg.homography.as_ref()) {
            on_event(&event);
            run.events.push(event);
        }
        true
    })
    .map_err(|e| failed(e.to_string()))?;
    if let Some(e) = error {
        return Err(failed(e));
    }
    Ok(run)
}

/// The steps a generator's clip truth (`camera_truth.json`, docs/synth.md) follows, as the
/// checker takes them: for measuring the checker alone, whatever the answer would have been.
pub fn truth_steps(truth: &serde_json::Value, buttons: &[ButtonBox]) -> Option<Vec<Step>> {
    truth["steps"]
        .as_array()?
        .iter()
        .map(|s| {
            let control = buttons
                .iter()
                .position(|b| s["button"] == b.name.as_str())?;
            let action = match s["action"]["kind"].as_str()? {
                "hold" => Action::Hold {
                    seconds: s["action"]["seconds"].as_f64().unwrap_or(2.0),
                },
                "turn" => Action::Turn,
                _ => Action::Press,
            };
            Some(Step { control, action })
        })
        .collect()
}

/// How a run of the checker compares with the clip's truth (docs/app.md, "Follow along").
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ClipScore {
    /// Steps carried out in the clip, and how many of them were confirmed (the right step and
    /// control, between the start of the press and 2 s after its release).
    pub presses: usize,
    pub confirmed: usize,
    /// Seconds from each confirmed press's release to its confirmation.
    pub delays: Vec<f64>,
    /// Presses on a wrong control, and how many were reported as such.
    pub wrong_presses: usize,
    pub wrong_reported: usize,
    /// Hands crossing the panel without pressing.
    pub passes: usize,
    /// Confirmations that match no step carried out (a pass, a wrong control, nothing).
    pub false_confirmations: usize,
    /// Whether `done` was said after the last step was confirmed.
    pub done: bool,
}

/// Scores `events` against `truth` (`camera_truth.json`).
pub fn score_clip(truth: &serde_json::Value, events: &[Event]) -> ClipScore {
    use ::follow::EventKind;
    let mut score = ClipScore::default();
    let truth_events = truth["events"].as_array().cloned().unwrap_or_default();
    let mut used = vec![false; events.len()];
    for e in &truth_events {
        let (start, end) = (
            e["start"].as_f64().unwrap_or(0.0),
            e["end"].as_f64().unwrap_or(0.0),
        );
        let button = e["button"].as_str().unwrap_or("");
        let find = |kind: EventKind, step: Option<u64>, used: &[bool]| {
            events.iter().enumerate().position(|(i, ev)| {
                !used[i]
                    && ev.event == kind
                    && ev.button == button
                    && step.is_none_or(|s| ev.step as u64 == s)
                    && ev.t >= start
                    && ev.t <= end + 2.0
            })
        };
        match e["kind"].as_str() {
            Some("step") => {
                score.presses += 1;
                if let Some(i) = find(EventKind::Confirmed, e["step"].as_u64(), &used) {
                    used[i] = true;
                    score.confirmed += 1;
                    score.delays.push(events[i].t - end);
                }
            }
            Some("wrong") => {
                score.wrong_presses += 1;
                if let Some(i) = find(EventKind::WrongControl, None, &used) {
                    used[i] = true;
                    score.wrong_reported += 1;
                }
            }
            Some("pass") => score.passes += 1,
            _ => {}
        }
    }
    score.false_confirmations = events
        .iter()
        .zip(&used)
        .filter(|(e, u)| e.event == EventKind::Confirmed && !**u)
        .count();
    score.done = events.iter().any(|e| e.event == EventKind::Done);
    score
}

/// Follows a pack written by the generator's `demo_pack` (`root` holding `test/<appliance>/` and
/// `camera.mp4`; `truth_path` its `camera_truth.json`) through the truth's steps, the user clicking Next 2 s
/// after the release of any press the check missed, so one miss does not hide the presses after
/// it; scored against the truth. `pressnext bench-follow` and the tests measure the check alone
/// this way, whatever an answer would have been.
pub fn check_generated_pack(root: &Path, truth_path: &Path) -> Result<(ClipScore, ClipRun)> {
    let invalid = |path: &Path, message: String| Error::PackInvalid {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(truth_path).map_err(|e| Error::io(truth_path, e))?;
    let truth: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(truth_path, e.to_string()))?;
    let test = root.join("test");
    let folder = std::fs::read_dir(&test)
        .map_err(|e| Error::io(&test, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.join("buttons.csv").is_file())
        .ok_or_else(|| invalid(&test, "no appliance folder with a buttons.csv".into()))?;
    let csv = folder.join("buttons.csv");
    let buttons =
        assistq::buttons::Buttons::read(&csv).map_err(|e| invalid(&csv, e.to_string()))?;
    let image = buttons
        .images()
        .first()
        .map(|s| s.to_string())
        .ok_or_else(|| invalid(&csv, "names no photo".into()))?;
    let photo = folder.join("images").join(&image);
    let reference = registration::load_image(&photo).map_err(|e| invalid(&photo, e.to_string()))?;
    let boxes =
        crate::packs::reference_boxes(&buttons, &image, reference.width(), reference.height());
    let steps = truth_steps(&truth, &boxes)
        .ok_or_else(|| invalid(truth_path, "its steps name buttons the pack lacks".into()))?;
    let next: Vec<(f64, usize)> = truth["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["kind"] == "step")
        .filter_map(|e| Some((e["end"].as_f64()? + 2.0, e["step"].as_u64()? as usize)))
        .collect();
    let run = follow_clip_with_next(
        &reference,
        &boxes,
        steps,
        &root.join("camera.mp4"),
        false,
        &next,
        |_| {},
    )?;
    Ok((score_clip(&truth, &run.events), run))
}
