//! Where the hand's tip is, model-free: every registered frame is sampled on a coarse grid laid
//! over the reference photo around the buttons (so camera motion cancels out), compared with a
//! background of the same grid learnt from earlier frames, and the changed cells form blobs. The
//! hand is the biggest blob that is much larger than a button (a lit key or a display that
//! changes is not); its tip is the blob's point farthest from where it enters the grid (an arm
//! comes in from outside), or, for a blob wholly inside, its thinner end.
//!
//! This sees a finger, a pen, a glove or a pointer alike; what it cannot tell apart is a finger
//! touching a key from one hovering still just above it (the dwell rules in `checker` cover
//! hands that move on).

use image::RgbImage;
use registration::{apply, Mat3};

/// A rectangle in photo pixels: `[x0, y0, x1, y1]`.
pub type Rect = [f32; 4];

/// Cells of the grid across the region's width.
const GRID_WIDTH: usize = 160;
/// Seconds for the background to follow a cell where nothing moves.
const BACKGROUND_TAU: f64 = 0.4;
/// Seconds for the background to absorb a cell that stays changed (a key that stays lit, a new
/// value on the display): long enough that a held finger of a skin close to the panel's colour is
/// still seen after 5 s.
const ABSORB_TAU: f64 = 20.0;
/// A cell is changed when a colour channel differs from the background by more than this (0-255)
/// plus half the background's local range (edges flicker with small registration errors).
const CHANGE: f32 = 20.0;
/// Where a cell's own frame-to-frame noise is low (a flat, evenly lit panel), a change of this
/// many times its noise is enough, down to `MIN_CHANGE`: a hand close to the panel's colour.
const NOISE_TIMES: f32 = 4.0;
const MIN_CHANGE: f32 = 10.0;
/// Seconds a cell that came into view after the first frame learns its background fast.
const YOUNG: f64 = 3.0;
/// Cells within this many of a changed one keep their background while the change lasts.
const NEAR_CHANGE: usize = 2;

/// The sampling grid over the photo and the learnt background.
pub struct HandFinder {
    /// Photo coordinates of cell (0, 0) and the cell size in photo pixels.
    origin: [f64; 2],
    cell: f64,
    width: usize,
    height: usize,
    /// Smallest blob, in cells, wholly inside the grid that can be a hand: 1.2 times the median
    /// button (two fifths of it for a blob that comes in from outside).
    min_cells: usize,
    /// RGB per cell; `None` until the first registered frame.
    background: Option<Vec<[f32; 3]>>,
    /// When each cell came into view (seconds; minus infinity for the first frame's), `None`
    /// until the camera has shown it: one that comes into view later (a handheld camera
    /// drifting) starts from what it first shows, not as changed, and for [`YOUNG`] seconds
    /// follows what it shows even when changed, since what it first showed may have been the
    /// hand.
    first_seen: Vec<Option<f64>>,
    /// Half the local range of the background's grey per cell, recomputed as it changes.
    tolerance: Vec<f32>,
    /// Each cell's usual difference from its background where nothing moves (0-255).
    noise: Vec<f32>,
    last_t: Option<f64>,
    /// The changed cells of the last frame (after closing gaps).
    changed: Vec<bool>,
    /// The cells of the last frame's hand blob.
    hand: Vec<bool>,
    /// The cells within [`NEAR_CHANGE`] of it (its edges, its shadow).
    near_hand: Vec<bool>,
    /// The last frame's colour per cell, brightness matched to the background.
    frame: Vec<Option<[f32; 3]>>,
    /// The colour each cell last showed with no hand blob within [`NEAR_CHANGE`] cells
    /// (brightness matched): how a control looked just before the hand now on it came. The
    /// background is not that: a control whose look changed with no hand (a looping clip, a
    /// display) is absorbed into it over [`ABSORB_TAU`], so for a while it is a blend of both.
    clear: Vec<Option<[f32; 3]>>,
    /// Unit direction from a tip towards its wrist on the photo, learnt from hands that reach in
    /// from outside the grid; people reach up from below until then.
    wrist: [f64; 2],
}

/// A control's look at one moment: its grid cells and their colours.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Look {
    cells: Vec<(usize, [f32; 3])>,
}

/// The hand seen in one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tip {
    /// Photo pixels.
    pub at: [f32; 2],
    /// Cells in the hand's blob.
    pub cells: usize,
}

impl HandFinder {
    /// A grid over the buttons of a `photo` (width, height) with a margin of a button and a half
    /// around them.
    pub fn new(photo: (u32, u32), rects: &[Rect]) -> Self {
        Self::spanning(photo, rects, &[])
    }

    /// Like [`HandFinder::new`], the grid also spanning `more` (a new pack's printed labels): a
    /// control nobody has boxed yet sits among them, and the hand on it must be inside the grid
    /// to be seen. The buttons alone set the sizes (`more` are not controls).
    pub fn spanning(photo: (u32, u32), rects: &[Rect], more: &[Rect]) -> Self {
        let mut sizes: Vec<f32> = rects
            .iter()
            .map(|r| (r[2] - r[0]).max(r[3] - r[1]).max(1.0))
            .collect();
        sizes.sort_by(f32::total_cmp);
        let median = sizes.get(sizes.len() / 2).copied().unwrap_or(40.0);
        let mut areas: Vec<f32> = rects
            .iter()
            .map(|r| ((r[2] - r[0]) * (r[3] - r[1])).max(1.0))
            .collect();
        areas.sort_by(f32::total_cmp);
        let median_area = areas.get(areas.len() / 2).copied().unwrap_or(1600.0);
        let margin = 1.5 * median;
        let (w, h) = (photo.0 as f32, photo.1 as f32);
        let spanned = || rects.iter().chain(more);
        let x0 = spanned().map(|r| r[0]).fold(w, f32::min) - margin;
        let y0 = spanned().map(|r| r[1]).fold(h, f32::min) - margin;
        let x1 = spanned().map(|r| r[2]).fold(0.0, f32::max) + margin;
        let y1 = spanned().map(|r| r[3]).fold(0.0, f32::max) + margin;
        let (x0, y0) = (x0.max(0.0), y0.max(0.0));
        let (x1, y1) = (x1.min(w).max(x0 + 1.0), y1.min(h).max(y0 + 1.0));
        let cell = ((x1 - x0) / GRID_WIDTH as f32).max(0.5) as f64;
        let width = (((x1 - x0) as f64 / cell).ceil() as usize).max(1);
        let height = (((y1 - y0) as f64 / cell).ceil() as usize).max(1);
        let min_cells = ((1.2 * median_area as f64) / (cell * cell)).ceil().max(4.0) as usize;
        Self {
            origin: [x0 as f64, y0 as f64],
            cell,
            width,
            height,
            min_cells,
            background: None,
            first_seen: vec![None; width * height],
            tolerance: vec![0.0; width * height],
            noise: vec![CHANGE / NOISE_TIMES; width * height],
            last_t: None,
            changed: vec![false; width * height],
            hand: vec![false; width * height],
            near_hand: vec![false; width * height],
            frame: vec![None; width * height],
            clear: vec![None; width * height],
            wrist: [0.0, 1.0],
        }
    }

    /// Forgets the background (a new pack, or the camera came back after a long loss).
    pub fn reset(&mut self) {
        self.background = None;
        self.first_seen.fill(None);
        self.changed.fill(false);
        self.hand.fill(false);
        self.near_hand.fill(false);
        self.frame.fill(None);
        self.clear.fill(None);
        self.last_t = None;
        self.noise.fill(CHANGE / NOISE_TIMES);
    }

    /// The hand's tip in the frame at time `t` (seconds), whose homography maps photo pixels to
    /// frame pixels; `None` when no hand-sized change is seen.
    pub fn observe(&mut self, t: f64, frame: &RgbImage, homography: &Mat3) -> Option<Tip> {
        let n = self.width * self.height;
        let mut cells: Vec<Option<[f32; 3]>> = Vec::with_capacity(n);
        for j in 0..self.height {
            for i in 0..self.width {
                let p = [
                    self.origin[0] + (i as f64 + 0.5) * self.cell,
                    self.origin[1] + (j as f64 + 0.5) * self.cell,
                ];
                cells.push(apply(homography, p).and_then(|q| bilinear(frame, q[0], q[1])));
            }
        }
        let Some(background) = self.background.as_mut() else {
            // The first registered frame is the background; cells it does not see start as the
            // frame's mean until they are seen.
            let seen: Vec<[f32; 3]> = cells.iter().flatten().copied().collect();
            if seen.is_empty() {
                return None;
            }
            let mean = mean_rgb(&seen);
            self.background = Some(cells.iter().map(|c| c.unwrap_or(mean)).collect());
            for (f, c) in self.first_seen.iter_mut().zip(&cells) {
                *f = c.map(|_| f64::NEG_INFINITY);
            }
            self.refresh_tolerance();
            self.last_t = Some(t);
            return None;
        };
        // Exposure changes: scale the frame to the background's brightness by the median
        // ratio over the cells the last frame saw unchanged (a dark hand coming in, a third of
        // the view, must not brighten the rest of the panel).
        let last_changed = dilate(&self.changed, self.width, self.height, NEAR_CHANGE);
        let mut ratios: Vec<f32> = cells
            .iter()
            .zip(background.iter())
            .enumerate()
            .filter(|&(k, _)| !last_changed[k] && self.first_seen[k].is_some())
            .filter_map(|(_, (c, b))| {
                let (c, b) = (c.as_ref()?, b);
                let sum = c[0] + c[1] + c[2];
                (sum > 3.0).then(|| (b[0] + b[1] + b[2]) / sum)
            })
            .collect();
        let gain = if ratios.is_empty() {
            1.0
        } else {
            let mid = ratios.len() / 2;
            *ratios.select_nth_unstable_by(mid, f32::total_cmp).1
        }
        .clamp(0.7, 1.4);
        let cells: Vec<Option<[f32; 3]>> = cells
            .into_iter()
            .map(|c| c.map(|c| [c[0] * gain, c[1] * gain, c[2] * gain]))
            .collect();
        let mut changed = vec![false; n];
        let mut valid = vec![false; n];
        let mut diffs = vec![0.0f32; n];
        for k in 0..n {
            let Some(c) = cells[k] else { continue };
            valid[k] = true;
            if self.first_seen[k].is_none() {
                // Coming into view: what it shows now is its background.
                self.first_seen[k] = Some(t);
                background[k] = c;
                continue;
            }
            let d = colour_difference(c, background[k]);
            diffs[k] = d;
            changed[k] = d > needed(self.noise[k], self.tolerance[k]);
        }
        // Cells next to a change (the edge of a finger, its shadow) are not learnt as
        // background while the hand is there: a resting fingertip would otherwise fade into
        // the background from its edges inwards.
        let near = dilate(&changed, self.width, self.height, NEAR_CHANGE);
        let dt = self.last_t.map_or(0.0, |l| (t - l).clamp(0.0, 0.5));
        self.last_t = Some(t);
        let a_still = (1.0 - (-dt / BACKGROUND_TAU).exp()) as f32;
        let a_changed = (1.0 - (-dt / ABSORB_TAU).exp()) as f32;
        for k in 0..n {
            if let Some(c) = cells[k] {
                let young = self.first_seen[k].is_some_and(|f| t - f < YOUNG);
                let a = if near[k] && !young {
                    a_changed
                } else {
                    a_still
                };
                if !near[k] {
                    self.noise[k] += a_still * (diffs[k] - self.noise[k]);
                }
                for ch in 0..3 {
                    background[k][ch] += a * (c[ch] - background[k][ch]);
                }
            }
        }
        self.refresh_tolerance();
        // Close one-cell gaps (a knuckle's shading, the space between a finger and the thumb
        // gripping a knob) so that one hand stays one blob.
        let w = self.width;
        let mut closed = changed.clone();
        for k in 0..n {
            if changed[k] {
                continue;
            }
            let (i, j) = (k % w, k / w);
            let around = |di: isize, dj: isize| {
                let (x, y) = (i as isize + di, j as isize + dj);
                x >= 0
                    && y >= 0
                    && (x as usize) < w
                    && (y as usize) < self.height
                    && changed[y as usize * w + x as usize]
            };
            closed[k] = valid[k]
                && ((around(-1, 0) && around(1, 0))
                    || (around(0, -1) && around(0, 1))
                    || (around(-1, -1) && around(1, 1))
                    || (around(1, -1) && around(-1, 1)));
        }
        self.frame = cells;
        let tip = self.tip(&closed, &valid);
        self.changed = closed;
        self.near_hand = dilate(&self.hand, self.width, self.height, NEAR_CHANGE);
        for ((clear, now), near) in self.clear.iter_mut().zip(&self.frame).zip(&self.near_hand) {
            if let (Some(c), false) = (now, near) {
                *clear = Some(*c);
            }
        }
        tip
    }

    /// The grid cells inside `rect` (photo pixels).
    fn cells_in(&self, rect: Rect) -> Vec<usize> {
        let cell = |v: f32, o: f64| ((v as f64 - o) / self.cell).floor();
        let (i0, j0) = (
            cell(rect[0], self.origin[0]).max(0.0) as usize,
            cell(rect[1], self.origin[1]).max(0.0) as usize,
        );
        let i1 = (cell(rect[2], self.origin[0]).max(-1.0) + 1.0).min(self.width as f64) as usize;
        let j1 = (cell(rect[3], self.origin[1]).max(-1.0) + 1.0).min(self.height as f64) as usize;
        (j0..j1)
            .flat_map(|j| (i0..i1).map(move |i| j * self.width + i))
            .collect()
    }

    /// Share of `cells` for which `on` holds.
    fn share(cells: &[usize], on: &[bool]) -> f32 {
        if cells.is_empty() {
            return 0.0;
        }
        cells.iter().filter(|&&k| on[k]).count() as f32 / cells.len() as f32
    }

    /// Share of the cells inside `rect` (photo pixels) that changed in the last frame: how much
    /// of a control the hand covers.
    pub fn coverage(&self, rect: Rect) -> f32 {
        if self.background.is_none() {
            return 0.0;
        }
        Self::share(&self.cells_in(rect), &self.changed)
    }

    /// Whether the photo point `p` lies on the last frame's hand blob or within [`NEAR_CHANGE`]
    /// cells of it (where the hand or its shadow may be); false outside the grid.
    pub fn near_hand(&self, p: [f64; 2]) -> bool {
        let i = ((p[0] - self.origin[0]) / self.cell).floor();
        let j = ((p[1] - self.origin[1]) / self.cell).floor();
        if i < 0.0 || j < 0.0 || i >= self.width as f64 || j >= self.height as f64 {
            return false;
        }
        self.near_hand[j as usize * self.width + i as usize]
    }

    /// Share of the cells inside `rect` that belong to the last frame's hand blob.
    pub fn hand_share(&self, rect: Rect) -> f32 {
        Self::share(&self.cells_in(rect), &self.hand)
    }

    /// How `rect` looks without the hand: the colour each of its cells last showed with no hand
    /// near (so taken as a hand arrives it is the look from before), else the background's.
    pub fn look(&self, rect: Rect) -> Look {
        let Some(background) = self.background.as_ref() else {
            return Look { cells: Vec::new() };
        };
        Look {
            cells: self
                .cells_in(rect)
                .into_iter()
                .filter(|&k| self.first_seen[k].is_some())
                .map(|k| (k, self.clear[k].unwrap_or(background[k])))
                .collect(),
        }
    }

    /// Share of a look's cells that the last frame shows changed from it, among those the hand
    /// does not cover: a knob's pointer in a new place, a key that lit up.
    pub fn changed_from(&self, look: &Look) -> f32 {
        let (mut n, mut on) = (0usize, 0usize);
        for &(k, before) in &look.cells {
            let (Some(now), false) = (self.frame[k], self.hand[k]) else {
                continue;
            };
            n += 1;
            on += (colour_difference(now, before) > needed(self.noise[k], self.tolerance[k]))
                as usize;
        }
        if n == 0 {
            0.0
        } else {
            on as f32 / n as f32
        }
    }

    fn refresh_tolerance(&mut self) {
        let Some(bg) = self.background.as_ref() else {
            return;
        };
        let (w, h) = (self.width, self.height);
        let grey: Vec<f32> = bg
            .iter()
            .map(|c| 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2])
            .collect();
        for j in 0..h {
            for i in 0..w {
                let (mut lo, mut hi) = (f32::MAX, f32::MIN);
                for y in j.saturating_sub(1)..(j + 2).min(h) {
                    for x in i.saturating_sub(1)..(i + 2).min(w) {
                        if self.first_seen[y * w + x].is_none() {
                            continue;
                        }
                        let v = grey[y * w + x];
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
                self.tolerance[j * w + i] = if hi >= lo { 0.5 * (hi - lo) } else { 0.0 };
            }
        }
    }

    /// The tip of the hand blob among the changed cells.
    fn tip(&mut self, changed: &[bool], valid: &[bool]) -> Option<Tip> {
        let (w, h) = (self.width, self.height);
        // Cells within two of the grid's edge or of a cell the frame does not show: a blob
        // there comes in from outside what is sampled.
        let mut near_edge = vec![false; w * h];
        for j in 0..h {
            for i in 0..w {
                near_edge[j * w + i] = (j.saturating_sub(2)..(j + 3).min(h + 2)).any(|y| {
                    (i.saturating_sub(2)..(i + 3))
                        .any(|x| i < 2 || j < 2 || x >= w || y >= h || !valid[y * w + x])
                });
            }
        }
        let mut label = vec![usize::MAX; w * h];
        let mut best: Option<(Option<[f64; 2]>, Vec<usize>)> = None;
        let mut stack = Vec::new();
        for start in 0..w * h {
            if !changed[start] || label[start] != usize::MAX {
                continue;
            }
            let mut blob = Vec::new();
            let mut enters = false;
            label[start] = start;
            stack.push(start);
            while let Some(k) = stack.pop() {
                blob.push(k);
                let (i, j) = (k % w, k / w);
                if near_edge[k] {
                    enters = true;
                }
                // Eight neighbours: a finger drawn at an angle touches its palm corner to corner.
                let neighbours = [
                    (i > 0).then(|| k - 1),
                    (i + 1 < w).then(|| k + 1),
                    (j > 0).then(|| k - w),
                    (j + 1 < h).then(|| k + w),
                    (i > 0 && j > 0).then(|| k - w - 1),
                    (i + 1 < w && j > 0).then(|| k - w + 1),
                    (i > 0 && j + 1 < h).then(|| k + w - 1),
                    (i + 1 < w && j + 1 < h).then(|| k + w + 1),
                ];
                for m in neighbours.into_iter().flatten() {
                    if valid[m] && changed[m] && label[m] == usize::MAX {
                        label[m] = start;
                        stack.push(m);
                    }
                }
            }
            // An arm comes in from below or from a side, never from above the panel: a blob
            // that reaches the grid's top (a display changing there) is not "coming in".
            let entry = if enters {
                let entry = entry_point(&blob, &near_edge, valid, w, h);
                let centre_y =
                    blob.iter().map(|&k| (k / w) as f64).sum::<f64>() / blob.len() as f64;
                (entry[1] >= centre_y - 1.0).then_some(entry)
            } else {
                None
            };
            // A hand reaching in from outside may show only its finger; a blob wholly inside
            // must be larger than a key that lights up.
            let needed = if entry.is_some() {
                self.min_cells * 2 / 5
            } else {
                self.min_cells
            };
            if blob.len() < needed {
                continue;
            }
            // The larger blob, one coming in counting twice its size.
            let weight = |e: &Option<[f64; 2]>, n: usize| if e.is_some() { 2 * n } else { n };
            let better = match &best {
                None => true,
                Some((e, b)) => weight(&entry, blob.len()) > weight(e, b.len()),
            };
            if better {
                best = Some((entry, blob));
            }
        }
        self.hand.fill(false);
        let (entry, blob) = best?;
        for &k in &blob {
            self.hand[k] = true;
        }
        let xy = |k: usize| [(k % w) as f64, (k / w) as f64];
        let tip = match entry {
            Some(entry) => farthest(&blob, entry, xy),
            // Wholly inside: the point farthest out against the wrist's direction (a finger
            // points away from its wrist).
            None => blob
                .iter()
                .map(|&k| xy(k))
                .min_by(|p, q| {
                    (p[0] * self.wrist[0] + p[1] * self.wrist[1])
                        .total_cmp(&(q[0] * self.wrist[0] + q[1] * self.wrist[1]))
                })
                .unwrap_or([0.0, 0.0]),
        };
        if let Some(entry) = entry {
            // Where the arm comes from, learnt from hands that reach in from outside.
            let (dx, dy) = (entry[0] - tip[0], entry[1] - tip[1]);
            let norm = (dx * dx + dy * dy).sqrt();
            if norm > 2.0 {
                let w = [
                    0.9 * self.wrist[0] + 0.1 * dx / norm,
                    0.9 * self.wrist[1] + 0.1 * dy / norm,
                ];
                let n = (w[0] * w[0] + w[1] * w[1]).sqrt().max(1e-9);
                self.wrist = [w[0] / n, w[1] / n];
            }
        }
        Some(Tip {
            at: [
                (self.origin[0] + (tip[0] + 0.5) * self.cell) as f32,
                (self.origin[1] + (tip[1] + 0.5) * self.cell) as f32,
            ],
            cells: blob.len(),
        })
    }
}

/// `mask` grown by `r` cells in every direction (a square neighbourhood).
fn dilate(mask: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    let mut rows = vec![false; mask.len()];
    for j in 0..h {
        for i in 0..w {
            rows[j * w + i] = (i.saturating_sub(r)..(i + r + 1).min(w)).any(|x| mask[j * w + x]);
        }
    }
    let mut out = vec![false; mask.len()];
    for j in 0..h {
        for i in 0..w {
            out[j * w + i] = (j.saturating_sub(r)..(j + r + 1).min(h)).any(|y| rows[y * w + i]);
        }
    }
    out
}

/// Where a blob comes in from outside: the mean of its cells on the grid's edge or next to a cell
/// the frame does not show, else of those within two cells of them.
fn entry_point(blob: &[usize], near_edge: &[bool], valid: &[bool], w: usize, h: usize) -> [f64; 2] {
    let xy = |k: usize| [(k % w) as f64, (k / w) as f64];
    let on_edge = |k: usize| {
        let (i, j) = (k % w, k / w);
        i == 0
            || j == 0
            || i + 1 == w
            || j + 1 == h
            || !valid[k - 1]
            || !valid[k + 1]
            || !valid[k - w]
            || !valid[k + w]
    };
    let edge: Vec<[f64; 2]> = blob
        .iter()
        .copied()
        .filter(|&k| on_edge(k))
        .map(xy)
        .collect();
    if !edge.is_empty() {
        return mean2(&edge);
    }
    mean2(
        &blob
            .iter()
            .copied()
            .filter(|&k| near_edge[k])
            .map(xy)
            .collect::<Vec<_>>(),
    )
}

/// The far end of `blob` from `from`: the mean of its cells within two cells of the largest
/// distance (one extreme cell jumps between a fingertip and a knuckle from frame to frame).
fn farthest(blob: &[usize], from: [f64; 2], xy: impl Fn(usize) -> [f64; 2]) -> [f64; 2] {
    let dist = |p: [f64; 2]| ((p[0] - from[0]).powi(2) + (p[1] - from[1]).powi(2)).sqrt();
    let max = blob.iter().map(|&k| dist(xy(k))).fold(0.0, f64::max);
    let far: Vec<[f64; 2]> = blob
        .iter()
        .map(|&k| xy(k))
        .filter(|&p| dist(p) >= max - 2.0)
        .collect();
    if far.is_empty() {
        from
    } else {
        mean2(&far)
    }
}

fn mean2(points: &[[f64; 2]]) -> [f64; 2] {
    if points.is_empty() {
        return [0.0, 0.0];
    }
    let n = points.len() as f64;
    [
        points.iter().map(|p| p[0]).sum::<f64>() / n,
        points.iter().map(|p| p[1]).sum::<f64>() / n,
    ]
}

/// How far a cell's colour must be from its background to count as changed: a multiple of
/// its own `noise` within bounds, plus the `tolerance` of the edges around it.
fn needed(noise: f32, tolerance: f32) -> f32 {
    (NOISE_TIMES * noise).clamp(MIN_CHANGE, CHANGE) + tolerance
}

/// The largest difference between two colours over their channels.
fn colour_difference(a: [f32; 3], b: [f32; 3]) -> f32 {
    (0..3).map(|ch| (a[ch] - b[ch]).abs()).fold(0.0, f32::max)
}

fn mean_rgb(cells: &[[f32; 3]]) -> [f32; 3] {
    let n = cells.len().max(1) as f32;
    let mut m = [0.0f32; 3];
    for c in cells {
        for ch in 0..3 {
            m[ch] += c[ch] / n;
        }
    }
    m
}

fn bilinear(img: &RgbImage, x: f64, y: f64) -> Option<[f32; 3]> {
    let (w, h) = img.dimensions();
    if w < 2 || h < 2 || !(x >= 0.0 && y >= 0.0 && x <= (w - 1) as f64 && y <= (h - 1) as f64) {
        return None;
    }
    let (x0, y0) = (x.floor() as u32, y.floor() as u32);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
    let p = |x, y| img.get_pixel(x, y).0;
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    let mut out = [0.0f32; 3];
    for ch in 0..3 {
        let top = a[ch] as f32 * (1.0 - fx) + b[ch] as f32 * fx;
        let bottom = c[ch] as f32 * (1.0 - fx) + d[ch] as f32 * fx;
        out[ch] = top * (1.0 - fy) + bottom * fy;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// Four keys in a row on a flat panel, as the reference photo (600 x 300) shows them.
    const KEYS: [Rect; 4] = [
        [100.0, 120.0, 160.0, 160.0],
        [200.0, 120.0, 260.0, 160.0],
        [300.0, 120.0, 360.0, 160.0],
        [400.0, 120.0, 460.0, 160.0],
    ];
    const PANEL: [u8; 3] = [150, 60, 55];
    const KEY: [u8; 3] = [200, 200, 200];

    /// The panel as a camera sees it, shifted by `dx` pixels (the homography is that shift),
    /// with an arm (a dark brown band) reaching up from the bottom to `reach` at x = `arm_x`.
    fn frame(dx: i32, arm: Option<(f32, f32)>) -> RgbImage {
        RgbImage::from_fn(600, 300, |x, y| {
            let (px, py) = (x as f32 - dx as f32, y as f32);
            if let Some((arm_x, reach)) = arm {
                if (px - arm_x).abs() < 14.0 && py >= reach {
                    return Rgb([110, 70, 50]);
                }
            }
            let on_key = KEYS
                .iter()
                .any(|r| px >= r[0] && px < r[2] && py >= r[1] && py < r[3]);
            Rgb(if on_key { KEY } else { PANEL })
        })
    }

    fn shift(dx: i32) -> Mat3 {
        [[1.0, 0.0, dx as f64], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    }

    #[test]
    fn panel_coming_into_view_is_not_a_hand() {
        let mut finder = HandFinder::new((600, 300), &KEYS);
        // The camera drifts left to right: the grid's right part comes into view a little at
        // a time, and nothing moves on the panel.
        for i in 0..60 {
            let dx = -150 + 2 * i;
            let t = i as f64 / 30.0;
            let tip = finder.observe(t, &frame(dx, None), &shift(dx));
            assert_eq!(tip, None, "frame {i}: a hand where nothing moves");
        }
    }

    #[test]
    fn a_dark_arm_resting_on_a_key_keeps_its_tip_on_the_key() {
        let mut finder = HandFinder::new((600, 300), &KEYS);
        for i in 0..15 {
            assert_eq!(
                finder.observe(i as f64 / 30.0, &frame(0, None), &shift(0)),
                None
            );
        }
        // An arm up to the middle of the third key, resting there for 4 s; it covers a big
        // share of the view, which must not make the rest of the panel look changed.
        let key = KEYS[2];
        let (arm_x, reach) = ((key[0] + key[2]) / 2.0, (key[1] + key[3]) / 2.0);
        for i in 15..135 {
            let tip = finder
                .observe(i as f64 / 30.0, &frame(0, Some((arm_x, reach))), &shift(0))
                .unwrap_or_else(|| panic!("frame {i}: the arm is not seen"));
            assert!(
                (tip.at[0] - arm_x).abs() < 12.0 && (tip.at[1] - reach).abs() < 12.0,
                "frame {i}: tip at {:?}, the finger ends at ({arm_x}, {reach})",
                tip.at
            );
            assert!(
                finder.coverage(KEYS[0]) == 0.0,
                "frame {i}: the first key looks covered"
            );
        }
        // Gone: nothing is left behind.
        for i in 135..150 {
            assert_eq!(
                finder.observe(i as f64 / 30.0, &frame(0, None), &shift(0)),
                None
            );
        }
    }
}
