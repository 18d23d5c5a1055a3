//! `pressnext infer` (and `train` from a checkpoint, `baseline`) with a bad checkpoint, initial
//! state, ground truth or encoded split: exit 2 naming the file or key.

use crate::fixtures::{put, text, write, Put, TINY};
use crate::harness::{case, Case};

/// `infer --cfg cfg.yaml --out out/sub.json CKPT <ckpt> TINY... extra...`, after `setup`.
fn infer(
    name: &str,
    ckpt: &str,
    extra: &[&str],
    needles: &[&str],
    setup: impl Fn(&crate::fixtures::Fixtures, &std::path::Path) + Send + Sync + 'static,
) -> Case {
    let mut args = vec![
        "infer",
        "--cfg",
        "cfg.yaml",
        "--out",
        "out/sub.json",
        "CKPT",
        ckpt,
    ];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    case(name, 2, needles, &args, move |f, d| {
        f.encoded(d);
        write(&d.join("cfg.yaml"), "");
        setup(f, d);
    })
    .out("out")
}

/// `infer` with `ckpt.safetensors` (or another name) replaced by `what`.
fn bad_ckpt(name: &str, file: &'static str, what: Put, needles: &[&str]) -> Case {
    infer(name, file, &[], needles, move |f, d| {
        f.checkpoint(d, file);
        put(&d.join(file), &what);
    })
}

/// A safetensors file: the 8-byte header length, the header, the data.
fn safetensors(declared_len: u64, header: &str, data: &[u8]) -> Put {
    let mut bytes = declared_len.to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    Put::Bytes(bytes)
}

fn header_of(header: &str, data: &[u8]) -> Put {
    safetensors(header.len() as u64, header, data)
}

const CK: &str = "ckpt.safetensors";

pub fn cases() -> Vec<Case> {
    vec![
        infer("infer: no CKPT", "", &[], &["CKPT"], |_, _| {}),
        infer(
            "infer: CKPT does not exist",
            "missing.safetensors",
            &[],
            &["missing.safetensors"],
            |_, _| {},
        ),
        bad_ckpt("ckpt: garbage", CK, text("not a checkpoint at all"), &[CK]),
        bad_ckpt("ckpt: empty", CK, text(""), &[CK]),
        bad_ckpt("ckpt: 5 bytes", CK, text("\x01\x02\x03\x04\x05"), &[CK]),
        bad_ckpt("ckpt: first half", CK, Put::Truncate(3000), &[CK]),
        bad_ckpt(
            "ckpt: header length u64::MAX",
            CK,
            safetensors(u64::MAX, "{}", b""),
            &[CK],
        ),
        bad_ckpt(
            "ckpt: header length past the file",
            CK,
            safetensors(99_999_999, "{}", b""),
            &[CK],
        ),
        bad_ckpt(
            "ckpt: header not JSON",
            CK,
            header_of("{not json at all}", b""),
            &[CK],
        ),
        bad_ckpt(
            "ckpt: header a list",
            CK,
            header_of("[1, 2, 3]        ", b""),
            &[CK],
        ),
        bad_ckpt(
            "ckpt: tensor past the data",
            CK,
            header_of(
                r#"{"state":{"dtype":"F32","shape":[1000000000],"data_offsets":[0,4000000000]}}"#,
                &[0; 16],
            ),
            &[CK],
        ),
        bad_ckpt(
            "ckpt: shape product overflows",
            CK,
            header_of(
                r#"{"state":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}}"#,
                &[0; 4],
            ),
            &[CK],
        ),
        bad_ckpt(
            "ckpt: unknown dtype",
            CK,
            header_of(
                r#"{"state":{"dtype":"Q9","shape":[1],"data_offsets":[0,4]}}"#,
                &[0; 4],
            ),
            &[CK],
        ),
        bad_ckpt("ckpt: no tensors", CK, header_of("{}      ", b""), &[CK]),
        bad_ckpt(
            "ckpt: config metadata garbage",
            CK,
            header_of(
                r#"{"__metadata__":{"config":"MODEL: [unclosed"},"state":{"dtype":"F32","shape":[16],"data_offsets":[0,64]}}"#,
                &[0; 64],
            ),
            &[CK],
        ),
        bad_ckpt(
            "ckpt: config metadata with a huge size",
            CK,
            header_of(
                r#"{"__metadata__":{"config":"MODEL:\n  DIM_STATE: 1000000000000\n"},"state":{"dtype":"F32","shape":[16],"data_offsets":[0,64]}}"#,
                &[0; 64],
            ),
            &[CK, "MODEL.DIM_STATE"],
        ),
        bad_ckpt("ckpt: a FIFO", CK, Put::Fifo, &[CK, "a named pipe"]),
        bad_ckpt(
            "ckpt: a link to /dev/zero",
            CK,
            Put::DevZero,
            &[CK, "a device"],
        ),
        bad_ckpt("ckpt: a folder", CK, Put::Dir, &[CK]),
        bad_ckpt(
            "ckpt: .pth that is text",
            "model.pth",
            text("not a zip"),
            &["model.pth"],
        ),
        bad_ckpt(
            "ckpt: .pth that is empty",
            "model.pth",
            text(""),
            &["model.pth"],
        ),
        bad_ckpt(
            "ckpt: .pth an empty zip",
            "model.pth",
            Put::Bytes(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec()),
            &["model.pth"],
        ),
        infer(
            "ckpt: trained 16-d, config 32-d",
            CK,
            &["INPUT.DIM", "32", "MODEL.DIM_STATE", "32"],
            &[CK],
            |f, d| {
                f.checkpoint(d, CK);
            },
        ),
        infer(
            "ckpt: MODEL.INIT_STATE garbage",
            CK,
            &["MODEL.INIT_STATE", "state.safetensors"],
            &["state.safetensors"],
            |f, d| {
                f.checkpoint(d, CK);
                write(&d.join("state.safetensors"), "garbage");
            },
        ),
        infer(
            "ckpt: MODEL.INIT_STATE a FIFO",
            CK,
            &["MODEL.INIT_STATE", "state.safetensors"],
            &["state.safetensors"],
            |f, d| {
                f.checkpoint(d, CK);
                put(&d.join("state.safetensors"), &Put::Fifo);
            },
        ),
        infer(
            "infer: DATASET.GT invalid JSON",
            CK,
            &["DATASET.GT", "gt.json"],
            &["gt.json"],
            |f, d| {
                f.checkpoint(d, CK);
                write(&d.join("gt.json"), "{\"a\": ");
            },
        ),
        infer(
            "infer: DATASET.GT a FIFO",
            CK,
            &["DATASET.GT", "gt.json"],
            &["gt.json"],
            |f, d| {
                f.checkpoint(d, CK);
                put(&d.join("gt.json"), &Put::Fifo);
            },
        ),
        infer(
            "infer: DATASET.GT for other folders",
            CK,
            &["DATASET.GT", "gt.json"],
            &["gt.json"],
            |f, d| {
                f.checkpoint(d, CK);
                write(
                    &d.join("gt.json"),
                    r#"{"someone_else": [{"question": "q", "answers": [["a"]], "correct": [1]}]}"#,
                );
            },
        ),
        infer(
            "infer: DATASET.VAL missing",
            CK,
            &["DATASET.VAL", "nowhere"],
            &["DATASET.VAL", "nowhere"],
            |f, d| {
                f.checkpoint(d, CK);
            },
        ),
        infer(
            "infer: --out is a folder",
            CK,
            &[],
            &["sub.json"],
            |f, d| {
                f.checkpoint(d, CK);
                std::fs::create_dir_all(d.join("out/sub.json")).unwrap();
            },
        ),
        case(
            "train: CKPT garbage",
            2,
            &[CK],
            &{
                let mut a = vec!["train", "--cfg", "cfg.yaml", "CKPT", CK];
                a.extend_from_slice(TINY);
                a
            },
            |f, d| {
                f.encoded(d);
                write(&d.join("cfg.yaml"), "");
                write(&d.join(CK), "garbage");
            },
        )
        .out("out"),
        case(
            "baseline: --data missing",
            2,
            &["nowhere"],
            &["baseline", "--data", "nowhere", "--kind", "random"],
            |_, _| {},
        ),
        case(
            "baseline: --gt garbage",
            2,
            &["gt.json"],
            &[
                "baseline", "--data", "enc/test", "--kind", "text", "--gt", "gt.json",
            ],
            |f, d| {
                f.encoded(d);
                write(&d.join("gt.json"), "[");
            },
        ),
    ]
}
