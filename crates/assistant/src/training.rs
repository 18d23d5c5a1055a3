//! Training a model on the user's own tutorial dataset, in the background: encode the dataset
//! (cached and resumable), train Q2A with the bundled best config and the user's epochs, learning
//! rate and batch size, then register the result as a named model. Stopping finishes the current
//! batch, keeps the checkpoint, and registers it when at least one epoch was completed (otherwise
//! the models are left as they were).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use candle_core::Device;
use encoders::encode::{ButtonView, EncodeEvent, EncodeOptions, Encoders};
use q2a::progress::{ProgressSink, TrainEvent};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::models::{ModelInfo, ModelRegistry};
use crate::packs::{EncodeProgress, ENCODE_FPS};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainRequest {
    /// An AssistQ dataset root: `train.json` + `train/`, optionally `test_with_gt.json` + `test/`
    /// for validation.
    pub dataset: PathBuf,
    pub epochs: usize,
    pub lr: f64,
    pub batch_size: usize,
    /// Name of the resulting model.
    pub name: String,
}

/// What a training job reports: the trainer's own events plus the job's.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TrainingEvent {
    Train(TrainEvent),
    Job(JobEvent),
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum JobEvent {
    /// Encoding the dataset's `stage` (`train`, `test`): `done` of `total` units (frames of the
    /// folder being encoded, or folders).
    Encoding {
        stage: String,
        folder: String,
        done: usize,
        total: usize,
    },
    Finished {
        model: ModelInfo,
    },
    Failed {
        code: String,
        message: String,
    },
}

impl TrainRequest {
    /// Checks every field, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, message: String| {
            Err(Error::TrainingInvalid {
                field: field.into(),
                message,
            })
        };
        crate::models::validate_name(&self.name)?;
        if !self.dataset.is_dir() {
            return bad(
                "dataset",
                format!("{}: no such folder", self.dataset.display()),
            );
        }
        if !self.dataset.join("train.json").is_file() || !self.dataset.join("train").is_dir() {
            return bad(
                "dataset",
                format!(
                    "{}: expected an AssistQ dataset root with train.json and train/ (pressnext synth writes one)",
                    self.dataset.display()
                ),
            );
        }
        if !(1..=1000).contains(&self.epochs) {
            return bad("epochs", format!("{} is outside 1..1000", self.epochs));
        }
        if !(self.lr.is_finite() && self.lr > 0.0 && self.lr <= 1.0) {
            return bad("lr", format!("{} is outside (0, 1]", self.lr));
        }
        if !(1..=1024).contains(&self.batch_size) {
            return bad(
                "batch_size",
                format!("{} is outside 1..1024", self.batch_size),
            );
        }
        Ok(())
    }
}

/// Forwards the trainer's events, and turns a cancelled token into the trainer's stop flag (it
/// reports every batch, so a stop takes effect after the current one).
struct Forward<'a> {
    on_event: &'a (dyn Fn(TrainingEvent) + Send + Sync),
    cancel: &'a CancellationToken,
    stop: &'a AtomicBool,
}

impl ProgressSink for Forward<'_> {
    fn event(&self, event: &TrainEvent) {
        if self.cancel.is_cancelled() {
            self.stop.store(true, Ordering::Relaxed);
        }
        (self.on_event)(TrainingEvent::Train(event.clone()))
    }
}

/// Encodes split `split` of the dataset into `out`, reporting progress; `None` when the dataset
/// has no labelled folder of that split.
fn encode_split(
    encoders: &Encoders,
    dataset: &Path,
    split: &str,
    label: &str,
    out: &Path,
    cancel: &CancellationToken,
    on_event: &(dyn Fn(TrainingEvent) + Send + Sync),
) -> Result<Option<PathBuf>> {
    if !dataset.join(label).is_file() || !dataset.join(split).is_dir() {
        return Ok(None);
    }
    let folders = std::sync::Mutex::new(0usize);
    let forward = |e: &EncodeEvent| {
        let (folder, done, total) = match e {
            EncodeEvent::Started { folders: n } => {
                *folders.lock().expect("count") = *n;
                (String::new(), 0, *n)
            }
            EncodeEvent::Folder { index, folder, .. } => {
                (folder.clone(), index + 1, *folders.lock().expect("count"))
            }
            EncodeEvent::Frames {
                folder,
                done,
                total,
            } => (folder.clone(), *done, *total),
            EncodeEvent::Warning { .. } => return,
        };
        on_event(TrainingEvent::Job(JobEvent::Encoding {
            stage: split.to_string(),
            folder,
            done,
            total,
        }));
    };
    let sink = EncodeProgress {
        on_event: &forward,
        cancel,
    };
    let opts = EncodeOptions {
        data_root: dataset.to_path_buf(),
        split: split.into(),
        label: dataset.join(label),
        out: out.to_path_buf(),
        fps: ENCODE_FPS,
        button_view: ButtonView::Crop,
    };
    let summary = encoders::encode::encode_dataset(encoders, &opts, &sink)?;
    if let Some((folder, error)) = summary.failed.first() {
        return Err(Error::TrainingInvalid {
            field: "dataset".into(),
            message: format!("{folder}: {error}"),
        });
    }
    Ok(Some(out.to_path_buf()))
}

/// Runs a whole training job in the calling thread: encode, train, register. `cancel` ends it
/// early (after the current batch).
pub fn run(
    request: &TrainRequest,
    encoders: &Encoders,
    registry: &ModelRegistry,
    data_dir: &Path,
    device: &Device,
    cancel: &CancellationToken,
    on_event: &(dyn Fn(TrainingEvent) + Send + Sync),
) -> Result<Option<ModelInfo>> {
    request.validate()?;
    let dataset = request
        .dataset
        .canonicalize()
        .map_err(|e| Error::io(&request.dataset, e))?;
    let key: String = Sha256::digest(dataset.to_string_lossy().as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = data_dir.join("datasets").join(key);
    let train = encode_split(
        encoders,
        &dataset,
        "train",
        "train.json",
        &cache.join("train"),
        cancel,
        on_event,
    )?
    .expect("validated: train.json and train/ exist");
    let val = encode_split(
        encoders,
        &dataset,
        "test",
        "test_with_gt.json",
        &cache.join("test"),
        cancel,
        on_event,
    )?;
    if cancel.is_cancelled() {
        return Ok(None);
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut cfg = crate::models::base_config();
    cfg.dataset.train = train.display().to_string();
    cfg.dataset.val = val.map(|v| v.display().to_string()).unwrap_or_default();
    cfg.dataset.gt = String::new();
    cfg.solver.max_epochs = request.epochs;
    cfg.solver.lr = request.lr;
    cfg.solver.batch_size = request.batch_size;
    cfg.output_dir = data_dir
        .join("runs")
        .join(format!("{}-{stamp}", request.name))
        .display()
        .to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let opts = q2a::train::TrainOptions {
        resume: false,
        stop: stop.clone(),
    };
    let forward = Forward {
        on_event,
        cancel,
        stop: &stop,
    };
    let summary = q2a::train::train(&cfg, device, &opts, &forward)
        .map_err(|e| Error::TrainingFailed(e.to_string()))?;
    let Some(last) = summary.records.last() else {
        // Stopped before one epoch was complete: nothing worth keeping as a model.
        return Ok(None);
    };
    let metrics = last
        .val
        .as_ref()
        .map(|m| serde_json::to_value(m).expect("metrics serialise"));
    let model = registry.add_trained(&request.name, &summary.last, metrics)?;
    on_event(TrainingEvent::Job(JobEvent::Finished {
        model: model.clone(),
    }));
    Ok(Some(model))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(dataset: &Path) -> TrainRequest {
        TrainRequest {
            dataset: dataset.to_path_buf(),
            epochs: 2,
            lr: 1e-3,
            batch_size: 4,
            name: "mine".into(),
        }
    }

    #[test]
    fn bad_requests_name_their_field() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("train")).unwrap();
        std::fs::write(dir.path().join("train.json"), "{}").unwrap();
        request(dir.path()).validate().unwrap();
        let field_of = |r: TrainRequest| match r.validate() {
            Err(Error::TrainingInvalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field_of(TrainRequest {
                epochs: 0,
                ..request(dir.path())
            }),
            "epochs"
        );
        assert_eq!(
            field_of(TrainRequest {
                lr: f64::NAN,
                ..request(dir.path())
            }),
            "lr"
        );
        assert_eq!(
            field_of(TrainRequest {
                batch_size: 0,
                ..request(dir.path())
            }),
            "batch_size"
        );
        assert_eq!(
            field_of(TrainRequest {
                name: "a b".into(),
                ..request(dir.path())
            }),
            "name"
        );
        assert_eq!(field_of(request(&dir.path().join("missing"))), "dataset");
        assert_eq!(field_of(request(&dir.path().join("train"))), "dataset");
    }
}
