//! The assistant end to end, without a window, on generated tutorials and the real encoder
//! weights: train a model in the background, open a pack (encoded once, cached), ask known and
//! unknown questions, get registered live frames from a video-file camera, cancel and remove.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assistant::training::{TrainRequest, TrainingEvent};
use assistant::{Assistant, Paths, StartOptions};
use testkit::repo::real_models_root;

fn short_dataset(out: &Path, appliances: usize, seed: u64) -> PathBuf {
    let mut opts = synth::SynthOptions::new(out, appliances, seed);
    opts.video_seconds = (20, 20);
    synth::generate(&opts, &synth::NoProgress).unwrap();
    out.to_path_buf()
}

/// A training event sink that keeps every event, as JSON, in `events`.
fn recorder(
    events: &Arc<Mutex<Vec<serde_json::Value>>>,
) -> Arc<dyn Fn(TrainingEvent) + Send + Sync> {
    let sink = events.clone();
    Arc::new(move |e: TrainingEvent| sink.lock().unwrap().push(serde_json::to_value(&e).unwrap()))
}

/// Waits (up to 10 minutes) for the `finished` or `failed` event among `events`, and returns it.
fn training_end(events: &Mutex<Vec<serde_json::Value>>) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let done = events.lock().unwrap().iter().find_map(|e| {
            matches!(e["event"].as_str(), Some("finished" | "failed")).then(|| e.clone())
        });
        if let Some(done) = done {
            return done;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "training never finished"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn packs_are_found_from_a_root_a_split_or_a_folder_and_bad_ones_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = short_dataset(&dir.path().join("data"), 4, 5);
    let inspection = assistant::packs::inspect(&root).unwrap();
    assert_eq!(inspection.kind, "root");
    assert_eq!(inspection.appliances.len(), 4);
    let library = assistant::packs::PackLibrary::open(&dir.path().join("packs")).unwrap();
    let err = library.prepare(&root, None).unwrap_err();
    assert_eq!(err.code(), "pack.choose_appliance");

    let name = &inspection.appliances[0];
    let split = if root.join("test").join(name).is_dir() {
        "test"
    } else {
        "train"
    };
    let folder = root.join(split).join(name);
    let one = assistant::packs::inspect(&folder).unwrap();
    assert_eq!(
        (one.kind, one.appliances.clone()),
        ("folder", vec![name.clone()])
    );
    let by_split = assistant::packs::inspect(&root.join(split)).unwrap();
    assert!(by_split.appliances.contains(name));
    let summary = library.prepare(&root, Some(name)).unwrap();
    assert_eq!(summary.folder, folder.canonicalize().unwrap());
    assert!(summary.questions > 0 && !summary.encoded);

    // A broken script: the error names the file and line.
    let script = folder.join("script.txt");
    let mut text = std::fs::read_to_string(&script).unwrap();
    text.insert_str(0, "not a timestamp line\n");
    std::fs::write(&script, text).unwrap();
    let err = library.prepare(&folder, None).unwrap_err();
    assert_eq!(err.code(), "pack.invalid");
    let message = err.to_string();
    assert!(
        message.contains("script.txt") && message.contains("line 1"),
        "{message}"
    );
}

#[test]
fn train_open_ask_and_watch_a_pack() {
    let Some(models) = real_models_root() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let training_data = short_dataset(&dir.path().join("train-data"), 3, 11);
    let pack = synth::demo_pack(dir.path().join("pack"), 1).unwrap();
    let camera = format!("file:{}", pack.root.join("camera.mp4").display());
    let paths = Paths {
        data_dir: dir.path().join("data"),
        models_root: models.clone(),
    };
    let options = StartOptions {
        camera: Some(camera),
        model: Some("not-there".into()),
        ..Default::default()
    };
    let app = Arc::new(Assistant::start(paths, options).unwrap());
    let state = app.state();
    assert_eq!(state.model_error.as_ref().unwrap().code, "model.not_found");
    assert_eq!(app.ask("How?").unwrap_err().code(), "pack.none_active");

    // Train in the background: events arrive, the model is registered at the end.
    let events: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let request = TrainRequest {
        dataset: training_data,
        epochs: 2,
        lr: 1e-3,
        batch_size: 4,
        name: "mine".into(),
    };
    app.start_training(request.clone(), recorder(&events))
        .unwrap();
    assert_eq!(
        app.start_training(request, Arc::new(|_| {}))
            .unwrap_err()
            .code(),
        "training.busy"
    );
    let finished = training_end(&events);
    assert_eq!(finished["event"], "finished", "{finished}");
    {
        let events = events.lock().unwrap();
        let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
        for kind in ["encoding", "started", "batch", "epoch"] {
            assert!(kinds.contains(&kind), "no `{kind}` event in {kinds:?}");
        }
        assert_eq!(kinds.iter().filter(|k| **k == "epoch").count(), 2);
    }
    let mut settings = app.settings();
    settings.model = "mine".into();
    let state = app.save_settings(settings).unwrap();
    assert_eq!(state.model.as_ref().unwrap().name, "mine");

    // Open the pack: encoded once, with frame progress, then known to the library.
    let progress: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = progress.clone();
    let summary = app
        .open_pack(&pack.root, None, &move |e| {
            seen.lock()
                .unwrap()
                .push(serde_json::to_value(e).unwrap()["event"].to_string())
        })
        .unwrap();
    assert!(summary.encoded);
    assert!(progress
        .lock()
        .unwrap()
        .iter()
        .any(|e| e.contains("frames")));
    assert_eq!(
        app.state().active_pack.as_deref(),
        Some(summary.id.as_str())
    );
    let again = Instant::now();
    app.open_pack(&pack.root, None, &|_| {}).unwrap();
    assert!(
        again.elapsed() < Duration::from_secs(5),
        "reopening re-encoded the pack"
    );

    // A known question: its own candidates, ranked, with probabilities and a reason.
    let labels = assistq::qa::QaFile::read(&pack.root.join("test_with_gt.json")).unwrap();
    let qa = &labels.folders[0].1[0];
    let answer = app
        .ask(&format!("  {}  ", qa.question.to_uppercase()))
        .unwrap();
    assert!(answer.known && answer.answering_as.is_none());
    assert_eq!(answer.steps.len(), qa.answers.len());
    for (k, step) in answer.steps.iter().enumerate() {
        assert_eq!(step.candidates.len(), qa.answers[k].len());
        let total: f64 = step.candidates.iter().map(|c| c.probability).sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert!(step.candidates.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(step
            .candidates
            .iter()
            .all(|c| c.bbox.is_some() && !c.action.contains('<')));
        let why = step.why.as_ref().unwrap();
        assert!(!why.text.is_empty() && why.end >= why.start);
    }

    // Controls are named as the panel names them (the labels read on the photo, spelled as the
    // narration spells them), and "why" quotes a sentence about the chosen control.
    let truth = synth::read_truth(&pack.root.join("test").join(&labels.folders[0].0)).unwrap();
    let label_of = |button: &str| synth::truth_label(&truth, button);
    let correct = qa
        .correct
        .as_ref()
        .expect("the demo pack's QAs are labelled");
    for (k, step) in answer.steps.iter().enumerate() {
        let right = &qa.answers[k][correct[k] - 1];
        let c = step.candidates.iter().find(|c| &c.answer == right).unwrap();
        let want = label_of(&c.button).unwrap();
        if want.chars().any(|ch| ch.is_alphanumeric()) {
            assert_eq!(c.label.as_deref(), Some(want.as_str()), "step {k}: {c:?}");
            assert!(c.action.contains(&want), "step {k}: {}", c.action);
        }
        // Answered from the tutorial: the right answer first, and "why" is the sentence that
        // operates it, with the moment the video shows it.
        let top = &step.candidates[0];
        assert_eq!(&top.answer, right, "step {k}: {:?}", step.candidates);
        let why = step.why.as_ref().unwrap();
        assert_eq!(why.source, "timeline", "step {k}: {why:?}");
        assert!(why.moment.is_some(), "step {k}: {why:?}");
    }
    assert_eq!(answer.method, "timeline");
    assert!(answer.covered && answer.span.is_some());

    // A question the pack does not list, phrased unlike any listed one (the generator's free
    // questions): the tutorial's steps, each on its right control with its box.
    let folder = pack.root.join("test").join(&labels.folders[0].0);
    let free: synth::free::FreeQuestions = serde_json::from_str(
        &std::fs::read_to_string(folder.join(synth::free::FREE_FILE)).unwrap(),
    )
    .unwrap();
    let asked = &free.covered[0];
    let open = app.ask(&asked.question).unwrap();
    assert!(!open.known && open.covered, "{open:?}");
    assert_eq!(open.steps.len(), asked.steps.len(), "{open:?}");
    for (step, want) in open.steps.iter().zip(&asked.steps) {
        let top = &step.candidates[0];
        assert_eq!(top.button, want.button, "{:?}", step.candidates);
        assert!(top.bbox.is_some() && !top.action.contains('<'), "{top:?}");
        assert!(step.why.is_some());
    }
    // A question the tutorial does not cover says so, with what it does cover.
    let off = app.ask("What's the weather going to be tomorrow?").unwrap();
    assert!(!off.covered && off.steps.is_empty(), "{off:?}");
    assert!(!off.closest.is_empty());
    assert_eq!(app.ask("   ").unwrap_err().code(), "question.empty");

    // A pack without a timeline (no OCR models, an unreadable photo) is answered by the model:
    // a listed question with its own candidates, any other as the most similar listed one with
    // every answer the pack knows.
    let library = assistant::packs::PackLibrary::open(&dir.path().join("data/packs")).unwrap();
    let detail = library.detail(&summary.id).unwrap();
    let encoded = q2a::features::EncodedFolder::read(
        &library.encoded_dir(&summary.id).join(&detail.appliance),
    )
    .unwrap();
    let without = assistant::ask::ActivePack::new(detail, encoded, None, None);
    let model = assistant::models::ModelRegistry::new(&models, &dir.path().join("data"))
        .load("mine", &candle_core::Device::Cpu)
        .unwrap();
    let listed = assistant::ask::ask(Some(&model), &without, &qa.question, None).unwrap();
    assert_eq!(listed.method, "model");
    assert!(listed.known && listed.covered);
    assert_eq!(listed.steps.len(), qa.answers.len());
    assert_eq!(listed.steps[0].candidates.len(), qa.answers[0].len());
    // A new question needs the text encoder: without one it is a clear error, not a guess.
    let err = assistant::ask::ask(Some(&model), &without, "what do I press", None).unwrap_err();
    assert_eq!(err.code(), "model.not_found", "{err}");

    // Live frames from the camera video, each with its registration to the reference photo; the
    // handheld clip shows the appliance, so some frame is in view with every button projected.
    let mut after = 0;
    let mut in_view = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while in_view < 3 && Instant::now() < deadline {
        let Some(frame) = app.frame_after(after, Duration::from_secs(2)) else {
            continue;
        };
        assert!(frame.seq > after);
        after = frame.seq;
        assert_eq!(&frame.jpeg[..2], &[0xff, 0xd8], "a JPEG");
        assert_eq!(frame.registration["frame_seq"], frame.seq);
        if frame.registration["in_view"] == true {
            in_view += 1;
            let buttons = frame.registration["buttons"].as_array().unwrap();
            assert_eq!(
                buttons.len(),
                app.select_pack(&summary.id).unwrap().buttons.len()
            );
        }
    }
    assert!(
        in_view >= 3,
        "the appliance was never registered in the camera clip"
    );
    assert_eq!(
        app.state().camera.status,
        assistant::live::CameraState::Running
    );

    // Removing the pack deletes the cache, never the user's folder.
    app.remove_pack(&summary.id).unwrap();
    assert!(app.state().packs.is_empty());
    assert!(pack.root.join("test_with_gt.json").is_file());
}

#[test]
fn cancelling_an_encoding_leaves_nothing_half_done() {
    let Some(models) = real_models_root() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = short_dataset(&dir.path().join("data"), 1, 3);
    let encoders = encoders::encode::Encoders::load(&models, &candle_core::Device::Cpu).unwrap();
    let mut library = assistant::packs::PackLibrary::open(&dir.path().join("packs")).unwrap();
    let cancel = AtomicBool::new(true);
    let sink = assistant::packs::EncodeProgress {
        on_event: &|_| {},
        cancel: &cancel,
    };
    let err = library
        .open_pack(&data, None, &encoders, &sink)
        .unwrap_err();
    assert_eq!(err.code(), "pack.cancelled");
    assert!(library.list().is_empty());
}

#[test]
fn a_pack_removed_while_another_encodes_stays_removed() {
    let Some(models) = real_models_root() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut opts = synth::SynthOptions::new(&data, 2, 5);
    opts.video_seconds = (20, 20);
    opts.test_fraction = 0.0;
    let summary = synth::generate(&opts, &synth::NoProgress).unwrap();
    let (first, second) = (&summary.appliances[0].folder, &summary.appliances[1].folder);
    let paths = Paths {
        data_dir: dir.path().join("app"),
        models_root: models,
    };
    let app = Arc::new(Assistant::start(paths.clone(), StartOptions::default()).unwrap());
    let removed = app.open_pack(&data, Some(first), &|_| {}).unwrap();

    // While the second pack encodes (from its first progress event), the first is removed.
    let remover = app.clone();
    let once = std::sync::Once::new();
    let kept = app
        .open_pack(&data, Some(second), &move |_| {
            once.call_once(|| remover.remove_pack(&removed.id).unwrap())
        })
        .unwrap();
    let ids = |packs: &[assistant::packs::PackSummary]| -> Vec<String> {
        packs.iter().map(|p| p.id.clone()).collect()
    };
    assert_eq!(ids(&app.state().packs), vec![kept.id.clone()]);
    // And on disk: the library as the next start reads it.
    let on_disk = assistant::packs::PackLibrary::open(&paths.data_dir.join("packs")).unwrap();
    assert_eq!(ids(on_disk.list()), vec![kept.id]);
}

/// The box editor's Save on an opened pack: buttons.csv holds the edited boxes, the pack's cache
/// is dropped, and opened again it shows and registers exactly them.
#[test]
fn saved_boxes_replace_the_packs_and_it_opens_with_them() {
    let Some(models) = real_models_root() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = short_dataset(&dir.path().join("data"), 1, 11);
    let paths = Paths {
        data_dir: dir.path().join("app"),
        models_root: models,
    };
    let app = Assistant::start(paths, StartOptions::default()).unwrap();
    let opened = app.open_pack(&data, None, &|_| {}).unwrap();
    let before = app.select_pack(&opened.id).unwrap();
    assert!(before.buttons.len() >= 3, "{:?}", before.buttons);
    // The first box moved, one drawn; renaming or deleting a box the pack's questions name is
    // refused, naming it, and writes nothing.
    let mut edited: Vec<assistant::packs::EditedBox> = before
        .buttons
        .iter()
        .map(|b| assistant::packs::EditedBox {
            name: b.name.clone(),
            x: b.x.round(),
            y: b.y.round(),
            w: b.w.round(),
            h: b.h.round(),
        })
        .collect();
    let csv_before = std::fs::read_to_string(before.folder.join("buttons.csv")).unwrap();
    let mut renamed = edited.clone();
    renamed[0].name = "Power".into();
    let err = app.save_boxes(&opened.id, &renamed).unwrap_err();
    assert_eq!(err.code(), "pack.invalid");
    assert!(
        err.to_string()
            .contains(&format!("questions name <{}>", before.buttons[0].name)),
        "{err}"
    );
    let err = app
        .save_boxes(&opened.id, &edited[1..])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("<{}>", before.buttons[0].name)),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(before.folder.join("buttons.csv")).unwrap(),
        csv_before
    );
    edited[0].x = (edited[0].x - 3.0).max(0.0);
    edited.push(assistant::packs::EditedBox {
        name: "Drawn".into(),
        x: 1.0,
        y: 1.0,
        w: 12.0,
        h: 10.0,
    });
    let saved = app.save_boxes(&opened.id, &edited).unwrap();
    assert_eq!(saved.boxes, edited.len());
    assert!(
        app.state().packs.is_empty(),
        "its cache is dropped until opened again"
    );
    let reopened = app
        .open_pack(&saved.folder, Some(&saved.appliance), &|_| {})
        .unwrap();
    let after = app.select_pack(&reopened.id).unwrap();
    let got: Vec<(String, f64, f64, f64, f64)> = after
        .buttons
        .iter()
        .map(|b| {
            (
                b.name.clone(),
                b.x.round(),
                b.y.round(),
                b.w.round(),
                b.h.round(),
            )
        })
        .collect();
    let want: Vec<(String, f64, f64, f64, f64)> = edited
        .iter()
        .map(|b| (b.name.clone(), b.x, b.y, b.w, b.h))
        .collect();
    assert_eq!(got, want);
    // A name used twice is refused and changes nothing.
    let csv = std::fs::read_to_string(saved.folder.join("buttons.csv")).unwrap();
    edited[1].name = edited[0].name.clone();
    let err = app.save_boxes(&reopened.id, &edited).unwrap_err();
    assert_eq!(err.code(), "pack.invalid");
    assert_eq!(
        std::fs::read_to_string(saved.folder.join("buttons.csv")).unwrap(),
        csv
    );
}

/// A pack as New pack makes it (one appliance in `test/`, `test_without_gt.json` listing no
/// questions), from a generated appliance whose own questions say the steps to add.
#[test]
fn questions_added_to_a_new_pack_are_listed_and_become_training_data() {
    let Some(models) = real_models_root() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = short_dataset(&dir.path().join("data"), 1, 23);
    let labels = if data.join("train.json").is_file() {
        ("train", "train.json")
    } else {
        ("test", "test_with_gt.json")
    };
    let truth = assistq::qa::QaFile::read(&data.join(labels.1)).unwrap();
    let (appliance, qas) = truth.folders[0].clone();
    let root = dir.path().join("mine");
    testkit::repo::copy_dir(
        &data.join(labels.0).join(&appliance),
        &root.join("test").join(&appliance),
    );
    // Its video a MOV, as New pack copies one: opened, selected and grounded all the same.
    let copied = root.join("test").join(&appliance);
    std::fs::rename(copied.join("video.mp4"), copied.join("video.mov")).unwrap();
    std::fs::write(
        root.join("test_without_gt.json"),
        format!("{{\"{appliance}\": []}}\n"),
    )
    .unwrap();

    let paths = Paths {
        data_dir: dir.path().join("app"),
        models_root: models,
    };
    let app = Arc::new(Assistant::start(paths, StartOptions::default()).unwrap());
    let opened = app.open_pack(&root, None, &|_| {}).unwrap();
    assert_eq!(opened.questions, 0);
    assert_eq!(
        app.packs_training_set().unwrap_err().code(),
        "training.invalid",
        "no pack has questions with steps yet"
    );

    // The generated appliance's first two questions, step by step, as the user would add them.
    let as_new = |qa: &assistq::qa::Qa| assistant::questions::NewQuestion {
        question: qa.question.clone(),
        steps: qa
            .answers
            .iter()
            .zip(qa.correct.as_ref().unwrap())
            .map(|(candidates, &c)| {
                let (button, action) = grounding::answer::parse_answer(&candidates[c - 1]);
                assistant::questions::NewStep {
                    button: button.unwrap(),
                    action: action.unwrap_or(grounding::Action::Press),
                }
            })
            .collect(),
    };
    let mut id = opened.id.clone();
    for (n, qa) in qas.iter().take(2).enumerate() {
        let added = app.add_question(&id, &as_new(qa)).unwrap();
        assert_eq!(added.questions, n + 1);
        assert_eq!(added.label, root.join("test_with_gt.json"));
        assert!(app.state().packs.is_empty(), "its cache is dropped");
        id = app
            .open_pack(&added.folder, Some(&added.appliance), &|_| {})
            .unwrap()
            .id;
    }
    assert!(
        !root.join("test_without_gt.json").exists(),
        "the new pack's empty entry moved to test_with_gt.json"
    );
    let report = media::check_dataset(&root);
    assert!(!report.has_errors(), "{:?}", report.problems);
    let detail = app.select_pack(&id).unwrap();
    assert!(detail.video.duration > 10.0, "{:?}", detail.video);
    assert!(detail.video_path.ends_with("video.mov"));
    assert_eq!(
        detail.questions,
        qas.iter()
            .take(2)
            .map(|q| q.question.clone())
            .collect::<Vec<_>>()
    );
    // Asked, an added question is known: its steps and every control as a candidate.
    let answer = app.ask(&qas[0].question).unwrap();
    assert!(answer.known);
    assert_eq!(answer.steps.len(), qas[0].answers.len());
    for step in &answer.steps {
        assert_eq!(step.candidates.len(), detail.buttons.len());
    }
    // The same question twice, or a control the photo has not, is refused by field.
    let err = app.add_question(&id, &as_new(&qas[0])).unwrap_err();
    assert_eq!(err.code(), "question.invalid");
    assert!(err.to_string().starts_with("question:"), "{err}");
    let mut unknown = as_new(&qas[2 % qas.len()]);
    unknown.question = "how do i do something else".into();
    unknown.steps[0].button = "NoSuchKey".into();
    let err = app.add_question(&id, &unknown).unwrap_err().to_string();
    assert!(err.starts_with("steps[0].button:"), "{err}");

    // The training set: the pack's two questions, trained on in the background.
    let set = app.packs_training_set().unwrap();
    assert_eq!(
        (set.appliances.clone(), set.questions),
        (vec![appliance.clone()], 2)
    );
    let train = assistq::qa::QaFile::read(&set.dataset.join("train.json")).unwrap();
    let linked = set.dataset.join("train").join(&train.folders[0].0);
    assert!(linked.join("script.txt").is_file());
    let events: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    app.start_training(
        TrainRequest {
            dataset: set.dataset.clone(),
            epochs: 1,
            lr: 1e-3,
            batch_size: 2,
            name: "from-my-packs".into(),
        },
        recorder(&events),
    )
    .unwrap();
    let finished = training_end(&events);
    assert_eq!(finished["event"], "finished", "{finished}");
}
