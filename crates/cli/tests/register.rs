//! End-to-end tests of `pressnext register` on generated images: a drawn
//! appliance panel as the reference, a frame made by warping it with a known
//! homography onto a cluttered background, a frame of another appliance, a
//! short H.264 clip (made with the `ffmpeg` command line), and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use testkit::register_scenes::*;

fn pressnext(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pressnext"))
        .args(args)
        .output()
        .expect("pressnext runs")
}

/// Reference panel (480x320) and buttons.csv with integer boxes, as the
/// dataset has them. Returns (reference path, csv path, integer boxes).
fn write_reference(dir: &Path) -> (PathBuf, PathBuf, Vec<Btn>) {
    let (panel, boxes) = draw_panel(11, 480, 320);
    let reference = dir.join("ref.png");
    panel.save(&reference).unwrap();
    let boxes: Vec<Btn> = boxes
        .into_iter()
        .map(|b| Btn {
            name: b.name,
            x: b.x.round(),
            y: b.y.round(),
            w: b.w.round(),
            h: b.h.round(),
        })
        .collect();
    let csv: String = boxes
        .iter()
        .map(|b| {
            format!(
                "{},{},{},{},{},ref.png,480,320\n",
                b.name, b.x, b.y, b.w, b.h
            )
        })
        .collect();
    let csv_path = dir.join("buttons.csv");
    std::fs::write(&csv_path, csv).unwrap();
    (reference, csv_path, boxes)
}

fn frame_with(dir: &Path, name: &str, image: &image::RgbImage, h: &Mat3, seed: u64) -> PathBuf {
    let mut frame = background(seed, FRAME_W, FRAME_H);
    warp_into(&mut frame, image, h);
    let path = dir.join(name);
    frame.save(&path).unwrap();
    path
}

/// Every button's quad in `v` is within `tol` px of its projection by `truth`.
fn check_quads(v: &Value, truth: &Mat3, boxes: &[Btn], tol: f64) {
    assert_eq!(v["in_view"], true, "{v}");
    let got = v["buttons"].as_array().unwrap();
    assert_eq!(got.len(), boxes.len());
    for (g, b) in got.iter().zip(boxes) {
        assert_eq!(g["name"], b.name.as_str());
        let expect = [
            [b.x, b.y],
            [b.x + b.w, b.y],
            [b.x + b.w, b.y + b.h],
            [b.x, b.y + b.h],
        ]
        .map(|p| apply(truth, p));
        let quad = g["quad"].as_array().unwrap();
        assert_eq!(quad.len(), 4);
        for (q, e) in quad.iter().zip(expect) {
            let (x, y) = (q[0].as_f64().unwrap(), q[1].as_f64().unwrap());
            let err = (x - e[0]).hypot(y - e[1]);
            assert!(
                err < tol,
                "{}: corner ({x:.1}, {y:.1}) vs ({:.1}, {:.1}): {err:.2} px",
                b.name,
                e[0],
                e[1]
            );
        }
    }
}

#[test]
fn frame_json_matches_known_homography_and_other_appliance_is_not_in_view() {
    let dir = tempfile::tempdir().unwrap();
    let (reference, csv, boxes) = write_reference(dir.path());
    let (panel, _) = draw_panel(11, 480, 320);
    let truth = view(480.0, 320.0, 1.4, 18.0, 0.15, -0.1, 660.0, 380.0);
    let frame = frame_with(dir.path(), "frame.png", &panel, &truth, 3);
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&csv),
        "--frame",
        &s(&frame),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["in_view", "homography", "inliers", "buttons"]);
    assert!(v["inliers"].as_u64().unwrap() >= 20);
    let h = v["homography"].as_array().unwrap();
    assert!(h.len() == 3 && h.iter().all(|r| r.as_array().unwrap().len() == 3));
    check_quads(&v, &truth, &boxes, 3.0);

    // A different appliance in the same place: not in view, no boxes.
    let (other, _) = draw_panel(12, 480, 320);
    let negative = frame_with(dir.path(), "other.png", &other, &truth, 3);
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&csv),
        "--frame",
        &s(&negative),
        "--json",
    ]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["in_view"], false, "{v}");
    assert_eq!(v["homography"], Value::Null);
    assert_eq!(v["buttons"], serde_json::json!([]));
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&csv),
        "--frame",
        &s(&negative),
        "--json",
        "--details",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reason"], "not_found", "{v}");

    // The human summary says it too.
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&csv),
        "--frame",
        &s(&negative),
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("not in view"));
}

#[test]
fn video_prints_one_tracked_line_per_frame() {
    let dir = tempfile::tempdir().unwrap();
    let (reference, csv, boxes) = write_reference(dir.path());
    let (panel, _) = draw_panel(11, 480, 320);
    let views: Vec<Mat3> = (0..6)
        .map(|t| {
            view(
                480.0,
                320.0,
                1.2 + 0.04 * f64::from(t),
                5.0 + 2.0 * f64::from(t),
                0.1,
                0.0,
                600.0 + 12.0 * f64::from(t),
                360.0,
            )
        })
        .collect();
    for (t, h) in views.iter().enumerate() {
        frame_with(dir.path(), &format!("f{t:03}.png"), &panel, h, 8);
    }
    let clip = dir.path().join("clip.mp4");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-framerate", "10", "-i"])
        .arg(dir.path().join("f%03d.png"))
        .args(["-c:v", "libx264", "-crf", "10", "-pix_fmt", "yuv420p"])
        .arg(&clip)
        .status()
        .expect("the ffmpeg command line is needed to make the test clip (apt install ffmpeg)");
    assert!(status.success());
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&csv),
        "--video",
        &s(&clip),
        "--json",
        "--details",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), views.len());
    for (t, (v, h)) in lines.iter().zip(&views).enumerate() {
        assert_eq!(v["frame"], t as u64);
        check_quads(v, h, &boxes, 3.0);
    }
    assert!(
        lines[1..].iter().any(|v| v["mode"] == "tracked"),
        "no frame was tracked"
    );
    // Without --details each line is exactly the four-key object.
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&csv),
        "--video",
        &s(&clip),
        "--json",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), views.len());
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["in_view", "homography", "inliers", "buttons"]
        );
    }
}

#[test]
fn bad_input_is_a_clear_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (reference, csv, _) = write_reference(dir.path());
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let missing = dir.path().join("missing.jpg");
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&csv),
        "--frame",
        &s(&missing),
        "--json",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("missing.jpg"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let not_image = dir.path().join("notes.png");
    std::fs::write(&not_image, "hello").unwrap();
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&not_image),
        "--buttons",
        &s(&csv),
        "--frame",
        &s(&reference),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("notes.png") && err.contains("cannot read image"),
        "{err}"
    );

    let bad_csv = dir.path().join("bad.csv");
    std::fs::write(&bad_csv, "power,1,2,three,4,ref.png,480,320\n").unwrap();
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&bad_csv),
        "--frame",
        &s(&reference),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv") && err.contains("line 1"), "{err}");

    // --frame and --video together, or neither, is a usage error.
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&csv),
        "--frame",
        "a.png",
        "--video",
        "b.mp4",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = pressnext(&[
        "register",
        "--reference",
        &s(&reference),
        "--buttons",
        &s(&csv),
    ]);
    assert_eq!(out.status.code(), Some(2));
}
