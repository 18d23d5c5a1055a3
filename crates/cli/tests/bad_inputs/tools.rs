//! The other commands that read user files or sizes: `synth`, `synth-features`, `register`,
//! `ground`, `ask`, `models verify`, `encode` and `embed-image`.

use std::path::Path;

use serde_json::json;

use crate::fixtures::{edit_json, put, text, write, Fixtures, Put};
use crate::harness::{case, Case};

// ---- synth and synth-features: sizes ----

fn synth_features(name: &str, extra: &[&str], needles: &[&str]) -> Case {
    let mut args = vec!["synth-features", "--out", "out"];
    args.extend_from_slice(extra);
    case(name, 2, needles, &args, |_, _| {}).out("out")
}

fn synth(name: &str, extra: &[&str], needles: &[&str]) -> Case {
    let mut args = vec!["synth", "--out", "out"];
    args.extend_from_slice(extra);
    case(name, 2, needles, &args, |_, _| {}).out("out")
}

// ---- register: a reference photo, buttons.csv, a frame or a clip ----

/// `case/ref.jpg` (the dataset's photo), `case/buttons.csv` (its boxes), `case/clip.mp4`.
fn register_inputs(f: &Fixtures, d: &Path) {
    let app = f.ds.join("train").join(&f.train);
    let photo = std::fs::read_dir(app.join("images"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::copy(&photo, d.join("ref.jpg")).unwrap();
    std::fs::copy(app.join("buttons.csv"), d.join("buttons.csv")).unwrap();
    std::fs::copy(app.join("video.mp4"), d.join("clip.mp4")).unwrap();
}

const REGISTER_FRAME: &[&str] = &[
    "register",
    "--reference",
    "ref.jpg",
    "--buttons",
    "buttons.csv",
    "--frame",
    "ref.jpg",
];
const REGISTER_VIDEO: &[&str] = &[
    "register",
    "--reference",
    "ref.jpg",
    "--buttons",
    "buttons.csv",
    "--video",
    "clip.mp4",
];

fn register(name: &str, args: &[&str], file: &'static str, what: Put, needles: &[&str]) -> Case {
    case(name, 2, needles, args, move |f, d| {
        register_inputs(f, d);
        put(&d.join(file), &what);
    })
}

/// A PNG whose header claims `w` x `h` pixels and holds no image data.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    png
}

// ---- models verify: a copy of the tiny models root with one thing wrong ----

fn verify(name: &str, needles: &[&str], setup: impl Fn(&Path) + Send + Sync + 'static) -> Case {
    case(
        name,
        1,
        needles,
        &["models", "verify", "--models", "models"],
        move |f, d| {
            f.models(d);
            setup(&d.join("models"));
        },
    )
}

/// Points the manifest's first file at `path`.
fn manifest_path(models: &Path, path: &str) {
    edit_json(&models.join("manifest.json"), |v| {
        v["models"][0]["files"][0]["path"] = json!(path);
    });
}

/// The first file the manifest lists.
fn first_listed(models: &Path) -> std::path::PathBuf {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(models.join("manifest.json")).unwrap())
            .unwrap();
    models.join(v["models"][0]["files"][0]["path"].as_str().unwrap())
}

// ---- encode with the tiny encoders ----

const ENCODE: &[&str] = &[
    "encode",
    "--data",
    "data",
    "--split",
    "train",
    "--label",
    "train.json",
    "--out",
    "out",
    "--models",
    "models",
    "--device",
    "cpu",
];

fn encode(name: &str, code: i32, rel: &str, what: Put, needles: &[&str]) -> Case {
    let rel = rel.to_string();
    case(name, code, needles, ENCODE, move |f, d| {
        let data = f.dataset(d);
        f.models(d);
        put(&data.join(rel.replace("{train}", &f.train)), &what);
    })
    .out("out")
}

fn encode_args(name: &str, extra: &[&str], needles: &[&str]) -> Case {
    let mut args = ENCODE.to_vec();
    args.extend_from_slice(extra);
    case(name, 2, needles, &args, |f, d| {
        f.dataset(d);
        f.models(d);
    })
    .out("out")
}

// ---- ask: packs ----

/// `ask --data-dir out ARGS` with the tiny encoders as `./models` (the models root `ask` finds
/// when `PRESSNEXT_MODELS` is unset), after `setup`.
fn ask(
    name: &str,
    args: &[&str],
    needles: &[&str],
    setup: impl Fn(&Fixtures, &Path) + Send + Sync + 'static,
) -> Case {
    let mut all = vec!["ask", "--data-dir", "out"];
    all.extend_from_slice(args);
    case(name, 2, needles, &all, move |f, d| {
        f.models(d);
        setup(f, d);
    })
    .out("out")
}

pub fn cases() -> Vec<Case> {
    vec![
        synth_features("synth-features: --dim 0", &["--dim", "0"], &["--dim"]),
        synth_features(
            "synth-features: --dim 100000",
            &["--dim", "100000"],
            &["--dim"],
        ),
        synth_features("synth-features: --dim -1", &["--dim", "-1"], &["--dim"]),
        synth_features(
            "synth-features: --folders 0",
            &["--folders", "0"],
            &["--folders"],
        ),
        synth_features(
            "synth-features: --folders 2^64-1",
            &["--folders", "18446744073709551615"],
            &["--folders"],
        ),
        synth_features(
            "synth-features: --questions 100000",
            &["--questions", "100000"],
            &["--questions"],
        ),
        case(
            "synth-features: --out is a file",
            2,
            &["out"],
            &[
                "synth-features",
                "--out",
                "out",
                "--dim",
                "8",
                "--folders",
                "1",
            ],
            |_, d| {
                write(&d.join("out"), "a file");
            },
        ),
        synth("synth: --size 0x0", &["--size", "0x0"], &["size"]),
        synth(
            "synth: --size 100000x100000",
            &["--size", "100000x100000"],
            &["size"],
        ),
        synth(
            "synth: --size 2^64x1",
            &["--size", "18446744073709551616x90"],
            &["--size"],
        ),
        synth("synth: --size wide", &["--size", "wide"], &["--size"]),
        synth(
            "synth: --appliances 0",
            &["--appliances", "0"],
            &["appliances"],
        ),
        synth(
            "synth: --appliances 2^64-1",
            &["--appliances", "18446744073709551615"],
            &["appliances"],
        ),
        synth(
            "synth: --min-seconds 0",
            &["--min-seconds", "0"],
            &["seconds"],
        ),
        synth(
            "synth: --max-seconds 100000",
            &["--max-seconds", "100000"],
            &["seconds"],
        ),
        synth(
            "synth: --test-fraction NaN",
            &["--test-fraction", "NaN"],
            &["test fraction"],
        ),
        synth(
            "synth: --test-fraction 2",
            &["--test-fraction", "2"],
            &["test fraction"],
        ),
        case(
            "synth: --out not empty",
            2,
            &["out"],
            &["synth", "--out", "out", "--appliances", "1"],
            |_, d| {
                write(&d.join("out/keep.txt"), "mine");
            },
        ),
        // register
        case(
            "register: no reference",
            2,
            &["missing.jpg"],
            &[
                "register",
                "--reference",
                "missing.jpg",
                "--buttons",
                "buttons.csv",
                "--frame",
                "ref.jpg",
            ],
            register_inputs,
        ),
        register(
            "register: reference is text",
            REGISTER_FRAME,
            "ref.jpg",
            text("not an image"),
            &["ref.jpg"],
        ),
        register(
            "register: reference is empty",
            REGISTER_VIDEO,
            "ref.jpg",
            text(""),
            &["ref.jpg"],
        ),
        register(
            "register: reference a FIFO",
            REGISTER_FRAME,
            "ref.jpg",
            Put::Fifo,
            &["ref.jpg"],
        ),
        register(
            "register: reference /dev/zero",
            REGISTER_FRAME,
            "ref.jpg",
            Put::DevZero,
            &["ref.jpg"],
        ),
        register(
            "register: reference claims 100000x100000",
            REGISTER_FRAME,
            "ref.jpg",
            Put::Bytes(png_claiming(100_000, 100_000)),
            &["ref.jpg"],
        ),
        register(
            "register: buttons.csv bad line",
            REGISTER_FRAME,
            "buttons.csv",
            text("button1,1,1,5,5,ref.jpg,100,100\nbutton2,1,1\n"),
            &["buttons.csv", "line 2"],
        ),
        register(
            "register: buttons.csv huge x",
            REGISTER_FRAME,
            "buttons.csv",
            text("button1,99999999999,1,5,5,ref.jpg,100,100\n"),
            &["buttons.csv", "line 1", "field 2 (x)"],
        ),
        register(
            "register: buttons.csv empty",
            REGISTER_FRAME,
            "buttons.csv",
            text(""),
            &["buttons.csv"],
        ),
        register(
            "register: buttons.csv a FIFO",
            REGISTER_FRAME,
            "buttons.csv",
            Put::Fifo,
            &["buttons.csv"],
        ),
        register(
            "register: buttons.csv /dev/zero",
            REGISTER_FRAME,
            "buttons.csv",
            Put::DevZero,
            &["buttons.csv"],
        ),
        register(
            "register: buttons.csv for other photos",
            REGISTER_FRAME,
            "buttons.csv",
            text("button1,1,1,5,5,a.jpg,100,100\nbutton1,1,1,5,5,b.jpg,100,100\n"),
            &["buttons.csv", "ref.jpg"],
        ),
        register(
            "register: frame is text",
            REGISTER_FRAME,
            "ref.jpg",
            text("x"),
            &["ref.jpg"],
        ),
        case(
            "register: frame is a FIFO",
            2,
            &["frame.png"],
            &[
                "register",
                "--reference",
                "ref.jpg",
                "--buttons",
                "buttons.csv",
                "--frame",
                "frame.png",
            ],
            |f, d| {
                register_inputs(f, d);
                put(&d.join("frame.png"), &Put::Fifo);
            },
        ),
        register(
            "register: clip is text",
            REGISTER_VIDEO,
            "clip.mp4",
            text("not a video"),
            &["clip.mp4"],
        ),
        register(
            "register: clip is empty",
            REGISTER_VIDEO,
            "clip.mp4",
            text(""),
            &["clip.mp4"],
        ),
        register(
            "register: clip a FIFO",
            REGISTER_VIDEO,
            "clip.mp4",
            Put::Fifo,
            &["clip.mp4"],
        ),
        register(
            "register: clip /dev/zero",
            REGISTER_VIDEO,
            "clip.mp4",
            Put::DevZero,
            &["clip.mp4"],
        ),
        register(
            "register: clip truncated to 1 KB",
            REGISTER_VIDEO,
            "clip.mp4",
            Put::Truncate(1024),
            &["clip.mp4"],
        ),
        // ground
        case(
            "ground: --pack missing",
            2,
            &["nowhere"],
            &["ground", "--pack", "nowhere"],
            |_, _| {},
        ),
        case(
            "ground: --pack empty folder",
            2,
            &["empty", "no appliance folder"],
            &["ground", "--pack", "empty"],
            |_, d| {
                std::fs::create_dir_all(d.join("empty")).unwrap();
            },
        ),
        case(
            "ground: --pack with two appliances",
            2,
            &["{train}", "{test}"],
            &["ground", "--pack", "data"],
            |f, d| {
                f.dataset(d);
            },
        ),
        case(
            "ground: --pack a file",
            2,
            &["notes.txt"],
            &["ground", "--pack", "notes.txt"],
            |_, d| {
                write(&d.join("notes.txt"), "x");
            },
        ),
        case(
            "ground: --pack a FIFO",
            2,
            &["pipe"],
            &["ground", "--pack", "pipe"],
            |_, d| {
                put(&d.join("pipe"), &Put::Fifo);
            },
        ),
        case(
            "ground: --data label invalid",
            2,
            &["train.json"],
            &["ground", "--data", "data", "--out", "out"],
            |f, d| {
                let data = f.dataset(d);
                write(&data.join("train.json"), "{");
            },
        )
        .out("out"),
        case(
            "ground: --data label with ../",
            2,
            &["train.json", "not a plain name"],
            &["ground", "--data", "data", "--out", "out"],
            |f, d| {
                let data = f.dataset(d);
                edit_json(&data.join("train.json"), |v| {
                    v["../../x"] = v[&f.train].clone()
                });
            },
        )
        .out("out"),
        case(
            "ground: --data split missing",
            2,
            &["nosplit"],
            &[
                "ground",
                "--data",
                "data",
                "--split",
                "nosplit",
                "--label",
                "none.json",
                "--out",
                "out",
            ],
            |f, d| {
                f.dataset(d);
            },
        )
        .out("out"),
        // ask
        ask(
            "ask: --pack missing",
            &["--pack", "nowhere", "how?"],
            &["nowhere"],
            |_, _| {},
        ),
        ask(
            "ask: --pack empty folder",
            &["--pack", "empty", "how?"],
            &["empty"],
            |_, d| {
                std::fs::create_dir_all(d.join("empty")).unwrap();
            },
        ),
        ask(
            "ask: appliance folder outside a dataset",
            &["--pack", "solo", "how?"],
            &["solo", "train"],
            |f, d| {
                crate::fixtures::copy_dir(&f.ds.join("train").join(&f.train), &d.join("solo"));
            },
        ),
        ask(
            "ask: two appliances, none chosen",
            &["--pack", "data", "how?"],
            &["{train}", "{test}"],
            |f, d| {
                f.dataset(d);
            },
        ),
        ask(
            "ask: --appliance not in the pack",
            &["--pack", "data", "--appliance", "fridge_x", "how?"],
            &["fridge_x"],
            |f, d| {
                f.dataset(d);
            },
        ),
        ask(
            "ask: label JSON invalid",
            &["--pack", "data/train/{train}", "how?"],
            &["train.json"],
            |f, d| {
                let data = f.dataset(d);
                write(&data.join("train.json"), "{\"x\": ");
            },
        ),
        ask(
            "ask: label JSON with ../ folder",
            &["--pack", "data", "--appliance", "{train}", "how?"],
            &["train.json", "not a plain name"],
            |f, d| {
                let data = f.dataset(d);
                edit_json(&data.join("train.json"), |v| {
                    v["../../x"] = v[&f.train].clone()
                });
            },
        ),
        ask(
            "ask: buttons.csv bad",
            &["--pack", "data/train/{train}", "how?"],
            &["buttons.csv", "line 1"],
            |f, d| {
                let data = f.dataset(d);
                write(
                    &data.join("train").join(&f.train).join("buttons.csv"),
                    "button1,x\n",
                );
            },
        ),
        ask(
            "ask: video.mp4 text",
            &["--pack", "data/train/{train}", "how?"],
            &["video.mp4"],
            |f, d| {
                let data = f.dataset(d);
                write(
                    &data.join("train").join(&f.train).join("video.mp4"),
                    "not a video",
                );
            },
        ),
        ask(
            "ask: --model garbage checkpoint",
            &[
                "--pack",
                "data/train/{train}",
                "--model",
                "bad.safetensors",
                "how?",
            ],
            &["bad.safetensors"],
            |f, d| {
                f.dataset(d);
                write(&d.join("bad.safetensors"), "garbage");
            },
        ),
        ask(
            "ask: --model truncated checkpoint",
            &[
                "--pack",
                "data/train/{train}",
                "--model",
                "cut.safetensors",
                "how?",
            ],
            &["cut.safetensors"],
            |f, d| {
                f.dataset(d);
                let bytes = std::fs::read(&f.ckpt).unwrap();
                write(&d.join("cut.safetensors"), &bytes[..bytes.len() / 2]);
            },
        ),
        ask(
            "ask: --model .pth that is text",
            &["--pack", "data/train/{train}", "--model", "ref.pth", "how?"],
            &["ref.pth"],
            |f, d| {
                f.dataset(d);
                write(&d.join("ref.pth"), "not a zip archive");
            },
        ),
        ask(
            "ask: video.mp4 a link to /dev/zero",
            &["--pack", "data/train/{train}", "how?"],
            &["video.mp4", "a device"],
            |f, d| {
                let data = f.dataset(d);
                put(
                    &data.join("train").join(&f.train).join("video.mp4"),
                    &Put::DevZero,
                );
            },
        ),
        ask(
            "ask: --listed without right answers",
            &["--pack", "data/test/{test}", "--listed"],
            &["correct"],
            |f, d| {
                let data = f.dataset(d);
                std::fs::remove_file(data.join("test_with_gt.json")).unwrap();
            },
        ),
        case(
            "ask: --data-dir is a file",
            2,
            &["dd", "not a folder"],
            &[
                "ask",
                "--data-dir",
                "dd",
                "--pack",
                "data/train/{train}",
                "how?",
            ],
            |f, d| {
                f.dataset(d);
                write(&d.join("dd"), "a file");
            },
        ),
        // models verify
        verify("verify: no manifest", &["manifest.json"], |m| {
            std::fs::remove_file(m.join("manifest.json")).unwrap()
        }),
        verify("verify: manifest invalid JSON", &["manifest.json"], |m| {
            write(&m.join("manifest.json"), "{\"models\": [")
        }),
        verify("verify: manifest empty", &["manifest.json"], |m| {
            write(&m.join("manifest.json"), "")
        }),
        verify("verify: manifest wrong type", &["manifest.json"], |m| {
            write(&m.join("manifest.json"), "{\"models\": 3}")
        }),
        verify("verify: manifest non-UTF-8", &["manifest.json"], |m| {
            write(&m.join("manifest.json"), b"{\"models\": [\xff]}")
        }),
        verify("verify: manifest a folder", &["manifest.json"], |m| {
            put(&m.join("manifest.json"), &Put::Dir)
        }),
        verify("verify: manifest a FIFO", &["manifest.json"], |m| {
            put(&m.join("manifest.json"), &Put::Fifo)
        }),
        verify("verify: manifest /dev/zero", &["manifest.json"], |m| {
            put(&m.join("manifest.json"), &Put::DevZero)
        }),
        verify(
            "verify: a ../ path",
            &["manifest.json", "../outside.bin"],
            |m| manifest_path(m, "../outside.bin"),
        ),
        verify(
            "verify: an absolute path",
            &["manifest.json", "/etc/passwd"],
            |m| manifest_path(m, "/etc/passwd"),
        ),
        verify(
            "verify: a listed FIFO",
            &["pipe", "not a regular file"],
            |m| {
                put(&m.join("pipe"), &Put::Fifo);
                manifest_path(m, "pipe");
            },
        ),
        verify(
            "verify: a listed link to /dev/zero",
            &["zero", "not a regular file"],
            |m| {
                put(&m.join("zero"), &Put::DevZero);
                manifest_path(m, "zero");
            },
        ),
        verify(
            "verify: a listed folder",
            &["all-minilm-l6-v2", "not a regular file"],
            |m| manifest_path(m, "all-minilm-l6-v2"),
        ),
        verify("verify: a file missing", &["missing"], |m| {
            std::fs::remove_file(first_listed(m)).unwrap();
        }),
        verify("verify: a file changed", &["corrupt"], |m| {
            let path = first_listed(m);
            let mut bytes = std::fs::read(&path).unwrap();
            bytes[0] ^= 0xff;
            std::fs::write(&path, bytes).unwrap();
        }),
        // encode
        encode(
            "encode: label with ../ folder",
            2,
            "train.json",
            text("{\"../../x\": []}"),
            &["train.json", "not a plain name"],
        ),
        encode(
            "encode: label missing",
            2,
            "train.json",
            Put::Link("gone.json".into()),
            &["train.json"],
        ),
        encode(
            "encode: label a FIFO",
            2,
            "train.json",
            Put::Fifo,
            &["train.json"],
        ),
        encode(
            "encode: label /dev/zero",
            2,
            "train.json",
            Put::DevZero,
            &["train.json"],
        ),
        encode(
            "encode: script.txt bad",
            1,
            "train/{train}/script.txt",
            text("0:00:00-0:00:02 Fine.\nnot a line\n"),
            &["{train}", "script.txt", "line 2"],
        ),
        encode(
            "encode: script.txt a FIFO",
            1,
            "train/{train}/script.txt",
            Put::Fifo,
            &["{train}", "script.txt"],
        ),
        encode(
            "encode: buttons.csv bad",
            1,
            "train/{train}/buttons.csv",
            text("button1,1,1,5,5,x.jpg,10\n"),
            &["{train}", "buttons.csv", "line 1"],
        ),
        encode(
            "encode: buttons.csv /dev/zero",
            1,
            "train/{train}/buttons.csv",
            Put::DevZero,
            &["{train}", "buttons.csv"],
        ),
        encode(
            "encode: video.mp4 text",
            1,
            "train/{train}/video.mp4",
            text("not a video"),
            &["{train}", "video.mp4"],
        ),
        encode(
            "encode: video.mp4 a FIFO",
            1,
            "train/{train}/video.mp4",
            Put::Fifo,
            &["{train}", "video.mp4"],
        ),
        case(
            "encode: photo is text",
            1,
            &["{train}", "jpg"],
            ENCODE,
            |f, d| {
                let data = f.dataset(d);
                f.models(d);
                let images = data.join("train").join(&f.train).join("images");
                let photo = std::fs::read_dir(&images)
                    .unwrap()
                    .next()
                    .unwrap()
                    .unwrap()
                    .path();
                put(&photo, &text("not a jpeg"));
            },
        )
        .out("out"),
        encode(
            "encode: images/ a file",
            1,
            "train/{train}/images",
            text("x"),
            &["{train}", "images"],
        ),
        encode_args("encode: --fps 0", &["--fps", "0"], &["--fps"]),
        encode_args("encode: --fps NaN", &["--fps", "NaN"], &["--fps"]),
        encode_args("encode: --fps -1", &["--fps", "-1"], &["--fps"]),
        encode_args(
            "encode: --button-view other",
            &["--button-view", "other"],
            &["--button-view"],
        ),
        case(
            "encode: no models",
            2,
            &["manifest.json"],
            &[
                "encode", "--data", "data", "--out", "out", "--models", "none", "--device", "cpu",
            ],
            |f, d| {
                f.dataset(d);
            },
        )
        .out("out"),
        // embed-image with the tiny encoders
        case(
            "embed-image: text",
            2,
            &["x.png"],
            &[
                "embed-image",
                "x.png",
                "--models",
                "models",
                "--device",
                "cpu",
            ],
            |f, d| {
                f.models(d);
                write(&d.join("x.png"), "not an image");
            },
        ),
        case(
            "embed-image: a FIFO",
            2,
            &["x.png"],
            &[
                "embed-image",
                "x.png",
                "--models",
                "models",
                "--device",
                "cpu",
            ],
            |f, d| {
                f.models(d);
                put(&d.join("x.png"), &Put::Fifo);
            },
        ),
        case(
            "embed-image: claims 100000x100000",
            2,
            &["x.png"],
            &[
                "embed-image",
                "x.png",
                "--models",
                "models",
                "--device",
                "cpu",
            ],
            |f, d| {
                f.models(d);
                write(&d.join("x.png"), png_claiming(100_000, 100_000));
            },
        ),
    ]
}
