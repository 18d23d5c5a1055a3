//! The GRU cell that scores each candidate given the history state, with PyTorch `nn.GRUCell`
//! parameters (`weight_ih`, `weight_hh` `[3H, .]` in gate order r, z, n; `bias_ih`, `bias_hh`).
//! Q2A's "history" is one step deep: the hidden state fed to step i is the embedding of the
//! candidate chosen at step i-1 (Wong et al., AssistQ, ECCV 2022, <https://arxiv.org/abs/2203.04203>).
//!
//! The input projection is split from the recurrence so it can run once over all packed
//! candidates, and the hidden projection runs once per sample instead of once per candidate.

use blas::Linear;
use candle_core::{Module, Result, Tensor, D};
use candle_nn::VarBuilder;

use crate::init::linear_uniform;

#[derive(Debug, Clone)]
pub struct GruCell {
    input: Linear,
    hidden: Linear,
    hidden_dim: usize,
}

impl GruCell {
    pub fn new(input_dim: usize, hidden_dim: usize, vb: VarBuilder) -> Result<Self> {
        let init = linear_uniform(hidden_dim);
        let input = Linear::new(
            vb.get_with_hints((3 * hidden_dim, input_dim), "weight_ih", init)?,
            Some(vb.get_with_hints(3 * hidden_dim, "bias_ih", init)?),
        );
        let hidden = Linear::new(
            vb.get_with_hints((3 * hidden_dim, hidden_dim), "weight_hh", init)?,
            Some(vb.get_with_hints(3 * hidden_dim, "bias_hh", init)?),
        );
        Ok(GruCell {
            input,
            hidden,
            hidden_dim,
        })
    }

    /// `x W_ih^T + b_ih` for inputs `[.., I]`, giving `[.., 3H]`.
    pub fn input_gates(&self, xs: &Tensor) -> Result<Tensor> {
        self.input.forward(xs)
    }

    /// One step for every candidate of every sample: `input_gates [B, A, 3H]` (from
    /// [`Self::input_gates`]) and the samples' states `h [B, H]`; returns `[B, A, H]`.
    pub fn step(&self, input_gates: &Tensor, h: &Tensor) -> Result<Tensor> {
        let hd = self.hidden_dim;
        let gh = self.hidden.forward(h)?.unsqueeze(1)?; // [B, 1, 3H]
        let gi = input_gates;
        let r = candle_nn::ops::sigmoid(
            &gi.narrow(D::Minus1, 0, hd)?
                .broadcast_add(&gh.narrow(D::Minus1, 0, hd)?)?,
        )?;
        let z = candle_nn::ops::sigmoid(
            &gi.narrow(D::Minus1, hd, hd)?
                .broadcast_add(&gh.narrow(D::Minus1, hd, hd)?)?,
        )?;
        let n = (gi.narrow(D::Minus1, 2 * hd, hd)?
            + r.broadcast_mul(&gh.narrow(D::Minus1, 2 * hd, hd)?)?)?
        .tanh()?;
        let h = h.unsqueeze(1)?;
        // h' = (1 - z) * n + z * h = n + z * (h - n)
        n.clone() + z.mul(&h.broadcast_sub(&n)?)?
    }
}
