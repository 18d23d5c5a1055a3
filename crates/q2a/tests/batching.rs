//! Batched results equal the per-sample definition: a batch mixing folders, several QAs of one
//! folder, different step and candidate counts gives each sample the scores and the loss share it
//! gets alone.

mod common;

use candle_core::Device;
use candle_nn::VarMap;
use q2a::batch::Batch;
use q2a::config::HistoryMode;
use q2a::dataset::Dataset;
use q2a::init::SeededInit;
use q2a::Q2a;

#[test]
fn batched_scores_and_loss_equal_per_sample_ones() {
    let dir = tempfile::tempdir().unwrap();
    common::write_splits(dir.path(), 4);
    for (key, arch) in [
        ("MODEL.HISTORY.ARCH", "gru"),
        ("MODEL.HISTORY.ARCH", "mlp"),
        ("MODEL.HISTORY.ARCH", "none"),
        ("MODEL.ARCH", "q2a_function"),
        ("INPUT.NORM", "l2"),
    ] {
        let cfg = common::tiny_config(dir.path(), &[key, arch]);
        let ds = Dataset::load(&dir.path().join("train"), 16, 1).unwrap();
        let varmap = VarMap::new();
        let model = Q2a::new(&cfg, SeededInit::var_builder(&varmap, 3, &Device::Cpu)).unwrap();
        let all = Batch::new(&ds, &ds.samples, &Device::Cpu).unwrap();
        assert!(
            all.groups < all.size(),
            "the batch must share folders between samples"
        );
        for history in [HistoryMode::Max, HistoryMode::Gt] {
            let batched = model.scores(&all, history).unwrap();
            let mut weighted_loss = 0.0;
            for (i, sample) in ds.samples.iter().enumerate() {
                let one = Batch::new(&ds, &[*sample], &Device::Cpu).unwrap();
                let alone = model.scores(&one, history).unwrap();
                assert_eq!(alone[0].len(), batched[i].len());
                for (a, b) in alone[0].iter().zip(&batched[i]) {
                    assert_eq!(a.len(), b.len());
                    for (x, y) in a.iter().zip(b) {
                        assert!(
                            (x - y).abs() < 1e-5,
                            "{arch} {history:?} sample {i}: {a:?} vs {b:?}"
                        );
                    }
                }
                let loss = model
                    .loss(&one, history)
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap() as f64;
                weighted_loss += loss * one.num_steps() as f64;
            }
            let batch_loss = model
                .loss(&all, history)
                .unwrap()
                .to_scalar::<f32>()
                .unwrap() as f64;
            let expected = weighted_loss / all.num_steps() as f64;
            assert!(
                (batch_loss - expected).abs() < 1e-5,
                "{arch}: {batch_loss} vs {expected}"
            );
        }
    }
}

#[test]
fn history_gt_without_labels_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = common::tiny_spec(5, 2);
    spec.labelled = false;
    q2a::synthetic::write(dir.path(), &spec).unwrap();
    let ds = Dataset::load(dir.path(), 16, 1).unwrap();
    let cfg = common::tiny_config(dir.path(), &[]);
    let model = Q2a::new(
        &cfg,
        SeededInit::var_builder(&VarMap::new(), 0, &Device::Cpu),
    )
    .unwrap();
    let batch = Batch::new(&ds, &ds.samples, &Device::Cpu).unwrap();
    let err = model
        .scores(&batch, HistoryMode::Gt)
        .unwrap_err()
        .to_string();
    assert!(err.contains("needs labels"), "{err}");
    model.scores(&batch, HistoryMode::Max).unwrap();
}
