//! The few grey-level image operations registration needs, on a plain
//! row-major `u8` plane: colour → grey, bilinear down-scaling for the
//! pyramid, a small binomial blur for the descriptors and the variance of the
//! Laplacian as a sharpness measure.
//!
//! They are written here rather than taken from `image`/`imageproc` because
//! they sit on the per-frame hot path and need to be tight loops over one
//! buffer (no per-pixel bounds checks through `get_pixel`, no allocation of
//! intermediate `f32` images).

use image::{GrayImage, RgbImage};

/// A grey image: `width * height` bytes, row-major, no padding.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Plane {
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![0; width * height],
        }
    }

    pub fn from_gray(img: &GrayImage) -> Self {
        Self {
            width: img.width() as usize,
            height: img.height() as usize,
            data: img.as_raw().clone(),
        }
    }

    /// ITU-R BT.601 luma in integer arithmetic (the weights OpenCV and
    /// `image` use), so the same photo gives the same grey values everywhere.
    pub fn from_rgb(img: &RgbImage) -> Self {
        let data = img
            .as_raw()
            .chunks_exact(3)
            .map(|p| {
                ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114 + 500)
                    / 1000) as u8
            })
            .collect();
        Self {
            width: img.width() as usize,
            height: img.height() as usize,
            data,
        }
    }

    #[inline]
    pub fn at(&self, x: usize, y: usize) -> u8 {
        self.data[y * self.width + x]
    }

    /// This plane resized to `w` x `h` for a smaller size, halving first while it is more than
    /// twice as wide, so that the final bilinear step does not alias.
    pub fn shrunk(self, w: usize, h: usize) -> Plane {
        let mut p = self;
        while p.width > 2 * w {
            p = p.resize(p.width / 2, p.height / 2);
        }
        p.resize(w, h)
    }

    /// The bilinear grey level at (`x`, `y`) (pixel centres at integers), `None` outside the
    /// plane (or for NaN).
    // `!(x >= 0.0)` is deliberate: NaN must fail.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub fn bilinear(&self, x: f64, y: f64) -> Option<f32> {
        if !(x >= 0.0 && y >= 0.0 && x <= (self.width - 1) as f64 && y <= (self.height - 1) as f64)
        {
            return None;
        }
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.width - 1), (y0 + 1).min(self.height - 1));
        let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
        let v = |x, y| f32::from(self.at(x, y));
        let top = v(x0, y0) * (1.0 - fx) + v(x1, y0) * fx;
        let bottom = v(x0, y1) * (1.0 - fx) + v(x1, y1) * fx;
        Some(top * (1.0 - fy) + bottom * fy)
    }

    /// The rectangle `[x0, x0+w) x [y0, y0+h)` as a new plane (clipped by the caller).
    pub fn crop(&self, x0: usize, y0: usize, w: usize, h: usize) -> Plane {
        let mut out = Plane::new(w, h);
        for y in 0..h {
            let src = (y0 + y) * self.width + x0;
            out.data[y * w..(y + 1) * w].copy_from_slice(&self.data[src..src + w]);
        }
        out
    }

    /// Bilinear resampling to `w x h`. Used for pyramid steps of at most 2x,
    /// where bilinear plus the descriptor blur is enough against aliasing.
    pub fn resize(&self, w: usize, h: usize) -> Plane {
        let mut out = Plane::new(w, h);
        if w == 0 || h == 0 || self.width == 0 || self.height == 0 {
            return out;
        }
        let sx = self.width as f32 / w as f32;
        let sy = self.height as f32 / h as f32;
        // Horizontal sample positions are the same for every row.
        let xs: Vec<(usize, usize, u32)> = (0..w)
            .map(|x| {
                let fx = ((x as f32 + 0.5) * sx - 0.5).max(0.0);
                let x0 = (fx as usize).min(self.width - 1);
                let x1 = (x0 + 1).min(self.width - 1);
                (x0, x1, ((fx - x0 as f32) * 256.0) as u32)
            })
            .collect();
        for y in 0..h {
            let fy = ((y as f32 + 0.5) * sy - 0.5).max(0.0);
            let y0 = (fy as usize).min(self.height - 1);
            let y1 = (y0 + 1).min(self.height - 1);
            let wy = ((fy - y0 as f32) * 256.0) as u32;
            let r0 = &self.data[y0 * self.width..(y0 + 1) * self.width];
            let r1 = &self.data[y1 * self.width..(y1 + 1) * self.width];
            let row = &mut out.data[y * w..(y + 1) * w];
            for (o, &(x0, x1, wx)) in row.iter_mut().zip(&xs) {
                let top = u32::from(r0[x0]) * (256 - wx) + u32::from(r0[x1]) * wx;
                let bot = u32::from(r1[x0]) * (256 - wx) + u32::from(r1[x1]) * wx;
                *o = ((top * (256 - wy) + bot * wy + (1 << 15)) >> 16) as u8;
            }
        }
        out
    }

    /// Separable 5-tap binomial blur `[1 4 6 4 1] / 16` (sigma about 1), edges
    /// clamped. BRIEF compares single pixels, so it needs this smoothing to be
    /// stable under noise.
    pub fn blur5(&self) -> Plane {
        let (w, h) = (self.width, self.height);
        let mut tmp = vec![0u16; w * h];
        for y in 0..h {
            let row = &self.data[y * w..(y + 1) * w];
            let out = &mut tmp[y * w..(y + 1) * w];
            let p = |x: usize, dx: isize| {
                u16::from(row[(x as isize + dx).clamp(0, w as isize - 1) as usize])
            };
            let edge = |x: usize| p(x, -2) + 4 * p(x, -1) + 6 * p(x, 0) + 4 * p(x, 1) + p(x, 2);
            if w < 5 {
                for (x, o) in out.iter_mut().enumerate() {
                    *o = edge(x);
                }
                continue;
            }
            // Interior without clamping, as windows the compiler can vectorise.
            for (o, win) in out[2..w - 2].iter_mut().zip(row.windows(5)) {
                *o = u16::from(win[0])
                    + 4 * u16::from(win[1])
                    + 6 * u16::from(win[2])
                    + 4 * u16::from(win[3])
                    + u16::from(win[4]);
            }
            for x in [0, 1, w - 2, w - 1] {
                out[x] = edge(x);
            }
        }
        let mut out = Plane::new(w, h);
        for y in 0..h {
            let r = |dy: isize| (y as isize + dy).clamp(0, h as isize - 1) as usize * w;
            let (a, b, c, d, e) = (r(-2), r(-1), r(0), r(1), r(2));
            let o = &mut out.data[y * w..(y + 1) * w];
            let rows = (
                &tmp[a..a + w],
                &tmp[b..b + w],
                &tmp[c..c + w],
                &tmp[d..d + w],
                &tmp[e..e + w],
            );
            for (x, o) in o.iter_mut().enumerate() {
                let s = u32::from(rows.0[x])
                    + 4 * u32::from(rows.1[x])
                    + 6 * u32::from(rows.2[x])
                    + 4 * u32::from(rows.3[x])
                    + u32::from(rows.4[x]);
                *o = ((s + 128) >> 8) as u8;
            }
        }
        out
    }

    /// Variance of the 4-neighbour Laplacian over the rectangle
    /// `[x0, x1) x [y0, y1)` (clipped to the image, one-pixel border left out).
    /// The standard cheap focus measure: a blurred picture has weak second
    /// derivatives everywhere.
    pub fn laplacian_variance(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
        let (w, h) = (self.width, self.height);
        let x0 = x0.max(1);
        let y0 = y0.max(1);
        let x1 = x1.min(w.saturating_sub(1));
        let y1 = y1.min(h.saturating_sub(1));
        if x1 <= x0 || y1 <= y0 {
            return 0.0;
        }
        let (mut sum, mut sum2, mut n) = (0f64, 0f64, 0f64);
        for y in y0..y1 {
            let (mut rs, mut rs2) = (0i64, 0i64);
            for x in x0..x1 {
                let i = y * w + x;
                let l = i64::from(self.data[i - 1])
                    + i64::from(self.data[i + 1])
                    + i64::from(self.data[i - w])
                    + i64::from(self.data[i + w])
                    - 4 * i64::from(self.data[i]);
                rs += l;
                rs2 += l * l;
            }
            sum += rs as f64;
            sum2 += rs2 as f64;
            n += (x1 - x0) as f64;
        }
        let mean = sum / n;
        sum2 / n - mean * mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_halves_a_ramp() {
        let mut p = Plane::new(8, 2);
        for y in 0..2 {
            for x in 0..8 {
                p.data[y * 8 + x] = (x * 10) as u8;
            }
        }
        let r = p.resize(4, 1);
        // Pixel centres 0.5,2.5,.. map to source 0.5, 2.5, ... -> averages of pairs.
        assert_eq!(r.data, vec![5, 25, 45, 65]);
    }

    #[test]
    fn blur_flattens_sharp_edges_and_lowers_laplacian_variance() {
        let mut p = Plane::new(32, 32);
        for y in 0..32 {
            for x in 0..32 {
                p.data[y * 32 + x] = if (x / 4 + y / 4) % 2 == 0 { 200 } else { 20 };
            }
        }
        let sharp = p.laplacian_variance(0, 0, 32, 32);
        let soft = p.blur5().laplacian_variance(0, 0, 32, 32);
        assert!(sharp > 4.0 * soft, "sharp {sharp} soft {soft}");
        let flat = Plane {
            width: 16,
            height: 16,
            data: vec![77; 256],
        };
        assert_eq!(flat.laplacian_variance(0, 0, 16, 16), 0.0);
        assert_eq!(flat.blur5().data, flat.data);
    }
}
