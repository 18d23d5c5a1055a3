//! `pressnext bench-voice --pack FOLDER [--question TEXT] [--runs 3] [--json]`: from the end of a
//! spoken question to its answer, as the app's Speak does it (docs/cli.md). The question (default:
//! the pack's first listed one) is said by the app's voice into a recording that plays in real
//! time as the microphone; each run listens until the recording ends, hears it
//! (`assistant::voice::hear`) and asks the words. Whisper tiny.en (English questions) and base
//! (any language) are measured side by side in the same run.

use std::process::ExitCode;

use anyhow::{Context, Result};
use assistant::settings::SpokenLanguage;
use clap::Args;
use serde_json::json;

use crate::args::OpenPackArgs;

#[derive(Args)]
pub struct BenchVoiceArgs {
    #[command(flatten)]
    open: OpenPackArgs,
    /// The question to say (default: the pack's first listed question).
    #[arg(long)]
    question: Option<String>,
    /// Runs per speech model (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long)]
    json: bool,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

pub fn run(args: BenchVoiceArgs) -> Result<ExitCode> {
    anyhow::ensure!(args.runs >= 1, "--runs must be at least 1");
    let (assistant, summary) = crate::ask::open(args.open)?;
    let question = match args.question {
        Some(q) => q,
        None => assistq::qa::QaFile::read(&summary.label)?
            .folders
            .into_iter()
            .find(|(name, _)| *name == summary.appliance)
            .and_then(|(_, qas)| qas.into_iter().next())
            .map(|qa| qa.question)
            .with_context(|| {
                format!(
                    "{}: no listed question to say: give one with --question",
                    summary.label.display()
                )
            })?,
    };
    let spoken = speech::say::say(&question, &assistant::VoiceSettings::default())
        .map_err(|e| anyhow::anyhow!("the app's voice: {e}"))?;
    let dir = std::env::temp_dir().join(format!("pressnext-bench-voice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let wav = dir.join("question.wav");
    spoken.write_wav(&wav)?;
    let microphone = media::microphone::MicrophoneSpec::File(wav.clone());
    let rules = assistant::voice::ListenRules::new(false);
    let mut models = Vec::new();
    for (language, name) in [
        (SpokenLanguage::English, speech::MODEL_NAME),
        (SpokenLanguage::Any, speech::BASE_MODEL_NAME),
    ] {
        let (mut heard_s, mut ask_s, mut total_s, mut wer) = (vec![], vec![], vec![], vec![]);
        for _ in 0..args.runs {
            let heard = assistant::voice::hear(
                &microphone,
                &rules,
                &assistant::voice::Listening::default(),
                &assistant.paths().models_root,
                language,
            )?;
            let asked = std::time::Instant::now();
            let answer = assistant.ask(&heard.text)?;
            let ask = asked.elapsed().as_secs_f64();
            anyhow::ensure!(
                !answer.steps.is_empty(),
                "heard {:?}, which the pack does not cover: no overlay to time",
                heard.text
            );
            heard_s.push(heard.after_speech_seconds);
            ask_s.push(ask);
            total_s.push(heard.after_speech_seconds + ask);
            wer.push(speech::word_error_rate(&question, &heard.text));
        }
        models.push(json!({
            "model": name,
            "end_of_speech_to_text_s": round3(median(&mut heard_s)),
            "ask_s": round3(median(&mut ask_s)),
            "end_of_speech_to_answer_s": round3(median(&mut total_s)),
            "word_error_rate": round3(median(&mut wer)),
        }));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let ratio = models[1]["end_of_speech_to_answer_s"]
        .as_f64()
        .unwrap_or(0.0)
        / models[0]["end_of_speech_to_answer_s"]
            .as_f64()
            .unwrap_or(1.0)
            .max(1e-9);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let profile = if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "question": question,
                "question_seconds": round3(spoken.duration()),
                "runs": args.runs,
                "models": models,
                "base_over_tiny": round3(ratio),
                "threads": threads,
                "profile": profile,
            }))?
        );
    } else {
        println!("{:.1} s spoken question: {question:?}", spoken.duration());
        for m in &models {
            println!(
                "{}: end of speech to text {:.2} s, ask {:.2} s, end of speech to answer {:.2} s (median of {}), WER {:.3}",
                m["model"].as_str().unwrap_or_default(),
                m["end_of_speech_to_text_s"].as_f64().unwrap_or(0.0),
                m["ask_s"].as_f64().unwrap_or(0.0),
                m["end_of_speech_to_answer_s"].as_f64().unwrap_or(0.0),
                args.runs,
                m["word_error_rate"].as_f64().unwrap_or(0.0),
            );
        }
        println!("base / tiny.en: {ratio:.2}x; {threads} threads, {profile} build");
    }
    Ok(ExitCode::SUCCESS)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
