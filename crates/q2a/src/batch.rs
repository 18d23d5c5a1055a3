//! Packs QA samples with any number of steps and candidates into batched tensors.
//!
//! Candidates of all samples and steps are *packed* (`[N, D]`, no padding) for the MLPs, which
//! dominate the cost; index tables move them into a per-sample layout `[B, C]` for attention over
//! that sample's script, and into a per-step layout `[B, A_k]` for the step-by-step history. Index
//! `N` always points at an appended zero row, so padding costs nothing and gets no gradient
//! that matters. Masks are additive (`MASKED` on padding) and keep padded keys and candidates out
//! of every softmax, so batched results equal the per-sample definition.

use candle_core::{Device, Tensor};

use crate::dataset::{Dataset, SampleRef};
use crate::error::Result;

/// Added to the scores of padded keys and candidates.
pub const MASKED: f32 = -1e9;

#[derive(Debug)]
pub struct BatchStep {
    /// Widest candidate count of this step over the batch.
    pub width: usize,
    /// `[B * width]` packed candidate index, or N for padding.
    pub index_host: Vec<u32>,
    pub index: Tensor,
    /// `[B, width]` 0 or `MASKED`.
    pub bias: Tensor,
    /// Whether each sample has this step.
    pub valid: Vec<bool>,
    /// `[B]` 1.0 where valid.
    pub valid_mask: Tensor,
    /// 0-based right candidate per sample (0 where unknown or invalid).
    pub labels_host: Vec<u32>,
}

/// The inputs of the function-centric grounding (`MODEL.ARCH: q2a_function`, docs/q2a.md 3.6).
#[derive(Debug)]
pub struct FunctionInputs {
    /// `[G, P, D]` text features of each folder's function paragraphs (zero rows as padding).
    pub paras: Tensor,
    /// `[G, P, T]` weights that average each paragraph's frames (those whose timestamp lies in
    /// its span; the frame nearest its start when none does).
    pub para_pool: Tensor,
    /// `[B, P]` TF-IDF score of each sample's question for each paragraph, `MASKED` on padding.
    pub para_score: Tensor,
    /// `[B]` folder group of each sample.
    pub sample_group: Tensor,
}

#[derive(Debug)]
pub struct Batch {
    pub samples: Vec<SampleRef>,
    /// Candidates per step of each sample.
    pub candidates: Vec<Vec<usize>>,
    /// 0-based labels per step of each sample, when known.
    pub labels: Vec<Option<Vec<usize>>>,
    /// `[G, T, D]` and `[G, T]`, one row per distinct folder of the batch
    pub video: Tensor,
    pub video_bias: Tensor,
    /// `[G, S, D]` and `[G, S]`
    pub script: Tensor,
    pub script_bias: Tensor,
    /// `[B, D]`
    pub question: Tensor,
    /// `[N, D]` and `[N, D * NUM_MASKS]`
    pub text: Tensor,
    pub button: Tensor,
    /// `[N]` sample of each packed candidate.
    pub candidate_sample: Tensor,
    /// Distinct folders G of the batch.
    pub groups: usize,
    /// Per-folder layout width C (most candidates of one folder's samples, all steps).
    pub slots: usize,
    /// `[G * C]` packed index (or N) of each slot.
    pub slot_index: Tensor,
    /// `[N]` slot of each packed candidate.
    pub packed_slot: Tensor,
    pub steps: Vec<BatchStep>,
    pub num_candidates: usize,
    /// Present when every folder of the batch has its function paragraphs.
    pub function: Option<FunctionInputs>,
    /// `[N, E]` grounding evidence of every packed candidate (`evidence.safetensors`), present
    /// when every folder of the batch has it with the same features.
    pub evidence: Option<Tensor>,
}

/// The packed `[N, E]` evidence of `refs`' candidates, in the packing order of [`Batch::new`],
/// or `None` when a folder has none or their features differ.
fn packed_evidence(ds: &Dataset, refs: &[SampleRef], device: &Device) -> Result<Option<Tensor>> {
    let mut names: Option<&Vec<String>> = None;
    let mut rows = Vec::new();
    for r in refs {
        let Some(e) = &ds.folders[r.folder].evidence else {
            return Ok(None);
        };
        match names {
            Some(n) if *n != e.names => return Ok(None),
            _ => names = Some(&e.names),
        }
        rows.extend(e.steps[r.qa].iter().cloned());
    }
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(Tensor::cat(&rows, 0)?.to_device(device)?))
}

fn pad_rows(t: &Tensor, rows: usize) -> Result<Tensor> {
    let n = t.dim(0)?;
    Ok(if n < rows {
        t.pad_with_zeros(0, 0, rows - n)?
    } else {
        t.clone()
    })
}

fn key_bias(lengths: &[usize], max: usize, device: &Device) -> Result<Tensor> {
    let mut bias = vec![MASKED; lengths.len() * max];
    for (b, &len) in lengths.iter().enumerate() {
        bias[b * max..b * max + len].fill(0.0);
    }
    Ok(Tensor::from_vec(bias, (lengths.len(), max), device)?)
}

/// Paragraph features, frame pooling and question-to-paragraph TF-IDF scores, or `None` when a
/// folder was encoded without paragraphs.
fn function_inputs(
    folders: &[&crate::features::EncodedFolder],
    qas: &[&crate::features::EncodedQa],
    sample_group: &[usize],
    t_max: usize,
    device: &Device,
) -> Result<Option<FunctionInputs>> {
    let Some(paras) = folders
        .iter()
        .map(|f| f.paras.as_ref())
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(None);
    };
    let p_max = paras.iter().map(|p| p.paragraphs.len()).max().unwrap_or(1);
    let features = Tensor::stack(
        &paras
            .iter()
            .map(|p| pad_rows(&p.features, p_max))
            .collect::<Result<Vec<_>>>()?,
        0,
    )?;
    let mut pool = vec![0f32; folders.len() * p_max * t_max];
    for (g, (folder, p)) in folders.iter().zip(&paras).enumerate() {
        let times: Vec<f32> = folder.timestamps.to_vec1()?;
        for (pi, para) in p.paragraphs.iter().enumerate() {
            let inside: Vec<usize> = (0..times.len())
                .filter(|&t| {
                    let ts = times[t] as f64;
                    ts >= para.start && ts < para.end
                })
                .collect();
            let frames = if inside.is_empty() {
                let nearest = (0..times.len())
                    .min_by(|&a, &b| {
                        let da = (times[a] as f64 - para.start).abs();
                        let db = (times[b] as f64 - para.start).abs();
                        da.total_cmp(&db)
                    })
                    .unwrap_or(0);
                vec![nearest]
            } else {
                inside
            };
            let w = 1.0 / frames.len() as f32;
            for t in frames {
                pool[(g * p_max + pi) * t_max + t] = w;
            }
        }
    }
    let mut scores = vec![MASKED; qas.len() * p_max];
    for (bi, qa) in qas.iter().enumerate() {
        let p = paras[sample_group[bi]];
        let docs: Vec<&str> = p.paragraphs.iter().map(|x| x.text.as_str()).collect();
        for (pi, score) in assistq::paragraphs::tfidf_scores(&qa.entry.question, &docs)
            .into_iter()
            .enumerate()
        {
            scores[bi * p_max + pi] = score as f32;
        }
    }
    let group: Vec<u32> = sample_group.iter().map(|&g| g as u32).collect();
    Ok(Some(FunctionInputs {
        paras: features.to_device(device)?,
        para_pool: Tensor::from_vec(pool, (folders.len(), p_max, t_max), device)?,
        para_score: Tensor::from_vec(scores, (qas.len(), p_max), device)?,
        sample_group: Tensor::from_vec(group, qas.len(), device)?,
    }))
}

impl Batch {
    pub fn new(ds: &Dataset, refs: &[SampleRef], device: &Device) -> Result<Self> {
        let b = refs.len();
        // Samples of one folder share its video and script: encode each folder once per batch.
        let mut groups: Vec<usize> = Vec::new();
        let sample_group: Vec<usize> = refs
            .iter()
            .map(|r| match groups.iter().position(|&f| f == r.folder) {
                Some(g) => g,
                None => {
                    groups.push(r.folder);
                    groups.len() - 1
                }
            })
            .collect();
        let folders: Vec<_> = groups.iter().map(|&f| &ds.folders[f]).collect();
        let qas: Vec<_> = refs
            .iter()
            .map(|r| &ds.folders[r.folder].qas[r.qa])
            .collect();
        let t_len: Vec<usize> = folders
            .iter()
            .map(|f| f.video.dim(0))
            .collect::<candle_core::Result<_>>()?;
        let s_len: Vec<usize> = folders
            .iter()
            .map(|f| f.script.dim(0))
            .collect::<candle_core::Result<_>>()?;
        let t_max = *t_len.iter().max().unwrap_or(&1);
        let s_max = *s_len.iter().max().unwrap_or(&1);
        let video = Tensor::stack(
            &folders
                .iter()
                .map(|f| pad_rows(&f.video, t_max))
                .collect::<Result<Vec<_>>>()?,
            0,
        )?;
        let script = Tensor::stack(
            &folders
                .iter()
                .map(|f| pad_rows(&f.script, s_max))
                .collect::<Result<Vec<_>>>()?,
            0,
        )?;
        let question = Tensor::stack(
            &qas.iter().map(|q| q.question.clone()).collect::<Vec<_>>(),
            0,
        )?;

        let candidates: Vec<Vec<usize>> = qas
            .iter()
            .map(|q| q.entry.answers.iter().map(|a| a.len()).collect())
            .collect();
        let labels: Vec<Option<Vec<usize>>> = qas
            .iter()
            .map(|q| {
                q.entry
                    .correct
                    .as_ref()
                    .map(|c| c.iter().map(|&x| x - 1).collect())
            })
            .collect();

        let mut texts = Vec::new();
        let mut buttons = Vec::new();
        let mut candidate_sample = Vec::new();
        // start[b][k]: packed index of the first candidate of step k of sample b.
        let mut start: Vec<Vec<usize>> = Vec::with_capacity(b);
        let mut n = 0usize;
        for (bi, q) in qas.iter().enumerate() {
            let mut starts = Vec::with_capacity(q.steps.len());
            for step in &q.steps {
                starts.push(n);
                let a = step.text.dim(0)?;
                texts.push(step.text.clone());
                buttons.push(step.button.clone());
                candidate_sample.extend(std::iter::repeat_n(bi as u32, a));
                n += a;
            }
            start.push(starts);
        }
        // Per-folder layout: all candidates of the batch's samples of one folder, in order.
        let mut slots = vec![0usize; groups.len()];
        for (bi, c) in candidates.iter().enumerate() {
            slots[sample_group[bi]] += c.iter().sum::<usize>();
        }
        let slots = slots.into_iter().max().unwrap_or(1).max(1);
        let mut slot_index = vec![n as u32; groups.len() * slots];
        let mut packed_slot = vec![0u32; n];
        let mut filled = vec![0usize; groups.len()];
        for (bi, starts) in start.iter().enumerate() {
            let g = sample_group[bi];
            for (k, &s) in starts.iter().enumerate() {
                for a in 0..candidates[bi][k] {
                    let slot = g * slots + filled[g];
                    slot_index[slot] = (s + a) as u32;
                    packed_slot[s + a] = slot as u32;
                    filled[g] += 1;
                }
            }
        }
        let num_steps = candidates.iter().map(|c| c.len()).max().unwrap_or(0);
        let mut steps = Vec::with_capacity(num_steps);
        for k in 0..num_steps {
            let width = candidates
                .iter()
                .filter_map(|c| c.get(k))
                .copied()
                .max()
                .unwrap_or(1);
            let mut index_host = vec![n as u32; b * width];
            let mut bias = vec![MASKED; b * width];
            let mut valid = vec![false; b];
            let mut labels_host = vec![0u32; b];
            for bi in 0..b {
                if let Some(&a) = candidates[bi].get(k) {
                    valid[bi] = true;
                    for c in 0..a {
                        index_host[bi * width + c] = (start[bi][k] + c) as u32;
                        bias[bi * width + c] = 0.0;
                    }
                    if let Some(l) = &labels[bi] {
                        labels_host[bi] = l[k] as u32;
                    }
                }
            }
            let valid_mask: Vec<f32> = valid.iter().map(|&v| if v { 1.0 } else { 0.0 }).collect();
            steps.push(BatchStep {
                width,
                index: Tensor::from_slice(&index_host, b * width, device)?,
                index_host,
                bias: Tensor::from_vec(bias, (b, width), device)?,
                valid_mask: Tensor::from_vec(valid_mask, b, device)?,
                valid,
                labels_host,
            });
        }
        let function = function_inputs(&folders, &qas, &sample_group, t_max, device)?;
        let evidence = packed_evidence(ds, refs, device)?;
        Ok(Batch {
            function,
            evidence,
            samples: refs.to_vec(),
            candidates,
            labels,
            video: video.to_device(device)?,
            video_bias: key_bias(&t_len, t_max, device)?,
            script: script.to_device(device)?,
            script_bias: key_bias(&s_len, s_max, device)?,
            question: question.to_device(device)?,
            text: Tensor::cat(&texts, 0)?.to_device(device)?,
            button: Tensor::cat(&buttons, 0)?.to_device(device)?,
            candidate_sample: Tensor::from_vec(candidate_sample, n, device)?,
            groups: groups.len(),
            slots,
            slot_index: Tensor::from_vec(slot_index, groups.len() * slots, device)?,
            packed_slot: Tensor::from_vec(packed_slot, n, device)?,
            steps,
            num_candidates: n,
        })
    }

    pub fn size(&self) -> usize {
        self.samples.len()
    }

    pub fn num_steps(&self) -> usize {
        self.candidates.iter().map(|c| c.len()).sum()
    }
}
