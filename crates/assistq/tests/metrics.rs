//! Metrics on hand-checked cases; each expected number is worked out in the comments.

use std::path::Path;

use assistq::metrics::{evaluate, rank, MetricsAccumulator};
use assistq::qa::QaFile;
use assistq::submission::{Prediction, Submission};
use assistq::Error;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn rank_breaks_ties_like_numpy_argsort_reversed() {
    // argsort([1,1,1]) is stable -> [0,1,2]; reversed -> [2,1,0]: index 0 is third.
    assert_eq!(rank(&[1.0, 1.0, 1.0], 0), 3);
    assert_eq!(rank(&[1.0, 1.0, 1.0], 1), 2);
    assert_eq!(rank(&[1.0, 1.0, 1.0], 2), 1);
    // argsort([0.5,0.9,0.5]) -> [0,2,1]; reversed -> [1,2,0].
    assert_eq!(rank(&[0.5, 0.9, 0.5], 0), 3);
    assert_eq!(rank(&[0.5, 0.9, 0.5], 2), 2);
    assert_eq!(rank(&[0.5, 0.9, 0.5], 1), 1);
    // argsort([2,1,2,1,2]) -> [1,3,0,2,4]; reversed -> [4,2,0,3,1]: index 2 is second.
    assert_eq!(rank(&[2.0, 1.0, 2.0, 1.0, 2.0], 2), 2);
    assert_eq!(rank(&[2.0, 1.0, 2.0, 1.0, 2.0], 3), 4);
    assert_eq!(rank(&[2.0, 1.0, 2.0, 1.0, 2.0], 1), 5);
    // Single candidate: always rank 1.
    assert_eq!(rank(&[-3.0], 0), 1);
}

#[test]
fn single_candidate_step_counts_as_rank_one_with_legacy_one() {
    let mut acc = MetricsAccumulator::default();
    assert!(acc.finish().is_none());
    acc.add(&[0.2], 0);
    let m = acc.finish().unwrap();
    // rank 1, N = 1: R@1 = R@3 = 1, MR = 1, MRR = 1/1 = 1, N/rank = 1/1 = 1.
    assert_eq!(m.steps, 1);
    assert_eq!(
        (
            m.recall_at_1,
            m.recall_at_3,
            m.mean_rank,
            m.mrr,
            m.mrr_legacy
        ),
        (1.0, 1.0, 1.0, 1.0, 1.0)
    );
}

/// Three steps:
/// - step A: scores [0.1, 0.9, 0.3, 0.2], gt 1 -> rank 1; N = 4: 1/r = 1,   N/r = 4
/// - step B: scores [0.5, 0.2, 0.8],      gt 0 -> rank 2; N = 3: 1/r = 0.5, N/r = 1.5
/// - step C: scores [0.4, 0.3, 0.2, 0.1, 0.9], gt 3 -> four higher, rank 5; N = 5: 1/r = 0.2, N/r = 1
///
/// R@1 = 1/3, R@3 = 2/3, MR = (1+2+5)/3 = 8/3, MRR = (1+0.5+0.2)/3 = 1.7/3,
/// MRR(N/rank) = (4+1.5+1)/3 = 6.5/3.
fn three_steps() -> [(Vec<f32>, usize); 3] {
    [
        (vec![0.1, 0.9, 0.3, 0.2], 1),
        (vec![0.5, 0.2, 0.8], 0),
        (vec![0.4, 0.3, 0.2, 0.1, 0.9], 3),
    ]
}

fn assert_three_step_metrics(m: &assistq::metrics::Metrics) {
    assert_eq!(m.steps, 3);
    assert!(close(m.recall_at_1, 1.0 / 3.0), "{m:?}");
    assert!(close(m.recall_at_3, 2.0 / 3.0), "{m:?}");
    assert!(close(m.mean_rank, 8.0 / 3.0), "{m:?}");
    assert!(close(m.mrr, 1.7 / 3.0), "{m:?}");
    assert!(close(m.mrr_legacy, 6.5 / 3.0), "{m:?}");
}

#[test]
fn three_step_example_with_accumulator() {
    let mut acc = MetricsAccumulator::default();
    for (scores, gt) in three_steps() {
        acc.add(&scores, gt);
    }
    assert_three_step_metrics(&acc.finish().unwrap());
}

/// Ground truth for the three-step example: question "q1" (steps A, B) in folder f1 and
/// question "q2" (step C) in folder f2.
fn ground_truth() -> QaFile {
    let text = r#"{
      "f1": [{"question": "q1",
              "answers": [["<button1>", "<button2>", "<button3>", "<button4>"], ["<button1>", "<button2>", "<button3>"]],
              "correct": [2, 1], "images": ["a.jpg", "a.jpg"]}],
      "f2": [{"question": "q2",
              "answers": [["<b1>", "<b2>", "<b3>", "<b4>", "<b5>"]],
              "correct": [4], "images": ["b.jpg"]}]
    }"#;
    QaFile::parse(text, Path::new("test_with_gt.json")).unwrap()
}

fn predictions() -> Submission {
    let [a, b, c] = three_steps();
    let mut s = Submission::default();
    // Folders and questions in a different order than the ground truth: matching is by name.
    s.push(
        "f2",
        Prediction {
            question: "q2".into(),
            scores: vec![c.0],
        },
    );
    s.push(
        "f1",
        Prediction {
            question: "q1".into(),
            scores: vec![a.0, b.0],
        },
    );
    s
}

#[test]
fn evaluate_three_step_example() {
    assert_three_step_metrics(&evaluate(&predictions(), &ground_truth()).unwrap());
}

fn expect_mismatch(
    result: Result<assistq::metrics::Metrics, Error>,
) -> (String, String, Option<usize>, String) {
    match result.unwrap_err() {
        Error::Mismatch {
            folder,
            question,
            step,
            message,
        } => (folder, question, step, message),
        other => panic!("expected a mismatch, got {other}"),
    }
}

#[test]
fn evaluate_rejects_missing_question() {
    let mut pred = predictions();
    pred.folders.retain(|(f, _)| f != "f2");
    let (folder, question, step, message) = expect_mismatch(evaluate(&pred, &ground_truth()));
    assert_eq!(
        (folder.as_str(), question.as_str(), step),
        ("f2", "q2", None)
    );
    assert!(message.contains("no prediction"), "{message}");
}

#[test]
fn evaluate_rejects_extra_prediction() {
    let mut pred = predictions();
    pred.push(
        "f1",
        Prediction {
            question: "not asked".into(),
            scores: vec![vec![1.0]],
        },
    );
    let (folder, question, _, message) = expect_mismatch(evaluate(&pred, &ground_truth()));
    assert_eq!((folder.as_str(), question.as_str()), ("f1", "not asked"));
    assert!(message.contains("not in the ground truth"), "{message}");
}

#[test]
fn evaluate_rejects_step_count_mismatch() {
    let mut pred = predictions();
    pred.folders[1].1[0].scores.pop();
    let err = evaluate(&pred, &ground_truth()).unwrap_err();
    let text = err.to_string();
    let (folder, question, step, message) = expect_mismatch(Err(err));
    assert_eq!(
        (folder.as_str(), question.as_str(), step),
        ("f1", "q1", Some(2))
    );
    assert!(
        message.contains("step 2") && message.contains("1 steps") && message.contains("2 steps"),
        "{message}"
    );
    assert!(text.contains("f1") && text.contains("\"q1\""), "{text}");
}

#[test]
fn evaluate_rejects_candidate_count_mismatch() {
    let mut pred = predictions();
    pred.folders[1].1[0].scores[1].push(0.0);
    let (folder, question, step, message) = expect_mismatch(evaluate(&pred, &ground_truth()));
    assert_eq!(
        (folder.as_str(), question.as_str(), step),
        ("f1", "q1", Some(2))
    );
    assert!(
        message.contains("step 2: prediction has 4 scores, ground truth has 3 candidates"),
        "{message}"
    );
}

#[test]
fn evaluate_rejects_nan_and_missing_ground_truth() {
    let mut pred = predictions();
    pred.folders[0].1[0].scores[0][2] = f32::NAN;
    let (folder, _, step, message) = expect_mismatch(evaluate(&pred, &ground_truth()));
    assert_eq!((folder.as_str(), step), ("f2", Some(1)));
    assert!(message.contains("NaN"), "{message}");

    let mut gt = ground_truth();
    gt.folders[0].1[0].correct = None;
    let (_, _, _, message) = expect_mismatch(evaluate(&predictions(), &gt));
    assert!(message.contains("correct"), "{message}");
}

#[test]
fn evaluate_matches_repeated_questions_in_order() {
    let text = r#"{"f": [
        {"question": "same", "answers": [["<a>", "<b>"]], "correct": [1], "images": ["i"]},
        {"question": "same", "answers": [["<a>", "<b>"]], "correct": [2], "images": ["i"]}]}"#;
    let gt = QaFile::parse(text, Path::new("gt.json")).unwrap();
    let mut pred = Submission::default();
    // First occurrence ranks candidate 1 first, second ranks candidate 2 first: both rank 1.
    pred.push(
        "f",
        Prediction {
            question: "same".into(),
            scores: vec![vec![1.0, 0.0]],
        },
    );
    pred.push(
        "f",
        Prediction {
            question: "same".into(),
            scores: vec![vec![0.0, 1.0]],
        },
    );
    let m = evaluate(&pred, &gt).unwrap();
    assert_eq!((m.steps, m.recall_at_1), (2, 1.0));

    pred.folders[0].1.pop();
    let (_, question, _, message) = expect_mismatch(evaluate(&pred, &gt));
    assert_eq!(question, "same");
    assert!(message.contains("occurrence 2"), "{message}");
}
