//! Cue (b): where the action happens in the tutorial video, without a learned model. Each
//! sampled frame is registered to the reference photo (`registration`); every button box of
//! the photo is then looked up in the frame through the homography and compared with the photo.
//! A finger, a pen, a glove, a knob's pointer or a lit display all change what a box shows; a
//! box that changes much more than it usually does is being operated.
//!
//! Per box and frame the change is the mean absolute difference of grey levels on a grid of
//! points inside the box (frame brightness matched to the photo's), turned into a robust z-score
//! against that box's own median and spread over the whole video, so a box that always differs
//! (a shiny key, a display) does not win every sentence.

use std::path::Path;

use image::{GrayImage, RgbImage};
use registration::{apply, Mat3, Plane, RegisterConfig, Registrar};

use crate::layout::Rect;
use crate::Error;

/// Frames per second sampled from the tutorial: a press lasts about half a second.
pub const SAMPLE_FPS: f64 = 4.0;
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
    pub fn window(&self, start: f64, end: f64, buttons: usize) -> Option<(Vec<f32>, Vec<f64>)> {
        self.window_weighted(start, end, buttons, |_| 1.0)
    }

    /// [`Activity::window`] with each frame's z scaled by `weight(time)` (how much a moment
    /// belongs to the line: less where another sentence is being spoken).
    pub fn window_weighted(
        &self,
        start: f64,
        end: f64,
        buttons: usize,
        weight: impl Fn(f64) -> f32,
    ) -> Option<(Vec<f32>, Vec<f64>)> {
        let frames: Vec<usize> = (0..self.times.len())
            .filter(|&i| self.in_view[i] && self.times[i] >= start && self.times[i] <= end)
            .collect();
        if frames.is_empty() {
            return None;
        }
        let mut best = vec![f32::NEG_INFINITY; buttons];
        let mut when = vec![start; buttons];
        for (k, &i) in frames.iter().enumerate() {
            let next = frames.get(k + 1).copied().filter(|&j| j == i + 1);
            let wi = weight(self.times[i]);
            let wj = next.map(|j| weight(self.times[j]));
            for b in 0..buttons {
                let sustained = match (next, wj) {
                    (Some(j), Some(wj)) => (wi * self.z[i][b]).min(wj * self.z[j][b]),
                    _ if frames.len() == 1 => wi * self.z[i][b],
                    _ => continue,
                };
                if sustained > best[b] {
                    best[b] = sustained;
                    when[b] = self.times[i];
                }
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
/// inside each of `rects` (photo pixels). `progress(done_seconds, total_seconds)` is called per
/// frame.
pub fn activity(
    video: &Path,
    photo: &RgbImage,
    rects: &[Rect],
    progress: impl FnMut(f64, f64),
) -> Result<Activity, Error> {
    activity_observed(video, photo, rects, progress, |_| {})
}

/// [`activity`], also handing every registered frame to `observe` (a new pack's hand finder), so
/// the video is decoded and registered once for both.
pub fn activity_observed(
    video: &Path,
    photo: &RgbImage,
    rects: &[Rect],
    mut progress: impl FnMut(f64, f64),
    mut observe: impl FnMut(RegisteredFrame<'_>),
) -> Result<Activity, Error> {
    let registrar =
        Registrar::from_rgb(photo, RegisterConfig::default()).map_err(|e| Error::Media {
            path: video.to_path_buf(),
            message: format!("the reference photo cannot be registered to: {e}"),
        })?;
    let reference = Plane::from_rgb(photo);
    let points: Vec<Vec<[f64; 2]>> = rects.iter().map(grid).collect();
    let ref_values: Vec<Vec<f32>> = points
        .iter()
        .map(|pts| {
            pts.iter()
                .map(|p| bilinear(&reference, p[0], p[1]).unwrap_or(0.0))
                .collect()
        })
        .collect();
    let ref_mean = mean_plane(&reference);
    let duration = media::probe(video)
        .map(|i| i.duration.unwrap_or(0.0))
        .unwrap_or(0.0);
    let mut times = Vec::new();
    let mut in_view = Vec::new();
    let mut raw: Vec<Vec<f32>> = Vec::new();
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
        let row = match reg.homography {
            Some(h) => {
                let gain = ref_mean / mean_plane(&plane).max(1.0);
                points
                    .iter()
                    .zip(&ref_values)
                    .map(|(pts, refs)| {
                        let mut sum = 0.0;
                        let mut n = 0;
                        for (p, r) in pts.iter().zip(refs) {
                            if let Some(q) = apply(&h, *p) {
                                if let Some(v) = bilinear(&plane, q[0], q[1]) {
                                    sum += (v * gain - r).abs();
                                    n += 1;
                                }
                            }
                        }
                        if n * 2 < pts.len() {
                            f32::NAN
                        } else {
                            sum / n as f32
                        }
                    })
                    .collect()
            }
            None => vec![f32::NAN; rects.len()],
        };
        raw.push(row);
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
    let z = robust_z(&raw, rects.len());
    Ok(Activity { times, in_view, z })
}

/// Per column, `(x - median) / (1.4826 MAD + 1)`; NaN (box not seen) becomes 0.
fn robust_z(raw: &[Vec<f32>], buttons: usize) -> Vec<Vec<f32>> {
    let mut stats = Vec::with_capacity(buttons);
    for b in 0..buttons {
        let mut v: Vec<f32> = raw.iter().map(|r| r[b]).filter(|x| x.is_finite()).collect();
        v.sort_by(f32::total_cmp);
        let median = v.get(v.len() / 2).copied().unwrap_or(0.0);
        let mut dev: Vec<f32> = v.iter().map(|x| (x - median).abs()).collect();
        dev.sort_by(f32::total_cmp);
        let mad = dev.get(dev.len() / 2).copied().unwrap_or(0.0);
        stats.push((median, 1.4826 * mad + 1.0));
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

fn mean_plane(p: &Plane) -> f32 {
    if p.data.is_empty() {
        return 0.0;
    }
    p.data.iter().map(|&v| v as u64).sum::<u64>() as f32 / p.data.len() as f32
}

fn bilinear(p: &Plane, x: f64, y: f64) -> Option<f32> {
    if !(x >= 0.0 && y >= 0.0 && x <= (p.width - 1) as f64 && y <= (p.height - 1) as f64) {
        return None;
    }
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(p.width - 1), (y0 + 1).min(p.height - 1));
    let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
    let v = |x, y| p.at(x, y) as f32;
    let top = v(x0, y0) * (1.0 - fx) + v(x1, y0) * fx;
    let bottom = v(x0, y1) * (1.0 - fx) + v(x1, y1) * fx;
    Some(top * (1.0 - fy) + bottom * fy)
}
