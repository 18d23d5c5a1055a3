//! `MODEL.ARCH q2a_grounded`: the evidence of each candidate (`evidence.safetensors`) is read,
//! learned from and used at test time; an encoding without it, or with another width, is a
//! clear error.

mod common;

use std::path::Path;

use candle_core::{Device, Tensor};
use q2a::features::{list_folders, write_evidence, EncodedEvidence, EncodedFolder};
use q2a::progress::NoProgress;
use q2a::train::{train, TrainOptions};

/// Writes evidence for every folder under `root`: column 0 marks the right candidate (or, with
/// `mislead`, the one after it), the others are noise.
fn write_marks(root: &Path, width: usize, mislead: bool) {
    let mut noise = 0x9e3779b9u32;
    let mut next = move || {
        noise ^= noise << 13;
        noise ^= noise >> 17;
        noise ^= noise << 5;
        (noise % 1000) as f32 / 1000.0
    };
    for dir in list_folders(root).unwrap() {
        let folder = EncodedFolder::read(&dir).unwrap();
        let steps = folder
            .qas
            .iter()
            .map(|qa| {
                let correct = qa.entry.correct.as_ref().unwrap();
                qa.entry
                    .answers
                    .iter()
                    .enumerate()
                    .map(|(k, answers)| {
                        let a = answers.len();
                        let right = correct[k] - 1;
                        let marked = if mislead { (right + 1) % a } else { right };
                        let mut rows = Vec::with_capacity(a * width);
                        for c in 0..a {
                            rows.push(if c == marked { 1.0 } else { 0.0 });
                            for _ in 1..width {
                                rows.push(next());
                            }
                        }
                        Tensor::from_vec(rows, (a, width), &Device::Cpu).unwrap()
                    })
                    .collect()
            })
            .collect();
        let evidence = EncodedEvidence {
            names: (0..width).map(|i| format!("f{i}")).collect(),
            version: 1,
            steps,
        };
        write_evidence(&dir, &evidence).unwrap();
    }
}

fn grounded_config(root: &Path, width: usize) -> q2a::config::Config {
    let w = width.to_string();
    common::tiny_config(
        root,
        &[
            "MODEL.ARCH",
            "q2a_grounded",
            "MODEL.EVIDENCE_DIM",
            &w,
            "SOLVER.OPTIMIZER",
            "adam",
            "SOLVER.SCHEDULER",
            "constant",
            "SOLVER.LR",
            "0.001",
            "SOLVER.MAX_EPOCHS",
            "8",
        ],
    )
}

fn recall_at_1(cfg: &q2a::config::Config, ckpt: &Path, root: &Path) -> f64 {
    let (test, _) = q2a::dataset::Dataset::load_detected(root).unwrap();
    let submission = q2a::infer::Predictor::load(cfg, ckpt, &Device::Cpu)
        .unwrap()
        .predict(&test)
        .unwrap();
    let mut acc = assistq::metrics::MetricsAccumulator::default();
    for (folder, preds) in &submission.folders {
        let f = test.folders.iter().find(|f| &f.name == folder).unwrap();
        for (qa, pred) in f.qas.iter().zip(preds) {
            for (scores, &c) in pred.scores.iter().zip(qa.entry.correct.as_ref().unwrap()) {
                acc.add(scores, c - 1);
            }
        }
    }
    acc.finish().unwrap().recall_at_1
}

#[test]
fn the_evidence_is_learned_and_followed() {
    let dir = tempfile::tempdir().unwrap();
    common::write_splits(dir.path(), 4);
    write_marks(&dir.path().join("train"), 3, false);
    write_marks(&dir.path().join("test"), 3, false);
    let cfg = grounded_config(dir.path(), 3);
    let summary = train(&cfg, &Device::Cpu, &TrainOptions::default(), &NoProgress).unwrap();
    let weights = candle_core::safetensors::load(&summary.last, &Device::Cpu).unwrap();
    assert!(
        weights.contains_key("evidence.linear.weight")
            && weights.contains_key("mlp_pre.fc1.weight"),
        "the checkpoint holds Q2A and the evidence MLP"
    );
    let right = recall_at_1(&cfg, &summary.last, &dir.path().join("test"));
    assert!(
        right >= 0.95,
        "R@1 {right} with evidence marking the answer"
    );
    // The same model on the same features, with evidence pointing at a wrong candidate: it
    // follows the evidence, so it was not answering from Q2A's features alone.
    write_marks(&dir.path().join("test"), 3, true);
    let misled = recall_at_1(&cfg, &summary.last, &dir.path().join("test"));
    assert!(misled <= 0.2, "R@1 {misled} with misleading evidence");
}

#[test]
fn missing_or_other_width_evidence_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    common::write_splits(dir.path(), 2);
    let cfg = grounded_config(dir.path(), 3);
    let err = train(&cfg, &Device::Cpu, &TrainOptions::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("evidence.safetensors") && err.contains("pressnext ground --data"),
        "{err}"
    );
    write_marks(&dir.path().join("train"), 4, false);
    write_marks(&dir.path().join("test"), 4, false);
    let err = train(&cfg, &Device::Cpu, &TrainOptions::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("MODEL.EVIDENCE_DIM is 3"), "{err}");
}

#[test]
fn evidence_of_the_wrong_shape_is_an_error_naming_the_file_and_tensor() {
    let dir = tempfile::tempdir().unwrap();
    common::write_splits(dir.path(), 1);
    let folder = list_folders(&dir.path().join("train")).unwrap().remove(0);
    let f = EncodedFolder::read(&folder).unwrap();
    let steps = f
        .qas
        .iter()
        .map(|qa| {
            qa.steps
                .iter()
                .map(|_| Tensor::zeros((1, 2), candle_core::DType::F32, &Device::Cpu).unwrap())
                .collect()
        })
        .collect();
    write_evidence(
        &folder,
        &EncodedEvidence {
            names: vec!["a".into(), "b".into()],
            version: 1,
            steps,
        },
    )
    .unwrap();
    let err = EncodedFolder::read(&folder).unwrap_err().to_string();
    assert!(
        err.contains("evidence.safetensors") && err.contains("`q0.s0`"),
        "{err}"
    );
    // Writing the folder again without evidence removes the stale file.
    let mut clean = f.clone();
    clean.evidence = None;
    clean.write(&folder).unwrap();
    assert!(!folder.join("evidence.safetensors").exists());
}
