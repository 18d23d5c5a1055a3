//! Synthetic *encoded features* with a planted answer signal, in the exact encoded layout.
//!
//! They stand in for encoder output where only the engine is under test: smoke tests, the
//! throughput benchmark (realistic sizes: tens of frames and sentences, 1-5 steps, 5-15
//! candidates) and the quick demo. The right candidate's text vector leans towards the question's
//! and its button vector towards a script sentence, so a model can learn the task while a random
//! ranking cannot: right answers also share one direction of the feature space (the same for
//! every seed, so train and test splits agree), as real right answers share a look. They say
//! nothing about accuracy on real tutorials.

use std::path::Path;

use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::features::{EncodedFolder, EncodedQa, EncodedStep, QaEntry};

#[derive(Debug, Clone)]
pub struct SyntheticSpec {
    pub folders: usize,
    pub questions_per_folder: usize,
    pub dim: usize,
    pub num_masks: usize,
    /// Inclusive ranges.
    pub frames: (usize, usize),
    pub sentences: (usize, usize),
    pub steps: (usize, usize),
    pub candidates: (usize, usize),
    /// Strength of the planted signal relative to unit noise.
    pub signal: f32,
    pub seed: u64,
    /// Write `correct` into qa.json.
    pub labelled: bool,
}

impl SyntheticSpec {
    /// A few tiny labelled folders (16-wide features, a strong signal) for tests that need a
    /// trained model or a dataset in a second.
    pub fn tiny(seed: u64, folders: usize) -> Self {
        SyntheticSpec {
            folders,
            questions_per_folder: 4,
            dim: 16,
            num_masks: 1,
            frames: (4, 9),
            sentences: (2, 6),
            steps: (1, 3),
            candidates: (2, 6),
            signal: 3.0,
            seed,
            labelled: true,
        }
    }

    /// Sizes like the AssistQ data: ~1 fps video of 1-2 minutes, 10-40 sentences, 1-5 steps,
    /// 5-15 candidates.
    pub fn realistic(dim: usize, folders: usize, seed: u64) -> Self {
        SyntheticSpec {
            folders,
            questions_per_folder: 4,
            dim,
            num_masks: 1,
            frames: (60, 120),
            sentences: (10, 40),
            steps: (1, 5),
            candidates: (5, 15),
            signal: 1.5,
            seed,
            labelled: true,
        }
    }
}

/// Real encoder outputs (BERT pooler, ViT CLS) have components of about +-0.5, not unit norm; the
/// reference's small-gain initialisation only passes a signal at that scale.
fn feature_scale(dim: usize) -> f32 {
    0.5 * (dim as f32).sqrt()
}

fn scaled(v: Vec<f32>, dim: usize) -> Vec<f32> {
    let s = feature_scale(dim);
    v.into_iter().map(|x| x * s).collect()
}

fn unit(rng: &mut ChaCha8Rng, dim: usize) -> Vec<f32> {
    let v: Vec<f32> = (0..dim).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.into_iter().map(|x| x / n).collect()
}

fn mix(a: &[f32], wa: f32, b: &[f32], wb: f32) -> Vec<f32> {
    let v: Vec<f32> = a.iter().zip(b).map(|(x, y)| wa * x + wb * y).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.into_iter().map(|x| x / n).collect()
}

fn range(rng: &mut ChaCha8Rng, (lo, hi): (usize, usize)) -> usize {
    rng.random_range(lo..=hi.max(lo))
}

/// Upper bounds of [`SyntheticSpec`]'s sizes (`pressnext synth-features`): far above any real
/// use, low enough that a typo cannot ask for more memory than the machine has.
pub const MAX_DIM: usize = 4096;
pub const MAX_FOLDERS: usize = 10_000;
pub const MAX_QUESTIONS_PER_FOLDER: usize = 1_000;
pub const MAX_NUM_MASKS: usize = 16;

impl SyntheticSpec {
    /// Refuses sizes of 0 and above the bounds, naming the option.
    pub fn validate(&self) -> Result<()> {
        for (name, value, max) in [
            ("--dim", self.dim, MAX_DIM),
            ("--folders", self.folders, MAX_FOLDERS),
            (
                "--questions",
                self.questions_per_folder,
                MAX_QUESTIONS_PER_FOLDER,
            ),
            ("num_masks", self.num_masks, MAX_NUM_MASKS),
        ] {
            if !(1..=max).contains(&value) {
                return Err(Error::Data(format!("{name} {value}: expected 1 to {max}")));
            }
        }
        Ok(())
    }
}

pub fn generate(spec: &SyntheticSpec) -> Result<Vec<EncodedFolder>> {
    spec.validate()?;
    let d = spec.dim;
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let right_look = unit(&mut ChaCha8Rng::seed_from_u64(0xA55157), d);
    let mut folders = Vec::with_capacity(spec.folders);
    for f in 0..spec.folders {
        let t = range(&mut rng, spec.frames);
        let s = range(&mut rng, spec.sentences);
        let sentences: Vec<Vec<f32>> = (0..s).map(|_| unit(&mut rng, d)).collect();
        // Each sentence is narrated over a stretch of frames that look like it.
        let mut video = Vec::with_capacity(t * d);
        for i in 0..t {
            let sentence = &sentences[i * s / t];
            video.extend(mix(sentence, spec.signal, &unit(&mut rng, d), 1.0));
        }
        let script: Vec<f32> = sentences.iter().flat_map(|v| v.iter().copied()).collect();
        let script_meta: Vec<assistq::script::Sentence> = (0..s)
            .map(|i| assistq::script::Sentence {
                text: format!("Synthetic sentence {i}."),
                line: i + 1,
                start: (i * t / s) as f64,
                end: ((i + 1) * t / s) as f64,
            })
            .collect();
        let mut qas = Vec::with_capacity(spec.questions_per_folder);
        for qi in 0..spec.questions_per_folder {
            let question = unit(&mut rng, d);
            let k = range(&mut rng, spec.steps);
            let mut steps = Vec::with_capacity(k);
            let (mut answers, mut buttons, mut correct) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..k {
                let a = range(&mut rng, spec.candidates);
                let right = rng.random_range(0..a);
                let anchor = sentences[rng.random_range(0..s)].clone();
                let (mut text, mut button) = (
                    Vec::with_capacity(a * d),
                    Vec::with_capacity(a * d * spec.num_masks),
                );
                let (mut step_answers, mut step_buttons) = (Vec::new(), Vec::new());
                for c in 0..a {
                    let noise = unit(&mut rng, d);
                    text.extend(if c == right {
                        mix(
                            &mix(&question, 1.0, &right_look, 1.0),
                            spec.signal,
                            &noise,
                            1.0,
                        )
                    } else {
                        noise
                    });
                    for _ in 0..spec.num_masks {
                        let noise = unit(&mut rng, d);
                        button.extend(if c == right {
                            mix(&anchor, spec.signal, &noise, 1.0)
                        } else {
                            noise
                        });
                    }
                    step_answers.push(format!("Press <button{}>", c + 1));
                    step_buttons.push(format!("button{}", c + 1));
                }
                steps.push(EncodedStep {
                    text: Tensor::from_vec(scaled(text, d), (a, d), &Device::Cpu)?,
                    button: Tensor::from_vec(
                        scaled(button, d),
                        (a, d * spec.num_masks),
                        &Device::Cpu,
                    )?,
                });
                answers.push(step_answers);
                buttons.push(step_buttons);
                correct.push(right + 1);
            }
            qas.push(EncodedQa {
                entry: QaEntry {
                    question: format!("Synthetic question {qi} of folder {f}?"),
                    images: vec!["synthetic-user.jpg".into(); k],
                    answers,
                    correct: spec.labelled.then_some(correct),
                    buttons,
                },
                question: Tensor::from_vec(scaled(question, d), d, &Device::Cpu)?,
                steps,
            });
        }
        folders.push(EncodedFolder {
            name: format!("synthetic_{f:05}"),
            timestamps: Tensor::from_vec(
                (0..t).map(|i| i as f32).collect::<Vec<_>>(),
                t,
                &Device::Cpu,
            )?,
            video: Tensor::from_vec(scaled(video, d), (t, d), &Device::Cpu)?,
            script: Tensor::from_vec(scaled(script, d), (s, d), &Device::Cpu)?,
            paras: Some(synthetic_paragraphs(&sentences, &script_meta, d)?),
            evidence: None,
            sentences: script_meta,
            qas,
            encoder: serde_json::json!({
                "synthetic": true,
                "dim": d,
                "num_masks": spec.num_masks,
                "seed": spec.seed,
                "signal": spec.signal,
            }),
        });
    }
    Ok(folders)
}

/// Function paragraphs of three sentences each; their features are the mean of the sentences'.
fn synthetic_paragraphs(
    sentences: &[Vec<f32>],
    meta: &[assistq::script::Sentence],
    d: usize,
) -> Result<crate::features::EncodedParas> {
    let mut rows = Vec::new();
    let mut paragraphs = Vec::new();
    for (p, (vectors, metas)) in sentences.chunks(3).zip(meta.chunks(3)).enumerate() {
        let mut mean = vec![0f32; d];
        for v in vectors {
            for (m, x) in mean.iter_mut().zip(v) {
                *m += x / vectors.len() as f32;
            }
        }
        rows.extend(mean);
        paragraphs.push(assistq::paragraphs::Paragraph {
            text: format!("To use function {p}."),
            start: metas[0].start,
            end: metas[metas.len() - 1].end,
            lines: metas.iter().map(|m| m.line).collect(),
        });
    }
    let n = paragraphs.len();
    Ok(crate::features::EncodedParas {
        features: Tensor::from_vec(scaled(rows, d), (n, d), &Device::Cpu)?,
        paragraphs,
    })
}

/// Generates and writes the folders under `root`.
pub fn write(root: &Path, spec: &SyntheticSpec) -> Result<usize> {
    let folders = generate(spec)?;
    for f in &folders {
        f.write(&root.join(&f.name))?;
    }
    Ok(folders.len())
}
