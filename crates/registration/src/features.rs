//! ORB-style keypoints and binary descriptors: FAST-9 corners on an image
//! pyramid, ranked by the Harris response and spread over a grid, oriented by
//! the intensity centroid, described by 256 steered BRIEF tests on a
//! smoothed patch; matched by Hamming distance with Lowe's ratio test.
//!
//! This follows Rublee et al., "ORB: an efficient alternative to SIFT or
//! SURF" (ICCV 2011). It is our own implementation (see
//! docs/registration.md for why not kornia's): it can detect inside a region
//! of interest (the tracker's predicted position of the appliance) and match
//! under a spatial prior, which a fixed library call cannot.

use std::sync::OnceLock;

use super::gray::Plane;
use super::homography::{apply, Mat3};

/// Detector settings.
#[derive(Debug, Clone)]
pub struct DetectorParams {
    /// Pyramid levels (level 0 is the input).
    pub levels: usize,
    /// Down-scaling factor between consecutive levels.
    pub scale_factor: f32,
    /// FAST intensity threshold.
    pub fast_threshold: u8,
    /// Keypoints kept over all levels (split in proportion to level area).
    pub max_features: usize,
    /// Grid cell size (pixels of the level) for spreading keypoints.
    pub cell: usize,
}

impl Default for DetectorParams {
    fn default() -> Self {
        Self {
            levels: 6,
            scale_factor: 1.3,
            fast_threshold: 16,
            max_features: 1500,
            cell: 48,
        }
    }
}

/// One keypoint, with its position in level-0 pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Keypoint {
    pub x: f32,
    pub y: f32,
    pub level: u8,
    /// Orientation in radians.
    pub angle: f32,
    /// Harris response (for ranking).
    pub score: f32,
}

/// 256-bit BRIEF descriptor.
pub type Descriptor = [u64; 4];

/// Keypoints and their descriptors (same order).
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub keypoints: Vec<Keypoint>,
    pub descriptors: Vec<Descriptor>,
}

/// Margin (level pixels) where no keypoint is taken: the orientation disc
/// and the steered BRIEF pattern both reach 15 pixels out.
const BORDER: usize = 16;
const PATCH_RADIUS: i32 = 15;
const ANGLE_BINS: usize = 30;

/// The 16-pixel Bresenham circle of radius 3 used by FAST.
const CIRCLE: [(i32, i32); 16] = [
    (0, -3),
    (1, -3),
    (2, -2),
    (3, -1),
    (3, 0),
    (3, 1),
    (2, 2),
    (1, 3),
    (0, 3),
    (-1, 3),
    (-2, 2),
    (-3, 1),
    (-3, 0),
    (-3, -1),
    (-2, -2),
    (-1, -3),
];

/// The BRIEF test pairs, isotropic Gaussian (sigma = patch/5, the "G II"
/// layout of Calonder et al.) clipped to radius 13, pre-rotated for every
/// orientation bin. Deterministic, so descriptors are comparable between
/// runs and machines.
/// 256 test pairs `(x1, y1, x2, y2)`, offsets from the keypoint.
type Pattern = [(i8, i8, i8, i8); 256];

fn patterns() -> &'static Vec<Pattern> {
    static P: OnceLock<Vec<Pattern>> = OnceLock::new();
    P.get_or_init(|| {
        let mut rng = super::homography::SplitMix64(0x0B_12_1E_F5);
        let mut gauss = || loop {
            let u1 = rng.unit().max(1e-12);
            let u2 = rng.unit();
            let g = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos() * 31.0 / 5.0;
            if g.abs() <= 13.0 {
                return g;
            }
        };
        let mut base = Vec::with_capacity(256);
        while base.len() < 256 {
            let (a, b, c, d) = (gauss(), gauss(), gauss(), gauss());
            if a.hypot(b) <= 13.0 && c.hypot(d) <= 13.0 && (a - c).hypot(b - d) >= 2.0 {
                base.push((a, b, c, d));
            }
        }
        (0..ANGLE_BINS)
            .map(|bin| {
                let th = bin as f64 * 2.0 * std::f64::consts::PI / ANGLE_BINS as f64;
                let (s, c) = th.sin_cos();
                let rot =
                    |x: f64, y: f64| ((c * x - s * y).round() as i8, (s * x + c * y).round() as i8);
                std::array::from_fn(|i| {
                    let (x1, y1, x2, y2) = base[i];
                    let (a, b) = rot(x1, y1);
                    let (cc, d) = rot(x2, y2);
                    (a, b, cc, d)
                })
            })
            .collect()
    })
}

/// Row offsets bounding the orientation disc of radius 15.
fn disc_extent() -> &'static [i32; 31] {
    static D: OnceLock<[i32; 31]> = OnceLock::new();
    D.get_or_init(|| {
        std::array::from_fn(|i| {
            let dy = i as i32 - PATCH_RADIUS;
            (((PATCH_RADIUS * PATCH_RADIUS - dy * dy) as f64).sqrt()) as i32
        })
    })
}

/// A rectangle of level-0 pixels `[x0, x1) x [y0, y1)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

/// Detects and describes keypoints of `img`, optionally only inside `roi`
/// (level-0 pixels; the crop is taken with a margin so that descriptors near
/// the ROI edge still see their whole patch).
pub fn detect(img: &Plane, p: &DetectorParams, roi: Option<Rect>) -> Features {
    let (base, ox, oy) = match roi {
        Some(r) => {
            let x0 = r.x0.min(img.width);
            let y0 = r.y0.min(img.height);
            let x1 = r.x1.clamp(x0, img.width);
            let y1 = r.y1.clamp(y0, img.height);
            if x1 - x0 < 2 * BORDER + 8 || y1 - y0 < 2 * BORDER + 8 {
                return Features::default();
            }
            (
                std::borrow::Cow::Owned(img.crop(x0, y0, x1 - x0, y1 - y0)),
                x0,
                y0,
            )
        }
        None => (std::borrow::Cow::Borrowed(img), 0, 0),
    };
    // Each level keeps its true scale per axis (level sizes are rounded, so
    // 1280 / 1.3^5 is 344.75 but the level is 345 wide): using the nominal
    // factor would shift level-0 positions by up to a pixel at the far edge.
    let mut levels: Vec<(Plane, f32, f32)> = vec![(base.into_owned(), 1.0, 1.0)];
    for l in 1..p.levels {
        let s = p.scale_factor.powi(l as i32);
        let (w0, h0) = (levels[0].0.width, levels[0].0.height);
        let w = (w0 as f32 / s).round() as usize;
        let h = (h0 as f32 / s).round() as usize;
        if w < 2 * BORDER + 16 || h < 2 * BORDER + 16 {
            break;
        }
        let next = levels[l - 1].0.resize(w, h);
        levels.push((next, w0 as f32 / w as f32, h0 as f32 / h as f32));
    }
    // Feature budget per level in proportion to its area (as OpenCV's ORB).
    let total_area: f32 = levels.iter().map(|(_, sx, sy)| 1.0 / (sx * sy)).sum();
    let jobs: Vec<(usize, usize)> = levels
        .iter()
        .enumerate()
        .map(|(l, (_, sx, sy))| {
            (
                l,
                ((p.max_features as f32) / (sx * sy) / total_area).ceil() as usize,
            )
        })
        .collect();
    let per_level: Vec<Features> = if levels[0].0.width * levels[0].0.height > 300_000 {
        // Large frames: levels 0 and 1+ on two threads (the machine target has two cores).
        std::thread::scope(|sc| {
            let (first, rest) = jobs.split_at(1);
            let levels_ref = &levels;
            let h = sc.spawn(move || {
                rest.iter()
                    .map(|&(l, n)| {
                        detect_level(
                            &levels_ref[l].0,
                            l,
                            (levels_ref[l].1, levels_ref[l].2),
                            n,
                            p,
                        )
                    })
                    .collect::<Vec<_>>()
            });
            let mut out = vec![detect_level(&levels[0].0, 0, (1.0, 1.0), first[0].1, p)];
            out.extend(h.join().expect("detector thread panicked"));
            out
        })
    } else {
        jobs.iter()
            .map(|&(l, n)| detect_level(&levels[l].0, l, (levels[l].1, levels[l].2), n, p))
            .collect()
    };
    let mut out = Features::default();
    for mut f in per_level {
        for k in &mut f.keypoints {
            k.x += ox as f32;
            k.y += oy as f32;
        }
        out.keypoints.extend(f.keypoints);
        out.descriptors.extend(f.descriptors);
    }
    out
}

fn detect_level(
    img: &Plane,
    level: usize,
    scale: (f32, f32),
    budget: usize,
    p: &DetectorParams,
) -> Features {
    let corners = fast9(img, p.fast_threshold);
    // Spread over a grid by FAST score first (cheap), keeping twice the
    // budget; then rank those by the Harris response, which prefers true
    // corners over edge points (as OpenCV's ORB does), and keep the budget.
    // A single busy region (a logo, a label) cannot take the whole budget.
    let mut scored = corners;
    scored.sort_unstable_by_key(|c| std::cmp::Reverse(c.2));
    let cols = img.width.div_ceil(p.cell);
    let rows = img.height.div_ceil(p.cell);
    let want = budget * 2;
    let per_cell = want.div_ceil(cols * rows).max(1);
    let mut counts = vec![0usize; cols * rows];
    let mut pre: Vec<(usize, usize)> = Vec::with_capacity(want);
    let mut spill = Vec::new();
    for (x, y, _) in scored {
        let cell = (y / p.cell) * cols + x / p.cell;
        if counts[cell] < per_cell {
            counts[cell] += 1;
            pre.push((x, y));
        } else if spill.len() < want {
            spill.push((x, y));
        }
    }
    pre.truncate(want);
    let room = want.saturating_sub(pre.len());
    pre.extend(spill.into_iter().take(room));
    let mut kept: Vec<(usize, usize, f32)> = pre
        .into_iter()
        .map(|(x, y)| (x, y, harris(img, x, y)))
        .filter(|c| c.2 > 0.0)
        .collect();
    kept.sort_by(|a, b| b.2.total_cmp(&a.2));
    kept.truncate(budget);

    let smooth = img.blur5();
    let pats = patterns();
    let mut out = Features {
        keypoints: Vec::with_capacity(kept.len()),
        descriptors: Vec::with_capacity(kept.len()),
    };
    for (x, y, score) in kept {
        let angle = orientation(img, x, y);
        let bin = ((angle.rem_euclid(std::f32::consts::TAU) / std::f32::consts::TAU
            * ANGLE_BINS as f32)
            .round() as usize)
            % ANGLE_BINS;
        let pat = &pats[bin];
        let w = smooth.width as isize;
        let c = (y * smooth.width + x) as isize;
        let d = &smooth.data;
        let mut desc = [0u64; 4];
        for (i, &(x1, y1, x2, y2)) in pat.iter().enumerate() {
            let a = d[(c + y1 as isize * w + x1 as isize) as usize];
            let b = d[(c + y2 as isize * w + x2 as isize) as usize];
            if a < b {
                desc[i / 64] |= 1 << (i % 64);
            }
        }
        let (sx, sy) = subpixel(img, x, y, score);
        out.keypoints.push(Keypoint {
            // Level pixel centres map back to level-0 pixel coordinates.
            x: (x as f32 + sx + 0.5) * scale.0 - 0.5,
            y: (y as f32 + sy + 0.5) * scale.1 - 0.5,
            level: level as u8,
            angle,
            score,
        });
        out.descriptors.push(desc);
    }
    out
}

/// FAST-9 with 3x3 non-maximum suppression on the FAST score (sum of
/// absolute differences beyond the threshold). Returns pixel positions
/// inside the descriptor border.
fn fast9(img: &Plane, t: u8) -> Vec<(usize, usize, u16)> {
    let (w, h) = (img.width, img.height);
    if w <= 2 * BORDER || h <= 2 * BORDER {
        return Vec::new();
    }
    let offs: [isize; 16] = CIRCLE.map(|(dx, dy)| dy as isize * w as isize + dx as isize);
    let d = &img.data;
    let t = i16::from(t);
    let mut score = vec![0u16; w * h];
    let mut cands = Vec::new();
    let tu = t as u8;
    let mut flags = vec![false; w];
    for y in BORDER..h - BORDER {
        // Vectorisable pre-pass over the row: any 9-arc of the 16 covers at
        // least two of the four compass points (up, right, down, left), so a
        // pixel with fewer than two of them beyond the threshold on the same
        // side is rejected without looking at the other twelve.
        {
            let row = &d[y * w..(y + 1) * w];
            let up = &d[(y - 3) * w..(y - 2) * w];
            let down = &d[(y + 3) * w..(y + 4) * w];
            let (xs, xe) = (BORDER, w - BORDER);
            let it = row[xs..xe]
                .iter()
                .zip(&up[xs..xe])
                .zip(&down[xs..xe])
                .zip(&row[xs + 3..xe + 3])
                .zip(&row[xs - 3..xe - 3]);
            for (f, ((((&c, &u), &dn), &r), &l)) in flags[xs..xe].iter_mut().zip(it) {
                let hi = c.saturating_add(tu);
                let lo = c.saturating_sub(tu);
                let nb = (u > hi) as u8 + (dn > hi) as u8 + (r > hi) as u8 + (l > hi) as u8;
                let nd = (u < lo) as u8 + (dn < lo) as u8 + (r < lo) as u8 + (l < lo) as u8;
                *f = nb >= 2 || nd >= 2;
            }
        }
        for (x, _) in flags
            .iter()
            .enumerate()
            .take(w - BORDER)
            .skip(BORDER)
            .filter(|(_, f)| **f)
        {
            let i = y * w + x;
            let c = i16::from(d[i]);
            let hi = c + t;
            let lo = c - t;
            let px = |k: usize| i16::from(d[(i as isize + offs[k]) as usize]);
            let (p0, p4, p8, p12) = (px(0), px(4), px(8), px(12));
            let nb = (p0 > hi) as u8 + (p4 > hi) as u8 + (p8 > hi) as u8 + (p12 > hi) as u8;
            let nd = (p0 < lo) as u8 + (p4 < lo) as u8 + (p8 < lo) as u8 + (p12 < lo) as u8;
            let mut bright = 0u32;
            let mut dark = 0u32;
            let mut sb = 0u16;
            let mut sd = 0u16;
            for k in 0..16 {
                let v = px(k);
                if v > hi {
                    bright |= 1 << k;
                    sb += (v - hi) as u16;
                } else if v < lo {
                    dark |= 1 << k;
                    sd += (lo - v) as u16;
                }
            }
            let arc9 = |m: u32| {
                let m = m | (m << 16);
                let mut r = m;
                for s in 1..9 {
                    r &= m >> s;
                }
                r != 0
            };
            let s = if nb >= 2 && arc9(bright) {
                sb
            } else if nd >= 2 && arc9(dark) {
                sd
            } else {
                0
            };
            if s > 0 {
                score[i] = s.max(1);
                cands.push(i);
            }
        }
    }
    cands
        .into_iter()
        .filter(|&i| {
            let s = score[i];
            let wi = w;
            [i - wi - 1, i - wi, i - wi + 1, i - 1]
                .iter()
                .all(|&j| score[j] < s)
                && [i + 1, i + wi - 1, i + wi, i + wi + 1]
                    .iter()
                    .all(|&j| score[j] <= s)
        })
        .map(|i| (i % w, i / w, score[i]))
        .collect()
}

/// Sub-pixel offset of a corner: the vertex of a parabola through the
/// Harris responses at the pixel and its two neighbours, per axis. FAST
/// alone places corners on the pixel grid, which on coarse pyramid levels
/// is several level-0 pixels.
fn subpixel(img: &Plane, x: usize, y: usize, centre: f32) -> (f32, f32) {
    let off = |a: f32, b: f32| {
        let d = a - 2.0 * centre + b;
        if d < 0.0 {
            (0.5 * (a - b) / d).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    };
    (
        off(harris(img, x - 1, y), harris(img, x + 1, y)),
        off(harris(img, x, y - 1), harris(img, x, y + 1)),
    )
}

/// Harris corner response `det(M) - 0.04 trace(M)^2` over a 7x7 block of
/// central-difference gradients.
fn harris(img: &Plane, x: usize, y: usize) -> f32 {
    let w = img.width;
    let d = &img.data;
    let (mut a, mut b, mut c) = (0f32, 0f32, 0f32);
    for yy in y - 3..=y + 3 {
        for xx in x - 3..=x + 3 {
            let i = yy * w + xx;
            let gx = f32::from(d[i + 1]) - f32::from(d[i - 1]);
            let gy = f32::from(d[i + w]) - f32::from(d[i - w]);
            a += gx * gx;
            b += gy * gy;
            c += gx * gy;
        }
    }
    a * b - c * c - 0.04 * (a + b) * (a + b)
}

/// Intensity-centroid orientation over the disc of radius 15.
fn orientation(img: &Plane, x: usize, y: usize) -> f32 {
    let w = img.width as isize;
    let ext = disc_extent();
    let (mut m01, mut m10) = (0i64, 0i64);
    for dy in -PATCH_RADIUS..=PATCH_RADIUS {
        let e = ext[(dy + PATCH_RADIUS) as usize];
        let row = ((y as isize + dy as isize) * w + x as isize) as usize;
        let mut rs = 0i64;
        for dx in -e..=e {
            let v = i64::from(img.data[(row as isize + dx as isize) as usize]);
            m10 += dx as i64 * v;
            rs += v;
        }
        m01 += dy as i64 * rs;
    }
    (m01 as f32).atan2(m10 as f32)
}

#[inline]
pub fn hamming(a: &Descriptor, b: &Descriptor) -> u32 {
    (a[0] ^ b[0]).count_ones()
        + (a[1] ^ b[1]).count_ones()
        + (a[2] ^ b[2]).count_ones()
        + (a[3] ^ b[3]).count_ones()
}

/// A putative match: query (frame) index, train (reference) index, distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub frame: usize,
    pub reference: usize,
    pub distance: u32,
}

/// Matching settings.
#[derive(Debug, Clone)]
pub struct MatchParams {
    /// Largest accepted Hamming distance (of 256 bits).
    pub max_distance: u32,
    /// Lowe's ratio: best must be below `ratio * second best`.
    pub ratio: f32,
}

impl Default for MatchParams {
    fn default() -> Self {
        Self {
            max_distance: 80,
            ratio: 0.85,
        }
    }
}

/// Keeps only the best match per reference keypoint (a cheap stand-in for
/// the cross-check), then returns them.
fn unique_by_reference(mut m: Vec<Match>, n_ref: usize) -> Vec<Match> {
    let mut best = vec![u32::MAX; n_ref];
    for x in &m {
        best[x.reference] = best[x.reference].min(x.distance);
    }
    let mut taken = vec![false; n_ref];
    m.retain(|x| {
        if x.distance == best[x.reference] && !taken[x.reference] {
            taken[x.reference] = true;
            true
        } else {
            false
        }
    });
    m
}

/// Brute-force matching of every frame descriptor against every reference
/// descriptor, with the ratio test. For 1500 x 1500 descriptors this is
/// 2.25 M XOR-popcounts of 4 words, a few milliseconds.
pub fn match_all(frame: &Features, reference: &Features, p: &MatchParams) -> Vec<Match> {
    let n = frame.descriptors.len();
    let out = if n * reference.descriptors.len() > 200_000 {
        // Two halves on two threads (the target machine has two cores).
        let half = n / 2;
        std::thread::scope(|sc| {
            let h = sc.spawn(|| match_range(frame, reference, p, half..n));
            let mut a = match_range(frame, reference, p, 0..half);
            a.extend(h.join().expect("matcher thread panicked"));
            a
        })
    } else {
        match_range(frame, reference, p, 0..n)
    };
    unique_by_reference(out, reference.descriptors.len())
}

fn match_range(
    frame: &Features,
    reference: &Features,
    p: &MatchParams,
    range: std::ops::Range<usize>,
) -> Vec<Match> {
    let mut out = Vec::new();
    for qi in range {
        let q = &frame.descriptors[qi];
        let (mut b1, mut b2, mut bi) = (u32::MAX, u32::MAX, usize::MAX);
        for (ti, t) in reference.descriptors.iter().enumerate() {
            let d = hamming(q, t);
            if d < b2 {
                if d < b1 {
                    b2 = b1;
                    b1 = d;
                    bi = ti;
                } else {
                    b2 = d;
                }
            }
        }
        if bi != usize::MAX && b1 <= p.max_distance && (b1 as f32) < p.ratio * b2 as f32 {
            out.push(Match {
                frame: qi,
                reference: bi,
                distance: b1,
            });
        }
    }
    out
}

/// Matching under a spatial prior: a frame keypoint is only compared with
/// reference keypoints that `h` projects within `radius` pixels of it. Far
/// fewer comparisons, and far fewer wrong matches on repeated patterns
/// (rows of identical buttons), than [`match_all`].
pub fn match_guided(
    frame: &Features,
    reference: &Features,
    h: &Mat3,
    radius: f32,
    p: &MatchParams,
) -> Vec<Match> {
    let cell = radius.max(1.0);
    // Bucket the projected reference keypoints on a grid of `radius` cells.
    let proj: Vec<Option<[f32; 2]>> = reference
        .keypoints
        .iter()
        .map(|k| apply(h, [f64::from(k.x), f64::from(k.y)]).map(|q| [q[0] as f32, q[1] as f32]))
        .collect();
    let mut grid: std::collections::HashMap<(i32, i32), Vec<usize>> =
        std::collections::HashMap::new();
    for (i, q) in proj.iter().enumerate() {
        if let Some(q) = q {
            if q[0].is_finite() && q[1].is_finite() && q[0].abs() < 1e6 && q[1].abs() < 1e6 {
                grid.entry(((q[0] / cell).floor() as i32, (q[1] / cell).floor() as i32))
                    .or_default()
                    .push(i);
            }
        }
    }
    let r2 = radius * radius;
    let mut out = Vec::new();
    for (qi, (k, q)) in frame.keypoints.iter().zip(&frame.descriptors).enumerate() {
        let (cx, cy) = ((k.x / cell).floor() as i32, (k.y / cell).floor() as i32);
        let (mut b1, mut b2, mut bi) = (u32::MAX, u32::MAX, usize::MAX);
        for gy in cy - 1..=cy + 1 {
            for gx in cx - 1..=cx + 1 {
                let Some(list) = grid.get(&(gx, gy)) else {
                    continue;
                };
                for &ti in list {
                    let pr = proj[ti].expect("bucketed points are projected");
                    if (pr[0] - k.x).powi(2) + (pr[1] - k.y).powi(2) > r2 {
                        continue;
                    }
                    let d = hamming(q, &reference.descriptors[ti]);
                    if d < b1 {
                        b2 = b1;
                        b1 = d;
                        bi = ti;
                    } else if d < b2 {
                        b2 = d;
                    }
                }
            }
        }
        if bi != usize::MAX
            && b1 <= p.max_distance
            && (b2 == u32::MAX || (b1 as f32) < p.ratio * b2 as f32)
        {
            out.push(Match {
                frame: qi,
                reference: bi,
                distance: b1,
            });
        }
    }
    unique_by_reference(out, reference.descriptors.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker(w: usize, h: usize, shift: usize) -> Plane {
        let mut p = Plane::new(w, h);
        for y in 0..h {
            for x in 0..w {
                // Blocks of pseudo-random grey levels: corners everywhere, no repetition.
                let (bx, by) = ((x + shift) / 9, y / 7);
                let v = (bx.wrapping_mul(2654435761) ^ by.wrapping_mul(40503))
                    .wrapping_mul(2246822519)
                    >> 7;
                p.data[y * w + x] = (v % 6 * 45) as u8;
            }
        }
        p
    }

    #[test]
    fn translated_image_gives_translated_matches() {
        let a = checker(320, 240, 0);
        let b = checker(320, 240, 6); // content moved 6 px to the left
        let pa = DetectorParams {
            levels: 2,
            ..Default::default()
        };
        let fa = detect(&a, &pa, None);
        let fb = detect(&b, &pa, None);
        assert!(fa.keypoints.len() > 50, "{}", fa.keypoints.len());
        let m = match_all(&fb, &fa, &MatchParams::default());
        let good = m
            .iter()
            .filter(|m| {
                let (q, t) = (fb.keypoints[m.frame], fa.keypoints[m.reference]);
                (q.x + 6.0 - t.x).abs() < 1.5 && (q.y - t.y).abs() < 1.5
            })
            .count();
        assert!(good >= 20, "good {good} of {}", m.len());
    }

    #[test]
    fn flat_image_has_no_keypoints() {
        let p = Plane {
            width: 200,
            height: 200,
            data: vec![128; 40_000],
        };
        assert!(detect(&p, &DetectorParams::default(), None)
            .keypoints
            .is_empty());
    }
}
