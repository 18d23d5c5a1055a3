//! The fuzz targets' bodies: one function per parser or importer that reads a user's file.
//!
//! Each takes arbitrary bytes and must return, whatever they are: an `Err` is the expected
//! answer to garbage, while a panic, an abort, a hang or an allocation out of proportion to the
//! input is a finding. The same functions run under libFuzzer (`fuzz/`, `scripts/fuzz.sh`, on
//! nightly, for minutes per target) and in the stable smoke test (`tests/smoke.rs`: the committed
//! seeds and a few thousand seeded mutations of each, in CI). The targets and what they cover are
//! listed in docs/reliability.md.

use std::path::Path;

/// The name every error names: the targets read bytes, not files.
const FILE: &str = "fuzz-input";

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// `test_with_gt.json` / `test_without_gt.json`: strict and lenient (what `check` uses).
pub fn qa_json(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = assistq::qa::QaFile::parse(t, Path::new(FILE));
        let (file, _) = assistq::qa::QaFile::parse_lenient(t, Path::new(FILE));
        let _ = file.to_json_string();
    }
}

/// `script.txt`: parsed, cut into sentences and written back.
pub fn script(data: &[u8]) {
    if let Some(t) = text(data) {
        if let Ok(s) = assistq::script::Script::parse(t, Path::new(FILE)) {
            let _ = s.sentences();
            let _ = s.to_text();
        }
        let (s, _) = assistq::script::Script::parse_lenient(t, Path::new(FILE));
        let _ = s.sentences();
    }
}

/// `buttons.csv`.
pub fn buttons(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = assistq::buttons::Buttons::parse(t, Path::new(FILE));
        let _ = assistq::buttons::Buttons::parse_lenient(t, Path::new(FILE));
    }
}

/// A submission (`pressnext infer`'s output, `score`'s input), written back when it parses.
pub fn submission(data: &[u8]) {
    if let Some(t) = text(data) {
        if let Ok(s) = assistq::submission::Submission::parse(t, Path::new(FILE)) {
            let _ = s.to_json_string();
        }
    }
}

/// A Q2A config: the YAML up to the first NUL byte, then one `KEY=VALUE` override per line.
pub fn config(data: &[u8]) {
    let (yaml, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let (Some(yaml), Some(rest)) = (text(yaml), text(rest)) else {
        return;
    };
    let overrides: Vec<String> = rest.lines().map(str::to_string).collect();
    let _ = q2a::config::Config::from_yaml(yaml, &overrides, FILE);
}

/// One of our checkpoints: the safetensors header, its metadata and its tensors.
pub fn safetensors(data: &[u8]) {
    let _ = q2a::checkpoint::from_safetensors_bytes(data, Path::new(FILE));
}

/// A PyTorch checkpoint: the whole archive, and the bytes as a bare pickle.
pub fn pytorch(data: &[u8]) {
    let _ = pth::read_tensors_from(std::io::Cursor::new(data), None, Path::new(FILE));
    if let Ok(p) = pth::pickle::read(data) {
        let _ = p.tensors(None);
        let _ = p.tensors(Some("state_dict"));
    }
}

/// An ONNX model, as both importers read one: the OCR's network and the encoders' one-time
/// weight import (initializers as tensors, the node list).
pub fn onnx(data: &[u8]) {
    let _ = ocr::graph::Network::from_bytes(data, Path::new(FILE));
    if let Ok(model) = encoders::onnx::decode_model(data, Path::new(FILE)) {
        let _ = encoders::onnx::OnnxGraph::from_model(model, Path::new(FILE));
    }
}

/// The cached `timeline.json`, and what the app asks of it.
pub fn timeline(data: &[u8]) {
    if let Some(t) = text(data).and_then(grounding::cache::parse) {
        let _ = t.display_labels();
        for c in &t.controls {
            let _ = t.lines_about(&c.button);
        }
    }
}

/// Every target by name (the names of `fuzz/fuzz_targets/*.rs` and of `fuzz/seeds/*`).
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("qa_json", qa_json),
    ("script", script),
    ("buttons", buttons),
    ("submission", submission),
    ("config", config),
    ("safetensors", safetensors),
    ("pytorch", pytorch),
    ("onnx", onnx),
    ("timeline", timeline),
];

/// `n` seeded mutations of `seed`, as a small mutational fuzzer makes them: bit flips, byte
/// overwrites with boundary values, insertions, deletions, truncations, repeated chunks and
/// splices of decimal numbers; each mutation stacks 1 to 4 edits.
pub fn mutations(seed: &[u8], n: usize, rng_seed: u64) -> Vec<Vec<u8>> {
    let mut rng = geometry::SplitMix64(rng_seed);
    let mut pick = |k: usize| rng.below(k.max(1));
    const INTERESTING: &[&[u8]] = &[
        b"\x00",
        b"\xff",
        b"\x7f",
        b"\x80",
        b"-1",
        b"0",
        b"1e309",
        b"NaN",
        b"99999999999999999999",
        b"-9223372036854775809",
        b"\xff\xff\xff\xff",
        b"\xff\xff\xff\xff\xff\xff\xff\x7f",
        b"../",
        b"/",
        b"\n",
        b"\"",
        b",",
        b":",
        b"[",
        b"{",
        b"}",
        b"]",
    ];
    (0..n)
        .map(|_| {
            let mut d = seed.to_vec();
            for _ in 0..1 + pick(4) {
                let len = d.len();
                match pick(7) {
                    0 if len > 0 => {
                        let i = pick(len);
                        d[i] ^= 1 << pick(8);
                    }
                    1 if len > 0 => {
                        let i = pick(len);
                        let v = INTERESTING[pick(INTERESTING.len())];
                        let end = (i + v.len()).min(len);
                        d[i..end].copy_from_slice(&v[..end - i]);
                    }
                    2 => {
                        let i = pick(len + 1);
                        let v = INTERESTING[pick(INTERESTING.len())];
                        d.splice(i..i, v.iter().copied());
                    }
                    3 if len > 0 => {
                        let i = pick(len);
                        let j = (i + 1 + pick(16)).min(len);
                        d.drain(i..j);
                    }
                    4 => d.truncate(pick(len + 1)),
                    5 if len > 0 => {
                        let i = pick(len);
                        let j = (i + 1 + pick(64)).min(len);
                        let chunk = d[i..j].to_vec();
                        for _ in 0..1 + pick(8) {
                            d.splice(j..j, chunk.iter().copied());
                        }
                    }
                    _ => {
                        // Replace a run of digits by a huge or negative number.
                        if let Some(i) = (0..len)
                            .map(|k| (k + pick(len)) % len)
                            .find(|&k| d[k].is_ascii_digit())
                        {
                            let mut j = i;
                            while j < len && d[j].is_ascii_digit() {
                                j += 1;
                            }
                            let v: &[u8] = [
                                b"4294967296".as_slice(),
                                b"18446744073709551616",
                                b"-1",
                                b"0",
                                b"1e300",
                            ][pick(5)];
                            d.splice(i..j, v.iter().copied());
                        }
                    }
                }
            }
            d
        })
        .collect()
}
