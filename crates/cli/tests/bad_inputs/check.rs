//! `pressnext check` over a dataset with one bad file: `script.txt`, `buttons.csv`, the QA label
//! JSON, the video, and the dataset's layout itself. Exit 1 with the problem on an
//! `error: FILE:LOCATION: message` line (exit 2 when the root itself cannot be read).

use serde_json::{json, Value};

use crate::fixtures::{edit_json, put, text, Put};
use crate::harness::{case, Case};

const APP: &str = "train/{train}";

/// `check data` after `what` replaced `data/<rel>`.
fn check_put(name: &str, rel: &str, what: Put, needles: &[&str]) -> Case {
    let rel = rel.to_string();
    case(name, 1, needles, &["check", "data"], move |f, d| {
        let data = f.dataset(d);
        let rel = rel.replace("{train}", &f.train).replace("{test}", &f.test);
        put(&data.join(rel), &what);
    })
}

/// `check data` after `edit` changed `data/train.json`.
fn check_qa(name: &str, needles: &[&str], edit: fn(&mut Value, &str)) -> Case {
    case(name, 1, needles, &["check", "data"], move |f, d| {
        let data = f.dataset(d);
        edit_json(&data.join("train.json"), |v| edit(v, &f.train));
    })
}

const GOOD_LINE: &str = "0:00:00-0:00:02 Look at the panel.\n";

pub fn cases() -> Vec<Case> {
    let script = format!("{APP}/script.txt");
    let buttons = format!("{APP}/buttons.csv");
    let video = format!("{APP}/video.mp4");
    let line = |bad: &str| text(&format!("{GOOD_LINE}{bad}\n"));
    let csv_line = |bad: &str| {
        text(&format!(
            "button1,10,10,20,20,x.jpg,100,100\nbutton2,40,10,20,20,x.jpg,100,100\n{bad}\n"
        ))
    };
    let huge_digits = "9".repeat(100_000);
    vec![
        // script.txt
        check_put(
            "script: a line without times",
            &script,
            line("00:05 press start"),
            &["script.txt:line 2", "expected `H:MM:SS-H:MM:SS text`"],
        ),
        check_put(
            "script: hours past u64",
            &script,
            line("18446744073709551616:00:00-18446744073709551616:00:01 Late."),
            &["script.txt:line 2", "too large"],
        ),
        check_put(
            "script: hours above the bound",
            &script,
            line("100000:00:00-100000:00:01 Late."),
            &["script.txt:line 2", "at most 99999"],
        ),
        check_put(
            "script: 100000-digit hour",
            &script,
            line(&format!("{huge_digits}:00:00-0:00:01 Huge.")),
            &["script.txt:line 2", "too large"],
        ),
        check_put(
            "script: minutes 60",
            &script,
            line("0:60:00-0:61:00 Too many minutes."),
            &["script.txt:line 2", "minutes"],
        ),
        check_put(
            "script: seconds 99",
            &script,
            line("0:00:99-0:01:00 Too many seconds."),
            &["script.txt:line 2", "seconds"],
        ),
        check_put(
            "script: end before start",
            &script,
            line("0:00:09-0:00:03 Backwards."),
            &["script.txt:line 2", "end time"],
        ),
        check_put(
            "script: negative time",
            &script,
            line("-0:00:01-0:00:03 Negative."),
            &["script.txt:line 2"],
        ),
        check_put(
            "script: non-UTF-8 bytes",
            &script,
            Put::Bytes(b"0:00:00-0:00:02 Caf\xe9 \xff\xfe\n".to_vec()),
            &["script.txt", "UTF-8"],
        ),
        check_put(
            "script: a 1 MB line",
            &script,
            line(&"x".repeat(1 << 20)),
            &["script.txt:line 2"],
        ),
        check_put(
            "script: NUL bytes",
            &script,
            Put::Bytes(b"\0\0\0\0:00:00-0:00:02\0\n".to_vec()),
            &["script.txt:line 1"],
        ),
        check_put(
            "script: a folder",
            &script,
            Put::Dir,
            &["script.txt", "not a regular file: a folder"],
        ),
        check_put(
            "script: a FIFO",
            &script,
            Put::Fifo,
            &["script.txt", "not a regular file: a named pipe"],
        ),
        check_put(
            "script: a link to /dev/zero",
            &script,
            Put::DevZero,
            &["script.txt", "not a regular file: a device"],
        ),
        case(
            "script: a link to a file outside",
            1,
            &["script.txt:line 1"],
            &["check", "data"],
            |f, d| {
                let data = f.dataset(d);
                std::fs::write(d.join("outside.txt"), "not a script line\n").unwrap();
                put(
                    &data.join("train").join(&f.train).join("script.txt"),
                    &Put::Link("../../../outside.txt".into()),
                );
            },
        ),
        check_put(
            "script: a dangling link",
            &script,
            Put::Link("../../../nowhere.txt".into()),
            &["script.txt", "missing"],
        ),
        // buttons.csv
        check_put(
            "buttons: 7 fields",
            &buttons,
            csv_line("button3,1,2,3,4,x.jpg,100"),
            &["buttons.csv:line 3", "8 comma-separated fields"],
        ),
        check_put(
            "buttons: x = i64::MAX",
            &buttons,
            csv_line("button3,9223372036854775807,0,10,10,x.jpg,100,100"),
            &["buttons.csv:line 3", "field 2 (x)"],
        ),
        check_put(
            "buttons: h = i64::MIN",
            &buttons,
            csv_line("button3,0,0,10,-9223372036854775808,x.jpg,100,100"),
            &["buttons.csv:line 3", "field 5 (h)"],
        ),
        check_put(
            "buttons: x past i64",
            &buttons,
            csv_line("button3,99999999999999999999999,0,10,10,x.jpg,100,100"),
            &["buttons.csv:line 3", "field 2 (x)"],
        ),
        check_put(
            "buttons: y = NaN",
            &buttons,
            csv_line("button3,0,NaN,10,10,x.jpg,100,100"),
            &["buttons.csv:line 3", "field 3 (y)", "integer"],
        ),
        check_put(
            "buttons: w = inf",
            &buttons,
            csv_line("button3,0,0,inf,10,x.jpg,100,100"),
            &["buttons.csv:line 3", "field 4 (w)"],
        ),
        check_put(
            "buttons: x = 1.5",
            &buttons,
            csv_line("button3,1.5,0,10,10,x.jpg,100,100"),
            &["buttons.csv:line 3", "field 2 (x)"],
        ),
        check_put(
            "buttons: negative width",
            &buttons,
            csv_line("button3,0,0,-10,10,x.jpg,100,100"),
            &["buttons.csv:line 3", "width and height"],
        ),
        check_put(
            "buttons: zero image size",
            &buttons,
            csv_line("button3,0,0,10,10,x.jpg,0,0"),
            &["buttons.csv:line 3", "image width"],
        ),
        check_put(
            "buttons: image width 2e6",
            &buttons,
            csv_line("button3,0,0,10,10,x.jpg,2000000,100"),
            &["buttons.csv:line 3", "field 7 (image_width)"],
        ),
        check_put(
            "buttons: ../ image name",
            &buttons,
            csv_line("button3,0,0,10,10,../../secret.jpg,100,100"),
            &["buttons.csv:line 3", "not a plain name"],
        ),
        check_put(
            "buttons: absolute image name",
            &buttons,
            csv_line("button3,0,0,10,10,/etc/passwd,100,100"),
            &["buttons.csv:line 3", "not a plain name"],
        ),
        check_put(
            "buttons: backslash image name",
            &buttons,
            csv_line("button3,0,0,10,10,..\\x.jpg,100,100"),
            &["buttons.csv:line 3", "not a plain name"],
        ),
        check_put(
            "buttons: image name ..",
            &buttons,
            csv_line("button3,0,0,10,10,..,100,100"),
            &["buttons.csv:line 3", "not a plain name"],
        ),
        check_put(
            "buttons: empty name",
            &buttons,
            csv_line(",0,0,10,10,x.jpg,100,100"),
            &["buttons.csv:line 3", "field 1 (name)"],
        ),
        check_put(
            "buttons: duplicate button",
            &buttons,
            csv_line("button1,0,0,10,10,x.jpg,100,100"),
            &["buttons.csv:line 3", "duplicate"],
        ),
        check_put(
            "buttons: a 1 MB line",
            &buttons,
            csv_line(&"7,".repeat(1 << 19)),
            &["buttons.csv:line 3"],
        ),
        check_put(
            "buttons: a 1 MB field",
            &buttons,
            csv_line(&format!(
                "button3,{},0,10,10,x.jpg,100,100",
                "1".repeat(1 << 20)
            )),
            &["buttons.csv:line 3", "field 2 (x)"],
        ),
        check_put(
            "buttons: non-UTF-8 bytes",
            &buttons,
            Put::Bytes(b"button1,1,1,5,5,\xff.jpg,10,10\n".to_vec()),
            &["buttons.csv", "UTF-8"],
        ),
        check_put(
            "buttons: a folder",
            &buttons,
            Put::Dir,
            &["buttons.csv", "not a regular file: a folder"],
        ),
        check_put(
            "buttons: a FIFO",
            &buttons,
            Put::Fifo,
            &["buttons.csv", "not a regular file: a named pipe"],
        ),
        check_put(
            "buttons: a link to /dev/zero",
            &buttons,
            Put::DevZero,
            &["buttons.csv", "not a regular file: a device"],
        ),
        // The label JSON
        check_put(
            "qa: invalid JSON",
            "train.json",
            text("{\"a\": [1, 2,,]}"),
            &["train.json", "line 1"],
        ),
        check_put("qa: empty file", "train.json", text(""), &["train.json"]),
        check_put(
            "qa: non-UTF-8 bytes",
            "train.json",
            Put::Bytes(b"{\"\xff\": []}".to_vec()),
            &["train.json", "UTF-8"],
        ),
        check_put(
            "qa: nested 100000 deep",
            "train.json",
            text(&format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
            &["train.json"],
        ),
        check_put(
            "qa: a folder",
            "train.json",
            Put::Dir,
            &["train.json", "not a regular file: a folder"],
        ),
        check_put(
            "qa: a FIFO",
            "train.json",
            Put::Fifo,
            &["train.json", "not a regular file: a named pipe"],
        ),
        check_put(
            "qa: a link to /dev/zero",
            "train.json",
            Put::DevZero,
            &["train.json", "not a regular file: a device"],
        ),
        check_put(
            "qa: top level is a list",
            "train.json",
            text("[1, 2]"),
            &["train.json", "top level"],
        ),
        check_qa(
            "qa: question is a number",
            &["train.json", "[0].question"],
            |v, a| v[a][0]["question"] = json!(42),
        ),
        check_qa("qa: answers missing", &["train.json", "answers"], |v, a| {
            v[a][0].as_object_mut().unwrap().remove("answers");
        }),
        check_qa(
            "qa: answers is a string",
            &["train.json", "[0].answers"],
            |v, a| v[a][0]["answers"] = json!("press it"),
        ),
        check_qa(
            "qa: correct past the candidates",
            &["train.json", "[0].correct[0]"],
            |v, a| v[a][0]["correct"][0] = json!(1000),
        ),
        check_qa(
            "qa: correct 0",
            &["train.json", "[0].correct[0]"],
            |v, a| v[a][0]["correct"][0] = json!(0),
        ),
        check_qa(
            "qa: correct negative",
            &["train.json", "[0].correct[0]"],
            |v, a| v[a][0]["correct"][0] = json!(-1),
        ),
        check_qa(
            "qa: correct 2^64",
            &["train.json", "[0].correct[0]"],
            |v, a| v[a][0]["correct"][0] = serde_json::from_str("18446744073709551616").unwrap(),
        ),
        check_qa(
            "qa: correct 1.5",
            &["train.json", "[0].correct[0]"],
            |v, a| v[a][0]["correct"][0] = json!(1.5),
        ),
        check_qa(
            "qa: correct shorter than answers",
            &["train.json", "[0].correct"],
            |v, a| v[a][0]["correct"] = json!([]),
        ),
        check_qa(
            "qa: images of the wrong length",
            &["train.json", "[0].images"],
            |v, a| v[a][0]["images"] = json!([]),
        ),
        check_qa(
            "qa: ../ image name",
            &["train.json", "[0].images[0]", "not a plain name"],
            |v, a| v[a][0]["images"][0] = json!("../../../x.jpg"),
        ),
        check_qa(
            "qa: absolute image name",
            &["train.json", "[0].images[0]", "not a plain name"],
            |v, a| v[a][0]["images"][0] = json!("/etc/passwd"),
        ),
        check_qa(
            "qa: ../ folder name",
            &["train.json", "../../escape", "not a plain name"],
            |v, a| v["../../escape"] = v[a].clone(),
        ),
        check_qa(
            "qa: absolute folder name",
            &["train.json", "/tmp/absolute", "not a plain name"],
            |v, a| v["/tmp/absolute"] = v[a].clone(),
        ),
        check_qa(
            "qa: NUL in a folder name",
            &["train.json", "not a plain name"],
            |v, a| v["oven\u{0}x"] = v[a].clone(),
        ),
        check_qa(
            "qa: a folder that does not exist",
            &["train.json", "nowhere_123"],
            |v, a| v["nowhere_123"] = v[a].clone(),
        ),
        check_qa(
            "qa: a button that does not exist",
            &["train.json", "[0].answers[0][0]", "button99"],
            |v, a| v[a][0]["answers"][0][0] = json!("Press <button99>"),
        ),
        check_qa("qa: a null QA", &["train.json", "[0]"], |v, a| {
            v[a][0] = Value::Null
        }),
        // The video
        check_put("video: empty", &video, text(""), &["video.mp4"]),
        check_put(
            "video: text",
            &video,
            text("this is not a video\n"),
            &["video.mp4"],
        ),
        check_put(
            "video: first 2 KB",
            &video,
            Put::Truncate(2048),
            &["video.mp4"],
        ),
        check_put(
            "video: a FIFO",
            &video,
            Put::Fifo,
            &["video.mp4", "not a regular file: a named pipe"],
        ),
        check_put(
            "video: a link to /dev/zero",
            &video,
            Put::DevZero,
            &["video.mp4", "not a regular file: a device"],
        ),
        check_put(
            "video: a folder",
            &video,
            Put::Dir,
            &["video.mp4", "not a regular file: a folder"],
        ),
        // The layout
        case(
            "layout: the root does not exist",
            2,
            &["no-such-folder"],
            &["check", "no-such-folder"],
            |_, _| {},
        ),
        case(
            "layout: the root is a FIFO",
            1,
            &["pipe", "not a directory"],
            &["check", "pipe"],
            |_, d| put(&d.join("pipe"), &Put::Fifo),
        ),
        case(
            "layout: a symlink loop in the split",
            1,
            &["loop"],
            &["check", "data"],
            |f, d| {
                let data = f.dataset(d);
                put(&data.join("train/loop"), &Put::Link(".".into()));
            },
        ),
    ]
}
