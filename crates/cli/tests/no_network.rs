//! The CLI opens no network socket: `check`, `synth-features`, `train`, `encode` and `ask` (which
//! opens, encodes and caches a pack as the app does) run under `strace -f`, and no `socket` or
//! `connect` call on an internet address family may appear. A control run (bash opening a TCP
//! connection) shows the trace would see one.

use std::path::Path;

use testkit::network;
use testkit::tiny_encoders;
use testkit::tutorial;

fn strace_or_skip() -> Option<std::path::PathBuf> {
    match network::strace() {
        Ok(s) => Some(s),
        Err(why) if std::env::var_os("PRESSNEXT_REQUIRE_E2E").is_some() => panic!("{why}"),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn run_traced(strace: &Path, log: &Path, program: &Path, args: &[&str], cwd: &Path) {
    let out = network::traced(strace, log, program)
        .args(args)
        .current_dir(cwd)
        .env("PRESSNEXT_MODELS", cwd.join("models"))
        .env_remove(assistq::fsutil::KILL_AT_WRITE_ENV)
        .output()
        .expect("run strace");
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn no_command_opens_a_network_socket() {
    let Some(strace) = strace_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();

    // The control: the trace sees an internet socket when one is opened.
    let log = d.join("control.log");
    let _ = network::traced(&strace, &log, Path::new("/bin/bash"))
        .args(["-c", "exec 3<>/dev/tcp/127.0.0.1/9 || true"])
        .output()
        .unwrap();
    assert!(
        !network::inet_calls(&log).is_empty(),
        "strace saw no socket in the control run"
    );

    tiny_encoders::install_tiny_models(&d.join("models"));
    tutorial::write_dataset(&d.join("data"), &["coffee"]);
    std::fs::write(d.join("cfg.yaml"), tiny_encoders::TINY_Q2A_CONFIG).unwrap();
    let pack = testkit::repo::demo_folder();
    let pack = pack.to_str().unwrap();
    let pressnext = Path::new(env!("CARGO_BIN_EXE_pressnext"));
    let commands: Vec<Vec<&str>> = vec![
        vec!["check", "data"],
        tiny_encoders::TINY_Q2A_FEATURES.to_vec(),
        tiny_encoders::TINY_Q2A_TRAIN.to_vec(),
        vec![
            "encode",
            "--data",
            "data",
            "--split",
            "train",
            "--label",
            "train.json",
            "--out",
            "encoded",
            "--models",
            "models",
            "--device",
            "cpu",
        ],
        vec![
            "ask",
            "--pack",
            pack,
            "--model",
            "model/last.safetensors",
            "--data-dir",
            "app",
            "--json",
            "How can I brew a long coffee of 60 millilitres?",
        ],
    ];
    for (i, args) in commands.iter().enumerate() {
        let log = d.join(format!("cmd{i}.log"));
        run_traced(&strace, &log, pressnext, args, d);
        let inet = network::inet_calls(&log);
        assert!(
            inet.is_empty(),
            "pressnext {args:?} opened network sockets: {inet:#?}"
        );
    }
    assert!(
        d.join("app/packs/index.json").is_file(),
        "ask opened and cached the pack"
    );
}
