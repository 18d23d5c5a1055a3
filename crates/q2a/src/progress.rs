//! Progress of long work, reported through a sink that the CLI (a progress bar) and the app (a
//! Tauri channel) both implement.

use assistq::metrics::Metrics;
use serde::Serialize;

/// One finished epoch: what training reports and appends to `metrics.jsonl`.
#[derive(Debug, Clone, Serialize)]
pub struct EpochRecord {
    /// 0-based, as Lightning counts.
    pub epoch: usize,
    pub lr: f64,
    pub train_loss: f64,
    pub batches: usize,
    pub samples_per_sec: f64,
    pub seconds: f64,
    /// Validation metrics, when the epoch was validated on a labelled split.
    pub val: Option<Metrics>,
    /// Where the unlabelled split's submission was written, when it was.
    pub submission: Option<String>,
    pub best: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TrainEvent {
    Started {
        epochs: usize,
        batches_per_epoch: usize,
        start_epoch: usize,
        samples: usize,
        device: String,
    },
    Batch {
        epoch: usize,
        batch: usize,
        batches: usize,
        loss: f64,
        lr: f64,
    },
    Epoch(EpochRecord),
    Checkpoint {
        path: String,
        best: bool,
    },
    Message {
        text: String,
    },
    Stopped {
        epoch: usize,
        batch: usize,
        checkpoint: String,
    },
}

pub trait ProgressSink: Send + Sync {
    fn event(&self, event: &TrainEvent);
}

/// Discards events (library callers that do not care).
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn event(&self, _event: &TrainEvent) {}
}
