//! OpenBLAS and MKL against candle's own kernel, side by side, on the products the models run:
//! `cargo bench -p blas --bench matmul`. Throughput is in floating-point operations (2mnk).

use blas::{matmul_on, Backend};
use candle_core::{Device, Tensor};
use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    // (name, batch, m, k, n, rhs transposed): DINOv2 ViT-S/14 at batch 8 (257 tokens), MiniLM at
    // 32 sentences of 24 tokens, and one Q2A attention product at batch 16.
    let shapes = [
        ("dinov2 mlp fc1 b8", 1, 8 * 257, 384, 1536, true),
        ("dinov2 qkv b8", 1, 8 * 257, 384, 1152, true),
        ("minilm ffn b32", 1, 32 * 24, 384, 1536, true),
        ("dinov2 attention scores b8", 8 * 6, 257, 64, 257, true),
        ("q2a attention b16", 16, 24, 384, 24, true),
    ];
    let mut group = c.benchmark_group("matmul");
    for (name, batch, m, k, n, trans) in shapes {
        let a = Tensor::randn(0f32, 1.0, (batch, m, k), &Device::Cpu).unwrap();
        let b = if trans {
            Tensor::randn(0f32, 1.0, (batch, n, k), &Device::Cpu)
                .unwrap()
                .t()
                .unwrap()
        } else {
            Tensor::randn(0f32, 1.0, (batch, k, n), &Device::Cpu).unwrap()
        };
        group.throughput(Throughput::Elements((2 * batch * m * k * n) as u64));
        for backend in [Backend::Candle, Backend::OpenBlas, Backend::Mkl] {
            if !blas::available(backend) {
                continue;
            }
            group.bench_with_input(BenchmarkId::new(backend.name(), name), &(), |bench, _| {
                bench.iter(|| matmul_on(backend, &a, &b).unwrap())
            });
        }
    }
    group.finish();
    eprintln!("matmul backend of this process: {}", blas::describe());
}

criterion_group!(benches, bench);

fn main() {
    // As the programs do: OpenBLAS's preferred kernels (AVX-512 where the CPU has them).
    blas::configure_cpu();
    blas::use_preferred_kernels();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
