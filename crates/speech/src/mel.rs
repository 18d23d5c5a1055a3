//! Whisper's log-mel spectrogram, as `whisper.audio.log_mel_spectrogram` computes it (Radford et
//! al., "Robust Speech Recognition via Large-Scale Weak Supervision", 2022, §2.2): 25 ms Hann
//! windows (400 samples, periodic) every 10 ms (160 samples) of 16 kHz audio, centred with
//! reflect padding, the power spectrum's last frame dropped, the 80 mel filters, `log10` clamped
//! at 1e-10, floored at the maximum minus 8, then `(x + 4) / 4`.
//!
//! candle's own `pcm_to_mel` frames the audio uncentred (a 12.5 ms shift), so this one is ours.
//! The discrete Fourier transform is one matrix product (frames x 400 by 400 x 402 cosines and
//! sines, in f64), which candle's gemm does in a fraction of the time a loop would take.

use candle_core::{DType, Device, Tensor};

use crate::error::Result;

pub const SAMPLE_RATE: usize = 16_000;
pub const N_FFT: usize = 400;
pub const HOP_LENGTH: usize = 160;
/// Frames in one 30-second window, the encoder's input length.
pub const N_FRAMES: usize = 3000;
/// Samples in one 30-second window.
pub const N_SAMPLES: usize = N_FRAMES * HOP_LENGTH;

/// The log-mel spectrogram of `samples` (16 kHz mono) followed by `pad` zero samples, shaped
/// `[n_mels, frames]` with `frames = (samples.len() + pad) / HOP_LENGTH`; `filters` is
/// `[n_mels, N_FFT / 2 + 1]`.
pub fn log_mel(samples: &[f32], pad: usize, filters: &Tensor, device: &Device) -> Result<Tensor> {
    let mut audio = samples.to_vec();
    audio.resize(samples.len() + pad, 0.0);
    let frames = audio.len() / HOP_LENGTH;
    let half = N_FFT / 2;
    // Reflect padding (numpy's "reflect": the edge sample is not repeated).
    let at = |i: isize| -> f32 {
        let n = audio.len() as isize;
        if n == 1 {
            return audio[0];
        }
        let period = 2 * (n - 1);
        let mut j = i.rem_euclid(period);
        if j >= n {
            j = period - j;
        }
        audio[j as usize]
    };
    // In f64: quiet bins sit up to 8 decades under the frame's loudest, below what f32 sums
    // of 400 products resolve (the reference is f64 too).
    let window: Vec<f64> = (0..N_FFT)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / N_FFT as f64).cos())
        .collect();
    let mut framed = vec![0f64; frames * N_FFT];
    for (t, row) in framed.chunks_exact_mut(N_FFT).enumerate() {
        let start = (t * HOP_LENGTH) as isize - half as isize;
        for (k, slot) in row.iter_mut().enumerate() {
            *slot = f64::from(at(start + k as isize)) * window[k];
        }
    }
    let bins = half + 1;
    let mut basis = vec![0f64; N_FFT * 2 * bins];
    for n in 0..N_FFT {
        for k in 0..bins {
            let angle = 2.0 * std::f64::consts::PI * (n * k % N_FFT) as f64 / N_FFT as f64;
            basis[n * 2 * bins + k] = angle.cos();
            basis[n * 2 * bins + bins + k] = -angle.sin();
        }
    }
    let framed = Tensor::from_vec(framed, (frames, N_FFT), device)?;
    let basis = Tensor::from_vec(basis, (N_FFT, 2 * bins), device)?;
    let spectrum = framed.matmul(&basis)?;
    let re = spectrum.narrow(1, 0, bins)?;
    let im = spectrum.narrow(1, bins, bins)?;
    let power = (re.sqr()? + im.sqr()?)?; // [frames, bins]
    let mel = filters.to_dtype(DType::F64)?.matmul(&power.t()?)?; // [n_mels, frames]
    let log = mel
        .clamp(1e-10f64, f64::MAX)?
        .log()?
        .affine(1.0 / std::f64::consts::LN_10, 0.0)?;
    let max = log.max_all()?.to_scalar::<f64>()?;
    let floored = log.maximum(max - 8.0)?;
    Ok(floored.affine(0.25, 1.0)?.to_dtype(DType::F32)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pure tone lights the mel band holding its frequency, and silence is the floor.
    #[test]
    fn a_tone_lands_in_its_band() {
        let device = Device::Cpu;
        // A toy filter bank: band b sums the power bins [10 b, 10 b + 10).
        let bins = N_FFT / 2 + 1;
        let mut f = vec![0f32; 20 * bins];
        for b in 0..20 {
            for k in 10 * b..10 * b + 10 {
                f[b * bins + k] = 1.0;
            }
        }
        let filters = Tensor::from_vec(f, (20, bins), &device).unwrap();
        // 1000 Hz = bin 25 (40 Hz per bin): band 2.
        let tone: Vec<f32> = (0..SAMPLE_RATE)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / SAMPLE_RATE as f32).sin())
            .collect();
        let mel = log_mel(&tone, SAMPLE_RATE, &filters, &device).unwrap();
        assert_eq!(mel.dims(), &[20, 200]);
        let mel: Vec<Vec<f32>> = mel.to_vec2().unwrap();
        let frame = 50;
        let loudest = (0..20)
            .max_by(|&a, &b| mel[a][frame].total_cmp(&mel[b][frame]))
            .unwrap();
        assert_eq!(loudest, 2);
        // The padded second is silence: at the floor, max - 8 after the (x + 4) / 4 mapping.
        let max = mel.iter().flatten().cloned().fold(f32::MIN, f32::max);
        assert!((mel[2][150] - (max - 2.0)).abs() < 1e-5);
    }
}
