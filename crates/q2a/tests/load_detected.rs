//! `Dataset::load_detected`: an encoded split whose shapes are read from its first folder, and
//! clear errors (not panics) for a root without folders.

mod common;

use q2a::dataset::Dataset;

#[test]
fn shapes_are_detected_from_the_first_folder() {
    let dir = tempfile::tempdir().unwrap();
    common::write_splits(dir.path(), 12);
    let root = dir.path().join("test");
    let (detected, num_masks) = Dataset::load_detected(&root).unwrap();
    assert_eq!(num_masks, 1);
    let known = Dataset::load(&root, 16, 1).unwrap();
    assert_eq!(detected.len(), known.len());
    assert_eq!(detected.candidates_per_step(), known.candidates_per_step());
}

#[test]
fn a_root_without_encoded_folders_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = Dataset::load_detected(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains(&dir.path().display().to_string()) && err.contains("no encoded folders"),
        "{err}"
    );
}

#[test]
fn synthetic_sizes_of_zero_or_beyond_the_bounds_are_refused_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    for (name, set) in [
        (
            "--dim",
            (|s| s.dim = 0) as fn(&mut q2a::synthetic::SyntheticSpec),
        ),
        ("--dim", |s| s.dim = q2a::synthetic::MAX_DIM + 1),
        ("--folders", |s| s.folders = 0),
        ("--questions", |s| s.questions_per_folder = usize::MAX),
    ] {
        let mut spec = common::tiny_spec(1, 1);
        set(&mut spec);
        let err = q2a::synthetic::write(dir.path(), &spec)
            .unwrap_err()
            .to_string();
        assert!(err.contains(name), "{name}: {err}");
    }
    // Nothing was written for a refused spec.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn zero_wide_features_are_an_error_naming_the_file_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    common::write_splits(dir.path(), 1);
    let root = dir.path().join("test");
    let folder = q2a::features::list_folders(&root).unwrap()[0].clone();
    let video = folder.join(q2a::features::VIDEO_FILE);
    let zero =
        candle_core::Tensor::zeros((3, 0), candle_core::DType::F32, &candle_core::Device::Cpu)
            .unwrap();
    let stamps = candle_core::Tensor::new(&[0f32, 1.0, 2.0], &candle_core::Device::Cpu).unwrap();
    candle_core::safetensors::save(
        &std::collections::HashMap::from([
            ("features".to_string(), zero),
            ("timestamps".to_string(), stamps),
        ]),
        &video,
    )
    .unwrap();
    for err in [
        Dataset::load_detected(&root).unwrap_err().to_string(),
        Dataset::load(&root, 16, 1).unwrap_err().to_string(),
    ] {
        assert!(
            err.contains("0 wide") && err.contains(q2a::features::VIDEO_FILE),
            "{err}"
        );
    }
}
