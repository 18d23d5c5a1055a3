//! Text detection: DB (Liao et al., "Real-time Scene Text Detection with Differentiable
//! Binarization", AAAI 2020) as PP-OCR ships it. The network gives a per-pixel probability of
//! "text"; boxes come from thresholding that map, as PaddleOCR's `DBPostProcess` does:
//!
//! 1. bitmap = probability > `thresh`, dilated by a 2 x 2 kernel;
//! 2. each 8-connected region (OpenCV traces contours; a region's convex hull is the same) gives
//!    its minimum-area rectangle, dropped when its short side is under `min_size`;
//! 3. score = mean probability inside that rectangle, dropped under `box_thresh`;
//! 4. the rectangle is grown by `d = area * unclip_ratio / perimeter` on every side (the minimum
//!    rectangle of pyclipper's rounded offset, which PaddleOCR computes);
//! 5. scaled back to the image and clipped to it.

use candle_core::{Device, Tensor};
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::geometry::{mean_inside, min_area_rect, resize_bilinear, Point, Quad};

/// How the detection input is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitType {
    /// Shrink so that the longer side is at most `limit_side_len`.
    Max,
    /// Grow so that the shorter side is at least `limit_side_len`.
    Min,
}

/// Detection settings (PaddleOCR's names).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetParams {
    pub limit_side_len: u32,
    pub limit_type: LimitType,
    /// Upper bound on the longer side after the limit (memory bound for huge photos).
    pub max_side_len: u32,
    pub thresh: f32,
    pub box_thresh: f32,
    pub unclip_ratio: f32,
    pub min_size: f32,
    pub max_candidates: usize,
    pub use_dilation: bool,
    /// Per input channel, in the order fed (`bgr` says which).
    pub mean: [f32; 3],
    pub std: [f32; 3],
    /// Channels fed as B, G, R (PaddleOCR reads images with OpenCV).
    pub bgr: bool,
}

/// A detected text region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// In the pixels of the image given to the detector.
    pub quad: Quad,
    /// Mean text probability inside the unexpanded box.
    pub score: f32,
}

/// The detector's input size for a `width` x `height` image: scaled by the limit rule, each side
/// rounded to a multiple of 32 (at least 32).
pub fn input_size(width: u32, height: u32, p: &DetParams) -> (u32, u32) {
    let (w, h) = (width as f32, height as f32);
    let mut ratio = match p.limit_type {
        LimitType::Max if w.max(h) > p.limit_side_len as f32 => p.limit_side_len as f32 / w.max(h),
        LimitType::Min if w.min(h) < p.limit_side_len as f32 => p.limit_side_len as f32 / w.min(h),
        _ => 1.0,
    };
    if w.max(h) * ratio > p.max_side_len as f32 {
        ratio = p.max_side_len as f32 / w.max(h);
    }
    // Python's round(): ties to even.
    let round32 = |v: f32| (((v as u32) as f32 / 32.0).round_ties_even() as u32 * 32).max(32);
    (round32(w * ratio), round32(h * ratio))
}

/// The normalised `[1, 3, H, W]` input for `image` resized to `width` x `height`.
pub fn input_tensor(
    image: &RgbImage,
    width: u32,
    height: u32,
    p: &DetParams,
) -> candle_core::Result<Tensor> {
    let resized = resize_bilinear(image, width, height);
    Tensor::from_vec(
        planar(&resized, p.bgr, p.mean, p.std),
        (1, 3, height as usize, width as usize),
        &Device::Cpu,
    )
}

/// `(v / 255 - mean[c]) / std[c]`, channel-planar, in RGB or BGR order.
pub(crate) fn planar(image: &RgbImage, bgr: bool, mean: [f32; 3], std: [f32; 3]) -> Vec<f32> {
    let (w, h) = image.dimensions();
    let n = (w * h) as usize;
    let mut out = vec![0f32; 3 * n];
    for (i, px) in image.pixels().enumerate() {
        for c in 0..3 {
            let src = if bgr { 2 - c } else { c };
            out[c * n + i] = (px.0[src] as f32 / 255.0 - mean[c]) / std[c];
        }
    }
    out
}

/// Boxes from the probability map `prob` (`width` x `height`, row-major), in the coordinates of
/// a `dest_width` x `dest_height` image.
pub fn boxes_from_map(
    prob: &[f32],
    width: usize,
    height: usize,
    dest_width: u32,
    dest_height: u32,
    p: &DetParams,
) -> Vec<Detection> {
    let mut bitmap: Vec<bool> = prob.iter().map(|&v| v > p.thresh).collect();
    if p.use_dilation {
        bitmap = dilate2x2(&bitmap, width, height);
    }
    let sx = dest_width as f32 / width as f32;
    let sy = dest_height as f32 / height as f32;
    let mut out = Vec::new();
    for region in regions(&bitmap, width, height)
        .into_iter()
        .take(p.max_candidates)
    {
        let Some(rect) = min_area_rect(&region) else {
            continue;
        };
        if rect.short_side() < p.min_size {
            continue;
        }
        let quad = rect.quad();
        let score = mean_inside(prob, width, height, &quad);
        if score < p.box_thresh {
            continue;
        }
        let [w, h] = rect.size;
        let d = w * h * p.unclip_ratio / (2.0 * (w + h));
        let Some(grown) = unclip(&quad, d) else {
            continue;
        };
        if grown.short_side() < p.min_size + 2.0 {
            continue;
        }
        let scale = |q: Point| {
            [
                (q[0] * sx).round_ties_even().clamp(0.0, dest_width as f32),
                (q[1] * sy).round_ties_even().clamp(0.0, dest_height as f32),
            ]
        };
        out.push(Detection {
            quad: Quad(grown.quad().0.map(scale)),
            score,
        });
    }
    sort_reading_order(&mut out);
    out
}

/// The minimum rectangle around `quad` offset outwards by `d` with round joins, as PaddleOCR
/// computes it with pyclipper, which works in integers: the corners are truncated to whole
/// pixels, and the offset outline (arcs of radius `d` around each corner) is rounded to them.
fn unclip(quad: &Quad, d: f32) -> Option<crate::geometry::RotatedRect> {
    const ARC_POINTS: usize = 64;
    let mut outline = Vec::with_capacity(4 * ARC_POINTS);
    for corner in quad.0 {
        let (cx, cy) = (corner[0].trunc(), corner[1].trunc());
        for k in 0..ARC_POINTS {
            let a = k as f32 * std::f32::consts::TAU / ARC_POINTS as f32;
            outline.push([(cx + d * a.cos()).round(), (cy + d * a.sin()).round()]);
        }
    }
    min_area_rect(&outline)
}

/// OpenCV's `dilate` with a 2 x 2 kernel of ones (anchor at its centre, index (1, 1)): a pixel
/// is set when it or its left, upper or upper-left neighbour is.
fn dilate2x2(bitmap: &[bool], width: usize, height: usize) -> Vec<bool> {
    let mut out = vec![false; bitmap.len()];
    for y in 0..height {
        for x in 0..width {
            let at = |dx: usize, dy: usize| x >= dx && y >= dy && bitmap[(y - dy) * width + x - dx];
            out[y * width + x] = at(0, 0) || at(1, 0) || at(0, 1) || at(1, 1);
        }
    }
    out
}

/// The 8-connected regions of `bitmap`, each as the centres of its leftmost and rightmost
/// pixel per row (enough for the convex hull), in raster order of their first pixel.
fn regions(bitmap: &[bool], width: usize, height: usize) -> Vec<Vec<Point>> {
    let mut label = vec![0u32; bitmap.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..bitmap.len() {
        if !bitmap[start] || label[start] != 0 {
            continue;
        }
        let id = out.len() as u32 + 1;
        label[start] = id;
        stack.push(start);
        // Per row: (min x, max x).
        let mut rows: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
        while let Some(i) = stack.pop() {
            let (x, y) = (i % width, i / width);
            let e = rows.entry(y).or_insert((x, x));
            e.0 = e.0.min(x);
            e.1 = e.1.max(x);
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx < 0 || ny < 0 || nx >= width as i64 || ny >= height as i64 {
                        continue;
                    }
                    let j = ny as usize * width + nx as usize;
                    if bitmap[j] && label[j] == 0 {
                        label[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        out.push(
            rows.into_iter()
                .flat_map(|(y, (a, b))| [[a as f32, y as f32], [b as f32, y as f32]])
                .collect(),
        );
    }
    out
}

/// Top to bottom, then left to right within a line (boxes whose tops differ by under 10 px),
/// as PaddleOCR's `sorted_boxes`.
pub fn sort_reading_order(dets: &mut [Detection]) {
    dets.sort_by(|a, b| {
        let (pa, pb) = (a.quad.0[0], b.quad.0[0]);
        pa[1].total_cmp(&pb[1]).then(pa[0].total_cmp(&pb[0]))
    });
    // One bubble pass per box, as the reference does, so a box whose top sits a few pixels
    // higher does not jump ahead of one to its left on the same line.
    for i in 0..dets.len().saturating_sub(1) {
        for j in (0..=i).rev() {
            let (a, b) = (dets[j].quad.0[0], dets[j + 1].quad.0[0]);
            if (b[1] - a[1]).abs() < 10.0 && b[0] < a[0] {
                dets.swap(j, j + 1);
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> DetParams {
        DetParams {
            limit_side_len: 960,
            limit_type: LimitType::Max,
            max_side_len: 2000,
            thresh: 0.3,
            box_thresh: 0.6,
            unclip_ratio: 1.5,
            min_size: 3.0,
            max_candidates: 1000,
            use_dilation: false,
            mean: [0.485, 0.456, 0.406],
            std: [0.229, 0.224, 0.225],
            bgr: true,
        }
    }

    #[test]
    fn input_size_limits_the_long_side_and_rounds_to_32() {
        let p = params();
        assert_eq!(input_size(1920, 1080, &p), (960, 544));
        assert_eq!(input_size(640, 360, &p), (640, 352));
        assert_eq!(input_size(10, 10, &p), (32, 32));
        let min = DetParams {
            limit_side_len: 736,
            limit_type: LimitType::Min,
            ..p
        };
        assert_eq!(input_size(640, 360, &min), (1312, 736));
    }

    #[test]
    fn one_blob_gives_one_grown_box_in_image_coordinates() {
        let (w, h) = (64, 32);
        let mut prob = vec![0.0f32; w * h];
        for y in 10..20 {
            for x in 8..48 {
                prob[y * w + x] = 0.9;
            }
        }
        let dets = boxes_from_map(&prob, w, h, 128, 64, &params());
        assert_eq!(dets.len(), 1, "{dets:?}");
        let [x0, y0, x1, y1] = dets[0].quad.bounds();
        // The blob spans x 8..47, y 10..19 (centres); grown by d = 39*9*1.5/96 = 5.5 px per side,
        // then doubled into the 128 x 64 image.
        assert!(
            (x0 - 5.0).abs() <= 1.0 && (x1 - 105.0).abs() <= 1.0,
            "{x0} {x1}"
        );
        assert!(
            (y0 - 9.0).abs() <= 1.0 && (y1 - 49.0).abs() <= 1.0,
            "{y0} {y1}"
        );
        assert!((dets[0].score - 0.9).abs() < 1e-5);
    }

    #[test]
    fn weak_and_tiny_blobs_are_dropped() {
        let (w, h) = (40, 40);
        let mut prob = vec![0.0f32; w * h];
        for y in 5..15 {
            for x in 5..30 {
                prob[y * w + x] = 0.4; // above thresh, below box_thresh
            }
        }
        prob[30 * w + 30] = 0.99; // a single pixel
        assert!(boxes_from_map(&prob, w, h, 40, 40, &params()).is_empty());
    }

    #[test]
    fn reading_order_is_lines_then_left_to_right() {
        let at = |x: f32, y: f32| Detection {
            quad: Quad([[x, y], [x + 5.0, y], [x + 5.0, y + 5.0], [x, y + 5.0]]),
            score: 1.0,
        };
        let mut d = vec![at(50.0, 100.0), at(10.0, 104.0), at(30.0, 10.0)];
        sort_reading_order(&mut d);
        let xs: Vec<f32> = d.iter().map(|d| d.quad.0[0][0]).collect();
        assert_eq!(xs, vec![30.0, 10.0, 50.0]);
    }
}
