//! `pressnext bench-accuracy`: the end-to-end accuracy benchmark. Synthetic tutorials
//! (`pressnext synth`) -> encode with the real weights -> train each system -> score the test split
//! -> `docs/BENCHMARKS.md` with the exact commands, the dataset size, the metrics of every system
//! (the trained ones, the baselines and the tutorial timeline with no learning), the free-question
//! protocol's table, and where the best one fails (by step, by appliance kind, by action).
//!
//! Every trained system is scored with its *last* checkpoint after a fixed number of epochs, not
//! the best one on the test split, so no number is selected on the data it reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use assistq::metrics::{Metrics, MetricsAccumulator};
use assistq::submission::Submission;
use encoders::encode::{encode_dataset, ButtonView, EncodeOptions, Encoders};
use q2a::config::Config;
use q2a::dataset::Dataset;

#[derive(clap::Args)]
pub struct AccuracyArgs {
    /// Working folder: data/, encoded/, runs/ go here (reused: generation and encoding resume).
    #[arg(long, default_value = "bench/accuracy")]
    work: PathBuf,
    /// Appliances to generate (split by appliance into train and test).
    #[arg(long, default_value_t = 32)]
    appliances: usize,
    #[arg(long, default_value_t = 2022)]
    seed: u64,
    /// Use this AssistQ-format dataset instead of generating one.
    #[arg(long)]
    data: Option<PathBuf>,
    /// The report to write.
    #[arg(long, default_value = "docs/BENCHMARKS.md")]
    doc: PathBuf,
    /// Training epochs of every trained system (overrides the configs' SOLVER.MAX_EPOCHS).
    #[arg(long)]
    epochs: Option<usize>,
    /// How buttons are shown to the image encoder (INPUT.BUTTON_VIEW): mask or crop.
    #[arg(long, default_value = "crop")]
    button_view: ButtonView,
    #[arg(long)]
    models: Option<PathBuf>,
    #[arg(long, default_value = "auto")]
    device: String,
}

/// A trained system: a config file; the benchmark sets the data, output, device and epochs.
struct Trained {
    name: &'static str,
    what: &'static str,
    config: &'static str,
}

const TRAINED: &[Trained] = &[
    Trained {
        name: "Q2A, reference config",
        what: "the reference recipe (GRU history, 2-layer MLPs, SGD 0.002 with warm-up + cosine, 6 epochs) on our 384-d encoders",
        config: "configs/q2a_minilm_dinov2s.yaml",
    },
    Trained {
        name: "Q2A, best config",
        what: "configs/q2a_best.yaml: the reference model with INPUT.NORM l2 (unit-length inputs) and Adam at a constant 1e-3 for 20 epochs",
        config: "configs/q2a_best.yaml",
    },
    Trained {
        name: "Q2A function-centric (2022 winner)",
        what: "MODEL.ARCH q2a_function: TF-IDF question-to-paragraph weights, paragraph-pooled video and text, Adam, no scheduler",
        config: "configs/q2a_function_minilm_dinov2s.yaml",
    },
    Trained {
        name: "Q2A grounded (fused with the timeline)",
        what: "configs/q2a_grounded.yaml: MODEL.ARCH q2a_grounded, the best config's Q2A plus an MLP over each candidate's grounding evidence (grounding::evidence: the timeline's control probability and action agreement in the three best parts of the tutorial and in the best part with as many steps as the question, their scores, the cue votes, whether the question names the candidate's value), added to Q2A's score",
        config: "configs/q2a_grounded.yaml",
    },
];

struct Scored {
    name: String,
    what: String,
    metrics: Metrics,
    /// Per test step: (folder, 1-based step, candidates, rank of the right answer, right answer).
    steps: Vec<(String, usize, usize, usize, String)>,
}

pub fn run(args: AccuracyArgs, commandline: &str) -> Result<ExitCode> {
    let (device, line) = q2a::device::select(&args.device)?;
    eprintln!("{line}");
    std::fs::create_dir_all(&args.work)
        .with_context(|| format!("cannot create {}", args.work.display()))?;
    let data = match &args.data {
        Some(d) => d.clone(),
        None => generate(&args)?,
    };
    // Encode both splits (resumable: folders already encoded with the same settings are skipped).
    let root = args
        .models
        .clone()
        .unwrap_or_else(encoders::models::default_root);
    let encoders = Encoders::load(&root, &device)?;
    let encoded = args.work.join("encoded");
    for (split, label) in [("train", "train.json"), ("test", "test_with_gt.json")] {
        eprintln!("encoding {split} ...");
        let opts = EncodeOptions {
            data_root: data.clone(),
            split: split.into(),
            label: label.into(),
            out: encoded.join(split),
            fps: 1.0,
            button_view: args.button_view,
        };
        let summary = encode_dataset(&encoders, &opts, &encoders_quiet())?;
        if !summary.failed.is_empty() {
            bail!("encoding {split} failed for {:?}", summary.failed);
        }
    }
    drop(encoders);
    // The timelines and the evidence of every listed candidate (MODEL.ARCH q2a_grounded),
    // next to the features (resumable, as `pressnext ground --data` does it).
    for (split, label) in [("train", "train.json"), ("test", "test_with_gt.json")] {
        eprintln!("grounding {split} ...");
        let status = crate::ground::ground_split_logged(
            &data,
            split,
            label,
            &encoded.join(split),
            Some(root.clone()),
            false,
            &|line| eprintln!("  {line}"),
        )?;
        if status != ExitCode::SUCCESS {
            bail!("grounding {split} failed for some folders (see above)");
        }
    }
    let train_root = encoded.join("train");
    let test_root = encoded.join("test");
    let (nm, test) = crate::commands::load_encoded(&test_root)?;
    let (_, train) = crate::commands::load_encoded(&train_root)?;

    let mut scored = Vec::new();
    scored.push(score(
        "Random ranking",
        "uniform random scores (seed 0)",
        &test,
        &q2a::baseline::random(&test, 0),
    )?);
    scored.push(score(
        "Text-only similarity",
        "cosine between the question's and each candidate answer's MiniLM feature",
        &test,
        &q2a::baseline::text_similarity(&test)?,
    )?);
    for system in TRAINED {
        eprintln!("training: {} ({})", system.name, system.config);
        let run_dir = args.work.join("runs").join(
            Path::new(system.config)
                .file_stem()
                .expect("config file name"),
        );
        if run_dir.exists() {
            std::fs::remove_dir_all(&run_dir)
                .with_context(|| format!("cannot clear {}", run_dir.display()))?;
        }
        let mut cfg = Config::load(Path::new(system.config), &[])?;
        cfg.dataset.train = train_root.display().to_string();
        cfg.dataset.val = test_root.display().to_string();
        cfg.output_dir = run_dir.display().to_string();
        cfg.input.num_masks = nm;
        cfg.device = args.device.clone();
        if let Some(e) = args.epochs {
            cfg.solver.max_epochs = e;
        }
        cfg.validate(system.config)?;
        let summary = q2a::train::train(
            &cfg,
            &device,
            &q2a::train::TrainOptions::default(),
            &EpochLines,
        )?;
        let submission =
            q2a::infer::Predictor::load(&cfg, &summary.last, &device)?.predict(&test)?;
        submission.write(&run_dir.join("submission.json"))?;
        scored.push(score(system.name, system.what, &test, &submission)?);
    }
    // The tutorial timeline, no learning: the same test split under both protocols.
    eprintln!("answering from the tutorial timelines (grounded once, cached) ...");
    let answers = crate::answers::evaluate(
        &data,
        "test",
        "test_with_gt.json",
        &args.work.join("timelines").join("test"),
        &root,
        false,
        &|m| eprintln!("{m}"),
    )?;
    for system in &answers.systems {
        scored.push(score(
            system.name,
            if system.name == crate::answers::TIMELINE {
                "grounding::answer: the part of the tutorial retrieved for the question (BM25 + MiniLM cosine), each candidate scored by the timeline's probability of its control and its action's agreement (docs/grounding.md)"
            } else {
                "the same with BM25 alone"
            },
            &test,
            &system.submission,
        )?);
    }
    let report = report(&args, commandline, &data, &train, &test, &scored, &answers);
    if let Some(parent) = args.doc.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    assistq::fsutil::write_atomic(&args.doc, report.as_bytes())
        .with_context(|| format!("cannot write {}", args.doc.display()))?;
    for s in &scored {
        println!(
            "{:<40} R@1 {:.4}  R@3 {:.4}  MR {:.3}  MRR {:.4}  MRR(N/rank) {:.3}",
            s.name,
            s.metrics.recall_at_1,
            s.metrics.recall_at_3,
            s.metrics.mean_rank,
            s.metrics.mrr,
            s.metrics.mrr_legacy
        );
    }
    println!("report: {}", args.doc.display());
    Ok(ExitCode::SUCCESS)
}

/// `work/data`, generated unless it already holds this size and seed (`work/data.json`); a stale
/// or half-written one is replaced, with the encodings made from it.
fn generate(args: &AccuracyArgs) -> Result<PathBuf> {
    let data = args.work.join("data");
    let stamp = args.work.join("data.json");
    let want = serde_json::json!({"appliances": args.appliances, "seed": args.seed});
    let have: Option<serde_json::Value> = std::fs::read_to_string(&stamp)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    if have.as_ref() == Some(&want) && data.join("test_with_gt.json").exists() {
        return Ok(data);
    }
    for stale in [&data, &args.work.join("encoded")] {
        if stale.exists() {
            std::fs::remove_dir_all(stale)
                .with_context(|| format!("cannot clear {}", stale.display()))?;
        }
    }
    eprintln!(
        "generating {} appliances (seed {}) into {} ...",
        args.appliances,
        args.seed,
        data.display()
    );
    let opts = ::synth::SynthOptions::new(&data, args.appliances, args.seed);
    ::synth::generate(&opts, &::synth::NoProgress)?;
    assistq::fsutil::write_atomic(&stamp, want.to_string().as_bytes())?;
    Ok(data)
}

fn encoders_quiet() -> impl encoders::encode::EncodeSink {
    struct Quiet;
    impl encoders::encode::EncodeSink for Quiet {
        fn event(&self, event: &encoders::encode::EncodeEvent) {
            if let encoders::encode::EncodeEvent::Folder {
                folder, outcome, ..
            } = event
            {
                eprintln!(
                    "  {folder}: {}",
                    serde_json::to_string(outcome).unwrap_or_default()
                );
            }
        }
    }
    Quiet
}

/// One line per epoch on stderr.
struct EpochLines;

impl q2a::progress::ProgressSink for EpochLines {
    fn event(&self, event: &q2a::progress::TrainEvent) {
        if let q2a::progress::TrainEvent::Epoch(r) = event {
            let val = r
                .val
                .as_ref()
                .map(|m| format!(" test R@1 {:.4}", m.recall_at_1))
                .unwrap_or_default();
            eprintln!("  epoch {:>3} loss {:.4}{val}", r.epoch + 1, r.train_loss);
        }
    }
}

/// Metrics and per-step ranks of a submission, in the dataset's order.
fn score(name: &str, what: &str, ds: &Dataset, submission: &Submission) -> Result<Scored> {
    let by_folder: BTreeMap<&str, &Vec<assistq::submission::Prediction>> = submission
        .folders
        .iter()
        .map(|(f, p)| (f.as_str(), p))
        .collect();
    let mut acc = MetricsAccumulator::default();
    let mut steps = Vec::new();
    for folder in &ds.folders {
        let preds = by_folder
            .get(folder.name.as_str())
            .with_context(|| format!("{name}: no predictions for {}", folder.name))?;
        for (qa, pred) in folder.qas.iter().zip(preds.iter()) {
            let correct = qa
                .entry
                .correct
                .as_ref()
                .with_context(|| format!("{}: the test split has no labels", folder.name))?;
            for (k, (scores, &c)) in pred.scores.iter().zip(correct).enumerate() {
                acc.add(scores, c - 1);
                steps.push((
                    folder.name.clone(),
                    k + 1,
                    scores.len(),
                    assistq::metrics::rank(scores, c - 1),
                    qa.entry.answers[k][c - 1].clone(),
                ));
            }
        }
    }
    Ok(Scored {
        name: name.to_string(),
        what: what.to_string(),
        metrics: acc.finish().context("no test steps")?,
        steps,
    })
}

/// The appliance kind of a folder name (`microwave_a1b2` -> `microwave`).
fn kind_of(folder: &str) -> &str {
    folder.rsplit_once('_').map(|(k, _)| k).unwrap_or(folder)
}

/// The action of an answer: its words before the first `<button`.
fn action_of(answer: &str) -> String {
    let head = answer.split("<button").next().unwrap_or(answer).trim();
    let words: Vec<&str> = head.split_whitespace().take(3).collect();
    if words.is_empty() {
        "(button only)".into()
    } else {
        words.join(" ").to_lowercase()
    }
}

fn breakdown<'a>(
    s: &'a Scored,
    key: impl Fn(&'a (String, usize, usize, usize, String)) -> String,
) -> Vec<(String, usize, f64, f64)> {
    let mut groups: BTreeMap<String, (usize, usize, f64)> = BTreeMap::new();
    for step in &s.steps {
        let e = groups.entry(key(step)).or_default();
        e.0 += 1;
        e.1 += usize::from(step.3 == 1);
        e.2 += 1.0 / step.2 as f64;
    }
    groups
        .into_iter()
        .map(|(k, (n, hits, chance))| (k, n, hits as f64 / n as f64, chance / n as f64))
        .collect()
}

fn report(
    args: &AccuracyArgs,
    commandline: &str,
    data: &Path,
    train: &Dataset,
    test: &Dataset,
    scored: &[Scored],
    answers: &crate::answers::AnswerBench,
) -> String {
    let steps = |ds: &Dataset| -> usize {
        ds.folders
            .iter()
            .flat_map(|f| f.qas.iter())
            .map(|q| q.steps.len())
            .sum()
    };
    let frames =
        |ds: &Dataset| -> usize { ds.folders.iter().map(|f| f.video.dim(0).unwrap_or(0)).sum() };
    let mut md = String::new();
    let _ = writeln!(md, "# Accuracy benchmark\n");
    let _ = writeln!(
        md,
        "Written by `{commandline}` (crates/cli/src/accuracy.rs). Do not edit by hand: run it again.\n"
    );
    let _ = writeln!(md, "## What was run\n");
    let _ = writeln!(md, "```sh");
    let _ = writeln!(
        md,
        "bash scripts/setup.sh   # system packages, the pinned encoder weights"
    );
    let _ = writeln!(md, "{commandline}");
    let _ = writeln!(md, "```\n");
    let _ = writeln!(md, "which performs, in `{}`:\n", args.work.display());
    let _ = writeln!(
        md,
        "1. `pressnext synth --out {} --appliances {} --seed {}` (skipped with `--data`);",
        data.display(),
        args.appliances,
        args.seed
    );
    let _ = writeln!(md, "2. `pressnext encode` of `train/` (train.json) and `test/` (test_with_gt.json) with DINOv2 ViT-S/14 + all-MiniLM-L6-v2, 1 fps, `--button-view {}`;", serde_json::to_value(args.button_view).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default());
    let _ = writeln!(md, "3. `pressnext ground --data` of both splits into the encoded folders: the tutorial timelines and the grounding evidence of every listed candidate (for `MODEL.ARCH q2a_grounded`);");
    let _ = writeln!(md, "4. `pressnext train --cfg CONFIG` for each trained system below, on train, for the config's epochs{};", args.epochs.map(|e| format!(" (here {e})")).unwrap_or_default());
    let _ = writeln!(md, "5. `pressnext infer` with the **last** checkpoint (never selected on the test split) and the metrics of `pressnext eval` on test; `pressnext baseline --kind random|text` for the baselines.\n");
    let _ = writeln!(md, "## Dataset\n");
    let _ = writeln!(md, "| split | appliances | questions | steps | candidates per step (mean) | video frames (1 fps) |");
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for (name, ds) in [("train", train), ("test", test)] {
        let cands = ds.candidates_per_step();
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {:.1} | {} |",
            ds.folders.len(),
            ds.len(),
            steps(ds),
            cands.iter().sum::<usize>() as f64 / cands.len().max(1) as f64,
            frames(ds)
        );
    }
    let _ = writeln!(
        md,
        "\n## Results on the test split (appliances never seen in training)\n"
    );
    let _ = writeln!(
        md,
        "| system | R@1 | R@3 | MR | MRR | MRR (legacy, N/rank) |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for s in scored {
        let m = &s.metrics;
        let _ = writeln!(
            md,
            "| {} | {:.4} | {:.4} | {:.3} | {:.4} | {:.3} |",
            s.name, m.recall_at_1, m.recall_at_3, m.mean_rank, m.mrr, m.mrr_legacy
        );
    }
    let _ = writeln!(md, "\nSystems:\n");
    for s in scored {
        let _ = writeln!(md, "- **{}**: {}.", s.name, s.what);
    }
    let _ = writeln!(
        md,
        "\n## Free questions on the test split (docs/metrics.md)\n\nQuestions nobody wrote candidates for (`free_questions.json`), answered from the tutorial timeline: step accuracy (right control and action at step k), task success (the whole sequence right, same length), and how often \"not covered\" is said.\n"
    );
    let _ = writeln!(
        md,
        "| system | questions | steps | step accuracy | task success | unrelated said \"not covered\" | covered said \"not covered\" |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|");
    for s in &answers.systems {
        let f = &s.free;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.3} | {:.3} | {:.3} of {} | {:.3} |",
            s.name,
            f.questions,
            f.steps,
            f.step_accuracy,
            f.task_success,
            f.unrelated_said_not_covered,
            f.unrelated,
            f.covered_said_not_covered
        );
    }
    if let Some(best) = scored
        .iter()
        .skip(2)
        .max_by(|a, b| a.metrics.recall_at_1.total_cmp(&b.metrics.recall_at_1))
    {
        let _ = writeln!(md, "\n## Where {} fails\n", best.name);
        let _ = writeln!(
            md,
            "R@1 per group against chance (mean of 1/candidates) in that group.\n"
        );
        for (title, table) in [
            ("step", breakdown(best, |s| format!("step {}", s.1))),
            (
                "appliance kind",
                breakdown(best, |s| kind_of(&s.0).to_string()),
            ),
            (
                "action of the right answer",
                breakdown(best, |s| action_of(&s.4)),
            ),
        ] {
            let _ = writeln!(md, "| {title} | steps | R@1 | chance |");
            let _ = writeln!(md, "|---|---|---|---|");
            for (k, n, r1, chance) in table {
                let _ = writeln!(md, "| {k} | {n} | {r1:.3} | {chance:.3} |");
            }
            let _ = writeln!(md);
        }
    }
    md
}
