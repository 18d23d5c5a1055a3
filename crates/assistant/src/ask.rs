//! Asking: the steps of a question about the active pack, each with its control, action, box,
//! confidence, alternatives and the evidence shown as "why".
//!
//! With the pack's tutorial timeline (`grounding`), every question is answered from the tutorial
//! (`grounding::answer`, docs/grounding.md): the part of the script that answers it is found
//! (BM25 and the text encoder's cosine against each part's goal); when none matches well enough
//! the answer says the tutorial does not seem to cover it, with the closest parts it does cover.
//! Otherwise the steps are that part's control sentences, in order. A question the pack lists
//! (same words, ignoring case, spacing and the final `?`) keeps its own candidates (the AssistQ
//! protocol); any other question gets every control with the actions the tutorial uses for it.
//!
//! Without a timeline (no OCR models, an unreadable photo) the model ranks the candidates as
//! before: a listed question with its own, any other as the most similar listed question
//! ("Answering as: ..."), with every answer the pack knows as candidates.

use std::collections::HashMap;
use std::time::Instant;

use candle_core::{Tensor, D};
use q2a::config::HistoryMode;
use q2a::dataset::{Dataset, SampleRef};
use q2a::features::{EncodedFolder, EncodedQa, EncodedStep, QaEntry};
use serde::Serialize;

use grounding::answer::{self as tutorial, Index, PlannedStep, Retrieval};

use crate::error::{Error, Result};
use crate::models::LoadedModel;
use crate::packs::PackDetail;

/// A pack ready to be asked about: what the UI shows, its encoded features and its tutorial
/// timeline (when it could be computed).
pub struct ActivePack {
    pub detail: PackDetail,
    pub encoded: EncodedFolder,
    pub timeline: Option<grounding::Timeline>,
    /// The timeline's parts that may answer a question, made once per pack.
    pub index: Option<Index>,
    /// Button id -> the name a person reads on the panel ([`grounding::Timeline::display_labels`]).
    pub labels: HashMap<String, String>,
}

/// A sentence encoder: texts in, one embedding each.
pub type Embed<'a> = &'a dyn Fn(&[String]) -> Result<Vec<Vec<f32>>>;

/// The text encoder of `encoders` as the sentence encoder answering uses.
pub fn text_embed(
    text: std::sync::Arc<encoders::text::TextEncoder>,
) -> impl Fn(&[String]) -> Result<Vec<Vec<f32>>> {
    move |texts| text.encode(texts).map_err(crate::Error::from)
}

impl ActivePack {
    /// `embed` (the text encoder) gives the index its goal embeddings; without it (or when it
    /// fails) questions are matched by their words alone.
    pub fn new(
        detail: PackDetail,
        encoded: EncodedFolder,
        timeline: Option<grounding::Timeline>,
        embed: Option<Embed>,
    ) -> Self {
        let labels = timeline
            .as_ref()
            .map(|t| t.display_labels())
            .unwrap_or_default();
        let index = timeline.as_ref().map(|t| {
            let index = Index::new(t);
            match embed.map(|e| e(&index.embedding_texts())) {
                Some(Ok(embeddings)) => index.with_embeddings(embeddings),
                _ => index,
            }
        });
        Self {
            detail,
            encoded,
            timeline,
            index,
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
    /// The best candidate's probability is under [`LOW_CONFIDENCE`]: show it as a guess, with
    /// the alternatives.
    pub low_confidence: bool,
}

/// Below this probability a step is shown as unsure.
pub const LOW_CONFIDENCE: f64 = 0.5;

/// A part of the tutorial, as an answer shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SpanInfo {
    /// 1-based script lines.
    pub first_line: usize,
    pub last_line: usize,
    /// Seconds.
    pub start: f64,
    pub end: f64,
    /// Its first line, which says what it is for.
    pub goal: String,
    /// How well it matches the question (see docs/grounding.md).
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub question: String,
    /// How the steps were found: `timeline` (the tutorial's grounded sentences), `grounded` (a
    /// listed question ranked by a `q2a_grounded` model, Q2A with the timeline's evidence) or
    /// `model` (Q2A alone, when the pack has no timeline).
    pub method: &'static str,
    /// False when the tutorial does not seem to cover the question (then `steps` is empty and
    /// `closest` lists what it does cover).
    pub covered: bool,
    /// The part of the tutorial the steps come from.
    pub span: Option<SpanInfo>,
    /// When not covered: the closest parts, best first.
    pub closest: Vec<SpanInfo>,
    /// The pack lists this question (its candidates are its own).
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
        let sim = tutorial::cosine(&feature, &known) as f64;
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

/// The steps of `question` (see the module's doc). `model` ranks the candidates when the pack
/// has no timeline (and a listed question the timeline does not cover); `embed` is the text
/// encoder.
pub fn ask(
    model: Option<&LoadedModel>,
    pack: &ActivePack,
    question: &str,
    embed: Option<Embed>,
) -> Result<Answer> {
    let started = Instant::now();
    let question = question.trim();
    if question.is_empty() {
        return Err(Error::EmptyQuestion);
    }
    let wanted = normalise(question);
    let listed = pack
        .encoded
        .qas
        .iter()
        .find(|qa| normalise(&qa.entry.question) == wanted);
    let no_model = || Error::ModelUnavailable("no model is loaded: pick one in Settings".into());
    // A model fused with the timeline ranks a listed question's candidates itself.
    if let (Some(_), Some(m)) = (listed, model.filter(|m| is_grounded(m))) {
        return ask_model(m, pack, listed, question, embed, started);
    }
    let (Some(timeline), Some(index)) = (&pack.timeline, &pack.index) else {
        return ask_model(
            model.ok_or_else(no_model)?,
            pack,
            listed,
            question,
            embed,
            started,
        );
    };
    let question_embedding = match embed {
        Some(e) if index.goal_embeddings.is_some() => {
            e(&[index.question_text(question)])?.into_iter().next()
        }
        _ => None,
    };
    let retrieval = index.retrieve(question, question_embedding.as_deref());
    if !retrieval.covered {
        if let (Some(_), Some(model)) = (listed, model) {
            // A listed question is about the pack whatever the words: the model answers it.
            return ask_model(model, pack, listed, question, embed, started);
        }
        return Ok(Answer {
            question: question.to_string(),
            method: "timeline",
            covered: false,
            span: None,
            closest: closest_spans(index, &retrieval),
            known: listed.is_some(),
            answering_as: None,
            similarity: retrieval.best().map_or(0.0, |b| b.score as f64),
            steps: Vec::new(),
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        });
    }
    // A listed question's part is the best one with its step count (tutorial::listed_part).
    let (best, planned) = match listed {
        Some(qa) => {
            let (rank, planned) = tutorial::listed_part(
                timeline,
                index,
                &retrieval,
                question,
                qa.entry.answers.len(),
            )
            .expect("a covered question has a best part");
            (retrieval.ranked[rank], planned)
        }
        None => {
            let best = *retrieval
                .best()
                .expect("a covered question has a best part");
            (
                best,
                tutorial::steps_for_question(timeline, &index.spans[best.span], question),
            )
        }
    };
    let steps: Vec<Step> = match listed {
        Some(qa) => {
            let scores = tutorial::score_listed(&planned, &qa.entry.answers, question);
            scores
                .iter()
                .enumerate()
                .map(|(k, scores)| {
                    let options: Vec<(String, String, f32)> = qa.entry.answers[k]
                        .iter()
                        .zip(&qa.entry.buttons[k])
                        .zip(scores)
                        .map(|((a, b), s)| (a.clone(), b.clone(), *s))
                        .collect();
                    timeline_step(pack, k, planned.get(k), options)
                })
                .collect()
        }
        None => planned
            .iter()
            .enumerate()
            .map(|(k, step)| {
                let options = tutorial::free_candidates(timeline, step)
                    .into_iter()
                    .map(|c| (c.answer, c.button, c.score))
                    .collect();
                timeline_step(pack, k, Some(step), options)
            })
            .collect(),
    };
    Ok(Answer {
        question: question.to_string(),
        method: "timeline",
        covered: true,
        span: Some(span_info(index, &best)),
        closest: Vec::new(),
        known: listed.is_some(),
        answering_as: None,
        similarity: best.score as f64,
        steps,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

fn span_info(index: &Index, s: &tutorial::SpanScore) -> SpanInfo {
    let span = &index.spans[s.span];
    SpanInfo {
        first_line: span.first_line,
        last_line: span.last_line,
        start: span.start,
        end: span.end,
        goal: span.goal.clone(),
        score: s.score as f64,
    }
}

/// The three best whole parts (not runs inside one), for "the tutorial covers instead ...".
fn closest_spans(index: &Index, retrieval: &Retrieval) -> Vec<SpanInfo> {
    retrieval
        .ranked
        .iter()
        .filter(|s| index.spans[s.span].paragraph)
        .take(3)
        .map(|s| span_info(index, s))
        .collect()
}

/// Probabilities of a step's candidates from the timeline: each the timeline's probability of
/// its control times its action's agreement with the step's to the 8th power (an exact match
/// 1, the right turn to another value 0.06: the narration says the value), normalised; uniform
/// when the step has nothing to say.
fn timeline_probabilities(
    step: Option<&PlannedStep>,
    options: &[(String, String, f32)],
) -> Vec<f64> {
    let weights: Vec<f64> = options
        .iter()
        .map(|(answer, button, _)| match step {
            Some(step) => {
                let agree = match (&step.action, tutorial::parse_answer(answer).1) {
                    (Some(a), Some(b)) => tutorial::action_agreement(a, &b),
                    _ => 0.0,
                };
                (tutorial::button_probability(step, button) * agree.powi(8)) as f64
            }
            None => 0.0,
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        vec![1.0 / options.len().max(1) as f64; options.len()]
    } else {
        weights.iter().map(|w| w / sum).collect()
    }
}

/// One step answered from the timeline: `options` are (answer, button, timeline score).
fn timeline_step(
    pack: &ActivePack,
    k: usize,
    step: Option<&PlannedStep>,
    options: Vec<(String, String, f32)>,
) -> Step {
    let probs = timeline_probabilities(step, &options);
    let mut order: Vec<usize> = (0..options.len()).collect();
    order.sort_by(|&a, &b| options[b].2.total_cmp(&options[a].2));
    let candidates: Vec<Candidate> = order
        .iter()
        .map(|&c| {
            let (answer, button, score) = &options[c];
            candidate(pack, answer, button, probs[c], *score as f64)
        })
        .collect();
    let why = step.and_then(|st| {
        let line = pack.timeline.as_ref()?.lines.get(st.index)?;
        let button = candidates.first().map(|c| c.button.as_str()).unwrap_or("");
        line_why(pack, line, button)
    });
    let low_confidence = candidates
        .first()
        .is_none_or(|c| c.probability < LOW_CONFIDENCE);
    Step {
        index: k,
        candidates,
        why,
        low_confidence,
    }
}

fn candidate(
    pack: &ActivePack,
    answer: &str,
    button: &str,
    probability: f64,
    score: f64,
) -> Candidate {
    Candidate {
        answer: answer.to_string(),
        action: named_action_text(answer, &pack.labels),
        label: pack.labels.get(button).cloned(),
        bbox: pack
            .detail
            .buttons
            .iter()
            .find(|b| b.name == button)
            .map(|b| Box2 {
                x: b.x,
                y: b.y,
                w: b.w,
                h: b.h,
            }),
        button: button.to_string(),
        probability,
        score,
    }
}

/// Whether `model` is Q2A fused with the timeline (`MODEL.ARCH q2a_grounded`), which needs
/// the evidence of each candidate.
fn is_grounded(model: &LoadedModel) -> bool {
    model.config.model.arch == q2a::config::Arch::Q2aGrounded
}

/// Q2A ranks the candidates: a listed question's own, any other as the most similar listed
/// question with every answer the pack knows. A grounded model gets each candidate's evidence
/// from the pack's timeline.
fn ask_model(
    model: &LoadedModel,
    pack: &ActivePack,
    listed: Option<&EncodedQa>,
    question: &str,
    embed: Option<Embed>,
    started: Instant,
) -> Result<Answer> {
    let (qa, answering_as, similarity) = match listed {
        Some(qa) => (qa.clone(), None, 1.0),
        None => {
            let embed = embed.ok_or_else(|| {
                Error::ModelUnavailable("the text encoder is needed for a new question".into())
            })?;
            let feature = embed(&[format!("Question: {question}")])?
                .into_iter()
                .next()
                .unwrap_or_default();
            let (qa, like, sim) = open_question(pack, question, feature)?;
            (qa, Some(like), sim)
        }
    };
    // A grounded model ranks with the timeline's evidence for the question's parts, ranked
    // once here: the best part is also the answer's, where each step's "why" is looked for.
    let grounded = if is_grounded(model) {
        let (Some(timeline), Some(index)) = (&pack.timeline, &pack.index) else {
            return Err(Error::ModelUnavailable(format!(
                "model {} ranks with the tutorial timeline, which this pack has none of (are the OCR models installed?): pick another model in Settings",
                model.info.name
            )));
        };
        // The question as the pack lists it (as the model was trained on), when it is listed.
        let asked = qa.entry.question.as_str();
        let q = match (embed, &index.goal_embeddings) {
            (Some(e), Some(_)) => e(&[index.question_text(asked)])?.into_iter().next(),
            _ => None,
        };
        let retrieval = index.retrieve(asked, q.as_deref());
        let part = retrieval.best().map(|b| {
            (
                span_info(index, b),
                tutorial::steps_for_question(timeline, &index.spans[b.span], asked),
            )
        });
        let evidence = crate::timeline::evidence_of(timeline, index, &[(&qa.entry, retrieval)])
            .map_err(Error::Internal)?;
        Some((evidence, part))
    } else {
        None
    };
    let (evidence, part) = match grounded {
        Some((evidence, part)) => (Some(evidence), part),
        None => (None, None),
    };
    let mut folder = pack.encoded.clone();
    folder.evidence = evidence;
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
    let sentences = &pack.detail.script;
    let mut steps = Vec::with_capacity(scores.len());
    for (k, step_scores) in scores.iter().enumerate() {
        let probs = softmax(step_scores);
        let mut order: Vec<usize> = (0..step_scores.len()).collect();
        order.sort_by(|&a, &b| step_scores[b].total_cmp(&step_scores[a]));
        let candidates: Vec<Candidate> = order
            .iter()
            .map(|&c| {
                candidate(
                    pack,
                    &entry.answers[k][c],
                    &entry.buttons[k][c],
                    probs[c],
                    step_scores[c] as f64,
                )
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
        let near = part
            .as_ref()
            .and_then(|(_, planned)| planned.get(k).map(|p| p.start))
            .or(attended.as_ref().map(|w| w.start));
        let why = timeline_why(pack, chosen_button, near).or(attended);
        let low_confidence = candidates
            .first()
            .is_none_or(|c| c.probability < LOW_CONFIDENCE);
        steps.push(Step {
            index: k,
            candidates,
            why,
            low_confidence,
        });
    }
    Ok(Answer {
        question: question.to_string(),
        method: if is_grounded(model) {
            "grounded"
        } else {
            "model"
        },
        covered: true,
        span: part.map(|(span, _)| span),
        closest: Vec::new(),
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
    line_why(pack, line, button)
}

/// `line` of the timeline as the evidence for a step on `button`: its script sentence that asks
/// for the action, the label read for the button, and the moment the video operates it.
fn line_why(pack: &ActivePack, line: &grounding::Line, button: &str) -> Option<Why> {
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
