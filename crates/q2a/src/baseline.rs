//! Baselines the accuracy benchmark compares Q2A against, on the same encoded features:
//! a seeded random ranking, and text-only similarity (the cosine between the question's feature
//! and each candidate answer's), which uses neither the video, the script nor the buttons.

use assistq::submission::{Prediction, Submission};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::dataset::Dataset;
use crate::error::Result;

/// Scores drawn uniformly at random (same seed, same scores).
pub fn random(ds: &Dataset, seed: u64) -> Submission {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut submission = Submission::default();
    for r in &ds.samples {
        let folder = &ds.folders[r.folder];
        let qa = &folder.qas[r.qa];
        let scores = qa
            .entry
            .answers
            .iter()
            .map(|a| a.iter().map(|_| rng.random::<f32>()).collect())
            .collect();
        submission.push(
            &folder.name,
            Prediction {
                question: qa.entry.question.clone(),
                scores,
            },
        );
    }
    submission
}

/// Cosine similarity between the question's text feature and each candidate answer's.
pub fn text_similarity(ds: &Dataset) -> Result<Submission> {
    let mut submission = Submission::default();
    for r in &ds.samples {
        let folder = &ds.folders[r.folder];
        let qa = &folder.qas[r.qa];
        let q: Vec<f32> = qa.question.to_vec1()?;
        let mut scores = Vec::with_capacity(qa.steps.len());
        for step in &qa.steps {
            let rows: Vec<Vec<f32>> = step.text.to_vec2()?;
            scores.push(rows.iter().map(|a| cosine(&q, a)).collect());
        }
        submission.push(
            &folder.name,
            Prediction {
                question: qa.entry.question.clone(),
                scores,
            },
        );
    }
    Ok(submission)
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let n = norm(a) * norm(b);
    if n > 0.0 {
        dot / n
    } else {
        0.0
    }
}
