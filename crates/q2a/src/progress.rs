//! Progress of long work, reported through a sink that the CLI (a progress bar) and the app (a
//! Tauri channel) both implement.

use serde::Serialize;

use crate::train::EpochRecord;

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
