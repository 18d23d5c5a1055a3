//! `pressnext ocr IMAGE [--json]` end to end on the real PP-OCR models (installed by
//! `bash scripts/setup.sh` under the repository's `models/`): the JSON contract, the plain
//! listing, and clear errors for a missing image, a file that is not an image and a models root
//! without the OCR.

use std::process::Output;

fn pressnext(args: &[&str]) -> Output {
    testkit::repo::run(env!("CARGO_BIN_EXE_pressnext"), args)
}

const PANEL: &str = "crates/ocr/tests/fixtures/panel.png";

#[test]
fn json_lists_every_label_with_its_quad_and_confidence() {
    let out = pressnext(&["ocr", PANEL, "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["model"], "v5");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(640), Some(360))
    );
    let boxes = v["boxes"].as_array().unwrap();
    let texts: Vec<&str> = boxes.iter().map(|b| b["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        [
            "POWER",
            "START",
            "STOP/CLEAR",
            "TIMER",
            "+30 SEC",
            "DEFROST"
        ]
    );
    for b in boxes {
        let quad = b["quad"].as_array().unwrap();
        assert_eq!(quad.len(), 4);
        for p in quad {
            let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
            assert!(
                (0.0..=640.0).contains(&x) && (0.0..=360.0).contains(&y),
                "{b}"
            );
        }
        let c = b["confidence"].as_f64().unwrap();
        assert!(c > 0.9 && c <= 1.0, "{b}");
    }
}

#[test]
fn plain_output_and_the_v4_models() {
    let out = pressnext(&["ocr", PANEL, "--model", "v4"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
    assert!(
        stdout.lines().next().unwrap().ends_with("POWER"),
        "{stdout}"
    );
}

#[test]
fn bad_inputs_name_the_file() {
    let out = pressnext(&["ocr", "no/such/photo.png"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no/such/photo.png"), "{stderr}");

    let tmp = tempfile::tempdir().unwrap();
    let fake = tmp.path().join("photo.png");
    std::fs::write(&fake, b"not a picture").unwrap();
    let out = pressnext(&["ocr", fake.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("photo.png") && stderr.contains("cannot read the image"),
        "{stderr}"
    );

    let out = pressnext(&["ocr", PANEL, "--models", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ppocrv5") && stderr.contains("fix: bash scripts/setup.sh"),
        "{stderr}"
    );
}
