//! A small AssistQ dataset written by tests: per folder a real H.264 `video.mp4` made by the
//! ffmpeg command line (testsrc, 30 fps), `script.txt`, `buttons.csv`, a user image with three
//! boxed buttons, and the QA label file `train.json`. Shared by the encoders' and the CLI's tests.

use std::path::Path;
use std::process::Command;

/// Seconds of video per folder; sampled at 1 fps with stride 30 this gives this many frames.
pub const VIDEO_SECONDS: usize = 5;

pub const SCRIPT: &str = "0:00:00-0:00:02 Open the door. Put the cup inside\n\
0:00:02-0:00:04 Press the start button\n\
0:00:04-0:00:05 Turn the dial to 3. Wait. Done\n";

/// Sentences of [`SCRIPT`] after the `". "` split: 2 + 1 + 3.
pub const SCRIPT_SENTENCES: usize = 6;

pub const BUTTONS: &[(&str, i64, i64, i64, i64)] = &[
    ("button1", 20, 30, 60, 40),
    ("button2", 120, 30, 60, 40),
    ("button3", 220, 100, 70, 70),
];

pub const IMAGE: &str = "oven-user.jpg";

/// Writes `root/train/<name>/…` for each name and `root/train.json` with two questions per
/// folder: one of 2 steps (3 and 2 candidates) and one of 1 step (4 candidates).
pub fn write_dataset(root: &Path, names: &[&str]) {
    let mut label = serde_json::Map::new();
    for name in names {
        let dir = root.join("train").join(name);
        std::fs::create_dir_all(dir.join("images")).unwrap();
        write_video(&dir.join("video.mp4"), VIDEO_SECONDS);
        std::fs::write(dir.join("script.txt"), SCRIPT).unwrap();
        let csv: String = BUTTONS
            .iter()
            .map(|(n, x, y, w, h)| format!("{n},{x},{y},{w},{h},{IMAGE},320,240\n"))
            .collect();
        std::fs::write(dir.join("buttons.csv"), csv).unwrap();
        user_image().save(dir.join("images").join(IMAGE)).unwrap();
        label.insert(
            name.to_string(),
            serde_json::json!([
                {
                    "question": "How do I heat a cup of water?",
                    "answers": [
                        ["press <button1>", "press <button2>", "turn <button3> clockwise"],
                        ["press <button2>", "press and hold <button1>"]
                    ],
                    "correct": [1, 1],
                    "images": [IMAGE, IMAGE]
                },
                {
                    "question": "What should I press to stop?",
                    "answers": [[
                        "press <button1>", "press <button2>", "press <button3>",
                        "hold <button2>"
                    ]],
                    "correct": [2],
                    "images": [IMAGE]
                }
            ]),
        );
    }
    std::fs::write(
        root.join("train.json"),
        serde_json::to_vec_pretty(&serde_json::Value::Object(label)).unwrap(),
    )
    .unwrap();
}

/// A real H.264 mp4 from ffmpeg's test pattern at 30 fps.
pub fn write_video(path: &Path, seconds: usize) {
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=duration={seconds}:size=320x240:rate=30"))
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(path)
        .status()
        .expect("the ffmpeg command line (Debian package ffmpeg; scripts/setup.sh installs it)");
    assert!(status.success(), "ffmpeg failed writing {}", path.display());
}

/// A 320 x 240 panel: grey casing with a distinct colour in each button's box.
pub fn user_image() -> image::RgbImage {
    let colours = [[200u8, 30, 30], [30, 200, 30], [30, 30, 200]];
    image::RgbImage::from_fn(320, 240, |x, y| {
        for ((_, bx, by, bw, bh), c) in BUTTONS.iter().zip(colours) {
            let (x, y) = (x as i64, y as i64);
            if x >= *bx && x < bx + bw && y >= *by && y < by + bh {
                return image::Rgb(c);
            }
        }
        image::Rgb([128, 128, (x / 3) as u8])
    })
}
