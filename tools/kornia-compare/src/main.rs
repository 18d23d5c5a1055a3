//! One-off comparison, outside the workspace: kornia-rs 0.2 ORB +
//! RANSAC against `registration`, on frames from the same generator as
//! `crates/registration/tests/registration_accuracy.rs` (testkit's scenes). Run:
//! `cd tools/kornia-compare && cargo run --release` (builds kornia: about 7 min at -j2).
//! 70 positive and 28 negative 1280x720 frames; figures in docs/registration.md.
use kornia_3d::ransac::estimators::HomographyEstimator;
use kornia_3d::ransac::{run, Match2d2d, RansacConfig, ThresholdConsensus, UniformSampler};
use kornia_algebra::{Vec2F64, Vec3F64};
use kornia_image::{Image, ImageSize};
use kornia_imgproc::features::{match_orb_descriptors, OrbDetector, OrbMatchConfig};
use rand::SeedableRng;
use std::time::Instant;
use testkit::register_scenes::*;

fn gray(img: &image::RgbImage) -> Image<u8, 1> {
    let g = image::DynamicImage::ImageRgb8(img.clone()).to_luma8();
    Image::new(
        ImageSize {
            width: g.width() as usize,
            height: g.height() as usize,
        },
        g.into_raw(),
    )
    .unwrap()
}

fn main() {
    let det_ref = OrbDetector {
        n_keypoints: 2000,
        ..OrbDetector::default()
    };
    let det = OrbDetector {
        n_keypoints: 1500,
        ..OrbDetector::default()
    };
    let mcfg = OrbMatchConfig {
        nn_ratio: 0.8,
        th_low: 64,
        ..OrbMatchConfig::default()
    };
    let mut rng = Rng(20261127);
    let mut errs = Vec::new();
    let mut times = Vec::new();
    let mut neg_max = 0usize;
    let mut pos_inl = Vec::new();
    let (mut m_errs, mut m_times, mut m_found, mut m_fp, mut m_neg_max) =
        (Vec::new(), Vec::new(), 0usize, 0usize, 0usize);
    let photos = ["astronaut.jpg", "coffee.jpg", "chelsea.jpg"];
    let mut refs: Vec<(image::RgbImage, Vec<Btn>)> = [
        (1u64, 480u32, 320u32),
        (2, 420, 300),
        (3, 520, 340),
        (4, 440, 330),
    ]
    .iter()
    .map(|&(s, w, h)| draw_panel(s, w, h))
    .collect();
    for p in photos {
        let img = image::open(format!(
            "{}/../../crates/registration/tests/fixtures/{p}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .to_rgb8();
        let s = (480.0 / img.width() as f64)
            .min(340.0 / img.height() as f64)
            .min(1.0);
        let img = image::imageops::resize(
            &img,
            (img.width() as f64 * s).round() as u32,
            (img.height() as f64 * s).round() as u32,
            image::imageops::FilterType::Triangle,
        );
        let b = grid_boxes(img.width(), img.height());
        refs.push((img, b));
    }
    for (ri, (r, boxes)) in refs.iter().enumerate() {
        let rf = det_ref.detect_and_extract_u8(&gray(r)).unwrap();
        let mreg =
            registration::Registrar::from_rgb(r, registration::RegisterConfig::default())
                .unwrap();
        let (rw, rh) = (r.width() as f64, r.height() as f64);
        for i in 0..14 {
            let positive = i < 10;
            let truth = random_view(&mut rng, rw, rh);
            let mut frame = background(rng.next_u64(), FRAME_W, FRAME_H);
            if positive {
                warp_into(&mut frame, r, &truth);
                match i % 5 {
                    1 => frame = blur(&frame, rng.range(1.0, 2.0)),
                    2 => {
                        let s = rng.range(5.0, 10.0);
                        add_noise(&mut frame, &mut rng, s)
                    }
                    3 => {
                        let (a, b, c) = (
                            rng.range(0.55, 1.4),
                            rng.range(-30.0, 30.0),
                            rng.range(0.7, 1.4),
                        );
                        relight(&mut frame, a, b, c)
                    }
                    4 => occlude(&mut frame, &mut rng, &truth, rw, rh, 0.25),
                    _ => {}
                }
            } else {
                let other = &refs[(ri + 1 + i % 3) % refs.len()].0;
                let h = random_view(&mut rng, other.width() as f64, other.height() as f64);
                warp_into(&mut frame, other, &h);
            }
            let plane = registration::Plane::from_rgb(&frame);
            let t = Instant::now();
            let mr = mreg.register_plane(&plane);
            m_times.push(t.elapsed().as_secs_f64() * 1e3);
            if positive {
                if let Some(h) = mr.homography {
                    m_found += 1;
                    m_errs.push(max_corner_error(&truth, &h, boxes));
                }
            } else {
                m_fp += mr.in_view as usize;
                m_neg_max = m_neg_max.max(mr.inliers);
            }
            let g = gray(&frame);
            let t = Instant::now();
            let ff = det.detect_and_extract_u8(&g).unwrap();
            let m = match_orb_descriptors(
                &rf.orientations,
                &rf.descriptors,
                &ff.orientations,
                &ff.descriptors,
                mcfg,
            );
            let samples: Vec<Match2d2d> = m
                .iter()
                .map(|&(a, b)| {
                    let p = rf.keypoints_xy[a];
                    let q = ff.keypoints_xy[b];
                    Match2d2d::new(
                        Vec2F64::new(p[0] as f64, p[1] as f64),
                        Vec2F64::new(q[0] as f64, q[1] as f64),
                    )
                })
                .collect();
            let cfg = RansacConfig {
                max_iters: 2000,
                confidence: 0.9999,
                inlier_threshold: 9.0,
                lo_every: 1,
                ..RansacConfig::default()
            };
            let res = if samples.len() >= 4 {
                Some(run(
                    &HomographyEstimator,
                    &ThresholdConsensus { threshold: 9.0 },
                    &mut UniformSampler::new(rand::rngs::StdRng::seed_from_u64(1)),
                    &samples,
                    &cfg,
                ))
            } else {
                None
            };
            times.push(t.elapsed().as_secs_f64() * 1e3);
            let inl = res.as_ref().map(|r| r.inlier_count()).unwrap_or(0);
            if !positive {
                neg_max = neg_max.max(inl);
                continue;
            }
            pos_inl.push(inl);
            if let Some(model) = res.and_then(|r| r.model) {
                // kornia's matrix as ours, column by column.
                let col = |x: f64, y: f64, z: f64| {
                    let v = model * Vec3F64::new(x, y, z);
                    [v.x, v.y, v.z]
                };
                let (c0, c1, c2) = (col(1.0, 0.0, 0.0), col(0.0, 1.0, 0.0), col(0.0, 0.0, 1.0));
                let estimate = [
                    [c0[0], c1[0], c2[0]],
                    [c0[1], c1[1], c2[1]],
                    [c0[2], c1[2], c2[2]],
                ];
                let e = max_corner_error(&truth, &estimate, boxes);
                errs.push(if e.is_finite() { e } else { 1e9 });
            } else {
                errs.push(1e9);
            }
        }
    }
    let n = errs.len();
    let ok = errs.iter().filter(|&&e| e < 3.0).count();
    println!("kornia ORB+RANSAC: {n} positives: {ok} under 3 px; median err {:.2} px; p95 {:.2} px; min inliers positive {:?}; max inliers negative {neg_max}",
        percentile(&errs, 50.0), percentile(&errs, 95.0), pos_inl.iter().min());
    let mok = m_errs.iter().filter(|&&e| e < 3.0).count();
    println!("registration (full detection + decision): {m_found}/{n} in view, {mok} under 3 px; median err {:.2} px; p95 {:.2} px; false in-view {m_fp}; max inliers negative {m_neg_max}; time mean {:.1} ms p95 {:.1} ms",
        percentile(&m_errs, 50.0), percentile(&m_errs, 95.0), m_times.iter().sum::<f64>() / m_times.len() as f64, percentile(&m_times, 95.0));
    println!(
        "kornia time per frame (detect+match+ransac): mean {:.1} ms, p95 {:.1} ms",
        times.iter().sum::<f64>() / times.len() as f64,
        percentile(&times, 95.0)
    );
}
