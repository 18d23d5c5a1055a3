//! `pressnext bench-accuracy`: the end-to-end accuracy benchmark. Synthetic tutorials
//! (`pressnext synth`) -> encode with the real weights -> train each system -> score the test split
//! -> `docs/BENCHMARKS.md` with the exact commands, the dataset size, the metrics of every system
//! (the trained ones, the baselines and the tutorial timeline with no learning), the free-question
//! protocol's table, where the best one fails (by step, by appliance kind, by action), and both
//! protocols on a shifted test set (another seed, kinds the fused model was trained without).
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
    /// Kinds of appliance the shifted test set is made of; the fused model scored on it is
    /// trained without them (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = SHIFT_KINDS)]
    shift_kinds: Vec<String>,
    /// Seed of the shifted test set (other than --seed).
    #[arg(long, default_value_t = 7)]
    shift_seed: u64,
    /// Appliances in the shifted test set.
    #[arg(long, default_value_t = 9)]
    shift_appliances: usize,
    /// Skip the shifted test set.
    #[arg(long)]
    no_shift: bool,
    /// Seed of the harder held-out set on which tutorial grounding is also measured (`pressnext
    /// synth --harder`, every appliance in `test/`; other than --seed and never tuned on).
    #[arg(long, default_value_t = 2023)]
    harder_seed: u64,
    /// Appliances in the harder held-out set.
    #[arg(long, default_value_t = 10)]
    harder_appliances: usize,
    /// Skip the harder held-out set.
    #[arg(long)]
    no_harder: bool,
}

/// The default kinds of the shifted test set: three whose controls and words differ most from
/// the rest (volumes and cup sizes, copies and colour, wash programmes on a door panel).
pub const SHIFT_KINDS: &str = "coffeemachine,printer,dishwasher";

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
        config: FUSED_CONFIG,
    },
];

/// The fused system's config: the one also scored on the shifted test set.
const FUSED_CONFIG: &str = "configs/q2a_grounded.yaml";

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
    let shift_data = if args.no_shift {
        None
    } else {
        Some(generate_shift(&args)?)
    };
    // Encode every split (resumable: folders already encoded with the same settings are
    // skipped), then ground them: the timelines and the evidence of every listed candidate
    // (MODEL.ARCH q2a_grounded), next to the features (resumable, as `pressnext ground --data`).
    let root = args
        .models
        .clone()
        .unwrap_or_else(encoders::models::default_root);
    let encoded = args.work.join("encoded");
    let shift_encoded = args.work.join("shift").join("encoded").join("test");
    let mut splits = vec![
        (data.clone(), "train", "train.json", encoded.join("train")),
        (
            data.clone(),
            "test",
            "test_with_gt.json",
            encoded.join("test"),
        ),
    ];
    if let Some(shift) = &shift_data {
        splits.push((
            shift.clone(),
            "test",
            "test_with_gt.json",
            shift_encoded.clone(),
        ));
    }
    let encoders = Encoders::load(&root, &device)?;
    for (data, split, label, out) in &splits {
        eprintln!("encoding {} ...", out.display());
        let opts = EncodeOptions {
            data_root: data.clone(),
            split: split.to_string(),
            label: label.into(),
            out: out.clone(),
            fps: 1.0,
            button_view: args.button_view,
        };
        let summary = encode_dataset(&encoders, &opts, &encoders_quiet())?;
        if !summary.failed.is_empty() {
            bail!("encoding {} failed for {:?}", out.display(), summary.failed);
        }
    }
    drop(encoders);
    for (data, split, label, out) in &splits {
        eprintln!("grounding {} ...", out.display());
        let status = crate::ground::ground_split_logged(
            data,
            split,
            label,
            out,
            Some(root.clone()),
            false,
            &|line| eprintln!("  {line}"),
        )?;
        if status != ExitCode::SUCCESS {
            bail!(
                "grounding {} failed for some folders (see above)",
                out.display()
            );
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
    let mut fused = None;
    for system in TRAINED {
        let stem = Path::new(system.config)
            .file_stem()
            .expect("config file name")
            .to_string_lossy()
            .into_owned();
        let (cfg, last) = train_system(
            &args,
            &device,
            system,
            &train_root,
            &test_root,
            nm,
            &args.work.join("runs").join(&stem),
        )?;
        let predictor = q2a::infer::Predictor::load(&cfg, &last, &device)?;
        let submission = predictor.predict(&test)?;
        submission.write(&args.work.join("runs").join(&stem).join("submission.json"))?;
        scored.push(score(system.name, system.what, &test, &submission)?);
        if system.config == FUSED_CONFIG {
            fused = Some(predictor);
        }
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
    let shifted = match &shift_data {
        Some(shift_data) => Some(shifted(
            &args,
            &device,
            &root,
            shift_data,
            &shift_encoded,
            &train_root,
            nm,
            fused
                .as_ref()
                .context("the fused system is not in the table")?,
        )?),
        None => None,
    };
    let mut report = report(&args, commandline, &data, &train, &test, &scored, &answers);
    if let Some(shifted) = &shifted {
        report.push_str(&shifted.markdown(&args));
    }
    report.push_str(&grounding_section(&args, &root, &data)?);
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
    let mut opts = ::synth::SynthOptions::new("", args.appliances, args.seed);
    generate_once(
        &args.work,
        &[args.work.join("data"), args.work.join("encoded")],
        serde_json::json!({"appliances": args.appliances, "seed": args.seed}),
        &format!("{} appliances (seed {})", args.appliances, args.seed),
        &mut opts,
    )
}

/// `folder/data`, generated with `opts` unless `folder/data.json` records `want` and the data is
/// complete; otherwise `stale` (the data and what was made from it) is cleared first.
fn generate_once(
    folder: &Path,
    stale: &[PathBuf],
    want: serde_json::Value,
    what: &str,
    opts: &mut ::synth::SynthOptions,
) -> Result<PathBuf> {
    let data = folder.join("data");
    let stamp = folder.join("data.json");
    let have: Option<serde_json::Value> = std::fs::read_to_string(&stamp)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    if have.as_ref() == Some(&want) && data.join("test_with_gt.json").exists() {
        return Ok(data);
    }
    for stale in stale {
        if stale.exists() {
            std::fs::remove_dir_all(stale)
                .with_context(|| format!("cannot clear {}", stale.display()))?;
        }
    }
    eprintln!("generating {what} into {} ...", data.display());
    opts.out = data.clone();
    ::synth::generate(opts, &::synth::NoProgress)?;
    assistq::fsutil::write_atomic(&stamp, want.to_string().as_bytes())?;
    Ok(data)
}

/// Trains `system` on `train_root` into `run_dir` (cleared first) with the benchmark's data,
/// device and epochs; returns its config and last checkpoint.
fn train_system(
    args: &AccuracyArgs,
    device: &candle_core::Device,
    system: &Trained,
    train_root: &Path,
    val_root: &Path,
    num_masks: usize,
    run_dir: &Path,
) -> Result<(Config, PathBuf)> {
    eprintln!(
        "training: {} ({}) on {}",
        system.name,
        system.config,
        train_root.display()
    );
    if run_dir.exists() {
        std::fs::remove_dir_all(run_dir)
            .with_context(|| format!("cannot clear {}", run_dir.display()))?;
    }
    let mut cfg = Config::load(Path::new(system.config), &[])?;
    cfg.dataset.train = train_root.display().to_string();
    cfg.dataset.val = val_root.display().to_string();
    cfg.output_dir = run_dir.display().to_string();
    cfg.input.num_masks = num_masks;
    cfg.device = args.device.clone();
    if let Some(e) = args.epochs {
        cfg.solver.max_epochs = e;
    }
    cfg.validate(system.config)?;
    let summary = q2a::train::train(
        &cfg,
        device,
        &q2a::train::TrainOptions::default(),
        &EpochLines,
    )?;
    Ok((cfg, summary.last))
}

/// `work/shift/data`: every appliance in `test/`, of the shift kinds only, from the shift seed;
/// generated unless it already holds these (`work/shift/data.json`).
fn generate_shift(args: &AccuracyArgs) -> Result<PathBuf> {
    if args.shift_seed == args.seed && args.data.is_none() {
        bail!(
            "--shift-seed {} is the main seed: the shifted set must come from another",
            args.shift_seed
        );
    }
    let work = args.work.join("shift");
    let mut opts = ::synth::SynthOptions::new("", args.shift_appliances, args.shift_seed);
    opts.kinds = args.shift_kinds.clone();
    opts.test_fraction = 1.0;
    generate_once(
        &work,
        std::slice::from_ref(&work),
        serde_json::json!({
            "appliances": args.shift_appliances,
            "seed": args.shift_seed,
            "kinds": args.shift_kinds,
        }),
        &format!(
            "the shifted test set: {} appliances of {} (seed {})",
            args.shift_appliances,
            args.shift_kinds.join(", "),
            args.shift_seed
        ),
        &mut opts,
    )
}

/// `work/harder/data`: the harder generator's appliances, all in `test/`, from the harder seed;
/// generated unless it already holds these (`work/harder/data.json`).
fn generate_harder(args: &AccuracyArgs) -> Result<PathBuf> {
    if args.harder_seed == args.seed && args.data.is_none() {
        bail!(
            "--harder-seed {} is the main seed: the harder set must come from another",
            args.harder_seed
        );
    }
    let work = args.work.join("harder");
    let mut opts = ::synth::SynthOptions::new("", args.harder_appliances, args.harder_seed);
    opts.harder = true;
    opts.test_fraction = 1.0;
    generate_once(
        &work,
        std::slice::from_ref(&work),
        serde_json::json!({
            "appliances": args.harder_appliances,
            "seed": args.harder_seed,
            "harder": true,
        }),
        &format!(
            "the harder held-out set: {} appliances (seed {})",
            args.harder_appliances, args.harder_seed
        ),
        &mut opts,
    )
}

/// The tutorial grounding section: line -> control accuracy per cue and fused, on the main
/// test split and on the harder held-out set (`pressnext bench-grounding` on each).
fn grounding_section(args: &AccuracyArgs, models: &Path, data: &Path) -> Result<String> {
    use std::fmt::Write as _;
    let readers = grounding::Readers::load(models)?;
    let progress = |what: &str| {
        let what = what.to_string();
        move |done: usize, total: usize, folder: &str| {
            eprintln!(
                "grounding benchmark, {what}: [{}/{total}] {folder}",
                done + 1
            )
        }
    };
    let main = match crate::ground::measure(data, "test", &readers, progress("test split")) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("grounding benchmark of the test split skipped: {e:#}");
            None
        }
    };
    let harder = if args.no_harder {
        None
    } else {
        let root = generate_harder(args)?;
        Some(crate::ground::measure(
            &root,
            "test",
            &readers,
            progress("harder set"),
        )?)
    };
    let mut md =
        String::from("\n## Tutorial grounding: which control each script line is about\n\n");
    let _ = writeln!(
        md,
        "`pressnext bench-grounding` (no learning; the same rules and weights as every timeline above): each script line's control from the printed labels alone (OCR vs the line's words), the video alone (the change inside each registered box and the fingertips), the layout words alone (position, colour), and fused; scored against the generator's `synth_truth.json`. Chance is about 1 in 7."
    );
    let mut sets: Vec<(String, &crate::ground::GroundingBench)> = Vec::new();
    if let Some(b) = &main {
        sets.push((format!("test split ({} appliances)", b.appliances), b));
    }
    if let Some(b) = &harder {
        let _ = writeln!(
            md,
            "\nThe harder set: `pressnext synth --out {}/harder/data --appliances {} --seed {} --harder --test-fraction 1` (icon-only keys, one label on two keys, labels far from their key, controls named by function or symbol, sentences naming two controls, the hand from above, a pen instead of a finger, camera shake; docs/synth.md). No rule, threshold or weight was chosen on it.",
            args.work.display(),
            args.harder_appliances,
            args.harder_seed
        );
        sets.push((format!("harder set ({} appliances)", b.appliances), b));
    }
    if sets.is_empty() {
        md.push_str("\nNo set with the generator's truth files was measured.\n");
        return Ok(md);
    }
    md.push('\n');
    let refs: Vec<(&str, &crate::ground::GroundingBench)> =
        sets.iter().map(|(t, b)| (t.as_str(), *b)).collect();
    md.push_str(&crate::ground::GroundingBench::markdown(&refs));
    for (title, b) in &sets {
        let (cue, best) = b.best_single_cue();
        let _ = writeln!(
            md,
            "- {title}: fused {:.3} (target 0.95); best cue alone: {cue} {best:.3} (must stay under 0.85, or the data is too easy).",
            b.fused()
        );
    }
    Ok(md)
}

/// The main training split without the shift kinds' folders: `work/encoded/train-without-shift`,
/// remade from `train_root` each run (copies: the folders are small).
fn train_without(work: &Path, kinds: &[String], train_root: &Path) -> Result<(PathBuf, usize)> {
    let out = work.join("encoded").join("train-without-shift");
    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("cannot clear {}", out.display()))?;
    }
    let mut kept = 0;
    for folder in q2a::features::list_folders(train_root)? {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if kinds.iter().any(|k| k == kind_of(&name)) {
            continue;
        }
        let to = out.join(&name);
        std::fs::create_dir_all(&to).with_context(|| format!("cannot create {}", to.display()))?;
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                std::fs::copy(entry.path(), to.join(entry.file_name()))
                    .with_context(|| format!("cannot copy {}", entry.path().display()))?;
            }
        }
        kept += 1;
    }
    if kept == 0 {
        bail!(
            "no training folder is left without the kinds {}",
            kinds.join(", ")
        );
    }
    Ok((out, kept))
}

/// One row of the shifted table.
struct ShiftRow {
    name: String,
    trained_on: String,
    metrics: Metrics,
    free: Option<crate::answers::FreeScores>,
}

/// The shifted test set's results.
struct Shifted {
    appliances: usize,
    questions: usize,
    steps: usize,
    rows: Vec<ShiftRow>,
}

/// Scores the shifted test set: the fused system trained without its kinds, the main fused
/// model (every kind, the main seed), and the timeline with no learning.
#[allow(clippy::too_many_arguments)]
fn shifted(
    args: &AccuracyArgs,
    device: &candle_core::Device,
    models_root: &Path,
    shift_data: &Path,
    shift_encoded: &Path,
    train_root: &Path,
    num_masks: usize,
    main_fused: &q2a::infer::Predictor,
) -> Result<Shifted> {
    let (_, test) = crate::commands::load_encoded(shift_encoded)?;
    let system = TRAINED
        .iter()
        .find(|t| t.config == FUSED_CONFIG)
        .expect("the fused system is listed");
    let (without, kept) = train_without(&args.work, &args.shift_kinds, train_root)?;
    let (cfg, last) = train_system(
        args,
        device,
        system,
        &without,
        shift_encoded,
        num_masks,
        &args
            .work
            .join("runs")
            .join("q2a_grounded_without_shift_kinds"),
    )?;
    let own = q2a::infer::Predictor::load(&cfg, &last, device)?.predict(&test)?;
    let kinds = args.shift_kinds.join(", ");
    let mut rows = vec![
        ShiftRow {
            name: system.name.into(),
            trained_on: format!("{kept} train appliances of the main set without {kinds}"),
            metrics: score(system.name, "", &test, &own)?.metrics,
            free: None,
        },
        ShiftRow {
            name: system.name.into(),
            trained_on: "the main model: every train appliance, every kind, the main seed".into(),
            metrics: score(system.name, "", &test, &main_fused.predict(&test)?)?.metrics,
            free: None,
        },
    ];
    eprintln!("answering the shifted test set from its timelines ...");
    let answers = crate::answers::evaluate(
        shift_data,
        "test",
        "test_with_gt.json",
        &args.work.join("shift").join("timelines").join("test"),
        models_root,
        false,
        &|m| eprintln!("{m}"),
    )?;
    for system in answers.systems {
        rows.push(ShiftRow {
            name: system.name.into(),
            trained_on: "nothing (rules)".into(),
            metrics: system.assistq,
            free: Some(system.free),
        });
    }
    Ok(Shifted {
        appliances: test.folders.len(),
        questions: test.len(),
        steps: test
            .folders
            .iter()
            .flat_map(|f| f.qas.iter())
            .map(|q| q.steps.len())
            .sum(),
        rows,
    })
}

impl Shifted {
    fn markdown(&self, args: &AccuracyArgs) -> String {
        let mut md = String::new();
        let kinds = args.shift_kinds.join(", ");
        let _ = writeln!(
            md,
            "\n## Another seed and other kinds\n\n`pressnext synth --out {}/shift/data --appliances {} --seed {} --kinds {} --test-fraction 1`: {} appliances, {} questions, {} steps, all in `test/`, encoded and grounded as above. The fused system is trained again without any appliance of these kinds; no rule or threshold of the timeline was chosen on this set. Free questions are answered from the timeline (a trained model ranks the listed candidates only), so the trained rows have no free-question figures.\n",
            args.work.display(),
            args.shift_appliances,
            args.shift_seed,
            args.shift_kinds.join(","),
            self.appliances,
            self.questions,
            self.steps
        );
        let _ = writeln!(
            md,
            "| system | trained on | R@1 | R@3 | MR | MRR | step accuracy | task success | unrelated said \"not covered\" | covered said \"not covered\" |"
        );
        let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
        for r in &self.rows {
            let m = &r.metrics;
            let free = match &r.free {
                Some(f) => format!(
                    "{:.3} | {:.3} | {:.3} of {} | {:.3}",
                    f.step_accuracy,
                    f.task_success,
                    f.unrelated_said_not_covered,
                    f.unrelated,
                    f.covered_said_not_covered
                ),
                None => "- | - | - | -".into(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {:.4} | {:.4} | {:.3} | {:.4} | {free} |",
                r.name, r.trained_on, m.recall_at_1, m.recall_at_3, m.mean_rank, m.mrr
            );
        }
        let _ = writeln!(md, "\nKinds held out: {kinds}.");
        md
    }
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
    let _ = writeln!(md, "5. `pressnext infer` with the **last** checkpoint (never selected on the test split) and the metrics of `pressnext eval` on test; `pressnext baseline --kind random|text` for the baselines;");
    let _ = writeln!(
        md,
        "6. `pressnext bench-grounding` of test and of a harder held-out set (the last section).\n"
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_training_split_without_the_shift_kinds_keeps_every_other_folder_whole() {
        let dir = tempfile::tempdir().unwrap();
        let train = dir.path().join("encoded").join("train");
        for (folder, files) in [
            ("kettle_a1", &["qa.json", "video.safetensors"][..]),
            ("printer_b2", &["qa.json"][..]),
            ("washingmachine_c3", &["qa.json", "timeline.json"][..]),
        ] {
            std::fs::create_dir_all(train.join(folder)).unwrap();
            for f in files {
                std::fs::write(train.join(folder).join(f), format!("{folder}/{f}")).unwrap();
            }
        }
        let kinds = vec!["printer".to_string(), "kettle".to_string()];
        let (out, kept) = train_without(dir.path(), &kinds, &train).unwrap();
        assert_eq!(kept, 1);
        let names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["washingmachine_c3"]);
        assert_eq!(
            std::fs::read_to_string(out.join("washingmachine_c3").join("timeline.json")).unwrap(),
            "washingmachine_c3/timeline.json"
        );
        // Made again from scratch each time; every kind held out leaves nothing to train on.
        let all = vec!["printer".into(), "kettle".into(), "washingmachine".into()];
        let err = train_without(dir.path(), &all, &train)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no training folder"), "{err}");
    }
}
