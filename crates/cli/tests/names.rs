//! Names read from data files (folder names in a label file, image names in it and in
//! `buttons.csv`) never lead a command outside its folders: `check` reports each one with its file
//! and place, and `encode` refuses them before writing anything outside `--out`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use testkit::tiny_encoders as common;
use testkit::tutorial;

fn pressnext(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressnext"))
        .args(args)
        .current_dir(cwd)
        .env_remove("PRESSNEXT_MODELS")
        .output()
        .expect("run pressnext")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn names_that_leave_their_folder_are_reported_and_nothing_is_written_outside() {
    let tmp = tempfile::tempdir().unwrap();
    // The dataset sits two levels down, so `../..` from a folder stays inside the temp dir,
    // where the test can see whether anything was written there.
    let dir = tmp.path().join("a/b");
    std::fs::create_dir_all(&dir).unwrap();
    tutorial::write_dataset(&dir.join("data"), &["coffee"]);
    let label = dir.join("data/train.json");
    let mut qa: Value = serde_json::from_str(&std::fs::read_to_string(&label).unwrap()).unwrap();
    qa["../../escape"] = qa["coffee"].clone();
    qa["/tmp/absolute"] = qa["coffee"].clone();
    qa["coffee"][0]["images"][1] = "../../../x.jpg".into();
    std::fs::write(&label, qa.to_string()).unwrap();
    let csv = dir.join("data/train/coffee/buttons.csv");
    let mut buttons = std::fs::read_to_string(&csv).unwrap();
    buttons.push_str("button9,1,1,5,5,../secret.jpg,320,240\n");
    std::fs::write(&csv, buttons).unwrap();

    let out = pressnext(&["check", "data"], &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for expected in [
        "folder name `../../escape` is not a plain name",
        "folder name `/tmp/absolute` is not a plain name",
        "coffee[0].images[1]: image name `../../../x.jpg` is not a plain name",
        "buttons.csv:line 4: field 6 (image) `../secret.jpg` is not a plain name",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    assert!(stdout.contains("train.json"), "{stdout}");

    common::install_tiny_models(&dir.join("models"));
    let before = files_under(tmp.path());
    let out = pressnext(
        &[
            "encode",
            "--data",
            "data",
            "--split",
            "train",
            "--label",
            "train.json",
            "--out",
            "enc",
            "--models",
            "models",
            "--device",
            "cpu",
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("train.json") && stderr.contains("is not a plain name"),
        "{stderr}"
    );
    let after: Vec<PathBuf> = files_under(tmp.path())
        .into_iter()
        .filter(|p| !p.starts_with(dir.join("enc")))
        .collect();
    assert_eq!(after, before, "encode wrote outside --out");
}
