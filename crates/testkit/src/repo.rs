//! The repository a test runs in, and running the `pressnext` binary there as a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root: two levels above the running test's crate. Read at run time (never
/// `env!`), because the target folder is shared by every clone on a machine.
pub fn repo() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("../..")
}

/// Copies the folder `from` to `to` with everything in it (a test's own copy to change).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The file `program` on `PATH`, as a shell would find it.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

/// Runs `binary` (a test's `env!("CARGO_BIN_EXE_...")`) with `args` in the repository, without
/// the environment variables that would point it at another models root or data folder.
pub fn run(binary: &str, args: &[&str]) -> Output {
    Command::new(binary)
        .args(args)
        .current_dir(repo())
        .env_remove("PRESSNEXT_MODELS")
        .env_remove("PRESSNEXT_DATA_DIR")
        .output()
        .expect("run the binary")
}

/// The demo pack's appliance folder (`demo/pack/test/<appliance>`, made by
/// `scripts/demo_pack.sh`).
pub fn demo_folder() -> PathBuf {
    let test = repo().join("demo/pack/test");
    std::fs::read_dir(&test)
        .unwrap_or_else(|e| panic!("{}: {e}; run bash scripts/demo_pack.sh", test.display()))
        .map(|e| e.unwrap().path())
        .find(|p| p.join("script.txt").is_file())
        .expect("an appliance folder in demo/pack/test")
}

/// The models root the tests use: `$PRESSNEXT_MODELS`, else the repository's `models/` (where
/// `scripts/setup.sh` imports the real weights).
pub fn models_root() -> PathBuf {
    match std::env::var_os("PRESSNEXT_MODELS") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => repo().join("models"),
    }
}

/// The installed real weights ([`models_root`] with its `manifest.json`), or `None` with a note
/// when they are not installed. With `PRESSNEXT_REQUIRE_MODELS=1` (set by scripts/test.sh, whose
/// setup installs them) their absence fails the test instead of skipping it.
pub fn real_models_root() -> Option<PathBuf> {
    let root = models_root();
    if root.join("manifest.json").exists() {
        return Some(root);
    }
    missing(&format!(
        "real weights: {} has no manifest.json (run scripts/setup.sh, which fetches and imports \
         the weights)",
        root.display()
    ));
    None
}

/// A prerequisite the setup installs is absent (`what` says which and how to get it): with
/// `PRESSNEXT_REQUIRE_MODELS=1` (set by scripts/test.sh) the test fails, otherwise it is noted as
/// skipped and the caller returns.
pub fn missing(what: &str) {
    if std::env::var("PRESSNEXT_REQUIRE_MODELS").is_ok_and(|v| v == "1") {
        panic!("required: {what}");
    }
    eprintln!("skipped: {what}");
}

/// `program` on `PATH`, or [`missing`] (failing under `PRESSNEXT_REQUIRE_MODELS=1`) and `None`.
pub fn required_program(program: &str) -> Option<PathBuf> {
    let found = which(program);
    if found.is_none() {
        missing(&format!(
            "{program} is not installed (bash scripts/setup.sh installs it)"
        ));
    }
    found
}
