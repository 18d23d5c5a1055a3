//! What an action leaves behind, part of cue (b): a key that lights its LED or its glow once
//! pressed, a knob whose pointer now points elsewhere, stays changed after the hand has gone;
//! a control the hand only stopped over on its way to another does not. The change inside a box
//! while the hand is there ([`crate::video`]) cannot tell the two apart (a finger hovering just
//! above a key covers it as much as one pressing it); what the box and its surroundings look
//! like once the hand has left can.
//!
//! Around each button box (the box grown by [`AROUND`] of its shorter side on every side, where
//! an LED or a printed scale sits) grey levels are sampled on a fine grid in every registered
//! frame, leaving out the points on or near the hand ([`follow::HandFinder::near_hand`]: the
//! hand and its shadow are no lasting change). At a moment `t`, each point's median over the
//! frames of the [`SPAN`] seconds before and after is compared with its usual level over the
//! whole video: the points that went *away* from their usual look across `t` (an LED that lights;
//! one that goes out returns to its usual look and scores below zero) count, in a block of 2 x 2
//! neighbouring points (a lone point is a registration error at an edge).

use crate::layout::{distance, Rect};
use crate::video::median;

/// Share of a box's shorter side added on every side to look around it.
pub const AROUND: f32 = 0.5;
/// Grid points across a box's shorter side.
const POINTS_PER_SIDE: f32 = 12.0;
/// Seconds before and after a moment compared.
pub const SPAN: f64 = 1.5;
/// Frames each side must show a point (off the hand) for it to count.
const MIN_FRAMES: usize = 2;
/// Grey levels (0-255) of a lasting change that count fully.
pub const FULL: f32 = 24.0;

/// Sample points around each box.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Per box, its points (photo pixels), row by row.
    pub points: Vec<Vec<[f64; 2]>>,
    /// Per box, points per row.
    columns: Vec<usize>,
}

impl Grid {
    pub fn new(rects: &[Rect]) -> Self {
        let mut points = Vec::with_capacity(rects.len());
        let mut columns = Vec::with_capacity(rects.len());
        for r in rects {
            let (w, h) = ((r[2] - r[0]).max(1.0), (r[3] - r[1]).max(1.0));
            let grow = AROUND * w.min(h);
            let step = (w.min(h) / POINTS_PER_SIDE).max(1.0) as f64;
            let (x0, y0) = ((r[0] - grow) as f64, (r[1] - grow) as f64);
            let (x1, y1) = ((r[2] + grow) as f64, (r[3] + grow) as f64);
            let nx = (((x1 - x0) / step).floor() as usize).max(2);
            let ny = (((y1 - y0) / step).floor() as usize).max(2);
            let mut pts = Vec::with_capacity(nx * ny);
            for j in 0..ny {
                for i in 0..nx {
                    pts.push([x0 + (i as f64 + 0.5) * step, y0 + (j as f64 + 0.5) * step]);
                }
            }
            // Points nearer another box are that box's (its LED, its knob's scale): NaN
            // coordinates, never sampled, keep the grid's rows whole for the 2 x 2 blocks.
            for p in pts.iter_mut() {
                let own = distance(r, *p);
                if rects
                    .iter()
                    .any(|o| !std::ptr::eq(o, r) && distance(o, *p) < own)
                {
                    *p = [f64::NAN, f64::NAN];
                }
            }
            points.push(pts);
            columns.push(nx);
        }
        Self { points, columns }
    }
}

/// The looks around every box over the video.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Looks {
    /// `grey[frame][box][point]`, brightness matched to the video's usual level; NaN where the
    /// frame did not show the point or the hand was on or near it.
    grey: Vec<Vec<Vec<f32>>>,
    /// `usual[box][point]`: the point's median over the frames.
    usual: Vec<Vec<f32>>,
    columns: Vec<usize>,
}

impl Looks {
    /// From the raw samples of every frame (`samples[frame][box][point]`, NaN where not seen).
    pub fn new(grid: &Grid, mut grey: Vec<Vec<Vec<f32>>>) -> Self {
        let boxes = grid.points.len();
        let usual: Vec<Vec<f32>> = (0..boxes)
            .map(|b| {
                (0..grid.points[b].len())
                    .map(|k| median(grey.iter().map(|f| f[b][k]).collect()).unwrap_or(f32::NAN))
                    .collect()
            })
            .collect();
        // Exposure: each frame scaled by its median ratio to the usual levels.
        for frame in grey.iter_mut() {
            let gain = median(
                frame
                    .iter()
                    .zip(&usual)
                    .flat_map(|(pts, us)| {
                        pts.iter()
                            .zip(us)
                            .map(|(&v, &u)| if v > 1.0 { u / v } else { f32::NAN })
                    })
                    .collect(),
            )
            .unwrap_or(1.0)
            .clamp(0.5, 2.0);
            for v in frame.iter_mut().flatten() {
                *v *= gain;
            }
        }
        Self {
            grey,
            usual,
            columns: grid.columns.clone(),
        }
    }

    /// Per box, in [0, 1], the strongest lasting change away from its usual look across a
    /// moment of `moments` (times of sampled frames, seconds, each with the weight it carries),
    /// comparing the frames of `times` within [`SPAN`] before and after it.
    pub fn left_behind(&self, times: &[f64], moments: &[(usize, f32)]) -> Vec<f32> {
        let boxes = self.usual.len();
        let mut best = vec![0f32; boxes];
        if self.grey.len() != times.len() {
            return best;
        }
        for &(i, weight) in moments {
            if weight <= 0.0 {
                continue;
            }
            let t = times[i];
            let before: Vec<usize> = (0..i).filter(|&j| times[j] >= t - SPAN).collect();
            let after: Vec<usize> = (i..times.len())
                .take_while(|&j| times[j] < t + SPAN)
                .collect();
            if before.len() < MIN_FRAMES || after.len() < MIN_FRAMES {
                continue;
            }
            for (b, best) in best.iter_mut().enumerate() {
                let away: Vec<f32> = self.usual[b]
                    .iter()
                    .enumerate()
                    .map(|(k, &u)| {
                        let side = |frames: &[usize]| {
                            let seen: Vec<f32> = frames
                                .iter()
                                .map(|&j| self.grey[j][b][k])
                                .filter(|v| v.is_finite())
                                .collect();
                            (seen.len() >= MIN_FRAMES).then(|| median(seen))?
                        };
                        match (side(&before), side(&after)) {
                            (Some(x), Some(y)) if u.is_finite() => (y - u).abs() - (x - u).abs(),
                            _ => f32::NAN,
                        }
                    })
                    .collect();
                let score = strongest_block(&away, self.columns[b]);
                *best = best.max(weight * (score / FULL).clamp(0.0, 1.0));
            }
        }
        best
    }
}

/// The largest value that all four points of some 2 x 2 block of the grid reach (NaN points
/// break a block); 0 without any block.
fn strongest_block(values: &[f32], columns: usize) -> f32 {
    let rows = values.len() / columns.max(1);
    let mut best = 0f32;
    for j in 0..rows.saturating_sub(1) {
        for i in 0..columns.saturating_sub(1) {
            let k = j * columns + i;
            let block = [
                values[k],
                values[k + 1],
                values[k + columns],
                values[k + columns + 1],
            ];
            if block.iter().all(|v| v.is_finite()) {
                best = best.max(block.iter().copied().fold(f32::INFINITY, f32::min));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Range;

    /// Frames at 4 fps of one box's surroundings: every point at 100 except, in the frames of
    /// `lit`, a 2 x 2 block at 160 (an LED that lights); `hidden` frames show nothing of the
    /// box (a hand over it).
    fn looks(grid: &Grid, frames: usize, lit: Range<usize>, hidden: &[usize]) -> Looks {
        let n = grid.points[0].len();
        let cols = grid.columns[0];
        let led = [cols + 1, cols + 2, 2 * cols + 1, 2 * cols + 2];
        let grey = (0..frames)
            .map(|f| {
                let row: Vec<f32> = (0..n)
                    .map(|k| {
                        if hidden.contains(&f) {
                            f32::NAN
                        } else if lit.contains(&f) && led.contains(&k) {
                            160.0
                        } else {
                            100.0
                        }
                    })
                    .collect();
                vec![row]
            })
            .collect();
        Looks::new(grid, grey)
    }

    #[test]
    fn a_light_left_on_counts_and_a_hover_does_not() {
        let grid = Grid::new(&[[10.0, 10.0, 50.0, 40.0]]);
        let times: Vec<f64> = (0..40).map(|f| f as f64 / 4.0).collect();
        let moments: Vec<(usize, f32)> = (8..20).map(|i| (i, 1.0)).collect();
        // Pressed at frame 12 (the hand on it 10-13), lit until the next press at frame 24.
        let pressed = looks(&grid, 40, 12..24, &[10, 11, 12, 13]);
        assert_eq!(pressed.left_behind(&times, &moments), vec![1.0]);
        // Hovered over at the same time: covered, then as before.
        let hovered = looks(&grid, 40, 0..0, &[10, 11, 12, 13]);
        assert_eq!(hovered.left_behind(&times, &moments), vec![0.0]);
        // Lit since frame 0 and going out as another key is pressed at frame 12: back to its
        // usual look, no score.
        let went_out = looks(&grid, 40, 0..12, &[]);
        assert_eq!(went_out.left_behind(&times, &moments), vec![0.0]);
        // Pressed once the moments are over: nothing left behind in them yet.
        let later = looks(&grid, 40, 30..38, &[28, 29]);
        assert_eq!(later.left_behind(&times, &moments), vec![0.0]);
    }

    #[test]
    fn the_surroundings_of_two_keys_side_by_side_are_split_between_them() {
        let rects = [[10.0, 10.0, 50.0, 40.0], [60.0, 10.0, 100.0, 40.0]];
        let grid = Grid::new(&rects);
        for (b, pts) in grid.points.iter().enumerate() {
            let kept: Vec<&[f64; 2]> = pts.iter().filter(|p| p[0].is_finite()).collect();
            assert!(kept.len() < pts.len(), "box {b} lost nothing");
            for p in kept {
                assert!(
                    distance(&rects[b], *p) <= distance(&rects[1 - b], *p),
                    "{p:?}"
                );
            }
        }
        // The first key's surroundings reach 15 px out on its free side.
        assert!(grid.points[0].iter().any(|p| p[0] < 0.0));
        assert!(!grid.points[0].iter().any(|p| p[0] > 55.0));
    }

    #[test]
    fn one_changed_point_is_no_lasting_change() {
        let values = [0.0, 50.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(strongest_block(&values, 3), 0.0);
        let values = [50.0, 50.0, 0.0, 50.0, 60.0, 0.0, 0.0, 0.0, 0.0];
        assert_eq!(strongest_block(&values, 3), 50.0);
    }
}
