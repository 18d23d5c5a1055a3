//! The MLP block of Q2A (Wong et al., AssistQ, ECCV 2022, <https://arxiv.org/abs/2203.04203>).
//!
//! `fc1 .. fcL`: the first L-1 layers keep the input width (the reference's hidden width equals its
//! input width), the last maps to the output width; an activation sits between layers. Names follow
//! the reference's state dicts: `fc{i}.weight`, and `act{i}.weight` for PReLU slopes (the 2nd-place
//! fork's 3-layer PReLU MLP).

pub use crate::config::Activation;
use crate::init::linear_uniform;
use blas::Linear;
use candle_core::{Module, Result, Tensor};
use candle_nn::VarBuilder;

#[derive(Debug, Clone)]
pub struct Mlp {
    layers: Vec<Linear>,
    /// One slope tensor `[1]` per activation when the activation is PReLU.
    slopes: Vec<Tensor>,
    act: Activation,
}

/// A `Linear` created with PyTorch's default initialisation, so seeded training starts where
/// a PyTorch run of the same shape would (in distribution).
pub fn linear(in_dim: usize, out_dim: usize, vb: VarBuilder) -> Result<Linear> {
    let init = linear_uniform(in_dim);
    let weight = vb.get_with_hints((out_dim, in_dim), "weight", init)?;
    let bias = vb.get_with_hints(out_dim, "bias", init)?;
    Ok(Linear::new(weight, Some(bias)))
}

impl Mlp {
    pub fn new(
        in_dim: usize,
        out_dim: usize,
        num_layers: usize,
        act: Activation,
        vb: VarBuilder,
    ) -> Result<Self> {
        let mut layers = Vec::with_capacity(num_layers);
        let mut slopes = Vec::new();
        for i in 1..=num_layers {
            let out = if i == num_layers { out_dim } else { in_dim };
            layers.push(linear(in_dim, out, vb.pp(format!("fc{i}")))?);
            if i < num_layers && act == Activation::Prelu {
                slopes.push(vb.pp(format!("act{i}")).get_with_hints(
                    1,
                    "weight",
                    candle_nn::Init::Const(0.25),
                )?);
            }
        }
        Ok(Mlp {
            layers,
            slopes,
            act,
        })
    }
}

impl Module for Mlp {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let dims = xs.dims().to_vec();
        let mut xs = xs.flatten_to(xs.rank().saturating_sub(2))?;
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            xs = layer.forward(&xs)?;
            if i < last {
                xs = match self.act {
                    Activation::Relu => xs.relu()?,
                    Activation::Gelu => xs.gelu_erf()?,
                    // prelu(x) = relu(x) - a * relu(-x)
                    Activation::Prelu => {
                        (xs.relu()? - xs.neg()?.relu()?.broadcast_mul(&self.slopes[i])?)?
                    }
                };
            }
        }
        let mut out_dims = dims;
        *out_dims.last_mut().expect("rank >= 1") = xs.dim(1)?;
        xs.reshape(out_dims)
    }
}
