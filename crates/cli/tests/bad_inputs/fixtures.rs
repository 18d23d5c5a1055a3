//! The valid inputs the cases corrupt, made once per run: a small dataset from `pressnext synth`
//! (one train and one test appliance, real videos), encoded features from `pressnext
//! synth-features`, a checkpoint trained on them, and the tiny random encoders as a models root.
//! Each case copies what it needs into its own folder; the helpers here write the bad parts.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub struct Fixtures {
    dir: tempfile::TempDir,
    /// The synthetic dataset: `train.json`, `test_with_gt.json`, `test_without_gt.json`,
    /// `train/{train}/`, `test/{test}/`.
    pub ds: PathBuf,
    /// Its train and test appliance folder names.
    pub train: String,
    pub test: String,
    /// Encoded features, 16-d: `enc/train` (4 folders), `enc/test` (2 folders).
    pub enc: PathBuf,
    /// A checkpoint trained on `enc` (INPUT.DIM 16, MODEL.DIM_STATE 16).
    pub ckpt: PathBuf,
    /// The tiny random encoders as a models root (text and image roles).
    pub models: PathBuf,
}

fn pressnext(binary: &str, args: &[&str], cwd: &Path) {
    let out = Command::new(binary)
        .args(args)
        .current_dir(cwd)
        .env_remove("PRESSNEXT_MODELS")
        .env_remove("PRESSNEXT_DATA_DIR")
        .output()
        .expect("run pressnext");
    assert!(
        out.status.success(),
        "fixture: pressnext {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The folder names under `dir`.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

impl Fixtures {
    pub fn build(binary: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        pressnext(
            binary,
            &[
                "synth",
                "--out",
                "ds",
                "--appliances",
                "2",
                "--test-fraction",
                "0.5",
                "--min-seconds",
                "20",
                "--max-seconds",
                "20",
                "--size",
                "160x90",
            ],
            d,
        );
        let ds = d.join("ds");
        let (train, test) = (names(&ds.join("train")), names(&ds.join("test")));
        assert_eq!((train.len(), test.len()), (1, 1), "{train:?} {test:?}");
        // The valid base passes `check`: every case's error comes from what it changed.
        pressnext(binary, &["check", "ds"], d);
        for (split, seed, folders) in [("train", "1", "4"), ("test", "2", "2")] {
            pressnext(
                binary,
                &[
                    "synth-features",
                    "--out",
                    &format!("enc/{split}"),
                    "--dim",
                    "16",
                    "--folders",
                    folders,
                    "--questions",
                    "2",
                    "--seed",
                    seed,
                ],
                d,
            );
        }
        let mut args = vec!["train", "--cfg", "cfg.yaml"];
        args.extend_from_slice(TINY);
        std::fs::write(d.join("cfg.yaml"), "SOLVER:\n  LR: 0.05\n").unwrap();
        pressnext(binary, &args, d);
        let models = d.join("models");
        testkit::tiny_encoders::install_tiny_models(&models);
        Fixtures {
            ds,
            train: train[0].clone(),
            test: test[0].clone(),
            enc: d.join("enc"),
            ckpt: d.join("out/last.safetensors"),
            models,
            dir,
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Copies the dataset to `case/data`.
    pub fn dataset(&self, case: &Path) -> PathBuf {
        copy_dir(&self.ds, &case.join("data"));
        case.join("data")
    }

    /// Copies the encoded features to `case/enc` (`enc/train`, `enc/test`).
    pub fn encoded(&self, case: &Path) {
        copy_dir(&self.enc, &case.join("enc"));
    }

    /// Copies the trained checkpoint to `case/<name>`.
    pub fn checkpoint(&self, case: &Path, name: &str) -> PathBuf {
        let to = case.join(name);
        std::fs::copy(&self.ckpt, &to).unwrap();
        to
    }

    /// Copies the tiny models root to `case/models`.
    pub fn models(&self, case: &Path) {
        copy_dir(&self.models, &case.join("models"));
    }
}

/// The overrides of a tiny training run on `enc/` writing to `out/` (one epoch, 16-d).
pub const TINY: &[&str] = &[
    "INPUT.DIM",
    "16",
    "MODEL.DIM_STATE",
    "16",
    "SOLVER.BATCH_SIZE",
    "4",
    "SOLVER.MAX_EPOCHS",
    "1",
    "DATASET.TRAIN",
    "enc/train",
    "DATASET.VAL",
    "enc/test",
    "OUTPUT_DIR",
    "out",
    "DEVICE",
    "cpu",
];

pub use testkit::repo::copy_dir;

/// What a case puts at a path (replacing whatever was there).
#[derive(Clone)]
pub enum Put {
    Text(String),
    Bytes(Vec<u8>),
    /// A named pipe nobody writes to.
    Fifo,
    /// A symlink to `/dev/zero`.
    DevZero,
    /// An empty folder.
    Dir,
    /// A symlink to this target.
    Link(String),
    /// The file's own first N bytes.
    Truncate(usize),
}

pub fn text(s: &str) -> Put {
    Put::Text(s.to_string())
}

/// Replaces `path` with `what`.
pub fn put(path: &Path, what: &Put) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    if let Put::Truncate(n) = what {
        let bytes = std::fs::read(path).unwrap();
        std::fs::write(path, &bytes[..(*n).min(bytes.len())]).unwrap();
        return;
    }
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
    }
    match what {
        Put::Text(s) => std::fs::write(path, s).unwrap(),
        Put::Bytes(b) => std::fs::write(path, b).unwrap(),
        Put::Fifo => {
            let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
            assert!(status.success());
        }
        Put::DevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        Put::Dir => std::fs::create_dir_all(path).unwrap(),
        Put::Link(target) => std::os::unix::fs::symlink(target, path).unwrap(),
        Put::Truncate(_) => unreachable!(),
    }
}

/// Edits a JSON file in place.
pub fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

pub fn write(path: &Path, content: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, content).unwrap();
}
