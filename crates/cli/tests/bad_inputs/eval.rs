//! `pressnext eval` with a bad submission or a bad ground truth: exit 2 naming the file and the
//! JSON path (or folder, question and step).

use std::path::Path;

use serde_json::{json, Value};

use crate::fixtures::{put, text, Fixtures, Put};
use crate::harness::{case, Case};

const EVAL: &[&str] = &[
    "eval",
    "--pred",
    "pred.json",
    "--gt",
    "data/test_with_gt.json",
];

/// A valid submission for the dataset's test split (every score 0), as `case/pred.json`.
fn submission(f: &Fixtures, d: &Path) -> Value {
    let data = f.dataset(d);
    let gt: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("test_with_gt.json")).unwrap())
            .unwrap();
    let mut sub = serde_json::Map::new();
    for (folder, qas) in gt.as_object().unwrap() {
        let preds: Vec<Value> = qas
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                let scores: Vec<Vec<f32>> = q["answers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|step| vec![0.0; step.as_array().unwrap().len()])
                    .collect();
                json!({"question": q["question"], "scores": scores})
            })
            .collect();
        sub.insert(folder.clone(), Value::Array(preds));
    }
    Value::Object(sub)
}

/// `eval` after `edit` changed a valid submission.
fn bad_pred(name: &str, needles: &[&str], edit: fn(&mut Value, &str)) -> Case {
    case(name, 2, needles, EVAL, move |f, d| {
        let mut sub = submission(f, d);
        edit(&mut sub, &f.test);
        std::fs::write(d.join("pred.json"), sub.to_string()).unwrap();
    })
}

/// `eval` with `pred.json` replaced by `what`.
fn pred_file(name: &str, what: Put, needles: &[&str]) -> Case {
    case(name, 2, needles, EVAL, move |f, d| {
        submission(f, d);
        put(&d.join("pred.json"), &what);
    })
}

/// `eval` with a valid submission and the ground truth replaced by `what`.
fn gt_file(name: &str, what: Put, needles: &[&str]) -> Case {
    case(name, 2, needles, EVAL, move |f, d| {
        let sub = submission(f, d);
        std::fs::write(d.join("pred.json"), sub.to_string()).unwrap();
        put(&d.join("data/test_with_gt.json"), &what);
    })
}

pub fn cases() -> Vec<Case> {
    vec![
        case(
            "eval: no submission file",
            2,
            &["pred.json"],
            EVAL,
            |f, d| {
                f.dataset(d);
            },
        ),
        pred_file(
            "eval: submission is invalid JSON",
            text("{\"x\": [}"),
            &["pred.json", "line 1"],
        ),
        pred_file("eval: submission is empty", text(""), &["pred.json"]),
        pred_file(
            "eval: submission is non-UTF-8",
            Put::Bytes(b"{\"\xfe\xff\": []}".to_vec()),
            &["pred.json", "UTF-8"],
        ),
        pred_file("eval: submission is a folder", Put::Dir, &["pred.json"]),
        pred_file("eval: submission is a FIFO", Put::Fifo, &["pred.json"]),
        pred_file(
            "eval: submission is /dev/zero",
            Put::DevZero,
            &["pred.json"],
        ),
        pred_file(
            "eval: submission is a list",
            text("[]"),
            &["pred.json", "top level"],
        ),
        pred_file(
            "eval: a score of 1e999",
            text("{\"a\": [{\"question\": \"q\", \"scores\": [[1e999]]}]}"),
            &["pred.json"],
        ),
        bad_pred(
            "eval: scores are a string",
            &["pred.json", "{test}[0].scores"],
            |v, a| v[a][0]["scores"] = json!("high"),
        ),
        bad_pred(
            "eval: a score is a string",
            &["pred.json", "{test}[0].scores[0][0]"],
            |v, a| v[a][0]["scores"][0][0] = json!("1"),
        ),
        bad_pred(
            "eval: question missing",
            &["pred.json", "{test}[0]", "question"],
            |v, a| {
                v[a][0].as_object_mut().unwrap().remove("question");
            },
        ),
        bad_pred(
            "eval: a candidate score missing",
            &["{test}", "step 1"],
            |v, a| {
                v[a][0]["scores"][0].as_array_mut().unwrap().pop();
            },
        ),
        bad_pred("eval: a step missing", &["{test}", "step"], |v, a| {
            v[a][0]["scores"].as_array_mut().unwrap().pop();
        }),
        bad_pred(
            "eval: an unknown question",
            &["{test}", "no prediction"],
            |v, a| v[a][0]["question"] = json!("What is this?"),
        ),
        bad_pred("eval: a folder missing", &["{test}"], |v, a| {
            v.as_object_mut().unwrap().remove(a);
        }),
        gt_file(
            "eval: ground truth is invalid JSON",
            text("{"),
            &["test_with_gt.json"],
        ),
        gt_file(
            "eval: ground truth is empty",
            text(""),
            &["test_with_gt.json"],
        ),
        gt_file(
            "eval: ground truth is a FIFO",
            Put::Fifo,
            &["test_with_gt.json"],
        ),
        gt_file(
            "eval: ground truth without labels",
            text("{\"a\": [{\"question\": \"q\", \"answers\": [[\"x\"]]}]}"),
            &["test_with_gt.json"],
        ),
    ]
}
