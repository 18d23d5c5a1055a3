//! Q2A: question-to-actions (Wong et al., "AssistQ: Affordance-centric Question-driven Task
//! Completion for Egocentric Assistant", ECCV 2022, <https://arxiv.org/abs/2203.04203>), as
//! specified in `docs/q2a.md` section 3.
//!
//! Per sample: script sentences attend over video frames (`s2v`); each candidate's question+answer
//! embedding attends over the sentences (`qa2s`), and the same weights pool the sentence-aligned
//! video; `mlp_pre` fuses `[video, script, question+answer, button]`; a history head (GRU cell by
//! default) scores each candidate given the embedding of the candidate chosen at the step before.
//!
//! Everything up to `mlp_pre` is independent of the history, so it runs once over all packed
//! candidates of the batch; only the cheap history head runs step by step.

use candle_core::{DType, Module, Tensor, D};
use candle_nn::VarBuilder;

use crate::batch::Batch;
use crate::config::{Arch, Config, HistoryArch, HistoryMode, InputNorm};
use crate::error::{Error, Result};
use crate::model::attention::MultiheadAttention;
use crate::model::evidence::EvidenceHead;
use crate::model::gru::GruCell;
use crate::model::mlp::Mlp;

/// The scoring head: how the history state enters the candidate score.
#[derive(Debug, Clone)]
enum Head {
    /// `proj(GRUCell(x, h))`
    Gru { gru: GruCell, proj: Mlp },
    /// `proj(cat[x, h])`
    Concat { proj: Mlp },
    /// `proj(x)`
    Plain { proj: Mlp },
}

/// How the question and answer are grounded in the tutorial.
#[derive(Debug, Clone)]
enum Grounding {
    /// Q2A: sentences attend over frames (`s2v`), question+answer over sentences (`qa2s`).
    Attention {
        s2v: MultiheadAttention,
        qa2s: MultiheadAttention,
    },
    /// The function-centric grounding (docs/q2a.md 3.6): `w = softmax(tfidf(question, paragraphs))`
    /// pools the paragraphs' text and their spans of video, once per question.
    Function,
}

#[derive(Debug, Clone)]
pub struct Q2a {
    mlp_v: Mlp,
    mlp_t: Mlp,
    mlp_pre: Mlp,
    grounding: Grounding,
    head: Head,
    /// `q2a_grounded`: an MLP from each candidate's grounding evidence to a score added to the
    /// head's.
    evidence: Option<EvidenceHead>,
    evidence_dim: usize,
    /// Initial history state `[DIM_STATE]`, stored in checkpoints as `state`.
    state: Tensor,
    dim: usize,
    num_masks: usize,
    dim_state: usize,
    l2_inputs: bool,
}

impl Q2a {
    pub fn new(cfg: &Config, vb: VarBuilder) -> Result<Self> {
        let d = cfg.input.dim;
        let ds = cfg.model.dim_state;
        let nm = cfg.input.num_masks;
        let (layers, act) = (cfg.model.mlp.layers, cfg.model.mlp.act);
        let mlp = |i: usize, o: usize, name: &str| Mlp::new(i, o, layers, act, vb.pp(name));
        let head = match cfg.model.history.arch {
            HistoryArch::Gru => Head::Gru {
                gru: GruCell::new(ds, ds, vb.pp("gru"))?,
                proj: mlp(ds, 1, "proj")?,
            },
            HistoryArch::Mlp => Head::Concat {
                proj: mlp(2 * ds, 1, "proj")?,
            },
            HistoryArch::None => Head::Plain {
                proj: mlp(ds, 1, "proj")?,
            },
        };
        Ok(Q2a {
            mlp_v: mlp(d, d, "mlp_v")?,
            mlp_t: mlp(d, d, "mlp_t")?,
            mlp_pre: mlp(d * (3 + nm), ds, "mlp_pre")?,
            grounding: match cfg.model.arch {
                Arch::Q2a | Arch::Q2aGrounded => Grounding::Attention {
                    s2v: MultiheadAttention::new(d, cfg.model.num_heads, vb.pp("s2v"))?,
                    qa2s: MultiheadAttention::new(d, cfg.model.num_heads, vb.pp("qa2s"))?,
                },
                Arch::Q2aFunction => Grounding::Function,
            },
            head,
            evidence: match cfg.model.arch {
                Arch::Q2aGrounded => Some(EvidenceHead::new(
                    cfg.model.evidence_dim,
                    cfg.model.evidence_scale,
                    vb.pp("evidence"),
                )?),
                _ => None,
            },
            evidence_dim: cfg.model.evidence_dim,
            state: vb.get_with_hints(
                ds,
                "state",
                candle_nn::Init::Randn {
                    mean: 0.0,
                    stdev: 1.0,
                },
            )?,
            dim: d,
            num_masks: nm,
            dim_state: ds,
            l2_inputs: cfg.input.norm == InputNorm::L2,
        })
    }

    pub fn state(&self) -> &Tensor {
        &self.state
    }

    /// `mlp_pre` embedding of every packed candidate, `[N + 1, DIM_STATE]`, the last row zero.
    fn embed_candidates(&self, batch: &Batch) -> Result<Tensor> {
        let (n, d) = (batch.num_candidates, self.dim);
        let dev = batch.text.device();
        let video = self.mlp_v.forward(&self.input(&batch.video)?)?;
        let button = self
            .mlp_v
            .forward(&self.input(&batch.button.reshape((n * self.num_masks, d))?)?)?
            .reshape((n, self.num_masks * d))?;
        let qa = self.question_answer(batch)?;
        let (qa_video, qa_script) = match &self.grounding {
            Grounding::Attention { s2v, qa2s } => Self::attention_grounding(
                s2v,
                qa2s,
                batch,
                &video,
                &qa,
                self.mlp_t.forward(&batch.script)?,
            )?,
            Grounding::Function => self.function_grounding(batch, &video)?,
        };
        let x = self
            .mlp_pre
            .forward(&Tensor::cat(&[qa_video, qa_script, qa, button], 1)?)?;
        Ok(Tensor::cat(
            &[x, Tensor::zeros((1, self.dim_state), DType::F32, dev)?],
            0,
        )?)
    }

    /// `mlp_t(question) + mlp_t(answer)` of every packed candidate, `[N, D]`.
    fn question_answer(&self, batch: &Batch) -> Result<Tensor> {
        let question = self.mlp_t.forward(&self.input(&batch.question)?)?;
        let text = self.mlp_t.forward(&self.input(&batch.text)?)?;
        Ok((text + question.index_select(&batch.candidate_sample, 0)?)?)
    }

    /// How much each packed candidate's question+answer attends to each script sentence of its
    /// folder, `[N, S]` (the `qa2s` weights, heads averaged; padded sentences get 0): what "why
    /// this button?" shows. `None` for the function grounding, which attends to paragraphs.
    pub fn sentence_attention(&self, batch: &Batch) -> Result<Option<Tensor>> {
        let Grounding::Attention { qa2s, .. } = &self.grounding else {
            return Ok(None);
        };
        let qa = self.question_answer(batch)?;
        let script = self.mlp_t.forward(&batch.script)?;
        let queries = Self::per_folder_queries(qa2s, batch, &qa)?;
        let (_, weights) = qa2s.attend_projected(&queries, &script, &script, &batch.script_bias)?;
        let (g, c, s) = weights.dims3()?;
        Ok(Some(
            weights
                .reshape((g * c, s))?
                .index_select(&batch.packed_slot, 0)?,
        ))
    }

    /// The packed question+answer rows projected as `qa2s` queries and laid out per folder,
    /// `[G, C, D]`, for attention over that folder's sentences.
    fn per_folder_queries(qa2s: &MultiheadAttention, batch: &Batch, qa: &Tensor) -> Result<Tensor> {
        let (g, c, d) = (batch.groups, batch.slots, qa.dim(1)?);
        let zero_row = Tensor::zeros((1, d), DType::F32, qa.device())?;
        Ok(Tensor::cat(&[qa2s.project_query(qa)?, zero_row], 0)?
            .index_select(&batch.slot_index, 0)?
            .reshape((g, c, d))?)
    }

    /// An input feature as the model sees it: unit length per vector under `INPUT.NORM l2`
    /// (zero padding rows stay zero).
    fn input(&self, x: &Tensor) -> Result<Tensor> {
        if !self.l2_inputs {
            return Ok(x.clone());
        }
        let norm = (x.sqr()?.sum_keepdim(D::Minus1)?.sqrt()? + 1e-12)?;
        Ok(x.broadcast_div(&norm)?)
    }

    /// Q2A's grounding: per packed candidate, the script attended by its question+answer and the
    /// video aligned to those sentences, each `[N, D]`.
    fn attention_grounding(
        s2v: &MultiheadAttention,
        qa2s: &MultiheadAttention,
        batch: &Batch,
        video: &Tensor,
        qa: &Tensor,
        script: Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let (g, c, d) = (batch.groups, batch.slots, qa.dim(1)?);
        let (video_per_sentence, _) = s2v.forward(&script, video, video, &batch.video_bias)?;
        // qa2s: attend per folder, then bring the results back to the packed order.
        let queries = Self::per_folder_queries(qa2s, batch, qa)?;
        let (attended, weights) =
            qa2s.attend_projected(&queries, &script, &script, &batch.script_bias)?;
        let qa_video = blas::matmul(&weights, &video_per_sentence)?
            .reshape((g * c, d))?
            .index_select(&batch.packed_slot, 0)?;
        let qa_script = qa2s.project_output(
            &attended
                .reshape((g * c, d))?
                .index_select(&batch.packed_slot, 0)?,
        )?;
        Ok((qa_video, qa_script))
    }

    /// The winner's grounding: `w = softmax(paras_score)`, `text_seg = w @ mlp_t(paras)`,
    /// `video_seg = w @ (mean of mlp_v(video) over each paragraph's span)`, per question, then
    /// copied to each of its candidates.
    fn function_grounding(&self, batch: &Batch, video: &Tensor) -> Result<(Tensor, Tensor)> {
        let f = batch.function.as_ref().ok_or_else(|| {
            Error::Data(
                "MODEL.ARCH q2a_function needs the script's function paragraphs (paras.safetensors), \
                 which this encoding lacks: run `pressnext encode` again"
                    .into(),
            )
        })?;
        let para_video = blas::matmul(&f.para_pool, video)?; // [G, P, D]
        let para_text = self.mlp_t.forward(&self.input(&f.paras)?)?; // [G, P, D]
        let w = candle_nn::ops::softmax_last_dim(&f.para_score)?.unsqueeze(1)?; // [B, 1, P]
        let per_sample = |t: &Tensor| -> Result<Tensor> {
            Ok(blas::matmul(&w, &t.index_select(&f.sample_group, 0)?)?
                .squeeze(1)?
                .index_select(&batch.candidate_sample, 0)?)
        };
        Ok((per_sample(&para_video)?, per_sample(&para_text)?))
    }

    /// `q2a_grounded`: the evidence MLP's score of every packed candidate, `[N + 1]` with a zero
    /// for the padding index; `None` for the other architectures.
    fn evidence_scores(&self, batch: &Batch) -> Result<Option<Tensor>> {
        let Some(head) = &self.evidence else {
            return Ok(None);
        };
        let e = batch.evidence.as_ref().ok_or_else(|| {
            Error::Data(
                "MODEL.ARCH q2a_grounded needs the grounding evidence of every candidate \
                 (evidence.safetensors), which this encoding lacks: run `pressnext ground --data \
                 ROOT --split S --label L --out ENCODED` on it"
                    .into(),
            )
        })?;
        let width = e.dim(1)?;
        if width != self.evidence_dim {
            return Err(Error::Data(format!(
                "the evidence has {width} numbers per candidate but MODEL.EVIDENCE_DIM is {}: \
                 ground the data again or set MODEL.EVIDENCE_DIM",
                self.evidence_dim
            )));
        }
        let scores = head.forward(e)?;
        let zero = Tensor::zeros(1, DType::F32, scores.device())?;
        Ok(Some(Tensor::cat(&[scores, zero], 0)?))
    }

    /// Candidate logits step by step, `[B, A_k]` per step with padding at `MASKED`. The history
    /// follows the labels (`Gt`) or the model's own best candidate (`Max`).
    pub fn step_logits(&self, batch: &Batch, history: HistoryMode) -> Result<Vec<Tensor>> {
        let (b, ds) = (batch.size(), self.dim_state);
        let dev = batch.text.device();
        let uses_history = !matches!(self.head, Head::Plain { .. });
        if uses_history && history == HistoryMode::Gt && batch.labels.iter().any(|l| l.is_none()) {
            return Err(Error::Data(
                "history `gt` needs labels (`correct`) for every sample".into(),
            ));
        }
        let x = self.embed_candidates(batch)?;
        let evidence = self.evidence_scores(batch)?;
        let gates = match &self.head {
            Head::Gru { gru, .. } => Some(gru.input_gates(&x)?),
            _ => None,
        };
        let mut h = self
            .state
            .unsqueeze(0)?
            .broadcast_as((b, ds))?
            .contiguous()?;
        let mut out = Vec::with_capacity(batch.steps.len());
        for (k, step) in batch.steps.iter().enumerate() {
            let a = step.width;
            let logits = match &self.head {
                Head::Gru { gru, proj } => {
                    let gi = gates
                        .as_ref()
                        .expect("gru gates")
                        .index_select(&step.index, 0)?
                        .reshape((b, a, 3 * ds))?;
                    proj.forward(&gru.step(&gi, &h)?)?
                }
                Head::Concat { proj } => {
                    let xk = x.index_select(&step.index, 0)?.reshape((b, a, ds))?;
                    let hk = h.unsqueeze(1)?.broadcast_as((b, a, ds))?;
                    proj.forward(&Tensor::cat(&[xk, hk], 2)?)?
                }
                Head::Plain { proj } => {
                    proj.forward(&x.index_select(&step.index, 0)?.reshape((b, a, ds))?)?
                }
            };
            let mut logits = logits.squeeze(D::Minus1)?.add(&step.bias)?;
            if let Some(e) = &evidence {
                logits = logits.add(&e.index_select(&step.index, 0)?.reshape((b, a))?)?;
            }
            if k + 1 < batch.steps.len() && uses_history {
                let choice: Vec<u32> = match history {
                    HistoryMode::Gt => step.labels_host.clone(),
                    HistoryMode::Max => argmax_rows(&logits)?,
                };
                let chosen: Vec<u32> = (0..b)
                    .map(|bi| {
                        if step.valid[bi] {
                            step.index_host[bi * a + choice[bi] as usize]
                        } else {
                            batch.num_candidates as u32
                        }
                    })
                    .collect();
                h = x.index_select(&Tensor::from_vec(chosen, b, dev)?, 0)?;
            }
            out.push(logits);
        }
        Ok(out)
    }

    /// Mean softmax cross-entropy over every step of the batch (the reference's loss).
    pub fn loss(&self, batch: &Batch, history: HistoryMode) -> Result<Tensor> {
        let logits = self.step_logits(batch, history)?;
        let dev = batch.text.device();
        let mut total: Option<Tensor> = None;
        for (step, logits) in batch.steps.iter().zip(&logits) {
            let log_probs = candle_nn::ops::log_softmax(logits, D::Minus1)?;
            let labels = Tensor::from_slice(&step.labels_host, (step.labels_host.len(), 1), dev)?;
            let picked = log_probs
                .gather(&labels, 1)?
                .squeeze(1)?
                .mul(&step.valid_mask)?
                .sum_all()?;
            total = Some(match total {
                Some(t) => (t + picked)?,
                None => picked,
            });
        }
        let count = batch.num_steps();
        match total {
            Some(t) if count > 0 => Ok((t.neg()? / count as f64)?),
            _ => Err(Error::Data("a batch without steps has no loss".into())),
        }
    }

    /// Scores per sample, per step, per candidate (padding removed).
    pub fn scores(&self, batch: &Batch, history: HistoryMode) -> Result<Vec<Vec<Vec<f32>>>> {
        let logits = self.step_logits(batch, history)?;
        let mut out: Vec<Vec<Vec<f32>>> = vec![Vec::new(); batch.size()];
        for (k, l) in logits.iter().enumerate() {
            let rows = l.to_dtype(DType::F32)?.to_vec2::<f32>()?;
            for (bi, row) in rows.into_iter().enumerate() {
                if let Some(&a) = batch.candidates[bi].get(k) {
                    out[bi].push(row[..a].to_vec());
                }
            }
        }
        Ok(out)
    }
}

/// Index of the first maximum of each row, as `torch.argmax` picks it.
fn argmax_rows(logits: &Tensor) -> Result<Vec<u32>> {
    let rows = logits.to_vec2::<f32>()?;
    Ok(rows
        .iter()
        .map(|r| {
            let mut best = 0;
            for (i, &v) in r.iter().enumerate() {
                if v > r[best] {
                    best = i;
                }
            }
            best as u32
        })
        .collect())
}
