//! Small synthetic encoded datasets for engine tests.

#![allow(dead_code)]

use std::path::Path;

use q2a::config::Config;
use q2a::synthetic::SyntheticSpec;

pub fn tiny_spec(seed: u64, folders: usize) -> SyntheticSpec {
    SyntheticSpec::tiny(seed, folders)
}

/// Writes a train split (`folders` folders) and a test split (3 folders) under `root`.
pub fn write_splits(root: &Path, folders: usize) {
    q2a::synthetic::write(&root.join("train"), &tiny_spec(11, folders)).unwrap();
    q2a::synthetic::write(&root.join("test"), &tiny_spec(12, 3)).unwrap();
}

pub fn tiny_config(root: &Path, extra: &[&str]) -> Config {
    let mut overrides: Vec<String> = [
        "DATASET.TRAIN",
        &root.join("train").display().to_string(),
        "DATASET.VAL",
        &root.join("test").display().to_string(),
        "INPUT.DIM",
        "16",
        "MODEL.DIM_STATE",
        "16",
        "MODEL.NUM_HEADS",
        "2",
        "SOLVER.BATCH_SIZE",
        "4",
        "SOLVER.MAX_EPOCHS",
        "3",
        "SOLVER.LR",
        "0.05",
        "OUTPUT_DIR",
        &root.join("run").display().to_string(),
        "DEVICE",
        "cpu",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    overrides.extend(extra.iter().map(|s| s.to_string()));
    Config::from_yaml("", &overrides, "test").unwrap()
}
