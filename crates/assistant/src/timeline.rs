//! A pack's tutorial timeline (`grounding`), computed once and cached next to its encoded
//! features by `grounding::cache` (the layout `pressnext ground --data` writes): the labels the
//! app names controls by, and the sentence, label and moment it shows as "why". A missing
//! timeline, or one of an older version, is recomputed; a pack still opens when it cannot be (no
//! OCR models, an unreadable photo), naming controls by their ids as before.

use std::path::Path;

use grounding::Timeline;

pub use grounding::cache::TIMELINE_FILE;

/// The cached timeline of the pack folder `folder`, or a new one written to `encoded_folder`
/// with the best OCR model and the hand models under `models_root` (loaded only then).
pub fn load_or_ground(
    folder: &Path,
    encoded_folder: &Path,
    models_root: &Path,
) -> Result<Timeline, String> {
    grounding::cache::load_or_ground(folder, encoded_folder, || {
        grounding::Readers::load(models_root)
    })
    .map_err(|e| e.to_string())
}

/// The grounding evidence of every listed candidate of `qas` (an encoded folder's `qa.json`, or
/// the one question being asked), for `MODEL.ARCH q2a_grounded`: each question retrieves the
/// timeline's parts from `index` as the app's answers do (BM25, plus the cosine of the
/// question's embedding by `embed` when the index has goal embeddings), then
/// `grounding::evidence::listed` describes each candidate. `pressnext ground --data`, `pressnext
/// bench-accuracy` (through it) and the app's ask call it.
pub fn listed_evidence(
    timeline: &Timeline,
    index: &grounding::answer::Index,
    qas: &[encoded::QaEntry],
    embed: Option<&dyn Fn(&[String]) -> Result<Vec<Vec<f32>>, String>>,
) -> Result<encoded::EncodedEvidence, String> {
    let mut asked = Vec::with_capacity(qas.len());
    for qa in qas {
        let q = match (embed, &index.goal_embeddings) {
            (Some(e), Some(_)) => e(&[index.question_text(&qa.question)])?.into_iter().next(),
            _ => None,
        };
        asked.push((qa, index.retrieve(&qa.question, q.as_deref())));
    }
    evidence_of(timeline, index, &asked)
}

/// [`listed_evidence`] of questions already ranked against `index` (each with its retrieval).
pub fn evidence_of(
    timeline: &Timeline,
    index: &grounding::answer::Index,
    asked: &[(&encoded::QaEntry, grounding::answer::Retrieval)],
) -> Result<encoded::EncodedEvidence, String> {
    let names = grounding::evidence::names();
    let mut steps = Vec::with_capacity(asked.len());
    for (qa, retrieval) in asked {
        let per_step =
            grounding::evidence::listed(timeline, index, retrieval, &qa.question, &qa.answers)
                .into_iter()
                .map(|rows| {
                    let a = rows.len();
                    candle_core::Tensor::from_vec(
                        rows.into_iter().flatten().collect::<Vec<f32>>(),
                        (a, names.len()),
                        &candle_core::Device::Cpu,
                    )
                    .map_err(|e| e.to_string())
                })
                .collect::<Result<Vec<_>, String>>()?;
        steps.push(per_step);
    }
    Ok(encoded::EncodedEvidence {
        names,
        version: grounding::evidence::VERSION,
        steps,
    })
}
