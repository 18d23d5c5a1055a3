//! Element-wise and row kernels of the encoders where candle's CPU path is slow: the exact
//! (erf) GELU of Hendrycks & Gimpel 2016 ("Gaussian Error Linear Units", arXiv:1606.08415),
//! which DINOv2 and BERT use, and the attention's softmax over the last dimension.
//!
//! candle's `gelu_erf` computes `erf` with the `libm` crate's `erff` element by element on one
//! core (`perf`: 11 % of the image encoder's time), and its softmax calls `expf` per element;
//! after the products went to OpenBLAS, `expf` alone was 9.9 % of the image encoder's time
//! (docs/encoders.md). Here erf is a rational approximation without exp (see [`erf`]) and `exp`
//! (the softmax's) is Cody & Waite's range
//! reduction with Cephes' `expf` polynomial ("Software Manual for the Elementary Functions",
//! 1980; Moshier, "Methods and Programs for Mathematical Functions", 1989), both written without
//! branches or library calls, so that the compiler vectorises the loops over them; the loops are
//! compiled a second time for AVX2 and for AVX-512 and picked at run time, and run over both
//! cores. Forward only: the encoders are frozen.

use candle_core::{
    backend::BackendStorage, CpuStorage, CustomOp1, DType, Device, Layout, Result, Shape, Tensor,
};
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// `e^x` within 2 units in the last place for `x` in [-87, 88] (below, subnormal down to 0; above,
/// `e^88.7`): `x = n ln 2 + r` with `|r| <= ln 2 / 2`, `e^r` by Cephes' degree-7 polynomial,
/// and `2^n` written into the exponent bits.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 in two parts: n * LN2_HI is exact for |n| < 2^9.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 * 2^23: adding and subtracting it rounds to the nearest integer.
    const ROUND: f32 = 12_582_912.0;
    const P: [f32; 6] = [
        1.987_569_1e-4,
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        5.000_000_1e-1,
    ];
    let x = x.clamp(-110.0, 88.7);
    let n = (x * LOG2E + ROUND) - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = ((((P[0] * r + P[1]) * r + P[2]) * r + P[3]) * r + P[4]) * r + P[5];
    let e = p * r * r + r + 1.0;
    // 2^n in two factors, so that n below -126 (a subnormal result) still comes out right.
    // Each exponent k + 127 (1..=254) is written into the exponent bits without a float to
    // integer conversion (which does not vectorise, it saturates): ROUND + k + 127 holds it in
    // its low mantissa bits, and shifting by 23 moves those into the exponent field.
    let half = (n * 0.5).floor_fast();
    let pow2 = |k: f32| f32::from_bits((k + (ROUND + 127.0)).to_bits() << 23);
    e * pow2(half) * pow2(n - half)
}

/// `floor` for values within +-2^22 without a library call (so loops over it vectorise).
trait FloorFast {
    fn floor_fast(self) -> Self;
}

impl FloorFast for f32 {
    #[inline(always)]
    fn floor_fast(self) -> f32 {
        const ROUND: f32 = 12_582_912.0;
        let r = (self + ROUND) - ROUND;
        if r > self {
            r - 1.0
        } else {
            r
        }
    }
}

/// `erf(x)` within 4.2e-7 absolute (measured against an f64 series on [-8, 8], step 1e-4): the
/// rational minimax approximation Eigen and XLA use for single-precision erf, an odd polynomial
/// of degree 13 over an even one of degree 8 on `x` clamped to [-4, 4] (where erf is 1 to
/// within half an ulp). No exp: about six times cheaper per element than Abramowitz & Stegun's
/// formula 7.1.26 with its exp, which it replaced (5.2e-7 in f32 arithmetic; the GELU was 5 %
/// of the encoders' time).
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    // The published coefficients, as written there (rounded to f32 by the compiler).
    #[allow(clippy::excessive_precision)]
    const NUM: [f32; 7] = [
        -2.72614225801306e-10,
        2.77068142495902e-08,
        -2.10102402082508e-06,
        -5.69250639462346e-05,
        -7.34990630326855e-04,
        -2.95459980854025e-03,
        -1.60960333262415e-02,
    ];
    #[allow(clippy::excessive_precision)]
    const DEN: [f32; 5] = [
        -1.45660718464996e-05,
        -2.13374055278905e-04,
        -1.68282697438203e-03,
        -7.37332916720468e-03,
        -1.42647390514189e-02,
    ];
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let p = NUM[1..].iter().fold(NUM[0], |p, &c| p * x2 + c);
    let q = DEN[1..].iter().fold(DEN[0], |q, &c| q * x2 + c);
    x * p / q
}

/// `x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))`.
#[inline(always)]
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
        map_in_parallel(self.name(), storage, layout, CHUNK, gelu_into)
    }
}

/// The output of `kernel` over a contiguous `f32` tensor, the input cut into pieces of
/// `per_task` elements (the last one shorter) that run in parallel, each into its own piece of
/// the output, which the kernel must write whole (it starts uninitialised: a zero-filling pass
/// over every output was 3 % of the image encoder); an error names `op` for any other tensor.
fn map_in_parallel(
    op: &str,
    storage: &CpuStorage,
    layout: &Layout,
    per_task: usize,
    kernel: impl Fn(&[f32], &mut [MaybeUninit<f32>]) + Sync,
) -> Result<(CpuStorage, Shape)> {
    let CpuStorage::F32(data) = storage else {
        candle_core::bail!("{op} takes f32, got {:?}", storage.dtype());
    };
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("{op} takes a contiguous tensor");
    };
    let input = &data[start..end];
    let mut out: Vec<f32> = Vec::with_capacity(input.len());
    out.spare_capacity_mut()[..input.len()]
        .par_chunks_mut(per_task)
        .zip(input.par_chunks(per_task))
        .for_each(|(o, i)| kernel(i, o));
    // SAFETY: the kernels write every element of their piece, and the pieces cover the input's
    // length.
    unsafe { out.set_len(input.len()) };
    Ok((CpuStorage::F32(out), layout.shape().clone()))
}

/// The widest vector instructions this CPU has, once.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Simd {
    Avx512,
    Avx2,
    Baseline,
}

fn simd() -> Simd {
    static SIMD: std::sync::OnceLock<Simd> = std::sync::OnceLock::new();
    *SIMD.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Simd::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Simd::Avx2;
            }
        }
        Simd::Baseline
    })
}

/// Defines `$name(args)` running `$body` compiled three times (AVX-512, AVX2, baseline) and
/// picks the widest this CPU runs: the same code, vectorised as wide as it goes.
macro_rules! multiversion {
    (fn $name:ident($($arg:ident: $ty:ty),*) $body:block) => {
        fn $name($($arg: $ty),*) {
            #[inline(always)]
            fn inner($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f")]
            unsafe fn avx512($($arg: $ty),*) {
                inner($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            unsafe fn avx2($($arg: $ty),*) {
                inner($($arg),*)
            }
            match simd() {
                // SAFETY: simd() found the instructions these are compiled for on this CPU.
                #[cfg(target_arch = "x86_64")]
                Simd::Avx512 => unsafe { avx512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                Simd::Avx2 => unsafe { avx2($($arg),*) },
                _ => inner($($arg),*),
            }
        }
    };
}

multiversion! {
    fn gelu_into(input: &[f32], out: &mut [MaybeUninit<f32>]) {
        assert_eq!(input.len(), out.len(), "gelu input and its output");
        for (o, &x) in out.iter_mut().zip(input) {
            o.write(gelu_erf_scalar(x));
        }
    }
}

/// Lanes of the partial maxima and sums of a row: wide enough for AVX-512, so the reductions
/// vectorise (float sums are not reassociated otherwise).
const LANES: usize = 16;

multiversion! {
    fn softmax_rows(src: &[f32], dst: &mut [MaybeUninit<f32>], row: usize) {
        assert_eq!(src.len(), dst.len(), "softmax rows and their output");
        for (src, dst) in src.chunks(row).zip(dst.chunks_mut(row)) {
            softmax_row(src, dst);
        }
    }
}

/// One row: 16 lanes of partial maxima and sums; the last partial chunk is padded with -inf
/// (whose exp is 0) and goes through the same vector code, since MiniLM's rows of about 25
/// scores otherwise spent most of their time in a scalar tail (inlined into `softmax_rows`,
/// and so compiled for its instruction sets).
#[inline(always)]
fn softmax_row(src: &[f32], dst: &mut [MaybeUninit<f32>]) {
    let chunks = src.chunks_exact(LANES);
    let mut padded = [f32::NEG_INFINITY; LANES];
    padded[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    let mut lanes = [f32::NEG_INFINITY; LANES];
    for c in chunks.clone().chain(std::iter::once(&padded[..])) {
        for (m, &v) in lanes.iter_mut().zip(c) {
            *m = if v > *m { v } else { *m };
        }
    }
    let max = lanes
        .iter()
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m });
    let mut sums = [0f32; LANES];
    let mut dst_chunks = dst.chunks_exact_mut(LANES);
    for (d, s) in (&mut dst_chunks).zip(chunks) {
        for ((d, &v), sum) in d.iter_mut().zip(s).zip(sums.iter_mut()) {
            let e = exp(v - max);
            d.write(e);
            *sum += e;
        }
    }
    let mut tail = [0f32; LANES];
    for ((e, &v), sum) in tail.iter_mut().zip(&padded).zip(sums.iter_mut()) {
        *e = exp(v - max);
        *sum += *e;
    }
    for (d, &e) in dst_chunks.into_remainder().iter_mut().zip(&tail) {
        d.write(e);
    }
    let inv = 1.0 / sums.iter().sum::<f32>();
    for d in dst.iter_mut() {
        // SAFETY: the loops above wrote every element of the row (src and dst have its length).
        unsafe { *d.assume_init_mut() *= inv };
    }
}

struct SoftmaxLastDim;

impl CustomOp1 for SoftmaxLastDim {
    fn name(&self) -> &'static str {
        "softmax-last-dim-vectorised"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let row = layout.shape().dims().last().copied().unwrap_or(1).max(1);
        // Whole rows per task, about CHUNK elements each.
        let per_task = row * (CHUNK / row).max(1);
        map_in_parallel(self.name(), storage, layout, per_task, |i, o| {
            softmax_rows(i, o, row)
        })
    }
}

multiversion! {
    fn layer_norm_rows(
        x: &[f32],
        out: &mut [MaybeUninit<f32>],
        weight: &[f32],
        bias: &[f32],
        eps: f32
    ) {
        let row = weight.len();
        assert!(x.len() == out.len() && bias.len() == row, "layer norm rows and their output");
        for (x, out) in x.chunks(row).zip(out.chunks_mut(row)) {
            layer_norm_row(x, out, weight, bias, eps);
        }
    }
}

/// `(x - mean) / sqrt(var + eps) * weight + bias` over one row, mean and variance in two passes
/// of 16 lanes of partial sums (candle's kernel summed `x` and `x^2` element by element, one
/// row per task: 2-3 % of the image encoder).
#[inline(always)]
fn layer_norm_row(x: &[f32], out: &mut [MaybeUninit<f32>], weight: &[f32], bias: &[f32], eps: f32) {
    let n = x.len() as f32;
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    let mut sums = [0f32; LANES];
    for c in chunks.clone() {
        for (s, &v) in sums.iter_mut().zip(c) {
            *s += v;
        }
    }
    let mean = (sums.iter().sum::<f32>() + tail.iter().sum::<f32>()) / n;
    let mut squares = [0f32; LANES];
    for c in chunks {
        for (s, &v) in squares.iter_mut().zip(c) {
            *s += (v - mean) * (v - mean);
        }
    }
    let tail_squares: f32 = tail.iter().map(|&v| (v - mean) * (v - mean)).sum();
    let var = (squares.iter().sum::<f32>() + tail_squares) / n;
    let rstd = 1.0 / (var + eps).sqrt();
    for (((o, &v), &w), &b) in out.iter_mut().zip(x).zip(weight).zip(bias) {
        o.write((v - mean) * rstd * w + b);
    }
}

struct LayerNormLastDim<'a> {
    weight: &'a [f32],
    bias: &'a [f32],
    eps: f32,
}

impl CustomOp1 for LayerNormLastDim<'_> {
    fn name(&self) -> &'static str {
        "layer-norm-vectorised"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let row = self.weight.len();
        if layout.shape().dims().last() != Some(&row) {
            candle_core::bail!(
                "{}: rows of {row} expected, got {:?}",
                self.name(),
                layout.shape()
            );
        }
        let per_task = row * (CHUNK / row).max(1);
        map_in_parallel(self.name(), storage, layout, per_task, |i, o| {
            layer_norm_rows(i, o, self.weight, self.bias, self.eps)
        })
    }
}

/// Layer normalisation over the last dimension (Ba, Kiros & Hinton 2016, "Layer Normalization",
/// arXiv:1607.06450) with the parameters and names of `candle_nn::LayerNorm` (`weight`, `bias`),
/// which it runs where its own kernel does not apply (another device or dtype).
#[derive(Debug, Clone)]
pub struct LayerNorm {
    inner: candle_nn::LayerNorm,
    /// The weight and bias as plain values, for the CPU kernel (`None` off the CPU or not f32).
    cpu: Option<(Vec<f32>, Vec<f32>)>,
    eps: f32,
}

impl LayerNorm {
    pub fn new(inner: candle_nn::LayerNorm, eps: f64) -> Result<Self> {
        let weight = inner.weight();
        let cpu = match inner.bias() {
            Some(bias)
                if matches!(weight.device(), Device::Cpu) && weight.dtype() == DType::F32 =>
            {
                Some((weight.to_vec1::<f32>()?, bias.to_vec1::<f32>()?))
            }
            _ => None,
        };
        Ok(Self {
            inner,
            cpu,
            eps: eps as f32,
        })
    }
}

/// [`LayerNorm`] of `size` with `weight` and `bias` under `vb`, as `candle_nn::layer_norm`.
pub fn layer_norm(size: usize, eps: f64, vb: candle_nn::VarBuilder) -> Result<LayerNorm> {
    LayerNorm::new(candle_nn::layer_norm(size, eps, vb)?, eps)
}

impl candle_core::Module for LayerNorm {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        match &self.cpu {
            Some((weight, bias))
                if matches!(xs.device(), Device::Cpu) && xs.dtype() == DType::F32 =>
            {
                xs.contiguous()?.apply_op1_no_bwd(&LayerNormLastDim {
                    weight,
                    bias,
                    eps: self.eps,
                })
            }
            _ => self.inner.forward(xs),
        }
    }
}

/// Softmax over the last dimension; on the CPU for `f32` the vectorised kernel above, elsewhere
/// candle's own.
pub fn softmax_last_dim(xs: &Tensor) -> Result<Tensor> {
    if !matches!(xs.device(), Device::Cpu) || xs.dtype() != DType::F32 {
        return candle_nn::ops::softmax_last_dim(xs);
    }
    xs.contiguous()?.apply_op1_no_bwd(&SoftmaxLastDim)
}

/// The softmax kernel above over rows of `row` scores, for [`blas::attention_merge_heads`]
/// (one attention head's scores per call, on the task's thread).
pub fn softmax_rows_into(scores: &[f32], probs: &mut [MaybeUninit<f32>], row: usize) {
    softmax_rows(scores, probs, row)
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
    fn exp_is_within_two_ulp_of_the_standard_library() {
        let mut worst = 0f32;
        let mut x = -87.0f32;
        while x < 88.0 {
            let (ours, std) = (exp(x), x.exp());
            worst = worst.max((ours - std).abs() / std);
            x += 0.001_37;
        }
        assert!(worst < 2.5e-7, "worst relative error {worst}");
        // Subnormal results, underflow and overflow.
        assert!((exp(-100.0) - (-100f32).exp()).abs() <= 1e-44);
        assert_eq!(exp(-200.0), 0.0);
        assert!(exp(100.0) > 1e38);
    }

    #[test]
    fn layer_norm_equals_an_f64_reference_and_candles() {
        let params = |size: usize, seed: usize| -> (Vec<f32>, Vec<f32>) {
            (
                (0..size)
                    .map(|i| ((i * 31 + seed) % 17) as f32 / 8.0 - 1.0)
                    .collect(),
                (0..size)
                    .map(|i| ((i * 7 + seed) % 13) as f32 / 6.0 - 1.0)
                    .collect(),
            )
        };
        let layer = |(w, b): &(Vec<f32>, Vec<f32>)| {
            candle_nn::LayerNorm::new(
                Tensor::new(w.as_slice(), &Device::Cpu).unwrap(),
                Tensor::new(b.as_slice(), &Device::Cpu).unwrap(),
                1e-6,
            )
        };
        // DINOv2's and BERT's width, one with a partial lane block and one shorter than a block;
        // rows with means up to 110 (candle's one-pass variance loses digits there).
        for (rows, size) in [(37usize, 384usize), (5, 37), (3, 16), (2, 7)] {
            let xs: Vec<f32> = (0..rows * size)
                .map(|i| ((i * 7919) % 1000) as f32 / 50.0 - 10.0 + (i / size) as f32 * 3.0)
                .collect();
            let p = params(size, rows);
            let t = Tensor::from_vec(xs.clone(), (rows, size), &Device::Cpu).unwrap();
            let ours = LayerNorm::new(layer(&p), 1e-6).unwrap();
            let got = candle_core::Module::forward(&ours, &t)
                .unwrap()
                .to_vec2::<f32>()
                .unwrap();
            for (r, (row, got)) in xs.chunks(size).zip(&got).enumerate() {
                let mean = row.iter().map(|&v| v as f64).sum::<f64>() / size as f64;
                let var = row.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / size as f64;
                for (i, (&v, &g)) in row.iter().zip(got).enumerate() {
                    let e = (v as f64 - mean) / (var + 1e-6).sqrt() * p.0[i] as f64 + p.1[i] as f64;
                    assert!(
                        (g as f64 - e).abs() <= 1e-5 * (1.0 + e.abs()),
                        "{rows}x{size} row {r}: {g} against {e}"
                    );
                }
            }
        }
        // Rows centred near 0 (the models' case), against candle's, and a transposed view.
        let t = Tensor::from_vec(
            (0..64 * 48)
                .map(|i| (i % 97) as f32 / 9.0 - 5.0)
                .collect::<Vec<_>>(),
            (48, 64),
            &Device::Cpu,
        )
        .unwrap();
        let reference = layer(&params(64, 1));
        let ours = LayerNorm::new(reference.clone(), 1e-6).unwrap();
        let view = Tensor::from_vec(
            (0..64 * 48)
                .map(|i| (i % 89) as f32 / 7.0 - 6.0)
                .collect::<Vec<_>>(),
            (64, 48),
            &Device::Cpu,
        )
        .unwrap()
        .t()
        .unwrap();
        for (x, what) in [(t, "contiguous"), (view, "transposed view")] {
            let got = candle_core::Module::forward(&ours, &x).unwrap();
            let expected =
                candle_core::Module::forward(&reference, &x.contiguous().unwrap()).unwrap();
            let diff = (got - expected)
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap();
            assert!(diff <= 1e-5, "{what}: {diff}");
        }
    }

    #[test]
    fn softmax_equals_candles() {
        // Rows of a length that is no multiple of the lanes, values large and small.
        let (rows, cols) = (37, 257);
        let xs: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 7919) % 1000) as f32 / 37.0 - 13.0)
            .collect();
        let t = Tensor::from_vec(xs, (rows, cols), &Device::Cpu).unwrap();
        let ours = softmax_last_dim(&t).unwrap().to_vec2::<f32>().unwrap();
        let reference = candle_nn::ops::softmax_last_dim(&t)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        for (row, expected) in ours.iter().zip(&reference) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            for (o, r) in row.iter().zip(expected) {
                assert!((o - r).abs() <= 1e-5 * r.abs() + 1e-12, "{o} against {r}");
            }
        }
        // A row shorter than the lanes, and a transposed (non-contiguous) view.
        let short = Tensor::new(&[[1f32, 2.0, 3.0]], &Device::Cpu).unwrap();
        let s = softmax_last_dim(&short).unwrap().to_vec2::<f32>().unwrap();
        let r = candle_nn::ops::softmax_last_dim(&short)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        for (a, b) in s[0].iter().zip(&r[0]) {
            assert!((a - b).abs() < 1e-6);
        }
        // Rows of exactly one lane block and of BERT's length with padding masked (f32::MIN
        // added to its scores): the padded tail's -inf and the mask give zeros, as candle's.
        for cols in [16usize, 25] {
            let xs: Vec<f32> = (0..4 * cols)
                .map(|i| {
                    if i % cols >= cols - 3 {
                        f32::MIN
                    } else {
                        (i % 11) as f32 / 3.0 - 1.0
                    }
                })
                .collect();
            let m = Tensor::from_vec(xs, (4, cols), &Device::Cpu).unwrap();
            let ours = softmax_last_dim(&m).unwrap().to_vec2::<f32>().unwrap();
            let reference = candle_nn::ops::softmax_last_dim(&m)
                .unwrap()
                .to_vec2::<f32>()
                .unwrap();
            for (a, b) in ours.iter().flatten().zip(reference.iter().flatten()) {
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs() + 1e-12,
                    "{cols}: {a} against {b}"
                );
            }
        }
        let view = softmax_last_dim(&t.t().unwrap())
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        let expected = candle_nn::ops::softmax_last_dim(&t.t().unwrap().contiguous().unwrap())
            .unwrap()
            .to_vec2::<f32>()
            .unwrap();
        assert_eq!(view.len(), expected.len());
        for (a, b) in view.iter().flatten().zip(expected.iter().flatten()) {
            assert!((a - b).abs() <= 1e-5 * b.abs() + 1e-12);
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
