//! The sound track of a local file as mono samples at the rate a speech model wants.
//!
//! [`decode_audio`] opens the file under the same rules as a video (local files only, a
//! whitelist of containers, here plus WAV), decodes its best audio stream with FFmpeg, averages
//! the channels and resamples with a windowed-sinc filter ([`resample`]). The mixing and the
//! resampling are ours rather than swresample's so that they are the same on every FFmpeg
//! version and can be tested sample by sample.

use std::path::Path;

use ffmpeg_next as ffmpeg;

use ffmpeg::format::sample::Type as SampleLayout;
use ffmpeg::format::Sample;
use ffmpeg::util::frame;

use crate::video::{init_ffmpeg, looks_like_url, open_local_input, Containers, OpenError};
use crate::Error;

/// Containers a sound track is read from: those of a video, plus WAV (a recorded narration).
const AUDIO_CONTAINERS: Containers = Containers {
    demuxers: "mov,mp4,matroska,webm,avi,wav",
    text: "MP4/MOV, Matroska/WebM, AVI or WAV",
    kind: "a video or audio container",
};

/// Half-width of the resampling filter, in input samples at the output's cut-off.
const SINC_HALF_WIDTH: f64 = 16.0;

/// A decoded sound track.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Mono samples in [-1, 1] at `sample_rate`.
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    /// Rate and channels of the stream in the file.
    pub source_rate: u32,
    pub source_channels: u16,
}

impl Audio {
    /// Length in seconds.
    pub fn duration(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate.max(1))
    }

    /// Root mean square of the samples (0 for silence).
    pub fn rms(&self) -> f32 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let sum: f64 = self
            .samples
            .iter()
            .map(|&s| f64::from(s) * f64::from(s))
            .sum();
        (sum / self.samples.len() as f64).sqrt() as f32
    }
}

/// The best audio stream of `path`, mixed to mono and resampled to `sample_rate`.
///
/// Errors name the file: not a local file, not a container PressNext reads, no audio track
/// ("it has no audio track": a video without narration), or nothing decodable.
pub fn decode_audio(path: &Path, sample_rate: u32) -> Result<Audio, Error> {
    init_ffmpeg();
    let path_buf = path.to_path_buf();
    if sample_rate == 0 {
        return Err(Error::InvalidArgument {
            path: path_buf,
            message: "the sample rate must be positive".into(),
        });
    }
    if looks_like_url(path) {
        return Err(Error::NotLocal { path: path_buf });
    }
    let metadata = std::fs::metadata(path)
        .map_err(|source| Error::Io(assistq::FileError::new(path_buf.clone(), source)))?;
    if !metadata.is_file() {
        return Err(Error::NotAVideo {
            path: path_buf,
            message: "it is not a regular file".into(),
        });
    }
    let mut input = open_local_input(path, AUDIO_CONTAINERS).map_err(|e| match e {
        OpenError::Refused(e) => e,
        OpenError::Ffmpeg(e) => Error::NotAVideo {
            path: path_buf.clone(),
            message: format!("FFmpeg cannot read it as media ({e})"),
        },
    })?;
    let stream = input
        .streams()
        .best(ffmpeg::media::Type::Audio)
        .ok_or_else(|| Error::NoAudio {
            path: path_buf.clone(),
        })?;
    let stream_index = stream.index();
    let context =
        ffmpeg::codec::Context::from_parameters(stream.parameters()).map_err(|e| Error::Open {
            path: path_buf.clone(),
            message: format!("audio stream: {e}"),
        })?;
    let mut decoder = context.decoder().audio().map_err(|e| Error::Open {
        path: path_buf.clone(),
        message: format!("no decoder for its audio: {e}"),
    })?;

    let mut mono = Vec::new();
    let mut source_rate = 0u32;
    let mut source_channels = 0u16;
    let mut decoded = frame::Audio::empty();
    let mut packet = ffmpeg::Packet::empty();
    let mut failures = 0usize;
    let mut drain = |decoder: &mut ffmpeg::decoder::Audio,
                     mono: &mut Vec<f32>,
                     rate: &mut u32,
                     channels: &mut u16|
     -> Result<(), Error> {
        while decoder.receive_frame(&mut decoded).is_ok() {
            if *rate == 0 {
                *rate = decoded.rate();
                *channels = decoded.channels();
            } else if decoded.rate() != *rate {
                return Err(Error::Decode {
                    path: path_buf.clone(),
                    message: format!(
                        "its audio changes sample rate mid-stream ({} Hz, then {} Hz)",
                        rate,
                        decoded.rate()
                    ),
                });
            }
            mix_to_mono(&decoded, mono).map_err(|message| Error::Decode {
                path: path_buf.clone(),
                message,
            })?;
        }
        Ok(())
    };
    loop {
        match packet.read(&mut input) {
            Ok(()) => {}
            Err(ffmpeg::Error::Eof) => break,
            Err(_) => break,
        }
        if packet.stream() != stream_index {
            continue;
        }
        if decoder.send_packet(&packet).is_err() {
            failures += 1;
            continue;
        }
        drain(
            &mut decoder,
            &mut mono,
            &mut source_rate,
            &mut source_channels,
        )?;
    }
    if decoder.send_eof().is_ok() {
        drain(
            &mut decoder,
            &mut mono,
            &mut source_rate,
            &mut source_channels,
        )?;
    }
    if mono.is_empty() {
        return Err(Error::Decode {
            path: path_buf,
            message: if failures > 0 {
                format!("its audio track could not be decoded ({failures} damaged packets)")
            } else {
                "its audio track holds no sound".into()
            },
        });
    }
    let samples = resample(&mono, source_rate, sample_rate);
    Ok(Audio {
        samples,
        sample_rate,
        source_rate,
        source_channels,
    })
}

/// Appends the average of `frame`'s channels to `out`, as f32 in [-1, 1].
fn mix_to_mono(frame: &frame::Audio, out: &mut Vec<f32>) -> Result<(), String> {
    let channels = usize::from(frame.channels().max(1));
    let n = frame.samples();
    let start = out.len();
    out.resize(start + n, 0.0);
    let scale = 1.0 / channels as f32;
    let (format, layout) = match frame.format() {
        Sample::U8(l) => (0, l),
        Sample::I16(l) => (1, l),
        Sample::I32(l) => (2, l),
        Sample::F32(l) => (3, l),
        Sample::F64(l) => (4, l),
        Sample::I64(l) => (5, l),
        other => return Err(format!("unsupported audio sample format {other:?}")),
    };
    let value = |bytes: &[u8], i: usize| -> f32 {
        match format {
            0 => (f32::from(bytes[i]) - 128.0) / 128.0,
            1 => f32::from(i16::from_ne_bytes([bytes[2 * i], bytes[2 * i + 1]])) / 32768.0,
            2 => {
                i32::from_ne_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap_or([0; 4])) as f32
                    / 2_147_483_648.0
            }
            3 => f32::from_ne_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap_or([0; 4])),
            4 => f64::from_ne_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap_or([0; 8])) as f32,
            _ => {
                (i64::from_ne_bytes(bytes[8 * i..8 * i + 8].try_into().unwrap_or([0; 8])) as f64
                    / 9_223_372_036_854_775_808.0) as f32
            }
        }
    };
    let bytes_per_sample = [1usize, 2, 4, 4, 8, 8][format];
    match layout {
        SampleLayout::Packed => {
            let data = frame.data(0);
            if data.len() < n * channels * bytes_per_sample {
                return Err("a decoded audio frame is shorter than it says".into());
            }
            for (k, slot) in out[start..].iter_mut().enumerate() {
                let sum: f32 = (0..channels).map(|c| value(data, k * channels + c)).sum();
                *slot = sum * scale;
            }
        }
        SampleLayout::Planar => {
            for c in 0..channels {
                let data = frame.data(c);
                if data.len() < n * bytes_per_sample {
                    return Err("a decoded audio plane is shorter than it says".into());
                }
                for (k, slot) in out[start..].iter_mut().enumerate() {
                    *slot += value(data, k) * scale;
                }
            }
        }
    }
    Ok(())
}

/// `samples` at `from` Hz resampled to `to` Hz: band-limited interpolation with a Hann-windowed
/// sinc whose cut-off is the lower of the two Nyquist frequencies (so downsampling does not
/// alias). Output length is `round(len * to / from)`. Output sample `n` sits at input position
/// `n * from / to`; its fractional part takes only `to / gcd(from, to)` values, so the filter
/// is tabulated once per phase (160 phases for 44.1 kHz to 16 kHz, 1 for 48 kHz).
pub fn resample(samples: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || samples.is_empty() || from == 0 || to == 0 {
        return samples.to_vec();
    }
    let g = gcd(from, to);
    let (step, phases) = (u64::from(from / g), u64::from(to / g));
    let cutoff = (f64::from(to) / f64::from(from)).min(1.0);
    let half = SINC_HALF_WIDTH / cutoff;
    let tap = |x: f64| -> f64 {
        let window = 0.5 + 0.5 * (std::f64::consts::PI * x / half).cos();
        let arg = std::f64::consts::PI * x * cutoff;
        let sinc = if arg.abs() < 1e-12 {
            1.0
        } else {
            arg.sin() / arg
        };
        cutoff * sinc * window
    };
    // Per phase p (fraction f = p / phases): taps at offsets j from the integer position, weight
    // tap(f - j), for |f - j| <= half.
    let tables: Vec<(i64, Vec<f32>)> = (0..phases)
        .map(|p| {
            let f = p as f64 / phases as f64;
            let first = (f - half).ceil() as i64;
            let last = (f + half).floor() as i64;
            (
                first,
                (first..=last).map(|j| tap(f - j as f64) as f32).collect(),
            )
        })
        .collect();
    let out_len = (samples.len() as f64 * f64::from(to) / f64::from(from)).round() as usize;
    let len = samples.len() as i64;
    (0..out_len as u64)
        .map(|n| {
            let position = n * step;
            let base = (position / phases) as i64;
            let (first, weights) = &tables[(position % phases) as usize];
            let mut acc = 0.0f32;
            for (j, w) in weights.iter().enumerate() {
                let k = base + first + j as i64;
                if (0..len).contains(&k) {
                    acc += samples[k as usize] * w;
                }
            }
            acc
        })
        .collect()
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, seconds: f64) -> Vec<f32> {
        (0..(f64::from(rate) * seconds) as usize)
            .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin() as f32)
            .collect()
    }

    fn amplitude_at(samples: &[f32], freq: f64, rate: u32) -> f64 {
        // One DFT bin, away from the edges.
        let body = &samples[samples.len() / 4..3 * samples.len() / 4];
        let (mut re, mut im) = (0.0, 0.0);
        for (i, &s) in body.iter().enumerate() {
            let phase = 2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate);
            re += f64::from(s) * phase.cos();
            im += f64::from(s) * phase.sin();
        }
        2.0 * (re * re + im * im).sqrt() / body.len() as f64
    }

    #[test]
    fn resampling_keeps_speech_frequencies_and_removes_what_cannot_be_kept() {
        let kept = resample(&tone(1000.0, 44_100, 1.0), 44_100, 16_000);
        assert_eq!(kept.len(), 16_000);
        let a = amplitude_at(&kept, 1000.0, 16_000);
        assert!((a - 1.0).abs() < 0.02, "1 kHz amplitude {a}");
        // 11 kHz cannot exist at 16 kHz: it must not fold back to 5 kHz.
        let folded = resample(&tone(11_000.0, 44_100, 1.0), 44_100, 16_000);
        let alias = amplitude_at(&folded, 5000.0, 16_000);
        assert!(alias < 0.02, "alias amplitude {alias}");
        // Upsampling keeps the tone too.
        let up = resample(&tone(440.0, 8000, 0.5), 8000, 16_000);
        assert_eq!(up.len(), 8000);
        let a = amplitude_at(&up, 440.0, 16_000);
        assert!((a - 1.0).abs() < 0.02, "440 Hz amplitude {a}");
    }

    #[test]
    fn the_same_rate_is_a_copy() {
        let x = tone(300.0, 16_000, 0.1);
        assert_eq!(resample(&x, 16_000, 16_000), x);
    }
}
