//! `pressnext encode`, `models verify` and `embed-*` end to end, with tiny random encoders
//! installed as a models root (so they run without the real weights): exit codes, the summary,
//! a bad folder skipped, resuming, and errors that name the file and the fix.

use std::path::Path;
use std::process::{Command, Output};

use testkit::tutorial;

use testkit::tiny_encoders as common;

fn pressnext(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressnext"))
        .args(args)
        .current_dir(cwd)
        .env_remove("PRESSNEXT_MODELS")
        .output()
        .expect("run pressnext")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn encode_reports_skips_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::install_tiny_models(&dir.join("models"));
    tutorial::write_dataset(&dir.join("data"), &["coffee", "broken", "fryer"]);
    std::fs::remove_file(dir.join("data/train/broken/script.txt")).unwrap();
    let args = [
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
    ];
    let out = pressnext(&args, dir);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("2 folders encoded, 0 already up to date, 1 failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("failed: broken:") && stdout.contains("script.txt"),
        "{stdout}"
    );
    for name in ["coffee", "fryer"] {
        let folder = q2a::features::EncodedFolder::read(&dir.join("enc").join(name)).unwrap();
        assert_eq!(folder.video.dims(), [tutorial::VIDEO_SECONDS, 32]);
    }

    // Repaired: only the broken folder is encoded; JSON events and summary.
    std::fs::write(dir.join("data/train/broken/script.txt"), tutorial::SCRIPT).unwrap();
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = pressnext(&json_args, dir);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["event"], "started");
    assert_eq!(lines[0]["folders"], 3);
    let summary = lines.last().unwrap();
    assert_eq!(summary["encoded"], 1);
    assert_eq!(summary["skipped"], 2);
    assert_eq!(summary["failed"].as_array().unwrap().len(), 0);
    assert!(stderr.contains("device: cpu"), "{stderr}");
}

#[test]
fn missing_or_corrupt_weights_name_the_file_and_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    tutorial::write_dataset(&dir.join("data"), &["kettle"]);
    let args = [
        "encode", "--data", "data", "--out", "enc", "--models", "models",
    ];
    let out = pressnext(&args, dir);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("manifest.json") && stderr.contains("fix: bash scripts/setup.sh"),
        "{stderr}"
    );

    common::install_tiny_models(&dir.join("models"));
    let out = pressnext(&["models", "verify", "--models", "models"], dir);
    let (stdout, stderr) = text(&out);
    // Both encoders verify; the install is still incomplete without the OCR, speech and hand models.
    assert!(
        stdout.contains("text") && stdout.contains("image"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("no ocr, speech, hands model installed")
            && stderr.contains("fix: bash scripts/setup.sh"),
        "{stderr}"
    );

    let weights = dir.join("models/dinov2-vits14/model.safetensors");
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&weights, bytes).unwrap();
    let out = pressnext(&["models", "verify", "--models", "models"], dir);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("dinov2-vits14/model.safetensors") && stderr.contains("sha256"),
        "{stderr}"
    );
    let out = pressnext(&args, dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("model.safetensors"));
    assert!(!dir.join("enc/kettle").exists());
}

#[test]
fn embed_commands_print_unit_vectors_of_the_model_width() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::install_tiny_models(&dir.join("models"));
    let out = pressnext(
        &[
            "embed-text",
            "press the button",
            "set timer",
            "--json",
            "--models",
            "models",
        ],
        dir,
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let items: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["input"], "set timer");
    let v: Vec<f64> = items[0]["embedding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert_eq!(v.len(), 32);
    assert!((v.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-4);
    // No GPU in this build or machine: auto says it chose the CPU and why.
    assert!(stderr.contains("device: cpu (auto"), "{stderr}");

    tutorial::user_image().save(dir.join("panel.png")).unwrap();
    let out = pressnext(
        &[
            "embed-image",
            "panel.png",
            "missing.png",
            "--json",
            "--models",
            "models",
        ],
        dir,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("missing.png"));
    let out = pressnext(
        &["embed-image", "panel.png", "--json", "--models", "models"],
        dir,
    );
    let items: Vec<serde_json::Value> = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(items[0]["embedding"].as_array().unwrap().len(), 32);
}
