//! Multi-head attention with PyTorch's `nn.MultiheadAttention` parameters and semantics, as the
//! Q2A reference uses it for `s2v` (script attends to video) and `qa2s` (question+answer attends to
//! script); Wong et al., AssistQ, ECCV 2022, <https://arxiv.org/abs/2203.04203>.
//!
//! Parameters: `in_proj_weight [3D, D]` (q; k; v packed), `in_proj_bias [3D]`, `out_proj.weight`,
//! `out_proj.bias`. Scores are `softmax(q k^T / sqrt(D / heads))`; the returned attention weights
//! are the mean over heads, as PyTorch returns them by default. Batched over samples with an
//! additive key mask so padded keys get no weight.

use blas::Linear;
use candle_core::{Module, Result, Tensor, D};
use candle_nn::VarBuilder;

use crate::init::{linear_uniform, xavier_uniform};

#[derive(Debug, Clone)]
pub struct MultiheadAttention {
    q_proj: Linear,
    k_proj: Linear,
    v_proj: Linear,
    out_proj: Linear,
    num_heads: usize,
    head_dim: usize,
}

impl MultiheadAttention {
    pub fn new(dim: usize, num_heads: usize, vb: VarBuilder) -> Result<Self> {
        let w = vb.get_with_hints(
            (3 * dim, dim),
            "in_proj_weight",
            xavier_uniform(dim, 3 * dim),
        )?;
        let b = vb.get_with_hints(3 * dim, "in_proj_bias", candle_nn::init::ZERO)?;
        let part = |i: usize| -> Result<Linear> {
            Ok(Linear::new(
                w.narrow(0, i * dim, dim)?,
                Some(b.narrow(0, i * dim, dim)?),
            ))
        };
        // PyTorch keeps nn.Linear's default init for the out-projection weight and zeroes its bias.
        let out_vb = vb.pp("out_proj");
        let out_proj = Linear::new(
            out_vb.get_with_hints((dim, dim), "weight", linear_uniform(dim))?,
            Some(out_vb.get_with_hints(dim, "bias", candle_nn::init::ZERO)?),
        );
        Ok(MultiheadAttention {
            q_proj: part(0)?,
            k_proj: part(1)?,
            v_proj: part(2)?,
            out_proj,
            num_heads,
            head_dim: dim / num_heads,
        })
    }

    /// Query projection alone, so callers can project packed queries before padding them.
    pub fn project_query(&self, xs: &Tensor) -> Result<Tensor> {
        self.q_proj.forward(xs)
    }

    pub fn project_output(&self, xs: &Tensor) -> Result<Tensor> {
        self.out_proj.forward(xs)
    }

    /// Full attention: `query [B, Lq, D]`, `key`/`value [B, Lk, D]`, `key_bias [B, Lk]` (0 for
    /// real keys, a large negative number for padding). Returns the output `[B, Lq, D]` and the
    /// head-averaged weights `[B, Lq, Lk]`.
    pub fn forward(
        &self,
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        key_bias: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let q = self.q_proj.forward(query)?;
        let (out, weights) = self.attend_projected(&q, key, value, key_bias)?;
        Ok((self.out_proj.forward(&out)?, weights))
    }

    /// Attention from already projected queries `[B, Lq, D]`; returns the concatenated head
    /// outputs before the output projection, and the head-averaged weights.
    pub fn attend_projected(
        &self,
        q: &Tensor,
        key: &Tensor,
        value: &Tensor,
        key_bias: &Tensor,
    ) -> Result<(Tensor, Tensor)> {
        let (b, lq, dim) = q.dims3()?;
        let lk = key.dim(1)?;
        let (h, hd) = (self.num_heads, self.head_dim);
        let k = self.k_proj.forward(key)?;
        let v = self.v_proj.forward(value)?;
        let split = |t: &Tensor, l: usize| -> Result<Tensor> {
            t.reshape((b, l, h, hd))?.transpose(1, 2)?.contiguous()
        };
        let q = (split(q, lq)? * (1.0 / (hd as f64).sqrt()))?;
        let k = split(&k, lk)?;
        let v = split(&v, lk)?;
        let scores = blas::matmul(&q, &k.t()?)?; // [B, H, Lq, Lk]
        let scores = scores.broadcast_add(&key_bias.reshape((b, 1, 1, lk))?)?;
        let attn = candle_nn::ops::softmax(&scores, D::Minus1)?;
        let out = blas::matmul(&attn, &v)?
            .transpose(1, 2)?
            .reshape((b, lq, dim))?;
        let weights = if h == 1 {
            attn.squeeze(1)?
        } else {
            attn.mean(1)?
        };
        Ok((out, weights))
    }
}
