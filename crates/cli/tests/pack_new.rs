//! `pressnext pack new` end to end, as an appliance owner would use it: a tutorial video and a
//! photo of the panel (from appliances the generator makes here, with their truth), no boxes and
//! no questions written by anyone. The pack made is checked, opened and asked questions it never
//! listed; the boxes of the answer's steps are compared with the generator's true boxes. Then the
//! same from a narrated video (espeak-ng speech muxed in by FFmpeg), transcribed by Whisper, and
//! the errors: no narration and no script, a photo of another appliance, an occupied or
//! impossible destination.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;

fn pressnext(args: &[&str]) -> Output {
    testkit::repo::run(env!("CARGO_BIN_EXE_pressnext"), args)
}

/// Two synthetic appliances (video, photo, script, true boxes, free questions), made once.
fn appliances() -> &'static (tempfile::TempDir, Vec<PathBuf>) {
    static DATA: OnceLock<(tempfile::TempDir, Vec<PathBuf>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        let out = pressnext(&[
            "synth",
            "--out",
            root.to_str().unwrap(),
            "--appliances",
            "2",
            "--seed",
            "4711",
            "--min-seconds",
            "20",
            "--max-seconds",
            "30",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut folders: Vec<PathBuf> = ["train", "test"]
            .iter()
            .filter_map(|s| std::fs::read_dir(root.join(s)).ok())
            .flatten()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("script.txt").is_file())
            .collect();
        folders.sort();
        assert_eq!(folders.len(), 2);
        (dir, folders)
    })
}

fn photo_of(folder: &Path) -> PathBuf {
    std::fs::read_dir(folder.join("images"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .unwrap()
}

fn make_pack(args: &[&str]) -> Value {
    let out = pressnext(&[&["pack", "new"], args, &["--json"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Asks every covered free question of `truth_folder` on the pack at `pack`; returns (steps whose
/// box is the true control's, steps asked).
fn steps_right(pack: &Path, truth_folder: &Path, data_dir: &Path) -> (usize, usize) {
    let free: Value = serde_json::from_str(
        &std::fs::read_to_string(truth_folder.join("free_questions.json")).unwrap(),
    )
    .unwrap();
    let truth = testkit::boxes::csv_boxes(truth_folder);
    let (mut right, mut asked) = (0, 0);
    for q in free["covered"].as_array().unwrap() {
        let out = pressnext(&[
            "ask",
            "--pack",
            pack.to_str().unwrap(),
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--json",
            q["question"].as_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let a: Value = serde_json::from_slice(&out.stdout).unwrap();
        let steps = a["steps"].as_array().unwrap();
        for (k, want) in q["steps"].as_array().unwrap().iter().enumerate() {
            asked += 1;
            let Some(step) = steps.get(k) else { continue };
            let b = &step["candidates"][0]["box"];
            let v = |k: &str| b[k].as_f64().unwrap() as f32;
            let got = [v("x"), v("y"), v("x") + v("w"), v("y") + v("h")];
            if grounding::controls::iou(&got, &truth[want["button"].as_str().unwrap()]) >= 0.5 {
                right += 1;
            }
        }
    }
    (right, asked)
}

#[test]
fn a_video_a_photo_and_a_script_make_a_pack_that_answers_questions_it_never_listed() {
    if testkit::repo::real_models_root().is_none() {
        return;
    }
    let (dir, folders) = appliances();
    let mut right = 0;
    let mut asked = 0;
    for (i, folder) in folders.iter().enumerate() {
        let pack = dir.path().join(format!("made{i}"));
        let made = make_pack(&[
            "--video",
            folder.join("video.mp4").to_str().unwrap(),
            "--photo",
            photo_of(folder).to_str().unwrap(),
            "--script",
            folder.join("script.txt").to_str().unwrap(),
            "--out",
            pack.to_str().unwrap(),
        ]);
        assert_eq!(made["script_source"], "given");
        assert_eq!(made["appliance"], format!("made{i}"));
        let lines = std::fs::read_to_string(folder.join("script.txt"))
            .unwrap()
            .lines()
            .count();
        assert_eq!(made["script_lines"].as_u64(), Some(lines as u64));
        assert!(made["registered_share"].as_f64().unwrap() > 0.5, "{made}");
        let buttons = made["buttons"].as_array().unwrap();
        assert!(!buttons.is_empty());
        for b in buttons {
            assert!(b["name"]
                .as_str()
                .is_some_and(|n| !n.is_empty() && !n.contains(',')));
            assert_eq!(b["box"].as_array().unwrap().len(), 4);
            assert!(b["operated"].is_boolean());
            assert!(b["source"] == "outline" || b["source"] == "hand", "{b}");
        }
        // A box added where the tutorial's hand presses is operated, and never on a control an
        // outline box already covers.
        let rect = |b: &Value| {
            let v: Vec<f32> = b["box"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect();
            [v[0], v[1], v[0] + v[2], v[1] + v[3]]
        };
        let (outlines, hands): (Vec<&Value>, Vec<&Value>) =
            buttons.iter().partition(|b| b["source"] == "outline");
        assert!(!outlines.is_empty());
        let truth = testkit::boxes::csv_boxes(folder);
        for h in &hands {
            assert_eq!(h["operated"], true, "{h}");
            let r = rect(h);
            let centre = [(r[0] + r[2]) / 2.0, (r[1] + r[3]) / 2.0];
            for (name, t) in &truth {
                let boxed = outlines
                    .iter()
                    .any(|o| grounding::controls::iou(&rect(o), t) >= 0.5);
                let on = grounding::controls::iou(&r, t) >= 0.5
                    || (centre[0] >= t[0]
                        && centre[0] <= t[2]
                        && centre[1] >= t[1]
                        && centre[1] <= t[3]);
                assert!(!(boxed && on), "hand box {h} on {name}, already boxed");
            }
        }
        eprintln!(
            "made{i}: {} outline boxes, {} hand boxes",
            outlines.len(),
            hands.len()
        );
        // What pressnext check accepts, laid out as a dataset root with no questions yet.
        let check = pressnext(&["check", pack.to_str().unwrap()]);
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stdout)
        );
        let appliance = pack.join("test").join(format!("made{i}"));
        for file in ["video.mp4", "script.txt", "buttons.csv"] {
            assert!(appliance.join(file).is_file(), "{file}");
        }
        assert_eq!(
            std::fs::read_to_string(pack.join("test_without_gt.json"))
                .unwrap()
                .trim(),
            format!("{{\"made{i}\":[]}}")
        );
        let data = dir.path().join(format!("appdata{i}"));
        let (r, n) = steps_right(&pack, folder, &data);
        right += r;
        asked += n;
        // An unrelated question is not covered.
        let free: Value = serde_json::from_str(
            &std::fs::read_to_string(folder.join("free_questions.json")).unwrap(),
        )
        .unwrap();
        let unrelated = free["unrelated"][0].as_str().unwrap();
        let out = pressnext(&[
            "ask",
            "--pack",
            pack.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "--json",
            unrelated,
        ]);
        let a: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(a["covered"], false, "{a}");
    }
    // Measured on these two appliances: see docs/new-pack.md. The boxes are suggestions (no
    // one drew them), so a step counts only when the suggested box is the true control's.
    eprintln!("steps on the true control: {right}/{asked}");
    assert!(
        asked >= 4 && right * 10 >= asked * 6,
        "{right}/{asked} steps on the true control"
    );
}

#[test]
fn a_narrated_video_is_transcribed_into_the_packs_script() {
    if testkit::repo::real_models_root().is_none() {
        return;
    }
    let (dir, folders) = appliances();
    let folder = &folders[0];
    let video = dir.path().join("narrated.mp4");
    if testkit::narration::narrated_video(folder, &video).is_none() {
        return;
    }
    let pack = dir.path().join("from-speech");
    let made = make_pack(&[
        "--video",
        video.to_str().unwrap(),
        "--photo",
        photo_of(folder).to_str().unwrap(),
        "--out",
        pack.to_str().unwrap(),
    ]);
    assert_eq!(made["script_source"], "transcribed");
    let said = std::fs::read_to_string(folder.join("script.txt"))
        .unwrap()
        .lines()
        .count();
    let heard = made["script_lines"].as_u64().unwrap() as usize;
    assert!(heard * 10 >= said * 8, "{heard} lines heard of {said} said");
    // espeak-ng's synthetic voice heard by tiny.en garbles some control names ("the Dial knob"
    // came out as "the Nile Nopter" on one appliance), and a narration that must not overlap
    // drifts from the video's presses: fewer steps land than from the written script (measured
    // in docs/new-pack.md). A pack made from speech alone still answers on the true controls.
    let (right, asked) = steps_right(&pack, folder, &dir.path().join("appdata-speech"));
    eprintln!("from speech, steps on the true control: {right}/{asked}");
    assert!(asked >= 1 && right >= 1, "{right}/{asked}");
}

#[test]
fn bad_inputs_are_refused_by_name_and_leave_nothing_behind() {
    if testkit::repo::real_models_root().is_none() {
        return;
    }
    let (dir, folders) = appliances();
    let work = dir.path().join("bad");
    std::fs::create_dir_all(&work).unwrap();
    let video = folders[0].join("video.mp4");
    let photo = photo_of(&folders[0]);
    let fail = |args: &[&str], wants: &[&str]| {
        let out = pressnext(&[&["pack", "new"], args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        for w in wants {
            assert!(stderr.contains(w), "{w:?} not in {stderr}");
        }
    };
    // The generator's videos are silent: without a script there is nothing to transcribe.
    let out = work.join("no-script");
    fail(
        &[
            "--video",
            video.to_str().unwrap(),
            "--photo",
            photo.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &["video.mp4", "no audio track", "--script"],
    );
    assert!(!out.exists());
    // A photo of the other appliance matches no frame of this video.
    let other = photo_of(&folders[1]);
    fail(
        &[
            "--video",
            video.to_str().unwrap(),
            "--photo",
            other.to_str().unwrap(),
            "--script",
            folders[0].join("script.txt").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &["matches no frame", "same appliance"],
    );
    assert!(!out.exists());
    // An occupied destination is left as it was; an impossible one is named.
    let occupied = work.join("occupied");
    std::fs::create_dir_all(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "mine").unwrap();
    let script = folders[0].join("script.txt");
    fail(
        &[
            "--video",
            video.to_str().unwrap(),
            "--photo",
            photo.to_str().unwrap(),
            "--script",
            script.to_str().unwrap(),
            "--out",
            occupied.to_str().unwrap(),
        ],
        &["occupied", "not an empty folder"],
    );
    assert_eq!(
        std::fs::read_to_string(occupied.join("notes.txt")).unwrap(),
        "mine"
    );
    let under_a_file = occupied.join("notes.txt").join("pack");
    fail(
        &[
            "--video",
            video.to_str().unwrap(),
            "--photo",
            photo.to_str().unwrap(),
            "--script",
            script.to_str().unwrap(),
            "--out",
            under_a_file.to_str().unwrap(),
        ],
        &["notes.txt", "does not exist"],
    );
    // No temporary folder is left anywhere.
    let leftovers: Vec<String> = std::fs::read_dir(&work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
