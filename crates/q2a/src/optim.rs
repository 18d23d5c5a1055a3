//! The optimizers, exactly as PyTorch defines them:
//! - SGD with momentum and weight decay (`torch.optim.SGD`, dampening 0, no Nesterov):
//!   `g = grad + wd * p; buf = g` on the first step, then `buf = momentum * buf + g`; `p -= lr * buf`.
//!   candle-nn's `SGD` has neither momentum nor weight decay, and the reference trains with both.
//! - Adam (`torch.optim.Adam`, L2 weight decay added to the gradient): `m = b1 m + (1 - b1) g`,
//!   `v = b2 v + (1 - b2) g^2`, `p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`.
//!
//! State tensors have names (`momentum.<param>`, `exp_avg.<param>`, `exp_avg_sq.<param>`, `step`)
//! so `last.safetensors` can carry them and a resumed run continues exactly.

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use crate::config::{OptimizerKind, SolverConfig};
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

    /// Momentum buffers by parameter name.
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

pub const ADAM_BETAS: (f64, f64) = (0.9, 0.999);
pub const ADAM_EPS: f64 = 1e-8;

pub struct Adam {
    params: Vec<(String, Var)>,
    /// First and second moment per parameter, once it has had a gradient.
    moments: Vec<Option<(Tensor, Tensor)>>,
    step: u64,
    lr: f64,
    weight_decay: f64,
}

impl Adam {
    pub fn new(mut params: Vec<(String, Var)>, lr: f64, weight_decay: f64) -> Self {
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let n = params.len();
        Adam {
            params,
            moments: vec![None; n],
            step: 0,
            lr,
            weight_decay,
        }
    }

    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.step += 1;
        let (b1, b2) = ADAM_BETAS;
        let bias1 = 1.0 - b1.powi(self.step as i32);
        let bias2 = 1.0 - b2.powi(self.step as i32);
        for ((_, var), moments) in self.params.iter().zip(self.moments.iter_mut()) {
            let Some(grad) = grads.get(var.as_tensor()) else {
                continue;
            };
            let p = var.as_tensor().detach();
            let mut g = grad.detach();
            if self.weight_decay != 0.0 {
                g = (g + (&p * self.weight_decay)?)?;
            }
            let (m, v) = match moments.take() {
                Some((m, v)) => (m, v),
                None => (g.zeros_like()?, g.zeros_like()?),
            };
            let m = ((m * b1)? + (&g * (1.0 - b1))?)?;
            let v = ((v * b2)? + (g.sqr()? * (1.0 - b2))?)?;
            let denom = ((&v / bias2)?.sqrt()? + ADAM_EPS)?;
            let update = ((&m / bias1)? / denom)?;
            var.set(&(p - (update * self.lr)?)?)?;
            *moments = Some((m, v));
        }
        Ok(())
    }
}

/// The optimizer `SOLVER.OPTIMIZER` names.
pub enum Optimizer {
    Sgd(Sgd),
    Adam(Adam),
}

impl Optimizer {
    pub fn new(params: Vec<(String, Var)>, solver: &SolverConfig) -> Self {
        match solver.optimizer {
            OptimizerKind::Sgd => Optimizer::Sgd(Sgd::new(
                params,
                solver.lr,
                solver.momentum,
                solver.weight_decay,
            )),
            OptimizerKind::Adam => {
                Optimizer::Adam(Adam::new(params, solver.lr, solver.weight_decay))
            }
        }
    }

    pub fn set_lr(&mut self, lr: f64) {
        match self {
            Optimizer::Sgd(o) => o.set_lr(lr),
            Optimizer::Adam(o) => o.lr = lr,
        }
    }

    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        match self {
            Optimizer::Sgd(o) => o.step(grads),
            Optimizer::Adam(o) => o.step(grads),
        }
    }

    /// Every state tensor by name, for `last.safetensors`.
    pub fn state(&self) -> Result<Vec<(String, Tensor)>> {
        Ok(match self {
            Optimizer::Sgd(o) => o
                .buffers()
                .into_iter()
                .map(|(n, t)| (format!("momentum.{n}"), t))
                .collect(),
            Optimizer::Adam(o) => {
                let mut out = Vec::new();
                for ((name, _), m) in o.params.iter().zip(&o.moments) {
                    if let Some((m, v)) = m {
                        out.push((format!("exp_avg.{name}"), m.clone()));
                        out.push((format!("exp_avg_sq.{name}"), v.clone()));
                    }
                }
                let step = Tensor::new(&[o.step as f32], &candle_core::Device::Cpu)?;
                out.push(("step".to_string(), step));
                out
            }
        })
    }

    /// Restores the state written by [`Optimizer::state`]; names of another optimizer are an
    /// error (a run cannot resume with a different `SOLVER.OPTIMIZER`).
    pub fn load_state(&mut self, state: Vec<(String, Tensor)>) -> Result<()> {
        let kind = match self {
            Optimizer::Sgd(_) => "sgd",
            Optimizer::Adam(_) => "adam",
        };
        let wrong = |name: &str| {
            crate::error::Error::Data(format!(
                "the checkpoint's optimizer state `{name}` does not belong to SOLVER.OPTIMIZER {kind}"
            ))
        };
        let mut adam_parts: std::collections::HashMap<String, (Option<Tensor>, Option<Tensor>)> =
            Default::default();
        for (name, t) in state {
            match (&mut *self, name.split_once('.')) {
                (Optimizer::Sgd(o), Some(("momentum", param))) => {
                    o.set_buffer(param, t);
                }
                (Optimizer::Adam(o), None) if name == "step" => {
                    let step = t.flatten_all()?.to_dtype(candle_core::DType::F32)?;
                    let step = step.to_vec1::<f32>()?.first().copied().ok_or_else(|| {
                        crate::error::Error::Data(
                            "the checkpoint's optimizer state `step` is empty".into(),
                        )
                    })?;
                    if !(step.is_finite() && step >= 0.0) {
                        return Err(crate::error::Error::Data(format!(
                            "the checkpoint's optimizer state `step` is {step}: expected a count"
                        )));
                    }
                    o.step = step as u64;
                }
                (Optimizer::Adam(_), Some(("exp_avg", param))) => {
                    adam_parts.entry(param.to_string()).or_default().0 = Some(t);
                }
                (Optimizer::Adam(_), Some(("exp_avg_sq", param))) => {
                    adam_parts.entry(param.to_string()).or_default().1 = Some(t);
                }
                _ => return Err(wrong(&name)),
            }
        }
        if let Optimizer::Adam(o) = self {
            for (param, (m, v)) in adam_parts {
                if let (Some(m), Some(v), Some(i)) =
                    (m, v, o.params.iter().position(|(n, _)| *n == param))
                {
                    o.moments[i] = Some((m, v));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_or_negative_adam_step_is_an_error_not_a_panic() {
        let cfg = crate::config::Config::from_yaml(
            "",
            &["SOLVER.OPTIMIZER".to_string(), "adam".to_string()],
            "test",
        )
        .unwrap();
        for step in [
            Tensor::zeros(0, candle_core::DType::F32, &candle_core::Device::Cpu).unwrap(),
            Tensor::new(&[-3.0f32], &candle_core::Device::Cpu).unwrap(),
        ] {
            let mut opt = Optimizer::new(Vec::new(), &cfg.solver);
            let err = opt
                .load_state(vec![("step".to_string(), step)])
                .unwrap_err()
                .to_string();
            assert!(err.contains("`step`"), "{err}");
        }
    }
}
