//! `models verify` reads only regular files inside the models folder: a manifest that lists a
//! device, a path outside the folder or an absolute path is an error naming the manifest or the
//! file, returned at once (never a hang on `/dev/zero`).

use encoders::models::{self, Manifest, ManifestFile, ManifestModel, Role};

fn manifest_listing(path: &str) -> Manifest {
    Manifest {
        models: vec![ManifestModel {
            name: "tiny".into(),
            role: Role::Text,
            source_package: "tiny".into(),
            source_version: "0.0.0".into(),
            source_sha256: "00".repeat(32),
            files: vec![ManifestFile {
                path: path.into(),
                sha256: "00".repeat(32),
                bytes: 0,
            }],
        }],
    }
}

#[test]
fn files_outside_the_folder_and_devices_are_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("models");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    for (listed, expected) in [
        ("/dev/zero", "expected a path inside the models folder"),
        ("../outside.bin", "expected a path inside the models folder"),
        ("", "expected a path inside the models folder"),
        ("sub", "not a regular file"),
    ] {
        manifest_listing(listed).write(&root).unwrap();
        let err = models::verify(&root).unwrap_err().to_string();
        assert!(err.contains(expected), "{listed:?}: {err}");
        assert!(
            err.contains("manifest.json") || err.contains(&format!("models/{listed}")),
            "{listed:?}: {err}"
        );
    }
    // A symlink to a device inside the folder is no better.
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.bin")).unwrap();
    manifest_listing("zero.bin").write(&root).unwrap();
    let err = models::verify(&root).unwrap_err().to_string();
    assert!(err.contains("not a regular file"), "{err}");
}
