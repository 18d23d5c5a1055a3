//! The bad-input suite (issue 16): well over a hundred small hostile inputs, each written by the
//! test into its own fresh temp folder, run through the real `pressnext` binary. For every case
//! the runner asserts that
//!
//! - the exit status is the one `docs/cli.md` documents (1 for `check`'s, `models verify`'s and
//!   `encode`'s per-folder failures, 2 for any other error), not a signal;
//! - the command finishes within the watchdog (a hang fails the case, it does not stall the test)
//!   and under a memory limit (a reader swallowing `/dev/zero` fails it, not the machine);
//! - nothing says `panicked` or points at `RUST_BACKTRACE`;
//! - an `error: ...` (or `failed: FOLDER: ...`) line names the file or field, and that line is
//!   short enough to read;
//! - nothing was created, changed or removed anywhere in the case's temp folder (its HOME and
//!   TMPDIR included) outside the output folder the case declares.
//!
//! Every failure is collected and reported together at the end. `BAD_INPUTS=substring` runs the
//! cases whose name contains it. See docs/reliability.md.

mod check;
mod checkpoint;
mod config;
mod eval;
mod fixtures;
mod harness;
mod tools;

#[test]
fn bad_inputs_fail_cleanly_naming_the_file_or_field() {
    let binary = env!("CARGO_BIN_EXE_pressnext");
    let fixtures = fixtures::Fixtures::build(binary);
    let mut cases = Vec::new();
    cases.extend(check::cases());
    cases.extend(eval::cases());
    cases.extend(config::cases());
    cases.extend(checkpoint::cases());
    cases.extend(tools::cases());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "two cases share a name");
    assert!(cases.len() >= 100, "only {} cases", cases.len());

    self_check(binary, &fixtures);

    let untouched = harness::snapshot_tree(fixtures.root());
    harness::run_all(binary, &fixtures, cases);
    assert_eq!(
        harness::snapshot_tree(fixtures.root()),
        untouched,
        "a case changed the shared fixtures"
    );
}

/// Cases that break each rule on purpose: the runner must report every one.
fn self_check(binary: &str, f: &fixtures::Fixtures) {
    use harness::{case, must_be_caught};
    must_be_caught(
        binary,
        f,
        case("a valid dataset", 1, &[], &["check", "data"], |f, d| {
            f.dataset(d);
        }),
        "exit status 0, expected 1",
    );
    must_be_caught(
        binary,
        f,
        case(
            "the wrong name",
            1,
            &["buttons.csv:line 9"],
            &["check", "data"],
            |f, d| {
                let data = f.dataset(d);
                fixtures::put(
                    &data.join("train").join(&f.train).join("script.txt"),
                    &fixtures::text("not a script line\n"),
                );
            },
        ),
        "no error line containing",
    );
    must_be_caught(
        binary,
        f,
        case(
            "writes beside its output folder",
            0,
            &[],
            &[
                "synth-features",
                "--out",
                "elsewhere",
                "--dim",
                "4",
                "--folders",
                "1",
                "--questions",
                "1",
            ],
            |_, _| {},
        )
        .out("out"),
        "wrote outside out",
    );
    must_be_caught(
        binary,
        f,
        case(
            "runs past its watchdog",
            0,
            &[],
            &["synth", "--out", "out", "--appliances", "4"],
            |_, _| {},
        )
        .out("out")
        .watchdog(std::time::Duration::from_millis(500)),
        "hung: killed",
    );
    must_be_caught(
        binary,
        f,
        case(
            "writes into HOME",
            2,
            &["nowhere"],
            &["ask", "--pack", "nowhere", "hi"],
            |_, _| {},
        ),
        "wrote outside",
    );
}
