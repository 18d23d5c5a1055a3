//! `pressnext train` with a bad config file, bad `KEY VALUE` overrides or bad encoded features:
//! exit 2 naming the file or the config key, before anything is allocated or written outside
//! `OUTPUT_DIR`.

use crate::fixtures::{put, text, write, Put, TINY};
use crate::harness::{case, Case};

/// `train --cfg cfg.yaml TINY... extra...` with `cfg.yaml` holding `yaml` and the encoded
/// features copied in.
fn train(name: &str, yaml: &'static str, extra: &[&str], needles: &[&str]) -> Case {
    let mut args = vec!["train", "--cfg", "cfg.yaml"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    case(name, 2, needles, &args, move |f, d| {
        f.encoded(d);
        write(&d.join("cfg.yaml"), yaml);
    })
    .out("out")
}

/// `train` with a valid config and `what` put at `enc/<rel>`.
fn train_features(name: &str, rel: &str, what: Put, needles: &[&str]) -> Case {
    let mut args = vec!["train", "--cfg", "cfg.yaml"];
    args.extend_from_slice(TINY);
    let rel = rel.to_string();
    case(name, 2, needles, &args, move |f, d| {
        f.encoded(d);
        write(&d.join("cfg.yaml"), "");
        let folder = first_folder(&d.join("enc/train"));
        put(&folder.join(&rel), &what);
    })
    .out("out")
}

pub fn first_folder(dir: &std::path::Path) -> std::path::PathBuf {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v.remove(0)
}

/// `train --cfg cfg.yaml` with `cfg.yaml` replaced by `what`.
fn cfg_file(name: &str, what: Put, needles: &[&str]) -> Case {
    let mut args = vec!["train", "--cfg", "cfg.yaml"];
    args.extend_from_slice(TINY);
    case(name, 2, needles, &args, move |f, d| {
        f.encoded(d);
        put(&d.join("cfg.yaml"), &what);
    })
    .out("out")
}

pub fn cases() -> Vec<Case> {
    vec![
        // The file itself
        train("config: YAML syntax error", "MODEL:\n  ARCH: [q2a\n", &[], &["cfg.yaml"]),
        train("config: tab-indented YAML", "MODEL:\n\tARCH: q2a\n", &[], &["cfg.yaml"]),
        train("config: top level is a list", "- 1\n- 2\n", &[], &["cfg.yaml"]),
        train("config: unknown key", "MODEL:\n  NUM_HEAD: 2\n", &[], &["cfg.yaml", "NUM_HEAD"]),
        train("config: unknown group", "TRAINER:\n  GPUS: 2\n", &[], &["cfg.yaml", "TRAINER"]),
        train("config: a value given a group", "CHECK_VAL_EVERY_N_EPOCH:\n  EVERY: 1\n", &[], &["cfg.yaml", "CHECK_VAL_EVERY_N_EPOCH"]),
        train("config: MODEL.NUM_HEADS a string", "MODEL:\n  NUM_HEADS: many\n", &[], &["cfg.yaml", "MODEL.NUM_HEADS"]),
        train("config: INPUT.NUM_MASKS -1", "INPUT:\n  NUM_MASKS: -1\n", &[], &["cfg.yaml", "INPUT.NUM_MASKS"]),
        train("config: MODEL.MLP.LAYERS 2^70", "MODEL:\n  MLP:\n    LAYERS: 1180591620717411303424\n", &[], &["cfg.yaml", "MODEL.MLP.LAYERS"]),
        train("config: SOLVER.LR .nan", "SOLVER:\n  LR: .nan\n", &[], &["SOLVER.LR"]),
        train("config: a YAML alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n", &[], &["cfg.yaml"]),
        cfg_file("config: deeply nested YAML", text(&format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000))), &["cfg.yaml"]),
        cfg_file("config: no such file", Put::Link("missing.yaml".into()), &["cfg.yaml"]),
        cfg_file("config: a folder", Put::Dir, &["cfg.yaml"]),
        cfg_file("config: a FIFO", Put::Fifo, &["cfg.yaml", "a named pipe"]),
        cfg_file("config: a link to /dev/zero", Put::DevZero, &["cfg.yaml", "a device"]),
        cfg_file("config: non-UTF-8 bytes", Put::Bytes(b"MODEL:\n  ARCH: q\xffa\n".to_vec()), &["cfg.yaml"]),
        // Sizes over the bounds of docs/config.md
        train("config: INPUT.DIM above 8192", "INPUT:\n  DIM: 100000\n", &["INPUT.DIM", "100000"], &["INPUT.DIM", "8192"]),
        train("config: MODEL.DIM_STATE above 8192", "", &["MODEL.DIM_STATE", "1000000000000"], &["MODEL.DIM_STATE", "8192"]),
        train("config: INPUT.NUM_MASKS above 16", "", &["INPUT.NUM_MASKS", "17"], &["INPUT.NUM_MASKS", "16"]),
        train("config: MODEL.NUM_HEADS above 64", "", &["MODEL.NUM_HEADS", "128"], &["MODEL.NUM_HEADS"]),
        train("config: MODEL.MLP.LAYERS above 32", "", &["MODEL.MLP.LAYERS", "1000"], &["MODEL.MLP.LAYERS", "32"]),
        train("config: SOLVER.BATCH_SIZE above 4096", "", &["SOLVER.BATCH_SIZE", "1000000"], &["SOLVER.BATCH_SIZE", "4096"]),
        train("config: SOLVER.MAX_EPOCHS above 100000", "", &["SOLVER.MAX_EPOCHS", "1000000000"], &["SOLVER.MAX_EPOCHS", "100000"]),
        train("config: MODEL.NUM_HEADS 0", "", &["MODEL.NUM_HEADS", "0"], &["MODEL.NUM_HEADS"]),
        train("config: MODEL.NUM_HEADS not dividing", "", &["MODEL.NUM_HEADS", "3"], &["MODEL.NUM_HEADS", "divide"]),
        train("config: SOLVER.BATCH_SIZE 0", "", &["SOLVER.BATCH_SIZE", "0"], &["SOLVER.BATCH_SIZE"]),
        train("config: SOLVER.WARMUP_EPOCHS past MAX_EPOCHS", "", &["SOLVER.WARMUP_EPOCHS", "5"], &["SOLVER.WARMUP_EPOCHS"]),
        // Values
        train("config: SOLVER.LR negative", "", &["SOLVER.LR", "-0.1"], &["SOLVER.LR"]),
        train("config: SOLVER.LR a word", "", &["SOLVER.LR", "fast"], &["SOLVER.LR"]),
        train("config: MODEL.ARCH unknown", "", &["MODEL.ARCH", "transformer"], &["MODEL.ARCH"]),
        train("config: MODEL.HISTORY.ARCH unknown", "", &["MODEL.HISTORY.ARCH", "lstm"], &["MODEL.HISTORY.ARCH"]),
        train("config: SOLVER.MONITOR unknown", "", &["SOLVER.MONITOR", "accuracy"], &["SOLVER.MONITOR"]),
        train("config: DEVICE unknown", "", &["DEVICE", "tpu"], &["tpu"]),
        // Overrides
        train("override: unknown key", "", &["SOLVER.LRR", "0.1"], &["SOLVER.LRR"]),
        train("override: lower-case key", "", &["solver.lr", "0.1"], &["solver.lr", "not a config key"]),
        train("override: empty key part", "", &["SOLVER..LR", "0.1"], &["SOLVER..LR"]),
        train("override: a key without a value", "", &["SOLVER.LR"], &["KEY VALUE", "SOLVER.LR"]),
        train("override: below a value", "", &["SOLVER.LR.X", "1"], &["SOLVER.LR"]),
        train("override: a mapping for a number", "", &["INPUT.DIM", "{a: 1}"], &["INPUT.DIM"]),
        // Data the config points at
        train("train: DATASET.TRAIN missing", "", &["DATASET.TRAIN", "no/such/dir"], &["DATASET.TRAIN", "no/such/dir"]),
        train("train: DATASET.TRAIN a file", "", &["DATASET.TRAIN", "cfg.yaml"], &["DATASET.TRAIN", "cfg.yaml", "not a folder"]),
        train("train: features 16-d, INPUT.DIM 32", "", &["INPUT.DIM", "32", "MODEL.DIM_STATE", "32"], &["enc/train"]),
        train_features("train: video features garbage", "video.safetensors", text("garbage"), &["video.safetensors"]),
        train_features("train: video features empty", "video.safetensors", text(""), &["video.safetensors"]),
        train_features("train: video features a FIFO", "video.safetensors", Put::Fifo, &["video.safetensors"]),
        train_features("train: video features /dev/zero", "video.safetensors", Put::DevZero, &["video.safetensors"]),
        train_features("train: qa.json invalid", "qa.json", text("[{"), &["qa.json"]),
        train_features("train: qa.json a FIFO", "qa.json", Put::Fifo, &["qa.json"]),
        train_features("train: script.json a FIFO", "script.json", Put::Fifo, &["script.json"]),
        train_features("train: script features missing", "script.safetensors", Put::Link("gone".into()), &["script.safetensors"]),
        case("train: OUTPUT_DIR is a file", 2, &["OUTPUT_DIR", "out", "not a folder"], &{
            let mut a = vec!["train", "--cfg", "cfg.yaml"];
            a.extend_from_slice(TINY);
            a
        }, |f, d| {
            f.encoded(d);
            write(&d.join("cfg.yaml"), "");
            write(&d.join("out"), "a file where the run folder goes");
        }),
    ]
}
