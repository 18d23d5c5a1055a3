//! The camera: a pinhole model looking at the panel plane (so that handheld motion gives true
//! perspective), the plane-to-image homography it induces, the perspective warp, and the
//! photographic degradations (uneven lighting, blur, sensor noise).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use geometry::Mat3;

use crate::draw::{Canvas, Rgb};

/// A 3x3 projective transform, row-major, mapping (x, y, 1); the arithmetic is `geometry`'s.
#[derive(Debug, Clone, Copy)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    fn mat(&self) -> Mat3 {
        let m = &self.0;
        [[m[0], m[1], m[2]], [m[3], m[4], m[5]], [m[6], m[7], m[8]]]
    }

    fn from_mat(m: Mat3) -> Homography {
        Homography([
            m[0][0], m[0][1], m[0][2], m[1][0], m[1][1], m[1][2], m[2][0], m[2][1], m[2][2],
        ])
    }

    /// The image of `(x, y)`; the renderer only maps points in front of the camera.
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [u, v] = geometry::apply_unchecked(&self.mat(), [x, y]);
        (u, v)
    }

    pub fn mul(&self, o: &Homography) -> Homography {
        Homography::from_mat(geometry::mul(&self.mat(), &o.mat()))
    }

    pub fn translation(dx: f64, dy: f64) -> Homography {
        Homography([1.0, 0.0, dx, 0.0, 1.0, dy, 0.0, 0.0, 1.0])
    }

    pub fn scaling(s: f64) -> Homography {
        Homography([s, 0.0, 0.0, 0.0, s, 0.0, 0.0, 0.0, 1.0])
    }

    /// The inverse; a camera pose always gives an invertible view (the generator builds only
    /// those), so a singular one is a bug in the caller.
    pub fn inverse(&self) -> Homography {
        Homography::from_mat(geometry::inverse(&self.mat()).expect("a camera view is invertible"))
    }
}

/// Where the camera is: rotation (radians) and the offset of the plane's centre in camera
/// coordinates, in plane units; `distance` is along the optical axis.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pose {
    pub yaw: f64,
    pub pitch: f64,
    pub roll: f64,
    pub tx: f64,
    pub ty: f64,
    pub distance: f64,
}

impl Pose {
    /// Homography from plane coordinates (origin at `center`) to image pixels for a camera of
    /// focal length `focal` (pixels) and an image of `width` x `height`.
    pub fn homography(
        &self,
        center: (f64, f64),
        focal: f64,
        width: f64,
        height: f64,
    ) -> Homography {
        let (cy, sy) = (self.yaw.cos(), self.yaw.sin());
        let (cp, sp) = (self.pitch.cos(), self.pitch.sin());
        let (cr, sr) = (self.roll.cos(), self.roll.sin());
        let ry = [cy, 0.0, sy, 0.0, 1.0, 0.0, -sy, 0.0, cy];
        let rx = [1.0, 0.0, 0.0, 0.0, cp, -sp, 0.0, sp, cp];
        let rz = [cr, -sr, 0.0, sr, cr, 0.0, 0.0, 0.0, 1.0];
        let r = Homography(rz).mul(&Homography(rx)).mul(&Homography(ry)).0;
        // Columns 1 and 2 of R, and the translation.
        let extrinsic = Homography([
            r[0],
            r[1],
            self.tx,
            r[3],
            r[4],
            self.ty,
            r[6],
            r[7],
            self.distance,
        ]);
        let k = Homography([
            focal,
            0.0,
            width / 2.0,
            0.0,
            focal,
            height / 2.0,
            0.0,
            0.0,
            1.0,
        ]);
        k.mul(&extrinsic)
            .mul(&Homography::translation(-center.0, -center.1))
    }
}

/// Renders a `width` x `height` image of `world` seen through `to_image` (world to image),
/// sampling bilinearly; points outside the world take its edge colour.
pub fn warp(world: &Canvas, to_image: &Homography, width: usize, height: usize) -> Canvas {
    let inv = to_image.inverse().0;
    let ww = world.w;
    // Keep x0 + 1 and y0 + 1 inside the world so that no per-pixel bound check is needed.
    let max_x = (ww.max(2) - 1) as f32 - 1e-3;
    let max_y = (world.h.max(2) - 1) as f32 - 1e-3;
    let src = &world.px;
    let mut px = vec![[0.0f32; 3]; width * height];
    for (y, row) in px.chunks_exact_mut(width).enumerate() {
        let py = y as f64 + 0.5;
        // Numerators and denominator are affine in x: start at x = 0.5 and step by one pixel.
        let (mut nx, mut ny, mut d) = (
            inv[0] * 0.5 + inv[1] * py + inv[2],
            inv[3] * 0.5 + inv[4] * py + inv[5],
            inv[6] * 0.5 + inv[7] * py + inv[8],
        );
        for out in row.iter_mut() {
            let r = 1.0 / d;
            let sx = (nx * r) as f32 - 0.5;
            let sy = (ny * r) as f32 - 0.5;
            nx += inv[0];
            ny += inv[3];
            d += inv[6];
            let fx = sx.clamp(0.0, max_x);
            let fy = sy.clamp(0.0, max_y);
            let (x0, y0) = (fx as usize, fy as usize);
            let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
            let i = y0.wrapping_mul(ww).wrapping_add(x0);
            let (a, b) = (src[i], src[i + 1]);
            let (c, e) = (src[i + ww], src[i + ww + 1]);
            let (ux, uy) = (1.0 - tx, 1.0 - ty);
            for k in 0..3 {
                out[k] = (a[k] * ux + b[k] * tx) * uy + (c[k] * ux + e[k] * tx) * ty;
            }
        }
    }
    Canvas {
        w: width,
        h: height,
        px,
    }
}

/// Smooth uneven illumination: a tinted directional gradient, a vignette and a soft
/// highlight, all in image-relative coordinates so they stay put while the camera moves.
#[derive(Debug, Clone, Copy)]
pub struct Lighting {
    pub gain: f32,
    pub tint: Rgb,
    pub gradient: (f32, f32),
    pub vignette: f32,
    pub spot: (f32, f32),
    pub spot_radius: f32,
    pub spot_gain: f32,
}

impl Lighting {
    pub fn random(rng: &mut ChaCha8Rng, strength: f32) -> Self {
        let warm = rng.random_range(-1.0f32..1.0);
        Lighting {
            gain: 1.0 + rng.random_range(-0.12f32..0.08) * strength,
            tint: [
                1.0 + 0.05 * warm * strength,
                1.0,
                1.0 - 0.06 * warm * strength,
            ],
            gradient: (
                rng.random_range(-0.25f32..0.25) * strength,
                rng.random_range(-0.25f32..0.25) * strength,
            ),
            vignette: rng.random_range(0.1f32..0.35) * strength,
            spot: (rng.random_range(0.2f32..0.8), rng.random_range(0.1f32..0.6)),
            spot_radius: rng.random_range(0.15f32..0.35),
            spot_gain: rng.random_range(0.0f32..0.25) * strength,
        }
    }

    /// Per-pixel, per-channel gain for an image of `width` x `height`.
    pub fn gain_map(&self, width: usize, height: usize) -> Vec<[f32; 3]> {
        let (w, h) = (width as f32, height as f32);
        let mut map = Vec::with_capacity(width * height);
        for y in 0..height {
            let v = (y as f32 + 0.5) / h;
            for x in 0..width {
                let u = (x as f32 + 0.5) / w;
                let (du, dv) = (u - 0.5, v - 0.5);
                let mut k = self.gain
                    * (1.0 + self.gradient.0 * du * 2.0 + self.gradient.1 * dv * 2.0)
                    * (1.0 - self.vignette * (du * du + dv * dv) * 2.0);
                let (su, sv) = (u - self.spot.0, (v - self.spot.1) * h / w);
                k += self.spot_gain
                    * (-(su * su + sv * sv) / (self.spot_radius * self.spot_radius)).exp();
                map.push([k * self.tint[0], k * self.tint[1], k * self.tint[2]]);
            }
        }
        map
    }

    pub fn apply(&self, img: &mut Canvas) {
        let map = self.gain_map(img.w, img.h);
        apply_gain(img, &map);
    }
}

/// Multiplies every pixel by its gain (see [`Lighting::gain_map`]), clamping to 0..=1.
pub fn apply_gain(img: &mut Canvas, map: &[[f32; 3]]) {
    for (p, g) in img.px.iter_mut().zip(map) {
        for c in 0..3 {
            p[c] = (p[c] * g[c]).clamp(0.0, 1.0);
        }
    }
}

/// Adds Gaussian sensor noise of standard deviation `sigma` (0..1 scale), slightly stronger
/// in the dark, as on a phone camera.
pub fn add_noise(img: &mut Canvas, rng: &mut ChaCha8Rng, sigma: f32) {
    for p in img.px.iter_mut() {
        let dark = 1.0 + 0.8 * (1.0 - (p[0] + p[1] + p[2]) / 3.0);
        let luma_noise = gaussian(rng) * sigma * dark;
        for c in p.iter_mut() {
            *c = (*c + luma_noise + gaussian(rng) * sigma * 0.35).clamp(0.0, 1.0);
        }
    }
}

/// A standard normal sample (Box-Muller).
pub fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.random_range(1e-7f32..1.0);
    let u2: f32 = rng.random_range(0.0f32..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontal_pose_maps_centre_to_image_centre_and_inverts() {
        let pose = Pose {
            yaw: 0.1,
            pitch: -0.05,
            roll: 0.02,
            tx: 10.0,
            ty: -5.0,
            distance: 1000.0,
        };
        let h = pose.homography((480.0, 320.0), 800.0, 640.0, 360.0);
        let (x, y) = Pose {
            distance: 1000.0,
            ..Pose::default()
        }
        .homography((480.0, 320.0), 800.0, 640.0, 360.0)
        .apply(480.0, 320.0);
        assert!((x - 320.0).abs() < 1e-9 && (y - 180.0).abs() < 1e-9);
        let (a, b) = h.apply(100.0, 50.0);
        let (c, d) = h.inverse().apply(a, b);
        assert!((c - 100.0).abs() < 1e-6 && (d - 50.0).abs() < 1e-6);
    }
}
