//! Pixel geometry of the OCR: bilinear resizing, the minimum-area rectangle of a point set, the
//! mean of a map inside a polygon, and the crop of a rotated box into an upright strip.
//!
//! Conventions follow OpenCV, which the reference pipeline (PaddleOCR's) uses: pixel `(x, y)` has
//! its centre at integer coordinates, bilinear resizing samples at `(dst + 0.5) * in / out - 0.5`,
//! and a box is four corners clockwise from the top-left.

use image::RgbImage;
use serde::{Deserialize, Serialize};

/// A point in pixels.
pub type Point = [f32; 2];

/// Four corners, clockwise from the top-left, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quad(pub [Point; 4]);

impl Quad {
    /// The axis-aligned rectangle `[x0, y0, x1, y1]` that holds the quad.
    pub fn bounds(&self) -> [f32; 4] {
        let xs = self.0.map(|p| p[0]);
        let ys = self.0.map(|p| p[1]);
        [
            xs.iter().copied().fold(f32::INFINITY, f32::min),
            ys.iter().copied().fold(f32::INFINITY, f32::min),
            xs.iter().copied().fold(f32::NEG_INFINITY, f32::max),
            ys.iter().copied().fold(f32::NEG_INFINITY, f32::max),
        ]
    }

    /// The centre (mean of the corners).
    pub fn center(&self) -> Point {
        let s = self
            .0
            .iter()
            .fold([0.0, 0.0], |a, p| [a[0] + p[0], a[1] + p[1]]);
        [s[0] / 4.0, s[1] / 4.0]
    }

    /// Width and height as PaddleOCR's crop measures them: the longer of each pair of opposite
    /// sides.
    pub fn side_lengths(&self) -> (f32, f32) {
        let [a, b, c, d] = self.0;
        (dist(a, b).max(dist(c, d)), dist(a, d).max(dist(b, c)))
    }
}

fn dist(a: Point, b: Point) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// Resizes `src` to `width` x `height` with OpenCV's `INTER_LINEAR` sampling (no antialiasing),
/// rounding to 8 bits as OpenCV does for 8-bit images.
pub fn resize_bilinear(src: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (sw, sh) = src.dimensions();
    if (sw, sh) == (width, height) {
        return src.clone();
    }
    let taps = |dst: u32, input: u32, output: u32| -> (u32, u32, f32) {
        let scale = input as f32 / output as f32;
        let s = ((dst as f32 + 0.5) * scale - 0.5).max(0.0);
        let i0 = (s.floor() as u32).min(input - 1);
        let i1 = (i0 + 1).min(input - 1);
        (i0, i1, s - i0 as f32)
    };
    let xt: Vec<_> = (0..width).map(|x| taps(x, sw, width)).collect();
    let yt: Vec<_> = (0..height).map(|y| taps(y, sh, height)).collect();
    let raw = src.as_raw();
    let stride = sw as usize * 3;
    let mut out = RgbImage::new(width, height);
    for (y, &(y0, y1, fy)) in yt.iter().enumerate() {
        let r0 = &raw[y0 as usize * stride..][..stride];
        let r1 = &raw[y1 as usize * stride..][..stride];
        for (x, &(x0, x1, fx)) in xt.iter().enumerate() {
            let (x0, x1) = (x0 as usize * 3, x1 as usize * 3);
            let px = out.get_pixel_mut(x as u32, y as u32);
            for c in 0..3 {
                let top = r0[x0 + c] as f32 * (1.0 - fx) + r0[x1 + c] as f32 * fx;
                let bottom = r1[x0 + c] as f32 * (1.0 - fx) + r1[x1 + c] as f32 * fx;
                px.0[c] = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

/// The convex hull of `points` (Andrew's monotone chain), counter-clockwise in image axes
/// (y down), without repeated or collinear points.
pub fn convex_hull(points: &[Point]) -> Vec<Point> {
    let mut pts: Vec<Point> = points.to_vec();
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let cross = |o: Point, a: Point, b: Point| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut hull: Vec<Point> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Point>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// A rotated rectangle: centre, side lengths along its two axes, and the unit direction of the
/// first axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotatedRect {
    pub center: Point,
    pub size: [f32; 2],
    pub axis: Point,
}

impl RotatedRect {
    /// The shorter side.
    pub fn short_side(&self) -> f32 {
        self.size[0].min(self.size[1])
    }

    /// The same rectangle grown by `d` on every side.
    pub fn grown(&self, d: f32) -> Self {
        Self {
            size: [self.size[0] + 2.0 * d, self.size[1] + 2.0 * d],
            ..*self
        }
    }

    /// The corners, ordered as PaddleOCR's `get_mini_boxes` orders them: of the two leftmost
    /// corners the upper is first (top-left) and the lower last (bottom-left); of the two
    /// rightmost the upper is second (top-right) and the lower third.
    pub fn quad(&self) -> Quad {
        let [ux, uy] = self.axis;
        let (vx, vy) = (-uy, ux);
        let (hw, hh) = (self.size[0] / 2.0, self.size[1] / 2.0);
        let [cx, cy] = self.center;
        let mut corners = [[-1.0f32, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]].map(|[a, b]| {
            [
                cx + a * hw * ux + b * hh * vx,
                cy + a * hw * uy + b * hh * vy,
            ]
        });
        corners.sort_by(|a, b| a[0].total_cmp(&b[0]));
        let (left, right) = corners.split_at(2);
        let (tl, bl) = if left[0][1] <= left[1][1] {
            (left[0], left[1])
        } else {
            (left[1], left[0])
        };
        let (tr, br) = if right[0][1] <= right[1][1] {
            (right[0], right[1])
        } else {
            (right[1], right[0])
        };
        Quad([tl, tr, br, bl])
    }
}

/// The minimum-area rectangle around `points` (rotating calipers over the convex hull; one of
/// its sides lies on a hull edge). `None` for fewer than one point.
pub fn min_area_rect(points: &[Point]) -> Option<RotatedRect> {
    let hull = convex_hull(points);
    match hull.len() {
        0 => return None,
        1 => {
            return Some(RotatedRect {
                center: hull[0],
                size: [0.0, 0.0],
                axis: [1.0, 0.0],
            })
        }
        _ => {}
    }
    let mut best: Option<(f32, RotatedRect)> = None;
    for i in 0..hull.len() {
        let a = hull[i];
        let b = hull[(i + 1) % hull.len()];
        let len = dist(a, b);
        if len == 0.0 {
            continue;
        }
        let u = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
        let v = [-u[1], u[0]];
        let (mut umin, mut umax, mut vmin, mut vmax) = (
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        );
        for p in &hull {
            let pu = p[0] * u[0] + p[1] * u[1];
            let pv = p[0] * v[0] + p[1] * v[1];
            umin = umin.min(pu);
            umax = umax.max(pu);
            vmin = vmin.min(pv);
            vmax = vmax.max(pv);
        }
        let area = (umax - umin) * (vmax - vmin);
        if best.as_ref().is_none_or(|(a, _)| area < *a) {
            let (cu, cv) = ((umin + umax) / 2.0, (vmin + vmax) / 2.0);
            best = Some((
                area,
                RotatedRect {
                    center: [cu * u[0] + cv * v[0], cu * u[1] + cv * v[1]],
                    size: [umax - umin, vmax - vmin],
                    axis: u,
                },
            ));
        }
    }
    best.map(|(_, r)| r)
}

/// The mean of `map` (`width` x `height`, row-major) over the pixels whose centres lie inside
/// `quad` (PaddleOCR's "fast" box score, which fills the polygon over its bounding box).
pub fn mean_inside(map: &[f32], width: usize, height: usize, quad: &Quad) -> f32 {
    let [x0, y0, x1, y1] = quad.bounds();
    let clamp = |v: f32, hi: usize| (v.max(0.0) as usize).min(hi - 1);
    let (xa, xb) = (clamp(x0.floor(), width), clamp(x1.ceil(), width));
    let (ya, yb) = (clamp(y0.floor(), height), clamp(y1.ceil(), height));
    let mut sum = 0.0f64;
    let mut n = 0usize;
    for y in ya..=yb {
        for x in xa..=xb {
            if inside(&quad.0, [x as f32, y as f32]) {
                sum += map[y * width + x] as f64;
                n += 1;
            }
        }
    }
    if n == 0 {
        0.0
    } else {
        (sum / n as f64) as f32
    }
}

/// Whether `p` is inside or on the border of the convex polygon `poly`.
fn inside(poly: &[Point], p: Point) -> bool {
    let mut sign = 0.0f32;
    for i in 0..poly.len() {
        let a = poly[i];
        let b = poly[(i + 1) % poly.len()];
        let c = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
        if c.abs() < 1e-4 {
            continue;
        }
        if sign == 0.0 {
            sign = c.signum();
        } else if c.signum() != sign {
            return false;
        }
    }
    true
}

/// Crops `quad` out of `image` into an upright `width` x `height` strip: output pixel `(u, v)`
/// samples the image at the point that OpenCV's perspective warp maps it to (corners to corners;
/// for a rectangle the map is affine), as `cv2.warpPerspective(INTER_CUBIC, BORDER_REPLICATE)`
/// does: source positions quantised to 1/32 px, Keys' cubic kernel with a = -0.75.
pub fn crop_quad(image: &RgbImage, quad: &Quad, width: u32, height: u32) -> RgbImage {
    let [tl, tr, _br, bl] = quad.0;
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    let ex = [(tr[0] - tl[0]) / w, (tr[1] - tl[1]) / w];
    let ey = [(bl[0] - tl[0]) / h, (bl[1] - tl[1]) / h];
    let mut out = RgbImage::new(width.max(1), height.max(1));
    for v in 0..out.height() {
        for u in 0..out.width() {
            let x = tl[0] + u as f32 * ex[0] + v as f32 * ey[0];
            let y = tl[1] + u as f32 * ex[1] + v as f32 * ey[1];
            out.put_pixel(u, v, sample_cubic(image, x, y));
        }
    }
    out
}

/// OpenCV's cubic interpolation weights for fractional offset `t` (a = -0.75).
fn cubic_weights(t: f32) -> [f32; 4] {
    const A: f32 = -0.75;
    let w0 = ((A * (t + 1.0) - 5.0 * A) * (t + 1.0) + 8.0 * A) * (t + 1.0) - 4.0 * A;
    let w1 = ((A + 2.0) * t - (A + 3.0)) * t * t + 1.0;
    let w2 = ((A + 2.0) * (1.0 - t) - (A + 3.0)) * (1.0 - t) * (1.0 - t) + 1.0;
    [w0, w1, w2, 1.0 - w0 - w1 - w2]
}

fn sample_cubic(image: &RgbImage, x: f32, y: f32) -> image::Rgb<u8> {
    let (w, h) = (image.width() as i64, image.height() as i64);
    // OpenCV's warps resolve positions to 1/32 of a pixel (INTER_BITS = 5).
    let (xq, yq) = ((x * 32.0).round() as i64, (y * 32.0).round() as i64);
    let (x0, y0) = (xq.div_euclid(32), yq.div_euclid(32));
    let wx = cubic_weights(xq.rem_euclid(32) as f32 / 32.0);
    let wy = cubic_weights(yq.rem_euclid(32) as f32 / 32.0);
    let mut acc = [0f32; 3];
    for (j, wyj) in wy.iter().enumerate() {
        let yy = (y0 - 1 + j as i64).clamp(0, h - 1) as u32;
        for (i, wxi) in wx.iter().enumerate() {
            let xx = (x0 - 1 + i as i64).clamp(0, w - 1) as u32;
            let p = image.get_pixel(xx, yy).0;
            for c in 0..3 {
                acc[c] += wyj * wxi * p[c] as f32;
            }
        }
    }
    image::Rgb(acc.map(|v| v.round().clamp(0.0, 255.0) as u8))
}

/// Rotates an image by 90 degrees anticlockwise (numpy's `rot90`), for crops taller than wide.
pub fn rotate90_anticlockwise(image: &RgbImage) -> RgbImage {
    image::imageops::rotate270(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_area_rect_of_a_rotated_square_is_the_square() {
        // A 10 x 4 rectangle rotated by 30 degrees, sampled at its corners and edges.
        let (c, s) = (30f32.to_radians().cos(), 30f32.to_radians().sin());
        let mut pts = Vec::new();
        for i in 0..=10 {
            for j in 0..=4 {
                let (x, y) = (i as f32 - 5.0, j as f32 - 2.0);
                pts.push([50.0 + c * x - s * y, 40.0 + s * x + c * y]);
            }
        }
        let r = min_area_rect(&pts).unwrap();
        let mut size = r.size;
        size.sort_by(f32::total_cmp);
        assert!(
            (size[0] - 4.0).abs() < 1e-3 && (size[1] - 10.0).abs() < 1e-3,
            "{r:?}"
        );
        assert!((r.center[0] - 50.0).abs() < 1e-3 && (r.center[1] - 40.0).abs() < 1e-3);
        let q = r.quad();
        assert!(
            q.0[0][0] < q.0[1][0],
            "top-left is left of top-right: {q:?}"
        );
    }

    #[test]
    fn upright_rect_corners_come_clockwise_from_top_left() {
        let r = min_area_rect(&[[2.0, 3.0], [12.0, 3.0], [12.0, 8.0], [2.0, 8.0]]).unwrap();
        assert_eq!(
            r.quad().0,
            [[2.0, 3.0], [12.0, 3.0], [12.0, 8.0], [2.0, 8.0]]
        );
    }

    #[test]
    fn mean_inside_averages_only_the_polygon() {
        let (w, h) = (10, 10);
        let mut map = vec![0.0f32; w * h];
        for y in 2..=5 {
            for x in 3..=6 {
                map[y * w + x] = 1.0;
            }
        }
        let q = Quad([[3.0, 2.0], [6.0, 2.0], [6.0, 5.0], [3.0, 5.0]]);
        assert_eq!(mean_inside(&map, w, h, &q), 1.0);
        let wider = Quad([[1.0, 2.0], [8.0, 2.0], [8.0, 5.0], [1.0, 5.0]]);
        assert!((mean_inside(&map, w, h, &wider) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn resize_keeps_a_flat_image_flat_and_matches_opencv_half_pixel_sampling() {
        let img = RgbImage::from_fn(4, 1, |x, _| image::Rgb([x as u8 * 60, 7, 7]));
        let up = resize_bilinear(&img, 8, 1);
        // OpenCV: dst d samples src 0.5 d - 0.25, clamped to [0, 3].
        let row: Vec<u8> = (0..8).map(|x| up.get_pixel(x, 0).0[0]).collect();
        assert_eq!(row, vec![0, 15, 45, 75, 105, 135, 165, 180]);
        assert!((0..8).all(|x| up.get_pixel(x, 0).0[1] == 7));
    }
}
