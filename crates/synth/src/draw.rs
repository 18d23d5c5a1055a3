//! Drawing primitives on an RGB canvas: anti-aliased shapes from signed distance functions,
//! gradients, and text rendered with the bundled DejaVu Sans Bold (see `assets/`).

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

/// A colour with channels in 0..=1.
pub type Rgb = [f32; 3];

pub fn rgb(r: u8, g: u8, b: u8) -> Rgb {
    [r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0]
}

pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

pub fn scale(a: Rgb, k: f32) -> Rgb {
    [
        (a[0] * k).min(1.0),
        (a[1] * k).min(1.0),
        (a[2] * k).min(1.0),
    ]
}

/// Perceived brightness, for picking a legible text colour.
pub fn luma(c: Rgb) -> f32 {
    0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
}

/// A floating-point RGB canvas (linear blending in display space, good enough here).
#[derive(Clone)]
pub struct Canvas {
    pub w: usize,
    pub h: usize,
    pub px: Vec<Rgb>,
}

/// Coverage of a pixel whose centre lies at signed distance `d` from a shape's edge.
#[inline]
fn coverage(d: f32) -> f32 {
    (0.5 - d).clamp(0.0, 1.0)
}

impl Canvas {
    pub fn new(w: usize, h: usize, color: Rgb) -> Self {
        Canvas {
            w,
            h,
            px: vec![color; w * h],
        }
    }

    #[inline]
    pub fn get(&self, x: usize, y: usize) -> Rgb {
        self.px[y * self.w + x]
    }

    #[inline]
    pub fn blend(&mut self, x: usize, y: usize, color: Rgb, alpha: f32) {
        let p = &mut self.px[y * self.w + x];
        *p = mix(*p, color, alpha);
    }

    /// Bilinear sample at continuous coordinates (pixel centres at +0.5), clamped to the edge.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> Rgb {
        let fx = (x - 0.5).clamp(0.0, (self.w - 1) as f32);
        let fy = (y - 0.5).clamp(0.0, (self.h - 1) as f32);
        let x0 = fx as usize;
        let y0 = fy as usize;
        let x1 = (x0 + 1).min(self.w - 1);
        let y1 = (y0 + 1).min(self.h - 1);
        let tx = fx - x0 as f32;
        let ty = fy - y0 as f32;
        let a = mix(self.get(x0, y0), self.get(x1, y0), tx);
        let b = mix(self.get(x0, y1), self.get(x1, y1), tx);
        mix(a, b, ty)
    }

    /// Paints the shape `sdf(x, y) <= 0` (signed distance in pixels) inside the bounding box,
    /// anti-aliased, with the colour `shade(x, y, d)` at opacity `alpha`.
    pub fn paint(
        &mut self,
        bbox: (f32, f32, f32, f32),
        alpha: f32,
        sdf: impl Fn(f32, f32) -> f32,
        shade: impl Fn(f32, f32, f32) -> Rgb,
    ) {
        let x0 = (bbox.0 - 1.0).floor().max(0.0) as usize;
        let y0 = (bbox.1 - 1.0).floor().max(0.0) as usize;
        let x1 = ((bbox.2 + 2.0).ceil().max(0.0) as usize).min(self.w);
        let y1 = ((bbox.3 + 2.0).ceil().max(0.0) as usize).min(self.h);
        for y in y0..y1 {
            let py = y as f32 + 0.5;
            for x in x0..x1 {
                let pxf = x as f32 + 0.5;
                let d = sdf(pxf, py);
                let c = coverage(d);
                if c > 0.0 {
                    let color = shade(pxf, py, d);
                    self.blend(x, y, color, c * alpha);
                }
            }
        }
    }

    pub fn fill(
        &mut self,
        bbox: (f32, f32, f32, f32),
        color: Rgb,
        alpha: f32,
        sdf: impl Fn(f32, f32) -> f32,
    ) {
        self.paint(bbox, alpha, sdf, |_, _, _| color);
    }

    pub fn circle(&mut self, cx: f32, cy: f32, r: f32, color: Rgb, alpha: f32) {
        self.fill((cx - r, cy - r, cx + r, cy + r), color, alpha, |x, y| {
            sd_circle(x - cx, y - cy, r)
        });
    }

    pub fn ring(&mut self, cx: f32, cy: f32, r: f32, thick: f32, color: Rgb, alpha: f32) {
        let ro = r + thick / 2.0;
        self.fill(
            (cx - ro, cy - ro, cx + ro, cy + ro),
            color,
            alpha,
            |x, y| (sd_circle(x - cx, y - cy, r)).abs() - thick / 2.0,
        );
    }

    #[allow(clippy::too_many_arguments)] // a drawing primitive: geometry, colour, opacity
    /// A rounded rectangle centred at (cx, cy) with half sizes (hw, hh) and corner radius r.
    pub fn rrect(&mut self, cx: f32, cy: f32, hw: f32, hh: f32, r: f32, color: Rgb, alpha: f32) {
        self.fill(
            (cx - hw, cy - hh, cx + hw, cy + hh),
            color,
            alpha,
            |x, y| sd_rrect(x - cx, y - cy, hw, hh, r),
        );
    }

    #[allow(clippy::too_many_arguments)] // a drawing primitive: geometry, colour, opacity
    pub fn rrect_outline(
        &mut self,
        cx: f32,
        cy: f32,
        hw: f32,
        hh: f32,
        r: f32,
        thick: f32,
        color: Rgb,
        alpha: f32,
    ) {
        self.fill(
            (
                cx - hw - thick,
                cy - hh - thick,
                cx + hw + thick,
                cy + hh + thick,
            ),
            color,
            alpha,
            |x, y| sd_rrect(x - cx, y - cy, hw, hh, r).abs() - thick / 2.0,
        );
    }

    /// A segment from a to b with round caps of radius r.
    pub fn capsule(&mut self, a: (f32, f32), b: (f32, f32), r: f32, color: Rgb, alpha: f32) {
        self.fill(
            (
                a.0.min(b.0) - r,
                a.1.min(b.1) - r,
                a.0.max(b.0) + r,
                a.1.max(b.1) + r,
            ),
            color,
            alpha,
            |x, y| sd_capsule(x, y, a, b, r),
        );
    }

    /// A convex polygon (either winding).
    pub fn polygon(&mut self, pts: &[(f32, f32)], color: Rgb, alpha: f32) {
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in pts {
            x0 = x0.min(p.0);
            y0 = y0.min(p.1);
            x1 = x1.max(p.0);
            y1 = y1.max(p.1);
        }
        self.fill((x0, y0, x1, y1), color, alpha, |x, y| sd_convex(x, y, pts));
    }

    /// A vertical gradient over the whole canvas.
    pub fn vertical_gradient(&mut self, top: Rgb, bottom: Rgb) {
        for y in 0..self.h {
            let c = mix(top, bottom, y as f32 / (self.h.max(2) - 1) as f32);
            for x in 0..self.w {
                self.px[y * self.w + x] = c;
            }
        }
    }

    /// Copies `src` with its top-left corner at (ox, oy).
    pub fn blit(&mut self, src: &Canvas, ox: usize, oy: usize) {
        for y in 0..src.h {
            let ty = oy + y;
            if ty >= self.h {
                break;
            }
            let n = src.w.min(self.w.saturating_sub(ox));
            let dst = ty * self.w + ox;
            self.px[dst..dst + n].copy_from_slice(&src.px[y * src.w..y * src.w + n]);
        }
    }

    /// Text with its centre at (cx, cy), `size` pixels tall.
    pub fn text_centered(&mut self, cx: f32, cy: f32, size: f32, color: Rgb, text: &str) {
        let width = text_width(size, text);
        let font = font().as_scaled(PxScale::from(size));
        let baseline = cy + (font.ascent() + font.descent()) / 2.0;
        self.text(cx - width / 2.0, baseline, size, color, text);
    }

    /// Text starting at x with its baseline at y.
    pub fn text(&mut self, x: f32, y: f32, size: f32, color: Rgb, text: &str) {
        let f = font();
        let scaled = f.as_scaled(PxScale::from(size));
        let mut caret = x;
        let mut previous = None;
        for ch in text.chars() {
            let id = f.glyph_id(ch);
            if let Some(p) = previous {
                caret += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(PxScale::from(size), ab_glyph::point(caret, y));
            caret += scaled.h_advance(id);
            previous = Some(id);
            if let Some(outlined) = f.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                let (w, h) = (self.w as i64, self.h as i64);
                outlined.draw(|gx, gy, c| {
                    let px = bounds.min.x as i64 + gx as i64;
                    let py = bounds.min.y as i64 + gy as i64;
                    if px >= 0 && py >= 0 && px < w && py < h && c > 0.0 {
                        self.blend(px as usize, py as usize, color, c.min(1.0));
                    }
                });
            }
        }
    }

    /// Separable [1 2 1]/4 blur, `passes` times.
    pub fn blur121(&mut self, passes: usize) {
        let (w, h) = (self.w, self.h);
        let mut tmp = self.px.clone();
        for _ in 0..passes {
            for y in 0..h {
                for x in 0..w {
                    let l = self.px[y * w + x.saturating_sub(1)];
                    let c = self.px[y * w + x];
                    let r = self.px[y * w + (x + 1).min(w - 1)];
                    tmp[y * w + x] = [
                        (l[0] + 2.0 * c[0] + r[0]) / 4.0,
                        (l[1] + 2.0 * c[1] + r[1]) / 4.0,
                        (l[2] + 2.0 * c[2] + r[2]) / 4.0,
                    ];
                }
            }
            for y in 0..h {
                for x in 0..w {
                    let u = tmp[y.saturating_sub(1) * w + x];
                    let c = tmp[y * w + x];
                    let d = tmp[(y + 1).min(h - 1) * w + x];
                    self.px[y * w + x] = [
                        (u[0] + 2.0 * c[0] + d[0]) / 4.0,
                        (u[1] + 2.0 * c[1] + d[1]) / 4.0,
                        (u[2] + 2.0 * c[2] + d[2]) / 4.0,
                    ];
                }
            }
        }
    }

    /// 8-bit RGB, row-major.
    pub fn to_rgb8(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.w * self.h * 3];
        self.write_rgb8(&mut out);
        out
    }

    /// 8-bit RGB of every pixel times its per-channel gain, into `out` (`w * h * 3` bytes).
    pub fn write_rgb8_gain(&self, gain: &[[f32; 3]], out: &mut [u8]) {
        for ((o, p), g) in out.chunks_exact_mut(3).zip(&self.px).zip(gain) {
            o[0] = ((p[0] * g[0]).clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
            o[1] = ((p[1] * g[1]).clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
            o[2] = ((p[2] * g[2]).clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
        }
    }

    /// 8-bit RGB into `out` (`w * h * 3` bytes).
    pub fn write_rgb8(&self, out: &mut [u8]) {
        for (o, p) in out.chunks_exact_mut(3).zip(&self.px) {
            o[0] = (p[0].clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
            o[1] = (p[1].clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
            o[2] = (p[2].clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
        }
    }
}

/// The bundled font (DejaVu Sans Bold; licence in `assets/DejaVu-LICENSE.txt`).
pub fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(include_bytes!("../assets/DejaVuSans-Bold.ttf"))
            .expect("the bundled font parses")
    })
}

/// Advance width of `text` at `size` pixels.
pub fn text_width(size: f32, text: &str) -> f32 {
    let f = font();
    let scaled = f.as_scaled(PxScale::from(size));
    let mut width = 0.0;
    let mut previous = None;
    for ch in text.chars() {
        let id = f.glyph_id(ch);
        if let Some(p) = previous {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    width
}

#[inline]
pub fn sd_circle(x: f32, y: f32, r: f32) -> f32 {
    (x * x + y * y).sqrt() - r
}

#[inline]
pub fn sd_rrect(x: f32, y: f32, hw: f32, hh: f32, r: f32) -> f32 {
    let r = r.min(hw).min(hh);
    let qx = x.abs() - hw + r;
    let qy = y.abs() - hh + r;
    let ox = qx.max(0.0);
    let oy = qy.max(0.0);
    (ox * ox + oy * oy).sqrt() + qx.max(qy).min(0.0) - r
}

#[inline]
pub fn sd_capsule(x: f32, y: f32, a: (f32, f32), b: (f32, f32), r: f32) -> f32 {
    let (pax, pay) = (x - a.0, y - a.1);
    let (bax, bay) = (b.0 - a.0, b.1 - a.1);
    let len2 = (bax * bax + bay * bay).max(1e-6);
    let h = ((pax * bax + pay * bay) / len2).clamp(0.0, 1.0);
    let dx = pax - bax * h;
    let dy = pay - bay * h;
    (dx * dx + dy * dy).sqrt() - r
}

/// Signed distance (exact inside, approximate outside) to a convex polygon.
pub fn sd_convex(x: f32, y: f32, pts: &[(f32, f32)]) -> f32 {
    let n = pts.len();
    // Orientation from the signed area.
    let mut area = 0.0;
    for i in 0..n {
        let (a, b) = (pts[i], pts[(i + 1) % n]);
        area += a.0 * b.1 - b.0 * a.1;
    }
    let sign = if area >= 0.0 { 1.0 } else { -1.0 };
    let mut d = f32::MIN;
    for i in 0..n {
        let (a, b) = (pts[i], pts[(i + 1) % n]);
        let (ex, ey) = (b.0 - a.0, b.1 - a.1);
        let len = (ex * ex + ey * ey).sqrt().max(1e-6);
        // Outward normal for counter-clockwise (in y-down, positive area) winding.
        let nx = ey / len * sign;
        let ny = -ex / len * sign;
        d = d.max((x - a.0) * nx + (y - a.1) * ny);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_cover_their_inside_only() {
        let mut c = Canvas::new(40, 40, [0.0; 3]);
        c.circle(20.0, 20.0, 10.0, [1.0; 3], 1.0);
        assert_eq!(c.get(20, 20), [1.0; 3]);
        assert_eq!(c.get(2, 2), [0.0; 3]);
        let mut t = Canvas::new(40, 40, [0.0; 3]);
        t.polygon(&[(5.0, 5.0), (35.0, 5.0), (20.0, 35.0)], [1.0; 3], 1.0);
        assert_eq!(t.get(20, 10), [1.0; 3]);
        assert_eq!(t.get(2, 30), [0.0; 3]);
    }

    #[test]
    fn text_draws_ink() {
        let mut c = Canvas::new(100, 40, [0.0; 3]);
        c.text_centered(50.0, 20.0, 20.0, [1.0; 3], "START");
        assert!(c.px.iter().any(|p| p[0] > 0.9));
        assert!(text_width(20.0, "START") > 40.0);
    }
}
