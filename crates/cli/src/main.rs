//! `pressnext`: the PressNext command line over the core crates.
//!
//! Subcommands: `check` (validate an AssistQ dataset), `eval` (challenge metrics of a submission),
//! `train` and `infer` (the Q2A engine on encoded features, with the reference's config keys and
//! `KEY VALUE` overrides), `bench` (engine throughput) and `synth-features` (synthetic encoded
//! features for smoke tests and benchmarks), `models import|verify` (the encoder weights),
//! `encode` (AssistQ folders to features), `embed-text` / `embed-image` (the encoders, checkable).

mod accuracy;
mod answers;
mod args;
mod ask;
mod bench_voice;
mod commands;
mod encode;
mod follow;
mod ground;
mod progress;
mod register;
mod synth;
mod transcribe;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use args::{Cli, Command, ModelsAction};
use commands::*;

fn main() -> ExitCode {
    blas::configure_cpu();
    blas::use_preferred_kernels();
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes on one line, `outer: inner: ...`, skipping a cause whose text the
/// line already ends with (the crates' file errors print their I/O cause themselves, so `{:#}`
/// would say `x: Is a directory (os error 21): Is a directory (os error 21)`).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
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
        } => train(&cfg, resume, &overrides, device.as_deref()),
        Command::Infer {
            cfg,
            out,
            json,
            device,
            show,
            overrides,
        } => infer(&cfg, out, json, show, &overrides, device.as_deref()),
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
                    let missing: Vec<&str> = encoders::models::Role::ALL
                        .into_iter()
                        .filter(|r| manifest.model(*r).is_none())
                        .map(|r| r.name())
                        .collect();
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
                    if !missing.is_empty() {
                        eprintln!(
                            "error: {}: no {} model installed\n  fix: {}",
                            root.join(encoders::models::MANIFEST_FILE).display(),
                            missing.join(", "),
                            encoders::error::FIX_WEIGHTS
                        );
                        return Ok(ExitCode::from(1));
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
        Command::Ground {
            pack,
            data,
            split,
            label,
            out,
            models,
            json,
        } => match (pack, data, out) {
            (Some(pack), _, _) => ground::ground(&pack, models, json),
            (None, Some(data), Some(out)) => {
                ground::ground_split(&data, &split, &label, &out, models, json)
            }
            _ => unreachable!("clap requires --pack or --data with --out"),
        },
        Command::BenchGrounding {
            data,
            split,
            models,
            json,
        } => ground::bench(&data, &split, models, json),
        Command::Ask {
            open,
            json,
            listed,
            microphone: Some(microphone),
            ..
        } if !listed => ask::run_spoken(open, &microphone, json),
        Command::Ask {
            open,
            json,
            listed,
            question,
            ..
        } => ask::run(open, if listed { None } else { question.as_deref() }, json),
        Command::Follow {
            open,
            camera,
            realtime,
            json,
            question,
        } => follow::run(open, &camera, realtime, json, &question),
        Command::BenchFollow { work, seeds, json } => follow::bench(&work, &seeds, json),
        Command::BenchAnswers {
            data,
            split,
            label,
            work,
            models,
            failures,
            json,
        } => answers::run(&data, &split, &label, &work, models, failures, json),
        Command::Ocr {
            image,
            model,
            models,
            json,
        } => ocr_image(&image, &model, models, json),
        Command::Hands {
            image,
            models,
            json,
        } => hands_in_image(&image, models, json),
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
                println!("{}", with_build(&r)?);
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
        Command::Transcribe(args) => transcribe::run(args),
        Command::BenchTranscribe(args) => transcribe::bench(args),
        Command::Say(args) => transcribe::say(args),
        Command::BenchVoice(args) => bench_voice::run(args),
        Command::Pack {
            action: args::PackAction::New(args),
        } => transcribe::new_pack(args),
        Command::BenchAccuracy(args) => {
            let line: Vec<String> = std::env::args().skip(1).collect();
            accuracy::run(args, &format!("pressnext {}", line.join(" ")))
        }
    }
}
