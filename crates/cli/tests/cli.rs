//! End-to-end tests of the `pressnext` binary: the commands, their outputs, exit codes and errors.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn pressnext(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressnext"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run pressnext")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(path: &Path, content: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

const TINY: &[&str] = &[
    "INPUT.DIM",
    "16",
    "MODEL.DIM_STATE",
    "16",
    "SOLVER.BATCH_SIZE",
    "4",
    "SOLVER.MAX_EPOCHS",
    "2",
    "SOLVER.LR",
    "0.05",
    "DATASET.TRAIN",
    "enc/train",
    "DATASET.VAL",
    "enc/test",
    "OUTPUT_DIR",
    "run",
    "DEVICE",
    "cpu",
];

/// The encoded split's labels as an AssistQ ground-truth JSON.
fn ground_truth_of(encoded: &Path) -> Value {
    let mut gt = serde_json::Map::new();
    let mut dirs: Vec<_> = std::fs::read_dir(encoded)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let qas: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("qa.json")).unwrap()).unwrap();
        let qas: Vec<Value> = qas
            .as_array()
            .unwrap()
            .iter()
            .map(|q| serde_json::json!({"question": q["question"], "answers": q["answers"], "correct": q["correct"], "images": q["images"]}))
            .collect();
        gt.insert(
            dir.file_name().unwrap().to_string_lossy().into_owned(),
            Value::Array(qas),
        );
    }
    Value::Object(gt)
}

#[test]
fn train_infer_eval_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (split, seed, folders) in [("train", "1", "4"), ("test", "2", "2")] {
        let out = pressnext(
            &[
                "synth-features",
                "--out",
                &format!("enc/{split}"),
                "--dim",
                "16",
                "--folders",
                folders,
                "--seed",
                seed,
            ],
            d,
        );
        assert!(out.status.success(), "{:?}", text(&out));
    }
    write(&d.join("cfg.yaml"), "MODEL:\n  HISTORY:\n    ARCH: gru\n");
    let mut args = vec!["train", "--cfg", "cfg.yaml"];
    args.extend_from_slice(TINY);
    let out = pressnext(&args, d);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("epoch   2:"),
        "an epoch line per epoch: {stderr}"
    );
    let lines: Vec<Value> = std::fs::read_to_string(d.join("run/metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for key in [
        "epoch",
        "lr",
        "train_loss",
        "batches",
        "samples_per_sec",
        "seconds",
        "val",
        "submission",
        "best",
    ] {
        assert!(
            lines[1].get(key).is_some(),
            "metrics.jsonl lacks {key}: {}",
            lines[1]
        );
    }
    assert!(
        d.join("run/best.safetensors").exists()
            && d.join("run/last.safetensors").exists()
            && d.join("run/config.yaml").exists()
    );

    // A second run in the same OUTPUT_DIR is refused; --resume of a finished run changes nothing.
    let out = pressnext(&args, d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("--resume"));

    // infer writes the submission and prints the metrics.
    let mut args = vec![
        "infer",
        "--cfg",
        "cfg.yaml",
        "--out",
        "sub.json",
        "--json",
        "CKPT",
        "run/best.safetensors",
    ];
    args.extend_from_slice(TINY);
    let out = pressnext(&args, d);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let from_infer: Value = serde_json::from_str(stdout.trim()).unwrap();
    let keys: Vec<&String> = from_infer.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "recall_at_1",
            "recall_at_3",
            "mean_rank",
            "mrr",
            "mrr_legacy",
            "steps"
        ]
    );
    let submission: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("sub.json")).unwrap()).unwrap();
    assert_eq!(
        submission.as_object().unwrap().len(),
        2,
        "one entry per test folder"
    );

    // eval agrees with infer on the same predictions.
    write(
        &d.join("gt.json"),
        &ground_truth_of(&d.join("enc/test")).to_string(),
    );
    let out = pressnext(
        &["eval", "--pred", "sub.json", "--gt", "gt.json", "--json"],
        d,
    );
    assert!(out.status.success(), "{:?}", text(&out));
    let from_eval: Value = serde_json::from_str(text(&out).0.trim()).unwrap();
    assert_eq!(from_eval, from_infer);
    let out = pressnext(&["eval", "--pred", "sub.json", "--gt", "gt.json"], d);
    let table = text(&out).0;
    for row in ["R@1", "R@3", "MR", "MRR", "MRR(N/rank)", "steps"] {
        assert!(table.contains(row), "{table}");
    }

    // A prediction with a missing candidate score is an error naming folder, question and step.
    let mut broken = submission.clone();
    let (folder, preds) = broken.as_object_mut().unwrap().iter_mut().next().unwrap();
    let folder = folder.clone();
    let question = preds[0]["question"].as_str().unwrap().to_string();
    preds[0]["scores"][0].as_array_mut().unwrap().pop();
    write(&d.join("broken.json"), &broken.to_string());
    let out = pressnext(&["eval", "--pred", "broken.json", "--gt", "gt.json"], d);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out).1;
    assert!(
        err.contains(&folder) && err.contains(&question) && err.contains("step 1"),
        "{err}"
    );
}

#[test]
fn config_and_checkpoint_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("cfg.yaml"), "MODEL:\n  NUM_HEAD: 2\n");
    let out = pressnext(&["train", "--cfg", "cfg.yaml"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("NUM_HEAD"), "{:?}", text(&out));

    write(&d.join("ok.yaml"), "INPUT:\n  DIM: 16\n");
    let out = pressnext(&["infer", "--cfg", "ok.yaml"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("CKPT"));

    let out = pressnext(
        &[
            "infer",
            "--cfg",
            "ok.yaml",
            "CKPT",
            "missing.safetensors",
            "MODEL.DIM_STATE",
            "16",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("missing.safetensors"));

    let out = pressnext(&["train", "--cfg", "ok.yaml", "SOLVER.LR"], d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("KEY VALUE"));
}

/// A small valid AssistQ dataset: one train folder with a script, buttons, an image and two QAs.
fn assistq_dataset(root: &Path) {
    let f = root.join("train/microwave_abc12");
    std::fs::create_dir_all(&f).unwrap();
    testkit::tutorial::write_video(&f.join("video.mp4"), 2);
    write(
        &f.join("script.txt"),
        "0:00:00-0:00:05 This is how to set a timer. Press the power button.\n0:00:05-0:00:09 Turn the dial to 10 minutes.\n",
    );
    write(&f.join("buttons.csv"), "button1,120,340,80,60,microwave-user.jpg,960,1280\nbutton2,120,420,80,60,microwave-user.jpg,960,1280\n");
    write(&f.join("images/microwave-user.jpg"), "jpeg bytes");
    let qa = serde_json::json!({
        "microwave_abc12": [
            {"question": "How to set a timer?", "answers": [["Press <button1>", "Press <button2>"], ["Turn <button2> to 10", "Press <button1>"]],
             "correct": [1, 1], "images": ["microwave-user.jpg", "microwave-user.jpg"]},
            {"question": "How to stop?", "answers": [["Press <button2>"]], "correct": [1], "images": ["microwave-user.jpg"]}
        ]
    });
    write(
        &root.join("train.json"),
        &serde_json::to_string_pretty(&qa).unwrap(),
    );
}

#[test]
fn check_reports_every_problem_and_sets_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assistq_dataset(d);
    let out = pressnext(&["check", "."], d);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("0 errors"), "{stdout}");

    // Three different problems: all are reported, each with its place.
    let mut qa: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("train.json")).unwrap()).unwrap();
    qa["microwave_abc12"][0]["correct"][1] = 3.into();
    qa["microwave_abc12"][1]["answers"][0][0] = "Press <button9>".into();
    write(&d.join("train.json"), &qa.to_string());
    write(
        &d.join("train/microwave_abc12/script.txt"),
        "0:00:00-0:00:05 Fine line.\n00:05 broken line\n",
    );
    let out = pressnext(&["check", "."], d);
    let stdout = text(&out).0;
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("script.txt:line 2"), "{stdout}");
    assert!(stdout.contains("microwave_abc12[0].correct[1]"), "{stdout}");
    assert!(
        stdout.contains("microwave_abc12[1].answers[0][0]") && stdout.contains("button9"),
        "{stdout}"
    );

    let out = pressnext(&["check", ".", "--json"], d);
    let report: Value = serde_json::from_str(&text(&out).0).unwrap();
    assert_eq!(report["errors"], 3, "{report}");
    assert_eq!(report["problems"].as_array().unwrap().len(), 3);
    assert_eq!(out.status.code(), Some(1));

    let out = pressnext(&["check", "no-such-dir"], d);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_file_that_is_not_a_video_is_a_check_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assistq_dataset(d);
    write(
        &d.join("train/microwave_abc12/video.mp4"),
        "plain text, not a video",
    );
    let out = pressnext(&["check", "."], d);
    let stdout = text(&out).0;
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("microwave_abc12/video.mp4") && stdout.contains("not a playable video"),
        "{stdout}"
    );
    std::fs::write(d.join("train/microwave_abc12/video.mp4"), b"").unwrap();
    let out = pressnext(&["check", "."], d);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out).0);
}

#[test]
fn embedding_commands_without_weights_say_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["embed-text", "Press the start button"],
        vec!["embed-image", "x.png"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_pressnext"))
            .args(&args)
            .current_dir(dir.path())
            .env("PRESSNEXT_MODELS", dir.path().join("no-models"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("manifest.json") && err.contains("fix:"),
            "{err}"
        );
    }
}
