//! Answering from the tutorial: find the part of the timeline that answers a question, and read
//! its steps off the grounded lines.
//!
//! 1. **Spans** ([`spans`]): the script's function paragraphs (a line that introduces a goal,
//!    "To make a lungo, ...", "Let me show you how to ...", opens one; the lines after it up to the
//!    next such line belong to it), and, where a paragraph is long (no goal lines to cut it), every
//!    run of 2 to [`MAX_RUN`] consecutive control lines inside it.
//! 2. **Ranking** ([`retrieve`]): BM25 of the question's words against each span's words (the
//!    lexical score of the 2022 winner's function-centric grounding, with plain suffix stemming),
//!    plus, when the caller has a sentence encoder, the cosine between the question's and the
//!    span's goal sentence embeddings, which carries paraphrase and questions that name the goal
//!    rather than the buttons. Below [`COVERED_THRESHOLD`] the tutorial "does not seem to cover"
//!    the question, and the closest spans are what it does cover.
//! 3. **Steps** ([`steps`]): the span's lines that ask for an action, in order, each with its
//!    control, confidence, alternatives and moment from the timeline.
//! 4. **Candidates**: for a question with listed candidate answers, [`candidate_score`] scores each
//!    against the step (the timeline's probability of its control, plus agreement of its action);
//!    for any other question, [`free_candidates`] lists every control with the actions the tutorial
//!    uses for it.
//!
//! The encoder stays with the caller (this crate has no model): it passes the cosine of the
//! question with each span's [`Span::goal`].

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::action::{self, Action};
use crate::{About, Line, Timeline};

/// Longest run of consecutive lines taken as a span inside a long paragraph.
pub const MAX_RUN: usize = 5;
/// A paragraph with more control lines than this is also cut into runs.
pub const LONG_PARAGRAPH: usize = 6;
/// Weight of the semantic (embedding) score against the lexical one.
pub const SEMANTIC_WEIGHT: f32 = 0.7;
/// What a span loses when its goal's numbers are all other than the question's.
pub const NUMBER_CONFLICT: f32 = 0.3;

/// What a span loses per number in its goal the question does not ask for, when some span has
/// the question's numbers.
pub const NUMBER_EXTRA: f32 = 0.1;

/// What a span gains, for a question whose numbers no span shows, when its goal sets as many.
pub const NUMBER_SHAPE: f32 = 0.1;

fn numbers(text: &str) -> Vec<String> {
    terms(text)
        .into_iter()
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

/// Below this fused score the question is not covered by the tutorial.
pub const COVERED_THRESHOLD: f32 = 0.33;
/// ... and below this cosine alone: a shared word ("off") with nothing of its meaning is no
/// cover.
pub const SEMANTIC_FLOOR: f32 = 0.3;

/// How a line opens a new function paragraph: the 2022 winner's paragraph starts
/// (`assistq::paragraphs::PARAGRAPH_STARTS`) and goal phrases anywhere in its first sentence.
const GOAL_MARKERS: &[&str] = &[
    "how to ",
    "let me show you",
    "here's how",
    "here is how",
    "in order to ",
    "if you want to ",
    "you can ",
];

/// A part of the tutorial that may answer a question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    /// Indices into [`Timeline::lines`], in order.
    pub lines: Vec<usize>,
    /// 1-based script lines of its first and last line.
    pub first_line: usize,
    pub last_line: usize,
    /// Seconds.
    pub start: f64,
    pub end: f64,
    /// The goal it shows: its first line (the one that says what it is for).
    pub goal: String,
    /// All its lines, joined.
    pub text: String,
    /// A whole function paragraph (else a run of lines inside a long one).
    pub paragraph: bool,
}

/// Does `text` (a script line) introduce a goal?
pub fn opens_paragraph(text: &str) -> bool {
    let t = text.trim();
    if assistq::paragraphs::PARAGRAPH_STARTS
        .iter()
        .any(|p| t.starts_with(p))
    {
        return true;
    }
    let first = crate::sentences(t)
        .first()
        .copied()
        .unwrap_or(t)
        .to_lowercase();
    GOAL_MARKERS.iter().any(|m| first.contains(m))
}

/// The sentences of a goal line that say what it is for: those asking for no action ("This is
/// how to stop the kettle."), else the first ("To stop the kettle, press On/Off.").
pub fn goal_phrase(line: &str) -> String {
    let sentences = crate::sentences(line);
    let goals: Vec<&str> = sentences
        .iter()
        .copied()
        .filter(|s| action::parse(s).is_none())
        .collect();
    if goals.is_empty() {
        sentences.first().copied().unwrap_or(line).to_string()
    } else {
        goals.join(" ")
    }
}

fn is_step(line: &Line) -> bool {
    line.action.is_some() && line.about != About::None
}

/// The spans of `timeline`, in script order: paragraphs first, then runs inside long ones.
/// Lines before the first goal line that ask for no action (an opening) belong to no span.
pub fn spans(timeline: &Timeline) -> Vec<Span> {
    let mut paragraphs: Vec<Vec<usize>> = Vec::new();
    for (i, line) in timeline.lines.iter().enumerate() {
        if line.text.trim().is_empty() {
            continue;
        }
        let opens = opens_paragraph(&line.text);
        match paragraphs.last_mut() {
            Some(p) if !opens => p.push(i),
            _ if !opens && !is_step(line) => {}
            _ => paragraphs.push(vec![i]),
        }
    }
    let make = |lines: Vec<usize>, paragraph: bool| {
        let first = &timeline.lines[lines[0]];
        let last = &timeline.lines[*lines.last().expect("non-empty")];
        Span {
            first_line: first.line,
            last_line: last.line,
            start: first.start,
            end: last.end,
            goal: first.text.trim().to_string(),
            text: lines
                .iter()
                .map(|&i| timeline.lines[i].text.trim())
                .collect::<Vec<_>>()
                .join(" "),
            lines,
            paragraph,
        }
    };
    let mut out: Vec<Span> = Vec::new();
    let mut runs: Vec<Span> = Vec::new();
    for p in paragraphs {
        let stepping: Vec<usize> = p
            .iter()
            .copied()
            .filter(|&i| is_step(&timeline.lines[i]))
            .collect();
        if stepping.is_empty() {
            continue;
        }
        if stepping.len() > LONG_PARAGRAPH {
            for len in 2..=MAX_RUN {
                for w in stepping.windows(len) {
                    runs.push(make(w.to_vec(), false));
                }
            }
        }
        out.push(make(p, true));
    }
    out.extend(runs);
    out
}

/// Words that say nothing about which function is meant.
const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "to",
    "do",
    "does",
    "i",
    "me",
    "my",
    "you",
    "your",
    "it",
    "is",
    "are",
    "be",
    "can",
    "could",
    "would",
    "should",
    "how",
    "what",
    "which",
    "when",
    "where",
    "why",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "of",
    "on",
    "in",
    "at",
    "for",
    "with",
    "and",
    "or",
    "so",
    "then",
    "now",
    "next",
    "please",
    "tell",
    "show",
    "help",
    "want",
    "like",
    "d",
    "need",
    "way",
    "steps",
    "step",
    "work",
    "walk",
    "through",
    "let",
    "let's",
    "us",
    "we",
    "use",
    "using",
    "just",
    "some",
    "something",
    "if",
    "by",
    "from",
    "up",
    "as",
    "into",
    "will",
    "once",
    "again",
    "its",
    "it's",
    "i'd",
    "i'm",
    "what's",
    "via",
    "all",
    "am",
];

/// Lower-case content words of `text`, plainly stemmed ("cooking" -> "cook", "seconds" ->
/// "second"), numbers kept.
pub fn terms(text: &str) -> Vec<String> {
    let mut text = text.to_lowercase();
    for (phrase, word) in PHRASES {
        text = text.replace(phrase, word);
    }
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-').to_lowercase())
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(&w.as_str()))
        .map(|w| canonical(&stem(&w)))
        .collect()
}

/// Phrases that are one term.
const PHRASES: &[(&str, &str)] = &[
    ("black and white", "mono"),
    ("black-and-white", "mono"),
    ("b&w", "mono"),
    ("wi fi", "wifi"),
];

/// Words appliance manuals use for the same thing, each group mapped to its first word (after
/// stemming): "abort" and "cancel" find "stop", "thaw" finds "defrost".
const SYNONYMS: &[&[&str]] = &[
    // Appliances stop, cancel, clear and switch off with one key.
    &[
        "stop",
        "cancel",
        "abort",
        "halt",
        "end",
        "terminate",
        "quit",
        "off",
        "reset",
        "clear",
    ],
    &["connect", "pair", "link"],
    &["wifi", "wi-fi", "wireless", "network", "router"],
    &["start", "begin", "launch", "go"],
    &["defrost", "thaw", "unfreeze"],
    &["warm", "heat", "reheat"],
    &["copy", "photocopy", "duplicate"],
    &["mono", "monochrome", "greyscale", "grayscale"],
    &["colour", "color"],
    &["grey", "gray"],
    &["light", "lamp"],
    &["quick", "fast", "rapid", "express"],
    &["strong", "stronger", "intense", "bold"],
    &["delay", "schedule", "preset", "postpone", "later"],
    &["lock", "childlock"],
    &["programme", "program", "cycle", "mode"],
    &["temperature", "temp"],
];

fn canonical(w: &str) -> String {
    SYNONYMS
        .iter()
        .find(|g| g.iter().any(|s| stem(s) == w))
        .map(|g| stem(g[0]))
        .unwrap_or_else(|| w.to_string())
}

fn stem(w: &str) -> String {
    if w.chars().any(|c| c.is_ascii_digit()) {
        return w.to_string();
    }
    if let Some(base) = w.strip_suffix("ies") {
        if base.len() >= 2 {
            return format!("{base}y");
        }
    }
    for suffix in ["ing", "ed", "es", "s", "ly"] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.len() >= 3 && !w.ends_with("ss") {
                return base.to_string();
            }
        }
    }
    w.to_string()
}

/// One span's score for a question.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpanScore {
    /// Index into the spans.
    pub span: usize,
    /// BM25, squashed to [0, 1) as `b / (b + 2)`.
    pub lexical: f32,
    /// Cosine of the question's and the goal's embeddings, when given.
    pub semantic: Option<f32>,
    /// What the ranking goes by.
    pub score: f32,
}

/// The spans ranked for a question, and whether the best is good enough.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retrieval {
    /// Best first.
    pub ranked: Vec<SpanScore>,
    pub covered: bool,
}

impl Retrieval {
    pub fn best(&self) -> Option<&SpanScore> {
        self.ranked.first()
    }
}

/// How much more a number in the question counts than a word: "4 copies" must find the part
/// that makes 4 copies, not the one that makes 5 with the same words.
pub const NUMBER_WEIGHT: f32 = 3.0;

/// BM25 (k1 1.2, b 0.75) of `query` against each document, the documents being the corpus; a
/// query term with digits counts [`NUMBER_WEIGHT`] times.
pub fn bm25(query: &[String], documents: &[Vec<String>]) -> Vec<f32> {
    let n = documents.len() as f32;
    if documents.is_empty() {
        return Vec::new();
    }
    let avg = documents.iter().map(|d| d.len() as f32).sum::<f32>() / n;
    let mut df: HashMap<&str, f32> = HashMap::new();
    for d in documents {
        let mut seen: Vec<&str> = d.iter().map(|s| s.as_str()).collect();
        seen.sort_unstable();
        seen.dedup();
        for t in seen {
            *df.entry(t).or_default() += 1.0;
        }
    }
    let mut unique: Vec<&String> = query.iter().collect();
    unique.sort_unstable();
    unique.dedup();
    documents
        .iter()
        .map(|d| {
            let len = d.len() as f32;
            unique
                .iter()
                .map(|t| {
                    let f = d.iter().filter(|x| x == t).count() as f32;
                    if f == 0.0 {
                        return 0.0;
                    }
                    let nt = df.get(t.as_str()).copied().unwrap_or(0.0);
                    let idf = (1.0 + (n - nt + 0.5) / (nt + 0.5)).ln();
                    let weight = if t.chars().any(|c| c.is_ascii_digit()) {
                        NUMBER_WEIGHT
                    } else {
                        1.0
                    };
                    weight * idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len / avg.max(1e-6)))
                })
                .sum()
        })
        .collect()
}

/// Ranks `spans` for `question`. `semantic[i]` is the cosine between the question's and span
/// `i`'s goal embeddings (None: lexical only, with a threshold scaled to match).
pub fn retrieve(question: &str, spans: &[Span], semantic: Option<&[f32]>) -> Retrieval {
    retrieve_without(question, spans, semantic, &[])
}

/// [`retrieve`], ignoring the question's words in `identity` (the appliance's own name: every
/// question may say it, so it tells no part of the tutorial from another).
pub fn retrieve_without(
    question: &str,
    spans: &[Span],
    semantic: Option<&[f32]>,
    identity: &[String],
) -> Retrieval {
    let query: Vec<String> = terms(question)
        .into_iter()
        .filter(|t| !identity.contains(t))
        .collect();
    let docs: Vec<Vec<String>> = spans
        .iter()
        .map(|s| {
            // The goal counts twice: it says what the span is for; the steps name controls.
            let mut t = terms(&s.goal);
            t.extend(terms(&s.text));
            t
        })
        .collect();
    let lexical = bm25(&query, &docs);
    let mut ranked: Vec<SpanScore> = lexical
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let lex = b / (b + 2.0);
            let sem = semantic.and_then(|s| s.get(i).copied());
            let score = match sem {
                Some(c) => SEMANTIC_WEIGHT * c + (1.0 - SEMANTIC_WEIGHT) * lex,
                None => lex,
            };
            SpanScore {
                span: i,
                lexical: lex,
                semantic: sem,
                score,
            }
        })
        .collect();
    // A number the question asks for decides between parts that differ only by it ("4 copies"
    // against "5 copies"): when some span's goal has one of the question's numbers, a span whose
    // goal has only other numbers drops. (When none has it, the question asks by analogy.)
    let wanted: Vec<String> = numbers(question);
    if !wanted.is_empty() {
        let goal_numbers: Vec<Vec<String>> = spans.iter().map(|s| numbers(&s.goal)).collect();
        let agrees = |n: &Vec<String>| n.iter().any(|x| wanted.contains(x));
        if goal_numbers.iter().any(agrees) {
            for s in &mut ranked {
                let n = &goal_numbers[s.span];
                if !n.is_empty() && !agrees(n) {
                    s.score -= NUMBER_CONFLICT;
                }
                // A value the question does not ask for belongs to another variant ("an
                // espresso at strength 2" is not the one "at strength 2 and 30 ml").
                let extra = n.iter().filter(|x| !wanted.contains(x)).count();
                s.score -= NUMBER_EXTRA * extra as f32;
            }
        } else {
            // Asked by analogy: the parts that set as many values are the likelier.
            for s in &mut ranked {
                if goal_numbers[s.span].len() == wanted.len() {
                    s.score += NUMBER_SHAPE;
                }
            }
        }
    }
    // Ties (equal scores) go to the whole paragraph, then the earlier span.
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(spans[b.span].paragraph.cmp(&spans[a.span].paragraph))
            .then(a.span.cmp(&b.span))
    });
    let covered = ranked.first().is_some_and(|s| {
        if semantic.is_some() {
            is_covered(s)
        } else {
            s.score >= LEXICAL_THRESHOLD
        }
    });
    Retrieval { ranked, covered }
}

/// Whether the best span, scored with the sentence encoder, covers the question.
fn is_covered(best: &SpanScore) -> bool {
    best.score >= COVERED_THRESHOLD && best.semantic.is_none_or(|c| c >= SEMANTIC_FLOOR)
}

/// The threshold without embeddings (lexical score alone).
pub const LEXICAL_THRESHOLD: f32 = 0.3;

/// One step of an answer read off the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedStep {
    /// Index into [`Timeline::lines`].
    pub index: usize,
    /// 1-based script line.
    pub line: usize,
    pub start: f64,
    pub end: f64,
    pub text: String,
    pub action: Option<Action>,
    /// None when no cue said which control.
    pub button: Option<String>,
    pub label: Option<String>,
    pub confidence: f32,
    pub moment: Option<f64>,
    /// Every button the timeline gives a probability for this line, best first.
    pub probabilities: Vec<(String, f32)>,
}

/// The steps of `span`: its lines that ask for an action, in order.
pub fn steps(timeline: &Timeline, span: &Span) -> Vec<PlannedStep> {
    span.lines
        .iter()
        .filter(|&&i| is_step(&timeline.lines[i]))
        .map(|&i| {
            let l = &timeline.lines[i];
            let mut probabilities: Vec<(String, f32)> = Vec::new();
            if let (Some(b), About::Control) = (&l.button, l.about) {
                probabilities.push((b.clone(), l.confidence));
            }
            for alt in &l.alternatives {
                if !probabilities.iter().any(|(b, _)| *b == alt.button) {
                    probabilities.push((alt.button.clone(), alt.score));
                }
            }
            PlannedStep {
                index: i,
                line: l.line,
                start: l.start,
                end: l.end,
                text: l.text.clone(),
                action: l.action.clone(),
                button: (l.about == About::Control)
                    .then(|| l.button.clone())
                    .flatten(),
                label: l.label.clone(),
                confidence: if l.about == About::Control {
                    l.confidence
                } else {
                    0.0
                },
                moment: l.moment,
                probabilities,
            }
        })
        .collect()
}

/// [`steps`] for `question`, which may ask for other values than the span shows ("4 copies"
/// where the tutorial makes 2): when the question's numbers are none of the span goal's and as
/// many, each turn's target takes the question's number in the goal's number's place, as a
/// person would turn the dial further.
pub fn steps_for_question(timeline: &Timeline, span: &Span, question: &str) -> Vec<PlannedStep> {
    let mut out = steps(timeline, span);
    let asked = numbers(question);
    let shown = numbers(&span.goal);
    if asked.is_empty() || asked.len() != shown.len() || asked.iter().any(|n| shown.contains(n)) {
        return out;
    }
    for step in &mut out {
        if let Some(Action::Turn { to: Some(to), .. }) = &mut step.action {
            let replaced: Vec<String> = to
                .split(' ')
                .map(|w| match shown.iter().position(|n| n == w) {
                    Some(i) => asked[i].clone(),
                    None => w.to_string(),
                })
                .collect();
            *to = replaced.join(" ");
        }
    }
    out
}

/// `Turn <button5> clockwise to 60 millilitres` -> (`button5`, the parsed action).
pub fn parse_answer(answer: &str) -> (Option<String>, Option<Action>) {
    let button = answer.find('<').and_then(|s| {
        answer[s + 1..]
            .find('>')
            .map(|e| answer[s + 1..s + 1 + e].to_string())
    });
    let plain: String = match (answer.find('<'), answer.find('>')) {
        (Some(s), Some(e)) if e > s => format!("{} the button {}", &answer[..s], &answer[e + 1..]),
        _ => answer.to_string(),
    };
    (button, action::parse(&plain))
}

fn norm_value(s: &str) -> String {
    s.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// How well action `b` agrees with action `a` (the step's), 0 to 1: the same kind counts half,
/// the same details (duration, direction, target) the other half.
pub fn action_agreement(a: &Action, b: &Action) -> f32 {
    match (a, b) {
        (Action::Press, Action::Press) => 1.0,
        (Action::Hold { seconds: x }, Action::Hold { seconds: y }) => match (x, y) {
            (Some(x), Some(y)) if (x - y).abs() < 0.5 => 1.0,
            (Some(_), Some(_)) => 0.5,
            _ => 0.75,
        },
        (
            Action::Turn {
                direction: d1,
                to: t1,
            },
            Action::Turn {
                direction: d2,
                to: t2,
            },
        ) => {
            let mut s = 0.5;
            if d1.is_some() && d1 == d2 {
                s += 0.2;
            }
            if let (Some(x), Some(y)) = (t1, t2) {
                if norm_value(x) == norm_value(y) {
                    s += 0.3;
                }
            }
            s
        }
        (Action::Slide { to: t1 }, Action::Slide { to: t2 }) => {
            if t1.as_ref().map(|t| norm_value(t)) == t2.as_ref().map(|t| norm_value(t)) {
                1.0
            } else {
                0.5
            }
        }
        (Action::Open, Action::Open) | (Action::Close, Action::Close) => 1.0,
        _ => 0.0,
    }
}

/// The timeline's probability that `step` is about `button`.
pub fn button_probability(step: &PlannedStep, button: &str) -> f32 {
    step.probabilities
        .iter()
        .find(|(b, _)| b == button)
        .map(|(_, p)| *p)
        .unwrap_or(0.0)
}

/// The timeline-only score of candidate answer `answer` (on `button`) for `step`: the
/// probability of its control plus half its action's agreement with the step's.
pub fn candidate_score(step: &PlannedStep, answer: &str, button: &str) -> f32 {
    let (_, act) = parse_answer(answer);
    let agree = match (&step.action, &act) {
        (Some(a), Some(b)) => action_agreement(a, b),
        _ => 0.0,
    };
    button_probability(step, button) + 0.5 * agree
}

/// The answer text for `action` on `button`, as the AssistQ files write answers.
pub fn answer_text(action: &Action, button: &str) -> String {
    action.phrase(Some(&format!("<{button}>")))
}

/// A candidate for a question nobody wrote candidates for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FreeCandidate {
    pub button: String,
    pub action: Action,
    /// As the AssistQ files write answers (`Press <button4>`).
    pub answer: String,
    pub score: f32,
}

/// Every control of the pack with every action the tutorial uses for it (controls it never
/// operates get a press), scored for `step` with [`candidate_score`], best first.
pub fn free_candidates(timeline: &Timeline, step: &PlannedStep) -> Vec<FreeCandidate> {
    let mut actions: BTreeMap<&str, Vec<Action>> = BTreeMap::new();
    for c in &timeline.controls {
        actions.entry(c.button.as_str()).or_default();
    }
    for l in &timeline.lines {
        if let (About::Control, Some(b), Some(a)) = (l.about, &l.button, &l.action) {
            let list = actions.entry(b.as_str()).or_default();
            if !list.contains(a) {
                list.push(a.clone());
            }
        }
    }
    let mut out: Vec<FreeCandidate> = Vec::new();
    for (button, mut list) in actions {
        if list.is_empty() {
            list.push(Action::Press);
        }
        // The step's own action on every control: the tutorial may do it on this one elsewhere
        // under another name.
        if let Some(a) = &step.action {
            if !list.contains(a) {
                list.push(a.clone());
            }
        }
        for action in list {
            let answer = answer_text(&action, button);
            let score = candidate_score(step, &answer, button);
            out.push(FreeCandidate {
                button: button.to_string(),
                action,
                answer,
                score,
            });
        }
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

/// A pack's spans, made once per timeline (never per question), with their goal embeddings
/// when the caller has a sentence encoder.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub spans: Vec<Span>,
    /// Terms of the tutorial's opening lines (before any goal, asking for no action): the
    /// appliance's name ("my air fryer"), which questions mention in passing.
    pub identity: Vec<String>,
    /// Per span, the embedding of its [`Span::goal`].
    pub goal_embeddings: Option<Vec<Vec<f32>>>,
    /// The kinds of appliance ([`APPLIANCE_KINDS`]) the tutorial names anywhere: what it is
    /// about. Empty when it names none (a narration that only says "my machine").
    pub kinds: Vec<usize>,
    /// Per [`APPLIANCE_KINDS`] entry, the embedding of its [`kind_prompt`].
    pub kind_embeddings: Option<Vec<Vec<f32>>>,
}

/// How a kind of appliance is put to the sentence encoder: what a question about using one
/// reads like.
pub fn kind_prompt(kind: usize) -> String {
    format!("how do I use the {}", APPLIANCE_KINDS[kind][0])
}

/// What every span's score loses per unit of [`Index::kind_margin`] beyond
/// [`KIND_MARGIN_FREE`]: a question that reads clearly more like one about another kind of
/// appliance than about this one ("cancel the cooking" to a washing machine, "keep cooked rice
/// hot" to a microwave) without naming it. Kinds overlap (an air fryer's "change the temperature"
/// reads a little more like an oven's), hence the free margin. Both chosen on the tuning seeds
/// 555, 77 and 31 (docs/grounding.md): the largest gain in unrelated questions refused with no
/// covered question lost.
pub const KIND_PENALTY: f32 = 2.0;
/// The part of [`Index::kind_margin`] that costs nothing.
pub const KIND_MARGIN_FREE: f32 = 0.15;

/// Kinds of appliance, each with the names a narration or a question gives it (whole words,
/// lower case). A question naming a kind the tutorial never names is about another appliance.
pub const APPLIANCE_KINDS: &[&[&str]] = &[
    &["microwave"],
    &["oven"],
    &["kettle"],
    &["dishwasher"],
    &["washing machine", "washer"],
    &["tumble dryer", "dryer"],
    &["air fryer", "airfryer", "fryer"],
    &["rice cooker"],
    &[
        "coffee machine",
        "coffee maker",
        "espresso machine",
        "coffeemachine",
    ],
    &["printer", "copier", "photocopier"],
    &["toaster"],
    &["blender"],
    &["fridge", "refrigerator", "freezer"],
];

/// The [`APPLIANCE_KINDS`] that `text` names (whole words).
pub fn appliance_kinds(text: &str) -> Vec<usize> {
    let joined = format!(" {} ", crate::lower_words(text).join(" "));
    APPLIANCE_KINDS
        .iter()
        .enumerate()
        .filter(|(_, names)| names.iter().any(|n| joined.contains(&format!(" {n} "))))
        .map(|(i, _)| i)
        .collect()
}

impl Index {
    pub fn new(timeline: &Timeline) -> Self {
        let spans = spans(timeline);
        let first = spans.iter().map(|s| s.lines[0]).min().unwrap_or(0);
        let identity = timeline.lines[..first.min(timeline.lines.len())]
            .iter()
            .filter(|l| l.action.is_none())
            .flat_map(|l| terms(&l.text))
            .collect();
        let all_text: Vec<&str> = timeline.lines.iter().map(|l| l.text.as_str()).collect();
        Self {
            spans,
            identity,
            goal_embeddings: None,
            kinds: appliance_kinds(&all_text.join(" ")),
            kind_embeddings: None,
        }
    }

    /// How much closer the question's embedding is to another kind's [`kind_prompt`] than to
    /// the nearest of the tutorial's own kinds: 0 when it is closest to its own, when it names
    /// one of them, when the tutorial names no kind, or without embeddings.
    pub fn kind_margin(&self, question: &str, question_embedding: Option<&[f32]>) -> f32 {
        let (Some(kinds), Some(q)) = (&self.kind_embeddings, question_embedding) else {
            return 0.0;
        };
        if self.kinds.is_empty()
            || appliance_kinds(question)
                .iter()
                .any(|k| self.kinds.contains(k))
        {
            return 0.0;
        }
        let (mut own, mut other) = (f32::MIN, f32::MIN);
        for (k, e) in kinds.iter().enumerate() {
            let c = cosine(q, e);
            if self.kinds.contains(&k) {
                own = own.max(c);
            } else {
                other = other.max(c);
            }
        }
        (other - own).max(0.0)
    }

    /// Whether `question` names a kind of appliance the tutorial, which names its own, never
    /// does ("how do I reset the microwave" on a rice cooker's tutorial).
    pub fn asks_about_another_appliance(&self, question: &str) -> bool {
        !self.kinds.is_empty()
            && appliance_kinds(question)
                .iter()
                .any(|k| !self.kinds.contains(k))
    }

    /// The question as it should be embedded: without the appliance's own name.
    pub fn question_text(&self, question: &str) -> String {
        question
            .split_whitespace()
            .filter(|w| {
                let t = terms(w);
                t.is_empty() || !t.iter().all(|x| self.identity.contains(x))
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The texts to embed, one per span: its goal sentences (those of its first line that ask for
    /// no action, else its first sentence) without the appliance's name, as
    /// [`Index::question_text`] leaves the question. [`Index::with_embeddings`] takes their
    /// embeddings.
    pub fn goals(&self) -> Vec<String> {
        self.spans
            .iter()
            .map(|s| self.question_text(&goal_phrase(&s.goal)))
            .collect()
    }

    /// Everything the index embeds, in the order [`Index::with_embeddings`] takes it: the
    /// [`Index::goals`], then one [`kind_prompt`] per [`APPLIANCE_KINDS`] entry.
    pub fn embedding_texts(&self) -> Vec<String> {
        let mut texts = self.goals();
        texts.extend((0..APPLIANCE_KINDS.len()).map(kind_prompt));
        texts
    }

    /// The embeddings of [`Index::embedding_texts`] (of [`Index::goals`] alone is accepted
    /// too); any other count leaves the index lexical.
    pub fn with_embeddings(mut self, mut embeddings: Vec<Vec<f32>>) -> Self {
        let n = self.spans.len();
        if embeddings.len() == n + APPLIANCE_KINDS.len() {
            self.kind_embeddings = Some(embeddings.split_off(n));
        }
        if embeddings.len() == n {
            self.goal_embeddings = Some(embeddings);
        }
        self
    }

    /// [`retrieve`] with the cosine of `question_embedding` (the question through the same
    /// encoder as the goals) and every goal, when both are there.
    pub fn retrieve(&self, question: &str, question_embedding: Option<&[f32]>) -> Retrieval {
        let semantic: Option<Vec<f32>> = match (&self.goal_embeddings, question_embedding) {
            (Some(goals), Some(q)) => Some(goals.iter().map(|g| cosine(q, g)).collect()),
            _ => None,
        };
        let mut retrieval =
            retrieve_without(question, &self.spans, semantic.as_deref(), &self.identity);
        let penalty = KIND_PENALTY
            * (self.kind_margin(question, question_embedding) - KIND_MARGIN_FREE).max(0.0);
        if penalty > 0.0 && semantic.is_some() {
            for s in &mut retrieval.ranked {
                s.score -= penalty;
            }
            retrieval.covered = retrieval.ranked.first().is_some_and(is_covered);
        }
        if self.asks_about_another_appliance(question) {
            retrieval.covered = false;
        }
        retrieval
    }
}

/// How deep in the ranking a listed question looks for a part with as many steps as it has.
pub const SAME_COUNT_DEPTH: usize = 8;

/// What a candidate gains when the question writes the value its action sets
/// ([`target_in_question`]).
pub const TARGET_BONUS: f32 = 0.2;

/// The part a listed question of `steps_asked` steps is answered from: of the first
/// [`SAME_COUNT_DEPTH`] parts of `retrieval`, the best-ranked with exactly as many steps (a
/// listed question's step count is known, and the part that shows it step for step is the
/// likelier one: "boil water and keep it warm" is the two-step part, not the one-step "boil
/// water" that ranked first), else the best. Its rank in `retrieval.ranked` and its steps.
pub fn listed_part(
    timeline: &Timeline,
    index: &Index,
    retrieval: &Retrieval,
    question: &str,
    steps_asked: usize,
) -> Option<(usize, Vec<PlannedStep>)> {
    let mut first = None;
    for (rank, s) in retrieval.ranked.iter().take(SAME_COUNT_DEPTH).enumerate() {
        let steps = steps_for_question(timeline, &index.spans[s.span], question);
        if steps.len() == steps_asked {
            return Some((rank, steps));
        }
        if first.is_none() {
            first = Some((rank, steps));
        }
    }
    first
}

/// Whether the value `action` sets (a turn's or slide's target, a hold's seconds) is written in
/// `question`: "a Mixed wash" asks for "Turn ... to Mixed" over the tutorial's "to Synthetics".
/// The value's first word carries it ("60" of "60 millilitres").
pub fn target_in_question(action: Option<&Action>, question: &str) -> bool {
    let norm = |s: &str| crate::lower_words(s).join(" ");
    let target = match action {
        Some(Action::Turn { to: Some(t), .. }) | Some(Action::Slide { to: Some(t) }) => norm(t),
        Some(Action::Hold { seconds: Some(s) }) => format!("{s}"),
        _ => return false,
    };
    let q = format!(" {} ", norm(question));
    match target.split(' ').next() {
        Some(w) if !w.is_empty() => q.contains(&format!(" {w} ")),
        _ => false,
    }
}

/// Timeline-only scores of a listed question's candidates (`answers[k]`, the AssistQ protocol):
/// step `k` of `steps` (the [`listed_part`]'s) scores them with [`candidate_score`], plus
/// [`TARGET_BONUS`] when `question` writes the value the candidate sets; a step past the part's
/// last scores them on that alone (ties rank pessimistically).
pub fn score_listed(
    steps: &[PlannedStep],
    answers: &[Vec<String>],
    question: &str,
) -> Vec<Vec<f32>> {
    answers
        .iter()
        .enumerate()
        .map(|(k, cands)| {
            cands
                .iter()
                .map(|a| {
                    let (button, action) = parse_answer(a);
                    let asked = if target_in_question(action.as_ref(), question) {
                        TARGET_BONUS
                    } else {
                        0.0
                    };
                    asked
                        + match (steps.get(k), button) {
                            (Some(step), Some(button)) => candidate_score(step, a, &button),
                            _ => 0.0,
                        }
                })
                .collect()
        })
        .collect()
}

/// Cosine similarity (0 for a zero vector).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_about_another_kind_of_appliance_is_not_covered() {
        assert_eq!(
            appliance_kinds("This video shows the controls of a rice cooker."),
            [7]
        );
        assert_eq!(
            appliance_kinds("How do I make a lungo on my coffee maker?"),
            appliance_kinds("the Coffee Machine")
        );
        assert!(appliance_kinds("press Start, then wash").is_empty());
        let index = |kinds: Vec<usize>| Index {
            spans: Vec::new(),
            identity: Vec::new(),
            goal_embeddings: None,
            kinds,
            kind_embeddings: None,
        };
        let rice_cooker = index(appliance_kinds("a rice cooker"));
        assert!(rice_cooker.asks_about_another_appliance("how do I reset the microwave"));
        assert!(!rice_cooker.asks_about_another_appliance("how do I keep the rice warm"));
        assert!(!rice_cooker.asks_about_another_appliance("how do I stop the rice cooker"));
        // A tutorial that never says what it is refuses nothing this way.
        assert!(!index(Vec::new()).asks_about_another_appliance("how do I reset the microwave"));
    }

    /// The kind margin: how much closer a question sits to another kind's prompt than to the
    /// tutorial's own; nothing when the question names its own kind, or the tutorial none.
    #[test]
    fn kind_margin_compares_the_question_with_every_kind() {
        let n = APPLIANCE_KINDS.len();
        let unit = |k: usize| {
            let mut v = vec![0.0f32; n];
            v[k] = 1.0;
            v
        };
        let washer = appliance_kinds("washing machine")[0];
        let oven = appliance_kinds("oven")[0];
        let index = Index {
            spans: Vec::new(),
            identity: Vec::new(),
            goal_embeddings: None,
            kinds: vec![washer],
            kind_embeddings: Some((0..n).map(unit).collect()),
        };
        // A question embedded exactly like the oven's prompt: a full unit of margin.
        let like_oven = unit(oven);
        assert!((index.kind_margin("cancel the cooking", Some(&like_oven)) - 1.0).abs() < 1e-6);
        // Closest to its own kind: none.
        assert_eq!(index.kind_margin("stop the wash", Some(&unit(washer))), 0.0);
        // Naming its own kind, whatever it reads like: none.
        assert_eq!(
            index.kind_margin(
                "cancel the cooking on the washing machine",
                Some(&like_oven)
            ),
            0.0
        );
        // No question embedding, or a tutorial that names no kind: none.
        assert_eq!(index.kind_margin("cancel the cooking", None), 0.0);
        let unnamed = Index {
            kinds: Vec::new(),
            ..index.clone()
        };
        assert_eq!(
            unnamed.kind_margin("cancel the cooking", Some(&like_oven)),
            0.0
        );
        // The embeddings the index asks for: goals, then one prompt per kind.
        assert_eq!(index.embedding_texts().len(), n);
        assert_eq!(index.embedding_texts()[oven], kind_prompt(oven));
        let split = Index {
            kind_embeddings: None,
            ..index.clone()
        }
        .with_embeddings((0..n).map(unit).collect());
        assert_eq!(split.kind_embeddings, index.kind_embeddings);
    }

    use crate::{CueVotes, Vote};

    fn line(n: usize, text: &str, button: Option<&str>) -> Line {
        Line {
            line: n,
            start: n as f64 * 3.0,
            end: n as f64 * 3.0 + 3.0,
            text: text.into(),
            action: action::parse(text),
            about: if button.is_some() {
                About::Control
            } else {
                About::None
            },
            button: button.map(String::from),
            label: None,
            confidence: if button.is_some() { 0.8 } else { 0.0 },
            moment: None,
            alternatives: vec![Vote {
                button: "button9".into(),
                score: 0.1,
            }],
            cues: CueVotes::default(),
        }
    }

    fn timeline() -> Timeline {
        Timeline {
            version: crate::VERSION,
            photo: "p.jpg".into(),
            controls: Vec::new(),
            video_registered: None,
            video_problem: None,
            lines: vec![
                line(1, "Here is the control panel of my microwave.", None),
                line(
                    2,
                    "To defrost meat for 5 minutes, press the Defrost key.",
                    Some("button1"),
                ),
                line(
                    3,
                    "Turn the Time dial clockwise to 5 minutes.",
                    Some("button2"),
                ),
                line(4, "Press the Start key.", Some("button3")),
                line(
                    5,
                    "Let me show you how to reset the microwave. Press and hold the Stop key for 3 seconds.",
                    Some("button4"),
                ),
            ],
        }
    }

    #[test]
    fn paragraphs_start_at_goal_lines_and_skip_the_opening() {
        let s = spans(&timeline());
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].first_line, s[0].last_line), (2, 4));
        assert_eq!(s[0].lines, vec![1, 2, 3]);
        assert_eq!((s[1].first_line, s[1].last_line), (5, 5));
    }

    #[test]
    fn the_right_span_and_its_steps() {
        let t = timeline();
        let s = spans(&t);
        let r = retrieve("How do I thaw frozen meat for 5 minutes?", &s, None);
        assert_eq!(r.ranked[0].span, 0);
        assert!(r.covered, "{r:?}");
        let st = steps(&t, &s[0]);
        assert_eq!(st.len(), 3);
        assert_eq!(st[1].button.as_deref(), Some("button2"));
        assert_eq!(
            st[1].action,
            Some(Action::Turn {
                direction: Some("clockwise".into()),
                to: Some("5 minutes".into())
            })
        );
        let r = retrieve("Can I reset it?", &s, None);
        assert_eq!(r.ranked[0].span, 1);
    }

    #[test]
    fn unrelated_questions_are_not_covered() {
        let s = spans(&timeline());
        let r = retrieve("What's the weather tomorrow?", &s, None);
        assert!(!r.covered, "{r:?}");
        let r = retrieve("", &s, None);
        assert!(!r.covered);
    }

    #[test]
    fn candidates_score_by_control_and_action() {
        let t = timeline();
        let s = spans(&t);
        let st = steps(&t, &s[0]);
        let right = candidate_score(&st[1], "Turn <button2> clockwise to 5 minutes", "button2");
        let wrong_value =
            candidate_score(&st[1], "Turn <button2> clockwise to 9 minutes", "button2");
        let wrong_dir = candidate_score(
            &st[1],
            "Turn <button2> anticlockwise to 5 minutes",
            "button2",
        );
        let wrong_button = candidate_score(&st[1], "Press <button9>", "button9");
        assert!(
            right > wrong_value && wrong_value > wrong_button,
            "{right} {wrong_value}"
        );
        assert!(right > wrong_dir);
        let free = free_candidates(&t, &st[1]);
        assert_eq!(free[0].button, "button2");
        assert_eq!(free[0].answer, "Turn <button2> clockwise to 5 minutes");
    }

    #[test]
    fn a_listed_question_takes_the_best_part_with_its_step_count() {
        let t = timeline();
        let index = Index::new(&t);
        let q = "How do I defrost meat and reset the microwave?";
        let r = index.retrieve(q, None);
        // Three steps asked: the defrost part; one step asked: the best part with one step.
        let (rank, st) = listed_part(&t, &index, &r, q, 3).unwrap();
        assert_eq!(st.len(), 3);
        assert_eq!(index.spans[r.ranked[rank].span].first_line, 2);
        let (rank, st) = listed_part(&t, &index, &r, q, 1).unwrap();
        assert_eq!(st.len(), 1);
        assert_eq!(index.spans[r.ranked[rank].span].first_line, 5);
        // No part with 7 steps: the best part.
        assert_eq!(listed_part(&t, &index, &r, q, 7).unwrap().0, 0);
    }

    #[test]
    fn the_value_the_question_writes_decides_between_turns() {
        let turn = |to: &str| Action::Turn {
            direction: Some("clockwise".into()),
            to: Some(to.into()),
        };
        assert!(target_in_question(
            Some(&turn("Mixed")),
            "How do I start a Mixed wash?"
        ));
        assert!(!target_in_question(
            Some(&turn("Synthetics")),
            "How do I start a Mixed wash?"
        ));
        assert!(target_in_question(
            Some(&turn("60 millilitres")),
            "a 60 ml lungo"
        ));
        assert!(!target_in_question(Some(&Action::Press), "press 60"));
        let t = timeline();
        let st = steps(&t, &spans(&t)[0]);
        let answers = vec![vec![
            "Turn <button2> clockwise to 5 minutes".to_string(),
            "Turn <button2> clockwise to 9 minutes".to_string(),
        ]];
        let shown = score_listed(&st[1..2], &answers, "defrost for 5 minutes");
        assert!(shown[0][0] > shown[0][1]);
        // Asked for 9 minutes where the tutorial shows 5: the asked value wins over the shown.
        let asked = score_listed(&st[1..2], &answers, "defrost for 9 minutes");
        assert!(asked[0][1] > shown[0][1] && asked[0][0] < shown[0][0] + 1e-6);
    }

    #[test]
    fn answers_parse_back() {
        let (b, a) = parse_answer("Press and hold <button4> for 3 seconds");
        assert_eq!(b.as_deref(), Some("button4"));
        assert_eq!(a, Some(Action::Hold { seconds: Some(3.0) }));
        let a = Action::Turn {
            direction: Some("anticlockwise".into()),
            to: Some("power level 3".into()),
        };
        let text = answer_text(&a, "button7");
        assert_eq!(parse_answer(&text), (Some("button7".into()), Some(a)));
        assert_eq!(
            terms("Cooking the frozen meats"),
            vec!["cook", "frozen", "meat"]
        );
    }
}
