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
