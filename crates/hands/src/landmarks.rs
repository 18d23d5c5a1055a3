//! From a palm to the hand's 21 landmarks: the palm's box is turned upright (wrist to middle
//! knuckle pointing up), shifted towards the fingers, squared and enlarged 2.6 times (MediaPipe's
//! `palm_detection_detection_to_roi`), that rotated crop goes to the landmark model, and its
//! landmarks are projected back onto the image (`hand_landmark_cpu`).

use std::f32::consts::PI;

use candle_core::IndexOp;
use image::RgbImage;

use crate::crop::{crop, RotatedRect};
use crate::error::{Error, Result};
use crate::graph::Network;
use crate::palm::Palm;
use crate::Hand;

const SCALE: f32 = 2.6;
const SHIFT_Y: f32 = -0.5;
/// The wrist-to-middle-knuckle vector is turned to point this way (up).
const TARGET_ANGLE: f32 = PI / 2.0;

/// Angle in [-pi, pi).
fn normalize(a: f32) -> f32 {
    a - 2.0 * PI * ((a + PI) / (2.0 * PI)).floor()
}

/// The landmark model's crop for `palm` in an image of `width` x `height` pixels.
pub fn roi_from_palm(palm: &Palm, width: u32, height: u32) -> RotatedRect {
    let (iw, ih) = (width as f32, height as f32);
    let [x0, y0] = palm.keypoints[0];
    let [x1, y1] = palm.keypoints[2];
    let rotation = normalize(TARGET_ANGLE - (-(y1 - y0) * ih).atan2((x1 - x0) * iw));
    let [bx, by, bw, bh] = palm.bbox;
    // Normalised box, shifted along its own (rotated) y axis.
    let (w, h) = (bw, bh);
    let (s, c) = rotation.sin_cos();
    let x_shift = (-ih * h * SHIFT_Y * s) / iw;
    let y_shift = (ih * h * SHIFT_Y * c) / ih;
    let cx = (bx + w / 2.0 + x_shift) * iw;
    let cy = (by + h / 2.0 + y_shift) * ih;
    // Square on the long side (in pixels), then enlarged.
    let side = (w * iw).max(h * ih) * SCALE;
    RotatedRect {
        cx,
        cy,
        width: side,
        height: side,
        rotation,
    }
}

/// Runs the landmark model on `roi` of `image`.
pub fn landmarks(
    net: &Network,
    image: &RgbImage,
    roi: &RotatedRect,
    palm_score: f32,
) -> Result<Hand> {
    let (h, w) = net.input_size();
    let input = crop(image, roi, w, h);
    let outs = net.run(&input)?;
    let value = |i: usize| -> Result<Vec<f32>> {
        outs.get(i)
            .ok_or_else(|| format!("output {i} is missing"))
            .and_then(|t| {
                t.i(0)
                    .and_then(|t| t.flatten_all())
                    .and_then(|t| t.to_vec1::<f32>())
                    .map_err(|e| e.to_string())
            })
            .map_err(|message| Error::Run {
                path: "hand landmark model".into(),
                message,
            })
    };
    let raw = value(0)?;
    if raw.len() != 63 {
        return Err(Error::Run {
            path: "hand landmark model".into(),
            message: format!("{} landmark values, expected 63", raw.len()),
        });
    }
    let presence = value(1)?.first().copied().unwrap_or(0.0);
    let right = value(2)?.first().copied().unwrap_or(0.0);
    let landmarks = raw
        .chunks_exact(3)
        .map(|p| {
            let (x, y) = roi.to_image(p[0], p[1], w as f32, h as f32);
            // z is in the crop's pixels; MediaPipe divides by the crop's width and by 0.4.
            [x, y, p[2] / w as f32 / 0.4]
        })
        .collect();
    Ok(Hand {
        landmarks,
        presence,
        palm_score,
        right,
        roi: *roi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upright_hand_keeps_its_rotation_and_grows_upwards() {
        // Wrist below the knuckle: already upright, no rotation.
        let palm = Palm {
            score: 0.9,
            bbox: [0.4, 0.4, 0.2, 0.2],
            keypoints: [
                [0.5, 0.6],
                [0.0, 0.0],
                [0.5, 0.4],
                [0.0, 0.0],
                [0.0, 0.0],
                [0.0, 0.0],
                [0.0, 0.0],
            ],
        };
        let r = roi_from_palm(&palm, 100, 100);
        assert!(r.rotation.abs() < 1e-6);
        // Shifted up by half the box height, 2.6 times the box.
        assert!((r.cx - 50.0).abs() < 1e-4);
        assert!((r.cy - 40.0).abs() < 1e-4, "{}", r.cy);
        assert!((r.width - 52.0).abs() < 1e-4);
        // A hand pointing right (knuckle right of the wrist) is turned by -90 degrees... the
        // crop's up is the image's right.
        let mut p = palm.clone();
        p.keypoints[0] = [0.4, 0.5];
        p.keypoints[2] = [0.6, 0.5];
        let r = roi_from_palm(&p, 100, 100);
        assert!((r.rotation - PI / 2.0).abs() < 1e-5, "{}", r.rotation);
        let (x, y) = r.to_image(112.0, 0.0, 224.0, 224.0);
        assert!(
            x > r.cx && (y - r.cy).abs() < 1e-3,
            "top centre of the crop at {x},{y}"
        );
    }
}
