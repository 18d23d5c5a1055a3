//! BERT-family sentence encoder (Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional
//! Transformers for Language Understanding", arXiv:1810.04805), with the two poolings this project
//! uses:
//!
//! - [`TextPooling::MeanL2`]: Sentence-BERT mean pooling (Reimers & Gurevych 2019,
//!   arXiv:1908.10084) followed by L2 normalisation, the recipe of all-MiniLM-L6-v2;
//! - [`TextPooling::Pooler`]: BERT's own pooler, `tanh(W h_CLS + b)`, which the AssistQ/Q2A encoder
//!   uses with bert-base-uncased (docs/q2a.md section 2.1).
//!
//! The transformer itself is [`crate::bert::BertModel`] (candle's BERT with its products through
//! OpenBLAS); this module adds the
//! file layout (`config.json`, `model.safetensors`, `tokenizer.json`, optional
//! `1_Pooling/config.json`), batching with padding, and the pooling. Sentences are batched by
//! token length so that a batch carries little padding; the attention mask keeps padding from
//! changing any embedding.

use std::path::{Path, PathBuf};

use blas::Linear;
use candle_core::{DType, Device, IndexOp, Module, Tensor, D};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config;

use crate::bert::BertModel;
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::error::{Error, Result};
use crate::weights::{load_safetensors_with_rows, read_json, weights_error};

/// Most sentences in one forward pass: bounds the memory of a batch (32 x 256 tokens).
pub const TEXT_BATCH: usize = 32;

/// sentence-transformers' `max_seq_length` for all-MiniLM-L6-v2: longer inputs are truncated.
pub const MEAN_POOLING_MAX_TOKENS: usize = 256;

/// How the token states become one sentence vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextPooling {
    /// all-MiniLM-L6-v2: mean of the last hidden state over the attention mask, then L2 normalise.
    MeanL2,
    /// BERT-base: `tanh(W h_CLS + b)` with `pooler.dense.{weight,bias}`.
    Pooler,
}

/// `1_Pooling/config.json` of a sentence-transformers model; only the field we act on.
#[derive(Debug, serde::Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
}

/// A frozen BERT-family encoder with its tokenizer.
pub struct TextEncoder {
    model: BertModel,
    /// `pooler.dense`, present only for [`TextPooling::Pooler`].
    pooler: Option<Linear>,
    pooling: TextPooling,
    tokenizer: Tokenizer,
    tokenizer_path: PathBuf,
    config: Config,
    pad_id: u32,
    max_tokens: usize,
    device: Device,
}

impl std::fmt::Debug for TextEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextEncoder")
            .field("pooling", &self.pooling)
            .field("dim", &self.config.hidden_size)
            .field("layers", &self.config.num_hidden_layers)
            .field("max_tokens", &self.max_tokens)
            .finish()
    }
}

impl TextEncoder {
    /// Loads a model folder: `config.json` (a `bert::Config`), `model.safetensors` (parameter names
    /// with or without the `bert.` prefix), `tokenizer.json`, and `1_Pooling/config.json` if
    /// present. The pooling is mean+L2 when that file asks for mean tokens, else BERT's pooler if
    /// the weights have one, else mean+L2.
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let config_path = dir.join("config.json");
        let weights_path = dir.join("model.safetensors");
        let tokenizer_path = dir.join("tokenizer.json");
        let pooling_path = dir.join("1_Pooling").join("config.json");

        let config: Config = read_json(&config_path)?;
        // The word table (47 of MiniLM's 91 MB) stays in the file: the app keeps this encoder
        // for as long as a pack is open, and a question reads a dozen of its rows.
        let (tensors, words) = load_safetensors_with_rows(
            &weights_path,
            device,
            &[
                "embeddings.word_embeddings.weight",
                "bert.embeddings.word_embeddings.weight",
            ],
        )?;

        // MiniLM's file has bare names (`embeddings.word_embeddings.weight`), bert-base-uncased's
        // has them under `bert.`; the pooler sits beside `embeddings` in both.
        let prefix = if tensors.contains_key("bert.embeddings.word_embeddings.weight")
            || tensors.contains_key("bert.embeddings.position_embeddings.weight")
        {
            Some("bert")
        } else {
            None
        };
        let has_pooler = tensors.contains_key(&prefixed(prefix, "pooler.dense.weight"));
        let pooling = if pooling_path.exists() {
            let p: PoolingConfig = read_json(&pooling_path)?;
            if p.pooling_mode_mean_tokens {
                TextPooling::MeanL2
            } else if has_pooler {
                TextPooling::Pooler
            } else {
                return Err(weights_error(
                    &pooling_path,
                    "asks for a pooling other than mean tokens, and the weights have no pooler",
                ));
            }
        } else if has_pooler {
            TextPooling::Pooler
        } else {
            TextPooling::MeanL2
        };

        let vb = VarBuilder::from_tensors(tensors, DType::F32, device);
        let vb = match prefix {
            Some(p) => vb.pp(p),
            None => vb,
        };
        let model = BertModel::load_with_words(vb.clone(), &config, words).map_err(|e| {
            weights_error(&weights_path, format!("does not match config.json: {e}"))
        })?;
        let pooler = match pooling {
            TextPooling::Pooler => Some(
                blas::linear(
                    config.hidden_size,
                    config.hidden_size,
                    vb.pp("pooler").pp("dense"),
                )
                .map_err(|e| weights_error(&weights_path, format!("bad pooler: {e}")))?,
            ),
            TextPooling::MeanL2 => None,
        };

        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| weights_error(&tokenizer_path, format!("not a valid tokenizer: {e}")))?;
        // The sentence-transformers recipe truncates at 256 tokens; BERT's pooler (the Q2A
        // encoder) sees whole sentences up to the position table.
        let max_tokens = match pooling {
            TextPooling::MeanL2 => MEAN_POOLING_MAX_TOKENS.min(config.max_position_embeddings),
            TextPooling::Pooler => config.max_position_embeddings,
        };
        tokenizer
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: max_tokens,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(|e| Error::Tokenizer {
                path: tokenizer_path.clone(),
                message: e.to_string(),
            })?;
        // We pad ourselves, per length-sorted batch; the file's own padding (a fixed length in
        // some exports) would only waste compute.
        tokenizer.with_padding(None);
        let pad_id = tokenizer
            .token_to_id("[PAD]")
            .unwrap_or(config.pad_token_id as u32);

        Ok(Self {
            model,
            pooler,
            pooling,
            tokenizer,
            tokenizer_path,
            config,
            pad_id,
            max_tokens,
            device: device.clone(),
        })
    }

    /// Width of the sentence vectors (`hidden_size`).
    pub fn dim(&self) -> usize {
        self.config.hidden_size
    }

    pub fn pooling(&self) -> TextPooling {
        self.pooling
    }

    /// Longest token sequence (special tokens included) fed to the model; longer inputs are cut.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Token ids of one sentence as the model sees it (`[CLS] ... [SEP]`, truncated).
    pub fn tokenize(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| Error::Tokenizer {
                path: self.tokenizer_path.clone(),
                message: e.to_string(),
            })?;
        Ok(enc.get_ids().to_vec())
    }

    /// One vector per sentence, in input order.
    pub fn encode(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        Ok(self.encode_tensor(texts)?.to_vec2::<f32>()?)
    }

    /// `[N, dim]` sentence vectors, in input order. Empty input gives `[0, dim]`.
    pub fn encode_tensor(&self, texts: &[String]) -> Result<Tensor> {
        if texts.is_empty() {
            return Ok(Tensor::zeros((0, self.dim()), DType::F32, &self.device)?);
        }
        let ids = texts
            .iter()
            .map(|t| self.tokenize(t))
            .collect::<Result<Vec<_>>>()?;
        // Sort by length so each batch pads to a similar length, then put rows back in order.
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let mut rows: Vec<Option<Tensor>> = vec![None; ids.len()];
        for chunk in order.chunks(TEXT_BATCH) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            let out = self.forward_ids(&batch)?;
            for (j, &i) in chunk.iter().enumerate() {
                rows[i] = Some(out.i(j)?);
            }
        }
        let rows: Vec<Tensor> = rows
            .into_iter()
            .map(|r| r.expect("every row is filled"))
            .collect();
        blas::release_buffers();
        Ok(Tensor::stack(&rows, 0)?)
    }

    /// Pooled vectors `[B, dim]` for a batch of token id sequences, padded to the longest.
    fn forward_ids(&self, batch: &[&[u32]]) -> Result<Tensor> {
        let len = batch.iter().map(|s| s.len()).max().unwrap_or(0).max(1);
        let b = batch.len();
        let mut input = Vec::with_capacity(b * len);
        let mut mask = Vec::with_capacity(b * len);
        for seq in batch {
            input.extend_from_slice(seq);
            input.extend(std::iter::repeat_n(self.pad_id, len - seq.len()));
            mask.extend(std::iter::repeat_n(1u32, seq.len()));
            mask.extend(std::iter::repeat_n(0u32, len - seq.len()));
        }
        let input = Tensor::from_vec(input, (b, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (b, len), &self.device)?;
        let token_types = input.zeros_like()?;
        let hidden = self.model.forward(&input, &token_types, &mask)?; // [B, L, D]
        match self.pooling {
            TextPooling::MeanL2 => {
                let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // [B, L, 1]
                let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // [B, D]
                let counts = mask.sum(1)?.clamp(1e-9f32, f32::MAX)?; // [B, 1]
                let mean = summed.broadcast_div(&counts)?;
                // sentence-transformers' Normalize: x / max(||x||, 1e-12).
                let norm = mean
                    .sqr()?
                    .sum_keepdim(D::Minus1)?
                    .sqrt()?
                    .clamp(1e-12f32, f32::MAX)?;
                Ok(mean.broadcast_div(&norm)?)
            }
            TextPooling::Pooler => {
                let pooler = self
                    .pooler
                    .as_ref()
                    .expect("Pooler pooling loads pooler.dense");
                let cls = hidden.i((.., 0))?.contiguous()?; // [B, D]
                Ok(pooler.forward(&cls)?.tanh()?)
            }
        }
    }
}

fn prefixed(prefix: Option<&str>, name: &str) -> String {
    match prefix {
        Some(p) => format!("{p}.{name}"),
        None => name.to_string(),
    }
}
