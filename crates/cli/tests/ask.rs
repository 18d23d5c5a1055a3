//! `pressnext ask` and `pressnext bench-answers` end to end on the demo pack (made by
//! `scripts/demo_pack.sh`, with the generator's `free_questions.json`) and the real weights: the
//! JSON contract of an answer, a question the pack does not list answered from the tutorial, "not
//! covered" for an unrelated one, and the protocols' report.

use std::path::Path;
use std::process::Output;

use testkit::repo::{demo_folder, repo};

use serde_json::Value;

fn pressnext(args: &[&str]) -> Output {
    testkit::repo::run(env!("CARGO_BIN_EXE_pressnext"), args)
}

fn ask(data_dir: &Path, question: &str) -> Value {
    let out = pressnext(&[
        "ask",
        "--pack",
        "demo/pack",
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--json",
        question,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn any_question_is_answered_from_the_tutorial_or_said_not_covered() {
    let free: Value = serde_json::from_str(
        &std::fs::read_to_string(demo_folder().join("free_questions.json"))
            .expect("free_questions.json: run bash scripts/demo_pack.sh"),
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    for asked in free["covered"].as_array().unwrap() {
        let a = ask(data.path(), asked["question"].as_str().unwrap());
        assert_eq!(a["method"], "timeline", "{a}");
        assert_eq!(a["covered"], true, "{a}");
        assert_eq!(a["known"], false);
        assert!(a["span"]["goal"].as_str().is_some_and(|g| !g.is_empty()));
        let want = asked["steps"].as_array().unwrap();
        let steps = a["steps"].as_array().unwrap();
        assert_eq!(steps.len(), want.len(), "{a}");
        for (step, want) in steps.iter().zip(want) {
            let top = &step["candidates"][0];
            assert_eq!(top["button"], want["button"], "{step}");
            // The control as the panel names it, its box on the photo, and the evidence.
            let action = top["action"].as_str().unwrap();
            assert!(
                !action.contains('<') && !action.contains("button"),
                "{action}"
            );
            for k in ["x", "y", "w", "h"] {
                assert!(top["box"][k].as_f64().is_some(), "{top}");
            }
            assert!(top["probability"].as_f64().unwrap() > 0.0);
            assert!(step["low_confidence"].is_boolean());
            assert_eq!(step["why"]["source"], "timeline");
            assert!(step["why"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        }
    }
    for question in free["unrelated"].as_array().unwrap() {
        let a = ask(data.path(), question.as_str().unwrap());
        assert_eq!(a["covered"], false, "{a}");
        assert_eq!(a["steps"].as_array().unwrap().len(), 0);
        assert!(!a["closest"].as_array().unwrap().is_empty());
    }
    // A listed question keeps its own candidates (the AssistQ protocol).
    let labels: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("demo/pack/test_with_gt.json")).unwrap(),
    )
    .unwrap();
    let qa = &labels.as_object().unwrap().values().next().unwrap()[0];
    let a = ask(data.path(), qa["question"].as_str().unwrap());
    assert_eq!(a["known"], true);
    // The demo model is Q2A fused with the timeline: it ranks the listed candidates, reading
    // the part of the tutorial it answers from, and every "why" is a sentence of that part.
    assert_eq!(a["method"], "grounded", "{a}");
    let (first, last) = (
        a["span"]["first_line"].as_u64().unwrap(),
        a["span"]["last_line"].as_u64().unwrap(),
    );
    let (start, end) = (
        a["span"]["start"].as_f64().unwrap(),
        a["span"]["end"].as_f64().unwrap(),
    );
    assert!(first <= last && start < end, "{a}");
    let steps = a["steps"].as_array().unwrap();
    assert_eq!(steps.len(), qa["answers"].as_array().unwrap().len());
    for (k, step) in steps.iter().enumerate() {
        assert_eq!(
            step["candidates"].as_array().unwrap().len(),
            qa["answers"][k].as_array().unwrap().len()
        );
        let right = qa["correct"][k].as_u64().unwrap() as usize - 1;
        assert_eq!(
            step["candidates"][0]["answer"], qa["answers"][k][right],
            "step {k}: {step}"
        );
        assert_eq!(step["why"]["source"], "timeline", "{step}");
        let at = step["why"]["start"].as_f64().unwrap();
        assert!(
            at >= start - 1e-6 && at <= end + 1e-6,
            "step {k}: {step} outside {start}-{end}"
        );
    }
    // An empty question is an error that says so, and nothing is printed as an answer.
    let out = pressnext(&[
        "ask",
        "--pack",
        "demo/pack",
        "--data-dir",
        data.path().to_str().unwrap(),
        "  ",
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(err.contains("question"), "{err}");
}

#[test]
fn bench_answers_reports_both_protocols() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = pressnext(&[
        "synth",
        "--out",
        data.to_str().unwrap(),
        "--appliances",
        "2",
        "--seed",
        "3",
        "--max-seconds",
        "30",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = pressnext(&[
        "bench-answers",
        "--data",
        data.to_str().unwrap(),
        "--work",
        dir.path().join("work").to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["appliances"], 1);
    let systems = v["systems"].as_array().unwrap();
    assert_eq!(systems.len(), 2);
    for s in systems {
        let r1 = s["assistq"]["recall_at_1"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&r1));
        assert!(s["assistq"]["steps"].as_u64().unwrap() > 0);
        let f = &s["free"];
        assert!(f["questions"].as_u64().unwrap() > 0 && f["unrelated"].as_u64().unwrap() > 0);
        for k in [
            "step_accuracy",
            "task_success",
            "covered_said_not_covered",
            "unrelated_said_not_covered",
        ] {
            assert!((0.0..=1.0).contains(&f[k].as_f64().unwrap()), "{k}: {f}");
        }
    }
    // The timelines are cached: a second run grounds nothing again.
    assert!(dir
        .path()
        .join("work/timelines/test")
        .read_dir()
        .unwrap()
        .next()
        .is_some());
}
