//! A run killed between any two of its writes resumes: the files a kill can leave (a metrics line
//! without its checkpoint, a checkpoint without its line, a torn line, temp files of an
//! interrupted write, metrics of a run that never committed a checkpoint) are brought back to one
//! metrics line per completed epoch, and the resumed run ends with the uninterrupted run's
//! weights and epochs.

mod common;

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use q2a::progress::NoProgress;
use q2a::train::{train, TrainOptions, LAST, METRICS};

fn weights(path: &Path) -> HashMap<String, Vec<f32>> {
    candle_core::safetensors::load(path, &Device::Cpu)
        .unwrap()
        .into_iter()
        .map(|(k, t): (String, Tensor)| (k, t.flatten_all().unwrap().to_vec1().unwrap()))
        .collect()
}

/// The epochs and losses of a metrics file, in file order.
fn epochs(path: &Path) -> Vec<(u64, f64)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["epoch"].as_u64().unwrap(),
                v["train_loss"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn run(root: &Path, out: &str, epochs: usize, resume: bool) -> q2a::train::TrainSummary {
    let out = root.join(out).display().to_string();
    let e = epochs.to_string();
    // A constant rate, so that a run of 2 epochs continued to 3 is the 3-epoch run (a warm-up
    // and cosine schedule depends on the number of epochs).
    let cfg = common::tiny_config(
        root,
        &[
            "OUTPUT_DIR",
            &out,
            "SOLVER.MAX_EPOCHS",
            &e,
            "SOLVER.SCHEDULER",
            "constant",
        ],
    );
    let opts = TrainOptions {
        resume,
        ..Default::default()
    };
    train(&cfg, &Device::Cpu, &opts, &NoProgress).unwrap()
}

#[test]
fn every_kill_point_of_an_epoch_resumes_to_the_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::write_splits(root, 4);
    let full = run(root, "full", 3, false);
    let want = epochs(&full.output_dir.join(METRICS));
    assert_eq!(want.iter().map(|e| e.0).collect::<Vec<_>>(), [0, 1, 2]);

    // Each case: a run of 2 epochs, then the files as a kill at one point would leave them.
    type Damage = fn(&Path);
    let cases: [(&str, Damage); 5] = [
        (
            "killed after the checkpoint, before its metrics line",
            |out| {
                let text = std::fs::read_to_string(out.join(METRICS)).unwrap();
                let first = text.lines().next().unwrap();
                std::fs::write(out.join(METRICS), format!("{first}\n")).unwrap();
            },
        ),
        ("a torn metrics line", |out| {
            let mut text = std::fs::read_to_string(out.join(METRICS)).unwrap();
            text.push_str("{\"epoch\": 2, \"lr\": 0.");
            std::fs::write(out.join(METRICS), text).unwrap();
        }),
        (
            "a line of an epoch the checkpoint does not have, and a line twice",
            |out| {
                let text = std::fs::read_to_string(out.join(METRICS)).unwrap();
                let first = text.lines().next().unwrap().to_string();
                let later = first.replace("\"epoch\":0", "\"epoch\":2");
                std::fs::write(out.join(METRICS), format!("{text}{first}\n{later}\n")).unwrap();
            },
        ),
        ("temp files of interrupted writes", |out| {
            std::fs::write(out.join(".last.safetensors.tmp.4194999.0"), b"half").unwrap();
            std::fs::write(out.join(".metrics.jsonl.tmp.4194999.1"), b"half").unwrap();
        }),
        ("nothing damaged", |_| {}),
    ];
    for (i, (what, damage)) in cases.iter().enumerate() {
        let name = format!("cut{i}");
        let cut = run(root, &name, 2, false);
        damage(&cut.output_dir);
        let resumed = run(root, &name, 3, true);
        assert_eq!(
            weights(&resumed.last),
            weights(&full.last),
            "{what}: the resumed weights"
        );
        let got = epochs(&resumed.output_dir.join(METRICS));
        assert_eq!(
            got.iter().map(|e| e.0).collect::<Vec<_>>(),
            [0, 1, 2],
            "{what}: one line per epoch"
        );
        for ((_, a), (_, b)) in got.iter().zip(&want) {
            assert!((a - b).abs() < 1e-9, "{what}: losses {got:?} vs {want:?}");
        }
        let stale: Vec<_> = std::fs::read_dir(&resumed.output_dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
            .collect();
        assert!(stale.is_empty(), "{what}: temp files left: {stale:?}");
    }
}

#[test]
fn a_run_killed_before_its_first_checkpoint_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::write_splits(root, 4);
    let first = run(root, "run", 1, false);
    // As an older version could leave it: the metrics line written, the checkpoint not.
    std::fs::remove_file(first.output_dir.join(LAST)).unwrap();
    let again = run(root, "run", 1, false);
    assert_eq!(epochs(&again.output_dir.join(METRICS)).len(), 1);
    assert_eq!(weights(&again.last), weights(&first.last));
}
