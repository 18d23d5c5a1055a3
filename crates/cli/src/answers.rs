//! `pressnext bench-answers`: answering from the tutorial timeline, with no learning, under the
//! two protocols of docs/metrics.md, on a dataset made by `pressnext synth`:
//!
//! - **AssistQ protocol**: each listed question's candidates ranked by the timeline
//!   (`grounding::answer::score_listed` on the question's `listed_part`): R@1, R@3, MR, MRR.
//! - **Free questions**: each appliance's `free_questions.json`; a covered question is answered
//!   with the retrieved span's steps and, per step, the best of every control with the actions
//!   the tutorial uses for it: step accuracy, task success and how often "not covered" is said
//!   for covered and for unrelated questions.
//!
//! Each runs twice: with the sentence encoder's cosine next to BM25 (what the app does) and with
//! BM25 alone. `bench-accuracy` calls [`evaluate`] for its tables.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ::synth::free::{FreeQuestions, FREE_FILE};
use anyhow::{Context, Result};
use assistq::metrics::{Metrics, MetricsAccumulator};
use assistq::qa::QaFile;
use grounding::answer::{self, Index};
use serde::Serialize;

/// The free-question protocol's numbers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FreeScores {
    /// Covered questions asked.
    pub questions: usize,
    /// Their true steps.
    pub steps: usize,
    /// Steps whose control and action at position k are right.
    pub step_accuracy: f64,
    /// Questions whose whole sequence is right, with the same length.
    pub task_success: f64,
    /// Covered questions answered "not covered" (wrongly).
    pub covered_said_not_covered: f64,
    pub unrelated: usize,
    /// Unrelated questions answered "not covered" (rightly).
    pub unrelated_said_not_covered: f64,
}

/// One way of answering, scored under both protocols.
#[derive(Debug, Clone, Serialize)]
pub struct SystemScores {
    pub name: &'static str,
    pub assistq: Metrics,
    pub free: FreeScores,
    /// Its scores of the listed candidates, as a submission (for per-step breakdowns).
    #[serde(skip)]
    pub submission: assistq::submission::Submission,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnswerBench {
    pub appliances: usize,
    pub systems: Vec<SystemScores>,
}

/// The two ways: with the encoder's cosine (the app's) and BM25 alone.
pub const TIMELINE: &str = "Timeline only (no learning)";
pub const TIMELINE_LEXICAL: &str = "Timeline only, BM25 without the encoder";

/// Grounds (cached in `timelines/<folder>/timeline.json`) and answers every folder of `label`
/// in `data/split`; with `failures`, logs every wrong answer of the encoder system.
pub fn evaluate(
    data: &Path,
    split: &str,
    label: &str,
    timelines: &Path,
    models_root: &Path,
    failures: bool,
    log: &dyn Fn(&str),
) -> Result<AnswerBench> {
    let qa_path = data.join(label);
    let qas = QaFile::read(&qa_path)?;
    let (paths, _) = encoders::models::ModelPaths::verified(models_root)?;
    let text = encoders::text::TextEncoder::load(&paths.text, &candle_core::Device::Cpu)?;
    let embed = |texts: &[String]| -> Result<Vec<Vec<f32>>> { Ok(text.encode(texts)?) };

    struct Acc {
        listed: MetricsAccumulator,
        submission: assistq::submission::Submission,
        free: FreeScores,
        step_hits: usize,
        task_hits: usize,
        covered_not: usize,
        unrelated_not: usize,
    }
    let new_acc = || Acc {
        listed: MetricsAccumulator::default(),
        submission: assistq::submission::Submission::default(),
        free: FreeScores::default(),
        step_hits: 0,
        task_hits: 0,
        covered_not: 0,
        unrelated_not: 0,
    };
    let mut accs = [new_acc(), new_acc()];
    for (n, (folder, questions)) in qas.folders.iter().enumerate() {
        let dir = data.join(split).join(folder);
        log(&format!(
            "[{}/{}] {folder}: grounding (cached) ...",
            n + 1,
            qas.folders.len()
        ));
        let timeline =
            assistant::timeline::load_or_ground(&dir, &timelines.join(folder), models_root)
                .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let lexical = Index::new(&timeline);
        let semantic = lexical
            .clone()
            .with_embeddings(embed(&lexical.embedding_texts())?);
        let free_path = dir.join(FREE_FILE);
        let free: FreeQuestions =
            serde_json::from_str(&std::fs::read_to_string(&free_path).with_context(|| {
                format!("{}: made by an older generator?", free_path.display())
            })?)
            .with_context(|| format!("{}", free_path.display()))?;
        let [with, without] = &mut accs;
        for (acc, index, with_encoder) in [(with, &semantic, true), (without, &lexical, false)] {
            let ask = |q: &str| -> Result<answer::Retrieval> {
                let e = if with_encoder {
                    Some(embed(&[index.question_text(q)])?.remove(0))
                } else {
                    None
                };
                Ok(index.retrieve(q, e.as_deref()))
            };
            for qa in questions {
                let correct = qa
                    .correct
                    .as_ref()
                    .with_context(|| format!("{}: {folder} has no labels", qa_path.display()))?;
                let r = ask(&qa.question)?;
                // The protocol ranks the listed candidates whatever the coverage decision.
                let steps =
                    answer::listed_part(&timeline, index, &r, &qa.question, qa.answers.len())
                        .map(|(_, steps)| steps)
                        .unwrap_or_default();
                let scores = answer::score_listed(&steps, &qa.answers, &qa.question);
                acc.submission.push(
                    folder,
                    assistq::submission::Prediction {
                        question: qa.question.clone(),
                        scores: scores.clone(),
                    },
                );
                for (k, (s, &c)) in scores.iter().zip(correct).enumerate() {
                    acc.listed.add(s, c - 1);
                    if failures && with_encoder && assistq::metrics::rank(s, c - 1) > 1 {
                        let top = (0..s.len())
                            .max_by(|&a, &b| s[a].total_cmp(&s[b]))
                            .unwrap_or(0);
                        log(&format!(
                            "  listed wrong: {:?} step {}: got {:?}, want {:?} (span {:?}, {} steps)",
                            qa.question,
                            k + 1,
                            qa.answers[k][top],
                            qa.answers[k][c - 1],
                            r.best().map(|b| index.spans[b.span].goal.clone()),
                            steps.len()
                        ));
                    }
                }
            }
            for q in &free.covered {
                acc.free.questions += 1;
                acc.free.steps += q.steps.len();
                let r = ask(&q.question)?;
                if !r.covered {
                    acc.covered_not += 1;
                    if failures && with_encoder {
                        log(&format!(
                            "  said not covered: {:?} (best {:?}, {:?})",
                            q.question,
                            r.best().map(|b| index.spans[b.span].goal.clone()),
                            r.best()
                        ));
                    }
                    continue;
                }
                let best = r.best().expect("covered has a best span");
                let steps =
                    answer::steps_for_question(&timeline, &index.spans[best.span], &q.question);
                let mut all = steps.len() == q.steps.len();
                for (k, truth) in q.steps.iter().enumerate() {
                    let right = steps.get(k).is_some_and(|step| {
                        let top = answer::free_candidates(&timeline, step);
                        let (_, want) = answer::parse_answer(&truth.answer);
                        top.first().is_some_and(|c| {
                            c.button == truth.button
                                && want
                                    .as_ref()
                                    .is_some_and(|w| answer::action_agreement(w, &c.action) >= 1.0)
                        })
                    });
                    acc.step_hits += right as usize;
                    all &= right;
                }
                acc.task_hits += all as usize;
                if failures && !all && with_encoder {
                    let got: Vec<String> = steps
                        .iter()
                        .map(|st| {
                            answer::free_candidates(&timeline, st)
                                .first()
                                .map(|c| c.answer.clone())
                                .unwrap_or_default()
                        })
                        .collect();
                    let want: Vec<&str> = q.steps.iter().map(|s| s.answer.as_str()).collect();
                    log(&format!(
                        "  wrong: {:?} span {:?} ({:?}): got {got:?}, want {want:?}",
                        q.question, index.spans[best.span].goal, best
                    ));
                }
            }
            for q in &free.unrelated {
                acc.free.unrelated += 1;
                let r = ask(q)?;
                acc.unrelated_not += (!r.covered) as usize;
                if failures && r.covered && with_encoder {
                    log(&format!(
                        "  unrelated said covered: {q:?} by {:?} ({:?})",
                        r.best().map(|b| index.spans[b.span].goal.clone()),
                        r.best()
                    ));
                }
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let systems = accs
        .into_iter()
        .zip([TIMELINE, TIMELINE_LEXICAL])
        .map(|(acc, name)| {
            let mut free = acc.free;
            free.step_accuracy = ratio(acc.step_hits, free.steps);
            free.task_success = ratio(acc.task_hits, free.questions);
            free.covered_said_not_covered = ratio(acc.covered_not, free.questions);
            free.unrelated_said_not_covered = ratio(acc.unrelated_not, free.unrelated);
            Ok(SystemScores {
                name,
                assistq: acc.listed.finish().context("no listed question steps")?,
                free,
                submission: acc.submission,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(AnswerBench {
        appliances: qas.folders.len(),
        systems,
    })
}

pub(crate) fn run(
    data: &Path,
    split: &str,
    label: &str,
    work: &Path,
    models: Option<PathBuf>,
    failures: bool,
    json: bool,
) -> Result<ExitCode> {
    let root = models.unwrap_or_else(encoders::models::default_root);
    let timelines = work.join("timelines").join(split);
    let bench = evaluate(data, split, label, &timelines, &root, failures, &|m| {
        eprintln!("{m}")
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&bench)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} appliances of {}/{split}",
        bench.appliances,
        data.display()
    );
    for s in &bench.systems {
        let m = &s.assistq;
        let f = &s.free;
        println!("{}", s.name);
        println!(
            "  AssistQ protocol ({} steps): R@1 {:.3}  R@3 {:.3}  MR {:.2}  MRR {:.3}",
            m.steps, m.recall_at_1, m.recall_at_3, m.mean_rank, m.mrr
        );
        println!(
            "  free questions ({} questions, {} steps): step accuracy {:.3}  task success {:.3}",
            f.questions, f.steps, f.step_accuracy, f.task_success
        );
        println!(
            "  not covered: said for {:.3} of {} unrelated, wrongly for {:.3} of covered",
            f.unrelated_said_not_covered, f.unrelated, f.covered_said_not_covered
        );
    }
    Ok(ExitCode::SUCCESS)
}
