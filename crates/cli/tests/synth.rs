//! `pressnext synth`: a small dataset that `pressnext check` accepts, and a refusal to write
//! into a folder that is not empty.

use std::process::Command;

fn pressnext(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pressnext"))
        .args(args)
        .output()
        .expect("run pressnext")
}

#[test]
fn synth_writes_a_dataset_that_check_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let out_s = out.to_str().unwrap();
    let args = [
        "synth",
        "--out",
        out_s,
        "--appliances",
        "2",
        "--seed",
        "4",
        "--size",
        "320x180",
        "--min-seconds",
        "20",
        "--max-seconds",
        "20",
    ];
    let run = pressnext(&args);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("wrote 2 appliances (1 train, 1 test"),
        "{stdout}"
    );

    let check = pressnext(&["check", out_s]);
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}");
    assert!(
        report.contains("checked 2 folders") && report.contains("0 errors, 0 warnings"),
        "{report}"
    );

    // The folder is no longer empty: a second run must refuse, naming it.
    let again = pressnext(&args);
    assert_eq!(again.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains(out_s) && stderr.contains("not empty"),
        "{stderr}"
    );
}
