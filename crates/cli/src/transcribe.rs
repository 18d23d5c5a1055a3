//! `pressnext transcribe VIDEO [--json] [--out script.txt]`: the narration of a tutorial video
//! (or a WAV), heard offline by Whisper, as timed sentences. Without `--json` it prints the
//! `script.txt` lines; `--out` also writes them (atomically) as a pack's `script.txt`.
//!
//! `--json` prints one object (docs/cli.md):
//! `{"file", "model", "duration", "lines": [{"start", "end", "text"}], "script"}`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

#[derive(Args)]
pub struct TranscribeArgs {
    /// The tutorial video (MP4/MOV, Matroska/WebM, AVI) or a WAV recording.
    video: PathBuf,
    /// Print one JSON object instead of the script lines.
    #[arg(long)]
    json: bool,
    /// Also write the lines as a script.txt here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The speech model folder (default: whisper-tiny-en under the models root).
    #[arg(long)]
    model: Option<PathBuf>,
}

/// The default speech model folder.
pub fn default_model_dir() -> PathBuf {
    encoders::models::default_root().join(speech::WHISPER_DIR)
}

pub fn run(args: TranscribeArgs) -> Result<ExitCode> {
    let dir = args.model.clone().unwrap_or_else(default_model_dir);
    let transcript = transcribe(&args.video, &dir, !args.json)?;
    let script = transcript.script();
    if let Some(out) = &args.out {
        script
            .write(out)
            .with_context(|| format!("{}: cannot write the script", out.display()))?;
    }
    if args.json {
        let json = serde_json::json!({
            "file": args.video.display().to_string(),
            "model": speech::MODEL_NAME,
            "duration": round3(transcript.duration),
            "lines": transcript.lines.iter().map(|l| serde_json::json!({
                "start": round3(l.start),
                "end": round3(l.end),
                "text": l.text,
            })).collect::<Vec<_>>(),
            "script": script.to_text(),
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print!("{}", script.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the model in `dir` and transcribes `video`, with a progress line on stderr when `show`.
pub fn transcribe(video: &Path, dir: &Path, show: bool) -> Result<speech::Transcript> {
    let mut transcriber = speech::Transcriber::load(dir, &candle_core::Device::Cpu)?;
    let bar = indicatif::ProgressBar::new(100);
    if !show {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_message("transcribing");
    let transcript = speech::transcribe_file(&mut transcriber, video, &mut |done| {
        bar.set_position((done * 100.0).round() as u64)
    })?;
    bar.finish_and_clear();
    Ok(transcript)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
