//! The commands that run the libraries and print: `check`, `train`, `infer`, `bench`, and the
//! helpers they share (device choice, metrics and answer printing). No rule lives here: each
//! calls the library function that owns it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use assistq::metrics::Metrics;
use q2a::config::Config;

/// The config file with the user's `KEY VALUE` overrides, then `--device` set on the typed
/// field (so it wins), checked by the same validation training runs.
pub(crate) fn load_config(
    path: &Path,
    overrides: &[String],
    device: Option<&str>,
) -> Result<Config> {
    let mut cfg = Config::load(path, overrides)?;
    if let Some(d) = device {
        cfg.device = d.to_string();
        cfg.validate("--device")?;
    }
    Ok(cfg)
}

/// The chosen device and the verified (re-hashed) encoder weights.
pub(crate) fn installed_models(
    device: &str,
    root: Option<PathBuf>,
) -> Result<(candle_core::Device, encoders::models::ModelPaths)> {
    let (device, line) = q2a::device::select(device)?;
    eprintln!("{line}");
    let root = root.unwrap_or_else(encoders::models::default_root);
    let (paths, _) = encoders::models::ModelPaths::verified(&root)?;
    Ok((device, paths))
}

pub(crate) fn print_embeddings(
    inputs: &[String],
    embeddings: &[Vec<f32>],
    json: bool,
) -> Result<ExitCode> {
    if json {
        let items: Vec<serde_json::Value> = inputs
            .iter()
            .zip(embeddings)
            .map(|(i, e)| serde_json::json!({"input": i, "embedding": e}))
            .collect();
        println!("{}", serde_json::to_string(&items)?);
    } else {
        for (i, e) in inputs.iter().zip(embeddings) {
            let head: Vec<String> = e.iter().take(6).map(|v| format!("{v:.4}")).collect();
            println!("{i}: [{}, ...] ({} dims)", head.join(", "), e.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn check(root: &Path, json: bool) -> Result<ExitCode> {
    if !root.exists() {
        bail!("{}: no such file or folder", root.display());
    }
    let report = media::check_dataset(root);
    let errors = report
        .problems
        .iter()
        .filter(|p| p.severity == assistq::check::Severity::Error)
        .count();
    let warnings = report.problems.len() - errors;
    if json {
        let value = serde_json::json!({
            "folders": report.folders_checked,
            "questions": report.questions_checked,
            "errors": errors,
            "warnings": warnings,
            "problems": report.problems,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for p in &report.problems {
            println!("{p}");
        }
        println!(
            "checked {} folders, {} questions: {errors} errors, {warnings} warnings",
            report.folders_checked, report.questions_checked
        );
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Each question and, per step, the candidate with the highest score (and the right one when it
/// differs and is known).
pub(crate) fn show_answers(
    ds: &q2a::dataset::Dataset,
    submission: &assistq::submission::Submission,
) {
    for (name, preds) in &submission.folders {
        let Some(folder) = ds.folders.iter().find(|f| &f.name == name) else {
            continue;
        };
        for (qa, pred) in folder.qas.iter().zip(preds) {
            println!("{name}: {}", qa.entry.question);
            for (k, scores) in pred.scores.iter().enumerate() {
                let best = (0..scores.len())
                    .max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))
                    .unwrap_or(0);
                let right = qa.entry.correct.as_ref().map(|c| c[k] - 1);
                let mark = match right {
                    Some(r) if r == best => "  (right)".to_string(),
                    Some(r) => format!("  (right: {})", qa.entry.answers[k][r]),
                    None => String::new(),
                };
                println!("  step {}: {}{mark}", k + 1, qa.entry.answers[k][best]);
            }
        }
    }
}

pub(crate) fn print_metrics(m: &Metrics, json: bool) {
    if json {
        println!("{}", serde_json::to_string(m).expect("metrics json"));
        return;
    }
    println!("{:<14} {:>9}", "metric", "value");
    println!("{:<14} {:>9.4}", "R@1", m.recall_at_1);
    println!("{:<14} {:>9.4}", "R@3", m.recall_at_3);
    println!("{:<14} {:>9.4}", "MR", m.mean_rank);
    println!("{:<14} {:>9.4}", "MRR", m.mrr);
    println!("{:<14} {:>9.4}", "MRR(N/rank)", m.mrr_legacy);
    println!("{:<14} {:>9}", "steps", m.steps);
}

pub(crate) fn device(cfg: &Config) -> Result<candle_core::Device> {
    let (device, line) = q2a::device::select(&cfg.device)?;
    eprintln!("{line}");
    Ok(device)
}

pub(crate) fn train(
    cfg_path: &Path,
    resume: bool,
    overrides: &[String],
    device_name: Option<&str>,
) -> Result<ExitCode> {
    let cfg = load_config(cfg_path, overrides, device_name)?;
    let device = device(&cfg)?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                eprintln!("\nstopping now without saving");
                std::process::exit(130);
            }
            eprintln!("\nCtrl-C: saving after this batch (press again to quit at once)");
        })
        .context("cannot install the Ctrl-C handler")?;
    }
    let sink = crate::progress::BarSink::new();
    let opts = q2a::train::TrainOptions { resume, stop };
    let summary = q2a::train::train(&cfg, &device, &opts, &sink)?;
    sink.finish();
    if summary.stopped {
        println!(
            "stopped; resume with: pressnext train --cfg {} --resume{} {}",
            cfg_path.display(),
            device_name
                .map(|d| format!(" --device {d}"))
                .unwrap_or_default(),
            overrides.join(" ")
        );
        return Ok(ExitCode::from(130));
    }
    println!("last checkpoint: {}", summary.last.display());
    if let (Some(best), Some(v)) = (&summary.best, summary.best_value) {
        println!(
            "best checkpoint: {} ({} = {v:.4})",
            best.display(),
            cfg.solver.monitor
        );
    }
    println!(
        "metrics: {}",
        summary.output_dir.join(q2a::train::METRICS).display()
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn infer(
    cfg_path: &Path,
    out: Option<PathBuf>,
    json: bool,
    show: bool,
    overrides: &[String],
    device_name: Option<&str>,
) -> Result<ExitCode> {
    let cfg = load_config(cfg_path, overrides, device_name)?;
    if cfg.ckpt.is_empty() {
        bail!("no checkpoint: pass CKPT PATH (ours .safetensors, or the reference's .pth / .ckpt)");
    }
    let device = device(&cfg)?;
    let predictor = q2a::infer::Predictor::load(&cfg, Path::new(&cfg.ckpt), &device)?;
    let ds = q2a::infer::load_val(&cfg)?;
    let submission = predictor.predict(&ds)?;
    let out = out.unwrap_or_else(|| cfg.output_dir().join("submission.json"));
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("{}", parent.display()))?;
    }
    submission.write(&out)?;
    eprintln!("submission: {} ({} questions)", out.display(), ds.len());
    if show {
        show_answers(&ds, &submission);
    }
    match q2a::infer::evaluate(&ds, &submission)? {
        Some(m) => print_metrics(&m, json),
        None => eprintln!("no labels for this split: metrics not computed"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn bench(
    data: Option<&Path>,
    dims: &[usize],
    batch: usize,
    train_batches: usize,
    infer_batches: usize,
    device_spec: &str,
    json: bool,
) -> Result<ExitCode> {
    let (device, line) = q2a::device::select(device_spec)?;
    eprintln!("{line}");
    let mut results = Vec::new();
    let runs: Vec<(usize, q2a::dataset::Dataset)> = match data {
        Some(root) => vec![load_encoded(root)?],
        None => {
            let mut v = Vec::new();
            for &dim in dims {
                let tmp = tempdir_for_bench(dim)?;
                q2a::synthetic::write(&tmp, &q2a::synthetic::SyntheticSpec::realistic(dim, 12, 7))?;
                v.push((1, q2a::dataset::Dataset::load(&tmp, dim, 1)?));
                std::fs::remove_dir_all(&tmp).ok();
            }
            v
        }
    };
    for (nm, ds) in runs {
        let dim = ds.folders[0].dim()?;
        let overrides: Vec<String> = [
            "INPUT.DIM",
            &dim.to_string(),
            "MODEL.DIM_STATE",
            &dim.to_string(),
            "INPUT.NUM_MASKS",
            &nm.to_string(),
            "SOLVER.BATCH_SIZE",
            &batch.to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let cfg = Config::from_yaml("", &overrides, "bench")?;
        let r = q2a::bench::run(&cfg, &ds, &device, train_batches, infer_batches)?;
        if json {
            println!("{}", with_build(&r)?);
        } else {
            println!(
                "D={:<4} batch={:<3} train {:>8.1} QA/s   infer {:>7.3} ms/QA (batch {}), {:>7.3} ms/QA (batch 1)",
                r.dim, r.batch, r.train_samples_per_sec, r.infer_ms_per_qa, r.batch, r.infer_ms_per_qa_batch1
            );
        }
        results.push(r);
    }
    Ok(ExitCode::SUCCESS)
}

/// An encoded split with its width and button views per candidate read from its first folder.
/// An encoded split and its button vectors per candidate ([`q2a::dataset::Dataset::load_detected`]).
pub(crate) fn load_encoded(root: &Path) -> Result<(usize, q2a::dataset::Dataset)> {
    let (ds, num_masks) = q2a::dataset::Dataset::load_detected(root)?;
    Ok((num_masks, ds))
}

pub(crate) fn tempdir_for_bench(dim: usize) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pressnext-bench-{}-{dim}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `pressnext ocr IMAGE`: every text box of the image, in reading order.
pub(crate) fn ocr_image(
    image: &std::path::Path,
    model: &str,
    models: Option<std::path::PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    let root = models.unwrap_or_else(encoders::models::default_root);
    let set = ocr::ModelSet::parse(model)
        .ok_or_else(|| anyhow::anyhow!("--model {model}: expected v5 or v4"))?;
    let engine = ocr::Ocr::load(&root, set)?;
    let pixels = ocr::read_image(image)?;
    let boxes = engine.read(&pixels)?;
    if json {
        let out = serde_json::json!({
            "image": image.display().to_string(),
            "width": pixels.width(),
            "height": pixels.height(),
            "model": set.name(),
            "boxes": boxes,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for b in &boxes {
            let [x0, y0, x1, y1] = b.quad.bounds();
            println!(
                "{:>5.0} {:>5.0} {:>5.0} {:>5.0}  {:.3}  {}",
                x0, y0, x1, y1, b.confidence, b.text
            );
        }
        if boxes.is_empty() {
            println!("no text found in {}", image.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn hands_in_image(
    image: &std::path::Path,
    models: Option<std::path::PathBuf>,
    json: bool,
) -> Result<ExitCode> {
    let root = models.unwrap_or_else(encoders::models::default_root);
    let finder = hands::HandFinder::load(&root)?;
    let pixels = ocr::read_image(image)?;
    let found = finder.find(&pixels)?;
    if json {
        let hands: Vec<_> = found
            .iter()
            .map(|h| {
                let (x, y) = h.index_tip();
                serde_json::json!({
                    "index_tip": [x, y],
                    "presence": h.presence,
                    "palm_score": h.palm_score,
                    "right": h.right,
                    "landmarks": h.landmarks,
                })
            })
            .collect();
        let out = serde_json::json!({
            "image": image.display().to_string(),
            "width": pixels.width(),
            "height": pixels.height(),
            "hands": hands,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for h in &found {
            let (x, y) = h.index_tip();
            println!(
                "hand: index fingertip at {x:.1},{y:.1} (presence {:.3}, palm {:.3})",
                h.presence, h.palm_score
            );
        }
        if found.is_empty() {
            println!("no hand found in {}", image.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The build this binary is (`dev` or `release`): every benchmark figure says which it is from.
fn build_profile() -> &'static str {
    if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    }
}

/// A benchmark result as one JSON line, with `"build"` added.
pub fn with_build(result: &impl serde::Serialize) -> anyhow::Result<String> {
    let mut v = serde_json::to_value(result)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("build".into(), build_profile().into());
    }
    Ok(serde_json::to_string(&v)?)
}
