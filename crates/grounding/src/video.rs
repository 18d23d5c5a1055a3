//! Cue (b): where the action happens in the tutorial video, without a learned model. Each
//! sampled frame is registered to the reference photo (`registration`); every button box of
//! the photo is then looked up in the frame through the homography and compared with how the
//! video usually shows it. A finger, a pen, a glove, a knob's pointer or a lit display all change
//! what a box shows; a box that changes much more than it usually does is being operated.
//!
//! Per box and frame the change is the mean absolute difference of grey levels on a grid of
//! points inside the box to each point's median over the video (frame brightness matched),
//! turned into a robust z-score against that box's own median and spread over the whole video,
//! so a box that always varies (a shiny key, a display) does not win every sentence; each
//! frame's scores then lose their median over the boxes (light or shake moves them all).
//!
//! With the hand models (`hands`, MediaPipe's palm detector and hand landmarks) each registered
//! frame's hands are found too, and their index fingertip (and, for a grip around a knob, the
//! point between thumb tip and index tip) is mapped through the homography onto the photo: a box
//! the fingertip is in scores 1, falling to 0 at half the box's shorter side outside it. This
//! sees the finger itself, where the change cue sees only what the finger does to the box (and
//! also a pen, a pointer or a display lighting up, which no hand model sees).
//!
//! And, model-free, the tip of whatever reaches over the panel (`follow::HandFinder`: the
//! changed cells of a grid over the photo, the blob much bigger than a key, its point farthest
//! from where it comes in) scores the boxes the same way. The change cue alone saturates on every
//! key the hand and arm cover on their way in, so it often prefers a key between the one pressed
//! and the hand's side of the picture; the tip of the blob is at the key pressed, finger or pen.

use std::path::Path;

use image::{GrayImage, RgbImage};
use registration::homography::inverse;
use registration::{apply, Mat3, Plane, RegisterConfig, Registrar};

use crate::layout::Rect;
use crate::Error;

/// Frames per second sampled from the tutorial: a press lasts about half a second.
pub const SAMPLE_FPS: f64 = 4.0;
/// Consecutive sampled frames a press must show (half a second at 4 fps: a press lasts that
/// long, a hand passing over a key does not).
pub const PRESS_FRAMES: usize = 2;
/// Seconds a turn of a knob takes at least: a hand that only stops over a control on its way
/// (a hesitation, a pointing gesture) stays for less.
pub const TURN_SECONDS: f64 = 1.0;
/// Share of a spoken hold's duration the video must show the hand on the control.
pub const HOLD_SHARE: f64 = 0.6;

/// Consecutive sampled frames the video must show the hand on a control for `action`: a turn
/// lasts [`TURN_SECONDS`], a hold of N seconds [`HOLD_SHARE`] of them, a press
/// [`PRESS_FRAMES`].
pub fn sustain_frames(action: Option<&crate::action::Action>) -> usize {
    use crate::action::Action;
    let seconds = match action {
        Some(Action::Turn { .. }) => TURN_SECONDS,
        Some(Action::Hold { seconds: Some(n) }) => HOLD_SHARE * n,
        _ => 0.0,
    };
    ((seconds * SAMPLE_FPS).round() as usize + 1).max(PRESS_FRAMES)
}

/// Grid points per side inside each box.
const GRID: usize = 7;

/// What the video shows over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// Time of each sampled frame, seconds.
    pub times: Vec<f64>,
    /// Whether each frame registered to the photo.
    pub in_view: Vec<bool>,
    /// `z[frame][button]`: how unusual the change inside each box is (0 when not in view).
    pub z: Vec<Vec<f32>>,
    /// `tip[frame][button]`: how close the index fingertip is to each box, in [0, 1] (0 when
    /// not in view or no hand); empty when the video was measured without the hand models.
    pub tip: Vec<Vec<f32>>,
    /// `grip[frame][button]`: the same for the point between thumb tip and index tip, where a
    /// hand turning a knob holds it.
    pub grip: Vec<Vec<f32>>,
    /// `reach[frame][button]`: the same for the tip of whatever reaches over the panel, seen
    /// model-free (`follow::HandFinder`); 0 when not in view or nothing reaches in.
    pub reach: Vec<Vec<f32>>,
    /// How each box's surroundings look frame by frame, off the hand ([`crate::after`]).
    pub looks: crate::after::Looks,
}

/// How the two video signals make one score per frame and box, in [0, 1]: the change z-score
/// (saturating at [`crate::VIDEO_Z_FULL`]) weighted `change`, plus the fingertip score weighted
/// `hand`, over the sum of the weights. `grip`: the line turns a knob, so the point between thumb
/// and index counts as a fingertip too. Adding the two (rather than saturating their sum) keeps
/// a box that both holds the finger and changes ahead of one the hand only rests near.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mix {
    pub change: f32,
    pub hand: f32,
    /// The model-free tip's weight ([`Activity::reach`]).
    pub reach: f32,
    pub grip: bool,
}

impl Activity {
    /// Share of sampled frames that registered.
    pub fn registered_share(&self) -> f32 {
        if self.in_view.is_empty() {
            return 0.0;
        }
        self.in_view.iter().filter(|&&v| v).count() as f32 / self.in_view.len() as f32
    }

    /// Per button, the strongest sustained activity inside `[start, end]` (the lower z of two
    /// consecutive registered frames, half a second at 4 fps: a press or a turn lasts that
    /// long, a hand passing over a key does not) and when it peaked; `None` when no frame of
    /// the window registered.
    pub fn window(
        &self,
        start: f64,
        end: f64,
        buttons: usize,
        mix: Mix,
    ) -> Option<(Vec<f32>, Vec<f64>)> {
        self.window_weighted(start, end, buttons, mix, |_| 1.0, PRESS_FRAMES)
    }

    /// Per button, in [0, 1], what the video shows left behind around it (a light that stays
    /// on, a pointer moved) across a moment inside `[start, end]`, each moment weighted by
    /// `weight(time)` ([`crate::after`]).
    pub fn left_behind(&self, start: f64, end: f64, weight: impl Fn(f64) -> f32) -> Vec<f32> {
        let moments: Vec<(usize, f32)> = (0..self.times.len())
            .filter(|&i| self.in_view[i] && self.times[i] >= start && self.times[i] <= end)
            .map(|i| (i, weight(self.times[i])))
            .collect();
        self.looks.left_behind(&self.times, &moments)
    }

    /// Whether the hand models looked at this video.
    pub fn has_hands(&self) -> bool {
        !self.tip.is_empty()
    }

    /// Frame `i`'s fingertip score for button `b` (with the grip point when `grip`).
    pub fn fingertip(&self, i: usize, b: usize, grip: bool) -> f32 {
        let at = |m: &Vec<Vec<f32>>| m.get(i).and_then(|r| r.get(b)).copied().unwrap_or(0.0);
        if grip {
            at(&self.tip).max(at(&self.grip))
        } else {
            at(&self.tip)
        }
    }

    /// Frame `i`'s evidence for button `b` under `mix`, in [0, 1].
    pub fn evidence(&self, i: usize, b: usize, mix: Mix) -> f32 {
        let total = mix.change + mix.hand + mix.reach;
        if total <= 0.0 {
            return 0.0;
        }
        let z = self.z[i][b];
        // Saturated boxes (a finger on one key, the palm over the next) are told apart by how
        // far past saturation they go, at a weight too small to matter otherwise.
        let change = z.clamp(0.0, crate::VIDEO_Z_FULL) / crate::VIDEO_Z_FULL
            + 0.01 * (z - crate::VIDEO_Z_FULL).clamp(0.0, 8.0 * crate::VIDEO_Z_FULL)
                / (8.0 * crate::VIDEO_Z_FULL);
        let reach = self
            .reach
            .get(i)
            .and_then(|r| r.get(b))
            .copied()
            .unwrap_or(0.0);
        (mix.change * change + mix.hand * self.fingertip(i, b, mix.grip) + mix.reach * reach)
            / total
    }

    /// [`Activity::window`] with each frame's z scaled by `weight(time)` (how much a moment
    /// belongs to the line: less where another sentence is being spoken), over runs of
    /// `sustain` consecutive sampled frames (at least [`PRESS_FRAMES`]; [`sustain_frames`] for
    /// the line's action): a box counts as much as its weakest frame of the run. Where the
    /// window holds no such run, shorter ones down to [`PRESS_FRAMES`] count (one frame when the
    /// window holds only one).
    pub fn window_weighted(
        &self,
        start: f64,
        end: f64,
        buttons: usize,
        mix: Mix,
        weight: impl Fn(f64) -> f32,
        sustain: usize,
    ) -> Option<(Vec<f32>, Vec<f64>)> {
        let frames: Vec<usize> = (0..self.times.len())
            .filter(|&i| self.in_view[i] && self.times[i] >= start && self.times[i] <= end)
            .collect();
        if frames.is_empty() {
            return None;
        }
        // Each frame's weighted evidence per box, once: the runs below overlap.
        let scores: Vec<Vec<f32>> = frames
            .iter()
            .map(|&i| {
                let w = weight(self.times[i]);
                (0..buttons).map(|b| w * self.evidence(i, b, mix)).collect()
            })
            .collect();
        let mut best = vec![f32::NEG_INFINITY; buttons];
        let mut when = vec![start; buttons];
        let shortest = PRESS_FRAMES.min(frames.len());
        for run in (shortest..=sustain.max(shortest)).rev() {
            for k in 0..frames.len() {
                let Some(span) = frames.get(k..k + run) else {
                    break;
                };
                // Consecutive sampled frames only: a gap (a frame out of view) breaks the run.
                if span[run - 1] - span[0] != run - 1 {
                    continue;
                }
                for b in 0..buttons {
                    let sustained = scores[k..k + run]
                        .iter()
                        .map(|row| row[b])
                        .fold(f32::INFINITY, f32::min);
                    if sustained > best[b] {
                        best[b] = sustained;
                        when[b] = self.times[span[0]];
                    }
                }
            }
            if best.iter().any(|b| b.is_finite()) {
                break;
            }
        }
        for (b, w) in best.iter_mut().zip(when.iter_mut()) {
            if !w.is_finite() || !b.is_finite() {
                *b = 0.0;
                *w = start;
            }
        }
        Some((best, when))
    }
}

/// One sampled frame of the tutorial as [`activity_observed`] registered it, lent to its
/// observer before the next is decoded.
#[derive(Debug, Clone, Copy)]
pub struct RegisteredFrame<'a> {
    /// Seconds into the video.
    pub time: f64,
    /// The frame as decoded.
    pub image: &'a RgbImage,
    /// Photo pixels to frame pixels, when registration found one.
    pub homography: Option<&'a Mat3>,
    /// Whether registration decided the photo's appliance is in view.
    pub in_view: bool,
}

/// Samples `video` at [`SAMPLE_FPS`], registers each frame to `photo` and measures the change
/// inside each of `rects` (photo pixels), and with `hands` where the fingertips are.
/// `progress(done_seconds, total_seconds)` is called per frame.
pub fn activity(
    video: &Path,
    photo: &RgbImage,
    rects: &[Rect],
    hands: Option<&hands::HandFinder>,
    progress: impl FnMut(f64, f64),
) -> Result<Activity, Error> {
    activity_observed(video, photo, rects, hands, progress, |_| {})
}

/// [`activity`], also handing every registered frame to `observe` (a new pack's hand finder), so
/// the video is decoded and registered once for both.
pub fn activity_observed(
    video: &Path,
    photo: &RgbImage,
    rects: &[Rect],
    hands: Option<&hands::HandFinder>,
    mut progress: impl FnMut(f64, f64),
    mut observe: impl FnMut(RegisteredFrame<'_>),
) -> Result<Activity, Error> {
    let registrar =
        Registrar::from_rgb(photo, RegisterConfig::default()).map_err(|e| Error::Media {
            path: video.to_path_buf(),
            message: format!("the reference photo cannot be registered to: {e}"),
        })?;
    let points: Vec<Vec<[f64; 2]>> = rects.iter().map(grid).collect();
    let around = crate::after::Grid::new(rects);
    let mut around_rows: Vec<Vec<Vec<f32>>> = Vec::new();
    let duration = media::probe(video)
        .map(|i| i.duration.unwrap_or(0.0))
        .unwrap_or(0.0);
    let mut times = Vec::new();
    let mut in_view = Vec::new();
    // Per frame, per box, the grey level at each grid point (NaN where the frame does not show it).
    let mut samples: Vec<Vec<Vec<f32>>> = Vec::new();
    let mut tip_rows: Vec<Vec<f32>> = Vec::new();
    let mut grip_rows: Vec<Vec<f32>> = Vec::new();
    let mut hand_error: Option<String> = None;
    let mut reach_rows: Vec<Vec<f32>> = Vec::new();
    let mut reacher = follow::HandFinder::new((photo.width(), photo.height()), rects);
    let mut last_in_view: Option<f64> = None;
    let mut prior: Option<Mat3> = None;
    media::for_each_sampled_frame(video, SAMPLE_FPS, |frame| {
        let decoded = image::DynamicImage::ImageRgb8(frame.image);
        let gray: GrayImage = decoded.to_luma8();
        // Back to the RGB buffer it was (no copy) for the observer.
        let image = decoded.into_rgb8();
        let plane = Plane::from_gray(&gray);
        let reg = match prior {
            Some(h) => {
                let r = registrar.track_plane(&plane, &h);
                if r.in_view {
                    r
                } else {
                    registrar.register_plane(&plane)
                }
            }
            None => registrar.register_plane(&plane),
        };
        prior = reg.homography;
        times.push(frame.timestamp);
        in_view.push(reg.in_view);
        let row: Vec<Vec<f32>> = points
            .iter()
            .map(|pts| {
                pts.iter()
                    .map(|p| {
                        reg.homography
                            .and_then(|h| apply(&h, *p))
                            .and_then(|q| plane.bilinear(q[0], q[1]))
                            .unwrap_or(f32::NAN)
                    })
                    .collect()
            })
            .collect();
        samples.push(row);
        let reach = match (reg.in_view, reg.homography.as_ref()) {
            (true, Some(h)) => {
                // Away for long, the background learnt may no longer hold.
                if last_in_view.is_some_and(|s| frame.timestamp - s > 2.0) {
                    reacher.reset();
                }
                last_in_view = Some(frame.timestamp);
                reacher.observe(frame.timestamp, &image, h)
            }
            _ => None,
        };
        // Around each box, off the hand: what an action leaves behind.
        let shown = reg.homography.as_ref().filter(|_| reg.in_view);
        around_rows.push(
            around
                .points
                .iter()
                .map(|pts| {
                    pts.iter()
                        .map(|&p| {
                            shown
                                .filter(|_| p[0].is_finite() && !reacher.near_hand(p))
                                .and_then(|h| apply(h, p))
                                .and_then(|q| plane.bilinear(q[0], q[1]))
                                .unwrap_or(f32::NAN)
                        })
                        .collect()
                })
                .collect(),
        );
        reach_rows.push(match reach {
            Some(tip) => near_scores([tip.at[0] as f64, tip.at[1] as f64], rects),
            None => vec![0.0; rects.len()],
        });
        if let Some(finder) = hands {
            let (tip, grip) = match (reg.in_view, reg.homography.as_ref().and_then(inverse)) {
                (true, Some(to_photo)) => match finder.find(&image) {
                    Ok(found) => fingertip_scores(&found, &to_photo, rects),
                    Err(e) => {
                        hand_error.get_or_insert(e.to_string());
                        (vec![0.0; rects.len()], vec![0.0; rects.len()])
                    }
                },
                _ => (vec![0.0; rects.len()], vec![0.0; rects.len()]),
            };
            tip_rows.push(tip);
            grip_rows.push(grip);
        }
        observe(RegisteredFrame {
            time: frame.timestamp,
            image: &image,
            homography: reg.homography.as_ref(),
            in_view: reg.in_view,
        });
        progress(frame.timestamp, duration);
        true
    })
    .map_err(|e| Error::Media {
        path: video.to_path_buf(),
        message: e.to_string(),
    })?;
    if let Some(message) = hand_error {
        return Err(Error::Media {
            path: video.to_path_buf(),
            message: format!("finding the hands failed: {message}"),
        });
    }
    let z = robust_z(&change_from_usual(samples), rects.len());
    Ok(Activity {
        times,
        in_view,
        z: common_mode_removed(z),
        tip: tip_rows,
        grip: grip_rows,
        reach: reach_rows,
        looks: crate::after::Looks::new(&around, around_rows),
    })
}

/// Per box, how close the fingertips of `found` (frame pixels) are once mapped onto the photo
/// by `to_photo`: 1 inside the box, falling linearly to 0 at half the box's shorter side outside
/// it. Two rows: the index fingertip, and the point between thumb tip and index tip (where a grip
/// around a knob holds it); the best hand counts.
pub fn fingertip_scores(
    found: &[hands::Hand],
    to_photo: &Mat3,
    rects: &[Rect],
) -> (Vec<f32>, Vec<f32>) {
    let mut tip_row = vec![0f32; rects.len()];
    let mut grip_row = vec![0f32; rects.len()];
    let near = |row: &mut Vec<f32>, p: [f64; 2]| {
        let Some(q) = apply(to_photo, p) else { return };
        for (o, s) in row.iter_mut().zip(near_scores(q, rects)) {
            *o = o.max(s);
        }
    };
    for h in found {
        let tip = h.landmarks[hands::INDEX_TIP];
        let thumb = h.landmarks[hands::THUMB_TIP];
        near(&mut tip_row, [tip[0] as f64, tip[1] as f64]);
        near(
            &mut grip_row,
            [
                (tip[0] + thumb[0]) as f64 / 2.0,
                (tip[1] + thumb[1]) as f64 / 2.0,
            ],
        );
    }
    (tip_row, grip_row)
}

/// Per box, how close the photo point `q` is: 1 inside the box, falling linearly to 0 at half
/// the box's shorter side outside it.
fn near_scores(q: [f64; 2], rects: &[Rect]) -> Vec<f32> {
    rects
        .iter()
        .map(|r| {
            let d = crate::layout::distance(r, q);
            let reach = 0.5 * (r[2] - r[0]).min(r[3] - r[1]).max(1.0) as f64;
            (1.0 - d / reach).max(0.0) as f32
        })
        .collect()
}

/// The median of the finite values of `v` (the upper one of an even count); `None` without any.
pub(crate) fn median(mut v: Vec<f32>) -> Option<f32> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    Some(*v.select_nth_unstable_by(mid, f32::total_cmp).1)
}

/// Per frame and box, how far the box's grid points are from how the video usually shows them:
/// the mean absolute difference to each point's median over the frames, after matching the
/// frame's brightness to those medians (the median ratio over every box's points, so a finger
/// on one key does not set it). NaN where the frame shows under half of the box's points.
///
/// The video's own look, not the reference photo's, is the baseline: the photo is another
/// picture (another light, white balance, blur, angle), and against it a finger may as well
/// make a key look more like the photo as less (a brown finger on a dark key of a bright video).
fn change_from_usual(mut samples: Vec<Vec<Vec<f32>>>) -> Vec<Vec<f32>> {
    let Some(first) = samples.first() else {
        return Vec::new();
    };
    let usual: Vec<Vec<f32>> = first
        .iter()
        .enumerate()
        .map(|(b, pts)| {
            (0..pts.len())
                .map(|k| median(samples.iter().map(|f| f[b][k]).collect()).unwrap_or(f32::NAN))
                .collect()
        })
        .collect();
    samples
        .iter_mut()
        .map(|frame| {
            let ratios: Vec<f32> = frame
                .iter()
                .zip(&usual)
                .flat_map(|(pts, us)| pts.iter().zip(us).map(|(&v, &u)| u / v.max(1.0)))
                .collect();
            let gain = median(ratios).unwrap_or(1.0);
            for v in frame.iter_mut().flatten() {
                *v *= gain;
            }
            frame
                .iter()
                .zip(&usual)
                .map(|(pts, us)| {
                    let (mut sum, mut n) = (0.0, 0);
                    for (&v, &u) in pts.iter().zip(us) {
                        if v.is_finite() && u.is_finite() {
                            sum += (v - u).abs();
                            n += 1;
                        }
                    }
                    if n * 2 < pts.len() {
                        f32::NAN
                    } else {
                        sum / n as f32
                    }
                })
                .collect()
        })
        .collect()
}

/// Each frame's z-scores less their median over the boxes (with three boxes or more): what
/// moves every box at once (light, exposure, blur, a shaking camera) is no box's action.
fn common_mode_removed(z: Vec<Vec<f32>>) -> Vec<Vec<f32>> {
    z.into_iter()
        .map(|row| {
            if row.len() < 3 {
                return row;
            }
            let m = median(row.clone()).unwrap_or(0.0);
            row.into_iter().map(|x| x - m).collect()
        })
        .collect()
}

/// Per box (column), its change as a robust z-score over the video, `(x - median) / (1.4826
/// MAD + 1)`; NaN (box not seen) becomes 0.
fn robust_z(raw: &[Vec<f32>], buttons: usize) -> Vec<Vec<f32>> {
    let mut stats = Vec::with_capacity(buttons);
    for b in 0..buttons {
        let v: Vec<f32> = raw.iter().map(|r| r[b]).collect();
        let m = median(v.clone()).unwrap_or(0.0);
        let mad = median(v.iter().map(|x| (x - m).abs()).collect()).unwrap_or(0.0);
        stats.push((m, 1.4826 * mad + 1.0));
    }
    raw.iter()
        .map(|r| {
            r.iter()
                .zip(&stats)
                .map(|(&x, &(m, s))| if x.is_finite() { (x - m) / s } else { 0.0 })
                .collect()
        })
        .collect()
}

fn grid(r: &Rect) -> Vec<[f64; 2]> {
    let mut pts = Vec::with_capacity(GRID * GRID);
    for j in 0..GRID {
        for i in 0..GRID {
            let u = (i as f64 + 0.5) / GRID as f64;
            let v = (j as f64 + 0.5) / GRID as f64;
            pts.push([
                r[0] as f64 + u * (r[2] - r[0]) as f64,
                r[1] as f64 + v * (r[3] - r[1]) as f64,
            ]);
        }
    }
    pts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hand_at(tip: [f32; 2], thumb: [f32; 2]) -> hands::Hand {
        let mut landmarks = vec![[0f32; 3]; 21];
        landmarks[hands::INDEX_TIP] = [tip[0], tip[1], 0.0];
        landmarks[hands::THUMB_TIP] = [thumb[0], thumb[1], 0.0];
        hands::Hand {
            landmarks,
            presence: 0.9,
            palm_score: 0.9,
            right: 0.5,
            roi: hands::RotatedRect {
                cx: 0.0,
                cy: 0.0,
                width: 1.0,
                height: 1.0,
                rotation: 0.0,
            },
        }
    }

    #[test]
    fn a_fingertip_scores_its_box_and_fades_outside() {
        // Frame pixels are photo pixels scaled by 2.
        let to_photo: Mat3 = [[0.5, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 1.0]];
        let rects = [[10.0, 10.0, 30.0, 20.0], [40.0, 10.0, 60.0, 20.0]];
        // Tip at photo (20, 15): inside the first box. Thumb at photo (20, 35): the grip point
        // (20, 25) is 5 px below the first box, whose reach is half its height, 5 px.
        let (tip, grip) =
            fingertip_scores(&[hand_at([40.0, 30.0], [40.0, 70.0])], &to_photo, &rects);
        assert_eq!(tip, vec![1.0, 0.0]);
        assert_eq!(grip, vec![0.0, 0.0]);
        // Tip 2.5 px right of the first box: half way out.
        let (tip, _) = fingertip_scores(&[hand_at([65.0, 30.0], [0.0, 0.0])], &to_photo, &rects);
        assert!((tip[0] - 0.5).abs() < 1e-6, "{tip:?}");
        assert_eq!(fingertip_scores(&[], &to_photo, &rects).0, vec![0.0, 0.0]);
    }

    /// A frame twice as bright everywhere is no change; a box covered in one frame is, and
    /// only that box, though the photo (not used any more) may look nothing like the video.
    #[test]
    fn change_is_against_the_videos_usual_look() {
        let look = |v: f32| vec![v; 4];
        // 5 frames, 3 boxes of 4 grid points: box values 100, 50, 150.
        let mut samples: Vec<Vec<Vec<f32>>> = (0..5)
            .map(|_| vec![look(100.0), look(50.0), look(150.0)])
            .collect();
        samples[1] = vec![look(200.0), look(100.0), look(300.0)];
        samples[3][1] = look(20.0);
        // Frame 4 shows only one point of box 2: not enough to say.
        samples[4][2] = vec![150.0, f32::NAN, f32::NAN, f32::NAN];
        let change = change_from_usual(samples);
        assert!(change[1].iter().all(|&c| c.abs() < 1e-3), "{:?}", change[1]);
        assert!((change[3][1] - 30.0).abs() < 1e-3, "{:?}", change[3]);
        assert!(change[3][0].abs() < 1e-3 && change[3][2].abs() < 1e-3);
        assert!(change[4][2].is_nan());
        let z = common_mode_removed(robust_z(&change, 3));
        assert!(z[3][1] > 10.0, "{:?}", z[3]);
        // Every box moving together leaves nothing.
        let z = common_mode_removed(vec![vec![5.0, 5.0, 5.0, 9.0]]);
        assert_eq!(z, vec![vec![0.0, 0.0, 0.0, 4.0]]);
    }

    #[test]
    fn change_and_fingertip_add_without_saturating_each_other() {
        let a = Activity {
            times: vec![0.0],
            in_view: vec![true],
            // Box 0 changes fully, box 1 not at all.
            z: vec![vec![20.0, 0.0]],
            // The fingertip is on both (box 1 only by the grip point).
            tip: vec![vec![1.0, 0.0]],
            grip: vec![vec![0.0, 1.0]],
            reach: vec![vec![0.0, 0.0]],
            looks: Default::default(),
        };
        let both = Mix {
            change: 1.0,
            hand: 1.0,
            reach: 0.0,
            grip: false,
        };
        // Saturated (z 20 > 8): 1, plus 0.01 x (20 - 8) / 64 to tell it from a box at z 8.
        let past = 0.01 * 12.0 / 64.0;
        assert!((a.evidence(0, 0, both) - (1.0 + past / 2.0)).abs() < 1e-6);
        assert_eq!(a.evidence(0, 1, both), 0.0);
        assert_eq!(a.evidence(0, 1, Mix { grip: true, ..both }), 0.5);
        let change_only = Mix { hand: 0.0, ..both };
        assert!((a.evidence(0, 0, change_only) - (1.0 + past)).abs() < 1e-6);
        let none = Mix {
            change: 0.0,
            hand: 0.0,
            reach: 0.0,
            grip: false,
        };
        assert_eq!(a.evidence(0, 0, none), 0.0);
    }

    #[test]
    fn a_turn_must_last_and_a_short_stop_over_another_control_does_not_count_for_it() {
        use crate::action::Action;
        // 4 fps, 12 frames: box 0 is covered for 3 frames (a hand stopping over it on its
        // way), box 1 for 6 (the turn itself), less strongly.
        let times: Vec<f64> = (0..12).map(|i| i as f64 / 4.0).collect();
        let z: Vec<Vec<f32>> = (0..12)
            .map(|i| {
                vec![
                    if (1..4).contains(&i) { 8.0 } else { 0.0 },
                    if (5..11).contains(&i) { 4.0 } else { 0.0 },
                ]
            })
            .collect();
        let a = Activity {
            times,
            in_view: vec![true; 12],
            z,
            tip: Vec::new(),
            grip: Vec::new(),
            reach: vec![vec![0.0; 2]; 12],
            looks: Default::default(),
        };
        let mix = Mix {
            change: 1.0,
            hand: 0.0,
            reach: 0.0,
            grip: false,
        };
        let turn = Action::Turn {
            direction: None,
            to: None,
        };
        // A press: two frames are enough, and the stop is the stronger.
        let (press, _) = a
            .window_weighted(0.0, 3.0, 2, mix, |_| 1.0, sustain_frames(None))
            .unwrap();
        assert!(press[0] > press[1], "{press:?}");
        // A turn: a second at least (5 frames at 4 fps); only box 1 lasts that long.
        assert_eq!(sustain_frames(Some(&turn)), 5);
        let (turned, when) = a
            .window_weighted(0.0, 3.0, 2, mix, |_| 1.0, sustain_frames(Some(&turn)))
            .unwrap();
        assert_eq!(turned[0], 0.0);
        assert!((turned[1] - 0.5).abs() < 1e-6, "{turned:?}");
        assert_eq!(when[1], 1.25);
        // A hold of 3 s: 0.6 of it (1.8 s, 8 frames); a press of no said duration: 2 frames.
        assert_eq!(
            sustain_frames(Some(&Action::Hold { seconds: Some(3.0) })),
            8
        );
        assert_eq!(
            sustain_frames(Some(&Action::Hold { seconds: None })),
            PRESS_FRAMES
        );
        // A window too short for a whole run falls back to shorter runs.
        let (short, _) = a
            .window_weighted(1.25, 2.0, 2, mix, |_| 1.0, sustain_frames(Some(&turn)))
            .unwrap();
        assert!((short[1] - 0.5).abs() < 1e-6, "{short:?}");
        // A frame out of view breaks a run.
        let mut gap = a.clone();
        gap.in_view[7] = false;
        let (broken, _) = gap
            .window_weighted(0.0, 3.0, 2, mix, |_| 1.0, sustain_frames(Some(&turn)))
            .unwrap();
        assert_eq!(broken, vec![0.0, 0.0]);
    }
}
