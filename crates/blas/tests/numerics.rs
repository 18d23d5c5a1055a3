//! The BLAS products equal candle's own kernel within 1e-5 relative, for every operand layout the
//! models produce (plain, transposed weight, batched attention, views, broadcast batches), forward
//! and backward, on this process's backend (`blas::backend`: MKL on an Intel CPU, else OpenBLAS)
//! and, in processes of their own, on each of OpenBLAS and MKL. Where a library is not installed
//! its comparison cannot run: it then fails under CI (whose setup installs both) and is skipped
//! elsewhere with a message.

use blas::{matmul_on, Backend};
use candle_core::{DType, Device, Module, Tensor, Var};

/// Whether this process multiplies through a BLAS (else the comparisons would compare candle with
/// itself); under CI it must, and where `PRESSNEXT_BLAS_EXPECT_*` say which, it must be that one.
fn blas_here() -> bool {
    let backend = blas::backend();
    let loaded = backend != Backend::Candle;
    if !loaded {
        let required = std::env::var_os("CI").is_some()
            || std::env::var_os("PRESSNEXT_REQUIRE_BLAS").is_some();
        assert!(
            !required,
            "no BLAS loaded (libmkl_rt.so, libopenblas.so.0; scripts/setup.sh installs them)"
        );
        eprintln!("skipped: neither MKL nor OpenBLAS is installed on this machine");
    }
    // Set by `each_blas_equals_candle` for the runs it starts.
    if let Ok(expected) = std::env::var("PRESSNEXT_BLAS_EXPECT_BACKEND") {
        assert_eq!(backend.name(), expected, "the backend this run asked for");
    }
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
    let ours = matmul_on(blas::backend(), a, b).unwrap();
    let reference = matmul_on(Backend::Candle, a, b).unwrap();
    assert_close(&ours, &reference, what);
}

#[test]
fn forward_equals_candle_for_every_layout() {
    if !blas_here() {
        return;
    }
    // A linear layer: activations times a transposed [out, in] weight (DINOv2's MLP at batch 8).
    let x = random(&[8 * 257, 384], 1);
    let w = random(&[1536, 384], 2);
    check(&x, &w.t().unwrap(), "linear, transposed weight");
    // Again after the library gave back its buffers on every thread (MKL allocates them anew).
    blas::release_buffers();
    check(&x, &w.t().unwrap(), "linear after release_buffers");
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
    let scores = matmul_on(blas::backend(), &q, &k.t().unwrap()).unwrap();
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
fn merged_heads_equal_the_product_transposed() {
    if !blas_here() {
        return;
    }
    // [B, H, N, M] . [B, H, M, Dh] -> [B, N, H * Dh]; v as a view into a fused projection
    // ([B, N, 3, H, Dh] permuted, as DINOv2's attention has it) and contiguous.
    let (b, h, n, dh) = (2, 6, 21, 64);
    let probs = random(&[b, h, n, n], 60);
    let fused = random(&[b, n, 3, h, dh], 61)
        .permute((2, 0, 3, 1, 4))
        .unwrap();
    let view = fused.get(2).unwrap();
    for (v, what) in [
        (view.clone(), "view"),
        (view.contiguous().unwrap(), "contiguous"),
    ] {
        let ours = blas::matmul_merge_heads(&probs, &v).unwrap();
        let reference = matmul_on(Backend::Candle, &probs, &v.contiguous().unwrap())
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .reshape((b, n, h * dh))
            .unwrap();
        assert_close(&ours, &reference, &format!("merged heads, v {what}"));
    }
}

/// A plain row softmax for [`blas::attention_merge_heads`] (the encoders pass their vectorised
/// one; this test checks the op around it).
fn plain_softmax(scores: &[f32], probs: &mut [std::mem::MaybeUninit<f32>], row: usize) {
    for (s, p) in scores.chunks(row).zip(probs.chunks_mut(row)) {
        let max = s.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
        let sum: f32 = s.iter().map(|&x| (x - max).exp()).sum();
        for (x, p) in s.iter().zip(p) {
            p.write((x - max).exp() / sum);
        }
    }
}

#[test]
fn attention_equals_softmax_then_products() {
    if !blas_here() {
        return;
    }
    // q, k, v as views into one fused projection ([B, N, 3, H, Dh] permuted, as DINOv2 has
    // them), with as many keys as queries; and a single query against 21 keys (the class token
    // alone), contiguous.
    let (b, h, n, dh) = (2, 6, 21, 64);
    let fused = (random(&[b, n, 3, h, dh], 62) * 0.3)
        .unwrap()
        .permute((2, 0, 3, 1, 4))
        .unwrap();
    let (q, k, v) = (
        fused.get(0).unwrap(),
        fused.get(1).unwrap(),
        fused.get(2).unwrap(),
    );
    let one_query = q.narrow(2, 0, 1).unwrap().contiguous().unwrap();
    // A padding mask as BERT adds it: the last 6 keys of the second batch entry are padding.
    let mut mask = vec![0f32; b * n];
    mask[2 * n - 6..].fill(f32::MIN);
    let key_bias = Tensor::from_vec(mask, (b, n), &Device::Cpu).unwrap();
    for (q, bias, what) in [
        (q.clone(), None, "every query"),
        (one_query, None, "one query"),
        (q.clone(), Some(&key_bias), "padded keys"),
    ] {
        let ours = blas::attention_merge_heads(&q, &k, &v, bias, plain_softmax).unwrap();
        let mut scores =
            matmul_on(Backend::Candle, &q.contiguous().unwrap(), &k.t().unwrap()).unwrap();
        if let Some(bias) = bias {
            scores = scores
                .broadcast_add(&bias.reshape((b, 1, 1, n)).unwrap())
                .unwrap();
        }
        let probs = candle_nn::ops::softmax_last_dim(&scores).unwrap();
        let nq = q.dim(2).unwrap();
        let reference = matmul_on(Backend::Candle, &probs, &v.contiguous().unwrap())
            .unwrap()
            .transpose(1, 2)
            .unwrap()
            .reshape((b, nq, h * dh))
            .unwrap();
        assert_close(&ours, &reference, &format!("attention, {what}"));
    }
}

#[test]
fn gradients_equal_candle() {
    if !blas_here() {
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
    let ours = grads(blas::backend());
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
    if !blas_here() {
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
    if !blas_here() {
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
    if !blas_here() {
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

/// Runs the comparisons above in a process of their own with `env` set, and fails with its
/// output unless all four passed.
fn comparisons_pass_with(env: &[(&str, &str)], what: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "forward_equals_candle_for_every_layout",
            "gradients_equal_candle",
            "linear_equals_candle_nn_linear",
            "merged_heads_equal_the_product_transposed",
            "attention_equals_softmax_then_products",
        ])
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("5 passed"),
        "{what}:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The tests above run on this process's backend; run them again on each BLAS the program can
/// choose (`PRESSNEXT_MATMUL`), OpenBLAS with the kernels `blas::use_preferred_kernels` asks
/// for (AVX-512 where the CPU has it). Under CI both libraries must be there.
#[test]
fn each_blas_equals_candle() {
    let required =
        std::env::var_os("CI").is_some() || std::env::var_os("PRESSNEXT_REQUIRE_BLAS").is_some();
    if std::env::var_os("PRESSNEXT_BLAS_EXPECT_BACKEND").is_some() {
        return; // a run started by this test
    }
    for backend in [Backend::OpenBlas, Backend::Mkl] {
        if !blas::available(backend) {
            assert!(
                !required,
                "{} did not load (scripts/setup.sh installs it)",
                backend.name()
            );
            eprintln!(
                "skipped: {} is not installed on this machine",
                backend.name()
            );
            continue;
        }
        let mut env = vec![
            ("PRESSNEXT_MATMUL", backend.name()),
            ("PRESSNEXT_BLAS_EXPECT_BACKEND", backend.name()),
        ];
        let core = blas::preferred_core_type().unwrap_or_default();
        if backend == Backend::OpenBlas && !core.is_empty() {
            env.extend([
                ("OPENBLAS_CORETYPE", core.as_str()),
                ("PRESSNEXT_BLAS_EXPECT_CORE", core.as_str()),
            ]);
        }
        comparisons_pass_with(&env, backend.name());
    }
}

#[test]
fn other_dtypes_and_shapes_fall_back_to_candle() {
    // f64 and mismatched batches are not BLAS's: the result is candle's, errors included.
    for backend in [Backend::OpenBlas, Backend::Mkl] {
        let a = random(&[3, 4], 40).to_dtype(DType::F64).unwrap();
        let b = random(&[4, 2], 41).to_dtype(DType::F64).unwrap();
        let ours = matmul_on(backend, &a, &b).unwrap();
        assert_eq!(ours.dtype(), DType::F64);
        assert_eq!(ours.dims(), &[3, 2]);
        let bad = matmul_on(backend, &random(&[3, 4], 42), &random(&[5, 2], 43));
        assert!(bad.is_err(), "inner dimensions 4 and 5 must not multiply");
    }
}
