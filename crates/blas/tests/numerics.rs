//! OpenBLAS products equal candle's own kernel within 1e-5 relative, for every operand layout the
//! models produce (plain, transposed weight, batched attention, views, broadcast batches), forward
//! and backward. Where OpenBLAS is not installed the comparison cannot run: it then fails under
//! CI (whose setup installs it) and is skipped elsewhere with a message.

use blas::{matmul_on, Backend};
use candle_core::{DType, Device, Module, Tensor, Var};

fn openblas_here() -> bool {
    let loaded = blas::backend() == Backend::OpenBlas;
    if !loaded {
        let required = std::env::var_os("CI").is_some()
            || std::env::var_os("PRESSNEXT_REQUIRE_BLAS").is_some();
        assert!(
            !required,
            "OpenBLAS did not load (libopenblas.so.0; scripts/setup.sh installs it)"
        );
        eprintln!("skipped: OpenBLAS is not installed on this machine");
    }
    // Set by `preferred_kernels_equal_candle_too` for the run it starts.
    if let (true, Ok(expected)) = (loaded, std::env::var("PRESSNEXT_BLAS_EXPECT_CORE")) {
        let core = blas::core_name().unwrap_or_default();
        assert!(
            core.eq_ignore_ascii_case(&expected),
            "OpenBLAS runs its {core} kernels, not {expected}"
        );
    }
    loaded
}

fn random(shape: &[usize], seed: u64) -> Tensor {
    // A small LCG: the same operands on every run without a random-number dependency.
    let n: usize = shape.iter().product();
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let v: Vec<f32> = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
}

fn max_abs(t: &Tensor) -> f32 {
    t.abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

fn assert_close(ours: &Tensor, reference: &Tensor, what: &str) {
    assert_eq!(ours.dims(), reference.dims(), "{what}: shape");
    let diff = max_abs(&(ours - reference).unwrap());
    let scale = max_abs(reference).max(1e-30);
    assert!(
        diff / scale <= 1e-5,
        "{what}: max |ours - candle| = {diff} against max |candle| = {scale} (relative {})",
        diff / scale
    );
}

fn check(a: &Tensor, b: &Tensor, what: &str) {
    let ours = matmul_on(Backend::OpenBlas, a, b).unwrap();
    let reference = matmul_on(Backend::Candle, a, b).unwrap();
    assert_close(&ours, &reference, what);
}

#[test]
fn forward_equals_candle_for_every_layout() {
    if !openblas_here() {
        return;
    }
    // A linear layer: activations times a transposed [out, in] weight (DINOv2's MLP at batch 8).
    let x = random(&[8 * 257, 384], 1);
    let w = random(&[1536, 384], 2);
    check(&x, &w.t().unwrap(), "linear, transposed weight");
    // Rows that split unevenly into bands across the threads.
    check(
        &random(&[515, 384], 18),
        &w.t().unwrap(),
        "linear, 515 rows in bands",
    );
    // Plain row-major operands, odd sizes.
    check(
        &random(&[7, 13], 3),
        &random(&[13, 5], 4),
        "plain 7x13 . 13x5",
    );
    // Attention scores and context: [B, H, N, Dh] . [B, H, Dh, N], then . [B, H, N, Dh].
    let q = random(&[2, 6, 20, 64], 5);
    let k = random(&[2, 6, 20, 64], 6);
    let scores = matmul_on(Backend::OpenBlas, &q, &k.t().unwrap()).unwrap();
    check(&q, &k.t().unwrap(), "attention scores, transposed keys");
    check(&scores, &random(&[2, 6, 20, 64], 7), "attention context");
    // Transposed left operand (the weight gradient of a linear layer).
    check(
        &random(&[30, 12], 8).t().unwrap(),
        &random(&[30, 9], 9),
        "transposed lhs",
    );
    // A view with a row stride wider than its columns (narrowed columns).
    let wide = random(&[10, 40], 10);
    check(
        &wide.narrow(1, 5, 16).unwrap(),
        &random(&[16, 3], 11),
        "narrowed view",
    );
    // A layout neither row- nor column-major (a permuted 3-D view): made contiguous first.
    let p = random(&[4, 6, 5], 12).permute((1, 0, 2)).unwrap(); // [6, 4, 5] with odd strides
    check(&p, &random(&[6, 5, 3], 13), "permuted batch");
    // A broadcast batch (stride 0), as a shared weight against a batch.
    let shared = random(&[1, 5, 4], 14).broadcast_as((3, 5, 4)).unwrap();
    check(&random(&[3, 2, 5], 15), &shared, "broadcast batch");
    // Vectors: m = 1 and n = 1.
    check(&random(&[1, 33], 16), &random(&[33, 1], 17), "1x33 . 33x1");
}

#[test]
fn gradients_equal_candle() {
    if !openblas_here() {
        return;
    }
    let grads = |backend: Backend| {
        let x = Var::from_tensor(&random(&[6, 10], 20)).unwrap();
        let w = Var::from_tensor(&random(&[4, 10], 21)).unwrap();
        let q = Var::from_tensor(&random(&[2, 3, 5, 8], 22)).unwrap();
        let y = matmul_on(backend, x.as_tensor(), &w.as_tensor().t().unwrap()).unwrap();
        let s = matmul_on(backend, q.as_tensor(), &q.as_tensor().t().unwrap()).unwrap();
        let loss = (y.sqr().unwrap().sum_all().unwrap() + s.sum_all().unwrap()).unwrap();
        let g = loss.backward().unwrap();
        [x.as_tensor(), w.as_tensor(), q.as_tensor()].map(|t| g.get(t).unwrap().clone())
    };
    let ours = grads(Backend::OpenBlas);
    let reference = grads(Backend::Candle);
    for (name, (o, r)) in ["x", "w", "q"]
        .iter()
        .zip(ours.iter().zip(reference.iter()))
    {
        assert_close(o, r, &format!("gradient of {name}"));
    }
}

#[test]
fn linear_equals_candle_nn_linear() {
    if !openblas_here() {
        return;
    }
    let w = random(&[12, 20], 30);
    let b = random(&[12], 31);
    let x = random(&[3, 7, 20], 32);
    let ours = blas::Linear::new(w.clone(), Some(b.clone()))
        .forward(&x)
        .unwrap();
    let reference = candle_nn::Linear::new(w, Some(b)).forward(&x).unwrap();
    assert_close(&ours, &reference, "linear over [3, 7, 20]");
    // A transposed (non-contiguous) input, and a product large enough to be split over threads.
    let w = random(&[96, 64], 33);
    let b = random(&[96], 34);
    let xt = random(&[64, 300], 35).t().unwrap();
    let ours = blas::Linear::new(w.clone(), Some(b.clone()))
        .forward(&xt)
        .unwrap();
    let reference = candle_nn::Linear::new(w, Some(b)).forward(&xt).unwrap();
    assert_close(&ours, &reference, "linear over a transposed [300, 64]");
}

#[test]
fn linear_with_residual_and_scaled_outputs_equal_the_plain_sums() {
    if !openblas_here() {
        return;
    }
    let w = random(&[48, 32], 50);
    let b = random(&[48], 51);
    let x = random(&[2, 70, 32], 52);
    let residual = random(&[2, 70, 48], 53);
    for bias in [Some(b.clone()), None] {
        let layer = blas::Linear::new(w.clone(), bias.clone());
        let ours = layer.forward_residual(&x, &residual).unwrap();
        let reference =
            (candle_nn::Linear::new(w.clone(), bias).forward(&x).unwrap() + &residual).unwrap();
        assert_close(&ours, &reference, "linear + residual");
    }
    let factors = random(&[48], 54);
    let scaled = blas::Linear::new(w.clone(), Some(b.clone()))
        .scale_outputs(&factors)
        .unwrap()
        .forward(&x)
        .unwrap();
    let reference = candle_nn::Linear::new(w, Some(b))
        .forward(&x)
        .unwrap()
        .broadcast_mul(&factors)
        .unwrap();
    assert_close(&scaled, &reference, "outputs scaled");
}

#[test]
fn linear_gradients_equal_candle_nn_linear() {
    if !openblas_here() {
        return;
    }
    let grads = |ours: bool| {
        let x = Var::from_tensor(&random(&[2, 40, 24], 40)).unwrap();
        let w = Var::from_tensor(&random(&[16, 24], 41)).unwrap();
        let b = Var::from_tensor(&random(&[16], 42)).unwrap();
        let (wt, bt) = (w.as_tensor().clone(), Some(b.as_tensor().clone()));
        let y = if ours {
            blas::Linear::new(wt, bt).forward(x.as_tensor()).unwrap()
        } else {
            candle_nn::Linear::new(wt, bt)
                .forward(x.as_tensor())
                .unwrap()
        };
        let loss = y.sqr().unwrap().sum_all().unwrap();
        let g = loss.backward().unwrap();
        [x.as_tensor(), w.as_tensor(), b.as_tensor()].map(|t| g.get(t).unwrap().clone())
    };
    let (ours, reference) = (grads(true), grads(false));
    for (name, (o, r)) in ["x", "w", "bias"]
        .iter()
        .zip(ours.iter().zip(reference.iter()))
    {
        assert_close(o, r, &format!("linear: gradient of {name}"));
    }
}

/// The tests above run on the kernels this test process loaded; the program itself runs the ones
/// `blas::use_preferred_kernels` asks for (AVX-512 where the CPU has it), so run the comparisons
/// again in a process that loads those.
#[test]
fn preferred_kernels_equal_candle_too() {
    if !openblas_here() {
        return;
    }
    let Some(wanted) = blas::preferred_core_type() else {
        eprintln!("skipped: no preferred kernels on this CPU (OpenBLAS chooses)");
        return;
    };
    if blas::core_name().is_some_and(|c| c.eq_ignore_ascii_case(&wanted)) {
        return; // this process runs them already
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "forward_equals_candle_for_every_layout",
            "gradients_equal_candle",
            "linear_equals_candle_nn_linear",
        ])
        .env("OPENBLAS_CORETYPE", &wanted)
        .env("PRESSNEXT_BLAS_EXPECT_CORE", &wanted)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("3 passed"),
        "with OpenBLAS's {wanted} kernels:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn other_dtypes_and_shapes_fall_back_to_candle() {
    // f64 and mismatched batches are not BLAS's: the result is candle's, errors included.
    let a = random(&[3, 4], 40).to_dtype(DType::F64).unwrap();
    let b = random(&[4, 2], 41).to_dtype(DType::F64).unwrap();
    let ours = matmul_on(Backend::OpenBlas, &a, &b).unwrap();
    assert_eq!(ours.dtype(), DType::F64);
    assert_eq!(ours.dims(), &[3, 2]);
    let bad = matmul_on(
        Backend::OpenBlas,
        &random(&[3, 4], 42),
        &random(&[5, 2], 43),
    );
    assert!(bad.is_err(), "inner dimensions 4 and 5 must not multiply");
}
