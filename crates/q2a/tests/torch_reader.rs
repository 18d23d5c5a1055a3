//! Our PyTorch checkpoint reader (crate `pth`) against candle's on the committed reference
//! checkpoints: the same names and the same values, bit for bit; and crafted files that crash
//! candle's reader are errors naming the file.

use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn reads_the_reference_checkpoints_exactly_as_candle_does() {
    for (file, key) in [
        ("gru_relu_h1.pth", None),
        ("gru_relu_h1.ckpt", Some("state_dict")),
    ] {
        let path = fixture(file);
        let mut ours = pth::read_tensors(&path, key).unwrap();
        let mut theirs = candle_core::pickle::read_all_with_key(&path, key).unwrap();
        ours.sort_by(|a, b| a.0.cmp(&b.0));
        theirs.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(!ours.is_empty(), "{file}");
        assert_eq!(ours.len(), theirs.len(), "{file}");
        for ((name, t), (their_name, their)) in ours.iter().zip(&theirs) {
            assert_eq!(name, their_name, "{file}");
            assert_eq!(t.shape, their.dims(), "{file} {name}");
            let theirs: Vec<f32> = their.flatten_all().unwrap().to_vec1().unwrap();
            assert_eq!(t.to_f32(), theirs, "{file} {name}");
        }
    }
}

#[test]
fn a_crafted_pickle_is_an_error_naming_the_file() {
    // The reference checkpoint with its pickle's first global swapped for `os.system`.
    let dir = tempfile::tempdir().unwrap();
    let bytes = pickle_of(&fixture("gru_relu_h1.pth"));
    let needle = b"ccollections\nOrderedDict\n";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the fixture names OrderedDict");
    let mut crafted = bytes[..at].to_vec();
    crafted.extend_from_slice(b"cos\nsystem\n");
    crafted.extend_from_slice(&bytes[at + needle.len()..]);
    let path = dir.path().join("crafted.pth");
    std::fs::write(&path, rezip(&fixture("gru_relu_h1.pth"), &crafted)).unwrap();
    let err = q2a::checkpoint::load(&path, None)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        err.contains("crafted.pth") && err.contains("`os.system`"),
        "{err}"
    );
}

/// The archive at `path` with its data.pkl replaced by `pickle`, every entry stored.
fn rezip(path: &std::path::Path, pickle: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(if name.ends_with("data.pkl") {
            pickle
        } else {
            &data
        })
        .unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn pickle_of(path: &std::path::Path) -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let name = archive
        .file_names()
        .map(|n| n.unwrap().to_string())
        .find(|n| n.ends_with("data.pkl"))
        .unwrap();
    let mut data = Vec::new();
    archive
        .by_name(&name)
        .unwrap()
        .read_to_end(&mut data)
        .unwrap();
    data
}
