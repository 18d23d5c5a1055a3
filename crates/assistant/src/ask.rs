//! Asking: the model ranks the candidate answers of every step of a question about the active pack.
//!
//! A question the pack knows (same words, ignoring case, spacing and the final `?`) is answered
//! with its own candidates. Any other question is answered too: its embedding (the same text
//! encoder, `Question: ` prefix, as at encoding time) is compared with the known questions', the
//! most similar one gives the number of steps ("Answering as: ..."), and every step's candidates
//! are all the distinct answers the pack knows.

use std::collections::HashMap;
use std::time::Instant;

use candle_core::{Tensor, D};
use q2a::config::HistoryMode;
use q2a::dataset::{Dataset, SampleRef};
use q2a::features::{EncodedFolder, EncodedQa, EncodedStep, QaEntry};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::models::LoadedModel;
use crate::packs::{ButtonBox, PackDetail};

/// A pack ready to be asked about: what the UI shows, its encoded features and its tutorial
/// timeline (when it could be computed).
pub struct ActivePack {
    pub detail: PackDetail,
    pub encoded: EncodedFolder,
    pub timeline: Option<grounding::Timeline>,
    /// Button id -> the name a person reads on the panel ([`grounding::Timeline::display_labels`]).
    pub labels: HashMap<String, String>,
}

impl ActivePack {
    pub fn new(
        detail: PackDetail,
        encoded: EncodedFolder,
        timeline: Option<grounding::Timeline>,
    ) -> Self {
        let labels = timeline
            .as_ref()
            .map(|t| t.display_labels())
            .unwrap_or_default();
        Self {
            detail,
            encoded,
            timeline,
            labels,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Box2 {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The answer as the pack writes it: `Turn <button5> clockwise to 60 millilitres`.
    pub answer: String,
    /// The same for a person, naming the control as the panel does when its label was read:
    /// `Turn Volume clockwise to 60 millilitres` (else `Turn clockwise to 60 millilitres`).
    pub action: String,
    /// The button's id in `buttons.csv` (`button5`), which boxes and overlays go by.
    pub button: String,
    /// The label read on the panel for it (`Volume`), if any.
    pub label: Option<String>,
    /// The button's box on the reference photo.
    #[serde(rename = "box")]
    pub bbox: Option<Box2>,
    /// Softmax of the step's scores.
    pub probability: f64,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Why {
    /// Index of the script sentence.
    pub sentence: usize,
    pub text: String,
    pub start: f64,
    pub end: f64,
    /// Its attention weight (or similarity, for models without sentence attention); for a
    /// sentence from the tutorial timeline, the timeline's confidence that it is about this
    /// control.
    pub weight: f64,
    /// Where the sentence comes from: `timeline` (a sentence grounded to the chosen control) or
    /// `attention` (the model's most attended sentence, when the timeline has none for it).
    pub source: &'static str,
    /// The label read on the photo for the chosen control.
    pub label: Option<String>,
    /// When the tutorial video operates the control, seconds (timeline only, when seen).
    pub moment: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub index: usize,
    /// Best first.
    pub candidates: Vec<Candidate>,
    pub why: Option<Why>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub question: String,
    pub known: bool,
    /// The known question whose step count was used, for a question the pack does not know.
    pub answering_as: Option<String>,
    /// Cosine similarity to that question (1 for a known question).
    pub similarity: f64,
    pub steps: Vec<Step>,
    pub elapsed_ms: f64,
}

fn normalise(q: &str) -> String {
    q.trim()
        .trim_end_matches('?')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `Turn <button5> clockwise to 60 millilitres` -> `Turn clockwise to 60 millilitres`.
pub fn action_text(answer: &str) -> String {
    named_action_text(answer, &HashMap::new())
}

/// As [`action_text`], with each `<buttonN>` replaced by its label when `labels` has one:
/// `Turn <button5> clockwise to 60 ml` -> `Turn Volume clockwise to 60 ml`.
pub fn named_action_text(answer: &str, labels: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(answer.len());
    let mut rest = answer;
    while let Some(start) = rest.find("<button") {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => {
                if let Some(label) = labels.get(&rest[start + 1..start + end]) {
                    out.push_str(label);
                }
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    let joined = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() {
        "Press".to_string()
    } else {
        joined
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (*x as f64) * (*y as f64))
        .sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

fn softmax(scores: &[f32]) -> Vec<f64> {
    let max = scores.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = scores.iter().map(|s| (*s as f64 - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

/// A question the pack does not know, as a QA over every distinct answer it knows.
fn open_question(
    pack: &ActivePack,
    question: &str,
    feature: Vec<f32>,
) -> Result<(EncodedQa, String, f64)> {
    let folder = &pack.encoded;
    let (mut best, mut best_sim) = (None, f64::NEG_INFINITY);
    for (i, qa) in folder.qas.iter().enumerate() {
        let known: Vec<f32> = qa.question.to_vec1()?;
        let sim = cosine(&feature, &known);
        if sim > best_sim {
            (best, best_sim) = (Some(i), sim);
        }
    }
    let best = best.ok_or(Error::PackInvalid {
        path: pack.detail.folder.clone(),
        message: "has no questions to answer from".into(),
    })?;
    let mut answers: Vec<String> = Vec::new();
    let mut buttons: Vec<String> = Vec::new();
    let mut text_rows: Vec<Tensor> = Vec::new();
    let mut button_rows: Vec<Tensor> = Vec::new();
    let mut images: Option<String> = None;
    for qa in &folder.qas {
        for (k, step) in qa.steps.iter().enumerate() {
            for (c, answer) in qa.entry.answers[k].iter().enumerate() {
                if answers.contains(answer) {
                    continue;
                }
                answers.push(answer.clone());
                buttons.push(qa.entry.buttons[k][c].clone());
                text_rows.push(step.text.get(c)?);
                button_rows.push(step.button.get(c)?);
            }
            images = images.or_else(|| qa.entry.images.get(k).cloned());
        }
    }
    let steps_n = folder.qas[best].steps.len();
    let step = EncodedStep {
        text: Tensor::stack(&text_rows, 0)?,
        button: Tensor::stack(&button_rows, 0)?,
    };
    let dim = feature.len();
    Ok((
        EncodedQa {
            entry: QaEntry {
                question: question.to_string(),
                answers: vec![answers; steps_n],
                images: vec![images.unwrap_or_default(); steps_n],
                correct: None,
                buttons: vec![buttons; steps_n],
            },
            question: Tensor::from_vec(feature, dim, &candle_core::Device::Cpu)?,
            steps: vec![step; steps_n],
        },
        folder.qas[best].entry.question.clone(),
        best_sim,
    ))
}

/// Ranks the candidates of every step of `question`. `embed_question` turns a question the pack
/// does not know into its text feature (`Question: ` + question through the text encoder).
pub fn ask(
    model: &LoadedModel,
    pack: &ActivePack,
    question: &str,
    embed_question: &dyn Fn(&str) -> Result<Vec<f32>>,
) -> Result<Answer> {
    let started = Instant::now();
    let question = question.trim();
    if question.is_empty() {
        return Err(Error::EmptyQuestion);
    }
    let wanted = normalise(question);
    let known = pack
        .encoded
        .qas
        .iter()
        .find(|qa| normalise(&qa.entry.question) == wanted);
    let (qa, answering_as, similarity) = match known {
        Some(qa) => (qa.clone(), None, 1.0),
        None => {
            let feature = embed_question(question)?;
            let (qa, like, sim) = open_question(pack, question, feature)?;
            (qa, Some(like), sim)
        }
    };
    let mut folder = pack.encoded.clone();
    folder.qas = vec![qa];
    let ds = Dataset {
        root: pack.detail.folder.clone(),
        folders: vec![folder],
        samples: vec![SampleRef { folder: 0, qa: 0 }],
    };
    let batch = q2a::batch::Batch::new(&ds, &ds.samples, &model.device)?;
    let scores = model.model.scores(&batch, HistoryMode::Max)?.remove(0);
    let attention = model.model.sentence_attention(&batch)?;
    let entry = &ds.folders[0].qas[0].entry;
    let boxes: HashMap<&str, &ButtonBox> = pack
        .detail
        .buttons
        .iter()
        .map(|b| (b.name.as_str(), b))
        .collect();
    let sentences = &pack.detail.script;
    let mut steps = Vec::with_capacity(scores.len());
    for (k, step_scores) in scores.iter().enumerate() {
        let probs = softmax(step_scores);
        let mut order: Vec<usize> = (0..step_scores.len()).collect();
        order.sort_by(|&a, &b| step_scores[b].total_cmp(&step_scores[a]));
        let candidates: Vec<Candidate> = order
            .iter()
            .map(|&c| {
                let button = entry.buttons[k][c].clone();
                Candidate {
                    answer: entry.answers[k][c].clone(),
                    action: named_action_text(&entry.answers[k][c], &pack.labels),
                    label: pack.labels.get(&button).cloned(),
                    bbox: boxes.get(button.as_str()).map(|b| Box2 {
                        x: b.x,
                        y: b.y,
                        w: b.w,
                        h: b.h,
                    }),
                    button,
                    probability: probs[c],
                    score: step_scores[c] as f64,
                }
            })
            .collect();
        let chosen = order[0];
        let weights: Vec<f32> = match &attention {
            Some(att) => {
                let step = &batch.steps[k];
                let row = step.index_host[chosen] as usize;
                att.get(row)?.to_vec1()?
            }
            None => {
                // Models without sentence attention: the sentence most like the chosen answer.
                let answer = ds.folders[0].qas[0].steps[k].text.get(chosen)?;
                let script = &ds.folders[0].script;
                let sims = script
                    .matmul(&answer.unsqueeze(1)?)?
                    .squeeze(D::Minus1)?
                    .to_vec1::<f32>()?;
                let norms = script.sqr()?.sum(D::Minus1)?.sqrt()?.to_vec1::<f32>()?;
                sims.iter()
                    .zip(norms)
                    .map(|(s, n)| s / n.max(1e-12))
                    .collect()
            }
        };
        let attended = weights
            .iter()
            .take(sentences.len())
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, w)| Why {
                sentence: i,
                text: sentences[i].text.clone(),
                start: sentences[i].start,
                end: sentences[i].end,
                weight: *w as f64,
                source: "attention",
                label: None,
                moment: None,
            });
        // The evidence a person would point at: a sentence the timeline ties to the chosen
        // control (the one nearest the model's most attended sentence), never a sentence
        // about another control.
        let chosen_button = &entry.buttons[k][chosen];
        let why =
            timeline_why(pack, chosen_button, attended.as_ref().map(|w| w.start)).or(attended);
        steps.push(Step {
            index: k,
            candidates,
            why,
        });
    }
    Ok(Answer {
        question: question.to_string(),
        known: answering_as.is_none(),
        answering_as,
        similarity,
        steps,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// The sentence of the pack's timeline about `button`: of the lines grounded to it, the one
/// nearest in time to `near` (else the most confident), as the script sentence of that line
/// that asks for the action.
fn timeline_why(pack: &ActivePack, button: &str, near: Option<f64>) -> Option<Why> {
    let timeline = pack.timeline.as_ref()?;
    let lines = timeline.lines_about(button);
    let line = match near {
        Some(t) => lines
            .iter()
            .min_by(|a, b| (a.start - t).abs().total_cmp(&(b.start - t).abs()))?,
        None => lines.first()?,
    };
    let sentences = &pack.detail.script;
    let focus = grounding::action_sentences(&line.text);
    let index = sentences
        .iter()
        .enumerate()
        .filter(|(_, s)| s.start == line.start && s.end == line.end)
        .find(|(_, s)| focus.contains(s.text.trim()))
        .or_else(|| {
            sentences
                .iter()
                .enumerate()
                .find(|(_, s)| s.start == line.start && s.end == line.end)
        })
        .map(|(i, _)| i)?;
    Some(Why {
        sentence: index,
        text: sentences[index].text.clone(),
        start: sentences[index].start,
        end: sentences[index].end,
        weight: line.confidence as f64,
        source: "timeline",
        label: pack
            .labels
            .get(button)
            .cloned()
            .or_else(|| line.label.clone()),
        moment: line.moment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_without_the_button_token() {
        assert_eq!(
            action_text("Turn <button5> clockwise to 60 millilitres"),
            "Turn clockwise to 60 millilitres"
        );
        assert_eq!(
            action_text("Press and hold <button4> for 3 seconds"),
            "Press and hold for 3 seconds"
        );
        assert_eq!(action_text("Press <button6>"), "Press");
        assert_eq!(action_text("<button2>"), "Press");
        assert_eq!(action_text("Press <button"), "Press");
    }

    #[test]
    fn questions_match_ignoring_case_spacing_and_question_mark() {
        assert_eq!(
            normalise("  How do I  set the TIMER? "),
            normalise("how do i set the timer")
        );
    }

    #[test]
    fn probabilities_sum_to_one() {
        let p = softmax(&[1.0, 2.0, 3.0]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(p[2] > p[1] && p[1] > p[0]);
    }
}
