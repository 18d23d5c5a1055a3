//! Training, as the reference's `train.py` does it: SGD with momentum and weight decay (or Adam,
//! `SOLVER.OPTIMIZER`), linear warm-up then cosine per epoch (or a constant rate), shuffled batches with the last incomplete one dropped, and a
//! validation pass every `CHECK_VAL_EVERY_N_EPOCH` epochs.
//!
//! Written to `OUTPUT_DIR`: `config.yaml`, `metrics.jsonl` (one line per epoch), `last.safetensors`
//! (every epoch, and on interruption, with the optimizer state) and `best.safetensors` (by
//! `SOLVER.MONITOR`), each atomically. Same seed, same data, same device: same weights.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use assistq::metrics::Metrics;
use candle_core::{Device, Var};
use candle_nn::VarMap;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::batch::Batch;
use crate::checkpoint::{self, TrainState};
use crate::config::{Config, MonitorMode, SchedulerKind};
use crate::dataset::{Dataset, SampleRef};
use crate::error::{Error, Result};
use crate::infer;
use crate::init::SeededInit;
use crate::model::Q2a;
use crate::optim::Optimizer;
pub use crate::progress::EpochRecord;
use crate::progress::{ProgressSink, TrainEvent};
use crate::schedule::lr_at_epoch;

#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Continue the run in `OUTPUT_DIR` from its `last.safetensors`.
    pub resume: bool,
    /// Set (e.g. by Ctrl-C) to save and stop after the current batch.
    pub stop: Arc<AtomicBool>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            resume: false,
            stop: Arc::new(AtomicBool::new(false)),
        }
    }
}

#[derive(Debug)]
pub struct TrainSummary {
    pub output_dir: PathBuf,
    pub last: PathBuf,
    pub best: Option<PathBuf>,
    pub best_value: Option<f64>,
    pub records: Vec<EpochRecord>,
    pub stopped: bool,
}

pub const LAST: &str = "last.safetensors";
pub const BEST: &str = "best.safetensors";
pub const METRICS: &str = "metrics.jsonl";

/// The order of the training samples in `epoch`: a function of the seed and the epoch only, so a
/// resumed run sees exactly the batches the uninterrupted run would have.
pub fn epoch_order(n: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    order.shuffle(&mut rng);
    order
}

fn monitored(m: &Metrics, name: &str) -> f64 {
    match name {
        "recall_at_1" => m.recall_at_1,
        "recall_at_3" => m.recall_at_3,
        "mrr" => m.mrr,
        "mrr_legacy" => m.mrr_legacy,
        _ => m.mean_rank,
    }
}

fn append_line(path: &Path, line: &str) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    // One write of the whole line, so a reader never sees half a record; a crash can still tear
    // it (the crash tests kill mid-line), which `reconcile_metrics` repairs on resume.
    let record = format!("{line}\n");
    let (head, tail) = record.as_bytes().split_at(record.len() / 2);
    assistq::fsutil::kill_point();
    if assistq::fsutil::kill_armed() {
        f.write_all(head).map_err(|e| Error::io(path, e))?;
        assistq::fsutil::kill_point();
        f.write_all(tail).map_err(|e| Error::io(path, e))
    } else {
        f.write_all(record.as_bytes())
            .map_err(|e| Error::io(path, e))
    }
}

/// Makes `metrics.jsonl` agree with the checkpoint a run resumes from: one line per epoch the
/// checkpoint completed, in order; no line of a later epoch; none twice; and the checkpoint's own
/// last record when a kill came after it was committed but before its line was written. A torn
/// last line (a kill mid-append) is dropped. Rewritten atomically, only when it changes.
fn reconcile_metrics(path: &Path, state: &TrainState) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(path, e)),
    };
    let epoch_of = |v: &serde_json::Value| v["epoch"].as_u64().map(|e| e as usize);
    let mut kept: Vec<(usize, String)> = Vec::new();
    for line in text.lines() {
        let Some(epoch) = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .as_ref()
            .and_then(epoch_of)
        else {
            continue;
        };
        if epoch < state.epoch && !kept.iter().any(|(e, _)| *e == epoch) {
            kept.push((epoch, line.to_string()));
        }
    }
    if let Some(record) = &state.metrics {
        if let Some(epoch) = epoch_of(record) {
            if epoch + 1 == state.epoch && !kept.iter().any(|(e, _)| *e == epoch) {
                kept.push((epoch, record.to_string()));
            }
        }
    }
    kept.sort_by_key(|(e, _)| *e);
    let rebuilt: String = kept.iter().map(|(_, l)| format!("{l}\n")).collect();
    if rebuilt != text {
        assistq::fsutil::write_atomic(path, rebuilt.as_bytes()).map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

pub fn train(
    cfg: &Config,
    device: &Device,
    opts: &TrainOptions,
    sink: &dyn ProgressSink,
) -> Result<TrainSummary> {
    cfg.validate("of the run")?;
    if cfg.dataset.train.is_empty() {
        return Err(Error::config(
            "DATASET.TRAIN",
            "is empty: point it at an encoded-features root",
        ));
    }
    infer::require_folder("DATASET.TRAIN", Path::new(&cfg.dataset.train))?;
    let train_ds = Dataset::load(
        Path::new(&cfg.dataset.train),
        cfg.input.dim,
        cfg.input.num_masks,
    )?;
    if !train_ds.has_labels() {
        return Err(Error::Data(format!(
            "DATASET.TRAIN {}: some QAs have no `correct` labels",
            cfg.dataset.train
        )));
    }
    let bs = cfg.solver.batch_size;
    let batches = train_ds.len() / bs;
    if batches == 0 {
        return Err(Error::config(
            "SOLVER.BATCH_SIZE",
            format!(
                "{bs} is more than the {} QA samples of DATASET.TRAIN (incomplete batches are dropped, as in the reference)",
                train_ds.len()
            ),
        ));
    }
    let val_ds = if cfg.dataset.val.is_empty() {
        None
    } else {
        Some(infer::load_val(cfg)?)
    };

    let out = cfg.output_dir();
    if out.exists() {
        infer::require_folder("OUTPUT_DIR", &out)?;
    }
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    let last_path = out.join(LAST);
    let best_path = out.join(BEST);
    let metrics_path = out.join(METRICS);
    // What a killed process may have left: temp files of interrupted writes, and (from runs
    // older than the checkpoint-then-metrics order) metrics of a run that never committed a
    // checkpoint, which can only be started again.
    assistq::fsutil::remove_stale_temps(&out);
    if !opts.resume && !last_path.exists() && metrics_path.exists() {
        std::fs::remove_file(&metrics_path).map_err(|e| Error::io(&metrics_path, e))?;
    }
    if !opts.resume && (last_path.exists() || metrics_path.exists()) {
        return Err(Error::config(
            "OUTPUT_DIR",
            format!("{} already holds a run; pass --resume to continue it, or choose another OUTPUT_DIR", out.display()),
        ));
    }

    let varmap = VarMap::new();
    let mut state = TrainState::default();
    let mut optimizer_state = Vec::new();
    let start_from = if opts.resume {
        if !last_path.exists() {
            return Err(Error::checkpoint(
                &last_path,
                "nothing to resume: no such file",
            ));
        }
        Some(last_path.clone())
    } else if !cfg.ckpt.is_empty() {
        Some(PathBuf::from(&cfg.ckpt))
    } else {
        None
    };
    if let Some(path) = &start_from {
        let init_state =
            (!cfg.model.init_state.is_empty()).then(|| Path::new(&cfg.model.init_state));
        infer::require_checkpoint_files(path, init_state)?;
        let ckpt = checkpoint::load(path, init_state)?;
        if let Some(stored) = &ckpt.config {
            let diff = checkpoint::architecture_mismatches(stored, cfg);
            if !diff.is_empty() {
                return Err(Error::checkpoint(
                    path,
                    format!("does not fit the config: {}", diff.join("; ")),
                ));
            }
        }
        {
            let mut vars = varmap.data().lock().expect("varmap lock");
            for (name, t) in ckpt.params {
                vars.insert(name, Var::from_tensor(&t.to_device(device)?)?);
            }
        }
        if opts.resume {
            state = ckpt.train_state;
            optimizer_state = ckpt.optimizer.into_iter().collect();
            reconcile_metrics(&metrics_path, &state)?;
        }
    }
    let vb = SeededInit::var_builder(&varmap, cfg.seed, device);
    let model = Q2a::new(cfg, vb)?;
    let params: Vec<(String, Var)> = {
        let vars = varmap.data().lock().expect("varmap lock");
        vars.iter()
            .filter(|(name, _)| cfg.model.learn_state || name.as_str() != "state")
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect()
    };
    let mut opt = Optimizer::new(params, &cfg.solver);
    opt.load_state(
        optimizer_state
            .into_iter()
            .map(|(n, t)| Ok((n, t.to_device(device)?)))
            .collect::<Result<Vec<_>>>()?,
    )?;
    assistq::fsutil::write_atomic(&out.join("config.yaml"), cfg.to_yaml().as_bytes())
        .map_err(|e| Error::io(out.join("config.yaml"), e))?;

    sink.event(&TrainEvent::Started {
        epochs: cfg.solver.max_epochs,
        batches_per_epoch: batches,
        start_epoch: state.epoch,
        samples: train_ds.len(),
        device: format!("{device:?}"),
    });
    let better = |new: f64, old: f64| match cfg.solver.monitor_mode {
        MonitorMode::Min => new < old,
        MonitorMode::Max => new > old,
    };
    let mut records = Vec::new();
    let s = &cfg.solver;
    while state.epoch < s.max_epochs {
        let epoch = state.epoch;
        let lr = match s.scheduler {
            SchedulerKind::WarmupCosine => lr_at_epoch(
                epoch,
                s.lr,
                s.warmup_epochs,
                s.max_epochs,
                s.lr * s.warmup_start_factor,
                s.eta_min,
            ),
            SchedulerKind::Constant => s.lr,
        };
        opt.set_lr(lr);
        let order = epoch_order(train_ds.len(), cfg.seed, epoch);
        let started = Instant::now();
        let (mut loss_sum, mut done) = (0.0, 0usize);
        for bi in state.batch..batches {
            if opts.stop.load(Ordering::SeqCst) {
                state.batch = bi;
                checkpoint::save(&last_path, &varmap, cfg, &state, &opt.state()?)?;
                sink.event(&TrainEvent::Stopped {
                    epoch,
                    batch: bi,
                    checkpoint: last_path.display().to_string(),
                });
                return Ok(TrainSummary {
                    output_dir: out,
                    last: last_path,
                    best: best_path.exists().then_some(best_path),
                    best_value: state.best.map(|b| b.0),
                    records,
                    stopped: true,
                });
            }
            let refs: Vec<SampleRef> = order[bi * bs..(bi + 1) * bs]
                .iter()
                .map(|&i| train_ds.samples[i])
                .collect();
            let batch = Batch::new(&train_ds, &refs, device)?;
            let loss = model.loss(&batch, cfg.model.history.train)?;
            let loss_value = loss.to_scalar::<f32>()? as f64;
            if !loss_value.is_finite() {
                return Err(Error::Data(format!(
                    "the loss became {loss_value} at epoch {epoch}, batch {bi}; lower SOLVER.LR"
                )));
            }
            opt.step(&loss.backward()?)?;
            loss_sum += loss_value;
            done += 1;
            sink.event(&TrainEvent::Batch {
                epoch,
                batch: bi + 1,
                batches,
                loss: loss_value,
                lr,
            });
        }
        let seconds = started.elapsed().as_secs_f64();
        state.epoch += 1;
        state.batch = 0;
        let mut record = EpochRecord {
            epoch,
            lr,
            train_loss: if done > 0 {
                loss_sum / done as f64
            } else {
                f64::NAN
            },
            batches: done,
            samples_per_sec: (done * bs) as f64 / seconds.max(1e-9),
            seconds,
            val: None,
            submission: None,
            best: false,
        };
        let validate = cfg.check_val_every_n_epoch > 0
            && (state.epoch % cfg.check_val_every_n_epoch == 0 || state.epoch == s.max_epochs);
        if let (Some(val), true) = (&val_ds, validate) {
            let submission = infer::predict(&model, val, cfg.model.history.val, bs, device)?;
            match infer::evaluate(val, &submission)? {
                Some(m) => {
                    let value = monitored(&m, &s.monitor);
                    if state.best.is_none_or(|(b, _)| better(value, b)) {
                        state.best = Some((value, epoch));
                        record.best = true;
                    }
                    record.val = Some(m);
                }
                None => {
                    // The reference's behaviour without labels: write the submission instead.
                    let path = out.join(format!("submit_test_{epoch}e.json"));
                    submission.write(&path)?;
                    record.submission = Some(path.display().to_string());
                }
            }
        }
        state.metrics = Some(serde_json::to_value(&record).expect("record json"));
        // Crash-consistent order: the best checkpoint before the last one that names it, the
        // last checkpoint before the metrics line; a kill between any two leaves files that
        // resume (`reconcile_metrics` restores the line from the checkpoint).
        if record.best {
            checkpoint::save(&best_path, &varmap, cfg, &state, &[])?;
            sink.event(&TrainEvent::Checkpoint {
                path: best_path.display().to_string(),
                best: true,
            });
        }
        checkpoint::save(&last_path, &varmap, cfg, &state, &opt.state()?)?;
        sink.event(&TrainEvent::Checkpoint {
            path: last_path.display().to_string(),
            best: false,
        });
        append_line(
            &metrics_path,
            &serde_json::to_string(&record).expect("record json"),
        )?;
        sink.event(&TrainEvent::Epoch(record.clone()));
        records.push(record);
    }
    Ok(TrainSummary {
        output_dir: out,
        last: last_path,
        best: best_path.exists().then_some(best_path),
        best_value: state.best.map(|b| b.0),
        records,
        stopped: false,
    })
}
