//! Puts a panel in the world (the appliance's casing around it, a kitchen or office wall
//! behind) and films it: the user's still photo with exact button boxes, and videos in which a
//! handheld camera moves while a hand carries out the timeline's actions and the panel reacts.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::camera::{add_noise, warp, Lighting, Pose};
use crate::draw::{mix, rgb, scale, Canvas, Rgb};
use crate::hand::{Grip, Hand};
use crate::panel::{Panel, PanelState, PANEL_H, PANEL_W};
use crate::timeline::{ActionKind, Timeline, APPROACH, PRESS, TURN};
use crate::video::{VideoWriter, FPS};
use crate::Error;

/// Knob rotation per dial step.
const DETENT: f32 = std::f32::consts::PI / 6.0;

/// The surroundings of one appliance instance, fixed for its photo and its videos.
#[derive(Debug, Clone)]
pub struct Surroundings {
    wall: Rgb,
    wall2: Rgb,
    pattern: u8,
    tile: f32,
    casing: Rgb,
    /// Casing margins around the panel (left, top, right, bottom) in panel pixels.
    casing_margin: [f32; 4],
    skin: Rgb,
    /// The hand comes from the bottom right (1) or bottom left (-1).
    side: f32,
}

const SKINS: &[[u8; 3]] = &[
    [241, 194, 160],
    [224, 172, 130],
    [198, 134, 96],
    [160, 104, 70],
    [112, 72, 48],
    [250, 214, 190],
];

impl Surroundings {
    pub fn random(panel: &Panel, rng: &mut ChaCha8Rng) -> Self {
        let walls: [[u8; 3]; 6] = [
            [220, 214, 200],
            [190, 196, 204],
            [150, 120, 90],
            [235, 235, 235],
            [96, 100, 108],
            [200, 180, 150],
        ];
        let w = walls[rng.random_range(0..walls.len())];
        let wall = rgb(w[0], w[1], w[2]);
        let casing = if rng.random_bool(0.5) {
            scale(panel.body, rng.random_range(0.85f32..1.1))
        } else {
            mix(
                panel.body,
                rgb(200, 200, 200),
                rng.random_range(0.3f32..0.7),
            )
        };
        let skin = SKINS[rng.random_range(0..SKINS.len())];
        Surroundings {
            wall,
            wall2: scale(wall, rng.random_range(0.7f32..0.95)),
            pattern: rng.random_range(0..3),
            tile: rng.random_range(90.0f32..200.0),
            casing,
            casing_margin: [
                rng.random_range(20.0f32..220.0),
                rng.random_range(20.0f32..160.0),
                rng.random_range(20.0f32..220.0),
                rng.random_range(40.0f32..320.0),
            ],
            skin: rgb(skin[0], skin[1], skin[2]),
            side: if rng.random_bool(0.8) { 1.0 } else { -1.0 },
        }
    }

    /// The world at `s` world pixels per panel pixel, with the panel's top-left at
    /// (margin, margin) world pixels; the panel itself is blitted later.
    fn backdrop(&self, s: f32, margin: usize) -> Canvas {
        let w = (PANEL_W as f32 * s) as usize + 2 * margin;
        let h = (PANEL_H as f32 * s) as usize + 2 * margin;
        let mut c = Canvas::new(w, h, self.wall);
        c.vertical_gradient(scale(self.wall, 1.05), self.wall2);
        let tile = self.tile * s;
        match self.pattern {
            0 => {
                // Tiles with grout lines.
                let grout = scale(self.wall, 0.8);
                let mut y = 0.0;
                while y < h as f32 {
                    c.fill((0.0, y - 2.0, w as f32, y + 2.0), grout, 0.8, |_, py| {
                        (py - y).abs() - 1.2 * s.max(0.6)
                    });
                    y += tile;
                }
                let mut x = 0.0;
                while x < w as f32 {
                    c.fill((x - 2.0, 0.0, x + 2.0, h as f32), grout, 0.8, |px, _| {
                        (px - x).abs() - 1.2 * s.max(0.6)
                    });
                    x += tile;
                }
            }
            1 => {
                // Wood-like horizontal grain.
                for y in 0..h {
                    let k = 1.0
                        + 0.06
                            * ((y as f32 / (7.0 * s)).sin() + 0.5 * (y as f32 / (23.0 * s)).sin());
                    for x in 0..w {
                        let p = &mut c.px[y * w + x];
                        *p = scale(*p, k);
                    }
                }
            }
            _ => {}
        }
        let m = margin as f32;
        let [l, t, r, b] = self.casing_margin.map(|v| v * s);
        let (x0, y0) = (m - l, m - t);
        let (x1, y1) = (m + PANEL_W as f32 * s + r, m + PANEL_H as f32 * s + b);
        let (cx, cy, hw, hh) = (
            (x0 + x1) / 2.0,
            (y0 + y1) / 2.0,
            (x1 - x0) / 2.0,
            (y1 - y0) / 2.0,
        );
        c.rrect(cx + 8.0 * s, cy + 14.0 * s, hw, hh, 24.0 * s, [0.0; 3], 0.3);
        let casing = self.casing;
        c.paint(
            (x0, y0, x1, y1),
            1.0,
            |x, y| crate::draw::sd_rrect(x - cx, y - cy, hw, hh, 24.0 * s),
            |x, _, _| scale(casing, 1.04 - 0.08 * ((x - x0) / (x1 - x0))),
        );
        c
    }
}

/// Halves a canvas with a 2x2 box filter.
fn half(c: &Canvas) -> Canvas {
    let (w, h) = (c.w / 2, c.h / 2);
    let mut out = Canvas::new(w, h, [0.0; 3]);
    for y in 0..h {
        for x in 0..w {
            let a = c.get(2 * x, 2 * y);
            let b = c.get(2 * x + 1, 2 * y);
            let d = c.get(2 * x, 2 * y + 1);
            let e = c.get(2 * x + 1, 2 * y + 1);
            out.px[y * w + x] = [
                (a[0] + b[0] + d[0] + e[0]) / 4.0,
                (a[1] + b[1] + d[1] + e[1]) / 4.0,
                (a[2] + b[2] + d[2] + e[2]) / 4.0,
            ];
        }
    }
    out
}

/// The user's photo: JPEG bytes, its size, and per control the box `(x, y, w, h)` of its
/// warped outline, clipped to the image.
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub width: usize,
    pub height: usize,
    pub boxes: Vec<(i64, i64, i64, i64)>,
}

pub const PHOTO_W: usize = 1024;
pub const PHOTO_H: usize = 768;

/// Photographs the idle panel; `path` (where the JPEG will go) only names errors.
pub fn render_photo(
    panel: &Panel,
    sur: &Surroundings,
    rng: &mut ChaCha8Rng,
    path: &Path,
) -> Result<Photo, Error> {
    let margin = 480;
    let mut world = sur.backdrop(1.0, margin);
    world.blit(&panel.render(&panel.idle_state()), margin, margin);
    let center = (
        margin as f64 + PANEL_W as f64 / 2.0,
        margin as f64 + PANEL_H as f64 / 2.0,
    );
    let (w, h) = (PHOTO_W as f64, PHOTO_H as f64);
    // A pose that keeps the whole panel in view.
    let to_image = loop {
        let fill = rng.random_range(0.55f64..0.82);
        let distance = 1000.0;
        let focal = fill * w * distance / PANEL_W as f64;
        let pose = Pose {
            yaw: rng.random_range(-0.35f64..0.35),
            pitch: rng.random_range(-0.3f64..0.3),
            roll: rng.random_range(-0.12f64..0.12),
            tx: rng.random_range(-90.0f64..90.0),
            ty: rng.random_range(-70.0f64..70.0),
            distance,
        };
        let hm = pose.homography(center, focal, w, h);
        let corners = [
            (0.0, 0.0),
            (PANEL_W as f64, 0.0),
            (0.0, PANEL_H as f64),
            (PANEL_W as f64, PANEL_H as f64),
        ];
        let inside = corners.iter().all(|&(x, y)| {
            let (u, v) = hm.apply(x + margin as f64, y + margin as f64);
            u > 12.0 && v > 12.0 && u < w - 12.0 && v < h - 12.0
        });
        if inside {
            break hm;
        }
    };
    let mut img = warp(&world, &to_image, PHOTO_W, PHOTO_H);
    Lighting::random(rng, 1.0).apply(&mut img);
    let blur = rng.random_range(0..=2);
    img.blur121(blur);
    let sigma = rng.random_range(0.006f32..0.025);
    add_noise(&mut img, rng, sigma);
    let quality = rng.random_range(82..=92);

    let boxes = panel
        .controls
        .iter()
        .map(|c| {
            let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for (px, py) in c.outline() {
                let (u, v) = to_image.apply(px as f64 + margin as f64, py as f64 + margin as f64);
                x0 = x0.min(u);
                y0 = y0.min(v);
                x1 = x1.max(u);
                y1 = y1.max(v);
            }
            let x0 = (x0.floor() as i64).clamp(0, PHOTO_W as i64 - 1);
            let y0 = (y0.floor() as i64).clamp(0, PHOTO_H as i64 - 1);
            let x1 = (x1.ceil() as i64).clamp(x0 + 1, PHOTO_W as i64);
            let y1 = (y1.ceil() as i64).clamp(y0 + 1, PHOTO_H as i64);
            (x0, y0, x1 - x0, y1 - y0)
        })
        .collect();

    let mut jpeg = Vec::new();
    let rgb8 = img.to_rgb8();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, quality)
        .encode(
            &rgb8,
            PHOTO_W as u32,
            PHOTO_H as u32,
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| Error::Format {
            path: path.to_path_buf(),
            message: format!("JPEG encoding failed: {e}"),
        })?;
    Ok(Photo {
        jpeg,
        width: PHOTO_W,
        height: PHOTO_H,
        boxes,
    })
}

/// How much the handheld camera moves.
#[derive(Debug, Clone, Copy)]
pub struct CameraStyle {
    /// Panel width as a share of the frame width, on average.
    pub fill: f64,
    /// Scales every motion amplitude (1 = a steady tutorial maker, 3 = a wandering user).
    pub motion: f64,
    pub lighting: f32,
}

pub const TUTORIAL_CAMERA: CameraStyle = CameraStyle {
    fill: 0.66,
    motion: 1.0,
    lighting: 0.6,
};

pub const USER_CAMERA: CameraStyle = CameraStyle {
    fill: 0.6,
    motion: 2.6,
    lighting: 1.0,
};

/// Smooth handheld motion: per pose parameter, two slow sways and a small jitter.
struct Motion {
    terms: [[(f64, f64, f64); 3]; 6],
    base: [f64; 6],
}

impl Motion {
    fn random(rng: &mut ChaCha8Rng, k: f64) -> Self {
        // Amplitudes per parameter (yaw, pitch, roll rad; tx, ty, distance in world px at
        // full panel resolution).
        let amp = [0.07, 0.06, 0.025, 25.0, 18.0, 50.0];
        let mut terms = [[(0.0, 0.0, 0.0); 3]; 6];
        for (p, row) in terms.iter_mut().enumerate() {
            for (j, term) in row.iter_mut().enumerate() {
                let (a, f) = match j {
                    0 => (amp[p] * k, rng.random_range(0.04f64..0.09)),
                    1 => (amp[p] * k * 0.5, rng.random_range(0.12f64..0.3)),
                    _ => (amp[p] * 0.06 * k.sqrt(), rng.random_range(1.5f64..3.0)),
                };
                *term = (a, f, rng.random_range(0.0f64..std::f64::consts::TAU));
            }
        }
        let base = [
            rng.random_range(-0.12f64..0.12) * k.min(1.5),
            rng.random_range(-0.12f64..0.12) * k.min(1.5),
            rng.random_range(-0.03f64..0.03),
            0.0,
            0.0,
            1000.0,
        ];
        Motion { terms, base }
    }

    fn pose(&self, t: f64) -> Pose {
        let mut v = self.base;
        for (p, row) in self.terms.iter().enumerate() {
            for &(a, f, phase) in row {
                v[p] += a * (std::f64::consts::TAU * f * t + phase).sin();
            }
        }
        Pose {
            yaw: v[0],
            pitch: v[1],
            roll: v[2],
            tx: v[3],
            ty: v[4],
            distance: v[5],
        }
    }
}

/// Camera shake (the harder generator): per pose parameter, two fast small oscillations
/// (3-7 Hz) on top of [`Motion`]'s slow sway.
struct Shake {
    terms: [[(f64, f64, f64); 2]; 6],
}

impl Shake {
    fn random(amount: f64, seed: u64) -> Shake {
        use rand::SeedableRng;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Amplitudes per parameter at amount 1 (as in Motion: yaw, pitch, roll rad; tx, ty,
        // distance in world px at full panel resolution): about a quarter of the slow sway.
        let amp = [0.012, 0.01, 0.006, 6.0, 5.0, 10.0];
        let mut terms = [[(0.0, 0.0, 0.0); 2]; 6];
        for (p, row) in terms.iter_mut().enumerate() {
            for term in row.iter_mut() {
                *term = (
                    amp[p] * amount * rng.random_range(0.5f64..1.0),
                    rng.random_range(3.0f64..7.0),
                    rng.random_range(0.0f64..std::f64::consts::TAU),
                );
            }
        }
        Shake { terms }
    }

    fn add(&self, pose: &mut Pose, t: f64) {
        let mut d = [0.0f64; 6];
        for (p, row) in self.terms.iter().enumerate() {
            for &(a, f, phase) in row {
                d[p] += a * (std::f64::consts::TAU * f * t + phase).sin();
            }
        }
        pose.yaw += d[0];
        pose.pitch += d[1];
        pose.roll += d[2];
        pose.tx += d[3];
        pose.ty += d[4];
        pose.distance += d[5];
    }
}

fn ease(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// The panel's state at time `t` of the timeline.
pub fn state_at(panel: &Panel, timeline: &Timeline, t: f64) -> PanelState {
    let mut state = panel.idle_state();
    // Knobs keep their rotation across functions (endless encoders).
    for step in &timeline.steps {
        if step.act_start > t {
            break;
        }
        let action = &timeline.functions[step.function].actions[step.step];
        if let ActionKind::Turn { dial, to } = action.kind {
            let p = ((t - step.act_start) / TURN).clamp(0.0, 1.0) as f32;
            state.angles[action.control] += (to as f32 - dial.default as f32) * DETENT * p;
        }
    }
    // The function under way (or the last one finished) decides the display.
    let Some(current) = timeline.steps.iter().rev().find(|s| s.start as f64 <= t) else {
        return state;
    };
    let function = &timeline.functions[current.function];
    let last = function.actions.len() - 1;
    for step in timeline
        .steps
        .iter()
        .filter(|s| s.function == current.function)
    {
        if step.act_start > t {
            break;
        }
        let action = &function.actions[step.step];
        let ctl = &panel.controls[action.control];
        let label = short_label(&ctl.label);
        let after = if step.step == last {
            function.spec.done.to_string()
        } else {
            match action.kind {
                ActionKind::Turn { dial, to } => dial.shown(to),
                _ => label.clone(),
            }
        };
        let during = t <= step.act_end;
        match action.kind {
            ActionKind::Press => {
                if during {
                    state.pressed = Some(action.control);
                }
                if t >= step.act_start + PRESS / 2.0 {
                    state.display = after;
                    state.lit = Some(action.control);
                }
            }
            ActionKind::Hold(_) => {
                state.lit = Some(action.control);
                if during {
                    state.pressed = Some(action.control);
                    state.display = label;
                } else {
                    state.display = after;
                }
            }
            ActionKind::Turn { dial, to } => {
                if during {
                    let p = ((t - step.act_start) / TURN).clamp(0.0, 1.0);
                    let idx = dial.default as f64 + (to as f64 - dial.default as f64) * p;
                    state.display = dial.shown(idx.round() as usize);
                } else {
                    state.display = after;
                }
            }
        }
    }
    state
}

fn short_label(label: &str) -> String {
    let upper = label.to_uppercase();
    let word = upper.split(['/', ' ']).next().unwrap_or("").to_string();
    if word.is_empty() {
        upper
    } else {
        word.chars().take(8).collect()
    }
}

/// Where the hand is at time `t`, in world coordinates of the panel (panel pixels), and how.
enum HandAt {
    Away,
    Point { at: (f32, f32), height: f32 },
    Turn { control: usize, angle: f32 },
}

fn hand_at(
    panel: &Panel,
    timeline: &Timeline,
    state: &PanelState,
    t: f64,
    rest: (f32, f32),
) -> HandAt {
    if let Some(pass) = timeline.passes.iter().find(|p| p.start <= t && t < p.end) {
        let p = ((t - pass.start) / (pass.end - pass.start)) as f32;
        return HandAt::Point {
            at: (
                pass.from.0 + (pass.to.0 - pass.from.0) * p,
                pass.from.1 + (pass.to.1 - pass.from.1) * p,
            ),
            height: pass.height,
        };
    }
    let Some((k, step)) = timeline
        .steps
        .iter()
        .enumerate()
        .find(|(_, s)| s.start as f64 <= t && t < s.end as f64)
    else {
        return HandAt::Away;
    };
    let action = &timeline.functions[step.function].actions[step.step];
    let ctl = &panel.controls[action.control];
    let target = (ctl.cx, ctl.cy);
    let previous = k
        .checked_sub(1)
        .map(|j| &timeline.steps[j])
        .filter(|p| p.function == step.function && p.end == step.start);
    let from = match previous {
        Some(p) => {
            let c = &panel.controls[timeline.functions[p.function].actions[p.step].control];
            (c.cx, c.cy)
        }
        None => rest,
    };
    let next_same = timeline
        .steps
        .get(k + 1)
        .is_some_and(|n| n.function == step.function && n.start == step.end);
    let lerp = |a: (f32, f32), b: (f32, f32), p: f64| {
        let p = ease(p) as f32;
        (a.0 + (b.0 - a.0) * p, a.1 + (b.1 - a.1) * p)
    };
    if let Some(hover) = step.hover.as_ref().filter(|_| t < step.act_start) {
        // The harder generator: over a neighbour first, then on to the step's control.
        let over = &panel.controls[hover.control];
        let over = (over.cx, over.cy);
        if t < hover.start {
            let p = (t - step.start as f64) / (hover.start - step.start as f64);
            let height = 1.0 + (hover.height - 1.0) * ease(p) as f32;
            let lift = (4.0 * p * (1.0 - p)) as f32 * 30.0;
            let at = lerp(from, over, p);
            return HandAt::Point {
                at: (at.0, at.1 - lift),
                height,
            };
        }
        if t < hover.end {
            // A small drift while it hovers, as a hand that hesitates.
            let p = ((t - hover.start) / (hover.end - hover.start)) as f32;
            return HandAt::Point {
                at: (over.0 + 6.0 * p, over.1 - 4.0 * p),
                height: hover.height,
            };
        }
        let p = (t - hover.end) / (step.act_start - hover.end);
        let height = hover.height * (1.0 - ease(p) as f32);
        let lift = (4.0 * p * (1.0 - p)) as f32 * 12.0;
        let at = lerp((over.0 + 6.0, over.1 - 4.0), target, p);
        return HandAt::Point {
            at: (at.0, at.1 - lift),
            height,
        };
    }
    if t < step.act_start {
        let p = (t - step.start as f64) / APPROACH;
        let height = (1.0 - ease((p - 0.5) * 2.0)) as f32;
        let lift = (4.0 * p * (1.0 - p)) as f32 * 30.0; // arc over the panel
        let at = lerp(from, target, p);
        return HandAt::Point {
            at: (at.0, at.1 - lift),
            height,
        };
    }
    if t <= step.act_end {
        return match action.kind {
            ActionKind::Turn { .. } => HandAt::Turn {
                control: action.control,
                angle: state.angles[action.control],
            },
            _ => HandAt::Point {
                at: target,
                height: 0.0,
            },
        };
    }
    let p = (t - step.act_end) / (step.end as f64 - step.act_end).max(0.1);
    if next_same {
        HandAt::Point {
            at: lerp(target, (target.0 + 25.0, target.1 + 35.0), p),
            height: ease(p * 1.5) as f32,
        }
    } else {
        HandAt::Point {
            at: lerp(target, rest, p),
            height: ease(p * 2.0) as f32,
        }
    }
}

/// How a video is filmed and encoded.
#[derive(Debug, Clone, Copy)]
pub struct Filming {
    pub style: CameraStyle,
    /// Frame width and height.
    pub size: (usize, usize),
    /// x264 constant rate factor.
    pub crf: u32,
    /// The harder generator's pen, hand direction and shake, if any.
    pub hard: Option<crate::harder::HardFilming>,
}

/// Films the timeline at 30 fps for `timeline.duration` seconds.
pub fn render_video(
    panel: &Panel,
    sur: &Surroundings,
    timeline: &Timeline,
    filming: Filming,
    rng: &mut ChaCha8Rng,
    path: &Path,
) -> Result<(), Error> {
    let Filming {
        style,
        size: (width, height),
        crf,
        hard,
    } = filming;
    // The world at half the panel's resolution: the panel covers about as many frame pixels.
    let s = 0.5f32;
    let margin = 300;
    let backdrop = sur.backdrop(s, margin);
    let mut world = backdrop.clone();
    let center = (
        margin as f64 + PANEL_W as f64 * s as f64 / 2.0,
        margin as f64 + PANEL_H as f64 * s as f64 / 2.0,
    );
    let motion = Motion::random(rng, style.motion);
    let shake = hard
        .filter(|h| h.shake > 0.0)
        .map(|h| Shake::random(h.shake, h.shake_seed));
    let from_above = hard.is_some_and(|h| h.from_above);
    let pen = hard.and_then(|h| h.pen);
    let lighting = Lighting::random(rng, style.lighting);
    let focal_base = style.fill * width as f64 * 1000.0 / (PANEL_W as f64 * s as f64);
    // The hand rests below the panel, or above it when it comes from above.
    let rest = (
        PANEL_W as f32 * (0.5 + 0.75 * sur.side),
        if from_above {
            PANEL_H as f32 * -0.45
        } else {
            PANEL_H as f32 * 1.45
        },
    );
    let toward_wrist = {
        let (x, y) = (0.55 * sur.side, if from_above { -0.85f32 } else { 0.85 });
        let n = (x * x + y * y).sqrt();
        (x / n, y / n)
    };

    let gain = lighting.gain_map(width, height);
    let mut rgb8 = vec![0u8; width * height * 3];
    let mut writer = VideoWriter::create(path, width, height, crf)?;
    let mut shown: Option<PanelState> = None;
    let frames = timeline.duration as usize * FPS as usize;
    for i in 0..frames {
        let t = i as f64 / FPS as f64;
        let state = state_at(panel, timeline, t);
        if shown.as_ref() != Some(&state) {
            let rendered = half(&panel.render(&state));
            world.blit(&rendered, margin, margin);
            shown = Some(state.clone());
        }
        let mut pose = motion.pose(t);
        if let Some(shake) = &shake {
            shake.add(&mut pose, t);
        }
        // The sway's distance term is in full-resolution units; scale it to world units.
        let pose = Pose {
            tx: pose.tx * s as f64,
            ty: pose.ty * s as f64,
            ..pose
        };
        let to_image = pose.homography(center, focal_base, width as f64, height as f64);
        let mut frame = warp(&world, &to_image, width, height);
        let project = |p: (f32, f32)| -> (f32, f32) {
            let (u, v) = to_image.apply(
                margin as f64 + p.0 as f64 * s as f64,
                margin as f64 + p.1 as f64 * s as f64,
            );
            (u as f32, v as f32)
        };
        // Image pixels per panel pixel near the panel's centre.
        let px_scale = {
            let a = project((PANEL_W as f32 * 0.25, PANEL_H as f32 * 0.5));
            let b = project((PANEL_W as f32 * 0.75, PANEL_H as f32 * 0.5));
            ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt() / (PANEL_W as f32 * 0.5)
        };
        let finger = (13.0 * px_scale).max(3.0);
        let hand = match hand_at(panel, timeline, &state, t, rest) {
            HandAt::Away => None,
            HandAt::Point { at, height } => Some(Hand {
                grip: Grip::Point { tip: project(at) },
                toward_wrist,
                finger,
                height,
                skin: sur.skin,
                pen,
            }),
            HandAt::Turn { control, angle } => {
                let c = &panel.controls[control];
                Some(Hand {
                    grip: Grip::Turn {
                        center: project((c.cx, c.cy)),
                        radius: c.hw * px_scale,
                        angle: angle + 0.3,
                    },
                    toward_wrist,
                    finger,
                    height: 0.0,
                    skin: sur.skin,
                    // A knob is turned with the fingers, pen or not.
                    pen: None,
                })
            }
        };
        if let Some(hand) = hand {
            hand.draw(&mut frame);
        }
        frame.write_rgb8_gain(&gain, &mut rgb8);
        writer.push_rgb(&rgb8)?;
    }
    writer.finish()
}
