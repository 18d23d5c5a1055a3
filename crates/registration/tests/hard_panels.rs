//! Registration on the panels tutorials really show (seeded, generated here): plain plastic
//! panels of the generator (`synth::panel`, every appliance kind) with rows of identical keys,
//! seen at 45 degrees of yaw or pitch by a pinhole camera (the near edge about twice as close as
//! the far one), with motion blur, a hand-sized occluder over 30 % of the panel, a specular
//! glare, and all of these at once; plus frames of another panel of the same kind (the hardest
//! negative: the same keys in other places). Each positive frame's error is the largest corner
//! error over the button boxes, in frame pixels, against the homography it was made with.
//!
//! `REGISTRATION_HARD_DUMP=DIR` also writes every frame, its reference and its true homography
//! (`DIR/cases.json`; negatives with `"negative": true`) for
//! `scripts/registration_sift_reference.py`, which measures OpenCV's SIFT + RANSAC on the same
//! frames (docs/registration.md, "Hard panels").
//!
//! Run with `cargo test -p registration --test hard_panels -- --nocapture` to see the figures.

use image::RgbImage;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use registration::{Plane, RegisterConfig, Registrar};
use testkit::register_scenes::*;

const REFERENCE_WIDTH: u32 = 640;

struct Reference {
    name: String,
    image: RgbImage,
    boxes: Vec<Btn>,
    kind: usize,
}

/// A generator panel of kind `kind`, front view, `REFERENCE_WIDTH` wide, with its control boxes.
fn panel(kind: usize, seed: u64) -> Reference {
    let spec = &synth::kinds::KINDS[kind];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let p = synth::panel::Panel::random(spec, &mut rng);
    let canvas = p.render(&p.idle_state());
    let full = RgbImage::from_raw(canvas.w as u32, canvas.h as u32, canvas.to_rgb8())
        .expect("canvas size");
    let s = f64::from(REFERENCE_WIDTH) / f64::from(full.width());
    let h = (f64::from(full.height()) * s).round() as u32;
    let image = image::imageops::resize(
        &full,
        REFERENCE_WIDTH,
        h,
        image::imageops::FilterType::Triangle,
    );
    let boxes = p
        .controls
        .iter()
        .map(|c| Btn {
            name: c.button_name.clone(),
            x: f64::from(c.cx - c.hw) * s,
            y: f64::from(c.cy - c.hh) * s,
            w: f64::from(2.0 * c.hw) * s,
            h: f64::from(2.0 * c.hh) * s,
        })
        .collect();
    Reference {
        name: format!("{}#{seed}", spec.name),
        image,
        boxes,
        kind,
    }
}

/// Reference pixels -> frame pixels for a camera at `yaw`/`pitch` (radians) looking at the
/// panel's centre from `distance` reference pixels, focal 1000 px, rolled by `roll`, the panel's
/// centre shifted by (`dx`, `dy`) from the frame's centre.
fn camera(r: &RgbImage, yaw: f64, pitch: f64, roll: f64, distance: f64, dx: f64, dy: f64) -> Mat3 {
    let pose = synth::camera::Pose {
        yaw,
        pitch,
        roll,
        tx: dx * distance / 1000.0,
        ty: dy * distance / 1000.0,
        distance,
    };
    let h = pose
        .homography(
            (f64::from(r.width()) / 2.0, f64::from(r.height()) / 2.0),
            1000.0,
            f64::from(FRAME_W),
            f64::from(FRAME_H),
        )
        .0;
    let m = [[h[0], h[1], h[2]], [h[3], h[4], h[5]], [h[6], h[7], h[8]]];
    m.map(|row| row.map(|v| v / m[2][2]))
}

/// A motion blur of `len` pixels along `angle` (radians).
fn motion_blur(img: &RgbImage, len: usize, angle: f64) -> RgbImage {
    let (dx, dy) = (angle.cos(), angle.sin());
    let (w, h) = (img.width() as i64, img.height() as i64);
    let mut out = img.clone();
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0u32; 3];
            for k in 0..len {
                let t = k as f64 - (len as f64 - 1.0) / 2.0;
                let sx = (x as f64 + t * dx).round().clamp(0.0, (w - 1) as f64) as u32;
                let sy = (y as f64 + t * dy).round().clamp(0.0, (h - 1) as f64) as u32;
                let p = img.get_pixel(sx, sy);
                for c in 0..3 {
                    acc[c] += u32::from(p[c]);
                }
            }
            out.put_pixel(
                x as u32,
                y as u32,
                image::Rgb(acc.map(|a| (a / len as u32) as u8)),
            );
        }
    }
    out
}

/// A specular glare: a soft white ellipse over about `fraction` of the panel's area, centred on
/// a random point of the panel.
fn glare(frame: &mut RgbImage, rng: &mut Rng, h: &Mat3, rw: f64, rh: f64, fraction: f64) {
    let c = apply(h, [rng.range(0.25, 0.75) * rw, rng.range(0.25, 0.75) * rh]);
    // The panel's area in the frame, from its projected corners.
    let q: Vec<[f64; 2]> = [[0.0, 0.0], [rw, 0.0], [rw, rh], [0.0, rh]]
        .iter()
        .map(|p| apply(h, *p))
        .collect();
    let area = 0.5
        * (0..4)
            .map(|i| q[i][0] * q[(i + 1) % 4][1] - q[(i + 1) % 4][0] * q[i][1])
            .sum::<f64>()
            .abs();
    let (a, b) = {
        let r = (fraction * area / std::f64::consts::PI).sqrt();
        (r * 1.6, r / 1.6)
    };
    let angle = rng.range(0.0, std::f64::consts::PI);
    let (sn, cs) = angle.sin_cos();
    for y in 0..frame.height() {
        for x in 0..frame.width() {
            let (ux, uy) = (x as f64 - c[0], y as f64 - c[1]);
            let (u, v) = (ux * cs + uy * sn, -ux * sn + uy * cs);
            let d = (u / a).powi(2) + (v / b).powi(2);
            if d < 1.0 {
                let w = (1.0 - d).powf(0.6) * 0.9;
                let p = frame.get_pixel_mut(x, y);
                for ch in 0..3 {
                    p[ch] = (f64::from(p[ch]) * (1.0 - w) + 255.0 * w) as u8;
                }
            }
        }
    }
}

/// The view and degradation of positive frame `i`.
fn positive(r: &Reference, rng: &mut Rng, i: usize) -> (RgbImage, Mat3, String) {
    let (rw, rh) = (f64::from(r.image.width()), f64::from(r.image.height()));
    let side = if rng.range(0.0, 1.0) < 0.5 { -1.0 } else { 1.0 };
    let steep = 45f64.to_radians() * side;
    let (yaw, pitch) = if i % 2 == 0 {
        (steep, rng.range(-0.15, 0.15))
    } else {
        (rng.range(-0.15, 0.15), steep)
    };
    let truth = camera(
        &r.image,
        yaw,
        pitch,
        rng.range(-0.2, 0.2),
        rng.range(650.0, 800.0),
        rng.range(-120.0, 120.0),
        rng.range(-60.0, 60.0),
    );
    let mut frame = background(rng.next_u64(), FRAME_W, FRAME_H);
    warp_into(&mut frame, &r.image, &truth);
    let what = match i % 5 {
        0 => "45 degrees".to_string(),
        1 => {
            let len = rng.int(7, 13) as usize;
            frame = motion_blur(&frame, len, rng.range(0.0, std::f64::consts::PI));
            format!("motion blur {len} px")
        }
        2 => {
            occlude(&mut frame, rng, &truth, rw, rh, 0.3);
            "occlusion 30%".to_string()
        }
        3 => {
            glare(&mut frame, rng, &truth, rw, rh, 0.15);
            "glare 15%".to_string()
        }
        _ => {
            occlude(&mut frame, rng, &truth, rw, rh, 0.3);
            glare(&mut frame, rng, &truth, rw, rh, 0.1);
            frame = motion_blur(&frame, 7, rng.range(0.0, std::f64::consts::PI));
            "all: occlusion 30%, glare 10%, blur 7 px".to_string()
        }
    };
    (frame, truth, what)
}

#[test]
fn hard_panels_registration_is_measured() {
    let kinds = synth::kinds::KINDS.len();
    // Set 0 is the one the thresholds were chosen on; `REGISTRATION_HARD_SET=N` draws other
    // panels and frames (docs/registration.md reports set 1, never used to choose).
    let set: u64 = std::env::var("REGISTRATION_HARD_SET")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let refs: Vec<Reference> = (0..kinds)
        .map(|k| panel(k, 7000 + 100 * set + k as u64))
        .collect();
    let dump = std::env::var_os("REGISTRATION_HARD_DUMP").map(std::path::PathBuf::from);
    let mut cases = Vec::new();
    let mut rng = Rng(20261130 + set);
    let (mut positives, mut within, mut in_view, mut negatives, mut false_views) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut per_kind: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut errors = Vec::new();
    for (ri, r) in refs.iter().enumerate() {
        let reg = Registrar::from_rgb(&r.image, RegisterConfig::default()).expect("describes");
        if let Some(dir) = &dump {
            std::fs::create_dir_all(dir).unwrap();
            r.image.save(dir.join(format!("ref{ri}.png"))).unwrap();
        }
        for i in 0..10 {
            let (frame, truth, what) = positive(r, &mut rng, i);
            let res = reg.register_plane(&Plane::from_rgb(&frame));
            positives += 1;
            // "motion blur 9 px" and "motion blur 12 px" are one kind of frame.
            let kind = what
                .split(':')
                .next()
                .unwrap()
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == 'p' || c == 'x')
                .to_string();
            let entry = per_kind.entry(kind).or_default();
            entry.1 += 1;
            let error = match res.homography {
                Some(h) if res.in_view => {
                    in_view += 1;
                    Some(max_corner_error(&truth, &h, &r.boxes))
                }
                _ => None,
            };
            if let Some(e) = error {
                errors.push(e);
            }
            if error.is_some_and(|e| e < 3.0) {
                within += 1;
                entry.0 += 1;
            } else {
                println!(
                    "{} #{i} ({what}): {}",
                    r.name,
                    match error {
                        Some(e) => format!("in view, max corner error {e:.2} px"),
                        None => format!("not in view ({:?}, {} inliers)", res.reason, res.inliers),
                    }
                );
            }
            if let Some(dir) = &dump {
                let file = format!("frame{ri}_{i}.png");
                frame.save(dir.join(&file)).unwrap();
                cases.push(serde_json::json!({
                    "reference": format!("ref{ri}.png"), "frame": file, "what": what,
                    "truth": truth, "boxes": r.boxes.iter().map(|b| [b.x, b.y, b.w, b.h]).collect::<Vec<_>>(),
                    "ours": error,
                }));
            }
        }
        // Another panel of the same kind: the same keys in other places.
        for k in 0..3 {
            let other = panel(r.kind, 9100 + 1000 * set + 10 * ri as u64 + k);
            let h = camera(
                &other.image,
                rng.range(-0.6, 0.6),
                rng.range(-0.4, 0.4),
                rng.range(-0.2, 0.2),
                rng.range(650.0, 900.0),
                rng.range(-100.0, 100.0),
                rng.range(-50.0, 50.0),
            );
            let mut frame = background(rng.next_u64(), FRAME_W, FRAME_H);
            warp_into(&mut frame, &other.image, &h);
            let res = reg.register_plane(&Plane::from_rgb(&frame));
            negatives += 1;
            if let Some(dir) = &dump {
                let file = format!("negative{ri}_{k}.png");
                frame.save(dir.join(&file)).unwrap();
                cases.push(serde_json::json!({
                    "reference": format!("ref{ri}.png"), "frame": file, "negative": true,
                    "ours_in_view": res.in_view,
                }));
            }
            if res.in_view {
                false_views += 1;
                println!(
                    "FALSE VIEW: {} shown {} ({} inliers)",
                    r.name, other.name, res.inliers
                );
            }
        }
    }
    if let Some(dir) = &dump {
        std::fs::write(
            dir.join("cases.json"),
            serde_json::to_string_pretty(&cases).unwrap(),
        )
        .unwrap();
    }
    let share = within as f64 / positives as f64;
    println!(
        "hard panels: {positives} frames of {} panels; in view {in_view}, under 3 px {within} ({:.1} %); median error {:.2} px; false in view {false_views} of {negatives}",
        refs.len(),
        share * 100.0,
        percentile(&errors, 50.0)
    );
    for (k, (ok, n)) in &per_kind {
        println!("  {k}: {ok} of {n} under 3 px");
    }
    // The targets are 95 % under 3 px and no false view; the first is not met yet
    // (docs/registration.md, "Hard panels"): the floor keeps what is measured from getting worse.
    assert_eq!(
        false_views, 0,
        "a panel of the same kind was taken for the reference"
    );
    assert!(
        share >= HARD_FLOOR,
        "{:.1} % of hard frames under 3 px, below the measured floor {}",
        share * 100.0,
        HARD_FLOOR
    );
}

/// Measured: 91.1 % under 3 px on set 0, the set the refinement's rules were chosen on (82 of
/// 90 frames), and 87.8 % on set 1, never used to choose (79 of 90; `REGISTRATION_HARD_SET=1`),
/// less a margin for platform differences in floating point.
const HARD_FLOOR: f64 = 0.85;
