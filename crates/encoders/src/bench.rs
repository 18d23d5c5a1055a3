//! Encoder throughput on the CPU (or GPU): images per second through the DINOv2 backbone at
//! batch 1 and 8, and sentences per second through the text encoder (tokenisation included), for
//! `pressnext bench-encoders`. `scripts/bench_encoders_vs_onnxruntime.sh` runs the same workload
//! through onnxruntime in the same run, so the two are compared on one machine.

use std::time::Instant;

use candle_core::{Device, Tensor};
use serde::Serialize;

use crate::error::Result;
use crate::text::TextEncoder;
use crate::vision::ImageEncoder;

#[derive(Debug, Clone, Serialize)]
pub struct EncoderBench {
    pub device: String,
    pub image_size: usize,
    pub images_per_sec_batch1: f64,
    pub images_per_sec_batch8: f64,
    pub sentences: usize,
    pub sentence_batch: usize,
    pub sentences_per_sec: f64,
    /// The kernel of the CPU matrix products (`blas::describe`).
    pub matmul: String,
}

/// The benchmark's sentences: AssistQ-like questions and answers of varied length. The Python
/// side (`scripts/bench_encoders_reference.py`) builds the same list with the same rule.
pub fn bench_sentences(n: usize) -> Vec<String> {
    const VERBS: [&str; 4] = ["press", "turn", "hold", "release"];
    const THINGS: [&str; 5] = [
        "the timer",
        "the power level",
        "the start button",
        "the door",
        "the wash programme",
    ];
    (0..n)
        .map(|i| {
            let (verb, thing) = (VERBS[i % 4], THINGS[i % 5]);
            match i % 3 {
                0 => format!("Question: How do I {verb} {thing}?"),
                1 => format!("Answer: {verb} <button{}> to set {thing}", i % 9 + 1),
                _ => format!(
                    "Now {verb} {thing} and wait until the display shows {} minutes, then {verb} <button{}> again",
                    i % 60,
                    i % 7 + 1
                ),
            }
        })
        .collect()
}

/// Deterministic pseudo-random pixels, already normalised: the model's input.
fn input(batch: usize, size: usize, device: &Device) -> Result<Tensor> {
    let n = batch * 3 * size * size;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let data: Vec<f32> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 * 4.0 - 2.0
        })
        .collect();
    Ok(Tensor::from_vec(data, (batch, 3, size, size), device)?)
}

/// Runs each measurement `repeats` times after one warm-up.
pub fn run(
    text: &TextEncoder,
    image: &ImageEncoder,
    device: &Device,
    repeats: usize,
    sentences: usize,
) -> Result<EncoderBench> {
    let repeats = repeats.max(1);
    let size = image.image_size();
    let mut per_sec = [0.0; 2];
    for (slot, batch) in [1usize, 8].into_iter().enumerate() {
        let x = input(batch, size, device)?;
        image.model().forward_cls(&x)?.to_vec2::<f32>()?;
        let start = Instant::now();
        for _ in 0..repeats {
            // The class token, as encoding a pack takes it (`ImageEncoder::encode`); to_vec2
            // waits for the device, so the time covers the whole forward pass.
            image.model().forward_cls(&x)?.to_vec2::<f32>()?;
        }
        per_sec[slot] = (batch * repeats) as f64 / start.elapsed().as_secs_f64();
    }
    let texts = bench_sentences(sentences);
    text.encode(&texts)?;
    let start = Instant::now();
    for _ in 0..repeats {
        text.encode(&texts)?;
    }
    let sentences_per_sec = (texts.len() * repeats) as f64 / start.elapsed().as_secs_f64();
    Ok(EncoderBench {
        device: format!("{device:?}"),
        image_size: size,
        images_per_sec_batch1: per_sec[0],
        images_per_sec_batch8: per_sec[1],
        sentences: texts.len(),
        sentence_batch: crate::text::TEXT_BATCH,
        sentences_per_sec,
        matmul: blas::describe(),
    })
}
