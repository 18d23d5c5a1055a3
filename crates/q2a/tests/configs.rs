//! Every config the project ships loads (no unknown key, no bad value).

use std::path::Path;

#[test]
fn shipped_configs_load() {
    let dir =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("../../configs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let cfg = q2a::config::Config::load(&path, &[])
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(cfg.input.dim > 0);
            n += 1;
        }
    }
    assert!(n >= 4, "{n} configs");
}
