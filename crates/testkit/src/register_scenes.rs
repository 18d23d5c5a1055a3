//! Test support for registration: procedurally drawn appliance panels,
//! known homographies, warping into a 1280x720 frame over a cluttered
//! background, and the degradations of a real camera (blur, noise, lighting,
//! occlusion). Everything is seeded: the same seed gives the same pixels.
#![allow(clippy::too_many_arguments, clippy::needless_range_loop)]

use image::{Rgb, RgbImage};

pub use geometry::{mul, Mat3};

pub const FRAME_W: u32 = 1280;
pub const FRAME_H: u32 = 720;

/// The seeded generator of every scene: the same seed gives the same pixels on every machine.
pub use geometry::SplitMix64 as Rng;

/// A random opaque colour, for drawing test scenes.
pub trait RandomColor {
    fn color(&mut self) -> Rgb<u8>;
}

impl RandomColor for Rng {
    fn color(&mut self) -> Rgb<u8> {
        Rgb([
            self.int(0, 255) as u8,
            self.int(0, 255) as u8,
            self.int(0, 255) as u8,
        ])
    }
}

/// A button box on a reference image (reference pixels).
#[derive(Debug, Clone)]
pub struct Btn {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

pub fn fill_rect(img: &mut RgbImage, x: i64, y: i64, w: i64, h: i64, c: Rgb<u8>) {
    let (iw, ih) = (img.width() as i64, img.height() as i64);
    for yy in y.max(0)..(y + h).min(ih) {
        for xx in x.max(0)..(x + w).min(iw) {
            img.put_pixel(xx as u32, yy as u32, c);
        }
    }
}

pub fn fill_circle(img: &mut RgbImage, cx: f64, cy: f64, r: f64, c: Rgb<u8>) {
    let (iw, ih) = (img.width() as i64, img.height() as i64);
    for yy in ((cy - r).floor() as i64).max(0)..((cy + r).ceil() as i64 + 1).min(ih) {
        for xx in ((cx - r).floor() as i64).max(0)..((cx + r).ceil() as i64 + 1).min(iw) {
            if (xx as f64 - cx).powi(2) + (yy as f64 - cy).powi(2) <= r * r {
                img.put_pixel(xx as u32, yy as u32, c);
            }
        }
    }
}

pub fn line(img: &mut RgbImage, x0: f64, y0: f64, x1: f64, y1: f64, thick: f64, c: Rgb<u8>) {
    let n = ((x1 - x0).hypot(y1 - y0) * 2.0).ceil().max(1.0) as usize;
    for i in 0..=n {
        let t = i as f64 / n as f64;
        fill_circle(img, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, thick / 2.0, c);
    }
}

/// A made-up "letter": 2-4 strokes between points of a 3x4 grid in the cell.
fn glyph(
    img: &mut RgbImage,
    rng: &mut Rng,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    thick: f64,
    c: Rgb<u8>,
) {
    let pt = |rng: &mut Rng| {
        (
            x + rng.int(0, 2) as f64 * w / 2.0,
            y + rng.int(0, 3) as f64 * h / 3.0,
        )
    };
    for _ in 0..rng.int(2, 4) {
        let (a, b) = (pt(rng), pt(rng));
        line(img, a.0, a.1, b.0, b.1, thick, c);
    }
}

/// A row of made-up letters (a label).
pub fn text(
    img: &mut RgbImage,
    rng: &mut Rng,
    x: f64,
    y: f64,
    letters: usize,
    size: f64,
    c: Rgb<u8>,
) {
    for i in 0..letters {
        glyph(
            img,
            rng,
            x + i as f64 * size * 0.8,
            y,
            size * 0.55,
            size,
            (size / 7.0).max(1.2),
            c,
        );
    }
}

fn contrast(c: Rgb<u8>) -> Rgb<u8> {
    let l = 0.3 * f64::from(c[0]) + 0.59 * f64::from(c[1]) + 0.11 * f64::from(c[2]);
    if l > 128.0 {
        Rgb([20, 20, 25])
    } else {
        Rgb([235, 235, 230])
    }
}

/// A procedurally drawn appliance control panel (about `w x h`): textured
/// casing with screws and vents, a display with digits, a brand label, a
/// grid of buttons with labels and icons, a knob. Returns the image and the
/// button boxes.
pub fn draw_panel(seed: u64, w: u32, h: u32) -> (RgbImage, Vec<Btn>) {
    let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA5A5);
    let base = Rgb([
        rng.int(60, 220) as u8,
        rng.int(60, 220) as u8,
        rng.int(60, 220) as u8,
    ]);
    let mut img = RgbImage::from_pixel(w, h, base);
    // Casing texture: brushed streaks and speckle.
    for y in 0..h {
        let streak = (rng.gauss() * 6.0) as i32;
        for x in 0..w {
            let n = streak + (rng.gauss() * 5.0) as i32;
            let p = img.get_pixel_mut(x, y);
            for k in 0..3 {
                p[k] = (i32::from(p[k]) + n).clamp(0, 255) as u8;
            }
        }
    }
    let (wf, hf) = (f64::from(w), f64::from(h));
    let dark = Rgb([30, 30, 35]);
    // Border and screws.
    for (x, y) in [
        (12.0, 12.0),
        (wf - 12.0, 12.0),
        (wf - 12.0, hf - 12.0),
        (12.0, hf - 12.0),
    ] {
        fill_circle(&mut img, x, y, 6.0, Rgb([180, 180, 185]));
        line(&mut img, x - 4.0, y, x + 4.0, y, 1.5, dark);
    }
    // Display.
    let dw = wf * rng.range(0.3, 0.45);
    let dh = hf * rng.range(0.15, 0.22);
    let dx = wf * rng.range(0.06, 0.15);
    let dy = hf * 0.08;
    fill_rect(
        &mut img,
        dx as i64 - 3,
        dy as i64 - 3,
        dw as i64 + 6,
        dh as i64 + 6,
        dark,
    );
    fill_rect(
        &mut img,
        dx as i64,
        dy as i64,
        dw as i64,
        dh as i64,
        Rgb([15, 40, 30]),
    );
    let seg = Rgb([rng.int(120, 255) as u8, 255, rng.int(60, 200) as u8]);
    let digits = rng.int(3, 5) as usize;
    text(
        &mut img,
        &mut rng,
        dx + 8.0,
        dy + dh * 0.2,
        digits,
        dh * 0.6,
        seg,
    );
    // Brand label and vents on the right of the display.
    let lx = dx + dw + wf * 0.05;
    let n = rng.int(3, 6) as usize;
    text(&mut img, &mut rng, lx, dy, n, hf * 0.06, contrast(base));
    for i in 0..rng.int(4, 8) {
        let y = dy + hf * 0.1 + i as f64 * 7.0;
        line(
            &mut img,
            lx,
            y,
            (lx + wf * 0.3).min(wf - 20.0),
            y,
            2.5,
            dark,
        );
    }
    // Button grid.
    let cols = rng.int(3, 5) as usize;
    let rows = rng.int(2, 3) as usize;
    let gx0 = wf * 0.06;
    let gy0 = hf * 0.38;
    let cw = (wf * 0.72) / cols as f64;
    let ch = (hf * 0.55) / rows as f64;
    let mut buttons = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            let bw = cw * rng.range(0.6, 0.8);
            let bh = ch * rng.range(0.45, 0.65);
            let bx = gx0 + c as f64 * cw;
            let by = gy0 + r as f64 * ch;
            let col = rng.color();
            fill_rect(
                &mut img,
                bx as i64 - 2,
                by as i64 - 2,
                bw as i64 + 4,
                bh as i64 + 4,
                dark,
            );
            fill_rect(&mut img, bx as i64, by as i64, bw as i64, bh as i64, col);
            let fg = contrast(col);
            match rng.int(0, 3) {
                0 => fill_circle(&mut img, bx + bw * 0.25, by + bh * 0.5, bh * 0.2, fg),
                1 => {
                    let (x, y, s) = (bx + bw * 0.15, by + bh * 0.3, bh * 0.4);
                    line(&mut img, x, y, x + s, y + s / 2.0, 2.0, fg);
                    line(&mut img, x + s, y + s / 2.0, x, y + s, 2.0, fg);
                    line(&mut img, x, y, x, y + s, 2.0, fg);
                }
                2 => {
                    for k in 0..3 {
                        let x = bx + bw * 0.12 + k as f64 * 5.0;
                        line(&mut img, x, by + bh * 0.3, x, by + bh * 0.7, 2.0, fg);
                    }
                }
                _ => fill_rect(
                    &mut img,
                    (bx + bw * 0.12) as i64,
                    (by + bh * 0.35) as i64,
                    (bh * 0.3) as i64,
                    (bh * 0.3) as i64,
                    fg,
                ),
            }
            let n = rng.int(2, 3) as usize;
            text(
                &mut img,
                &mut rng,
                bx + bw * 0.45,
                by + bh * 0.3,
                n,
                bh * 0.4,
                fg,
            );
            // A printed caption under the button.
            let n = rng.int(2, 4) as usize;
            text(
                &mut img,
                &mut rng,
                bx,
                by + bh + 5.0,
                n,
                (ch - bh) * 0.35,
                contrast(base),
            );
            buttons.push(Btn {
                name: format!("button{}", buttons.len() + 1),
                x: bx,
                y: by,
                w: bw,
                h: bh,
            });
        }
    }
    // Knob.
    let kx = wf * 0.88;
    let ky = hf * 0.62;
    let kr = hf * rng.range(0.12, 0.17);
    fill_circle(&mut img, kx, ky, kr + 3.0, dark);
    fill_circle(&mut img, kx, ky, kr, Rgb([200, 200, 205]));
    let a = rng.range(0.0, std::f64::consts::TAU);
    line(
        &mut img,
        kx,
        ky,
        kx + a.cos() * kr * 0.8,
        ky + a.sin() * kr * 0.8,
        4.0,
        dark,
    );
    for i in 0..8 {
        let t = i as f64 * std::f64::consts::TAU / 8.0 + 0.3;
        fill_circle(
            &mut img,
            kx + t.cos() * (kr + 10.0),
            ky + t.sin() * (kr + 10.0),
            2.5,
            dark,
        );
    }
    buttons.push(Btn {
        name: "knob".into(),
        x: kx - kr,
        y: ky - kr,
        w: 2.0 * kr,
        h: 2.0 * kr,
    });
    (img, buttons)
}

/// Boxes on a photograph (a 3x2 grid of "buttons"), so photos can be scored
/// like panels.
pub fn grid_boxes(w: u32, h: u32) -> Vec<Btn> {
    let (wf, hf) = (f64::from(w), f64::from(h));
    let mut out = Vec::new();
    for r in 0..2 {
        for c in 0..3 {
            out.push(Btn {
                name: format!("box{}", out.len() + 1),
                x: wf * (0.08 + 0.3 * c as f64),
                y: hf * (0.1 + 0.45 * r as f64),
                w: wf * 0.2,
                h: hf * 0.3,
            });
        }
    }
    out
}

/// A cluttered background: gradient, random rectangles, circles and lines.
pub fn background(seed: u64, w: u32, h: u32) -> RgbImage {
    let mut rng = Rng(seed ^ 0xB4C6_0000_1234);
    let c0 = rng.color();
    let c1 = rng.color();
    let mut img = RgbImage::from_fn(w, h, |x, y| {
        let t = (f64::from(x) / f64::from(w) + f64::from(y) / f64::from(h)) / 2.0;
        Rgb([0, 1, 2].map(|k| (f64::from(c0[k]) * (1.0 - t) + f64::from(c1[k]) * t) as u8))
    });
    for _ in 0..40 {
        let c = rng.color();
        match rng.int(0, 2) {
            0 => fill_rect(
                &mut img,
                rng.int(-50, w as i64),
                rng.int(-50, h as i64),
                rng.int(10, 200),
                rng.int(10, 200),
                c,
            ),
            1 => fill_circle(
                &mut img,
                rng.range(0.0, f64::from(w)),
                rng.range(0.0, f64::from(h)),
                rng.range(5.0, 60.0),
                c,
            ),
            _ => line(
                &mut img,
                rng.range(0.0, f64::from(w)),
                rng.range(0.0, f64::from(h)),
                rng.range(0.0, f64::from(w)),
                rng.range(0.0, f64::from(h)),
                rng.range(1.0, 6.0),
                c,
            ),
        }
    }
    img
}

/// `h` applied to `p`, without the registration's behind-the-camera check: scenes only map
/// points they put in view.
pub fn apply(h: &Mat3, p: [f64; 2]) -> [f64; 2] {
    geometry::apply_unchecked(h, p)
}

/// The inverse of a view (every view the scenes build is invertible).
pub fn inverse(m: &Mat3) -> Mat3 {
    geometry::inverse(m).expect("scene views are invertible")
}

/// A view of a `rw x rh` reference in the frame: scale `s`, rotation
/// `deg`, perspective `(px, py)` (the homogeneous weight changes by that
/// fraction from the centre to the edge), reference centre at `(cx, cy)`.
pub fn view(rw: f64, rh: f64, s: f64, deg: f64, px: f64, py: f64, cx: f64, cy: f64) -> Mat3 {
    let t0 = [
        [1.0, 0.0, -rw / 2.0],
        [0.0, 1.0, -rh / 2.0],
        [0.0, 0.0, 1.0],
    ];
    let p = [
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [px / (rw / 2.0), py / (rh / 2.0), 1.0],
    ];
    let (sn, cs) = deg.to_radians().sin_cos();
    let rs = [
        [s * cs, -s * sn, 0.0],
        [s * sn, s * cs, 0.0],
        [0.0, 0.0, 1.0],
    ];
    let t1 = [[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]];
    let h = mul(&t1, &mul(&rs, &mul(&p, &t0)));
    h.map(|r| r.map(|v| v / h[2][2]))
}

/// A random view with scale in [0.5, 2], rotation within ±30°, perspective
/// with |px| + |py| up to 0.3 (the near edge up to 1.86x closer than the far
/// one, roughly a 50° tilt at a viewing distance of twice the panel width),
/// placed so the outline stays in the frame when
/// it fits (centred otherwise).
pub fn random_view(rng: &mut Rng, rw: f64, rh: f64) -> Mat3 {
    let s = 2f64.powf(rng.range(-1.0, 1.0));
    let deg = rng.range(-30.0, 30.0);
    let m = rng.range(0.0, 0.3);
    let t = rng.unit();
    let px = m * t * if rng.unit() < 0.5 { -1.0 } else { 1.0 };
    let py = m * (1.0 - t) * if rng.unit() < 0.5 { -1.0 } else { 1.0 };
    let h0 = view(rw, rh, s, deg, px, py, 0.0, 0.0);
    let q = [[0.0, 0.0], [rw, 0.0], [rw, rh], [0.0, rh]].map(|p| apply(&h0, p));
    let (minx, maxx) = (
        q.iter().map(|p| p[0]).fold(f64::MAX, f64::min),
        q.iter().map(|p| p[0]).fold(f64::MIN, f64::max),
    );
    let (miny, maxy) = (
        q.iter().map(|p| p[1]).fold(f64::MAX, f64::min),
        q.iter().map(|p| p[1]).fold(f64::MIN, f64::max),
    );
    let (fw, fh) = (f64::from(FRAME_W), f64::from(FRAME_H));
    let place = |rng: &mut Rng, lo: f64, hi: f64, size: f64| {
        let (a, b) = (-lo + 4.0, size - hi - 4.0);
        if a <= b {
            rng.range(a, b)
        } else {
            (a + b) / 2.0
        }
    };
    let cx = place(rng, minx, maxx, fw);
    let cy = place(rng, miny, maxy, fh);
    view(rw, rh, s, deg, px, py, cx, cy)
}

/// Draws `src` into `dst` through `h` (src pixels -> dst pixels), bilinear,
/// with the pixel-centre convention of the registration code (integer
/// coordinates are pixel centres).
pub fn warp_into(dst: &mut RgbImage, src: &RgbImage, h: &Mat3) {
    let hi = inverse(h);
    let (sw, sh) = (src.width() as f64, src.height() as f64);
    for y in 0..dst.height() {
        for x in 0..dst.width() {
            let p = apply(&hi, [f64::from(x), f64::from(y)]);
            if !(p[0] >= 0.0 && p[1] >= 0.0 && p[0] <= sw - 1.0 && p[1] <= sh - 1.0) {
                continue;
            }
            let (x0, y0) = (p[0].floor() as u32, p[1].floor() as u32);
            let (x1, y1) = (
                (x0 + 1).min(src.width() - 1),
                (y0 + 1).min(src.height() - 1),
            );
            let (fx, fy) = (p[0] - f64::from(x0), p[1] - f64::from(y0));
            let (a, b, c, d) = (
                src.get_pixel(x0, y0),
                src.get_pixel(x1, y0),
                src.get_pixel(x0, y1),
                src.get_pixel(x1, y1),
            );
            let v = [0, 1, 2].map(|k| {
                let top = f64::from(a[k]) * (1.0 - fx) + f64::from(b[k]) * fx;
                let bot = f64::from(c[k]) * (1.0 - fx) + f64::from(d[k]) * fx;
                (top * (1.0 - fy) + bot * fy).round() as u8
            });
            dst.put_pixel(x, y, Rgb(v));
        }
    }
}

/// Separable Gaussian blur.
pub fn blur(img: &RgbImage, sigma: f64) -> RgbImage {
    let r = (sigma * 3.0).ceil() as i64;
    let k: Vec<f64> = (-r..=r)
        .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let ks: f64 = k.iter().sum();
    let (w, h) = (img.width() as i64, img.height() as i64);
    let pass = |src: &RgbImage, dx: i64, dy: i64| {
        RgbImage::from_fn(w as u32, h as u32, |x, y| {
            let mut acc = [0.0; 3];
            for (j, kv) in k.iter().enumerate() {
                let o = j as i64 - r;
                let xx = (x as i64 + o * dx).clamp(0, w - 1) as u32;
                let yy = (y as i64 + o * dy).clamp(0, h - 1) as u32;
                let p = src.get_pixel(xx, yy);
                for c in 0..3 {
                    acc[c] += kv * f64::from(p[c]);
                }
            }
            Rgb(acc.map(|v| (v / ks).round().clamp(0.0, 255.0) as u8))
        })
    };
    pass(&pass(img, 1, 0), 0, 1)
}

pub fn add_noise(img: &mut RgbImage, rng: &mut Rng, sigma: f64) {
    for p in img.pixels_mut() {
        for c in 0..3 {
            p[c] = (f64::from(p[c]) + rng.gauss() * sigma)
                .round()
                .clamp(0.0, 255.0) as u8;
        }
    }
}

/// Global lighting change: gain, offset, gamma.
pub fn relight(img: &mut RgbImage, gain: f64, offset: f64, gamma: f64) {
    for p in img.pixels_mut() {
        for c in 0..3 {
            let v = (f64::from(p[c]) / 255.0).powf(gamma) * 255.0 * gain + offset;
            p[c] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Covers `fraction` of the reference (in reference coordinates, a band
/// from one side or a block) with a flat occluder, drawn through `h`.
pub fn occlude(frame: &mut RgbImage, rng: &mut Rng, h: &Mat3, rw: f64, rh: f64, fraction: f64) {
    let c = rng.color();
    let occ = RgbImage::from_pixel(((rw * fraction).ceil() as u32).max(2), rh as u32, c);
    // A vertical band at the left or right edge, like a hand or a door frame.
    let x0 = if rng.unit() < 0.5 {
        0.0
    } else {
        rw - rw * fraction
    };
    let t = [[1.0, 0.0, x0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    warp_into(frame, &occ, &mul(h, &t));
}

/// Distance between each corner of the boxes as projected by `truth` and by
/// `estimate`, four per box.
fn corner_errors<'a>(
    truth: &'a Mat3,
    estimate: &'a Mat3,
    boxes: &'a [Btn],
) -> impl Iterator<Item = f64> + 'a {
    boxes
        .iter()
        .flat_map(|b| {
            [
                [b.x, b.y],
                [b.x + b.w, b.y],
                [b.x + b.w, b.y + b.h],
                [b.x, b.y + b.h],
            ]
        })
        .map(|p| {
            let (a, e) = (apply(truth, p), apply(estimate, p));
            (a[0] - e[0]).hypot(a[1] - e[1])
        })
}

/// Largest distance between the corners of the boxes projected by `truth`
/// and by `estimate`.
pub fn max_corner_error(truth: &Mat3, estimate: &Mat3, boxes: &[Btn]) -> f64 {
    corner_errors(truth, estimate, boxes).fold(0.0, f64::max)
}

pub fn mean_corner_error(truth: &Mat3, estimate: &Mat3, boxes: &[Btn]) -> f64 {
    let errs: Vec<f64> = corner_errors(truth, estimate, boxes).collect();
    errs.iter().sum::<f64>() / errs.len() as f64
}

pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}
