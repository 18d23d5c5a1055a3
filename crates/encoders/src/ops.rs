//! Element-wise kernels of the encoders that candle runs on one thread with a slow path: the exact
//! (erf) GELU of Hendrycks & Gimpel 2016 ("Gaussian Error Linear Units", arXiv:1606.08415), which
//! DINOv2 and BERT use. candle's `gelu_erf` computes `erf` with the `libm` crate's `erff`
//! element by element on one core; `perf` put it at 11 % of the image encoder's time. Here erf is
//! Abramowitz & Stegun's formula 7.1.26 (absolute error below 1.5e-7, "Handbook of Mathematical
//! Functions", 1964), computed over both cores. Forward only: the encoders are frozen.

use candle_core::{
    backend::BackendStorage, CpuStorage, CustomOp1, DType, Device, Layout, Result, Shape, Tensor,
};
use rayon::prelude::*;

/// `erf(x)` within 1.5e-7 (A&S 7.1.26).
#[inline]
pub fn erf(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_8,
        -1.453_152_1,
        1.061_405_4,
    ];
    let ax = x.abs();
    let t = 1.0 / (1.0 + P * ax);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let y = 1.0 - poly * (-ax * ax).exp();
    y.copysign(x)
}

/// `x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))`.
#[inline]
pub fn gelu_erf_scalar(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// Elements per task: large enough that a task outweighs its scheduling.
const CHUNK: usize = 16 * 1024;

struct GeluErf;

impl CustomOp1 for GeluErf {
    fn name(&self) -> &'static str {
        "gelu-erf-parallel"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let CpuStorage::F32(data) = storage else {
            candle_core::bail!("gelu-erf-parallel takes f32, got {:?}", storage.dtype());
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("gelu-erf-parallel takes a contiguous tensor");
        };
        let input = &data[start..end];
        let mut out = vec![0f32; input.len()];
        out.par_chunks_mut(CHUNK)
            .zip(input.par_chunks(CHUNK))
            .for_each(|(o, i)| {
                for (o, &x) in o.iter_mut().zip(i) {
                    *o = gelu_erf_scalar(x);
                }
            });
        Ok((CpuStorage::F32(out), layout.shape().clone()))
    }
}

/// The exact GELU; on the CPU for `f32` the parallel kernel above, elsewhere candle's own.
pub fn gelu_erf(xs: &Tensor) -> Result<Tensor> {
    if !matches!(xs.device(), Device::Cpu) || xs.dtype() != DType::F32 {
        return xs.gelu_erf();
    }
    xs.contiguous()?.apply_op1_no_bwd(&GeluErf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelu_equals_candles_exact_gelu() {
        // -8..8 in steps of 1/512, both signs, zero and the tails included.
        let xs: Vec<f32> = (-4096..=4096).map(|i| i as f32 / 512.0).collect();
        let t = Tensor::from_vec(xs.clone(), (xs.len(),), &Device::Cpu).unwrap();
        let ours = gelu_erf(&t).unwrap().to_vec1::<f32>().unwrap();
        let reference = t.gelu_erf().unwrap().to_vec1::<f32>().unwrap();
        for ((x, o), r) in xs.iter().zip(&ours).zip(&reference) {
            assert!(
                (o - r).abs() <= 2e-6 * (1.0 + x.abs()),
                "gelu({x}) = {o}, candle {r}"
            );
        }
        // A non-contiguous view gives the same values.
        let m = Tensor::from_vec(xs[..4096].to_vec(), (64, 64), &Device::Cpu).unwrap();
        let view = gelu_erf(&m.t().unwrap()).unwrap().to_vec2::<f32>().unwrap();
        let expected = m.t().unwrap().gelu_erf().unwrap().to_vec2::<f32>().unwrap();
        for (row, expected_row) in view.iter().zip(&expected) {
            for (v, e) in row.iter().zip(expected_row) {
                assert!((v - e).abs() <= 2e-5, "transposed view: {v} against {e}");
            }
        }
    }

    #[test]
    fn erf_is_within_its_bound() {
        // Reference values of erf (A&S table 7.1).
        for (x, e) in [
            (0.0f32, 0.0f32),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (2.0, 0.995_322_3),
            (-1.5, -0.966_105_1),
        ] {
            assert!((erf(x) - e).abs() < 3e-7, "erf({x}) = {}, not {e}", erf(x));
        }
    }
}
