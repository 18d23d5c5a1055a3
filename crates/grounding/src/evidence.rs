//! The grounding evidence of each listed candidate answer, as numbers a learned model can weigh
//! (`MODEL.ARCH q2a_grounded`, docs/q2a.md): what the tutorial timeline says about the
//! candidate's control and action at this step, in the three parts of the tutorial retrieved best
//! for the question, and what each cue of the line said.
//!
//! The timeline alone ([`crate::answer::score_listed`] on [`crate::answer::listed_part`]) trusts
//! one part and its k-th step. It fails where that part is the wrong one (a paraphrase that
//! matches another goal) or where its steps do not line up with the question's. The evidence of
//! the three best parts and of the best one with the question's step count, and whether the
//! candidate's control appears anywhere in a part, let the model learn when to look past one.

use crate::answer::{self, Index, PlannedStep, Retrieval};
use crate::{About, Timeline};

/// Changes whenever the features or their meaning do; cached evidence of another version is
/// recomputed.
pub const VERSION: u32 = 2;

/// How many of the best-ranked parts of the tutorial contribute features.
pub const PARTS: usize = 3;

/// Feature names, in order (written into the evidence file's metadata).
pub fn names() -> Vec<String> {
    let mut out = Vec::new();
    for r in 1..=PARTS {
        for f in [
            "span_score",
            "control_probability",
            "action_agreement",
            "same_step_count",
            "control_in_part",
        ] {
            out.push(format!("part{r}.{f}"));
        }
    }
    for f in [
        "span_score",
        "control_probability",
        "action_agreement",
        "control_in_part",
    ] {
        out.push(format!("same_count_part.{f}"));
    }
    out.extend(
        [
            "target_in_question",
            "covered",
            "score_margin",
            "label_vote",
            "video_vote",
            "layout_vote",
        ]
        .map(String::from),
    );
    out
}

/// Number of features per candidate.
pub fn width() -> usize {
    PARTS * 5 + 4 + 6
}

/// What the candidate's control is at step `k` of a part: its probability there, its action's
/// agreement with the step's, and its highest probability at any step of the part.
fn in_part(steps: &[PlannedStep], k: usize, button: &str, act: &Option<crate::Action>) -> [f32; 3] {
    let step = steps.get(k);
    let agree = match (step.and_then(|s| s.action.as_ref()), act) {
        (Some(x), Some(y)) => answer::action_agreement(x, y),
        _ => 0.0,
    };
    let anywhere = steps
        .iter()
        .map(|s| answer::button_probability(s, button))
        .fold(0.0f32, f32::max);
    [
        step.map_or(0.0, |s| answer::button_probability(s, button)),
        agree,
        anywhere,
    ]
}

/// Evidence of every candidate of a listed question, `[step][candidate][feature]`: `answers[k]`
/// are step k's candidate answers in the AssistQ form (`Press <button4>`), `retrieval` the
/// question's ranking of `index`'s spans.
pub fn listed(
    timeline: &Timeline,
    index: &Index,
    retrieval: &Retrieval,
    question: &str,
    answers: &[Vec<String>],
) -> Vec<Vec<Vec<f32>>> {
    let parts: Vec<(f32, Vec<PlannedStep>)> = retrieval
        .ranked
        .iter()
        .take(PARTS)
        .map(|s| {
            (
                s.score,
                answer::steps_for_question(timeline, &index.spans[s.span], question),
            )
        })
        .collect();
    let margin = match (retrieval.ranked.first(), retrieval.ranked.get(1)) {
        (Some(a), Some(b)) => a.score - b.score,
        (Some(a), None) => a.score,
        _ => 0.0,
    };
    let steps_asked = answers.len();
    // The best part with as many steps as the question (answer::listed_part's rule).
    let same_count: Option<(f32, Vec<PlannedStep>)> =
        answer::listed_part(timeline, index, retrieval, question, steps_asked)
            .filter(|(_, steps)| steps.len() == steps_asked)
            .map(|(rank, steps)| (retrieval.ranked[rank].score, steps));
    answers
        .iter()
        .enumerate()
        .map(|(k, candidates)| {
            candidates
                .iter()
                .map(|a| {
                    let (button, act) = answer::parse_answer(a);
                    let button = button.unwrap_or_default();
                    let mut f = Vec::with_capacity(width());
                    for r in 0..PARTS {
                        let Some((score, steps)) = parts.get(r) else {
                            f.extend([0.0; 5]);
                            continue;
                        };
                        let [p, agree, anywhere] = in_part(steps, k, &button, &act);
                        f.extend([
                            *score,
                            p,
                            agree,
                            (steps.len() == steps_asked) as u8 as f32,
                            anywhere,
                        ]);
                    }
                    match &same_count {
                        Some((score, steps)) => {
                            let [p, agree, anywhere] = in_part(steps, k, &button, &act);
                            f.extend([*score, p, agree, anywhere]);
                        }
                        None => f.extend([0.0; 4]),
                    }
                    f.push(answer::target_in_question(act.as_ref(), question) as u8 as f32);
                    f.push(retrieval.covered as u8 as f32);
                    f.push(margin);
                    // What each cue alone said about the best part's k-th line.
                    let line = parts
                        .first()
                        .and_then(|(_, steps)| steps.get(k))
                        .map(|s| &timeline.lines[s.index])
                        .filter(|l| l.about != About::None);
                    let vote = |v: Option<&crate::Vote>, scale: f32| {
                        v.filter(|v| v.button == button)
                            .map_or(0.0, |v| (v.score / scale).clamp(0.0, 1.0))
                    };
                    f.push(line.map_or(0.0, |l| vote(l.cues.label.as_ref(), 1.0)));
                    f.push(line.map_or(0.0, |l| vote(l.cues.video.as_ref(), 8.0)));
                    f.push(line.map_or(0.0, |l| vote(l.cues.layout.as_ref(), 1.0)));
                    debug_assert_eq!(f.len(), width());
                    f
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Control, CueVotes, Line, Vote};

    fn line(n: usize, text: &str, button: Option<&str>, action: Option<Action>) -> Line {
        Line {
            line: n,
            start: n as f64,
            end: n as f64 + 1.0,
            text: text.into(),
            action,
            about: if button.is_some() {
                About::Control
            } else {
                About::None
            },
            button: button.map(String::from),
            label: None,
            confidence: if button.is_some() { 0.9 } else { 0.0 },
            moment: None,
            alternatives: vec![],
            cues: CueVotes {
                label: button.map(|b| Vote {
                    button: b.into(),
                    score: 1.0,
                }),
                video: None,
                layout: None,
            },
        }
    }

    #[test]
    fn evidence_follows_the_best_part_and_counts_steps() {
        let controls = ["button1", "button2", "button3"]
            .iter()
            .map(|b| Control {
                button: b.to_string(),
                rect: [0.0, 0.0, 1.0, 1.0],
                label: None,
                label_candidates: vec![],
            })
            .collect();
        let timeline = Timeline {
            version: crate::VERSION,
            photo: "p.jpg".into(),
            controls,
            video_registered: None,
            video_problem: None,
            lines: vec![
                line(1, "To make tea, follow these steps.", None, None),
                line(
                    2,
                    "Press the Tea key.",
                    Some("button1"),
                    Some(Action::Press),
                ),
                line(3, "Press Start.", Some("button3"), Some(Action::Press)),
                line(4, "To boil water, do this.", None, None),
                line(
                    5,
                    "Press the Boil key.",
                    Some("button2"),
                    Some(Action::Press),
                ),
            ],
        };
        let index = Index::new(&timeline);
        let r = index.retrieve("how do I make tea", None);
        let answers = vec![
            vec!["Press <button1>".to_string(), "Press <button2>".to_string()],
            vec!["Press <button3>".to_string(), "Press <button2>".to_string()],
        ];
        let ev = listed(&timeline, &index, &r, "how do I make tea", &answers);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0][0].len(), width());
        assert_eq!(names().len(), width());
        // The tea part is best, has two steps like the question, and says button1 then button3.
        assert!(ev[0][0][1] > 0.8 && ev[0][1][1] == 0.0);
        assert!(ev[1][0][1] > 0.8 && ev[1][1][1] == 0.0);
        assert_eq!(ev[0][0][3], 1.0);
        assert_eq!(ev[0][0][2], 1.0);
        // The label cue voted for button1 on the first step.
        let label_vote = width() - 3;
        assert_eq!(ev[0][0][label_vote], 1.0);
        assert_eq!(ev[0][1][label_vote], 0.0);
        // The boil part (second) has one step: its control appears there, not at step 2.
        assert_eq!(ev[0][1][5 + 3], 0.0);
        assert!(ev[1][1][5 + 4] > 0.8);
    }
}
