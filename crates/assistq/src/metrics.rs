//! The LOVEU / AssistQ metrics (docs/q2a.md §4). Every step of every question is one ranking query,
//! pooled over all questions and folders (micro-average): Recall@1, Recall@3, mean rank, the
//! true MRR (mean 1/rank) and the challenge's legacy "MRR" (mean N/rank, N = number of
//! candidates of the step). Recalls are fractions in [0, 1], not percentages.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::qa::QaFile;
use crate::submission::{Prediction, Submission};
use crate::Error;

/// Metrics over all evaluated steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Fraction of steps whose ground-truth candidate is ranked first.
    pub recall_at_1: f64,
    /// Fraction of steps whose ground-truth candidate is ranked in the top 3.
    pub recall_at_3: f64,
    /// Mean 1-based rank of the ground-truth candidate.
    pub mean_rank: f64,
    /// Mean of 1/rank.
    pub mrr: f64,
    /// Mean of N/rank, the challenge's "MRR" (N = candidates in the step).
    pub mrr_legacy: f64,
    /// Number of steps evaluated.
    pub steps: usize,
}

/// The 1-based rank of candidate `gt` (0-based) as the reference's numpy
/// `argsort()[::-1]` ranks it:
///
/// `rank = 1 + #{j : s_j > s_gt} + #{j > gt : s_j == s_gt}`.
///
/// Ties are not broken in the ground truth's favour: numpy's default sort is an insertion
/// sort (stable) for up to 16 elements, so tied candidates keep index order ascending, and
/// the reversal puts the *later* index first. With all scores equal, candidate 0 is ranked
/// last and the last candidate first. (For more than 16 candidates numpy's introsort is not
/// stable and its tie order is unspecified; this formula keeps the small-array behaviour.)
/// NaN sorts after every number in numpy, so after reversal it ranks above every number;
/// NaNs among themselves are ordered like other ties.
///
/// # Panics
/// If `gt >= scores.len()`.
pub fn rank(scores: &[f32], gt: usize) -> usize {
    assert!(
        gt < scores.len(),
        "ground-truth index {gt} out of range for {} candidates",
        scores.len()
    );
    let target = scores[gt];
    let above = |s: f32| match (s.is_nan(), target.is_nan()) {
        (true, false) => true,
        (false, false) => s > target,
        _ => false,
    };
    let tied = |s: f32| (s.is_nan() && target.is_nan()) || s == target;
    let higher = scores.iter().filter(|&&s| above(s)).count();
    let later_ties = scores[gt + 1..].iter().filter(|&&s| tied(s)).count();
    1 + higher + later_ties
}

/// Accumulates per-step results; [`MetricsAccumulator::finish`] gives the means.
#[derive(Debug, Clone, Default)]
pub struct MetricsAccumulator {
    steps: usize,
    hits_at_1: usize,
    hits_at_3: usize,
    rank_sum: f64,
    reciprocal_rank_sum: f64,
    legacy_reciprocal_rank_sum: f64,
}

impl MetricsAccumulator {
    /// Adds one step: the scores of its candidates and the 0-based ground-truth index.
    ///
    /// # Panics
    /// If `gt >= scores.len()`.
    pub fn add(&mut self, scores: &[f32], gt: usize) {
        let r = rank(scores, gt);
        self.steps += 1;
        self.hits_at_1 += usize::from(r == 1);
        self.hits_at_3 += usize::from(r <= 3);
        self.rank_sum += r as f64;
        self.reciprocal_rank_sum += 1.0 / r as f64;
        self.legacy_reciprocal_rank_sum += scores.len() as f64 / r as f64;
    }

    /// The means over all added steps; `None` when no step was added.
    pub fn finish(&self) -> Option<Metrics> {
        if self.steps == 0 {
            return None;
        }
        let n = self.steps as f64;
        Some(Metrics {
            recall_at_1: self.hits_at_1 as f64 / n,
            recall_at_3: self.hits_at_3 as f64 / n,
            mean_rank: self.rank_sum / n,
            mrr: self.reciprocal_rank_sum / n,
            mrr_legacy: self.legacy_reciprocal_rank_sum / n,
            steps: self.steps,
        })
    }
}

/// Evaluates predictions against ground truth.
///
/// Predictions are matched to ground truth by exact question string within each folder; the
/// k-th occurrence of a repeated question matches the k-th prediction with that string. Every
/// ground-truth question must have a prediction and vice versa, each prediction must have one
/// score per candidate of every step, and scores must not be NaN; any violation is an
/// [`Error::Mismatch`] naming folder, question and (1-based) step. Ground truth without
/// `correct` is also an error.
pub fn evaluate(pred: &Submission, gt: &QaFile) -> Result<Metrics, Error> {
    let mismatch =
        |folder: &str, question: &str, step: Option<usize>, message: String| Error::Mismatch {
            folder: folder.to_string(),
            question: question.to_string(),
            step,
            message,
        };

    // Predictions per folder (a folder listed twice is merged), then per question string.
    let mut predicted: Vec<(&str, Vec<&Prediction>)> = Vec::new();
    for (folder, predictions) in &pred.folders {
        match predicted.iter_mut().find(|(name, _)| name == folder) {
            Some((_, list)) => list.extend(predictions),
            None => predicted.push((folder, predictions.iter().collect())),
        }
    }

    let mut acc = MetricsAccumulator::default();
    for (folder, questions) in &gt.folders {
        let predictions: &[&Prediction] = predicted
            .iter()
            .find(|(name, _)| name == folder)
            .map_or(&[], |(_, list)| list.as_slice());
        let mut by_question: HashMap<&str, Vec<&Prediction>> = HashMap::new();
        for p in predictions {
            by_question.entry(p.question.as_str()).or_default().push(p);
        }
        let mut used: HashMap<&str, usize> = HashMap::new();

        for qa in questions {
            let occurrence = used.entry(qa.question.as_str()).or_insert(0);
            let k = *occurrence;
            *occurrence += 1;
            let prediction = by_question
                .get(qa.question.as_str())
                .and_then(|list| list.get(k))
                .ok_or_else(|| {
                    let what = if k == 0 {
                        "no prediction for this ground-truth question".to_string()
                    } else {
                        format!(
                            "no prediction for occurrence {} of this repeated ground-truth question",
                            k + 1
                        )
                    };
                    mismatch(folder, &qa.question, None, what)
                })?;
            let correct = qa.correct.as_ref().ok_or_else(|| {
                mismatch(
                    folder,
                    &qa.question,
                    None,
                    "ground truth has no `correct` (use test_with_gt.json, not test_without_gt.json)"
                        .into(),
                )
            })?;
            let steps = qa.answers.len();
            if prediction.scores.len() != steps {
                let first_unmatched = prediction.scores.len().min(steps) + 1;
                return Err(mismatch(
                    folder,
                    &qa.question,
                    Some(first_unmatched),
                    format!(
                        "step {first_unmatched}: prediction has scores for {} steps, ground truth has {steps} steps",
                        prediction.scores.len()
                    ),
                ));
            }
            if correct.len() != steps {
                return Err(mismatch(
                    folder,
                    &qa.question,
                    None,
                    format!(
                        "ground truth has {} `correct` entries for {steps} steps",
                        correct.len()
                    ),
                ));
            }
            for (s, ((scores, candidates), &c)) in prediction
                .scores
                .iter()
                .zip(&qa.answers)
                .zip(correct)
                .enumerate()
            {
                let step = s + 1;
                if scores.len() != candidates.len() {
                    return Err(mismatch(
                        folder,
                        &qa.question,
                        Some(step),
                        format!(
                            "step {step}: prediction has {} scores, ground truth has {} candidates",
                            scores.len(),
                            candidates.len()
                        ),
                    ));
                }
                if let Some(j) = scores.iter().position(|x| x.is_nan()) {
                    return Err(mismatch(
                        folder,
                        &qa.question,
                        Some(step),
                        format!("step {step}: score of candidate {} is NaN", j + 1),
                    ));
                }
                if c == 0 || c > candidates.len() {
                    return Err(mismatch(
                        folder,
                        &qa.question,
                        Some(step),
                        format!(
                            "step {step}: ground-truth `correct` is {c}, expected 1..={}",
                            candidates.len()
                        ),
                    ));
                }
                acc.add(scores, c - 1);
            }
        }

        // Predictions left over: questions the ground truth does not have (or has fewer times).
        for p in predictions {
            let available = by_question.get(p.question.as_str()).map_or(0, Vec::len);
            let consumed = used.get(p.question.as_str()).copied().unwrap_or(0);
            if available > consumed {
                let what = if consumed == 0 {
                    "prediction for a question that is not in the ground truth".to_string()
                } else {
                    format!(
                        "{available} predictions for a question the ground truth has {consumed} times"
                    )
                };
                return Err(mismatch(folder, &p.question, None, what));
            }
        }
    }

    for (folder, predictions) in &predicted {
        if gt.get(folder).is_none() {
            let question = predictions.first().map_or("", |p| p.question.as_str());
            return Err(mismatch(
                folder,
                question,
                None,
                "predictions for a folder that is not in the ground truth".into(),
            ));
        }
    }

    acc.finish()
        .ok_or_else(|| Error::Empty("the ground truth has no steps".into()))
}
