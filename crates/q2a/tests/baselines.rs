//! The benchmark's baselines: random is seeded and near its expectation; text-only similarity
//! finds the planted question-answer signal of the synthetic features.

mod common;

use q2a::baseline;
use q2a::dataset::Dataset;

#[test]
fn baselines_score_as_expected() {
    let dir = tempfile::tempdir().unwrap();
    common::write_splits(dir.path(), 12);
    let ds = Dataset::load(&dir.path().join("test"), 16, 1).unwrap();
    let gt = q2a::infer::ground_truth(&ds);
    let a = baseline::random(&ds, 1);
    assert_eq!(
        a.to_json_string(),
        baseline::random(&ds, 1).to_json_string()
    );
    assert_ne!(
        a.to_json_string(),
        baseline::random(&ds, 2).to_json_string()
    );
    let random = assistq::metrics::evaluate(&a, &gt).unwrap();
    let expected: Vec<f64> = ds
        .candidates_per_step()
        .into_iter()
        .map(|a| 1.0 / a as f64)
        .collect();
    let expected = expected.iter().sum::<f64>() / expected.len() as f64;
    assert!(
        (random.recall_at_1 - expected).abs() < 0.15,
        "{random:?} vs {expected}"
    );
    let text = assistq::metrics::evaluate(&baseline::text_similarity(&ds).unwrap(), &gt).unwrap();
    assert!(
        text.recall_at_1 > random.recall_at_1 + 0.3,
        "{text:?} vs {random:?}"
    );
}
