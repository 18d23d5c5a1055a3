//! End-to-end tests of the generator: a small dataset is made once (3 appliances, 20-24 s
//! videos) and checked for format (the project's own checker), split, determinism, video
//! decoding, button boxes and the agreement between QAs, script and video; the demo pack is
//! made once and its camera clip measured.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assistq::buttons::Buttons;
use assistq::check::check_dataset;
use assistq::qa::QaFile;
use assistq::script::Script;
use synth::{generate, NoProgress, Split, Summary, SynthOptions};

struct Generated {
    _dir: tempfile::TempDir,
    root: PathBuf,
    summary: Summary,
}

fn options(out: &Path, seed: u64) -> SynthOptions {
    SynthOptions {
        video_seconds: (20, 24),
        video_size: (320, 180),
        ..SynthOptions::new(out, 3, seed)
    }
}

fn dataset() -> &'static Generated {
    static DATA: OnceLock<Generated> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        let summary = generate(&options(&root, 11), &NoProgress).unwrap();
        Generated {
            _dir: dir,
            root,
            summary,
        }
    })
}

/// Every file under `root`, by relative path, with its bytes.
fn all_files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn subdirs(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_checker_accepts_everything_without_a_warning() {
    let data = dataset();
    let report = check_dataset(&data.root);
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(report.folders_checked, 3);
    assert!(report.questions_checked > 0);
}

#[test]
fn split_is_by_appliance_and_test_files_differ_only_in_ground_truth() {
    let data = dataset();
    let train = QaFile::read(&data.root.join("train.json")).unwrap();
    let with_gt = QaFile::read(&data.root.join("test_with_gt.json")).unwrap();
    let without_gt = QaFile::read(&data.root.join("test_without_gt.json")).unwrap();
    let names = |f: &QaFile| {
        let mut v: Vec<String> = f.folders.iter().map(|(n, _)| n.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(names(&train), subdirs(&data.root.join("train")));
    assert_eq!(names(&with_gt), subdirs(&data.root.join("test")));
    assert_eq!(names(&without_gt), names(&with_gt));
    assert!(!train.folders.is_empty() && !with_gt.folders.is_empty());
    for name in names(&train) {
        assert!(!names(&with_gt).contains(&name), "{name} is in both splits");
    }
    for ((_, a), (_, b)) in with_gt.folders.iter().zip(&without_gt.folders) {
        for (qa, qb) in a.iter().zip(b) {
            assert!(qa.correct.is_some() && qb.correct.is_none());
            assert_eq!(
                (&qa.question, &qa.answers, &qa.images),
                (&qb.question, &qb.answers, &qb.images)
            );
        }
    }
    for a in &data.summary.appliances {
        let dir = data.root.join(a.split.dir_name()).join(&a.folder);
        assert!(dir.join("video.mp4").is_file(), "{}", dir.display());
        assert!(dir.join(format!("images/{}-user.jpg", a.kind)).is_file());
    }
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_does_not() {
    let data = dataset();
    let dir = tempfile::tempdir().unwrap();
    let again = dir.path().join("again");
    // One thread this time: the output must not depend on the schedule either.
    let opts = SynthOptions {
        threads: 1,
        ..options(&again, 11)
    };
    generate(&opts, &NoProgress).unwrap();
    let first = all_files(&data.root);
    let second = all_files(&again);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(bytes == &second[path], "{} differs", path.display());
    }

    // A different seed: different appliances (planning alone shows it; no need to render).
    let other = dir.path().join("other");
    let opts = SynthOptions {
        appliances: 1,
        ..options(&other, 12)
    };
    generate(&opts, &NoProgress).unwrap();
    let third = all_files(&other);
    assert!(third
        .keys()
        .all(|k| !first.contains_key(k) || third[k] != first[k]));
}

#[test]
fn videos_decode_at_30_fps_with_the_planned_duration() {
    let data = dataset();
    for a in &data.summary.appliances {
        let path = data
            .root
            .join(a.split.dir_name())
            .join(&a.folder)
            .join("video.mp4");
        let video = media::sample_frames(&path, 1.0).unwrap();
        assert_eq!(video.info.fps, 30.0, "{}", path.display());
        assert_eq!((video.info.width, video.info.height), (320, 180));
        let duration = video.info.duration.expect("mp4 has a duration");
        assert!(
            (duration - a.video_seconds as f64).abs() < 0.1,
            "{duration} vs {}",
            a.video_seconds
        );
        assert!((20..=24).contains(&a.video_seconds));
        assert_eq!(video.frames.len(), a.video_seconds as usize);
    }
}

#[test]
fn every_answer_names_a_button_whose_box_lies_inside_the_photo() {
    let data = dataset();
    for split in [("train.json", "train"), ("test_with_gt.json", "test")] {
        let file = QaFile::read(&data.root.join(split.0)).unwrap();
        for (folder, qas) in &file.folders {
            let dir = data.root.join(split.1).join(folder);
            let buttons = Buttons::read(&dir.join("buttons.csv")).unwrap();
            for b in &buttons.buttons {
                let (w, h) = image::image_dimensions(dir.join("images").join(&b.image)).unwrap();
                assert_eq!((b.image_width, b.image_height), (w as i64, h as i64));
                assert!(b.x >= 0 && b.y >= 0 && b.w > 4 && b.h > 4, "{b:?}");
                assert!(b.x + b.w <= w as i64 && b.y + b.h <= h as i64, "{b:?}");
            }
            for qa in qas {
                assert_eq!(qa.answers.len(), qa.images.len());
                for step in &qa.answers {
                    assert!((5..=15).contains(&step.len()), "{} candidates", step.len());
                    for answer in step {
                        let names: Vec<&str> = answer
                            .split('<')
                            .skip(1)
                            .map(|s| s.split('>').next().unwrap())
                            .collect();
                        assert_eq!(names.len(), 1, "{answer}");
                        assert!(
                            buttons.buttons.iter().any(|b| b.name == names[0]),
                            "{answer} names no button of {folder}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn right_answers_act_on_the_controls_the_script_and_video_act_on() {
    let data = dataset();
    let mut checked = 0;
    for a in &data.summary.appliances {
        let label_file = if a.split == Split::Train {
            "train.json"
        } else {
            "test_with_gt.json"
        };
        let file = QaFile::read(&data.root.join(label_file)).unwrap();
        let qas = file.get(&a.folder).unwrap();
        let dir = data.root.join(a.split.dir_name()).join(&a.folder);
        let script = Script::read(&dir.join("script.txt")).unwrap();
        for (qa, info) in qas.iter().zip(&a.questions) {
            assert_eq!(qa.question, info.question);
            let Some(f) = info.video_function else {
                continue;
            };
            let steps: Vec<_> = a.steps.iter().filter(|s| s.function == f).collect();
            let correct = qa.correct.as_ref().unwrap();
            assert_eq!(steps.len(), qa.answers.len());
            for ((step, candidates), &c) in steps.iter().zip(&qa.answers).zip(correct) {
                let right = &candidates[c - 1];
                assert_eq!(right, &step.answer);
                assert!(right.contains(&format!("<{}>", step.button)));
                // The narration line of this step carries exactly the step's time span, and
                // the action happens inside it.
                let line = script
                    .lines
                    .iter()
                    .find(|l| l.start == step.start as f64)
                    .unwrap_or_else(|| panic!("no script line at {}s in {}", step.start, a.folder));
                assert_eq!(line.end, step.end as f64);
                assert!(step.act_start >= step.start as f64 && step.act_end <= step.end as f64);
                checked += 1;
            }
        }
        assert!(script.lines.windows(2).all(|w| w[0].start <= w[1].start));
        assert!(script.lines.last().unwrap().end <= a.video_seconds as f64);
    }
    assert!(checked > 0);
}

#[test]
fn demo_pack_is_small_valid_and_its_camera_clip_lasts_20_to_40_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let pack = synth::demo_pack(dir.path().join("demo"), 5).unwrap();
    let report = check_dataset(&pack.root);
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let info = media::probe(&pack.camera).unwrap();
    let seconds = info.duration.unwrap();
    assert!((20.0..=40.0).contains(&seconds), "{seconds}");
    assert_eq!(info.fps, 30.0);
    let bytes: u64 = all_files(&pack.root).values().map(|b| b.len() as u64).sum();
    assert!(bytes < 12_000_000, "{bytes} bytes");
    let file = QaFile::read(&pack.root.join("test_with_gt.json")).unwrap();
    assert!(file.folders[0]
        .1
        .iter()
        .any(|q| q.question == pack.question));
}

#[test]
fn kinds_restricts_the_appliances_and_an_unknown_kind_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("kinds");
    let opts = SynthOptions {
        video_size: (160, 90),
        video_seconds: (20, 20),
        kinds: vec!["printer".into(), "kettle".into()],
        ..SynthOptions::new(&out, 4, 3)
    };
    let summary = generate(&opts, &NoProgress).unwrap();
    let mut kinds: Vec<&str> = summary
        .appliances
        .iter()
        .map(|a| a.folder.rsplit_once('_').unwrap().0)
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["kettle", "kettle", "printer", "printer"]);

    let refused = dir.path().join("refused");
    let opts = SynthOptions {
        kinds: vec!["kettle".into(), "toaster".into()],
        ..SynthOptions::new(&refused, 2, 3)
    };
    let err = generate(&opts, &NoProgress).unwrap_err().to_string();
    assert!(
        err.contains("\"toaster\"") && err.contains("kettle"),
        "{err}"
    );
    assert!(!refused.exists() || std::fs::read_dir(&refused).unwrap().next().is_none());
}

#[test]
fn the_harder_generator_is_valid_and_its_truth_says_how_each_line_names_its_control() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("harder");
    let opts = SynthOptions {
        harder: true,
        ..SynthOptions::new(&root, 4, 21)
    };
    let opts = SynthOptions {
        video_seconds: (30, 40),
        video_size: (320, 180),
        ..opts
    };
    generate(&opts, &NoProgress).unwrap();
    let report = check_dataset(&root);
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");

    let known = synth::script::NAMINGS;
    let mut namings = std::collections::BTreeSet::new();
    let mut unprinted = 0;
    let mut hovers = 0;
    for split in ["train", "test"] {
        for folder in subdirs(&root.join(split)) {
            let truth = synth::read_truth(&root.join(split).join(&folder)).unwrap();
            assert_eq!(truth["harder"], true, "{folder}");
            assert!(truth["filming"]["pointer"].is_string(), "{folder}");
            let controls = truth["controls"].as_array().unwrap();
            for c in controls {
                if c["label"].is_null() {
                    // An icon-only key: a symbol and nothing printed.
                    unprinted += 1;
                    assert!(c["icon"].is_string(), "{folder}: {c}");
                    assert_eq!(c["label_placement"], "none");
                }
            }
            for line in truth["lines"].as_array().unwrap() {
                let naming = line["naming"].as_str().unwrap();
                assert!(known.contains(&naming), "{folder}: {line}");
                assert_eq!(
                    naming == "none",
                    line["button"].is_null(),
                    "{folder}: {line}"
                );
                if let Some(button) = line["button"].as_str() {
                    let control = controls.iter().find(|c| c["button"] == button).unwrap();
                    // A key with no printed label is never named by it.
                    if control["label"].is_null() {
                        assert!(!["label", "shared label"].contains(&naming), "{line}");
                    }
                }
                namings.insert(naming.to_string());
                // A hover over another control comes before the act, inside the line's time.
                if !line["hover"].is_null() {
                    hovers += 1;
                    let h = &line["hover"];
                    assert_ne!(h["button"], line["button"], "{folder}: {line}");
                    let (hs, he) = (h["start"].as_f64().unwrap(), h["end"].as_f64().unwrap());
                    let act_start = line["act_start"].as_f64().unwrap();
                    let act_end = line["act_end"].as_f64().unwrap();
                    let (start, end) = (
                        line["start"].as_f64().unwrap(),
                        line["end"].as_f64().unwrap(),
                    );
                    assert!(start < hs && hs < he && he < act_start, "{folder}: {line}");
                    assert!(act_end <= end, "{folder}: {line}");
                }
            }
        }
    }
    assert!(unprinted > 0, "no icon-only key in 4 harder appliances");
    assert!(hovers > 0, "no hover in 4 harder appliances");
    for want in ["icon", "two controls"] {
        assert!(
            namings.contains(want),
            "no line named by {want}: {namings:?}"
        );
    }
}
