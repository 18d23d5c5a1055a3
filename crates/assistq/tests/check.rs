//! `check_dataset` on small datasets built in a temp dir: a valid one yields no problem, and
//! each class of bad input is reported with its file, location and a helpful message.

use std::fs;
use std::path::{Path, PathBuf};

use assistq::check::{check_dataset, Problem, Report, Severity};

const FOLDER: &str = "microwave_abc12";
const IMAGE: &str = "microwave-user.jpg";

const VALID_QA: &str = r#"{
  "microwave_abc12": [
    {
      "question": "How to heat food for 10 minutes?",
      "answers": [
        ["Press <button1>", "Press <button2>", "Turn <button3> clockwise to 10 minutes"],
        ["Press <button1>", "Press <button3>"]
      ],
      "correct": [3, 2],
      "images": ["microwave-user.jpg", "microwave-user.jpg"]
    }
  ]
}"#;

const VALID_SCRIPT: &str = "\
0:00:00-0:00:05 This is how to set a 10 minute timer on the microwave. Press the power button.
0:00:05-0:00:09 Turn the dial clockwise to 10 minutes.
0:00:09-0:00:12 Press the start button.
";

const VALID_BUTTONS: &str = "\
button1,120,340,80,60,microwave-user.jpg,960,1280
button2,120,420,80,60,microwave-user.jpg,960,1280
button3,300,500,150,150,microwave-user.jpg,960,1280
";

/// A valid one-folder dataset: `train.json` + `train/microwave_abc12/{video.mp4, script.txt,
/// buttons.csv, images/microwave-user.jpg}`.
struct Dataset {
    dir: tempfile::TempDir,
}

impl Dataset {
    fn new() -> Self {
        let dataset = Dataset {
            dir: tempfile::tempdir().unwrap(),
        };
        dataset.write("train.json", VALID_QA);
        dataset.add_folder("train", FOLDER);
        dataset
    }

    fn add_folder(&self, split: &str, folder: &str) {
        let base = format!("{split}/{folder}");
        self.write(&format!("{base}/video.mp4"), "not really a video");
        self.write(&format!("{base}/script.txt"), VALID_SCRIPT);
        self.write(&format!("{base}/buttons.csv"), VALID_BUTTONS);
        self.write(&format!("{base}/images/{IMAGE}"), "not really an image");
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    fn folder_file(&self, name: &str) -> PathBuf {
        self.path(&format!("train/{FOLDER}/{name}"))
    }

    fn write(&self, relative: &str, content: impl AsRef<[u8]>) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn remove(&self, relative: &str) {
        let path = self.path(relative);
        if path.is_dir() {
            fs::remove_dir_all(path).unwrap();
        } else {
            fs::remove_file(path).unwrap();
        }
    }

    /// Rewrites train.json with `edit` applied to the parsed JSON.
    fn edit_qa(&self, edit: impl FnOnce(&mut serde_json::Value)) {
        let mut value: serde_json::Value = serde_json::from_str(VALID_QA).unwrap();
        edit(&mut value);
        self.write("train.json", serde_json::to_string_pretty(&value).unwrap());
    }

    fn check(&self) -> Report {
        check_dataset(self.root())
    }
}

fn render(report: &Report) -> String {
    report.problems.iter().map(|p| format!("{p}\n")).collect()
}

/// The only problem of the report, asserting there is exactly one.
fn single(report: &Report) -> &Problem {
    assert_eq!(report.problems.len(), 1, "{}", render(report));
    &report.problems[0]
}

fn assert_problem(p: &Problem, severity: Severity, file: &Path, location: &str, needles: &[&str]) {
    assert_eq!(p.severity, severity, "{p}");
    assert_eq!(p.file, file, "{p}");
    assert_eq!(p.location, location, "{p}");
    for needle in needles {
        assert!(p.message.contains(needle), "`{needle}` not in: {p}");
    }
}

#[test]
fn valid_dataset_has_no_problems() {
    let dataset = Dataset::new();
    let report = dataset.check();
    assert!(report.problems.is_empty(), "{}", render(&report));
    assert_eq!((report.folders_checked, report.questions_checked), (1, 1));
    assert!(!report.has_errors());
}

#[test]
fn split_folder_and_appliance_folder_are_detected() {
    let dataset = Dataset::new();
    let report = check_dataset(&dataset.path("train"));
    assert!(report.problems.is_empty(), "{}", render(&report));
    assert_eq!((report.folders_checked, report.questions_checked), (1, 1));

    let report = check_dataset(&dataset.path(&format!("train/{FOLDER}")));
    assert!(report.problems.is_empty(), "{}", render(&report));
    assert_eq!((report.folders_checked, report.questions_checked), (1, 1));
}

#[test]
fn split_folder_without_label_json_is_a_warning() {
    let dataset = Dataset::new();
    dataset.remove("train.json");
    let split = dataset.path("train");
    let report = check_dataset(&split);
    let p = single(&report);
    assert_problem(
        p,
        Severity::Warning,
        &split,
        "",
        &["no label JSON", "train.json"],
    );
    assert_eq!(report.folders_checked, 1);
}

#[test]
fn nothing_recognisable_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let report = check_dataset(dir.path());
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        dir.path(),
        "",
        &["expected a dataset root", "train.json"],
    );
    assert!(report.has_errors());

    let missing = dir.path().join("does-not-exist");
    assert_problem(
        single(&check_dataset(&missing)),
        Severity::Error,
        &missing,
        "",
        &["not a directory"],
    );
}

#[test]
fn missing_split_directory_is_an_error() {
    let dataset = Dataset::new();
    dataset.remove("train");
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.path("train.json"),
        "",
        &["split folder is missing"],
    );
}

#[test]
fn folder_named_in_json_but_absent_on_disk() {
    let dataset = Dataset::new();
    dataset.edit_qa(|v| {
        let qa = v[FOLDER].clone();
        v.as_object_mut().unwrap().insert("kettle_zzz99".into(), qa);
    });
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.path("train.json"),
        "kettle_zzz99",
        &["missing on disk", "kettle_zzz99"],
    );
}

#[test]
fn folder_on_disk_not_in_any_json_is_a_warning() {
    let dataset = Dataset::new();
    dataset.add_folder("train", "kettle_zzz99");
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Warning,
        &dataset.path("train/kettle_zzz99"),
        "",
        &["not named in any label JSON", "train.json"],
    );
    assert_eq!(report.folders_checked, 2);
}

#[test]
fn missing_video_is_an_error_and_mov_is_accepted() {
    let dataset = Dataset::new();
    dataset.remove(&format!("train/{FOLDER}/video.mp4"));
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.folder_file("video.mp4"),
        "",
        &["video.mp4 or video.mov"],
    );

    dataset.write(&format!("train/{FOLDER}/video.mov"), "x");
    assert!(dataset.check().problems.is_empty());
}

#[test]
fn missing_script_is_an_error() {
    let dataset = Dataset::new();
    dataset.remove(&format!("train/{FOLDER}/script.txt"));
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.folder_file("script.txt"),
        "",
        &["missing", "script.txt"],
    );
}

#[test]
fn every_malformed_script_line_is_reported() {
    let dataset = Dataset::new();
    dataset.write(
        &format!("train/{FOLDER}/script.txt"),
        "0:00:00-0:00:05 Fine.\n0:00:05 - 0:00:09 Spaced out.\n\n0:00:09-0:00:99 Bad seconds.\n",
    );
    let report = dataset.check();
    let script = dataset.folder_file("script.txt");
    assert_eq!(report.problems.len(), 3, "{}", render(&report));
    assert_problem(
        &report.problems[0],
        Severity::Error,
        &script,
        "line 2",
        &[
            "expected `H:MM:SS-H:MM:SS text`",
            "found `0:00:05 - 0:00:09 Spaced out.`",
        ],
    );
    assert_problem(
        &report.problems[1],
        Severity::Warning,
        &script,
        "line 3",
        &["blank line"],
    );
    assert_problem(
        &report.problems[2],
        Severity::Error,
        &script,
        "line 4",
        &["seconds", "99", "expected 00-59"],
    );
    assert_eq!(
        report.problems[0].to_string(),
        format!(
            "error: {}:line 2: expected `H:MM:SS-H:MM:SS text`, found `0:00:05 - 0:00:09 Spaced out.`",
            script.display()
        )
    );
}

#[test]
fn non_utf8_script_names_the_line() {
    let dataset = Dataset::new();
    dataset.write(
        &format!("train/{FOLDER}/script.txt"),
        b"0:00:00-0:00:05 Fine.\n0:00:05-0:00:09 Caf\xe9 time.\n".as_slice(),
    );
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.folder_file("script.txt"),
        "line 2",
        &["UTF-8"],
    );
}

#[test]
fn missing_buttons_is_an_error() {
    let dataset = Dataset::new();
    dataset.remove(&format!("train/{FOLDER}/buttons.csv"));
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.folder_file("buttons.csv"),
        "",
        &["missing", "buttons.csv"],
    );
}

#[test]
fn every_bad_buttons_line_is_reported() {
    let dataset = Dataset::new();
    dataset.write(
        &format!("train/{FOLDER}/buttons.csv"),
        format!(
            "{VALID_BUTTONS}button4,1,2,3,microwave-user.jpg,960,1280\nbutton5,1,two,3,4,microwave-user.jpg,960,1280\n\
             button1,1,2,3,4,microwave-user.jpg,960,1280\nbutton6,900,1200,100,100,microwave-user.jpg,960,1280\n"
        ),
    );
    let report = dataset.check();
    let csv = dataset.folder_file("buttons.csv");
    assert_eq!(report.problems.len(), 4, "{}", render(&report));
    assert_problem(
        &report.problems[0],
        Severity::Error,
        &csv,
        "line 4",
        &["expected 8 comma-separated fields", "found 7"],
    );
    assert_problem(
        &report.problems[1],
        Severity::Error,
        &csv,
        "line 5",
        &["(y) is `two`", "expected an integer"],
    );
    assert_problem(
        &report.problems[2],
        Severity::Error,
        &csv,
        "line 6",
        &["duplicate button `button1`", "line 1"],
    );
    assert_problem(
        &report.problems[3],
        Severity::Warning,
        &csv,
        "line 7",
        &["outside", "960x1280"],
    );
}

#[test]
fn image_named_in_buttons_csv_missing_from_images() {
    let dataset = Dataset::new();
    dataset.write(
        &format!("train/{FOLDER}/buttons.csv"),
        format!("{VALID_BUTTONS}button1,1,2,3,4,panel.jpg,640,480\n"),
    );
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.folder_file("buttons.csv"),
        "line 4",
        &["`panel.jpg`", "images/panel.jpg"],
    );
}

#[test]
fn json_syntax_error_names_line_and_column() {
    let dataset = Dataset::new();
    dataset.write(
        "train.json",
        "{\n  \"microwave_abc12\": [\n    {\"question\": \"q\",}\n  ]\n}\n",
    );
    let report = dataset.check();
    let json_problems: Vec<&Problem> = report
        .problems
        .iter()
        .filter(|p| p.file == dataset.path("train.json"))
        .collect();
    assert_eq!(json_problems.len(), 1, "{}", render(&report));
    assert_problem(
        json_problems[0],
        Severity::Error,
        &dataset.path("train.json"),
        "line 3, column 22",
        &["invalid JSON"],
    );
}

#[test]
fn wrong_types_name_the_json_path() {
    let dataset = Dataset::new();
    dataset.edit_qa(|v| {
        v[FOLDER][0]["answers"][1][1] = serde_json::json!(7);
        v[FOLDER][0]["images"] = serde_json::json!("microwave-user.jpg");
    });
    let report = dataset.check();
    let json = dataset.path("train.json");
    assert_eq!(report.problems.len(), 2, "{}", render(&report));
    assert_problem(
        &report.problems[0],
        Severity::Error,
        &json,
        "microwave_abc12[0].answers[1][1]",
        &["expected a string, found a number"],
    );
    assert_problem(
        &report.problems[1],
        Severity::Error,
        &json,
        "microwave_abc12[0].images",
        &["expected an array of strings, found a string"],
    );
}

#[test]
fn length_mismatches_are_errors() {
    let dataset = Dataset::new();
    dataset.edit_qa(|v| {
        v[FOLDER][0]["images"] = serde_json::json!(["microwave-user.jpg"]);
        v[FOLDER][0]["correct"] = serde_json::json!([3, 2, 1]);
    });
    let report = dataset.check();
    let json = dataset.path("train.json");
    assert_eq!(report.problems.len(), 2, "{}", render(&report));
    assert_problem(
        &report.problems[0],
        Severity::Error,
        &json,
        "microwave_abc12[0].images",
        &["has 1 entries", "2 steps"],
    );
    assert_problem(
        &report.problems[1],
        Severity::Error,
        &json,
        "microwave_abc12[0].correct",
        &["has 3 entries", "2 steps"],
    );
}

#[test]
fn correct_out_of_range_is_an_error() {
    let dataset = Dataset::new();
    dataset.edit_qa(|v| v[FOLDER][0]["correct"] = serde_json::json!([3, 5]));
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.path("train.json"),
        "microwave_abc12[0].correct[1]",
        &["is 5", "2 candidates", "1..=2"],
    );

    dataset.edit_qa(|v| v[FOLDER][0]["correct"] = serde_json::json!([0, 1]));
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.path("train.json"),
        "microwave_abc12[0].correct[0]",
        &["integer >= 1", "found 0"],
    );
}

#[test]
fn empty_step_is_an_error() {
    let dataset = Dataset::new();
    dataset.edit_qa(|v| {
        v[FOLDER][0]["answers"][1] = serde_json::json!([]);
        v[FOLDER][0]["correct"] = serde_json::json!([3]);
        v[FOLDER][0]["correct"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!(1));
    });
    let report = dataset.check();
    let json = dataset.path("train.json");
    // The empty step also makes correct[1] = 1 out of range for its 0 candidates.
    assert_eq!(report.problems.len(), 2, "{}", render(&report));
    assert_problem(
        &report.problems[0],
        Severity::Error,
        &json,
        "microwave_abc12[0].answers[1]",
        &["step 2 is empty"],
    );
    assert_problem(
        &report.problems[1],
        Severity::Error,
        &json,
        "microwave_abc12[0].correct[1]",
        &["0 candidates"],
    );
}

#[test]
fn qa_image_missing_or_not_annotated() {
    let dataset = Dataset::new();
    dataset.write(&format!("train/{FOLDER}/images/unannotated.jpg"), "x");
    dataset.edit_qa(|v| {
        v[FOLDER][0]["images"] = serde_json::json!(["absent.jpg", "unannotated.jpg"]);
    });
    let report = dataset.check();
    let json = dataset.path("train.json");
    assert_eq!(report.problems.len(), 3, "{}", render(&report));
    assert_problem(
        &report.problems[0],
        Severity::Error,
        &json,
        "microwave_abc12[0].images[0]",
        &["`absent.jpg` is missing"],
    );
    assert_problem(
        &report.problems[1],
        Severity::Error,
        &json,
        "microwave_abc12[0].images[0]",
        &["`absent.jpg` has no buttons"],
    );
    assert_problem(
        &report.problems[2],
        Severity::Error,
        &json,
        "microwave_abc12[0].images[1]",
        &["`unannotated.jpg` has no buttons", "buttons.csv"],
    );
}

#[test]
fn answer_naming_no_known_button_is_an_error() {
    let dataset = Dataset::new();
    dataset.edit_qa(|v| {
        // `<button10>` must not be taken for `button1`; `button2` without brackets is no token.
        v[FOLDER][0]["answers"][0][1] = serde_json::json!("Press <button10>");
        v[FOLDER][0]["answers"][1][0] = serde_json::json!("Press button2");
    });
    let report = dataset.check();
    let json = dataset.path("train.json");
    assert_eq!(report.problems.len(), 2, "{}", render(&report));
    assert_problem(
        &report.problems[0],
        Severity::Error,
        &json,
        "microwave_abc12[0].answers[0][1]",
        &[
            "`Press <button10>`",
            "names no button",
            "<button1>, <button2>, <button3>",
        ],
    );
    assert_problem(
        &report.problems[1],
        Severity::Error,
        &json,
        "microwave_abc12[0].answers[1][0]",
        &["`Press button2`"],
    );
}

#[test]
fn duplicate_question_is_an_error() {
    let dataset = Dataset::new();
    dataset.edit_qa(|v| {
        let qa = v[FOLDER][0].clone();
        v[FOLDER].as_array_mut().unwrap().push(qa);
    });
    let report = dataset.check();
    let p = single(&report);
    assert_problem(
        p,
        Severity::Error,
        &dataset.path("train.json"),
        "microwave_abc12[1].question",
        &["duplicate question", "microwave_abc12[0]"],
    );
    assert_eq!(report.questions_checked, 2);
}

#[test]
fn ground_truth_presence_depends_on_the_label_file() {
    let dataset = Dataset::new();
    dataset.remove("train.json");
    dataset.remove("train");
    dataset.add_folder("test", FOLDER);
    let mut without_correct: serde_json::Value = serde_json::from_str(VALID_QA).unwrap();
    without_correct[FOLDER][0]
        .as_object_mut()
        .unwrap()
        .remove("correct");
    // test_with_gt.json without `correct`: error.
    dataset.write(
        "test_with_gt.json",
        serde_json::to_string(&without_correct).unwrap(),
    );
    // test_without_gt.json with `correct`: warning.
    dataset.write("test_without_gt.json", VALID_QA);
    let report = dataset.check();
    assert_eq!(report.problems.len(), 2, "{}", render(&report));
    assert_problem(
        &report.problems[0],
        Severity::Warning,
        &dataset.path("test_without_gt.json"),
        "microwave_abc12[0].correct",
        &["expected no ground truth"],
    );
    assert_problem(
        &report.problems[1],
        Severity::Error,
        &dataset.path("test_with_gt.json"),
        "microwave_abc12[0]",
        &["missing key `correct`"],
    );
    assert_eq!((report.folders_checked, report.questions_checked), (1, 2));
}

#[test]
fn several_problems_are_all_reported() {
    let dataset = Dataset::new();
    dataset.add_folder("train", "kettle_zzz99");
    dataset.remove("train/kettle_zzz99/video.mp4");
    dataset.write("train/kettle_zzz99/script.txt", "bad line\n");
    dataset.remove(&format!("train/{FOLDER}/images/{IMAGE}"));
    dataset.edit_qa(|v| {
        v[FOLDER][0]["correct"][0] = serde_json::json!(9);
        v[FOLDER][0]["answers"][1][1] = serde_json::json!("Press <button7>");
        let qa = v[FOLDER][0].clone();
        v.as_object_mut()
            .unwrap()
            .insert("toaster_qqq00".into(), serde_json::json!([qa]));
    });
    let report = dataset.check();
    let text = render(&report);
    let json = dataset.path("train.json");
    let expected: Vec<(Severity, PathBuf, &str)> = vec![
        (
            Severity::Error,
            json.clone(),
            "microwave_abc12[0].correct[0]",
        ),
        (Severity::Error, json.clone(), "toaster_qqq00[0].correct[0]"),
        (
            Severity::Error,
            dataset.folder_file("buttons.csv"),
            "line 1",
        ),
        (
            Severity::Error,
            json.clone(),
            "microwave_abc12[0].images[0]",
        ),
        (
            Severity::Error,
            json.clone(),
            "microwave_abc12[0].images[1]",
        ),
        (
            Severity::Error,
            json.clone(),
            "microwave_abc12[0].answers[1][1]",
        ),
        (Severity::Error, json.clone(), "toaster_qqq00"),
        (
            Severity::Error,
            dataset.path("train/kettle_zzz99/video.mp4"),
            "",
        ),
        (
            Severity::Error,
            dataset.path("train/kettle_zzz99/script.txt"),
            "line 1",
        ),
        (Severity::Warning, dataset.path("train/kettle_zzz99"), ""),
    ];
    let found: Vec<(Severity, PathBuf, &str)> = report
        .problems
        .iter()
        .map(|p| (p.severity, p.file.clone(), p.location.as_str()))
        .collect();
    assert_eq!(found, expected, "{text}");
    assert!(report.has_errors());
}
