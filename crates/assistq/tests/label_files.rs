//! A label file name that is a folder (or anything but a regular file) is an error naming it,
//! not silently skipped.

use assistq::check::{check_dataset, Severity};

#[test]
fn a_label_file_that_is_a_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("train.json")).unwrap();
    std::fs::create_dir_all(dir.path().join("train")).unwrap();
    let report = check_dataset(dir.path());
    let found = report
        .problems
        .iter()
        .find(|p| p.file.ends_with("train.json"))
        .unwrap_or_else(|| panic!("{:?}", report.problems));
    assert_eq!(found.severity, Severity::Error);
    assert!(found.message.contains("not a regular file"), "{found}");
    assert!(report.has_errors());
}
