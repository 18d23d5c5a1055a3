//! `pressnext pack new --video V --photo P --out DIR [--script S] [--json]`: a new pack from a
//! user's own tutorial (assistant::new_pack, the function the app's "New pack" calls).
//!
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

#[derive(Args)]
pub struct NewPackArgs {
    /// The tutorial video (MP4 or MOV), with its narration as sound unless --script is given.
    #[arg(long)]
    video: PathBuf,
    /// A photo of the appliance's controls (JPEG or PNG).
    #[arg(long)]
    photo: PathBuf,
    /// The pack folder to create (new, or an empty folder).
    #[arg(long)]
    out: PathBuf,
    /// The narration as a script.txt (`H:MM:SS-H:MM:SS text` lines) instead of transcribing.
    #[arg(long)]
    script: Option<PathBuf>,
    /// Models root (default: $PRESSNEXT_MODELS or ./models).
    #[arg(long)]
    models: Option<PathBuf>,
    /// Print what was made as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn new_pack(args: NewPackArgs) -> Result<ExitCode> {
    let models = args.models.unwrap_or_else(encoders::models::default_root);
    let request = assistant::new_pack::NewPackRequest {
        video: args.video,
        photo: args.photo,
        out: args.out,
        script: args.script,
    };
    let bar = indicatif::ProgressBar::new(100);
    if args.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let report = assistant::new_pack::make_pack(&request, &models, &mut |event| {
        use assistant::new_pack::NewPackEvent as E;
        match event {
            E::Transcribing { done } => {
                bar.set_message("transcribing the narration");
                bar.set_position((done * 100.0) as u64);
            }
            E::Reading => bar.set_message("reading the photo"),
            E::Registering { done, total } => {
                bar.set_message("finding the photo in the video");
                if total > 0.0 {
                    bar.set_position((100.0 * done / total) as u64);
                }
            }
            E::Writing => bar.set_message("writing the pack"),
        }
    })?;
    bar.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "made {}: {} script lines ({}), {} buttons ({} seen operated in the video), photo found in {:.0} % of the video",
            report.folder.display(),
            report.script_lines,
            report.script_source,
            report.buttons.len(),
            report.buttons.iter().filter(|b| b.operated).count(),
            100.0 * report.registered_share
        );
        for b in &report.buttons {
            println!(
                "  {:<16} x {} y {} w {} h {}{}",
                b.name,
                b.bbox[0],
                b.bbox[1],
                b.bbox[2],
                b.bbox[3],
                match (b.operated, b.source) {
                    (_, assistant::new_pack::ButtonSource::Hand) => "  (where the hand presses)",
                    (true, _) => "  (operated)",
                    (false, _) => "",
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct BenchArgs {
    /// Seconds of narration to speak (espeak-ng, voice en-gb-x-rp, 140 words a minute).
    #[arg(long, default_value_t = 120)]
    seconds: u32,
    /// Time this recording instead (no word error rate then).
    #[arg(long)]
    file: Option<PathBuf>,
    /// The speech model folder (default: whisper-tiny-en under the models root).
    #[arg(long)]
    model: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn bench(args: BenchArgs) -> Result<ExitCode> {
    let dir = args.model.clone().unwrap_or_else(default_model_dir);
    let work = tempfile_dir()?;
    let (file, said) = match &args.file {
        Some(f) => (f.clone(), None),
        None => {
            let (wav, text) = speak(&work, f64::from(args.seconds))?;
            (wav, Some(text))
        }
    };
    let load_start = std::time::Instant::now();
    let mut transcriber = speech::Transcriber::load(&dir, &candle_core::Device::Cpu)?;
    let load = load_start.elapsed().as_secs_f64();
    let start = std::time::Instant::now();
    let transcript = speech::transcribe_file(&mut transcriber, &file, &mut |_| {})?;
    let seconds = start.elapsed().as_secs_f64();
    let heard: Vec<&str> = transcript.lines.iter().map(|l| l.text.as_str()).collect();
    let wer = said
        .as_deref()
        .map(|s| speech::word_error_rate(s, &heard.join(" ")));
    let _ = std::fs::remove_dir_all(&work);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "model": speech::MODEL_NAME,
                "audio_seconds": round3(transcript.duration),
                "load_seconds": round3(load),
                "transcribe_seconds": round3(seconds),
                "realtime_factor": round3(seconds / transcript.duration.max(1e-9)),
                "lines": transcript.lines.len(),
                "word_error_rate": wer.map(round3),
                "threads": threads,
                "profile": if cfg!(debug_assertions) { "dev" } else { "release" },
            })
        );
    } else {
        println!(
            "{}: {:.1} s of audio transcribed in {:.1} s ({:.3} x real time; model loaded in {:.2} s), {} lines{}, {threads} threads, {} build",
            speech::MODEL_NAME,
            transcript.duration,
            seconds,
            seconds / transcript.duration.max(1e-9),
            load,
            transcript.lines.len(),
            wer.map(|w| format!(", word error rate {w:.3}")).unwrap_or_default(),
            if cfg!(debug_assertions) { "dev" } else { "release" },
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir =
        std::env::temp_dir().join(format!("pressnext-bench-transcribe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    Ok(dir)
}

/// A WAV of at least `seconds` of espeak-ng narration in `dir`, and the text said.
fn speak(dir: &Path, seconds: f64) -> Result<(PathBuf, String)> {
    // About 2.6 words a second, as espeak-ng speaks these sentences at 140 words a minute.
    let mut text = Vec::new();
    let mut words = 0usize;
    let mut i = 0;
    while (words as f64) < seconds * 2.6 {
        let s = speech::SAMPLE_NARRATION[i % speech::SAMPLE_NARRATION.len()];
        words += s.split_whitespace().count();
        text.push(s);
        i += 1;
    }
    let text = text.join(" ");
    let wav = dir.join("narration.wav");
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "en-gb-x-rp", "-s", "140", "-w"])
        .arg(&wav)
        .arg(&text)
        .status()
        .context("espeak-ng (bash scripts/setup.sh installs it) could not be run")?;
    anyhow::ensure!(status.success(), "espeak-ng failed ({status})");
    Ok((wav, text))
}

#[derive(Args)]
pub struct SayArgs {
    /// What to say.
    text: String,
    /// The WAV file to write (16-bit mono PCM at the engine's rate).
    #[arg(long)]
    out: PathBuf,
    /// eSpeak NG voice name.
    #[arg(long, default_value = "en-gb-x-rp")]
    voice: String,
    /// Words per minute (80-450).
    #[arg(long, default_value_t = 160)]
    rate: u32,
    /// Volume in percent (0-200).
    #[arg(long, default_value_t = 100)]
    volume: u32,
    /// Print what was written as one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn say(args: SayArgs) -> Result<ExitCode> {
    let settings = speech::say::VoiceSettings {
        voice: args.voice,
        rate: args.rate,
        volume: args.volume,
    };
    let speech = speech::say::say(&args.text, &settings)?;
    speech
        .write_wav(&args.out)
        .with_context(|| format!("{}: cannot write the WAV", args.out.display()))?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "out": args.out.display().to_string(),
                "text": args.text.trim(),
                "voice": settings.voice,
                "rate": settings.rate,
                "volume": settings.volume,
                "sample_rate": speech.sample_rate,
                "seconds": round3(speech.duration()),
                "rms": round3(speech.rms()),
            })
        );
    } else {
        println!(
            "wrote {}: {:.2} s at {} Hz ({}, {} words a minute, volume {} %)",
            args.out.display(),
            speech.duration(),
            speech.sample_rate,
            settings.voice,
            settings.rate,
            settings.volume
        );
    }
    Ok(ExitCode::SUCCESS)
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
