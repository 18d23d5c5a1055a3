//! Crash tests: `pressnext train` and `pressnext encode` killed at every write in turn.
//!
//! `PRESSNEXT_KILL_AT_WRITE=N` makes the process abort at its N-th kill point (before each
//! atomic write, with the temp file written but not renamed, after the rename, and in the middle
//! of an appended metrics line; `assistq::fsutil::kill_point`): no unwinding and no cleanup, as
//! `kill -9` leaves it. For N = 1, 2, ... until a run finishes without reaching N, each killed
//! run is then continued the way a user would (`train --resume` when it has a checkpoint, the
//! same command otherwise; `encode` again) and must end exactly where the uninterrupted run
//! ends: the same weights bit for bit, one metrics line per epoch with the same losses, the same
//! encoded files byte for byte, and no temp file left behind.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output};

use testkit::tiny_encoders;
use testkit::tutorial;

const KILL: &str = assistq::fsutil::KILL_AT_WRITE_ENV;

fn pressnext(args: &[&str], cwd: &Path, kill_at: Option<usize>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pressnext"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("PRESSNEXT_MODELS")
        .env_remove(KILL);
    if let Some(n) = kill_at {
        cmd.env(KILL, n.to_string());
    }
    cmd.output().expect("run pressnext")
}

fn show(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `root` by relative path, with its bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn temps(root: &Path) -> Vec<String> {
    tree(root)
        .into_keys()
        .filter(|k| {
            let name = k.rsplit('/').next().unwrap();
            assistq::fsutil::is_atomic_temp(name)
        })
        .collect()
}

/// A killed run must have died at its kill point (SIGABRT), not failed some other way.
fn assert_killed(out: &Output, what: &str) {
    assert_eq!(
        out.status.signal(),
        Some(6),
        "{what}: expected an abort at the kill point, got {:?}: {}",
        out.status,
        show(out)
    );
}

/// The weights of a checkpoint: every tensor, as raw bytes.
fn weights(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    st.tensors()
        .into_iter()
        .map(|(name, view)| (name, view.data().to_vec()))
        .collect()
}

/// What must match between runs in `metrics.jsonl`: everything but wall-clock figures.
fn metrics(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("seconds");
            o.remove("samples_per_sec");
            v
        })
        .collect()
}

fn train_args(out: &str) -> Vec<String> {
    [
        "train",
        "--cfg",
        "cfg.yaml",
        "INPUT.DIM",
        "16",
        "MODEL.DIM_STATE",
        "16",
        "SOLVER.BATCH_SIZE",
        "4",
        "SOLVER.MAX_EPOCHS",
        "4",
        "SOLVER.LR",
        "0.05",
        "DATASET.TRAIN",
        "enc/train",
        "DATASET.VAL",
        "enc/test",
        "DEVICE",
        "cpu",
        "OUTPUT_DIR",
        out,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Returns the number of kill points tried.
fn kill_training_at_every_write(d: &Path) -> usize {
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
            None,
        );
        assert!(out.status.success(), "{}", show(&out));
    }
    std::fs::write(d.join("cfg.yaml"), "MODEL:\n  HISTORY:\n    ARCH: gru\n").unwrap();
    let args = train_args("full");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = pressnext(&args, d, None);
    assert!(out.status.success(), "{}", show(&out));
    let want_last = weights(&d.join("full/last.safetensors"));
    let want_best = weights(&d.join("full/best.safetensors"));
    let want_metrics = metrics(&d.join("full/metrics.jsonl"));
    assert_eq!(want_metrics.len(), 4);

    for n in 1.. {
        let dir = format!("run{n}");
        let args = train_args(&dir);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = pressnext(&args, d, Some(n));
        if out.status.success() {
            // N is past the last kill point: the whole run reached fewer than N.
            return n - 1;
        }
        let what = format!("training killed at kill point {n}");
        assert_killed(&out, &what);
        let run = d.join(&dir);
        let mut again = args.clone();
        if run.join("last.safetensors").exists() {
            again.push("--resume");
        }
        let out = pressnext(&again, d, None);
        assert!(
            out.status.success(),
            "{what}: continuing failed: {}",
            show(&out)
        );
        assert_eq!(
            weights(&run.join("last.safetensors")),
            want_last,
            "{what}: last weights"
        );
        assert_eq!(
            weights(&run.join("best.safetensors")),
            want_best,
            "{what}: best weights"
        );
        assert_eq!(
            metrics(&run.join("metrics.jsonl")),
            want_metrics,
            "{what}: metrics"
        );
        assert_eq!(temps(&run), Vec::<String>::new(), "{what}: temp files left");
    }
    unreachable!()
}

fn kill_encoding_at_every_write(d: &Path) -> usize {
    tiny_encoders::install_tiny_models(&d.join("models"));
    tutorial::write_dataset(&d.join("data"), &["coffee", "kettle", "fryer"]);
    let args = |out: &'static str| {
        vec![
            "encode",
            "--data",
            "data",
            "--split",
            "train",
            "--label",
            "train.json",
            "--out",
            out,
            "--models",
            "models",
            "--device",
            "cpu",
        ]
    };
    let out = pressnext(&args("enc_full"), d, None);
    assert!(out.status.success(), "{}", show(&out));
    let want = tree(&d.join("enc_full"));
    assert!(want.len() >= 6, "{:?}", want.keys());

    for n in 1.. {
        let dir = d.join("enc_run");
        let _ = std::fs::remove_dir_all(&dir);
        let out = pressnext(&args("enc_run"), d, Some(n));
        if out.status.success() {
            return n - 1;
        }
        let what = format!("encoding killed at kill point {n}");
        assert_killed(&out, &what);
        let out = pressnext(&args("enc_run"), d, None);
        assert!(
            out.status.success(),
            "{what}: encoding again failed: {}",
            show(&out)
        );
        let got = tree(&dir);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{what}: the files"
        );
        for (name, bytes) in &want {
            assert!(
                got[name] == *bytes,
                "{what}: {name} differs from the uninterrupted run's"
            );
        }
    }
    unreachable!()
}

#[test]
fn training_and_encoding_killed_at_every_write_resume_to_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().unwrap();
    let (train_dir, encode_dir) = (tmp.path().join("training"), tmp.path().join("encoding"));
    std::fs::create_dir_all(&train_dir).unwrap();
    std::fs::create_dir_all(&encode_dir).unwrap();
    let training = kill_training_at_every_write(&train_dir);
    let encoding = kill_encoding_at_every_write(&encode_dir);
    eprintln!("kill points: {training} in training, {encoding} in encoding");
    assert!(
        training + encoding >= 100,
        "only {training} + {encoding} kill points were exercised"
    );
}

/// `ask --json`'s answer without its wall-clock time.
fn answer(out: &Output) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_object_mut().unwrap().remove("elapsed_ms");
    v
}

/// Opening a pack the first time (`pressnext ask --pack`, which opens it as the app does:
/// encoded and grounded into the data folder's cache), killed at every write: asking again
/// answers exactly as the uninterrupted run did and the cache ends the same.
fn kill_pack_opening_at_every_write(d: &Path) -> usize {
    tiny_encoders::install_tiny_models(&d.join("models"));
    // The demo pack: a reference photo with enough texture to register against.
    let pack = testkit::repo::demo_folder();
    // A Q2A model as wide as the tiny encoders.
    std::fs::write(d.join("cfg.yaml"), tiny_encoders::TINY_Q2A_CONFIG).unwrap();
    for args in [
        tiny_encoders::TINY_Q2A_FEATURES,
        tiny_encoders::TINY_Q2A_TRAIN,
    ] {
        let out = pressnext(args, d, None);
        assert!(out.status.success(), "{}", show(&out));
    }
    let ask = |data_dir: &str, kill_at: Option<usize>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pressnext"));
        cmd.args([
            "ask",
            "--pack",
            pack.to_str().unwrap(),
            "--model",
            "model/last.safetensors",
            "--data-dir",
            data_dir,
            "--json",
            "How can I brew a long coffee of 60 millilitres?",
        ])
        .current_dir(d)
        .env("PRESSNEXT_MODELS", d.join("models"))
        .env_remove(KILL);
        if let Some(n) = kill_at {
            cmd.env(KILL, n.to_string());
        }
        cmd.output().expect("run pressnext")
    };
    let out = ask("full", None);
    assert!(out.status.success(), "{}", show(&out));
    let want_answer = answer(&out);
    let want = tree(&d.join("full"));

    for n in 1.. {
        let dir = d.join("run");
        let _ = std::fs::remove_dir_all(&dir);
        let out = ask("run", Some(n));
        if out.status.success() {
            return n - 1;
        }
        let what = format!("pack opening killed at kill point {n}");
        assert_killed(&out, &what);
        let out = ask("run", None);
        assert!(
            out.status.success(),
            "{what}: asking again failed: {}",
            show(&out)
        );
        assert_eq!(answer(&out), want_answer, "{what}: the answer");
        let got = tree(&dir);
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>(),
            "{what}: the files"
        );
    }
    unreachable!()
}

#[test]
fn opening_a_pack_killed_at_every_write_answers_as_the_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let points = kill_pack_opening_at_every_write(tmp.path());
    eprintln!("kill points: {points} in pack opening");
    assert!(
        points >= 10,
        "only {points} kill points while opening a pack"
    );
}
