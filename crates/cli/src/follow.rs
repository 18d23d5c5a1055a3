//! `pressnext follow`: the app's follow-along on a video file (the question answered as `ask`
//! answers it, the clip played as the camera through `assistant::follow`), and `pressnext
//! bench-follow`, which measures the step check on the generator's camera clips against their
//! truth (docs/app.md, "Follow along").

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use assistant::follow::{check_generated_pack, ClipScore};
use media::camera::CameraSpec;

use crate::args::OpenPackArgs;

pub(crate) fn run(
    open: OpenPackArgs,
    camera: &str,
    realtime: bool,
    json: bool,
    question: &str,
) -> Result<ExitCode> {
    let clip = match camera.parse::<CameraSpec>()? {
        CameraSpec::File(path) => path,
        other => anyhow::bail!(
            "--camera {other}: follow plays a video file as the camera: use --camera file:PATH"
        ),
    };
    if !clip.is_file() {
        anyhow::bail!("{}: no such video file (--camera)", clip.display());
    }
    let (assistant, _) = crate::ask::open(open)?;
    let answer = assistant.ask(question)?;
    if !json {
        print!("{}", crate::ask::describe(&answer));
    }
    let labels = crate::ask::answer_labels(&answer);
    let run = assistant.follow_clip(&answer, &clip, realtime, |e| {
        if json {
            println!("{}", serde_json::to_string(e).expect("an event serialises"));
        } else {
            let name = labels
                .get(&e.button)
                .map(|l| format!("{l} ({})", e.button))
                .unwrap_or_else(|| e.button.clone());
            let what = match e.event {
                assistant::follow::EventKind::Confirmed => format!("step {} done: {name}", e.step),
                assistant::follow::EventKind::WrongControl => {
                    format!("that was {name}, not step {}'s control", e.step)
                }
                assistant::follow::EventKind::Done => "all steps done".to_string(),
            };
            println!("{:7.2} s  {what}", e.t);
        }
    })?;
    if !json {
        println!(
            "{} frames, {} registered, {:.1} s of video",
            run.frames, run.registered, run.seconds
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `FIRST..LAST` (inclusive).
fn parse_seeds(seeds: &str) -> Result<Vec<u64>> {
    let (a, b) = seeds
        .split_once("..")
        .with_context(|| format!("--seeds {seeds}: expected FIRST..LAST, as 4242..4261"))?;
    let (a, b): (u64, u64) = (
        a.trim()
            .parse()
            .with_context(|| format!("--seeds {seeds}: {a} is not a number"))?,
        b.trim()
            .parse()
            .with_context(|| format!("--seeds {seeds}: {b} is not a number"))?,
    );
    if b < a || b - a >= 1000 {
        anyhow::bail!("--seeds {seeds}: expected FIRST <= LAST and at most 1000 seeds");
    }
    Ok((a..=b).collect())
}

/// One pack of the benchmark: written by the generator unless already there.
fn pack_for(work: &Path, seed: u64) -> Result<PathBuf> {
    let dir = work.join(format!("seed-{seed}"));
    if dir.join(::synth::CAMERA_TRUTH_FILE).is_file() {
        return Ok(dir);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("{}: cannot clear", dir.display()))?;
    }
    ::synth::demo_pack(&dir, seed)?;
    Ok(dir)
}

/// Runs the step check on one generated pack against its truth: the score, the frames and the
/// seconds it took.
fn check_pack(root: &Path) -> Result<(ClipScore, usize, f64)> {
    let started = Instant::now();
    let (score, run) = check_generated_pack(root, &root.join(::synth::CAMERA_TRUTH_FILE))?;
    Ok((score, run.frames, started.elapsed().as_secs_f64()))
}

pub(crate) fn bench(work: &Path, seeds: &str, json: bool) -> Result<ExitCode> {
    let seeds = parse_seeds(seeds)?;
    std::fs::create_dir_all(work).with_context(|| format!("{}: cannot create", work.display()))?;
    // Two generators at a time: each renders its clip on one core.
    let packs: Vec<Result<PathBuf>> = std::thread::scope(|scope| {
        let chunks: Vec<Vec<u64>> = vec![
            seeds.iter().copied().step_by(2).collect(),
            seeds.iter().copied().skip(1).step_by(2).collect(),
        ];
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|s| (s, pack_for(work, s)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(u64, Result<PathBuf>)> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("generator thread"))
            .collect();
        all.sort_by_key(|(s, _)| *s);
        all.into_iter().map(|(_, p)| p).collect()
    });
    let mut total = ClipScore::default();
    let (mut frames, mut seconds) = (0usize, 0.0f64);
    let mut rows = Vec::new();
    for (seed, pack) in seeds.iter().zip(packs) {
        let pack = pack?;
        let (score, n, s) = check_pack(&pack)?;
        frames += n;
        seconds += s;
        total.presses += score.presses;
        total.confirmed += score.confirmed;
        total.delays.extend(&score.delays);
        total.wrong_presses += score.wrong_presses;
        total.wrong_reported += score.wrong_reported;
        total.passes += score.passes;
        total.false_confirmations += score.false_confirmations;
        if !json {
            eprintln!(
                "seed {seed}: {}/{} confirmed, {} false, {}/{} wrong reported, done {}, delays {:.2?}",
                score.confirmed,
                score.presses,
                score.false_confirmations,
                score.wrong_reported,
                score.wrong_presses,
                score.done,
                score.delays
            );
        }
        rows.push(serde_json::json!({"seed": seed, "score": score}));
    }
    let mut delays = total.delays.clone();
    delays.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        delays
            .get(((delays.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let distractors = total.passes + total.wrong_presses;
    let summary = serde_json::json!({
        "clips": seeds.len(),
        "presses": total.presses,
        "confirmed": total.confirmed,
        "confirmed_share": total.confirmed as f64 / total.presses.max(1) as f64,
        "passes": total.passes,
        "wrong_presses": total.wrong_presses,
        "wrong_reported": total.wrong_reported,
        "false_confirmations": total.false_confirmations,
        "false_confirmation_share": total.false_confirmations as f64 / distractors.max(1) as f64,
        "delay_median_s": pct(0.5),
        "delay_p95_s": pct(0.95),
        "delay_max_s": delays.last().copied().unwrap_or(f64::NAN),
        "frames": frames,
        "ms_per_frame": 1000.0 * seconds / frames.max(1) as f64,
        "per_clip": rows,
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!("| clips | presses | confirmed | false confirmations (of {distractors} passes and wrong presses) | wrong presses reported | delay after release: median / p95 / max | decode + register + check per frame |");
        println!("|---|---|---|---|---|---|---|");
        println!(
            "| {} | {} | {:.3} | {} ({:.3}) | {} of {} | {:.2} / {:.2} / {:.2} s | {:.1} ms |",
            seeds.len(),
            total.presses,
            summary["confirmed_share"].as_f64().unwrap_or(0.0),
            total.false_confirmations,
            summary["false_confirmation_share"].as_f64().unwrap_or(0.0),
            total.wrong_reported,
            total.wrong_presses,
            pct(0.5),
            pct(0.95),
            summary["delay_max_s"].as_f64().unwrap_or(f64::NAN),
            summary["ms_per_frame"].as_f64().unwrap_or(0.0),
        );
    }
    Ok(ExitCode::SUCCESS)
}
