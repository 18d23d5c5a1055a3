//! Registration speed at 1280x720: full re-detection (no prior) and
//! tracking (previous homography as prior), each with and without the dense
//! refinement, plus the two biggest stages of detection on their own. `cargo bench -p registration --bench registration`;
//! figures are in docs/registration.md.

use criterion::{criterion_group, criterion_main, Criterion};
use registration::features::{detect, match_all};
use registration::{Plane, RegisterConfig, Registrar, Tracker};
use testkit::register_scenes::*;

fn frames() -> (Registrar, Vec<(Plane, Mat3)>) {
    let (panel, _) = draw_panel(1, 480, 320);
    let reg = Registrar::from_rgb(&panel, RegisterConfig::default()).unwrap();
    let bg = background(42, FRAME_W, FRAME_H);
    let frames = (0..8)
        .map(|t| {
            let f = f64::from(t) / 7.0;
            let h = view(
                480.0,
                320.0,
                1.0 + 0.3 * f,
                -10.0 + 10.0 * f,
                0.1,
                -0.05,
                600.0 + 40.0 * f,
                360.0,
            );
            let mut frame = bg.clone();
            warp_into(&mut frame, &panel, &h);
            (Plane::from_rgb(&frame), h)
        })
        .collect();
    (reg, frames)
}

fn bench(c: &mut Criterion) {
    let (reg, frames) = frames();
    let (plane, truth) = &frames[0];
    assert!(reg.register_plane(plane).in_view);
    let mut g = c.benchmark_group("registration_1280x720");
    g.sample_size(20);
    g.bench_function("redetect", |b| b.iter(|| reg.register_plane(plane)));
    // Prior: the previous frame's pose (the next frame of the sweep).
    let prior = frames[1].1;
    g.bench_function("track", |b| b.iter(|| reg.track_plane(plane, &prior)));
    // The same panel registered with a step of the method turned off, side by side.
    let without = |cfg: RegisterConfig| {
        let (panel, _) = draw_panel(1, 480, 320);
        Registrar::from_rgb(&panel, cfg).unwrap()
    };
    // The same two without the dense refinement (what it costs per frame).
    let unrefined = without(RegisterConfig {
        refine_max_shift: 0.0,
        ..RegisterConfig::default()
    });
    g.bench_function("redetect_without_refinement", |b| {
        b.iter(|| unrefined.register_plane(plane))
    });
    g.bench_function("track_without_refinement", |b| {
        b.iter(|| unrefined.track_plane(plane, &prior))
    });
    // Full detection without the guided rematch.
    let unguided = without(RegisterConfig {
        rematch_radius: 0.0,
        ..RegisterConfig::default()
    });
    g.bench_function("redetect_without_rematch", |b| {
        b.iter(|| unguided.register_plane(plane))
    });
    let mut tracker = Tracker::new(reg.clone());
    let mut i = 0;
    g.bench_function("tracker_sequence", |b| {
        b.iter(|| {
            i = (i + 1) % frames.len();
            tracker.process_plane(&frames[i].0)
        })
    });
    let cfg = RegisterConfig::default();
    g.bench_function("stage_detect_features", |b| {
        b.iter(|| detect(plane, &cfg.detector, None))
    });
    let ff = detect(plane, &cfg.detector, None);
    let (panel, _) = draw_panel(1, 480, 320);
    let rf = detect(&Plane::from_rgb(&panel), &cfg.reference_detector, None);
    g.bench_function("stage_match_all", |b| {
        b.iter(|| match_all(&ff, &rf, &cfg.matching))
    });
    g.finish();
    let _ = truth;
}

criterion_group!(benches, bench);
criterion_main!(benches);
