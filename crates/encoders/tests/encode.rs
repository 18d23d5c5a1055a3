//! The encode pipeline on a small generated dataset (real mp4s from the ffmpeg command line) with
//! tiny random encoders: shapes of everything written, button linking, resuming, and a bad folder
//! reported and skipped.

use std::path::Path;
use std::sync::Mutex;

use assistq::buttons::Buttons;
use candle_core::{Device, IndexOp};
use encoded::EncodedFolder;
use encoders::encode::{
    button_view, encode_dataset, ButtonView, EncodeEvent, EncodeOptions, EncodeSink, Encoders,
    FolderOutcome, CROP_MARGIN,
};
use encoders::text::TextEncoder;
use encoders::vision::ImageEncoder;

use testkit::tiny_encoders as common;

use testkit::tutorial;

use common::BertKind;

#[derive(Default)]
struct Events(Mutex<Vec<EncodeEvent>>);

impl EncodeSink for Events {
    fn event(&self, event: &EncodeEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

struct Tiny {
    encoders: Encoders,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

fn tiny_encoders() -> Tiny {
    let text_dir = common::write_tiny_bert(BertKind::MeanPooling);
    let image_dir = common::write_tiny_dino(56);
    let encoders = Encoders {
        text: std::sync::Arc::new(TextEncoder::load(text_dir.path(), &Device::Cpu).unwrap()),
        image: ImageEncoder::load(image_dir.path(), &Device::Cpu).unwrap(),
        info_text: ("tiny-bert".into(), "0".into()),
        info_image: ("tiny-dino".into(), "0".into()),
    };
    Tiny {
        encoders,
        _dirs: (text_dir, image_dir),
    }
}

fn options(root: &Path, out: &Path) -> EncodeOptions {
    EncodeOptions {
        data_root: root.to_path_buf(),
        split: "train".into(),
        label: "train.json".into(),
        out: out.to_path_buf(),
        fps: 1.0,
        button_view: ButtonView::Mask,
    }
}

fn rows(t: &candle_core::Tensor) -> Vec<Vec<f32>> {
    t.to_vec2::<f32>().unwrap()
}

#[test]
fn encoded_shapes_follow_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("data"), tmp.path().join("encoded"));
    tutorial::write_dataset(&root, &["oven_a", "oven_b"]);
    let tiny = tiny_encoders();
    let events = Events::default();
    let summary = encode_dataset(&tiny.encoders, &options(&root, &out), &events).unwrap();
    assert_eq!((summary.encoded, summary.skipped), (2, 0));
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);

    let folder = EncodedFolder::read(&out.join("oven_a")).unwrap();
    // 5 s at 30 fps, stride int(30 / 1) = 30: frames 0, 30, ..., 120.
    assert_eq!(folder.video.dims(), [tutorial::VIDEO_SECONDS, 32]);
    let times: Vec<f32> = folder.timestamps.to_vec1().unwrap();
    for (i, t) in times.iter().enumerate() {
        assert!((t - i as f32).abs() < 1e-3, "timestamps {times:?}");
    }
    assert_eq!(folder.script.dims(), [tutorial::SCRIPT_SENTENCES, 32]);
    assert_eq!(folder.sentences.len(), tutorial::SCRIPT_SENTENCES);
    assert_eq!(folder.sentences[1].text, "Put the cup inside");
    assert_eq!(folder.sentences[5].start, 4.0);
    assert_eq!(folder.qas.len(), 2);
    let per_step: Vec<Vec<usize>> = folder
        .qas
        .iter()
        .map(|q| q.steps.iter().map(|s| s.text.dim(0).unwrap()).collect())
        .collect();
    assert_eq!(per_step, vec![vec![3, 2], vec![4]]);
    for qa in &folder.qas {
        assert_eq!(qa.question.dims(), [32]);
        for step in &qa.steps {
            assert_eq!(step.button.dims(), step.text.dims());
        }
    }
    // Candidates link by the whole `<buttonN>` token; one button has one feature everywhere.
    let q0 = &folder.qas[0];
    assert_eq!(q0.entry.buttons[0], ["button1", "button2", "button3"]);
    assert_eq!(q0.entry.buttons[1], ["button2", "button1"]);
    let b = |qa: usize, step: usize, cand: usize| -> Vec<f32> {
        folder.qas[qa].steps[step]
            .button
            .i(cand)
            .unwrap()
            .to_vec1()
            .unwrap()
    };
    assert_eq!(b(0, 0, 0), b(0, 1, 1));
    assert_eq!(b(0, 0, 1), b(1, 0, 1));
    assert_ne!(b(0, 0, 0), b(0, 0, 1));
    // The same text gets the same vector wherever it appears; different texts differ.
    let text0 = rows(&folder.qas[0].steps[0].text);
    let text2 = rows(&folder.qas[1].steps[0].text);
    assert_eq!(text0[0], text2[0]); // "Answer: press <button1>" in both
    assert_ne!(text0[0], text0[2]);
    // The script has no paragraph-opening line: one function paragraph spanning it all.
    let paras = folder.paras.as_ref().expect("paragraphs written");
    assert_eq!(paras.features.dims(), [1, 32]);
    assert_eq!(
        (paras.paragraphs[0].start, paras.paragraphs[0].end),
        (0.0, 5.0)
    );
    assert_eq!(folder.encoder["button_view"], "mask");
    assert_eq!(folder.encoder["dim"], 32);

    let outcomes = events.0.lock().unwrap();
    assert!(matches!(outcomes[0], EncodeEvent::Started { folders: 2 }));
    let encoded = outcomes
        .iter()
        .filter(|e| {
            matches!(
                e,
                EncodeEvent::Folder {
                    outcome: FolderOutcome::Encoded {
                        frames: 5,
                        sentences: 6,
                        questions: 2,
                        ..
                    },
                    ..
                }
            )
        })
        .count();
    assert_eq!(encoded, 2);
}

#[test]
fn bad_folder_is_skipped_and_runs_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("data"), tmp.path().join("encoded"));
    tutorial::write_dataset(&root, &["kettle", "broken", "washer"]);
    std::fs::write(root.join("train/broken/video.mp4"), b"not a video at all").unwrap();
    let tiny = tiny_encoders();
    let opts = options(&root, &out);

    let summary = encode_dataset(&tiny.encoders, &opts, &Events::default()).unwrap();
    assert_eq!(summary.encoded, 2);
    assert_eq!(summary.failed.len(), 1);
    let (name, error) = &summary.failed[0];
    assert_eq!(name, "broken");
    assert!(error.contains("video.mp4"), "{error}");
    assert!(EncodedFolder::read(&out.join("kettle")).is_ok());
    assert!(EncodedFolder::read(&out.join("washer")).is_ok());
    assert!(!out.join("broken").join("encoder.json").exists());

    // Same settings: the good folders are skipped, the broken one is tried (and fails) again.
    let before = std::fs::read(out.join("kettle/video.safetensors")).unwrap();
    let again = encode_dataset(&tiny.encoders, &opts, &Events::default()).unwrap();
    assert_eq!(
        (again.encoded, again.skipped, again.failed.len()),
        (0, 2, 1)
    );
    assert_eq!(
        std::fs::read(out.join("kettle/video.safetensors")).unwrap(),
        before
    );

    // Fixed video: only that folder is encoded. Other settings: everything is encoded anew.
    tutorial::write_video(&root.join("train/broken/video.mp4"), 3);
    let fixed = encode_dataset(&tiny.encoders, &opts, &Events::default()).unwrap();
    assert_eq!(
        (fixed.encoded, fixed.skipped, fixed.failed.len()),
        (1, 2, 0)
    );
    assert_eq!(
        EncodedFolder::read(&out.join("broken"))
            .unwrap()
            .video
            .dim(0)
            .unwrap(),
        3
    );
    let crop = EncodeOptions {
        button_view: ButtonView::Crop,
        ..opts
    };
    let recrop = encode_dataset(&tiny.encoders, &crop, &Events::default()).unwrap();
    assert_eq!((recrop.encoded, recrop.skipped), (3, 0));
    let folder = EncodedFolder::read(&out.join("kettle")).unwrap();
    assert_eq!(folder.encoder["button_view"], "crop");
}

#[test]
fn missing_label_file_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let tiny = tiny_encoders();
    let err = encode_dataset(
        &tiny.encoders,
        &options(tmp.path(), &tmp.path().join("out")),
        &Events::default(),
    )
    .err()
    .expect("no train.json");
    assert!(err.to_string().contains("train.json"), "{err}");
}

#[test]
fn button_views_show_only_that_button() {
    let tmp = tempfile::tempdir().unwrap();
    let csv: String = tutorial::BUTTONS
        .iter()
        .map(|(n, x, y, w, h)| format!("{n},{x},{y},{w},{h},{},320,240\n", tutorial::IMAGE))
        .collect();
    let path = tmp.path().join("buttons.csv");
    std::fs::write(&path, csv).unwrap();
    let buttons = Buttons::read(&path).unwrap();
    let boxes = buttons.for_image(tutorial::IMAGE);
    let image = tutorial::user_image();

    let masked = button_view(&image, &boxes, boxes[1], ButtonView::Mask);
    assert_eq!(masked.dimensions(), image.dimensions());
    // Inside button2: kept. Inside buttons 1 and 3: black. Outside every box: kept.
    assert_eq!(masked.get_pixel(130, 40), image.get_pixel(130, 40));
    assert_eq!(masked.get_pixel(30, 40).0, [0, 0, 0]);
    assert_eq!(masked.get_pixel(250, 150).0, [0, 0, 0]);
    assert_eq!(masked.get_pixel(5, 5), image.get_pixel(5, 5));
    // Not cumulative: masking button3 hides button2 again.
    let masked3 = button_view(&image, &boxes, boxes[2], ButtonView::Mask);
    assert_eq!(masked3.get_pixel(130, 40).0, [0, 0, 0]);
    assert_eq!(masked3.get_pixel(250, 150), image.get_pixel(250, 150));

    // Crop: the box plus CROP_MARGIN of its size on each side, clamped to the image.
    let cropped = button_view(&image, &boxes, boxes[1], ButtonView::Crop);
    let (w, h) = (
        60.0 * (1.0 + 2.0 * CROP_MARGIN),
        40.0 * (1.0 + 2.0 * CROP_MARGIN),
    );
    assert_eq!(cropped.dimensions(), (w as u32, h as u32));
    assert_eq!(cropped.get_pixel(30, 20), image.get_pixel(120, 30));
    let edge = button_view(&image, &boxes, boxes[0], ButtonView::Crop);
    // button1 at x 20: the margin of 30 px is clamped at the left edge.
    assert_eq!(edge.dimensions(), (20 + 60 + 30, 20 + 40 + 20));
}
