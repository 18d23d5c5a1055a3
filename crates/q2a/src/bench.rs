//! Throughput benchmark of the engine: training QA samples per second (forward, backward and an
//! SGD step over batches) and inference latency per QA, on encoded features of realistic size.
//! `scripts/bench_vs_pytorch.sh` runs the same workload through the PyTorch reference.

use std::time::Instant;

use candle_core::Device;
use candle_nn::VarMap;
use serde::Serialize;

use crate::batch::Batch;
use crate::config::Config;
use crate::dataset::{Dataset, SampleRef};
use crate::error::{Error, Result};
use crate::init::SeededInit;
use crate::model::Q2a;
use crate::optim::Sgd;
use crate::train::epoch_order;

#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    #[serde(rename = "impl")]
    pub implementation: String,
    pub device: String,
    pub dim: usize,
    pub batch: usize,
    pub train_samples_per_sec: f64,
    pub infer_ms_per_qa: f64,
    pub infer_ms_per_qa_batch1: f64,
    /// The kernel of the CPU matrix products (`blas::describe`).
    pub matmul: String,
}

/// Runs `warmup` then `train_batches` training batches and `infer_batches` inference batches of
/// `cfg.solver.batch_size` samples.
pub fn run(
    cfg: &Config,
    ds: &Dataset,
    device: &Device,
    train_batches: usize,
    infer_batches: usize,
) -> Result<BenchResult> {
    let bs = cfg.solver.batch_size;
    if ds.len() < bs {
        return Err(Error::Data(format!(
            "the benchmark needs at least {bs} samples, the data has {}",
            ds.len()
        )));
    }
    let varmap = VarMap::new();
    let model = Q2a::new(cfg, SeededInit::var_builder(&varmap, cfg.seed, device))?;
    let params = varmap
        .data()
        .lock()
        .expect("varmap lock")
        .iter()
        .filter(|(n, _)| n.as_str() != "state")
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let mut opt = Sgd::new(
        params,
        cfg.solver.lr,
        cfg.solver.momentum,
        cfg.solver.weight_decay,
    );
    let order = epoch_order(ds.len(), cfg.seed, 0);
    let batch_refs = |i: usize, size: usize| -> Vec<SampleRef> {
        (0..size)
            .map(|j| ds.samples[order[(i * size + j) % order.len()]])
            .collect()
    };

    let mut train_step = |i: usize| -> Result<()> {
        let batch = Batch::new(ds, &batch_refs(i, bs), device)?;
        let loss = model.loss(&batch, cfg.model.history.train)?;
        opt.step(&loss.backward()?)?;
        Ok(())
    };
    train_step(0)?;
    let t = Instant::now();
    for i in 1..=train_batches {
        train_step(i)?;
    }
    let train_samples_per_sec = (train_batches * bs) as f64 / t.elapsed().as_secs_f64();

    let infer = |i: usize, size: usize| -> Result<()> {
        let batch = Batch::new(ds, &batch_refs(i, size), device)?;
        model.scores(&batch, cfg.model.history.val)?;
        Ok(())
    };
    infer(0, bs)?;
    let t = Instant::now();
    for i in 1..=infer_batches {
        infer(i, bs)?;
    }
    let infer_ms_per_qa = t.elapsed().as_secs_f64() * 1e3 / (infer_batches * bs) as f64;
    let t = Instant::now();
    let single = infer_batches * 4;
    for i in 0..single {
        infer(i, 1)?;
    }
    let infer_ms_per_qa_batch1 = t.elapsed().as_secs_f64() * 1e3 / single as f64;
    Ok(BenchResult {
        implementation: "pressnext".into(),
        device: format!("{device:?}"),
        dim: cfg.input.dim,
        batch: bs,
        train_samples_per_sec,
        infer_ms_per_qa,
        infer_ms_per_qa_batch1,
        matmul: blas::describe(),
    })
}
