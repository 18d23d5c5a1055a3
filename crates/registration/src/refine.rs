//! Dense refinement of a homography found from keypoints: the reference's textured pixels are
//! aligned with the frame directly (Lucas-Kanade, inverse compositional form: S. Baker and
//! I. Matthews, "Lucas-Kanade 20 Years On: A Unifying Framework", IJCV 56(3), 2004), with the
//! frame's gain and offset fitted robustly at every step and Tukey's biweight on the residuals, so
//! an occluding hand or a glare counts nothing once it is clearly off (Huber weights, which never
//! drop to zero, let a 30 % occluder pull the alignment: docs/registration.md).
//!
//! Why: keypoints on a blurred frame are found where the blur smears them (a FAST corner moves
//! along the motion), so the homography they give can be several pixels off at the panel's far
//! corners while every inlier agrees within the RANSAC threshold. Aligning every textured pixel
//! of both images, both smoothed, averages the smear out. Coarse to fine over two scales (half
//! and full), so a start several pixels off still converges.

use crate::gray::Plane;
use crate::homography::{self, Mat3};

/// Textured pixels kept per scale at most (a regular subset beyond that).
const MAX_SAMPLES: usize = 3000;
/// Smallest gradient (grey levels per pixel, after smoothing) of a sample.
const MIN_GRADIENT: f32 = 6.0;
/// Gauss-Newton steps per scale at most.
const ITERATIONS: usize = 12;
/// A refinement that brings the photometric cost to this share of the start's or lower is a
/// clear gain ([`Template::refine`]).
const CLEAR_GAIN: f64 = 0.85;
/// The share of samples whose absolute residual sets the cost and the noise scale: well below
/// half, since an occluder, a glare and the edges a motion blur smears can together spoil more
/// than half of the textured samples.
const QUANTILE: f64 = 0.3;
/// That quantile of the absolute value of a standard normal variable.
const NORMAL_AT_QUANTILE: f64 = 0.385;
/// Tukey's biweight cut-off in noise spreads (95 % efficiency under normal noise).
const TUKEY_C: f64 = 4.685;

#[derive(Debug, Clone)]
struct Sample {
    /// Position in the scale's pixels.
    x: f64,
    y: f64,
    /// The reference's (smoothed) grey level there.
    t: f32,
    /// Steepest-descent row: the template gradient times the warp Jacobian at identity
    /// (normalised coordinates).
    sd: [f64; 8],
}

#[derive(Debug, Clone)]
struct Scale {
    /// Scale pixels per reference (described) pixel.
    factor: f64,
    samples: Vec<Sample>,
    /// Scale pixels -> normalised coordinates (centred, half the long side = 1).
    norm: Mat3,
    norm_inv: Mat3,
}

/// The reference photo prepared for [`Template::refine`].
#[derive(Debug, Clone)]
pub struct Template {
    /// Coarse first.
    scales: Vec<Scale>,
    /// The corners of the textured pixels' bounding box, reference pixels ([`Template::support`]).
    support: Option<[[f64; 2]; 4]>,
}

impl Template {
    /// `work`: the reference as registration describes it.
    pub fn new(work: &Plane) -> Self {
        let half = work.resize(work.width / 2, work.height / 2);
        let scales = [(half, 0.5), (work.clone(), 1.0)]
            .into_iter()
            .filter(|(p, _)| p.width >= 16 && p.height >= 16)
            .map(|(p, factor)| Scale::new(&p.blur5(), factor))
            .collect::<Vec<_>>();
        let support = scales.last().and_then(Scale::support);
        Self { scales, support }
    }

    /// The corners of the bounding box of the textured pixels, reference pixels: where the
    /// alignment is supported (the photo's outline may reach far beyond the panel).
    pub fn support(&self) -> Option<[[f64; 2]; 4]> {
        self.support
    }

    /// `h` (reference pixels -> frame pixels) refined against `frame`, or `None` when the
    /// alignment does not improve on it (too few samples in view, a singular system, a cost
    /// that does not drop, or a correction larger than `max_shift` frame pixels at some corner
    /// of the textured region's bounding box, [`Template::support`]; four times that when the
    /// cost drops clearly, a third of it when it drops marginally).
    pub fn refine(&self, frame: &Plane, h: &Mat3, max_shift: f64) -> Option<Mat3> {
        let full = frame.blur5();
        let half = frame.resize(frame.width / 2, frame.height / 2).blur5();
        let mut current = *h;
        for scale in &self.scales {
            let (image, frame_factor) = if scale.factor < 1.0 {
                (&half, 0.5)
            } else {
                (&full, 1.0)
            };
            // Scale pixels -> the frame image's pixels.
            let s_ref = diag(1.0 / scale.factor);
            let s_frame = diag(frame_factor);
            let mut warp = homography::mul(&homography::mul(&s_frame, &current), &s_ref);
            // Gain and offset change little from one step to the next: each step starts its
            // fit from the last one's (one reweighting instead of a cold start and four).
            let mut photometric = None;
            for _ in 0..ITERATIONS {
                let (step, _, fitted) = scale.step(image, &warp, photometric)?;
                photometric = Some(fitted);
                let m = [
                    [1.0 + step[0], step[1], step[2]],
                    [step[3], 1.0 + step[4], step[5]],
                    [step[6], step[7], 1.0],
                ];
                let d = homography::mul(&homography::mul(&scale.norm_inv, &m), &scale.norm);
                warp = homography::mul(&warp, &homography::inverse(&d)?);
                if step.iter().map(|v| v * v).sum::<f64>().sqrt() < 1e-4 {
                    break;
                }
            }
            current = homography::mul(
                &homography::mul(&diag(1.0 / frame_factor), &warp),
                &diag(scale.factor),
            );
        }
        // Judge at the finest scale: the robust cost of the start against the result.
        let finest = self.scales.last()?;
        let at = |m: &Mat3| -> Option<f64> {
            let w = homography::mul(m, &diag(1.0 / finest.factor));
            finest.step(&full, &w, None).map(|(_, c, _)| c)
        };
        let (c1, c0) = (at(&current)?, at(h)?);
        if c1 > c0 {
            return None;
        }
        // A marginal gain may not move the panel far (a third of `max_shift`: a 207-inlier
        // keypoint fit moved 5.9 px for a 2 % gain, to a 3.95 px error); a clear one (the
        // photometric cost down by a sixth or more: the start was visibly off) up to four times.
        let limit = if c1 <= CLEAR_GAIN * c0 {
            4.0 * max_shift
        } else {
            max_shift / 3.0
        };
        if homography::max_shift(h, &current, &self.support()?)? > limit {
            return None;
        }
        homography::normalized(current)
    }
}

fn diag(s: f64) -> Mat3 {
    [[s, 0.0, 0.0], [0.0, s, 0.0], [0.0, 0.0, 1.0]]
}

impl Scale {
    fn new(p: &Plane, factor: f64) -> Self {
        let (w, h) = (p.width, p.height);
        let cx = (w as f64 - 1.0) / 2.0;
        let cy = (h as f64 - 1.0) / 2.0;
        let s = (w.max(h) as f64 / 2.0).max(1.0);
        let norm = [
            [1.0 / s, 0.0, -cx / s],
            [0.0, 1.0 / s, -cy / s],
            [0.0, 0.0, 1.0],
        ];
        let norm_inv = [[s, 0.0, cx], [0.0, s, cy], [0.0, 0.0, 1.0]];
        let v = |x: usize, y: usize| f32::from(p.at(x, y));
        let mut textured = Vec::new();
        for y in 2..h.saturating_sub(2) {
            for x in 2..w.saturating_sub(2) {
                let gx = (v(x + 1, y) - v(x - 1, y)) / 2.0;
                let gy = (v(x, y + 1) - v(x, y - 1)) / 2.0;
                if gx.abs().max(gy.abs()) >= MIN_GRADIENT {
                    textured.push((x, y, gx, gy));
                }
            }
        }
        let stride = textured.len().div_ceil(MAX_SAMPLES).max(1);
        let samples = textured
            .into_iter()
            .step_by(stride)
            .map(|(x, y, gx, gy)| {
                let xn = (x as f64 - cx) / s;
                let yn = (y as f64 - cy) / s;
                // d(template)/d(normalised) = gradient per pixel x pixels per unit.
                let (gx, gy) = (f64::from(gx) * s, f64::from(gy) * s);
                Sample {
                    x: x as f64,
                    y: y as f64,
                    t: v(x, y),
                    sd: [
                        gx * xn,
                        gx * yn,
                        gx,
                        gy * xn,
                        gy * yn,
                        gy,
                        -(gx * xn + gy * yn) * xn,
                        -(gx * xn + gy * yn) * yn,
                    ],
                }
            })
            .collect();
        Self {
            factor,
            samples,
            norm,
            norm_inv,
        }
    }

    /// The corners of the bounding box of its samples, reference pixels; `None` without any.
    fn support(&self) -> Option<[[f64; 2]; 4]> {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for s in &self.samples {
            x0 = x0.min(s.x);
            y0 = y0.min(s.y);
            x1 = x1.max(s.x);
            y1 = y1.max(s.y);
        }
        if x0 > x1 {
            return None;
        }
        let f = self.factor;
        Some([
            [x0 / f, y0 / f],
            [x1 / f, y0 / f],
            [x1 / f, y1 / f],
            [x0 / f, y1 / f],
        ])
    }

    /// One Gauss-Newton step for `warp` (scale pixels -> `image` pixels): the update, the
    /// robust cost ([`QUANTILE`] of the absolute residuals after gain and offset) of `warp`
    /// itself and the gain and offset fitted, from `photometric` when given ([`photometric_fit`]).
    /// `None` when under half the samples fall in the image or the system is singular.
    fn step(
        &self,
        image: &Plane,
        warp: &Mat3,
        photometric: Option<(f64, f64)>,
    ) -> Option<([f64; 8], f64, (f64, f64))> {
        let mut seen: Vec<(usize, f64)> = Vec::with_capacity(self.samples.len());
        for (i, s) in self.samples.iter().enumerate() {
            if let Some(q) = crate::apply(warp, [s.x, s.y]) {
                if let Some(v) = image.bilinear(q[0], q[1]) {
                    seen.push((i, f64::from(v)));
                }
            }
        }
        if seen.len() * 2 < self.samples.len() || seen.len() < 32 {
            return None;
        }
        let (gain, offset, scale) = photometric_fit(&self.samples, &seen, photometric);
        let residuals: Vec<f64> = seen
            .iter()
            .map(|&(i, v)| gain * v + offset - f64::from(self.samples[i].t))
            .collect();
        let cost = quantile(residuals.iter().map(|r| r.abs()).collect(), QUANTILE);
        let mut a = [[0.0f64; 8]; 8];
        let mut b = [0.0f64; 8];
        for (&(i, _), &r) in seen.iter().zip(&residuals) {
            let w = biweight(r.abs() / (TUKEY_C * scale.max(1.0)));
            let sd = &self.samples[i].sd;
            for j in 0..8 {
                b[j] += w * sd[j] * r;
                for k in j..8 {
                    a[j][k] += w * sd[j] * sd[k];
                }
            }
        }
        for j in 0..8 {
            for k in 0..j {
                a[j][k] = a[k][j];
            }
        }
        Some((solve8(a, b)?, cost, (gain, offset)))
    }
}

/// The frame's gain and offset against the template (`gain * frame + offset ~ template`) and
/// the robust spread of what is left ([`QUANTILE`] of the absolute residuals, as a normal
/// standard deviation), fitted so that an occluder or a glare over a third of the samples does
/// not bend them: a start from medians and median absolute deviations, then weighted least
/// squares with Tukey's biweight (samples beyond [`TUKEY_C`] spreads count nothing). From
/// `start` (a fit at a nearby warp), one reweighting instead.
fn photometric_fit(
    samples: &[Sample],
    seen: &[(usize, f64)],
    start: Option<(f64, f64)>,
) -> (f64, f64, f64) {
    let median_of = |v: Vec<f64>| quantile(v, 0.5);
    let ts: Vec<f64> = seen.iter().map(|&(i, _)| f64::from(samples[i].t)).collect();
    let vs: Vec<f64> = seen.iter().map(|&(_, v)| v).collect();
    let (mut gain, mut offset, refits) = match start {
        Some((gain, offset)) => (gain, offset, 1),
        None => {
            let (mt, mv) = (median_of(ts.clone()), median_of(vs.clone()));
            let dt = median_of(ts.iter().map(|t| (t - mt).abs()).collect());
            let dv = median_of(vs.iter().map(|v| (v - mv).abs()).collect());
            let gain = if dv > 1e-6 {
                (dt / dv).clamp(0.2, 5.0)
            } else {
                1.0
            };
            (gain, mt - gain * mv, 4)
        }
    };
    let mut scale = 1.0;
    for _ in 0..refits {
        let abs: Vec<f64> = ts
            .iter()
            .zip(&vs)
            .map(|(t, v)| (gain * v + offset - t).abs())
            .collect();
        scale = (quantile(abs.clone(), QUANTILE) / NORMAL_AT_QUANTILE).max(0.5);
        let c = TUKEY_C * scale;
        let (mut sw, mut si, mut st, mut sii, mut sit) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for ((t, v), r) in ts.iter().zip(&vs).zip(&abs) {
            let w = biweight(r / c);
            sw += w;
            si += w * v;
            st += w * t;
            sii += w * v * v;
            sit += w * v * t;
        }
        if sw < 1e-9 {
            break;
        }
        let var = sii - si * si / sw;
        if var > 1e-6 {
            gain = ((sit - si * st / sw) / var).clamp(0.2, 5.0);
        }
        offset = (st - gain * si) / sw;
    }
    (gain, offset, scale)
}

/// Tukey's biweight of a residual `u` in units of its cut-off: `(1 - u^2)^2` inside, 0 beyond.
fn biweight(u: f64) -> f64 {
    if u < 1.0 {
        (1.0 - u * u).powi(2)
    } else {
        0.0
    }
}

/// The `q` quantile of `values` (not empty).
fn quantile(mut values: Vec<f64>, q: f64) -> f64 {
    let at = ((values.len() as f64 * q) as usize).min(values.len() - 1);
    *values.select_nth_unstable_by(at, f64::total_cmp).1
}

/// `a x = b` by Gaussian elimination with partial pivoting; `None` when singular.
fn solve8(mut a: [[f64; 8]; 8], mut b: [f64; 8]) -> Option<[f64; 8]> {
    for c in 0..8 {
        let p = (c..8).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..8 {
            let f = a[r][c] / a[c][c];
            for k in c..8 {
                a[r][k] -= f * a[c][k];
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0f64; 8];
    for r in (0..8).rev() {
        let s: f64 = (r + 1..8).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A textured plane: blocks of pseudo-random grey, smoothed.
    fn texture(w: usize, h: usize) -> Plane {
        let mut p = Plane::new(w, h);
        for y in 0..h {
            for x in 0..w {
                let k = ((x / 9) as u32).wrapping_mul(2654435761)
                    ^ ((y / 7) as u32).wrapping_mul(40503);
                p.data[y * w + x] = (k.wrapping_mul(2246822519) >> 24) as u8;
            }
        }
        p.blur5()
    }

    /// `reference` seen through `h` (reference -> frame) in a `w` x `h` frame, grey 0 outside.
    fn warp(reference: &Plane, h: &Mat3, w: usize, hgt: usize) -> Plane {
        let inv = homography::inverse(h).unwrap();
        let mut out = Plane::new(w, hgt);
        for y in 0..hgt {
            for x in 0..w {
                if let Some(q) = crate::apply(&inv, [x as f64, y as f64]) {
                    if let Some(v) = reference.bilinear(q[0], q[1]) {
                        out.data[y * w + x] = v.round() as u8;
                    }
                }
            }
        }
        out
    }

    fn corner_error(a: &Mat3, b: &Mat3, w: f64, h: f64) -> f64 {
        [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]
            .iter()
            .map(|&p| {
                let (u, v) = (crate::apply(a, p).unwrap(), crate::apply(b, p).unwrap());
                ((u[0] - v[0]).powi(2) + (u[1] - v[1]).powi(2)).sqrt()
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn a_start_a_few_pixels_off_converges_on_the_truth() {
        let reference = texture(240, 160);
        let truth: Mat3 = [
            [1.1, 0.08, 40.0],
            [-0.05, 0.95, 30.0],
            [0.0004, -0.0002, 1.0],
        ];
        let frame = warp(&reference, &truth, 400, 300);
        let start: Mat3 = [
            [1.1, 0.08, 44.0],
            [-0.05, 0.95, 27.0],
            [0.0004, -0.0002, 1.0],
        ];
        let before = corner_error(&start, &truth, 240.0, 160.0);
        let template = Template::new(&reference);
        let refined = template.refine(&frame, &start, 12.0).expect("refined");
        let after = corner_error(&refined, &truth, 240.0, 160.0);
        assert!(
            before > 4.0 && after < 0.5,
            "corner error {before:.2} -> {after:.2} px"
        );
        // Gain and offset do not matter.
        let mut brighter = frame.clone();
        for v in &mut brighter.data {
            *v = (f32::from(*v) * 0.7 + 40.0) as u8;
        }
        let refined = template.refine(&brighter, &start, 12.0).expect("refined");
        assert!(corner_error(&refined, &truth, 240.0, 160.0) < 0.5);
    }

    #[test]
    fn nothing_to_align_with_is_no_refinement() {
        let reference = texture(240, 160);
        let template = Template::new(&reference);
        let start: Mat3 = [[1.0, 0.0, 40.0], [0.0, 1.0, 30.0], [0.0, 0.0, 1.0]];
        // A blank frame: the cost cannot drop, or the step is singular.
        let blank = Plane::new(400, 300);
        assert!(template.refine(&blank, &start, 12.0).is_none());
        // The reference far outside the frame: too few samples in view.
        let away: Mat3 = [[1.0, 0.0, 900.0], [0.0, 1.0, 30.0], [0.0, 0.0, 1.0]];
        assert!(template.refine(&blank, &away, 12.0).is_none());
    }
}
