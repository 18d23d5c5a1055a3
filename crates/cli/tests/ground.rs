//! `pressnext ground` and `pressnext bench-grounding` end to end on the demo pack (made by
//! `scripts/demo_pack.sh`, with the generator's `synth_truth.json`) and the real OCR models: the
//! JSON contract, agreement with the generator's truth, and what happens without a video or
//! without any readable label.

use std::path::Path;
use std::process::Output;

use testkit::repo::{demo_folder, repo};

fn pressnext(args: &[&str]) -> Output {
    testkit::repo::run(env!("CARGO_BIN_EXE_pressnext"), args)
}

fn ground_json(folder: &Path) -> serde_json::Value {
    let out = pressnext(&["ground", "--pack", folder.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("images")).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    for entry in std::fs::read_dir(from.join("images")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, to.join("images").join(p.file_name().unwrap())).unwrap();
    }
}

#[test]
fn the_demo_pack_grounds_as_the_generator_made_it() {
    let folder = demo_folder();
    let v = ground_json(&repo().join("demo/pack"));
    assert_eq!(v["version"], grounding::VERSION);
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("synth_truth.json")).unwrap())
            .unwrap();
    let lines = v["lines"].as_array().unwrap();
    let want = truth["lines"].as_array().unwrap();
    assert_eq!(lines.len(), want.len());
    let mut right = 0;
    let mut controls = 0;
    for (got, want) in lines.iter().zip(want) {
        assert_eq!(got["line"], want["line"]);
        match want["button"].as_str() {
            None => assert_eq!(got["about"], "none", "{got}"),
            Some(b) => {
                controls += 1;
                right += usize::from(got["about"] == "control" && got["button"] == b);
                assert_eq!(got["action"]["kind"], want["action"]["kind"], "{got}");
                if want["action"]["kind"] == "turn" {
                    assert_eq!(
                        got["action"]["direction"], want["action"]["direction"],
                        "{got}"
                    );
                    assert_eq!(got["action"]["to"], want["action"]["to"], "{got}");
                }
            }
        }
    }
    assert!(
        controls >= 5 && right == controls,
        "{right} of {controls} lines on the right control"
    );
    assert!(
        v["video_registered"].as_f64().unwrap() > 0.9,
        "{}",
        v["video_registered"]
    );
    for c in v["controls"].as_array().unwrap() {
        assert!(c["button"].as_str().unwrap().starts_with("button"));
        assert_eq!(c["rect"].as_array().unwrap().len(), 4);
    }
}

#[test]
fn without_a_video_it_says_why_and_still_reads_the_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("appliance");
    copy_folder(&demo_folder(), &folder);
    std::fs::remove_file(folder.join("video.mp4")).unwrap();
    let v = ground_json(&folder);
    assert!(v["video_registered"].is_null());
    assert!(
        v["video_problem"].as_str().unwrap().contains("no video"),
        "{}",
        v["video_problem"]
    );
    let grounded = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["about"] == "control" && l["moment"].is_null())
        .count();
    assert!(grounded >= 5, "{v}");
}

#[test]
fn with_nothing_to_go_on_a_line_is_unknown_not_a_guess() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("appliance");
    copy_folder(&demo_folder(), &folder);
    std::fs::remove_file(folder.join("video.mp4")).unwrap();
    // A photo of the same size with no text on it.
    let photo = std::fs::read_dir(folder.join("images"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let (w, h) = image::image_dimensions(&photo).unwrap();
    image::RgbImage::from_pixel(w, h, image::Rgb([128, 128, 128]))
        .save(&photo)
        .unwrap();
    let v = ground_json(&folder);
    for l in v["lines"].as_array().unwrap() {
        assert_ne!(l["about"], "control", "{l}");
        if !l["action"].is_null() {
            assert_eq!(l["about"], "unknown", "{l}");
            assert!(l["button"].is_null());
        }
    }
}

#[test]
fn bench_grounding_reports_each_cue_and_the_fusion() {
    let out = pressnext(&[
        "bench-grounding",
        "--data",
        "demo/pack",
        "--split",
        "test",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let systems: Vec<&str> = v["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["system"].as_str().unwrap())
        .collect();
    assert_eq!(
        systems,
        [
            "labels only",
            "video only",
            "layout only",
            "video: change only",
            "video: hands only",
            "fused without hands",
            "fused"
        ]
    );
    let fused = &v["systems"][6];
    assert_eq!(fused["control_accuracy"], 1.0, "{v}");
    // The fused accuracy by action and by how the lines name their controls (the truth file's
    // `naming`; the words for a version 1 truth file), each over the same lines.
    let lines = fused["control_lines"].as_u64().unwrap();
    for group in ["fused_per_action", "fused_per_naming"] {
        let rows = v[group]
            .as_object()
            .unwrap_or_else(|| panic!("{group}: {v}"));
        let total: u64 = rows.values().map(|r| r["lines"].as_u64().unwrap()).sum();
        assert_eq!(total, lines, "{group}: {v}");
    }
    assert!(
        v["fused_per_action"]["press"]["lines"].as_u64().unwrap() >= 1,
        "{v}"
    );
    // The generator's namings of a control (a line about none is not scored), and `other`.
    let namings: Vec<&str> = synth::script::NAMINGS
        .into_iter()
        .filter(|n| *n != "none")
        .chain(["other"])
        .collect();
    for naming in v["fused_per_naming"].as_object().unwrap().keys() {
        assert!(namings.contains(&naming.as_str()), "{naming}: {v}");
    }
    assert!(v["ocr_label_accuracy"].as_f64().unwrap() >= 0.75, "{v}");
    // The hand models see the demo tutorial's finger: its fingertip lands in the operated box at
    // the middle of some acts, and the hands alone point at the right control for some lines.
    let tips = &v["fingertip_in_box"]["all"];
    assert!(tips["lines"].as_u64().unwrap() >= 5, "{v}");
    assert!(tips["accuracy"].as_f64().unwrap() > 0.0, "{v}");
    assert!(
        v["systems"][4]["control_accuracy"].as_f64().unwrap() > 0.3,
        "{v}"
    );
}

#[test]
fn a_folder_without_an_appliance_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = pressnext(&["ground", "--pack", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no appliance folder"), "{stderr}");
}

#[test]
fn ground_data_writes_timelines_next_to_the_features_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("encoded");
    let args = [
        "ground",
        "--data",
        "demo/pack",
        "--split",
        "test",
        "--label",
        "test_with_gt.json",
        "--out",
        out.to_str().unwrap(),
    ];
    let first = pressnext(&args);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        stdout.contains("1 grounded, 0 up to date, 0 failed"),
        "{stdout}"
    );
    let folder = demo_folder();
    let written = out.join(folder.file_name().unwrap()).join("timeline.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&written).unwrap()).unwrap();
    assert_eq!(v["version"], grounding::VERSION);
    assert_eq!(v, ground_json(&folder));
    let second = pressnext(&args);
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 grounded, 1 up to date"));
    // A timeline of another version is recomputed.
    std::fs::write(&written, r#"{"version": 0}"#).unwrap();
    let third = pressnext(&args);
    assert!(String::from_utf8_lossy(&third.stdout).contains("1 grounded, 0 up to date"));
}

#[test]
fn ground_data_writes_the_evidence_of_every_listed_candidate_of_an_encoded_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("encoded");
    let encode = pressnext(&[
        "encode",
        "--data",
        "demo/pack",
        "--split",
        "test",
        "--label",
        "test_with_gt.json",
        "--out",
        out.to_str().unwrap(),
        "--button-view",
        "crop",
    ]);
    assert!(
        encode.status.success(),
        "{}",
        String::from_utf8_lossy(&encode.stderr)
    );
    let args = [
        "ground",
        "--data",
        "demo/pack",
        "--split",
        "test",
        "--label",
        "test_with_gt.json",
        "--out",
        out.to_str().unwrap(),
    ];
    let first = pressnext(&args);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(stdout.contains("grounded, evidence written"), "{stdout}");
    let dir = out.join(demo_folder().file_name().unwrap());
    let folder = q2a::features::EncodedFolder::read(&dir).unwrap();
    let evidence = folder.evidence.as_ref().expect("evidence.safetensors");
    assert_eq!(evidence.names, grounding::evidence::names());
    assert_eq!(evidence.version, grounding::evidence::VERSION);
    // The evidence says what the timeline says: on the demo pack (every listed step right from
    // the timeline) the right candidate has the best part's highest control probability plus
    // action agreement.
    let (p, a) = (
        evidence
            .names
            .iter()
            .position(|n| n == "part1.control_probability")
            .unwrap(),
        evidence
            .names
            .iter()
            .position(|n| n == "part1.action_agreement")
            .unwrap(),
    );
    let mut steps = 0;
    for (qa, per_step) in folder.qas.iter().zip(&evidence.steps) {
        let correct = qa.entry.correct.as_ref().unwrap();
        for (k, t) in per_step.iter().enumerate() {
            let rows: Vec<Vec<f32>> = t.to_vec2().unwrap();
            let score = |r: &Vec<f32>| r[p] + 0.5 * r[a];
            let right = score(&rows[correct[k] - 1]);
            assert!(
                rows.iter()
                    .enumerate()
                    .all(|(c, r)| c == correct[k] - 1 || score(r) < right),
                "{:?} step {k}: {rows:?}",
                qa.entry.question
            );
            steps += 1;
        }
    }
    assert!(steps >= 5, "{steps} steps");
    // Up to date the second time; the evidence alone is written again when it is missing.
    let second = pressnext(&args);
    assert!(String::from_utf8_lossy(&second.stdout).contains("0 grounded, 1 up to date"));
    std::fs::remove_file(dir.join("evidence.safetensors")).unwrap();
    let third = pressnext(&args);
    let stdout = String::from_utf8_lossy(&third.stdout);
    assert!(
        stdout.contains(": evidence written") && stdout.contains("1 grounded, 0 up to date"),
        "{stdout}"
    );
}
