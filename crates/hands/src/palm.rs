//! The palm detector (BlazePalm): an SSD whose 2,016 anchors are computed here, decoded boxes and
//! 7 keypoints per anchor, weighted non-maximum suppression, and the letterbox removed. The
//! constants are those of MediaPipe's `palm_detection_cpu` graph (docs/hands.md).

use candle_core::IndexOp;
use image::RgbImage;

use crate::crop::{crop, letterbox};
use crate::error::{Error, Result};
use crate::graph::Network;

/// One palm, in the image's normalised coordinates ([0, 1] on both axes).
#[derive(Debug, Clone, PartialEq)]
pub struct Palm {
    pub score: f32,
    /// xmin, ymin, width, height.
    pub bbox: [f32; 4],
    /// Keypoint 0 is the wrist centre, 2 the middle finger's knuckle (MCP).
    pub keypoints: [[f32; 2]; 7],
}

/// SSD anchor generation options (`SsdAnchorsCalculatorOptions`).
const NUM_LAYERS: usize = 4;
const STRIDES: [usize; NUM_LAYERS] = [8, 16, 16, 16];
const INPUT: usize = 192;
/// Decoding (`TensorsToDetectionsCalculatorOptions`): raw outputs are in input pixels.
const SCALE: f32 = 192.0;
const SCORE_CLIP: f32 = 100.0;
const NUM_BOXES: usize = 2016;
const NUM_COORDS: usize = 18;
/// Non-maximum suppression's IoU threshold.
const MIN_SUPPRESSION: f32 = 0.3;

/// Anchor centres (x, y) in [0, 1]. With fixed anchor sizes every anchor is 1 x 1, and layers of
/// the same stride share one grid: two anchors per layer per cell (the aspect ratio 1 and the
/// interpolated scale), in the order cell row, cell column, anchor.
pub fn anchors() -> Vec<[f32; 2]> {
    let mut out = Vec::with_capacity(NUM_BOXES);
    let mut layer = 0;
    while layer < NUM_LAYERS {
        let stride = STRIDES[layer];
        let mut same = 0;
        while layer + same < NUM_LAYERS && STRIDES[layer + same] == stride {
            same += 1;
        }
        let per_cell = 2 * same;
        let size = INPUT.div_ceil(stride);
        for y in 0..size {
            for x in 0..size {
                let c = [
                    (x as f32 + 0.5) / size as f32,
                    (y as f32 + 0.5) / size as f32,
                ];
                out.extend(std::iter::repeat_n(c, per_cell));
            }
        }
        layer += same;
    }
    out
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let x0 = a[0].max(b[0]);
    let y0 = a[1].max(b[1]);
    let x1 = (a[0] + a[2]).min(b[0] + b[2]);
    let y1 = (a[1] + a[3]).min(b[1] + b[3]);
    let inter = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
    let union = a[2] * a[3] + b[2] * b[3] - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Decodes the raw outputs (`boxes`: 2016 x 18, `scores`: 2016) into palms in the network
/// input's [0, 1] coordinates, those scoring at least `min_score`.
pub fn decode(boxes: &[f32], scores: &[f32], min_score: f32) -> Vec<Palm> {
    let anchors = anchors();
    let mut out = Vec::new();
    for (i, a) in anchors.iter().enumerate() {
        let score = sigmoid(scores[i].clamp(-SCORE_CLIP, SCORE_CLIP));
        if score < min_score {
            continue;
        }
        let r = &boxes[i * NUM_COORDS..(i + 1) * NUM_COORDS];
        let (cx, cy) = (r[0] / SCALE + a[0], r[1] / SCALE + a[1]);
        let (w, h) = (r[2] / SCALE, r[3] / SCALE);
        let mut keypoints = [[0f32; 2]; 7];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = [r[4 + 2 * k] / SCALE + a[0], r[5 + 2 * k] / SCALE + a[1]];
        }
        out.push(Palm {
            score,
            bbox: [cx - w / 2.0, cy - h / 2.0, w, h],
            keypoints,
        });
    }
    out
}

/// MediaPipe's weighted non-maximum suppression: the best remaining palm absorbs every palm
/// overlapping it by more than the threshold, its box and keypoints becoming their
/// score-weighted mean (its own score kept). Best first.
pub fn weighted_nms(mut palms: Vec<Palm>) -> Vec<Palm> {
    palms.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while !palms.is_empty() {
        let top = palms[0].clone();
        let (close, rest): (Vec<Palm>, Vec<Palm>) = palms
            .into_iter()
            .partition(|p| iou(&p.bbox, &top.bbox) > MIN_SUPPRESSION);
        palms = rest;
        let total: f32 = close.iter().map(|p| p.score).sum();
        let mut merged = top.clone();
        if total > 0.0 && !close.is_empty() {
            let mut b = [0f32; 4];
            let mut k = [[0f32; 2]; 7];
            for p in &close {
                // Corners, not sizes, are averaged (xmin, ymin, xmax, ymax).
                b[0] += p.bbox[0] * p.score;
                b[1] += p.bbox[1] * p.score;
                b[2] += (p.bbox[0] + p.bbox[2]) * p.score;
                b[3] += (p.bbox[1] + p.bbox[3]) * p.score;
                for (acc, kp) in k.iter_mut().zip(&p.keypoints) {
                    acc[0] += kp[0] * p.score;
                    acc[1] += kp[1] * p.score;
                }
            }
            let b = b.map(|v| v / total);
            merged.bbox = [b[0], b[1], b[2] - b[0], b[3] - b[1]];
            merged.keypoints = k.map(|kp| [kp[0] / total, kp[1] / total]);
        }
        out.push(merged);
    }
    out
}

/// Runs the detector on the letterboxed image: the palms in the image's [0, 1] coordinates,
/// best first.
pub fn detect(net: &Network, image: &RgbImage, min_score: f32) -> Result<Vec<Palm>> {
    let (rect, [pad_x, pad_y]) = letterbox(image.width(), image.height());
    let (h, w) = net.input_size();
    let input = crop(image, &rect, w, h);
    let outs = net.run(&input)?;
    let read = |i: usize, want: usize| -> Result<Vec<f32>> {
        let t = outs.get(i).ok_or_else(|| Error::Run {
            path: "palm detector".into(),
            message: format!("output {i} is missing"),
        })?;
        let v = t
            .i(0)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| Error::Run {
                path: "palm detector".into(),
                message: e.to_string(),
            })?;
        if v.len() != want {
            return Err(Error::Run {
                path: "palm detector".into(),
                message: format!("output {i} has {} values, expected {want}", v.len()),
            });
        }
        Ok(v)
    };
    let boxes = read(0, NUM_BOXES * NUM_COORDS)?;
    let scores = read(1, NUM_BOXES)?;
    let palms = weighted_nms(decode(&boxes, &scores, min_score));
    // Letterbox removal: input coordinates -> image coordinates.
    let (sx, sy) = (1.0 - 2.0 * pad_x, 1.0 - 2.0 * pad_y);
    Ok(palms
        .into_iter()
        .map(|mut p| {
            p.bbox = [
                (p.bbox[0] - pad_x) / sx,
                (p.bbox[1] - pad_y) / sy,
                p.bbox[2] / sx,
                p.bbox[3] / sy,
            ];
            for kp in &mut p.keypoints {
                *kp = [(kp[0] - pad_x) / sx, (kp[1] - pad_y) / sy];
            }
            p
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_cover_both_grids() {
        let a = anchors();
        assert_eq!(a.len(), NUM_BOXES);
        // 24 x 24 cells of stride 8, two anchors each, then 12 x 12 cells with six.
        assert_eq!(a[0], [0.5 / 24.0, 0.5 / 24.0]);
        assert_eq!(a[1], a[0]);
        assert_eq!(a[2], [1.5 / 24.0, 0.5 / 24.0]);
        assert_eq!(a[1152], [0.5 / 12.0, 0.5 / 12.0]);
        assert_eq!(a[1157], a[1152]);
        assert_eq!(a[1158], [1.5 / 12.0, 0.5 / 12.0]);
        assert_eq!(a[2015], [11.5 / 12.0, 11.5 / 12.0]);
    }

    #[test]
    fn nms_merges_overlaps_and_keeps_the_rest() {
        let palm = |score: f32, x: f32| Palm {
            score,
            bbox: [x, 0.1, 0.2, 0.2],
            keypoints: [[x, 0.1]; 7],
        };
        let out = weighted_nms(vec![palm(0.6, 0.12), palm(0.9, 0.1), palm(0.8, 0.6)]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        // Weighted mean of xmin 0.1 (0.9) and 0.12 (0.6).
        let want = (0.1 * 0.9 + 0.12 * 0.6) / 1.5;
        assert!((out[0].bbox[0] - want).abs() < 1e-6);
        assert!((out[0].keypoints[0][0] - want).abs() < 1e-6);
        assert_eq!(out[1].bbox[0], 0.6);
    }
}
