//! Cutting a (rotated) rectangle out of an image into a network's input, as MediaPipe's
//! `ImageToTensorCalculator` does on the CPU: the rectangle's corners go to the tensor's corners
//! (a perspective warp with bilinear sampling, zero outside the image), values scaled to [0, 1].

use candle_core::{Device, Tensor};
use image::RgbImage;
use serde::{Deserialize, Serialize};

/// A rectangle in an image's pixels: its centre, size, and rotation in radians (clockwise on
/// screen, since y points down).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RotatedRect {
    pub cx: f32,
    pub cy: f32,
    pub width: f32,
    pub height: f32,
    pub rotation: f32,
}

impl RotatedRect {
    /// Where the point at (`u`, `v`) of an `out_w` x `out_h` crop of this rectangle lies in the
    /// image (the crop's corners are the rectangle's corners).
    pub fn to_image(&self, u: f32, v: f32, out_w: f32, out_h: f32) -> (f32, f32) {
        let dx = (u / out_w - 0.5) * self.width;
        let dy = (v / out_h - 0.5) * self.height;
        let (s, c) = self.rotation.sin_cos();
        (self.cx + c * dx - s * dy, self.cy + s * dx + c * dy)
    }
}

/// The whole image, letterboxed into a square (the long side fits): the rectangle, and the
/// padding on each side as fractions of the square (left/right, top/bottom).
pub fn letterbox(width: u32, height: u32) -> (RotatedRect, [f32; 2]) {
    let (w, h) = (width as f32, height as f32);
    let side = w.max(h);
    let rect = RotatedRect {
        cx: w / 2.0,
        cy: h / 2.0,
        width: side,
        height: side,
        rotation: 0.0,
    };
    (rect, [(1.0 - w / side) / 2.0, (1.0 - h / side) / 2.0])
}

/// `rect` of `image` as an `[1, out_h, out_w, 3]` tensor in [0, 1].
pub fn crop(image: &RgbImage, rect: &RotatedRect, out_w: usize, out_h: usize) -> Tensor {
    let (iw, ih) = (image.width() as i64, image.height() as i64);
    let raw = image.as_raw();
    let px = |x: i64, y: i64, ch: usize| -> f32 {
        if x < 0 || y < 0 || x >= iw || y >= ih {
            0.0
        } else {
            raw[((y * iw + x) * 3) as usize + ch] as f32
        }
    };
    let mut out = Vec::with_capacity(out_w * out_h * 3);
    for v in 0..out_h {
        for u in 0..out_w {
            let (x, y) = rect.to_image(u as f32, v as f32, out_w as f32, out_h as f32);
            let (x0, y0) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0, y - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            for ch in 0..3 {
                let top = px(x0, y0, ch) * (1.0 - fx) + px(x0 + 1, y0, ch) * fx;
                let bottom = px(x0, y0 + 1, ch) * (1.0 - fx) + px(x0 + 1, y0 + 1, ch) * fx;
                out.push((top * (1.0 - fy) + bottom * fy) / 255.0);
            }
        }
    }
    Tensor::from_vec(out, (1, out_h, out_w, 3), &Device::Cpu).expect("sizes match")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corners_map_to_corners() {
        let r = RotatedRect {
            cx: 100.0,
            cy: 50.0,
            width: 40.0,
            height: 20.0,
            rotation: std::f32::consts::FRAC_PI_2,
        };
        // The crop's top-left corner: (-20, -10) rotated by 90 degrees is (10, -20).
        let (x, y) = r.to_image(0.0, 0.0, 8.0, 4.0);
        assert!(
            (x - 110.0).abs() < 1e-4 && (y - 30.0).abs() < 1e-4,
            "{x} {y}"
        );
        let (x, y) = r.to_image(4.0, 2.0, 8.0, 4.0);
        assert!((x - 100.0).abs() < 1e-4 && (y - 50.0).abs() < 1e-4);
    }

    #[test]
    fn letterbox_pads_the_short_side() {
        let (r, pad) = letterbox(640, 360);
        assert_eq!((r.width, r.height), (640.0, 640.0));
        assert_eq!(pad[0], 0.0);
        assert!((pad[1] - (1.0 - 360.0 / 640.0) / 2.0).abs() < 1e-6);
        // A pixel of the image lands in the crop, the padding is black.
        let mut img = RgbImage::new(640, 360);
        img.put_pixel(320, 180, image::Rgb([255, 255, 255]));
        let t = crop(&img, &r, 640, 640);
        let v: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        let at = |u: usize, v_: usize| v[(v_ * 640 + u) * 3];
        assert_eq!(at(320, 320), 1.0);
        assert_eq!(at(10, 10), 0.0);
    }
}
