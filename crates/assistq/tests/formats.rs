//! Round trips and parse errors of every AssistQ file format, sentence splitting, button
//! linking and atomic writes.

use std::path::Path;

use assistq::buttons::{linked_button, Button, Buttons};
use assistq::check::Severity;
use assistq::fsutil::write_atomic;
use assistq::qa::QaFile;
use assistq::script::Script;
use assistq::submission::{Prediction, Submission};
use assistq::Error;

const QA_JSON: &str = r#"{
  "zebra_zzz99": [
    {
      "question": "How to heat food for 10 minutes?",
      "answers": [
        ["Press <button1>", "Press <button2>", "Turn <button3> clockwise to 10 minutes"],
        ["Press <button1>", "Press <button3>"]
      ],
      "correct": [3, 2],
      "images": ["microwave-user.jpg", "microwave-user.jpg"],
      "sents_score": [0.25, 1.5, 0.0],
      "note": {"by": "annotator", "ok": true}
    }
  ],
  "apple_aaa11": [
    {
      "images": ["a.jpg"],
      "question": "How to start?",
      "answers": [["Press <button1>"]],
      "paras_score": [1, 2]
    }
  ]
}"#;

#[test]
fn qa_file_round_trip_keeps_folder_order_and_extra_keys() {
    let path = Path::new("train.json");
    let parsed = QaFile::parse(QA_JSON, path).unwrap();
    let names: Vec<&str> = parsed.folders.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["zebra_zzz99", "apple_aaa11"]);

    let first = &parsed.get("zebra_zzz99").unwrap()[0];
    assert_eq!(first.correct, Some(vec![3, 2]));
    let extra_keys: Vec<&str> = first.extra.keys().map(String::as_str).collect();
    assert_eq!(extra_keys, ["sents_score", "note"]);
    assert_eq!(parsed.get("apple_aaa11").unwrap()[0].correct, None);
    assert!(parsed.get("missing").is_none());

    let text = parsed.to_json_string();
    // Keys come out in the canonical order, `correct` omitted when absent.
    let q = text.find("\"question\"").unwrap();
    let a = text.find("\"answers\"").unwrap();
    let c = text.find("\"correct\"").unwrap();
    let i = text.find("\"images\"").unwrap();
    let s = text.find("\"sents_score\"").unwrap();
    assert!(q < a && a < c && c < i && i < s, "{text}");
    assert_eq!(text.matches("\"correct\"").count(), 1);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("train.json");
    parsed.write(&out).unwrap();
    let reread = QaFile::read(&out).unwrap();
    assert_eq!(reread, parsed);
    assert_eq!(QaFile::parse(&text, path).unwrap(), parsed);
}

#[test]
fn qa_parse_error_names_file_and_json_path() {
    let bad = r#"{"microwave_abc12": [{"question": "q", "answers": [["<button1>"], ["<button1>", "<button2>", 7]],
        "correct": [1, 1], "images": ["a.jpg", "a.jpg"]}]}"#;
    let err = QaFile::parse(bad, Path::new("train.json")).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("train.json: microwave_abc12[0].answers[1][2]: expected a string"),
        "{message}"
    );
    assert!(matches!(err, Error::JsonSchema { .. }));
}

#[test]
fn qa_parse_rejects_out_of_range_correct_and_reports_syntax_position() {
    let bad = r#"{"f": [{"question": "q", "answers": [["<button1>", "<button2>"]], "correct": [3], "images": ["a.jpg"]}]}"#;
    let err = QaFile::parse(bad, Path::new("train.json")).unwrap_err();
    assert!(err.to_string().contains("f[0].correct[0]"), "{err}");

    let err = QaFile::parse("{\n  \"f\": [,]\n}", Path::new("train.json")).unwrap_err();
    match err {
        Error::JsonSyntax { line, column, .. } => assert_eq!((line, column), (2, 9)),
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn qa_parse_lenient_reports_all_problems() {
    let bad = r#"{"f": [{"question": 1, "answers": [[2]], "images": "x"}, {"question": "ok", "answers": [["<button1>"]], "images": ["a.jpg"]}]}"#;
    let (file, problems) = QaFile::parse_lenient(bad, Path::new("t.json"));
    let locations: Vec<&str> = problems.iter().map(|p| p.location.as_str()).collect();
    assert_eq!(
        locations,
        ["f[0].question", "f[0].answers[0][0]", "f[0].images"]
    );
    assert_eq!(file.get("f").unwrap().len(), 1);
}

const SCRIPT: &str = "\
0:00:00-0:00:05 This is how to set a 10 minute timer on the microwave. Press the power button.
0:00:05-0:00:09 Turn the dial 3.5 cm. Press <button1>. Done.
10:59:09-11:00:12   Press the start button.  
";

#[test]
fn script_round_trip() {
    let path = Path::new("script.txt");
    let script = Script::parse(SCRIPT, path).unwrap();
    assert_eq!(script.lines.len(), 3);
    assert_eq!(script.lines[2].line, 3);
    assert_eq!(script.lines[2].start, 10.0 * 3600.0 + 59.0 * 60.0 + 9.0);
    assert_eq!(script.lines[2].end, 11.0 * 3600.0 + 12.0);
    assert_eq!(script.lines[2].text, "Press the start button.");

    let text = script.to_text();
    assert!(text.starts_with("0:00:00-0:00:05 This is how"), "{text}");
    assert_eq!(Script::parse(&text, path).unwrap(), script);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("script.txt");
    script.write(&out).unwrap();
    assert_eq!(Script::read(&out).unwrap(), script);
}

#[test]
fn script_sentences_split_like_python() {
    let sentences_of = |text: &str| -> Vec<String> {
        let script = Script::parse(&format!("0:00:00-0:00:04 {text}\n"), Path::new("s")).unwrap();
        script.sentences().into_iter().map(|s| s.text).collect()
    };
    // Expected values are Python's `text.strip().split('. ')`.
    assert_eq!(sentences_of("a. b. c"), ["a", "b", "c"]);
    assert_eq!(
        sentences_of("3.5 cm. Press <button1>. Done."),
        ["3.5 cm", "Press <button1>", "Done."]
    );
    assert_eq!(sentences_of("a.. b. . c."), ["a.", "b", "", "c."]);
    assert_eq!(sentences_of("Wait.  Then"), ["Wait", " Then"]);
    assert_eq!(sentences_of("e.g. this. That"), ["e.g", "this", "That"]);

    // Flattened over lines, each sentence carrying its line's number and times.
    let script = Script::parse(SCRIPT, Path::new("s")).unwrap();
    let sentences = script.sentences();
    let texts: Vec<&str> = sentences.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "This is how to set a 10 minute timer on the microwave",
            "Press the power button.",
            "Turn the dial 3.5 cm",
            "Press <button1>",
            "Done.",
            "Press the start button.",
        ]
    );
    assert_eq!(
        (sentences[3].line, sentences[3].start, sentences[3].end),
        (2, 5.0, 9.0)
    );
    // An empty text still gives one empty sentence, as in Python ("".split('. ') == ['']).
    let empty = Script::parse("0:00:00-0:00:04\n", Path::new("s")).unwrap();
    assert_eq!(empty.sentences()[0].text, "");
}

#[test]
fn script_errors_name_line_and_expected_format() {
    let text = "0:00:00-0:00:05 ok\n\n0:00-0:00:09 bad\n0:61:00-0:62:00 bad minutes\n0:00:09-0:00:05 backwards\n";
    let err = Script::parse(text, Path::new("train/f/script.txt")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "train/f/script.txt: line 3: expected `H:MM:SS-H:MM:SS text`, found `0:00-0:00:09 bad`"
    );
    let (script, problems) = Script::parse_lenient(text, Path::new("s"));
    assert_eq!(script.lines.len(), 1);
    let summary: Vec<(Severity, &str)> = problems
        .iter()
        .map(|p| (p.severity, p.location.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (Severity::Warning, "line 2"),
            (Severity::Error, "line 3"),
            (Severity::Error, "line 4"),
            (Severity::Error, "line 5"),
        ]
    );
    assert!(problems[2].message.contains("expected 00-59"));
    assert!(problems[3].message.contains("before start time"));
}

const BUTTONS: &str = "\
button1,120,340,80,60,microwave-user.jpg,960,1280
button2,120,420,80,60,microwave-user.jpg,960,1280
button10,300,500,150,150,microwave-user.jpg,960,1280
button1,10,10,20,20,panel.jpg,640,480
";

#[test]
fn buttons_round_trip_and_queries() {
    let path = Path::new("buttons.csv");
    let buttons = Buttons::parse(BUTTONS, path).unwrap();
    assert_eq!(buttons.buttons.len(), 4);
    assert_eq!(buttons.buttons[3].line, 4);
    assert_eq!(buttons.to_csv(), BUTTONS);
    assert_eq!(buttons.images(), ["microwave-user.jpg", "panel.jpg"]);
    let names: Vec<&str> = buttons
        .for_image("microwave-user.jpg")
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(names, ["button1", "button2", "button10"]);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("buttons.csv");
    buttons.write(&out).unwrap();
    assert_eq!(Buttons::read(&out).unwrap(), buttons);
}

#[test]
fn buttons_errors_and_warnings() {
    let text = "\
button1,1,2,3,4,a.jpg,100,100
button2,1,2,3,a.jpg,100,100
button3,x,2,3,4,a.jpg,100,100
button4,1,2,0,4,a.jpg,100,100
button1,5,5,5,5,a.jpg,100,100
button5,90,90,20,20,a.jpg,100,100
";
    let err = Buttons::parse(text, Path::new("b.csv")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("b.csv: line 2: expected 8 comma-separated fields"),
        "{err}"
    );
    let (buttons, problems) = Buttons::parse_lenient(text, Path::new("b.csv"));
    let summary: Vec<(Severity, &str)> = problems
        .iter()
        .map(|p| (p.severity, p.location.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (Severity::Error, "line 2"),
            (Severity::Error, "line 3"),
            (Severity::Error, "line 4"),
            (Severity::Error, "line 5"),
            (Severity::Warning, "line 6"),
        ]
    );
    assert!(problems[1]
        .message
        .contains("(x) is `x`: expected an integer"));
    assert!(problems[3].message.contains("duplicate button `button1`"));
    assert!(problems[4].message.contains("outside"));
    // The out-of-bounds box is only a warning: it is kept.
    assert_eq!(buttons.buttons.len(), 2);
}

#[test]
fn linked_button_matches_whole_tokens_in_csv_order() {
    let buttons = Buttons::parse(BUTTONS, Path::new("b.csv")).unwrap();
    let boxes: Vec<&Button> = buttons.for_image("microwave-user.jpg");
    // `button1` must not match `<button10>`.
    assert_eq!(
        linked_button("Press <button10> twice", &boxes)
            .unwrap()
            .name,
        "button10"
    );
    assert_eq!(
        linked_button("Press <button1>", &boxes).unwrap().name,
        "button1"
    );
    // Several buttons named: the first in CSV order wins, not the first in the text.
    assert_eq!(
        linked_button("Press <button2> then <button1>", &boxes)
            .unwrap()
            .name,
        "button1"
    );
    assert!(linked_button("Press button1", &boxes).is_none());
    assert!(linked_button("Press <button3>", &boxes).is_none());
    let only_button1: Vec<&Button> = boxes
        .iter()
        .copied()
        .filter(|b| b.name == "button1")
        .collect();
    assert!(linked_button("Press <button10>", &only_button1).is_none());
}

#[test]
fn submission_round_trip_and_push() {
    let mut submission = Submission::default();
    submission.push(
        "zebra_zzz99",
        Prediction {
            question: "q1".into(),
            scores: vec![vec![0.1, -2.5, 3.25e-7], vec![1.0]],
        },
    );
    submission.push(
        "apple_aaa11",
        Prediction {
            question: "q2".into(),
            scores: vec![vec![0.333_333_34, 7.0]],
        },
    );
    submission.push(
        "zebra_zzz99",
        Prediction {
            question: "q3".into(),
            scores: vec![vec![1.0, 2.0]],
        },
    );
    let names: Vec<&str> = submission.folders.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["zebra_zzz99", "apple_aaa11"]);
    assert_eq!(submission.folders[0].1.len(), 2);

    let path = Path::new("submit.json");
    assert_eq!(
        Submission::parse(&submission.to_json_string(), path).unwrap(),
        submission
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("submit.json");
    submission.write(&out).unwrap();
    assert_eq!(Submission::read(&out).unwrap(), submission);

    let err =
        Submission::parse(r#"{"f": [{"question": "q", "scores": [[1, "x"]]}]}"#, path).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("submit.json: f[0].scores[0][1]: expected a number"),
        "{err}"
    );
}

#[test]
fn write_atomic_replaces_content_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    write_atomic(&path, b"first version, longer").unwrap();
    write_atomic(&path, b"second").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second");
    let entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["out.txt"]);

    // A failed write (missing directory) reports the error and leaves nothing behind.
    assert!(write_atomic(&dir.path().join("no/such/dir.txt"), b"x").is_err());
}

#[test]
fn non_utf8_file_names_line_of_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("script.txt");
    std::fs::write(&path, b"0:00:00-0:00:01 ok\n0:00:01-0:00:02 caf\xe9\n").unwrap();
    match Script::read(&path).unwrap_err() {
        Error::NotUtf8 { line, column, .. } => assert_eq!((line, column), (2, 20)),
        other => panic!("expected NotUtf8, got {other}"),
    }
}
