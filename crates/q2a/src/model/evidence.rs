//! The evidence head of `MODEL.ARCH q2a_grounded`: a score for each candidate answer from the
//! numbers the tutorial timeline gives it (docs/q2a.md, "Grounded"), added to Q2A's score
//! (Wong et al., "AssistQ", ECCV 2022, <https://arxiv.org/abs/2203.04203>, section 3; the
//! evidence plays the part of the 2022 winner's function-centric grounding, a lexical and
//! semantic match of the question to the script's parts, computed outside the network).
//!
//! `score = scale * (linear(e) + fc2(relu(fc1(e))))`: a linear part, which alone already weighs
//! the evidence well, and a one-hidden-layer part for interactions (a control seen in the second
//! part only counts when the first has another step count). Both output layers start at zero, so
//! training starts from Q2A alone and the evidence comes in as fast as it lowers the loss,
//! instead of from a large random score that must be unlearnt first.

use blas::Linear;
use candle_core::{Module, Result, Tensor};
use candle_nn::VarBuilder;

use crate::model::mlp::linear;

#[derive(Debug, Clone)]
pub struct EvidenceHead {
    linear: Linear,
    fc1: Linear,
    fc2: Linear,
    scale: f64,
}

/// A `Linear` that starts at zero (weights and bias).
fn zero_linear(in_dim: usize, out_dim: usize, vb: VarBuilder) -> Result<Linear> {
    let weight = vb.get_with_hints((out_dim, in_dim), "weight", candle_nn::Init::Const(0.0))?;
    let bias = vb.get_with_hints(out_dim, "bias", candle_nn::Init::Const(0.0))?;
    Ok(Linear::new(weight, Some(bias)))
}

impl EvidenceHead {
    /// `dim` numbers per candidate; `scale` multiplies the score (MODEL.EVIDENCE_SCALE).
    pub fn new(dim: usize, scale: f64, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            linear: zero_linear(dim, 1, vb.pp("linear"))?,
            fc1: linear(dim, dim, vb.pp("fc1"))?,
            fc2: zero_linear(dim, 1, vb.pp("fc2"))?,
            scale,
        })
    }
}

impl Module for EvidenceHead {
    /// `[N, dim]` -> `[N]`.
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let hidden = self.fc2.forward(&self.fc1.forward(xs)?.relu()?)?;
        (self.linear.forward(xs)? + hidden)?.squeeze(1)? * self.scale
    }
}
