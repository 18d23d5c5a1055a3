//! `pressnext encode`: the terminal's view of the encode pipeline (a bar over folders with ETA, a
//! line per failed folder and per warning) and the exit status (1 when any folder failed).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::Result;
use encoders::encode::{
    encode_dataset, ButtonView, EncodeEvent, EncodeOptions, EncodeSink, Encoders, FolderOutcome,
};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(clap::Args)]
pub struct EncodeArgs {
    /// Dataset root holding SPLIT/ and the label file.
    #[arg(long)]
    data: PathBuf,
    /// Split folder under the root (train or test).
    #[arg(long, default_value = "train")]
    split: String,
    /// QA JSON naming the folders to encode (relative to the root or a path).
    #[arg(long, default_value = "train.json")]
    label: PathBuf,
    /// Output folder (the encoded-features layout, one sub-folder per appliance).
    #[arg(long)]
    out: PathBuf,
    /// Video frames sampled per second (stride int(video_fps / fps)), INPUT.FPS.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    fps: f64,
    /// How a button is shown to the image encoder, INPUT.BUTTON_VIEW: mask or crop.
    #[arg(long, default_value = "mask")]
    button_view: ButtonView,
    /// Models root (default: $PRESSNEXT_MODELS or ./models).
    #[arg(long)]
    models: Option<PathBuf>,
    #[arg(long, default_value = "auto")]
    device: String,
    /// Print one JSON object per event (and the summary) instead of a progress bar.
    #[arg(long)]
    json: bool,
}

pub fn run(args: EncodeArgs) -> Result<ExitCode> {
    // Refused before any work, not as a failure of every folder.
    if !(args.fps.is_finite() && args.fps > 0.0) {
        anyhow::bail!(
            "--fps {}: expected a positive number of frames per second (such as 1)",
            args.fps
        );
    }
    let (device, line) = q2a::device::select(&args.device)?;
    eprintln!("{line}");
    let root = args.models.unwrap_or_else(encoders::models::default_root);
    let encoders = Encoders::load(&root, &device)?;
    let opts = EncodeOptions {
        data_root: args.data,
        split: args.split,
        label: args.label,
        out: args.out.clone(),
        fps: args.fps,
        button_view: args.button_view,
    };
    let sink = EncodeBar {
        bar: Mutex::new(None),
        json: args.json,
    };
    let summary = encode_dataset(&encoders, &opts, &sink)?;
    if let Some(bar) = sink.bar.lock().expect("bar lock").take() {
        bar.finish_and_clear();
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "{} folders encoded, {} already up to date, {} failed -> {}",
            summary.encoded,
            summary.skipped,
            summary.failed.len(),
            args.out.display()
        );
        for (folder, error) in &summary.failed {
            println!("failed: {folder}: {error}");
        }
    }
    Ok(if summary.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

struct EncodeBar {
    bar: Mutex<Option<ProgressBar>>,
    json: bool,
}

impl EncodeBar {
    fn println(&self, line: String) {
        match self.bar.lock().expect("bar lock").as_ref() {
            Some(bar) if !bar.is_hidden() => bar.println(line),
            _ => eprintln!("{line}"),
        }
    }
}

impl EncodeSink for EncodeBar {
    fn event(&self, event: &EncodeEvent) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string(event).expect("events serialise")
            );
            return;
        }
        match event {
            EncodeEvent::Started { folders } => {
                let bar = ProgressBar::new(*folders as u64);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{bar:30} {pos}/{len} folders  {msg}  [{elapsed_precise} < {eta_precise}]",
                    )
                    .expect("progress template"),
                );
                *self.bar.lock().expect("bar lock") = Some(bar);
            }
            EncodeEvent::Folder {
                folder, outcome, ..
            } => {
                if let FolderOutcome::Failed { error } = outcome {
                    self.println(format!("failed: {folder}: {error} (skipped)"));
                }
                if let Some(bar) = self.bar.lock().expect("bar lock").as_ref() {
                    bar.set_message(folder.clone());
                    bar.inc(1);
                }
            }
            EncodeEvent::Warning { folder, message } => {
                self.println(format!("warning: {folder}: {message}"))
            }
            EncodeEvent::Frames { .. } => {}
        }
    }
}
