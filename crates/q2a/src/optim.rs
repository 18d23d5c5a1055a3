//! SGD with momentum and weight decay, exactly as `torch.optim.SGD` (dampening 0, no Nesterov):
//! `g = grad + wd * p; buf = g` on the first step, then `buf = momentum * buf + g`; `p -= lr * buf`.
//! candle-nn's `SGD` has neither momentum nor weight decay, and the reference trains with both.

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use crate::error::Result;

pub struct Sgd {
    params: Vec<(String, Var)>,
    momentum_buffers: Vec<Option<Tensor>>,
    lr: f64,
    momentum: f64,
    weight_decay: f64,
}

impl Sgd {
    /// `params` in a fixed (sorted) order so checkpoints of the buffers are stable.
    pub fn new(mut params: Vec<(String, Var)>, lr: f64, momentum: f64, weight_decay: f64) -> Self {
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let n = params.len();
        Sgd {
            params,
            momentum_buffers: vec![None; n],
            lr,
            momentum,
            weight_decay,
        }
    }

    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    pub fn lr(&self) -> f64 {
        self.lr
    }

    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        for ((_, var), buf) in self.params.iter().zip(self.momentum_buffers.iter_mut()) {
            let Some(grad) = grads.get(var.as_tensor()) else {
                continue;
            };
            let p = var.as_tensor().detach();
            let mut g = grad.detach();
            if self.weight_decay != 0.0 {
                g = (g + (&p * self.weight_decay)?)?;
            }
            if self.momentum != 0.0 {
                let next = match buf.take() {
                    Some(b) => ((b * self.momentum)? + g)?,
                    None => g,
                };
                *buf = Some(next.clone());
                g = next;
            }
            var.set(&(p - (g * self.lr)?)?)?;
        }
        Ok(())
    }

    /// Momentum buffers by parameter name, for checkpoints that resume training.
    pub fn buffers(&self) -> Vec<(String, Tensor)> {
        self.params
            .iter()
            .zip(&self.momentum_buffers)
            .filter_map(|((name, _), b)| b.as_ref().map(|b| (name.clone(), b.clone())))
            .collect()
    }

    pub fn set_buffer(&mut self, name: &str, buffer: Tensor) -> bool {
        match self.params.iter().position(|(n, _)| n == name) {
            Some(i) => {
                self.momentum_buffers[i] = Some(buffer);
                true
            }
            None => false,
        }
    }
}
