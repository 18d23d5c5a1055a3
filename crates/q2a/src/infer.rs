//! Inference: scores for every QA of a split, as the CodaLab submission JSON, and the challenge
//! metrics when the split carries labels.

use std::collections::HashMap;
use std::path::Path;

use assistq::metrics::Metrics;
use assistq::qa::{Qa, QaFile};
use assistq::submission::{Prediction, Submission};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use crate::batch::Batch;
use crate::checkpoint;
use crate::config::{Config, HistoryMode};
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::model::Q2a;

/// Refuses a checkpoint or `MODEL.INIT_STATE` that exists but is not a regular file, before
/// [`checkpoint::load`] reads it: a named pipe would block the read for ever and `/dev/zero`
/// would never end. (A missing file is left to `checkpoint::load`, which says so.)
pub(crate) fn require_checkpoint_files(path: &Path, init_state: Option<&Path>) -> Result<()> {
    let refuse = |p: &Path, what: &str| match assistq::fsutil::require_regular_file(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(Error::checkpoint(p, format!("{what}{e}")))
        }
        _ => Ok(()),
    };
    refuse(path, "")?;
    if let Some(p) = init_state {
        refuse(p, "MODEL.INIT_STATE: ")?;
    }
    Ok(())
}

/// Refuses a config key (`DATASET.TRAIN`, `DATASET.VAL`, `OUTPUT_DIR`) whose path is missing
/// or not a folder, naming the key.
pub(crate) fn require_folder(key: &str, path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(Error::config(
            key,
            format!("{}: not a folder", path.display()),
        )),
        Err(e) => Err(Error::config(key, format!("{}: {e}", path.display()))),
    }
}

/// Builds the model of `cfg` from a checkpoint (ours or the reference's).
pub fn load_model(cfg: &Config, path: &Path, device: &Device) -> Result<Q2a> {
    let init_state = (!cfg.model.init_state.is_empty()).then(|| Path::new(&cfg.model.init_state));
    require_checkpoint_files(path, init_state)?;
    let ckpt = checkpoint::load_weights(path, init_state)?;
    if let Some(stored) = &ckpt.config {
        let diff = checkpoint::architecture_mismatches(stored, cfg);
        if !diff.is_empty() {
            return Err(Error::checkpoint(
                path,
                format!("does not fit the config: {}", diff.join("; ")),
            ));
        }
    }
    let tensors: HashMap<String, Tensor> = ckpt
        .params
        .into_iter()
        .map(|(k, v)| Ok((k, v.to_device(device)?)))
        .collect::<Result<_>>()?;
    let vb = VarBuilder::from_tensors(tensors, DType::F32, device);
    Q2a::new(cfg, vb).map_err(|e| Error::checkpoint(path, format!("does not fit the config: {e}")))
}

/// Scores every sample of `ds`, `batch_size` samples at a time, in dataset order.
pub fn predict(
    model: &Q2a,
    ds: &Dataset,
    history: HistoryMode,
    batch_size: usize,
    device: &Device,
) -> Result<Submission> {
    let mut submission = Submission::default();
    for chunk in ds.samples.chunks(batch_size.max(1)) {
        let batch = Batch::new(ds, chunk, device)?;
        let scores = model.scores(&batch, history)?;
        for (r, scores) in chunk.iter().zip(scores) {
            let folder = &ds.folders[r.folder];
            submission.push(
                &folder.name,
                Prediction {
                    question: folder.qas[r.qa].entry.question.clone(),
                    scores,
                },
            );
        }
    }
    Ok(submission)
}

/// The inference pipeline of a run, as `infer` and the accuracy benchmark run it: the model of
/// a config loaded from a checkpoint, scoring with the config's validation history mode and
/// batch size on one device.
pub struct Predictor {
    model: Q2a,
    history: HistoryMode,
    batch_size: usize,
    device: Device,
}

impl Predictor {
    /// Loads the model of `cfg` from `ckpt` (ours or the reference's) onto `device`.
    pub fn load(cfg: &Config, ckpt: &Path, device: &Device) -> Result<Self> {
        Ok(Self {
            model: load_model(cfg, ckpt, device)?,
            history: cfg.model.history.val,
            batch_size: cfg.solver.batch_size,
            device: device.clone(),
        })
    }

    /// Scores every sample of `ds`, as the submission JSON.
    pub fn predict(&self, ds: &Dataset) -> Result<Submission> {
        predict(&self.model, ds, self.history, self.batch_size, &self.device)
    }
}

/// The split's annotations as a QA file, for scoring a submission against its labels.
pub fn ground_truth(ds: &Dataset) -> QaFile {
    QaFile {
        folders: ds
            .folders
            .iter()
            .map(|f| {
                let qas = f
                    .qas
                    .iter()
                    .map(|q| Qa {
                        question: q.entry.question.clone(),
                        answers: q.entry.answers.clone(),
                        correct: q.entry.correct.clone(),
                        images: q.entry.images.clone(),
                        extra: Default::default(),
                    })
                    .collect();
                (f.name.clone(), qas)
            })
            .collect(),
    }
}

/// Metrics of a submission when the split is labelled.
pub fn evaluate(ds: &Dataset, submission: &Submission) -> Result<Option<Metrics>> {
    if !ds.has_labels() {
        return Ok(None);
    }
    Ok(Some(assistq::metrics::evaluate(
        submission,
        &ground_truth(ds),
    )?))
}

/// Loads `DATASET.VAL` (with `DATASET.GT` labels when set).
pub fn load_val(cfg: &Config) -> Result<Dataset> {
    if cfg.dataset.val.is_empty() {
        return Err(Error::config(
            "DATASET.VAL",
            "is empty: point it at an encoded-features root",
        ));
    }
    require_folder("DATASET.VAL", Path::new(&cfg.dataset.val))?;
    let mut ds = Dataset::load(
        Path::new(&cfg.dataset.val),
        cfg.input.dim,
        cfg.input.num_masks,
    )?;
    if !cfg.dataset.gt.is_empty() {
        let gt_path = Path::new(&cfg.dataset.gt);
        let gt = QaFile::read(gt_path)?;
        ds.apply_ground_truth(&gt, gt_path)?;
    }
    Ok(ds)
}
