//! Seeded parameter initialisation.
//!
//! candle's CPU random generator cannot be seeded, yet the same `SEED` must give the same model.
//! [`SeededInit`] is a `VarBuilder` backend that creates each parameter, on first request, from its
//! own ChaCha stream with the `Init` the module asked for (PyTorch's defaults), and records it in a
//! `VarMap` for the optimizer and for checkpoints. Parameters are created in module construction
//! order, so one seed always yields the same weights.

use std::sync::Mutex;

use candle_core::{DType, Device, Shape, Tensor, Var};
use candle_nn::{Init, VarBuilder, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub struct SeededInit {
    varmap: VarMap,
    rng: Mutex<ChaCha8Rng>,
}

impl SeededInit {
    /// A `VarBuilder` whose missing parameters are drawn from `seed` and stored in `varmap`;
    /// parameters already in `varmap` (loaded from a checkpoint) are used as they are.
    pub fn var_builder(varmap: &VarMap, seed: u64, device: &Device) -> VarBuilder<'static> {
        let backend: Box<dyn candle_nn::var_builder::SimpleBackend> = Box::new(SeededInit {
            varmap: varmap.clone(),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        });
        VarBuilder::from_backend(backend, DType::F32, device.clone())
    }
}

/// Standard normal samples by Box-Muller: `rand_distr` is not worth a dependency for this.
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn sample(init: Init, shape: &Shape, rng: &mut ChaCha8Rng) -> candle_core::Result<Vec<f32>> {
    let n = shape.elem_count();
    Ok(match init {
        Init::Const(v) => vec![v as f32; n],
        Init::Uniform { lo, up } => (0..n).map(|_| rng.random_range(lo..=up) as f32).collect(),
        Init::Randn { mean, stdev } => (0..n)
            .map(|_| (mean + stdev * normal(rng)) as f32)
            .collect(),
        Init::Kaiming { .. } => {
            candle_core::bail!("Kaiming init is not used by Q2A; ask for Uniform bounds")
        }
    })
}

impl candle_nn::var_builder::SimpleBackend for SeededInit {
    fn get(
        &self,
        s: Shape,
        name: &str,
        h: Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let mut vars = self.varmap.data().lock().expect("varmap lock");
        if let Some(var) = vars.get(name) {
            if var.shape() != &s {
                candle_core::bail!(
                    "parameter {name} has shape {:?}, expected {:?}",
                    var.shape(),
                    s
                )
            }
            return var.as_tensor().to_dtype(dtype);
        }
        let values = sample(h, &s, &mut self.rng.lock().expect("rng lock"))?;
        let var = Var::from_tensor(&Tensor::from_vec(values, s, dev)?.to_dtype(dtype)?)?;
        let tensor = var.as_tensor().clone();
        vars.insert(name.to_string(), var);
        Ok(tensor)
    }

    fn get_unchecked(
        &self,
        name: &str,
        dtype: DType,
        _dev: &Device,
    ) -> candle_core::Result<Tensor> {
        let vars = self.varmap.data().lock().expect("varmap lock");
        match vars.get(name) {
            Some(v) => v.as_tensor().to_dtype(dtype),
            None => candle_core::bail!("no parameter named {name}"),
        }
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.varmap
            .data()
            .lock()
            .expect("varmap lock")
            .contains_key(name)
    }
}

/// PyTorch's `nn.Linear` default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
pub fn linear_uniform(fan_in: usize) -> Init {
    let bound = 1.0 / (fan_in as f64).sqrt();
    Init::Uniform {
        lo: -bound,
        up: bound,
    }
}

/// Glorot / Xavier uniform, PyTorch's init for `MultiheadAttention.in_proj_weight`.
pub fn xavier_uniform(fan_in: usize, fan_out: usize) -> Init {
    let bound = (6.0 / (fan_in + fan_out) as f64).sqrt();
    Init::Uniform {
        lo: -bound,
        up: bound,
    }
}
