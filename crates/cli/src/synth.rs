//! `pressnext synth`: writes a synthetic AssistQ-format dataset (`--out`) or the demo pack
//! (`--demo`); see docs/synth.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Result};
use clap::{ArgGroup, Args};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["out", "demo"])))]
pub struct SynthArgs {
    /// Dataset root to write (new or empty folder): train/, test/, train.json,
    /// test_without_gt.json, test_with_gt.json.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the demo pack (one appliance, its QAs and camera.mp4) into this folder instead.
    #[arg(long)]
    demo: Option<PathBuf>,
    /// Number of appliance instances.
    #[arg(long, default_value_t = 10, allow_negative_numbers = true)]
    appliances: usize,
    /// Same seed, byte-identical output.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    seed: u64,
    /// Share of appliances in the test split.
    #[arg(long, default_value_t = 0.3, allow_negative_numbers = true)]
    test_fraction: f64,
    /// Shortest video, in seconds (20 to 120).
    #[arg(long, default_value_t = 20, allow_negative_numbers = true)]
    min_seconds: u32,
    /// Longest video, in seconds (20 to 120).
    #[arg(long, default_value_t = 60, allow_negative_numbers = true)]
    max_seconds: u32,
    /// Video frame size, WIDTHxHEIGHT.
    #[arg(long, default_value = "640x360")]
    size: String,
    /// Rendering threads (the output does not depend on it).
    #[arg(long)]
    threads: Option<usize>,
    /// Only these appliance kinds, comma-separated (e.g. `printer,kettle`); default every kind.
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
    /// The harder generator: icon-only keys, one label on two keys, labels far from their key,
    /// controls named by function or symbol, two controls in a sentence, the hand from above, a
    /// pen instead of a finger, camera shake (docs/synth.md). Not with --demo.
    #[arg(long, conflicts_with = "demo")]
    harder: bool,
}

pub fn run(args: SynthArgs) -> Result<ExitCode> {
    let started = Instant::now();
    if let Some(demo) = &args.demo {
        let pack = ::synth::demo_pack(demo, args.seed)?;
        let bytes = folder_bytes(&pack.root);
        println!(
            "wrote the demo pack to {} ({:.1} MB): appliance {}, camera.mp4 {} s showing \"{}\" ({:.1} s)",
            pack.root.display(),
            bytes as f64 / 1e6,
            pack.info.folder,
            pack.camera_seconds,
            pack.question,
            started.elapsed().as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let out = args.out.expect("clap requires --out or --demo");
    let Some((w, h)) = args
        .size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
    else {
        bail!("--size {}: expected WIDTHxHEIGHT, e.g. 640x360", args.size);
    };
    let mut opts = ::synth::SynthOptions::new(&out, args.appliances, args.seed);
    opts.test_fraction = args.test_fraction;
    opts.video_seconds = (args.min_seconds, args.max_seconds);
    opts.video_size = (w, h);
    if let Some(t) = args.threads {
        opts.threads = t;
    }
    opts.kinds = args.kinds.clone();
    opts.harder = args.harder;
    let bar = ProgressBar::new(args.appliances as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} appliances  {msg}  [{elapsed_precise}]")
            .expect("progress template"),
    );
    let progress = |event: &::synth::Event| {
        if let ::synth::Event::Appliance { folder, split, .. } = event {
            bar.set_message(format!("{}/{folder}", split.dir_name()));
            bar.inc(1);
        }
    };
    let summary = ::synth::generate(&opts, &progress)?;
    bar.finish_and_clear();
    let train = summary
        .appliances
        .iter()
        .filter(|a| a.split == ::synth::Split::Train)
        .count();
    println!(
        "wrote {} appliances ({train} train, {} test; {} + {} questions, {} s of video, {:.1} MB) to {} in {:.1} s",
        summary.appliances.len(),
        summary.appliances.len() - train,
        summary.questions(::synth::Split::Train),
        summary.questions(::synth::Split::Test),
        summary.appliances.iter().map(|a| a.video_seconds).sum::<u32>(),
        folder_bytes(&out) as f64 / 1e6,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn folder_bytes(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            total += if path.is_dir() {
                folder_bytes(&path)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}
