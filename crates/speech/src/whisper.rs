//! Whisper transcription with timestamps (Radford et al., "Robust Speech Recognition via
//! Large-Scale Weak Supervision", 2022): candle's `whisper::model` network on the imported
//! weights, greedy decoding with OpenAI's logit rules, and its long-form loop over 30-second
//! windows.
//!
//! Decoding of one window starts from `<|startoftranscript|>` (the English-only models take no
//! language or task token; a multilingual one takes `<|lang|>` and `<|transcribe|>` or
//! `<|translate|>`, the language detected from the first window when not given, as
//! `whisper.decoding.detect_language` does: the likeliest language token after
//! `<|startoftranscript|>`) and applies, before every argmax, what `whisper.decoding` applies:
//! - the blank and end-of-text are suppressed at the first step, the model's `suppress_tokens`
//!   and the special tokens always;
//! - timestamps come in pairs, never decrease, the first token is a timestamp no later than
//!   1 s, and a timestamp is forced when their total probability beats every text token.
//!
//! The window then advances to the last complete timestamp pair (or by 30 s when the text ended
//! on a lone timestamp), so speech cut by a window boundary is decoded again in the next one.
//! A window whose no-speech probability is above 0.6 while its tokens average a log-probability
//! below -1 is skipped as silence, as `whisper.transcribe` does.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, IndexOp, Tensor, D};
use candle_nn::VarBuilder;
use candle_transformers::models::whisper::{model::Whisper, Config};

use crate::error::{Error, Result};
use crate::mel::{self, HOP_LENGTH, N_FRAMES, N_SAMPLES, SAMPLE_RATE};
use crate::{CONFIG_FILE, MEL_FILTERS_FILE, MODEL_FILE, TOKENIZER_FILE};

/// Seconds per timestamp token.
const TIME_PRECISION: f64 = 0.02;
/// Latest first timestamp, in timestamp steps (1 s).
const MAX_INITIAL_TIMESTAMP_INDEX: u32 = 50;
const NO_SPEECH_THRESHOLD: f64 = 0.6;
const LOGPROB_THRESHOLD: f64 = -1.0;

/// One decoded stretch of speech.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Segment {
    /// Start and end in seconds from the start of the audio.
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// What one 30-second window decoded to.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowDecoding {
    /// Generated tokens after the prompt, timestamps included, end-of-text excluded.
    pub tokens: Vec<u32>,
    /// Probability of `<|nocaptions|>` / `<|nospeech|>` at the first step.
    pub no_speech_prob: f64,
    /// Mean log-probability of the generated tokens.
    pub avg_logprob: f64,
}

/// Whisper's special token ids, read from the tokenizer.
#[derive(Debug, Clone, Copy)]
struct Specials {
    eot: u32,
    sot: u32,
    no_timestamps: u32,
    timestamp_begin: u32,
    no_speech: Option<u32>,
    blank: Option<u32>,
}

/// The language and task tokens of a multilingual model.
#[derive(Debug, Clone)]
struct Languages {
    /// (code, token id), e.g. ("fr", 50265), in the tokenizer's order.
    tokens: Vec<(String, u32)>,
    transcribe: u32,
    translate: u32,
}

/// What to decode from a multilingual model (an English-only one ignores both).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The spoken language's code ("fr"); `None`: detected from the first 30 s.
    pub language: Option<String>,
    /// Translate to English (Whisper's `translate` task) instead of transcribing.
    pub translate: bool,
}

/// The segments decoded and the language they were heard in.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub segments: Vec<Segment>,
    /// The language code: given, detected (a multilingual model), or "en" (English-only).
    pub language: String,
    /// The detected language's probability among all languages (1 when given or English-only).
    pub language_probability: f64,
}

/// A loaded Whisper model.
pub struct Transcriber {
    /// Language and task tokens (multilingual models only).
    languages: Option<Languages>,
    model: Whisper,
    tokenizer: tokenizers::Tokenizer,
    config: Config,
    filters: Tensor,
    specials: Specials,
    /// Tokens never generated: the model's list and every special token but end-of-text and
    /// the timestamps.
    suppressed: Vec<u32>,
    device: Device,
    dir: PathBuf,
}

impl Transcriber {
    /// Loads the folder [`crate::import::import_whisper`] wrote.
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let missing = |name: &str| Error::Model {
            path: dir.join(name),
            message: "missing: the speech model is not installed".into(),
        };
        for name in [MODEL_FILE, CONFIG_FILE, TOKENIZER_FILE, MEL_FILTERS_FILE] {
            if !dir.join(name).is_file() {
                return Err(missing(name));
            }
        }
        let config_path = dir.join(CONFIG_FILE);
        let config_text = std::fs::read(&config_path)
            .map_err(|e| Error::Io(assistq::FileError::new(config_path.clone(), e)))?;
        let config: Config = serde_json::from_slice(&config_text).map_err(|e| Error::Model {
            path: config_path.clone(),
            message: format!("not a Whisper config: {e}"),
        })?;
        let tokenizer_path = dir.join(TOKENIZER_FILE);
        let tokenizer =
            tokenizers::Tokenizer::from_file(&tokenizer_path).map_err(|e| Error::Model {
                path: tokenizer_path.clone(),
                message: format!("unreadable tokenizer: {e}"),
            })?;
        let id = |token: &str| {
            tokenizer.token_to_id(token).ok_or_else(|| Error::Model {
                path: tokenizer_path.clone(),
                message: format!("the tokenizer has no `{token}`"),
            })
        };
        let no_timestamps = id("<|notimestamps|>")?;
        let specials = Specials {
            eot: id("<|endoftext|>")?,
            sot: id("<|startoftranscript|>")?,
            no_timestamps,
            timestamp_begin: tokenizer
                .token_to_id("<|0.00|>")
                .unwrap_or(no_timestamps + 1),
            no_speech: tokenizer
                .token_to_id("<|nospeech|>")
                .or_else(|| tokenizer.token_to_id("<|nocaptions|>")),
            blank: tokenizer
                .encode(" ", false)
                .ok()
                .and_then(|e| e.get_ids().first().copied()),
        };
        let model_path = dir.join(MODEL_FILE);
        let model_err = |e: candle_core::Error| Error::Model {
            path: model_path.clone(),
            message: format!("cannot load the weights: {e}"),
        };
        // SAFETY: the file is mapped read-only and not modified while the model lives (imports
        // write a new file and rename it over the old one).
        let vb = unsafe {
            VarBuilder::from_mmaped_safetensors(&[&model_path], DType::F32, device)
                .map_err(model_err)?
        };
        let model = Whisper::load(&vb, config.clone()).map_err(model_err)?;
        let filters_path = dir.join(MEL_FILTERS_FILE);
        let filters = candle_core::safetensors::load(&filters_path, device)
            .map_err(|e| Error::Model {
                path: filters_path.clone(),
                message: format!("unreadable mel filters: {e}"),
            })?
            .remove("mel_80")
            .ok_or_else(|| Error::Model {
                path: filters_path.clone(),
                message: "no `mel_80` tensor".into(),
            })?;
        // OpenAI's rule: a vocabulary of 51,865 or more is a multilingual model.
        let languages = if config.vocab_size >= 51_865 {
            let transcribe = id("<|transcribe|>")?;
            let translate = id("<|translate|>")?;
            let tokens = (specials.sot + 1..translate)
                .filter_map(|t| {
                    let token = tokenizer.id_to_token(t)?;
                    let code = token.strip_prefix("<|")?.strip_suffix("|>")?.to_string();
                    Some((code, t))
                })
                .collect::<Vec<_>>();
            if tokens.is_empty() {
                return Err(Error::Model {
                    path: tokenizer_path.clone(),
                    message: "a multilingual model whose tokenizer has no language tokens".into(),
                });
            }
            Some(Languages {
                tokens,
                transcribe,
                translate,
            })
        } else {
            None
        };
        let mut suppressed: Vec<u32> = config.suppress_tokens.clone();
        suppressed.extend(specials.sot..specials.timestamp_begin);
        suppressed.retain(|&t| t != specials.eot && (t as usize) < config.vocab_size);
        suppressed.sort_unstable();
        suppressed.dedup();
        Ok(Self {
            languages,
            model,
            tokenizer,
            config,
            filters,
            specials,
            suppressed,
            device: device.clone(),
            dir: dir.to_path_buf(),
        })
    }

    /// The folder the model was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the model hears many languages (and can translate them to English).
    pub fn is_multilingual(&self) -> bool {
        self.languages.is_some()
    }

    /// Transcribes 16 kHz mono `samples` (English with an English-only model; the language
    /// detected from the first 30 s with a multilingual one); `progress` gets the fraction done
    /// after each window.
    pub fn transcribe(
        &mut self,
        samples: &[f32],
        progress: &mut dyn FnMut(f64),
    ) -> Result<Vec<Segment>> {
        Ok(self
            .decode(samples, &DecodeOptions::default(), progress)?
            .segments)
    }

    /// Decodes 16 kHz mono `samples` by `options`: the language given or detected, transcribed
    /// or translated to English.
    pub fn decode(
        &mut self,
        samples: &[f32],
        options: &DecodeOptions,
        progress: &mut dyn FnMut(f64),
    ) -> Result<Decoded> {
        let mel = mel::log_mel(samples, N_SAMPLES, &self.filters, &self.device)?;
        let content_frames = samples.len() / HOP_LENGTH;
        let mut segments = Vec::new();
        let mut seek = 0usize;
        let mut prompt = vec![self.specials.sot];
        let (mut language, mut language_probability) = ("en".to_string(), 1.0);
        let mut detect = false;
        if let Some(languages) = &self.languages {
            match &options.language {
                Some(code) => {
                    language = code.clone();
                    prompt.push(self.language_token(code)?);
                }
                None => detect = true,
            }
            prompt.push(if options.translate {
                languages.translate
            } else {
                languages.transcribe
            });
        }
        while seek < content_frames {
            let window = mel.narrow(1, seek, N_FRAMES)?.unsqueeze(0)?;
            let segment_frames = N_FRAMES.min(content_frames - seek);
            let offset = (seek * HOP_LENGTH) as f64 / SAMPLE_RATE as f64;
            let audio = self.model.encoder.forward(&window, true)?;
            if detect {
                let (code, token, probability) = self.detect_language_of(&audio)?;
                prompt.insert(1, token);
                (language, language_probability) = (code, probability);
                detect = false;
            }
            let decoding = self.decode_audio(&audio, &prompt)?;
            if decoding.no_speech_prob > NO_SPEECH_THRESHOLD
                && decoding.avg_logprob < LOGPROB_THRESHOLD
            {
                seek += segment_frames;
                progress((seek as f64 / content_frames as f64).min(1.0));
                continue;
            }
            let advance = self.segments_of(&decoding.tokens, offset, segment_frames, &mut segments);
            seek += advance.max(1);
            progress((seek as f64 / content_frames as f64).min(1.0));
        }
        Ok(Decoded {
            segments,
            language,
            language_probability,
        })
    }

    /// The token of language `code` ("fr"); an error naming it when the model has none.
    fn language_token(&self, code: &str) -> Result<u32> {
        self.languages
            .as_ref()
            .and_then(|l| l.tokens.iter().find(|(c, _)| c == code).map(|&(_, t)| t))
            .ok_or_else(|| Error::Model {
                path: self.dir.clone(),
                message: format!("the speech model does not know the language `{code}`"),
            })
    }

    /// The likeliest language of an encoded window: its code, token and probability (softmax
    /// over the language tokens only, after `<|startoftranscript|>`).
    fn detect_language_of(&mut self, audio: &Tensor) -> Result<(String, u32, f64)> {
        let languages = self.languages.clone().ok_or_else(|| Error::Model {
            path: self.dir.clone(),
            message: "an English-only model detects no language".into(),
        })?;
        let input = Tensor::new(&[self.specials.sot], &self.device)?.unsqueeze(0)?;
        let hidden = self.model.decoder.forward(&input, audio, true)?;
        let logits: Vec<f32> = self
            .model
            .decoder
            .final_linear(&hidden.i((.., 0..1))?)?
            .i((0, 0))?
            .to_dtype(DType::F32)?
            .to_vec1()?;
        let scores: Vec<f32> = languages
            .tokens
            .iter()
            .map(|&(_, t)| logits[t as usize])
            .collect();
        let lse = log_sum_exp(&scores);
        let (best, &score) = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .expect("languages are not empty");
        let (code, token) = languages.tokens[best].clone();
        Ok((code, token, f64::from(score - lse).exp()))
    }

    /// Cuts one window's tokens into segments at timestamp pairs (appended to `out`); returns
    /// how many mel frames the window consumed.
    fn segments_of(
        &self,
        tokens: &[u32],
        offset: f64,
        segment_frames: usize,
        out: &mut Vec<Segment>,
    ) -> usize {
        let tb = self.specials.timestamp_begin;
        let is_ts = |t: u32| t >= tb;
        let time = |t: u32| offset + f64::from(t - tb) * TIME_PRECISION;
        let n = tokens.len();
        let single_timestamp_ending = n >= 2 && !is_ts(tokens[n - 2]) && is_ts(tokens[n - 1]);
        let mut slices: Vec<usize> = (1..n)
            .filter(|&i| is_ts(tokens[i - 1]) && is_ts(tokens[i]))
            .collect();
        if !slices.is_empty() {
            if single_timestamp_ending {
                slices.push(n);
            }
            let mut last = 0;
            for &cut in &slices {
                let piece = &tokens[last..cut];
                if let (Some(&first), Some(&end)) = (piece.first(), piece.last()) {
                    if is_ts(first) && is_ts(end) {
                        self.push_segment(piece, time(first), time(end), out);
                    }
                }
                last = cut;
            }
            if single_timestamp_ending {
                segment_frames
            } else {
                // Resume at the last complete pair's timestamp (2 mel frames per step).
                let resume = tokens[last - 1];
                (f64::from(resume - tb) * TIME_PRECISION * SAMPLE_RATE as f64 / HOP_LENGTH as f64)
                    .round() as usize
            }
        } else {
            let mut duration = segment_frames as f64 * HOP_LENGTH as f64 / SAMPLE_RATE as f64;
            if let Some(&last_ts) = tokens.iter().rev().find(|&&t| is_ts(t)) {
                if last_ts != tb {
                    duration = f64::from(last_ts - tb) * TIME_PRECISION;
                }
            }
            self.push_segment(tokens, offset, offset + duration, out);
            segment_frames
        }
    }

    fn push_segment(&self, tokens: &[u32], start: f64, end: f64, out: &mut Vec<Segment>) {
        let text_tokens: Vec<u32> = tokens
            .iter()
            .copied()
            .filter(|&t| t < self.specials.eot)
            .collect();
        let text = self
            .tokenizer
            .decode(&text_tokens, true)
            .unwrap_or_default()
            .trim()
            .to_string();
        if !text.is_empty() {
            out.push(Segment { start, end, text });
        }
    }

    /// Greedy decoding of one `[1, n_mels, 3000]` window from `<|startoftranscript|>` alone
    /// (an English-only model).
    pub fn decode_window(&mut self, mel: &Tensor) -> Result<WindowDecoding> {
        let audio = self.model.encoder.forward(mel, true)?;
        let prompt = [self.specials.sot];
        self.decode_audio(&audio, &prompt)
    }

    /// Greedy decoding of an encoded window after `prompt` (`<|startoftranscript|>` first).
    fn decode_audio(&mut self, audio: &Tensor, prompt: &[u32]) -> Result<WindowDecoding> {
        let sp = self.specials;
        let sample_len = self.config.max_target_positions / 2;
        let mut tokens = prompt.to_vec();
        let prompt = tokens.len();
        let mut no_speech_prob = 0.0;
        let mut sum_logprob = 0.0;
        for step in 0..sample_len {
            let input = Tensor::new(tokens.as_slice(), &self.device)?.unsqueeze(0)?;
            let hidden = self.model.decoder.forward(&input, audio, step == 0)?;
            if step == 0 {
                if let Some(ns) = sp.no_speech {
                    let first = self.model.decoder.final_linear(&hidden.i((.., 0..1))?)?;
                    let probs = candle_nn::ops::softmax(&first.i((0, 0))?, D::Minus1)?;
                    no_speech_prob = f64::from(probs.i(ns as usize)?.to_scalar::<f32>()?);
                }
            }
            let last = hidden.i((.., tokens.len() - 1..))?;
            let logits: Vec<f32> = self
                .model
                .decoder
                .final_linear(&last)?
                .i((0, 0))?
                .to_dtype(DType::F32)?
                .to_vec1()?;
            let mut logits = logits;
            self.apply_rules(&mut logits, &tokens[prompt..]);
            let (next, logprob) = argmax_logprob(&logits);
            if next == sp.eot {
                break;
            }
            sum_logprob += logprob;
            tokens.push(next);
            if tokens.len() >= self.config.max_target_positions {
                break;
            }
        }
        let generated = tokens[prompt..].to_vec();
        let avg_logprob = sum_logprob / (generated.len().max(1) as f64);
        Ok(WindowDecoding {
            tokens: generated,
            no_speech_prob,
            avg_logprob,
        })
    }

    /// The logit filters of `whisper.decoding`, in its order: blank suppression at the start,
    /// token suppression, then the timestamp rules.
    fn apply_rules(&self, logits: &mut [f32], sampled: &[u32]) {
        let sp = self.specials;
        let neg = f32::NEG_INFINITY;
        let tb = sp.timestamp_begin as usize;
        let vocab = logits.len();
        if sampled.is_empty() {
            if let Some(blank) = sp.blank {
                logits[blank as usize] = neg;
            }
            logits[sp.eot as usize] = neg;
        }
        for &t in &self.suppressed {
            logits[t as usize] = neg;
        }
        logits[sp.no_timestamps as usize] = neg;

        let is_ts = |t: u32| t >= sp.timestamp_begin;
        let last_was_ts = sampled.last().is_some_and(|&t| is_ts(t));
        let penultimate_was_ts = sampled.len() < 2 || is_ts(sampled[sampled.len() - 2]);
        if last_was_ts {
            if penultimate_was_ts {
                logits[tb..].fill(neg);
            } else {
                logits[..sp.eot as usize].fill(neg);
            }
        }
        if let Some(&last_ts) = sampled.iter().rev().find(|&&t| is_ts(t)) {
            // Timestamps never decrease; the end of a pair may equal its start.
            let floor = if last_was_ts && !penultimate_was_ts {
                last_ts
            } else {
                last_ts + 1
            };
            logits[tb..(floor as usize).min(vocab)].fill(neg);
        }
        if sampled.is_empty() {
            logits[..tb].fill(neg);
            let last_allowed = tb + MAX_INITIAL_TIMESTAMP_INDEX as usize;
            if last_allowed + 1 < vocab {
                logits[last_allowed + 1..].fill(neg);
            }
        }
        // A timestamp when they are together likelier than any single text token.
        let logprobs = log_softmax(logits);
        let ts_logprob = log_sum_exp(&logprobs[tb..]);
        let max_text = logprobs[..tb]
            .iter()
            .cloned()
            .fold(f32::NEG_INFINITY, f32::max);
        if ts_logprob > max_text {
            logits[..tb].fill(neg);
        }
    }
}

fn log_softmax(logits: &[f32]) -> Vec<f32> {
    let lse = log_sum_exp(logits);
    logits.iter().map(|&l| l - lse).collect()
}

fn log_sum_exp(values: &[f32]) -> f32 {
    let max = values.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    if max == f32::NEG_INFINITY {
        return max;
    }
    let sum: f64 = values.iter().map(|&v| f64::from(v - max).exp()).sum();
    max + sum.ln() as f32
}

/// The arg-max token and its log-probability under the filtered logits.
fn argmax_logprob(logits: &[f32]) -> (u32, f64) {
    let (best, &value) = logits
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap_or((0, &0.0));
    let lse = log_sum_exp(logits);
    (best as u32, f64::from(value - lse))
}
