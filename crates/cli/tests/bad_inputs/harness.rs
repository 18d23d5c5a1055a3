//! The runner of the bad-input suite: what a case is, the fresh temp folder it runs in, the
//! watchdog, the snapshot of everything around it, and the checks every case must pass.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::fixtures::Fixtures;

/// How long one command may run before the case fails as a hang.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// The longest error line that still reads as one clear line (a message that quotes a whole
/// megabyte line of input is not).
pub const MAX_ERROR_LINE: usize = 1000;

/// The address space a case's process may use: a reader that tries to swallow `/dev/zero`
/// fails (and is reported) instead of taking the test machine's memory.
const MEMORY_LIMIT_KIB: u64 = 8 * 1024 * 1024;

pub type Setup = Box<dyn Fn(&Fixtures, &Path) + Send + Sync>;

/// One bad input: what to write into the case folder, the command line run there, the exit
/// status `docs/cli.md` documents and the texts its error line must contain.
pub struct Case {
    pub name: String,
    pub setup: Setup,
    pub args: Vec<String>,
    pub code: i32,
    pub needles: Vec<String>,
    /// The only path (relative to the case folder) the command may create or change.
    pub out: Option<String>,
    pub watchdog: Duration,
}

/// A case running `args` in a folder prepared by `setup`, expected to exit with `code` and an
/// error line containing every one of `needles`. In `args`, `needles` and paths given to the
/// helpers, `{train}` / `{test}` stand for the fixture dataset's appliance folder names.
pub fn case(
    name: &str,
    code: i32,
    needles: &[&str],
    args: &[&str],
    setup: impl Fn(&Fixtures, &Path) + Send + Sync + 'static,
) -> Case {
    Case {
        name: name.to_string(),
        setup: Box::new(setup),
        args: args.iter().map(|s| s.to_string()).collect(),
        code,
        needles: needles.iter().map(|s| s.to_string()).collect(),
        out: None,
        watchdog: WATCHDOG,
    }
}

impl Case {
    /// Declares the output folder (relative to the case folder) the command may write.
    pub fn out(mut self, out: &str) -> Self {
        self.out = Some(out.to_string());
        self
    }

    /// Another time limit than [`WATCHDOG`] (the runner's own check uses a short one).
    pub fn watchdog(mut self, limit: Duration) -> Self {
        self.watchdog = limit;
        self
    }
}

/// What one file-system entry looked like: enough to see it appear, vanish or change.
#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Dir,
    File { len: u64, modified: SystemTime },
    Link(PathBuf),
    Other,
}

/// Every entry under `root`, symlinks not followed.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Entry>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let kind = meta.file_type();
            let e = if kind.is_symlink() {
                Entry::Link(std::fs::read_link(&path).unwrap_or_default())
            } else if kind.is_dir() {
                Entry::Dir
            } else if kind.is_file() {
                Entry::File {
                    len: meta.len(),
                    modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                }
            } else {
                Entry::Other
            };
            let is_dir = e == Entry::Dir;
            out.insert(path.clone(), e);
            if is_dir {
                walk(&path, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, &mut out);
    out
}

/// The entries that appeared, vanished or changed between two snapshots, outside `allowed`.
fn changes(
    before: &BTreeMap<PathBuf, Entry>,
    after: &BTreeMap<PathBuf, Entry>,
    allowed: Option<&Path>,
) -> Vec<String> {
    let outside = |p: &Path| allowed.is_none_or(|a| !p.starts_with(a));
    let mut found = Vec::new();
    for (path, entry) in after {
        if !outside(path) {
            continue;
        }
        match before.get(path) {
            None => found.push(format!("created {}", path.display())),
            Some(old) if old != entry => found.push(format!("changed {}", path.display())),
            Some(_) => {}
        }
    }
    for path in before.keys() {
        if outside(path) && !after.contains_key(path) {
            found.push(format!("removed {}", path.display()));
        }
    }
    found
}

/// The output of one run.
struct Run {
    code: Option<i32>,
    timed_out: bool,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs the binary under the watchdog and the memory limit, in `cwd`, with `home` as HOME and
/// `tmp` as TMPDIR (both inside the watched folder) and no environment pointing elsewhere.
fn run(binary: &str, args: &[String], cwd: &Path, home: &Path, tmp: &Path, limit: Duration) -> Run {
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB}; exec \"$0\" \"$@\""))
        .arg(binary)
        .args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env("TMPDIR", tmp)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env_remove("PRESSNEXT_MODELS")
        .env_remove("PRESSNEXT_DATA_DIR")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pressnext");
    let pipe = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = pipe(Box::new(child.stdout.take().unwrap()));
    let err = pipe(Box::new(child.stderr.take().unwrap()));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for pressnext") {
            break status;
        }
        if started.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("reap pressnext");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        timed_out,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        elapsed: started.elapsed(),
    }
}

fn substitute(text: &str, f: &Fixtures) -> String {
    text.replace("{train}", &f.train).replace("{test}", &f.test)
}

/// Runs one case in a fresh temp folder and returns what is wrong with it (empty: it passed).
fn check_case(binary: &str, f: &Fixtures, case: &Case) -> (Vec<String>, Duration) {
    // The case folder sits two levels down, so `../..` from it stays inside the watched root.
    let root = tempfile::tempdir().expect("temp folder");
    let dir = root.path().join("w/case");
    let (home, tmp) = (root.path().join("home"), root.path().join("tmp"));
    for d in [&dir, &home, &tmp] {
        std::fs::create_dir_all(d).unwrap();
    }
    (case.setup)(f, &dir);
    let args: Vec<String> = case.args.iter().map(|a| substitute(a, f)).collect();
    let before = snapshot(root.path());
    let r = run(binary, &args, &dir, &home, &tmp, case.watchdog);
    let after = snapshot(root.path());

    let mut problems = Vec::new();
    let both = format!("{}\n{}", r.stdout, r.stderr);
    if r.timed_out {
        problems.push(format!(
            "hung: killed after {:.0} s",
            case.watchdog.as_secs_f64()
        ));
    } else if r.code.is_none() {
        problems.push("killed by a signal (abort, out of memory or crash)".into());
    } else if r.code != Some(case.code) {
        problems.push(format!(
            "exit status {:?}, expected {}",
            r.code.unwrap(),
            case.code
        ));
    }
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "stack backtrace",
        "memory allocation of",
    ] {
        if both.contains(bad) {
            problems.push(format!("output contains `{bad}`"));
        }
    }
    if !r.timed_out {
        let needles: Vec<String> = case.needles.iter().map(|n| substitute(n, f)).collect();
        // The error line: `error: ...` on stderr for exit 2 (and for `check`'s problems on
        // stdout), `failed: FOLDER: ...` for a folder that failed to encode.
        let line = both.lines().find(|l| {
            (l.starts_with("error") || l.starts_with("failed:"))
                && needles.iter().all(|n| l.contains(n.as_str()))
        });
        if std::env::var_os("BAD_INPUTS_SHOW").is_some() {
            eprintln!("{}: {}", case.name, line.unwrap_or("(no error line)"));
        }
        match line {
            None => problems.push(format!("no error line containing {needles:?}")),
            Some(l) if l.chars().count() > MAX_ERROR_LINE => problems.push(format!(
                "the error line is {} characters long (at most {MAX_ERROR_LINE})",
                l.chars().count()
            )),
            Some(l) => {
                let parts: Vec<&str> = l.split(": ").collect();
                if parts.windows(2).any(|w| w[0] == w[1]) {
                    problems.push("the error line says the same thing twice".into());
                }
            }
        }
    }
    let allowed = case.out.as_ref().map(|o| dir.join(o));
    let written = changes(&before, &after, allowed.as_deref());
    if !written.is_empty() {
        let shown: Vec<String> = written.iter().take(5).cloned().collect();
        problems.push(format!(
            "wrote outside {}: {}",
            case.out.as_deref().unwrap_or("(no output folder)"),
            shown.join(", ")
        ));
    }
    if !problems.is_empty() {
        let clip = |s: &str| -> String {
            let s = s.trim();
            if s.chars().count() > 1500 {
                format!("{}…", s.chars().take(1500).collect::<String>())
            } else {
                s.to_string()
            }
        };
        problems.push(format!(
            "command: pressnext {}\n      stdout: {}\n      stderr: {}",
            args.join(" "),
            clip(&r.stdout),
            clip(&r.stderr)
        ));
    }
    (problems, r.elapsed)
}

/// Runs a case that breaks a rule on purpose and panics unless the runner reports `expected`
/// among its problems: the suite's own check that a hang, a wrong status, a missing name or a
/// write outside the output folder cannot pass unnoticed.
pub fn must_be_caught(binary: &str, fixtures: &Fixtures, case: Case, expected: &str) {
    let (problems, _) = check_case(binary, fixtures, &case);
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "{}: the runner did not report `{expected}`: {problems:#?}",
        case.name
    );
}

/// Runs every case (a few at a time), collects every failure and panics once at the end with
/// all of them. `BAD_INPUTS=substring` runs only the cases whose name contains it;
/// `BAD_INPUTS_SHOW=1` prints each case's error line.
pub fn run_all(binary: &str, fixtures: &Fixtures, cases: Vec<Case>) {
    let filter = std::env::var("BAD_INPUTS").unwrap_or_default();
    let cases: Vec<Case> = cases
        .into_iter()
        .filter(|c| c.name.contains(&filter))
        .collect();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::<(String, Vec<String>)>::new());
    let timings = Mutex::new(Vec::<(String, Duration)>::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let (problems, elapsed) = check_case(binary, fixtures, case);
                timings.lock().unwrap().push((case.name.clone(), elapsed));
                if !problems.is_empty() {
                    failures.lock().unwrap().push((case.name.clone(), problems));
                }
            });
        }
    });
    let mut timings = timings.into_inner().unwrap();
    timings.sort_by_key(|t| std::cmp::Reverse(t.1));
    eprintln!(
        "{} bad-input cases; slowest: {}",
        cases.len(),
        timings
            .iter()
            .take(5)
            .map(|(n, d)| format!("{n} {:.1} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    if !failures.is_empty() {
        let report: Vec<String> = failures
            .iter()
            .map(|(name, problems)| format!("- {name}:\n    {}", problems.join("\n    ")))
            .collect();
        panic!(
            "{} of {} bad-input cases failed:\n{}",
            failures.len(),
            cases.len(),
            report.join("\n")
        );
    }
}

pub(crate) fn snapshot_tree(root: &Path) -> Vec<(PathBuf, String)> {
    snapshot(root)
        .into_iter()
        .map(|(p, e)| (p, format!("{e:?}")))
        .collect()
}
