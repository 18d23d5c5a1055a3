//! The hand source of a new pack's boxes (`assistant::hand_controls`) on generated tutorials,
//! against the generator's true boxes: a control taken out of the photo's suggested boxes is
//! found again where the tutorial's hand presses it, and no hand box lands on a control a
//! suggestion already covers. `measure_the_hand_source` (ignored; run it with `--ignored
//! --nocapture`) prints the numbers of docs/new-pack.md for the seed in `PRESSNEXT_HAND_SEED`.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use assistant::hand_controls::{hand_controls, HandConfig, HandControl, HandTrack};
use grounding::controls::{iou, SuggestedControl};
use grounding::video::RegisteredFrame;
use image::RgbImage;
use registration::Mat3;

/// One generated appliance, read and registered once.
struct Appliance {
    folder: String,
    photo: (u32, u32),
    texts: Vec<ocr::TextBox>,
    suggested: Vec<SuggestedControl>,
    /// True boxes by button name.
    truth: HashMap<String, [f32; 4]>,
    /// Buttons the script's steps operate.
    operated: BTreeSet<String>,
    /// Every sampled frame with its registration.
    frames: Vec<(f64, RgbImage, Option<Mat3>, bool)>,
}

/// Generates `count` appliances of `seed` (20-40 s tutorials) under `dir`, reads their photos
/// with the real OCR and registers their videos.
fn appliances(dir: &Path, count: usize, seed: u64, models: &Path) -> Vec<Appliance> {
    let mut opts = synth::SynthOptions::new(dir, count, seed);
    opts.video_seconds = (20, 40);
    synth::generate(&opts, &synth::NoProgress).unwrap();
    let ocr = ocr::Ocr::load_best(models).unwrap();
    let mut folders: Vec<_> = ["train", "test"]
        .iter()
        .filter_map(|s| std::fs::read_dir(dir.join(s)).ok())
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("script.txt").is_file())
        .collect();
    folders.sort();
    folders
        .iter()
        .map(|folder| {
            let photo_path = std::fs::read_dir(folder.join("images"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .next()
                .unwrap();
            let photo = registration::load_image(&photo_path).unwrap();
            let texts = ocr.read(&photo).unwrap();
            let suggested = grounding::controls::suggest(&photo, &texts);
            let truth_file = synth::read_truth(folder).unwrap();
            let operated = truth_file["lines"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|l| l["button"].as_str().map(str::to_string))
                .collect();
            let rects: Vec<[f32; 4]> = suggested.iter().map(|c| c.rect).collect();
            let mut frames = Vec::new();
            grounding::video::activity_observed(
                &folder.join("video.mp4"),
                &photo,
                &rects,
                None,
                |_, _| {},
                |f| frames.push((f.time, f.image.clone(), f.homography.copied(), f.in_view)),
            )
            .unwrap();
            Appliance {
                folder: folder.file_name().unwrap().to_string_lossy().into_owned(),
                photo: photo.dimensions(),
                texts,
                suggested,
                truth: testkit::boxes::csv_boxes(folder),
                operated,
                frames,
            }
        })
        .collect()
}

/// The suggestions with the one covering `deleted` (IoU >= 0.5) taken out, as `suggest` would
/// have missed it.
fn without(a: &Appliance, deleted: Option<&str>) -> Vec<SuggestedControl> {
    a.suggested
        .iter()
        .filter(|c| deleted.is_none_or(|d| iou(&c.rect, &a.truth[d]) < 0.5))
        .cloned()
        .collect()
}

/// The hand's tip over the video with `kept` as the suggested controls (the grid depends on them).
fn tips(a: &Appliance, kept: &[SuggestedControl]) -> Vec<assistant::hand_controls::TimedTip> {
    let rects: Vec<[f32; 4]> = kept.iter().map(|c| c.rect).collect();
    let labels: Vec<[f32; 4]> = a.texts.iter().map(|t| t.quad.bounds()).collect();
    let mut track = HandTrack::new(a.photo, &rects, &labels);
    for (time, image, h, in_view) in &a.frames {
        track.observe(RegisteredFrame {
            time: *time,
            image,
            homography: h.as_ref(),
            in_view: *in_view,
        });
    }
    track.tips().to_vec()
}

fn hand_boxes(
    a: &Appliance,
    kept: &[SuggestedControl],
    tips: &[assistant::hand_controls::TimedTip],
    config: &HandConfig,
) -> Vec<HandControl> {
    let rects: Vec<[f32; 4]> = kept.iter().map(|c| c.rect).collect();
    let names: Vec<String> = kept.iter().map(|c| c.name.clone()).collect();
    hand_controls(tips, &rects, &a.texts, a.photo, &names, config)
}

/// A box is on a true control at IoU >= 0.5 or with its centre inside the control's box.
fn on(b: &[f32; 4], truth: &[f32; 4]) -> bool {
    let c = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
    iou(b, truth) >= 0.5
        || (c[0] >= truth[0] && c[0] <= truth[2] && c[1] >= truth[1] && c[1] <= truth[3])
}

/// What a run of the hand source did: the true controls it found that no kept suggestion covers,
/// and the boxes that are on no such control (nothing, or a control already boxed).
fn judge(a: &Appliance, kept: &[SuggestedControl], found: &[HandControl]) -> (Vec<String>, usize) {
    let covered = |t: &[f32; 4]| kept.iter().any(|c| iou(&c.rect, t) >= 0.5);
    let mut recovered = Vec::new();
    let mut false_boxes = 0;
    for b in found {
        let hit = a
            .truth
            .iter()
            .find(|(_, t)| on(&b.rect, t) && !covered(t))
            .map(|(n, _)| n.clone());
        match hit {
            Some(n) if !recovered.contains(&n) => recovered.push(n),
            _ => false_boxes += 1,
        }
    }
    (recovered, false_boxes)
}

/// Operated controls that some suggestion covers: the ones to take out in turn.
fn deletable(a: &Appliance) -> Vec<String> {
    a.operated
        .iter()
        .filter(|n| {
            a.truth
                .get(*n)
                .is_some_and(|t| a.suggested.iter().any(|c| iou(&c.rect, t) >= 0.5))
        })
        .cloned()
        .collect()
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    deleted: usize,
    deleted_recovered: usize,
    deletion_false: usize,
    natural_missed: usize,
    natural_recovered: usize,
    full_false: usize,
    full_boxes: usize,
}

#[test]
fn a_control_taken_out_of_the_suggestions_is_found_where_the_hand_presses_it() {
    let Some(models) = testkit::repo::real_models_root() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Seed 4711 is neither the seed the thresholds were chosen on (77) nor the held-out one (2026).
    let apps = appliances(dir.path(), 1, 4711, &models);
    let a = &apps[0];
    let config = HandConfig::default();
    // With every suggestion kept: no hand box lands on a control a suggestion already covers.
    let full = tips(a, &a.suggested);
    let found = hand_boxes(a, &a.suggested, &full, &config);
    for b in &found {
        for (name, t) in &a.truth {
            let boxed = a.suggested.iter().any(|c| iou(&c.rect, t) >= 0.5);
            assert!(
                !(boxed && on(&b.rect, t)),
                "a hand box {:?} ({}) on {name}, which a suggestion covers",
                b.rect,
                b.name
            );
        }
    }
    // Each operated control taken out in turn is found again on its true box.
    let deletable = deletable(a);
    assert!(deletable.len() >= 3, "{deletable:?}");
    let mut recovered = 0;
    for name in &deletable {
        let kept = without(a, Some(name));
        let found = hand_boxes(a, &kept, &tips(a, &kept), &config);
        let (hits, _) = judge(a, &kept, &found);
        if hits.contains(name) {
            let b = found.iter().find(|b| on(&b.rect, &a.truth[name])).unwrap();
            assert!(b.dwells >= 1 && !b.name.is_empty());
            assert!(
                kept.iter().all(|c| c.name != b.name),
                "{} taken twice",
                b.name
            );
            recovered += 1;
        }
    }
    eprintln!("{}: {recovered} of {} recovered", a.folder, deletable.len());
    assert!(
        recovered * 2 >= deletable.len(),
        "{recovered} of {} operated controls taken out were found from the hand",
        deletable.len()
    );
}

/// The numbers of docs/new-pack.md: `PRESSNEXT_HAND_SEED` (default 77) and
/// `PRESSNEXT_HAND_APPLIANCES` (default 6); `PRESSNEXT_HAND_SWEEP=1` also tries other thresholds.
#[test]
#[ignore = "a measurement (minutes): run with --ignored --nocapture"]
fn measure_the_hand_source() {
    let Some(models) = testkit::repo::real_models_root() else {
        return;
    };
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let seed = env("PRESSNEXT_HAND_SEED", 77);
    let count = env("PRESSNEXT_HAND_APPLIANCES", 6) as usize;
    let dir = tempfile::tempdir().unwrap();
    let apps = appliances(dir.path(), count, seed, &models);
    let mut configs = vec![HandConfig::default()];
    if std::env::var("PRESSNEXT_HAND_SWEEP").is_ok_and(|v| v == "1") {
        for dwell_frames in [2, 3] {
            for min_dwells in [1, 2, 3] {
                for long_dwell_frames in [3, 4, 6, 100] {
                    for dwell_radius in [0.35, 0.5] {
                        for near_box in [0.25, 0.5] {
                            for cluster_radius in [1.0, 1.4, 2.0] {
                                for panel_margin in [0.5, 1.0] {
                                    configs.push(HandConfig {
                                        dwell_frames,
                                        min_dwells,
                                        long_dwell_frames,
                                        dwell_radius,
                                        near_box,
                                        cluster_radius,
                                        panel_margin,
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let mut tallies = vec![Tally::default(); configs.len()];
    let mut true_controls = 0;
    for a in &apps {
        true_controls += a.truth.len();
        let full_tips = tips(a, &a.suggested);
        let runs: Vec<(String, Vec<SuggestedControl>, Vec<_>)> = deletable(a)
            .into_iter()
            .map(|n| {
                let kept = without(a, Some(&n));
                let t = tips(a, &kept);
                (n, kept, t)
            })
            .collect();
        // Operated controls `suggest` itself missed: what the hand can add with nothing taken out.
        let natural: Vec<&String> = a
            .operated
            .iter()
            .filter(|n| {
                a.truth
                    .get(*n)
                    .is_some_and(|t| !a.suggested.iter().any(|c| iou(&c.rect, t) >= 0.5))
            })
            .collect();
        for (config, tally) in configs.iter().zip(tallies.iter_mut()) {
            let found = hand_boxes(a, &a.suggested, &full_tips, config);
            let (hits, false_boxes) = judge(a, &a.suggested, &found);
            tally.full_boxes += found.len();
            tally.full_false += false_boxes;
            tally.natural_missed += natural.len();
            tally.natural_recovered += natural.iter().filter(|n| hits.contains(n)).count();
            if config == &configs[0] {
                let boxes: Vec<_> = found
                    .iter()
                    .map(|b| (&b.name, b.rect.map(f32::round), b.dwells, b.frames))
                    .collect();
                eprintln!(
                    "{}: {} true, {} suggested, operated {:?}, natural misses {natural:?}; \
                     hand boxes {boxes:?}, recovered {hits:?}, {false_boxes} false",
                    a.folder,
                    a.truth.len(),
                    a.suggested.len(),
                    a.operated,
                );
            }
            for (name, kept, t) in &runs {
                let found = hand_boxes(a, kept, t, config);
                let (hits, false_boxes) = judge(a, kept, &found);
                tally.deleted += 1;
                tally.deleted_recovered += hits.contains(name) as usize;
                tally.deletion_false += false_boxes;
                if config == &configs[0] && !hits.contains(name) {
                    eprintln!(
                        "  {name} at {:?} not recovered; hand boxes {:?}",
                        a.truth[name],
                        found
                            .iter()
                            .map(|b| b.rect.map(f32::round))
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
    }
    eprintln!(
        "seed {seed}: {} appliances, {true_controls} true controls",
        apps.len()
    );
    for (config, t) in configs.iter().zip(&tallies) {
        eprintln!(
            "{config:?}\n  taken out: {}/{} recovered, {} false boxes over {} runs; natural \
             misses {}/{} recovered; full runs {} hand boxes, {} false",
            t.deleted_recovered,
            t.deleted,
            t.deletion_false,
            t.deleted,
            t.natural_recovered,
            t.natural_missed,
            t.full_boxes,
            t.full_false
        );
    }
}
