//! `pressnext ask --pack FOLDER [--model NAME_OR_CKPT] [--json] "QUESTION"`: answers a question
//! about a pack exactly as the app does (`assistant::Assistant::ask`): the pack is opened, encoded
//! and grounded the first time and cached in the app's data folder, so a second question is
//! quick. Without `--model` it uses the app's model setting (the demo model by default).

use std::process::ExitCode;

use anyhow::Result;
use assistant::ask::Answer;
use assistant::packs::PackSummary;
use assistant::{Assistant, Paths, StartOptions};

use crate::args::OpenPackArgs;

pub(crate) fn run(open: OpenPackArgs, question: Option<&str>, json: bool) -> Result<ExitCode> {
    let (assistant, summary) = self::open(open)?;
    let Some(question) = question else {
        return listed(&assistant, &summary, json);
    };
    let answer = assistant.ask(question)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", describe(&answer));
    }
    Ok(ExitCode::SUCCESS)
}

/// `ask --microphone file:PATH`: the question heard from the recording, then answered; the JSON
/// is the answer's with `heard: {text, audio_seconds, seconds}` added.
pub(crate) fn run_spoken(open: OpenPackArgs, microphone: &str, json: bool) -> Result<ExitCode> {
    assistant::voice::parse_microphone(microphone)?;
    let (assistant, _summary) = self::open(open)?;
    let heard = assistant.hear_question(Some(microphone), false)?;
    // The tutorial is in English: a question heard in another language is told so, not asked.
    if let Some(english) = heard.english.clone() {
        return Err(assistant::Error::OtherLanguage {
            language_name: heard.language_name,
            language: heard.language,
            heard: heard.text,
            english,
        }
        .into());
    }
    let answer = assistant.ask(&heard.text)?;
    if json {
        let mut value = serde_json::to_value(&answer)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("heard".into(), serde_json::to_value(&heard)?);
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("Heard: \"{}\"", heard.text);
        print!("{}", describe(&answer));
    }
    Ok(ExitCode::SUCCESS)
}

/// The assistant of the app's data folder (no window, no camera) with `pack` open and active,
/// as `ask` and `follow` use it.
pub(crate) fn open(
    OpenPackArgs {
        pack,
        appliance,
        model,
        data_dir,
    }: OpenPackArgs,
) -> Result<(Assistant, PackSummary)> {
    let data_dir = data_dir.unwrap_or_else(Paths::default_data_dir);
    if data_dir.exists() && !data_dir.is_dir() {
        anyhow::bail!(
            "{}: not a folder: the data folder (--data-dir) holds the app's packs and settings",
            data_dir.display()
        );
    }
    let paths = Paths {
        models_root: Paths::default_models_root(&data_dir),
        data_dir,
    };
    let assistant = Assistant::start(
        paths,
        StartOptions {
            camera: None,
            pack: Some(pack.clone()),
            model,
            headless: true,
        },
    )?;
    let summary = assistant.open_pack(&pack, appliance.as_deref(), &|_| {})?;
    Ok((assistant, summary))
}

/// Every listed question of the active pack, each step marked against the pack's labels
/// (`correct` in its QA file): a tick, or a cross and the right answer.
fn listed(assistant: &Assistant, pack: &PackSummary, json: bool) -> Result<ExitCode> {
    let questions = assistq::qa::QaFile::read(&pack.label)?
        .folders
        .into_iter()
        .find(|(name, _)| *name == pack.appliance)
        .map(|(_, qas)| qas)
        .unwrap_or_default();
    if questions.is_empty() || questions.iter().any(|q| q.correct.is_none()) {
        anyhow::bail!(
            "{}: its questions for {} have no right answers (\"correct\") to mark steps against",
            pack.label.display(),
            pack.appliance
        );
    }
    let (mut right, mut total) = (0, 0);
    let mut answers = Vec::new();
    for qa in &questions {
        let answer = assistant.ask(&qa.question)?;
        if !json {
            println!("Q: {}", qa.question);
            print!("{}", describe(&answer));
        }
        if let Some(correct) = &qa.correct {
            for (k, &c) in correct.iter().enumerate() {
                let want = &qa.answers[k][c - 1];
                let got = answer.steps.get(k).and_then(|s| s.candidates.first());
                let ok = got.is_some_and(|g| &g.answer == want);
                right += ok as usize;
                total += 1;
                if !json {
                    if ok {
                        println!("  step {}: \u{2713}", k + 1);
                    } else {
                        println!(
                            "  step {}: \u{2717} the right answer is {}",
                            k + 1,
                            assistant::ask::named_action_text(want, &answer_labels(&answer))
                        );
                    }
                }
            }
        }
        answers.push(answer);
    }
    if json {
        println!(
            "{}",
            serde_json::json!({"answers": answers, "right_steps": right, "steps": total})
        );
    } else if total > 0 {
        println!("{right} of {total} steps right");
    }
    Ok(ExitCode::SUCCESS)
}

/// The labels an answer's candidates carry (button id -> label).
pub(crate) fn answer_labels(answer: &Answer) -> std::collections::HashMap<String, String> {
    answer
        .steps
        .iter()
        .flat_map(|s| &s.candidates)
        .filter_map(|c| c.label.clone().map(|l| (c.button.clone(), l)))
        .collect()
}

/// The answer as lines a person reads.
pub(crate) fn describe(answer: &Answer) -> String {
    let mut out = String::new();
    if !answer.covered {
        out.push_str("The tutorial does not seem to cover this question.\n");
        if !answer.closest.is_empty() {
            out.push_str("It covers, closest first:\n");
            for s in &answer.closest {
                out.push_str(&format!("  {:.0}-{:.0} s  {}\n", s.start, s.end, s.goal));
            }
        }
        return out;
    }
    if let Some(span) = &answer.span {
        out.push_str(&format!(
            "From the tutorial, {:.0}-{:.0} s: {}\n",
            span.start, span.end, span.goal
        ));
    }
    if let Some(like) = &answer.answering_as {
        out.push_str(&format!("Answering as: {like}\n"));
    }
    for step in &answer.steps {
        let Some(best) = step.candidates.first() else {
            continue;
        };
        out.push_str(&format!(
            "Step {}: {}  [{}{}]  {:.0}% sure{}\n",
            step.index + 1,
            best.action,
            best.button,
            best.label
                .as_ref()
                .map(|l| format!(" \"{l}\""))
                .unwrap_or_default(),
            best.probability * 100.0,
            if step.low_confidence {
                " (unsure: see the alternatives)"
            } else {
                ""
            }
        ));
        if step.low_confidence {
            for alt in step.candidates.iter().skip(1).take(2) {
                out.push_str(&format!(
                    "    or {} [{}] {:.0}%\n",
                    alt.action,
                    alt.button,
                    alt.probability * 100.0
                ));
            }
        }
        if let Some(why) = &step.why {
            out.push_str(&format!(
                "    why: \"{}\" ({:.0}-{:.0} s{})\n",
                why.text,
                why.start,
                why.end,
                why.moment
                    .map(|m| format!(", operated at {m:.1} s"))
                    .unwrap_or_default()
            ));
        }
    }
    out
}
