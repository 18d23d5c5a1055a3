//! A whole dataset: appliance instances (each from its own seeded RNG stream, so they can be
//! made in parallel and in any order), their folders, the train/test split by instance, and
//! the three label files.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use assistq::buttons::{Button, Buttons};
use assistq::fsutil::write_atomic;
use assistq::qa::{Qa, QaFile};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::kinds::{KindSpec, StepSpec, KINDS};
use crate::panel::Panel;
use crate::qa::{answer_text, make_qa, question};
use crate::scene::{render_photo, render_video, state_at, Filming, Surroundings, TUTORIAL_CAMERA};
use crate::script::narrate;
use crate::timeline::{Function, Timeline};

/// The side file, in every appliance folder, that says what each script line is about. Not an
/// AssistQ file: `pressnext check` ignores it.
pub const TRUTH_FILE: &str = "synth_truth.json";
use crate::{ApplianceInfo, Error, Event, Progress, QuestionInfo, Split, StepInfo, SynthOptions};

/// The RNG of appliance `index` of a dataset made with `seed`.
pub(crate) fn appliance_rng(seed: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index + 1);
    rng
}

fn short_id(rng: &mut ChaCha8Rng) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..5)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// Everything one appliance folder holds, before it is written.
pub(crate) struct Appliance {
    pub folder: String,
    pub panel: Panel,
    pub surroundings: Surroundings,
    pub timeline: Timeline,
    /// Goal phrasing variant the narration uses, per function of the timeline.
    pub script_goals: Vec<usize>,
    /// Goal phrasing variant the listed question uses, per function of the timeline.
    pub question_goals: Vec<usize>,
    pub qas: Vec<Qa>,
    /// Per QA, the timeline function it asks for with the same values, if any.
    pub qa_functions: Vec<Option<usize>>,
    pub image: String,
    /// Seeds of the narration's, the photo's and the video's own RNGs.
    script_seed: u64,
    photo_seed: u64,
    video_seed: u64,
    /// The harder generator's choices ([`crate::harder`]), if the dataset is made harder.
    hard: Option<Hard>,
}

/// What the harder generator chose for one appliance besides its panel.
pub(crate) struct Hard {
    filming: crate::harder::HardFilming,
    /// Seed of the narration's harder choices (namings, second controls).
    narration_seed: u64,
}

/// The generator's truth of an appliance folder ([`TRUTH_FILE`]), as written; the error names
/// the file.
pub fn read_truth(folder: &Path) -> Result<serde_json::Value, Error> {
    let path = folder.join(TRUTH_FILE);
    let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::io(&path, std::io::Error::other(e)))
}

/// The label the generator printed on `button`, from a truth document ([`read_truth`]).
pub fn truth_label(truth: &serde_json::Value, button: &str) -> Option<String> {
    truth["controls"]
        .as_array()?
        .iter()
        .find(|c| c["button"] == button)
        .and_then(|c| c["label"].as_str())
        .map(str::to_string)
}

impl Appliance {
    /// An appliance of `kind` from its RNG; `hard` is the harder generator's RNG, if any
    /// ([`crate::harder::harder_rng`]).
    pub fn plan(
        kind: &'static KindSpec,
        rng: &mut ChaCha8Rng,
        seconds: (u32, u32),
        hard: Option<&mut ChaCha8Rng>,
    ) -> Appliance {
        let folder = format!("{}_{}", kind.name, short_id(rng));
        let mut panel = Panel::random(kind, rng);
        let mut hard_rng = hard;
        let hard = hard_rng.as_deref_mut().map(|h| {
            crate::harder::harden_panel(&mut panel, h);
            Hard {
                filming: crate::harder::HardFilming::random(h),
                narration_seed: h.random(),
            }
        });
        let surroundings = Surroundings::random(&panel, rng);
        let mut timeline = Timeline::random(&panel, rng, seconds.0, seconds.1);
        if let Some(h) = hard_rng {
            crate::harder::hover_before_steps(&mut timeline, &panel, h);
        }
        let image = format!("{}-user.jpg", kind.name);
        let mut qas: Vec<Qa> = Vec::new();
        let mut qa_functions = Vec::new();
        let mut script_goals = Vec::new();
        let mut question_goals = Vec::new();
        for (f, function) in timeline.functions.iter().enumerate() {
            let n = function.spec.goals.len();
            let script_goal = rng.random_range(0..n);
            script_goals.push(script_goal);
            // The question phrases the goal differently from the narration.
            let question_goal = (script_goal + rng.random_range(1..n.max(2))) % n;
            question_goals.push(question_goal);
            let mut qa = make_qa(&panel, function, question_goal, &image, rng);
            for _ in 0..8 {
                if !qas.iter().any(|q| q.question == qa.question) {
                    break;
                }
                qa.question = question(&function.goal(question_goal), kind.noun, rng);
            }
            if !qas.iter().any(|q| q.question == qa.question) {
                qas.push(qa);
                qa_functions.push(Some(f));
            }
            // Sometimes the same function with other values, answerable by analogy.
            let has_turn = function
                .spec
                .steps
                .iter()
                .any(|s| matches!(s, StepSpec::Turn(..)));
            if has_turn && rng.random_bool(0.5) {
                let other = Function::random(function.spec, &panel, rng);
                if !timeline.functions.iter().any(|g| g.same_as(&other)) {
                    let qa = make_qa(&panel, &other, rng.random_range(0..n), &image, rng);
                    if !qas.iter().any(|q| q.question == qa.question) {
                        qas.push(qa);
                        qa_functions.push(None);
                    }
                }
            }
        }
        Appliance {
            folder,
            panel,
            surroundings,
            timeline,
            script_goals,
            question_goals,
            qas,
            qa_functions,
            image,
            script_seed: rng.random(),
            photo_seed: rng.random(),
            video_seed: rng.random(),
            hard,
        }
    }

    /// Writes the folder `dir`: images/, buttons.csv, script.txt, video.mp4.
    pub fn write(&self, dir: &Path, video_size: (usize, usize)) -> Result<(), Error> {
        let images = dir.join("images");
        fs::create_dir_all(&images).map_err(|e| Error::io(&images, e))?;

        let mut rng = ChaCha8Rng::seed_from_u64(self.photo_seed);
        let photo_path = images.join(&self.image);
        let photo = render_photo(&self.panel, &self.surroundings, &mut rng, &photo_path)?;
        write_atomic(&photo_path, &photo.jpeg).map_err(|e| Error::io(&photo_path, e))?;
        let buttons = Buttons {
            buttons: self
                .panel
                .controls
                .iter()
                .zip(&photo.boxes)
                .map(|(c, &(x, y, w, h))| Button {
                    name: c.button_name.clone(),
                    x,
                    y,
                    w,
                    h,
                    image: self.image.clone(),
                    image_width: photo.width as i64,
                    image_height: photo.height as i64,
                    line: 0,
                })
                .collect(),
        };
        // CSV in button-number order, as annotators list them.
        let mut buttons = buttons;
        buttons.buttons.sort_by_key(|b| {
            b.name
                .trim_start_matches("button")
                .parse::<usize>()
                .unwrap_or(0)
        });
        let csv = dir.join("buttons.csv");
        buttons
            .write(&csv)
            .map_err(|e| Error::from_assistq(e, &csv))?;

        let mut rng = ChaCha8Rng::seed_from_u64(self.script_seed);
        let mut hard_rng = self
            .hard
            .as_ref()
            .map(|h| ChaCha8Rng::seed_from_u64(h.narration_seed));
        let (script, namings) = narrate(
            &self.panel,
            &self.timeline,
            &self.script_goals,
            &mut rng,
            hard_rng.as_mut(),
        );
        let script_path = dir.join("script.txt");
        script
            .write(&script_path)
            .map_err(|e| Error::from_assistq(e, &script_path))?;

        let truth_path = dir.join(TRUTH_FILE);
        let truth = serde_json::to_string_pretty(&self.truth(&script, &namings))
            .map_err(|e| Error::io(&truth_path, std::io::Error::other(e)))?;
        write_atomic(&truth_path, format!("{truth}\n").as_bytes())
            .map_err(|e| Error::io(&truth_path, e))?;

        // Its own RNG, derived from the narration's seed, so that every other file of a seed is
        // what it was before free questions existed.
        let mut rng = ChaCha8Rng::seed_from_u64(self.script_seed ^ 0x5EED_F4EE_0000_0001);
        let free = crate::free::free_questions(
            &self.panel,
            &self.timeline.functions,
            &self.script_goals,
            &self.question_goals,
            &mut rng,
        );
        let free_path = dir.join(crate::free::FREE_FILE);
        let free = serde_json::to_string_pretty(&free)
            .map_err(|e| Error::io(&free_path, std::io::Error::other(e)))?;
        write_atomic(&free_path, format!("{free}\n").as_bytes())
            .map_err(|e| Error::io(&free_path, e))?;

        let mut rng = ChaCha8Rng::seed_from_u64(self.video_seed);
        let filming = Filming {
            style: TUTORIAL_CAMERA,
            size: video_size,
            crf: 26,
            hard: self.hard.as_ref().map(|h| h.filming),
        };
        render_video(
            &self.panel,
            &self.surroundings,
            &self.timeline,
            filming,
            &mut rng,
            &dir.join("video.mp4"),
        )
    }

    /// What every narration line is about, for measuring grounding (`TRUTH_FILE`): the
    /// narration has the opening line, then one line per step of the timeline, in order;
    /// `namings` says how each line names its control ([`crate::script::narrate`]).
    fn truth(&self, script: &assistq::script::Script, namings: &[&str]) -> serde_json::Value {
        let lines: Vec<serde_json::Value> = script
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let step = i.checked_sub(1).and_then(|k| self.timeline.steps.get(k));
                let mut v = serde_json::json!({
                    "line": line.line,
                    "start": line.start,
                    "end": line.end,
                    "text": line.text,
                    "button": null,
                    "label": null,
                    "action": null,
                    "naming": namings.get(i).copied().unwrap_or("none"),
                });
                if let Some(step) = step {
                    let action = &self.timeline.functions[step.function].actions[step.step];
                    let control = &self.panel.controls[action.control];
                    v["button"] = control.button_name.clone().into();
                    v["label"] = if control.printed {
                        control.label.clone().into()
                    } else {
                        serde_json::Value::Null
                    };
                    v["action"] = action.to_json();
                    v["act_start"] = step.act_start.into();
                    v["act_end"] = step.act_end.into();
                    if let Some(hover) = &step.hover {
                        v["hover"] = serde_json::json!({
                            "button": self.panel.controls[hover.control].button_name,
                            "start": hover.start,
                            "end": hover.end,
                        });
                    }
                }
                v
            })
            .collect();
        let mut controls: Vec<(usize, serde_json::Value)> = self
            .panel
            .controls
            .iter()
            .map(|c| {
                let n = c
                    .button_name
                    .trim_start_matches("button")
                    .parse()
                    .unwrap_or(0);
                (
                    n,
                    serde_json::json!({
                        "button": c.button_name,
                        // null: an icon-only key, nothing printed to read.
                        "label": if c.printed { Some(&c.label) } else { None },
                        "name": c.label,
                        "icon": crate::harder::icon_name(c.icon),
                        "label_placement": match (c.printed, c.label_pos) {
                            (false, _) => "none",
                            (true, crate::panel::LabelPos::On) => "on",
                            (true, crate::panel::LabelPos::Above) if c.label_shift > 0.0 => "far above",
                            (true, crate::panel::LabelPos::Above) => "above",
                            (true, _) if c.label_shift > 0.0 => "far below",
                            (true, _) => "below",
                        },
                    }),
                )
            })
            .collect();
        controls.sort_by_key(|(n, _)| *n);
        let filming = self.hard.as_ref().map(|h| {
            serde_json::json!({
                "pointer": if h.filming.pen.is_some() { "pen" } else { "finger" },
                "hand_from": if h.filming.from_above { "above" } else { "below" },
                "shake": h.filming.shake,
            })
        });
        serde_json::json!({
            "version": 3,
            "about": "synthetic ground truth: the control and action of every script line (docs/synth.md)",
            "harder": self.hard.is_some(),
            "filming": filming,
            "controls": controls.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
            "lines": lines,
        })
    }

    pub fn info(&self, split: Split) -> ApplianceInfo {
        ApplianceInfo {
            folder: self.folder.clone(),
            split,
            kind: self.panel.kind.name,
            video_seconds: self.timeline.duration,
            steps: self
                .timeline
                .steps
                .iter()
                .map(|s| {
                    let action = &self.timeline.functions[s.function].actions[s.step];
                    let state = state_at(&self.panel, &self.timeline, s.act_end + 0.2);
                    StepInfo {
                        function: s.function,
                        step: s.step,
                        start: s.start,
                        end: s.end,
                        act_start: s.act_start,
                        act_end: s.act_end,
                        button: self.panel.controls[action.control].button_name.clone(),
                        label: self.panel.controls[action.control].label.clone(),
                        answer: answer_text(&self.panel, action),
                        display_after: state.display,
                    }
                })
                .collect(),
            questions: self
                .qas
                .iter()
                .zip(&self.qa_functions)
                .map(|(qa, f)| QuestionInfo {
                    question: qa.question.clone(),
                    video_function: *f,
                })
                .collect(),
        }
    }
}

/// Removes `correct` from every question.
fn without_gt(file: &QaFile) -> QaFile {
    QaFile {
        folders: file
            .folders
            .iter()
            .map(|(name, qas)| {
                (
                    name.clone(),
                    qas.iter()
                        .map(|qa| Qa {
                            correct: None,
                            ..qa.clone()
                        })
                        .collect(),
                )
            })
            .collect(),
    }
}

/// Which kind and split each appliance gets: kinds cycle through a shuffled list so that
/// both splits see variety; the test instances are a random subset.
fn assignments(opts: &SynthOptions) -> Result<Vec<(&'static KindSpec, Split)>, Error> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut kinds = opts.kind_specs()?;
    kinds.shuffle(&mut rng);
    let n = opts.appliances;
    // A fraction of exactly 0 or 1 puts everything in one split (a test set of unseen kinds);
    // otherwise each split gets at least one appliance.
    let n_test = if opts.test_fraction >= 1.0 {
        n
    } else if n < 2 || opts.test_fraction <= 0.0 {
        0
    } else {
        ((n as f64 * opts.test_fraction).round() as usize).clamp(1, n - 1)
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let mut split = vec![Split::Train; n];
    for &i in order.iter().take(n_test) {
        split[i] = Split::Test;
    }
    Ok((0..n).map(|i| (kinds[i % kinds.len()], split[i])).collect())
}

pub(crate) fn generate(
    opts: &SynthOptions,
    progress: &dyn Progress,
) -> Result<Vec<ApplianceInfo>, Error> {
    opts.validate()?;
    let out = &opts.out;
    if out.exists() {
        let busy = fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_some();
        if busy {
            return Err(Error::Option(format!(
                "{} exists and is not empty: expected a new or empty output folder",
                out.display()
            )));
        }
    }
    fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let plan = assignments(opts)?;
    progress.event(&Event::Started {
        appliances: plan.len(),
    });

    // Plans are cheap and made in order; folder names must be unique.
    let mut appliances: Vec<(Appliance, Split)> = Vec::new();
    for (i, &(kind, split)) in plan.iter().enumerate() {
        let mut rng = appliance_rng(opts.seed, i as u64);
        let mut hard = opts
            .harder
            .then(|| crate::harder::harder_rng(opts.seed, i as u64));
        let mut a = Appliance::plan(kind, &mut rng, opts.video_seconds, hard.as_mut());
        while appliances.iter().any(|(b, _)| b.folder == a.folder) {
            a.folder.push(char::from(b'a' + (i % 26) as u8));
        }
        appliances.push((a, split));
    }

    // Rendering is the slow part: worker threads take appliances in turn.
    let next = AtomicUsize::new(0);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let done = AtomicUsize::new(0);
    let threads = opts.threads.max(1).min(appliances.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= appliances.len() || failure.lock().expect("lock").is_some() {
                    break;
                }
                let (a, split) = &appliances[i];
                let dir: PathBuf = out.join(split.dir_name()).join(&a.folder);
                match a.write(&dir, opts.video_size) {
                    Ok(()) => {
                        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                        progress.event(&Event::Appliance {
                            done: n,
                            total: appliances.len(),
                            folder: a.folder.clone(),
                            split: *split,
                        });
                    }
                    Err(e) => {
                        failure.lock().expect("lock").get_or_insert(e);
                        break;
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().expect("lock") {
        return Err(e);
    }

    let mut train = QaFile::default();
    let mut test = QaFile::default();
    for (a, split) in &appliances {
        let file = if *split == Split::Train {
            &mut train
        } else {
            &mut test
        };
        file.folders.push((a.folder.clone(), a.qas.clone()));
    }
    for dir in [Split::Train, Split::Test] {
        let d = out.join(dir.dir_name());
        fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
    }
    let write = |file: &QaFile, name: &str| {
        let path = out.join(name);
        file.write(&path).map_err(|e| Error::from_assistq(e, &path))
    };
    write(&train, "train.json")?;
    write(&test, "test_with_gt.json")?;
    write(&without_gt(&test), "test_without_gt.json")?;
    Ok(appliances.iter().map(|(a, s)| a.info(*s)).collect())
}

/// The truth of the demo pack's camera clip, next to `camera.mp4`: what the hand does and when.
pub const CAMERA_TRUTH_FILE: &str = "camera_truth.json";

/// `camera_truth.json`: the question the clip follows, its steps (button and action), and every
/// event of the clip with its exact times (docs/synth.md).
fn camera_truth(
    panel: &Panel,
    function: &Function,
    question: &str,
    events: &[crate::timeline::ClipEvent],
) -> serde_json::Value {
    use crate::timeline::ClipEvent;
    let name = |c: usize| panel.controls[c].button_name.clone();
    let steps: Vec<serde_json::Value> = function
        .actions
        .iter()
        .enumerate()
        .map(|(k, a)| {
            serde_json::json!({"step": k + 1, "button": name(a.control),
                               "label": panel.controls[a.control].label, "action": a.to_json()})
        })
        .collect();
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|e| match *e {
            ClipEvent::Step { step, start, end } => serde_json::json!({
                "kind": "step", "step": step + 1,
                "button": name(function.actions[step].control), "start": start, "end": end}),
            ClipEvent::Wrong {
                control,
                start,
                end,
            } => serde_json::json!({"kind": "wrong", "button": name(control), "start": start, "end": end}),
            ClipEvent::Pass { over, start, end } => serde_json::json!({
                "kind": "pass", "button": name(over), "start": start, "end": end}),
        })
        .collect();
    serde_json::json!({
        "version": 1,
        "about": "synthetic ground truth of camera.mp4: a user following the question's steps (docs/synth.md)",
        "question": question,
        "steps": steps,
        "events": events,
    })
}

/// Writes the demo pack (see [`crate::demo_pack`]).
pub(crate) fn demo_pack(out: &Path, seed: u64) -> Result<crate::DemoPack, Error> {
    let opts = SynthOptions {
        appliances: 1,
        video_seconds: (22, 32),
        ..SynthOptions::new(out, 1, seed)
    };
    let infos_dir = out.join("test");
    if out.exists()
        && fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_some()
    {
        return Err(Error::Option(format!(
            "{} exists and is not empty: expected a new or empty output folder",
            out.display()
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let kind = &KINDS[rng.random_range(0..KINDS.len())];
    let mut arng = appliance_rng(seed, 0);
    let a = Appliance::plan(kind, &mut arng, opts.video_seconds, None);
    let dir = infos_dir.join(&a.folder);
    a.write(&dir, opts.video_size)?;
    let file = QaFile {
        folders: vec![(a.folder.clone(), a.qas.clone())],
    };
    for (name, f) in [
        ("test_with_gt.json", file.clone()),
        ("test_without_gt.json", without_gt(&file)),
    ] {
        let path = out.join(name);
        f.write(&path).map_err(|e| Error::from_assistq(e, &path))?;
    }

    // The camera clip: the user's own handheld view while doing the first question's steps.
    let question = a.qa_functions.iter().position(|f| f.is_some()).unwrap_or(0);
    let function = a.qa_functions[question]
        .map(|f| a.timeline.functions[f].clone())
        .unwrap_or_else(|| a.timeline.functions[0].clone());
    let (clip, events) = crate::timeline::Timeline::following(function.clone(), &a.panel, &mut rng);
    let camera = out.join("camera.mp4");
    let mut vrng = ChaCha8Rng::seed_from_u64(rng.random());
    let filming = Filming {
        style: crate::scene::USER_CAMERA,
        size: opts.video_size,
        crf: 28,
        hard: None,
    };
    render_video(
        &a.panel,
        &a.surroundings,
        &clip,
        filming,
        &mut vrng,
        &camera,
    )?;
    let truth_path = out.join(CAMERA_TRUTH_FILE);
    let truth = camera_truth(&a.panel, &function, &a.qas[question].question, &events);
    let text = serde_json::to_string_pretty(&truth)
        .map_err(|e| Error::io(&truth_path, std::io::Error::other(e)))?;
    write_atomic(&truth_path, format!("{text}\n").as_bytes())
        .map_err(|e| Error::io(&truth_path, e))?;
    Ok(crate::DemoPack {
        root: out.to_path_buf(),
        folder: dir,
        camera,
        question: a.qas[question].question.clone(),
        camera_seconds: clip.duration,
        info: a.info(Split::Test),
    })
}
