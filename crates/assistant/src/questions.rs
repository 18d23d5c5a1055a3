//! Questions the user adds to a pack, each with its steps (docs/new-pack.md, "Questions"), and
//! the training dataset made from every pack's questions with steps.
//!
//! A pack needs no questions: free questions are answered from its tutorial timeline. A question
//! the user writes down with its steps ("how do I descale?": press `Menu`, turn `Dial` to
//! `Descale`, press `Start`) is kept in the pack's label file in the AssistQ format, so every
//! tool reads it: per step, one candidate answer per control of the reference photo with the
//! step's action (`Press <Start>`, as AssistQ answers name controls), the right one marked in
//! `correct`. It is listed by the pack, scored by the app's metrics, and becomes training data
//! ([`training_set`]).
//!
//! Which label file: a pack whose questions live in `train.json` or `test_with_gt.json` (files
//! with ground truth) gets the question there. A new pack (`test_without_gt.json` with no
//! questions for it, as `new_pack` writes) moves to `test_with_gt.json`: that file is written
//! first, then the appliance's empty entry leaves `test_without_gt.json` (the file goes when it
//! lists nothing else), so a stop between the two leaves a pack that still opens, from
//! `test_with_gt.json`. A pack whose questions have no recorded answers (LOVEU's
//! `test_without_gt.json`) is refused: its listed questions would be hidden by a file with
//! ground truth.

use std::path::{Path, PathBuf};

use assistq::qa::{Qa, QaFile};
use grounding::Action;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::packs::{ButtonBox, PackSummary};

/// One step of a question the user writes: what to do, to which control of the photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewStep {
    /// A box name of the pack's reference photo.
    pub button: String,
    pub action: Action,
}

/// A question the user adds, with its steps in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewQuestion {
    pub question: String,
    pub steps: Vec<NewStep>,
}

/// What [`add_question`] wrote, and the folder to open again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddedQuestion {
    pub folder: PathBuf,
    pub appliance: String,
    /// The label file now holding the pack's questions.
    pub label: PathBuf,
    /// How many questions the pack has now.
    pub questions: usize,
}

/// Longest question, in characters (a sentence, not a paragraph).
pub const MAX_QUESTION_CHARS: usize = 300;
/// Most steps one question may have.
pub const MAX_STEPS: usize = 30;

const WITH_GT: &str = "test_with_gt.json";
const WITHOUT_GT: &str = "test_without_gt.json";

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::QuestionInvalid {
        field: field.into(),
        message: message.into(),
    }
}

/// The AssistQ question for `new` on a photo named `image` with `buttons`: per step, every
/// control with the step's action, the chosen one `correct`. Checks every field, naming the
/// first bad one; `existing` are the pack's questions (a question may be listed once).
pub fn to_qa(new: &NewQuestion, buttons: &[ButtonBox], image: &str, existing: &[Qa]) -> Result<Qa> {
    let question = new.question.trim();
    if question.is_empty() {
        return Err(invalid("question", "type the question first"));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(invalid(
            "question",
            format!("longer than {MAX_QUESTION_CHARS} characters: ask one thing"),
        ));
    }
    if existing
        .iter()
        .any(|q| q.question.trim().eq_ignore_ascii_case(question))
    {
        return Err(invalid(
            "question",
            format!("the pack already lists \u{201c}{question}\u{201d}"),
        ));
    }
    if new.steps.is_empty() {
        return Err(invalid("steps", "add at least one step"));
    }
    if new.steps.len() > MAX_STEPS {
        return Err(invalid(
            "steps",
            format!("{} steps: at most {MAX_STEPS}", new.steps.len()),
        ));
    }
    let mut answers = Vec::with_capacity(new.steps.len());
    let mut correct = Vec::with_capacity(new.steps.len());
    for (i, step) in new.steps.iter().enumerate() {
        let Some(chosen) = buttons.iter().position(|b| b.name == step.button) else {
            let names: Vec<&str> = buttons.iter().map(|b| b.name.as_str()).collect();
            return Err(invalid(
                format!("steps[{i}].button"),
                format!(
                    "`{}` is not a box on the pack's photo (its boxes: {})",
                    step.button,
                    names.join(", ")
                ),
            ));
        };
        check_action(&step.action).map_err(|m| invalid(format!("steps[{i}].action"), m))?;
        answers.push(
            buttons
                .iter()
                .map(|b| grounding::answer::answer_text(&step.action, &b.name))
                .collect(),
        );
        correct.push(chosen + 1);
    }
    Ok(Qa {
        question: question.to_string(),
        answers,
        correct: Some(correct),
        images: vec![image.to_string(); new.steps.len()],
        extra: Default::default(),
    })
}

/// What an action's free values may hold: a positive duration, a direction the answers know,
/// and targets without the `<` `>` that mark a control's name in an answer.
fn check_action(action: &Action) -> std::result::Result<(), String> {
    let target = |to: &Option<String>| match to {
        Some(t) if t.trim().is_empty() => {
            Err("an empty target: leave it out or say what to".into())
        }
        Some(t) if t.contains(['<', '>', '\n']) => {
            Err(format!("target `{t}`: no `<`, `>` or line breaks"))
        }
        _ => Ok(()),
    };
    match action {
        Action::Hold { seconds: Some(s) } if !(s.is_finite() && *s > 0.0 && *s <= 600.0) => {
            Err(format!("hold for {s} seconds: between 0 and 600"))
        }
        Action::Turn { direction, to } => {
            if let Some(d) = direction {
                if d != "clockwise" && d != "anticlockwise" {
                    return Err(format!(
                        "direction `{d}`: clockwise or anticlockwise (or none)"
                    ));
                }
            }
            target(to)
        }
        Action::Slide { to } => target(to),
        _ => Ok(()),
    }
}

/// Adds `new` to `pack` (its reference photo `image` with `buttons`), in the label file the
/// module header describes, atomically.
pub fn add_question(
    pack: &PackSummary,
    buttons: &[ButtonBox],
    image: &str,
    new: &NewQuestion,
) -> Result<AddedQuestion> {
    let read = |path: &Path| {
        QaFile::read(path).map_err(|e| Error::PackInvalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    };
    let label_name = pack
        .label
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let root = pack.label.parent().unwrap_or(Path::new("."));
    let mut labels = read(&pack.label)?;
    let listed: Vec<Qa> = labels.get(&pack.appliance).unwrap_or_default().to_vec();
    let qa = to_qa(new, buttons, image, &listed)?;

    if label_name != WITHOUT_GT {
        push(&mut labels, &pack.appliance, qa);
        write_labels(&labels, &pack.label)?;
        return Ok(AddedQuestion {
            folder: pack.folder.clone(),
            appliance: pack.appliance.clone(),
            label: pack.label.clone(),
            questions: listed.len() + 1,
        });
    }
    if !listed.is_empty() {
        return Err(invalid(
            "pack",
            format!(
                "its {} questions in {} have no recorded answers, and a question with steps \
                 would hide them: add questions to a pack made with New pack, or to a pack with \
                 answers ({WITH_GT} or train.json)",
                listed.len(),
                pack.label.display()
            ),
        ));
    }
    let with_gt = root.join(WITH_GT);
    let mut target = if with_gt.is_file() {
        read(&with_gt)?
    } else {
        QaFile::default()
    };
    let before = target.get(&pack.appliance).map_or(0, <[Qa]>::len);
    push(&mut target, &pack.appliance, qa);
    write_labels(&target, &with_gt)?;
    labels.folders.retain(|(name, _)| name != &pack.appliance);
    if labels.folders.is_empty() {
        std::fs::remove_file(&pack.label).map_err(|e| Error::io(&pack.label, e))?;
    } else {
        write_labels(&labels, &pack.label)?;
    }
    Ok(AddedQuestion {
        folder: pack.folder.clone(),
        appliance: pack.appliance.clone(),
        label: with_gt,
        questions: before + 1,
    })
}

/// Writes a label file, naming it when that fails.
fn write_labels(labels: &QaFile, path: &Path) -> Result<()> {
    labels.write(path).map_err(|e| Error::PackInvalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn push(labels: &mut QaFile, appliance: &str, qa: Qa) {
    match labels
        .folders
        .iter_mut()
        .find(|(name, _)| name == appliance)
    {
        Some((_, list)) => list.push(qa),
        None => labels.folders.push((appliance.to_string(), vec![qa])),
    }
}

/// The training dataset [`training_set`] made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PacksTrainingSet {
    /// An AssistQ dataset root (`train.json`, `train/`) to train on.
    pub dataset: PathBuf,
    /// The packs in it, by appliance name.
    pub appliances: Vec<String>,
    /// Their questions with steps, all together.
    pub questions: usize,
}

/// Makes `out` an AssistQ training root of every pack in `packs` that has questions with steps
/// (`correct`): `out/train.json` and `out/train/NAME-HASH`, a link to the pack's folder. The
/// hash covers the pack's folder, questions, boxes and script, so a pack changed since the last
/// training gets a new name and is encoded again (the training cache skips folders it has
/// encoded, by name). `out` is replaced whole: built beside it, then renamed.
pub fn training_set(packs: &[PackSummary], out: &Path) -> Result<PacksTrainingSet> {
    let mut labels = QaFile::default();
    let mut links = Vec::new();
    let mut appliances = Vec::new();
    let mut questions = 0;
    for pack in packs {
        let Ok(file) = QaFile::read(&pack.label) else {
            continue;
        };
        let with_steps: Vec<Qa> = file
            .get(&pack.appliance)
            .unwrap_or_default()
            .iter()
            .filter(|q| q.correct.as_ref().is_some_and(|c| !c.is_empty()))
            .cloned()
            .collect();
        if with_steps.is_empty() || !pack.folder.is_dir() {
            continue;
        }
        let mut hash = Sha256::new();
        hash.update(pack.folder.to_string_lossy().as_bytes());
        hash.update(serde_json::to_vec(&with_steps).unwrap_or_default());
        for file in ["buttons.csv", "script.txt"] {
            hash.update(std::fs::read(pack.folder.join(file)).unwrap_or_default());
        }
        let digest: String = hash
            .finalize()
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("{}-{digest}", pack.appliance);
        questions += with_steps.len();
        appliances.push(pack.appliance.clone());
        labels.folders.push((name.clone(), with_steps));
        links.push((name, pack.folder.clone()));
    }
    if labels.folders.is_empty() {
        return Err(Error::TrainingInvalid {
            field: "dataset".into(),
            message: "none of the open packs has questions with their steps: add some in the \
                      Library (\u{201c}Questions of the open pack\u{201d})"
                .into(),
        });
    }
    let parent = out.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let building = parent.join(format!(
        ".{}.partial-{}",
        out.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&building);
    let built = (|| -> Result<()> {
        let train = building.join("train");
        std::fs::create_dir_all(&train).map_err(|e| Error::io(&train, e))?;
        for (name, folder) in &links {
            link(folder, &train.join(name)).map_err(|e| Error::io(train.join(name), e))?;
        }
        write_labels(&labels, &building.join("train.json"))?;
        if out.exists() {
            std::fs::remove_dir_all(out).map_err(|e| Error::io(out, e))?;
        }
        std::fs::rename(&building, out).map_err(|e| Error::io(out, e))
    })();
    if built.is_err() {
        let _ = std::fs::remove_dir_all(&building);
    }
    built?;
    Ok(PacksTrainingSet {
        dataset: out.to_path_buf(),
        appliances,
        questions,
    })
}

#[cfg(unix)]
fn link(target: &Path, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(not(unix))]
fn link(target: &Path, at: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_dir(target, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxes(names: &[&str]) -> Vec<ButtonBox> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| ButtonBox {
                name: n.to_string(),
                x: 10.0 * i as f64,
                y: 0.0,
                w: 8.0,
                h: 8.0,
            })
            .collect()
    }

    fn question(text: &str, steps: &[(&str, Action)]) -> NewQuestion {
        NewQuestion {
            question: text.into(),
            steps: steps
                .iter()
                .map(|(b, a)| NewStep {
                    button: b.to_string(),
                    action: a.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn each_step_lists_every_control_with_its_action_and_marks_the_chosen_one() {
        let b = boxes(&["Power", "Dial", "Start"]);
        let turn = Action::Turn {
            direction: Some("clockwise".into()),
            to: Some("60 ml".into()),
        };
        let q = question(
            "  how do i brew a lungo? ",
            &[("Dial", turn), ("Start", Action::Press)],
        );
        let qa = to_qa(&q, &b, "kettle-user.jpg", &[]).unwrap();
        assert_eq!(qa.question, "how do i brew a lungo?");
        assert_eq!(qa.correct, Some(vec![2, 3]));
        assert_eq!(qa.answers[0][1], "Turn <Dial> clockwise to 60 ml");
        assert_eq!(
            qa.answers[1],
            ["Press <Power>", "Press <Dial>", "Press <Start>"]
        );
        assert_eq!(qa.images, ["kettle-user.jpg", "kettle-user.jpg"]);
    }

    #[test]
    fn bad_fields_are_named() {
        let b = boxes(&["Power", "Start"]);
        let field = |q: &NewQuestion, existing: &[Qa]| match to_qa(q, &b, "p.jpg", existing) {
            Err(Error::QuestionInvalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(&question(" ", &[("Power", Action::Press)]), &[]),
            "question"
        );
        assert_eq!(field(&question("how?", &[]), &[]), "steps");
        assert_eq!(
            field(
                &question("how?", &[("Power", Action::Press), ("Stop", Action::Press)]),
                &[]
            ),
            "steps[1].button"
        );
        let bad_hold = Action::Hold {
            seconds: Some(-1.0),
        };
        assert_eq!(
            field(&question("how?", &[("Start", bad_hold)]), &[]),
            "steps[0].action"
        );
        let bad_turn = Action::Turn {
            direction: Some("left".into()),
            to: None,
        };
        assert_eq!(
            field(&question("how?", &[("Start", bad_turn)]), &[]),
            "steps[0].action"
        );
        let listed = to_qa(
            &question("How?", &[("Start", Action::Press)]),
            &b,
            "p.jpg",
            &[],
        )
        .unwrap();
        assert_eq!(
            field(&question("how?", &[("Power", Action::Press)]), &[listed]),
            "question"
        );
    }
}
