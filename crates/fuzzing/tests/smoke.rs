//! The fuzz targets on stable, as CI runs them: every committed seed (fuzz/seeds/<target>/) and
//! 3000 seeded mutations of each, through the same bodies libFuzzer drives. A panic fails the
//! test naming the target and the input's index; the minutes-long libFuzzer runs are
//! `scripts/fuzz.sh` (docs/reliability.md).

use std::path::PathBuf;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("../../fuzz/seeds")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_target_has_seeds_and_a_harness() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../fuzz");
    for (name, _) in fuzzing::TARGETS {
        assert!(!seeds(name).is_empty(), "no seeds for {name}");
        let harness = root.join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&harness)
            .unwrap_or_else(|e| panic!("{}: {e}", harness.display()));
        assert!(
            text.contains(&format!("fuzzing::{name}(")),
            "{}",
            harness.display()
        );
    }
}

#[test]
fn no_target_panics_on_its_seeds_or_their_mutations() {
    let mut failures = Vec::new();
    for (t, (name, run)) in fuzzing::TARGETS.iter().enumerate() {
        for (s, (file, seed)) in seeds(name).into_iter().enumerate() {
            let mut inputs = vec![seed.clone()];
            inputs.extend(fuzzing::mutations(&seed, 3000, (t * 1000 + s) as u64));
            for (i, input) in inputs.iter().enumerate() {
                if std::panic::catch_unwind(|| run(input)).is_err() {
                    failures.push(format!("{name} seed {file} mutation {i}"));
                    break;
                }
            }
        }
    }
    assert!(failures.is_empty(), "panics: {failures:#?}");
}
