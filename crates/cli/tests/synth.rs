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

/// Every file under `root`, by path relative to it, with its bytes.
fn all_files(root: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Where two videos' decoded pictures first differ: frame, pixel and both colours; or why
/// they cannot be compared.
fn first_picture_difference(a: &std::path::Path, b: &std::path::Path) -> String {
    let decode = |path: &std::path::Path| {
        let mut frames = Vec::new();
        media::for_each_frame(path, |f| {
            frames.push(f.image);
            true
        })
        .map(|_| frames)
    };
    let (fa, fb) = match (decode(a), decode(b)) {
        (Ok(fa), Ok(fb)) => (fa, fb),
        (ra, rb) => return format!("cannot decode: {:?} / {:?}", ra.err(), rb.err()),
    };
    for (i, (x, y)) in fa.iter().zip(&fb).enumerate() {
        if x.dimensions() != y.dimensions() {
            return format!(
                "frame {i}: size {:?} vs {:?}",
                x.dimensions(),
                y.dimensions()
            );
        }
        if let Some((px, (p, q))) = x
            .pixels()
            .zip(y.pixels())
            .enumerate()
            .find(|(_, (p, q))| p != q)
        {
            let w = x.width() as usize;
            return format!(
                "first differing picture: frame {i}, pixel ({}, {}): {:?} vs {:?}",
                px % w,
                px / w,
                p.0,
                q.0
            );
        }
    }
    if fa.len() != fb.len() {
        return format!("{} frames vs {}", fa.len(), fb.len());
    }
    "same pictures, other bytes (container or encoder state)".to_string()
}

/// The same seed in two separate processes, run at the same time, one with one rendering
/// thread and one with three, gives the same bytes in every file. The second process runs
/// with glibc's `MALLOC_PERTURB_`, which fills every fresh allocation with a set byte: a read
/// of memory that was never written (in our code or in FFmpeg/x264) then changes the output
/// on any machine, instead of only where the allocator happens to hand back dirty memory.
#[test]
fn same_seed_gives_identical_files_in_two_processes_with_1_and_3_threads() {
    let dir = tempfile::tempdir().unwrap();
    let spawn = |name: &str, threads: &str, perturb: bool| {
        let out = dir.path().join(name);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pressnext"));
        cmd.args(["synth", "--out", out.to_str().unwrap()])
            .args(["--appliances", "3", "--seed", "11", "--size", "320x180"])
            .args(["--min-seconds", "20", "--max-seconds", "22"])
            .args(["--threads", threads]);
        if perturb {
            cmd.env("MALLOC_PERTURB_", "165");
        } else {
            cmd.env_remove("MALLOC_PERTURB_");
        }
        (out, cmd.output_async())
    };
    let (one, first) = spawn("one-thread", "1", false);
    let (three, second) = spawn("three-threads", "3", true);
    for run in [first.wait_with_output(), second.wait_with_output()] {
        let run = run.expect("run pressnext synth");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let (a, b) = (all_files(&one), all_files(&three));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a.keys().any(|k| k.extension().is_some_and(|e| e == "mp4")));
    let mut differences = Vec::new();
    for (path, bytes) in &a {
        if bytes != &b[path] {
            let detail = if path.extension().is_some_and(|e| e == "mp4") {
                first_picture_difference(&one.join(path), &three.join(path))
            } else {
                format!("{} vs {} bytes", bytes.len(), b[path].len())
            };
            differences.push(format!("{} differs: {detail}", path.display()));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// Starts a command with its output captured, to be collected later.
trait OutputAsync {
    fn output_async(&mut self) -> std::process::Child;
}

impl OutputAsync for Command {
    fn output_async(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start pressnext")
    }
}

#[test]
fn the_harder_generator_is_refused_for_the_demo_pack_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let out = pressnext(&["synth", "--demo", demo.to_str().unwrap(), "--harder"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--harder") && stderr.contains("--demo"),
        "{stderr}"
    );
    assert!(!demo.exists());
}
