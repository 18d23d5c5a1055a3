//! BERT encoder (Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers for
//! Language Understanding", arXiv:1810.04805), without a head: the forward pass of
//! `candle_transformers::models::bert::BertModel`, with its `Config` and the same parameter names
//! (`embeddings.{word,position,token_type}_embeddings`, `embeddings.LayerNorm`,
//! `encoder.layer.N.attention.self.{query,key,value}`, `attention.output.{dense,LayerNorm}`,
//! `intermediate.dense`, `output.{dense,LayerNorm}`), so the same checkpoints load. Ours because
//! its matrix products go through [`blas`] (OpenBLAS where it is installed) and its feed-forward
//! GELU through [`crate::ops::gelu_erf`]; candle's module calls `candle_nn::Linear` inside.

use std::sync::Arc;

use blas::Linear;
use candle_core::{DType, IndexOp, Module, Result, Tensor};
use candle_nn::{embedding, Embedding, VarBuilder};

use crate::ops::{layer_norm, LayerNorm};
use candle_transformers::models::bert::{Config, HiddenAct};

use crate::file_rows::FileRows;

/// The word embedding table: in memory, or read row by row from the weights file
/// ([`FileRows`]: the text encoder the app keeps loaded).
#[derive(Debug, Clone)]
enum Words {
    InMemory(Embedding),
    InFile(Arc<FileRows>),
}

impl Module for Words {
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        match self {
            Words::InMemory(e) => e.forward(ids),
            Words::InFile(rows) => rows.forward(ids),
        }
    }
}

/// Word + token type + absolute position embeddings, then LayerNorm.
#[derive(Debug, Clone)]
struct Embeddings {
    word: Words,
    position: Embedding,
    token_type: Embedding,
    norm: LayerNorm,
}

impl Embeddings {
    fn new(cfg: &Config, vb: VarBuilder, words: Option<FileRows>) -> Result<Self> {
        let d = cfg.hidden_size;
        let word = match words {
            Some(rows) if rows.rows() == cfg.vocab_size && rows.width() == d => {
                Words::InFile(Arc::new(rows))
            }
            Some(rows) => candle_core::bail!(
                "word_embeddings.weight is {} x {}, the config asks for {} x {d}",
                rows.rows(),
                rows.width(),
                cfg.vocab_size
            ),
            None => Words::InMemory(embedding(cfg.vocab_size, d, vb.pp("word_embeddings"))?),
        };
        Ok(Self {
            word,
            position: embedding(cfg.max_position_embeddings, d, vb.pp("position_embeddings"))?,
            token_type: embedding(cfg.type_vocab_size, d, vb.pp("token_type_embeddings"))?,
            norm: layer_norm(d, cfg.layer_norm_eps, vb.pp("LayerNorm"))?,
        })
    }

    /// `[B, L]` ids and token types to `[B, L, D]`.
    fn forward(&self, ids: &Tensor, token_types: &Tensor) -> Result<Tensor> {
        let len = ids.dim(1)?;
        let positions = Tensor::arange(0u32, len as u32, ids.device())?;
        let xs = (self.word.forward(ids)? + self.token_type.forward(token_types)?)?
            .broadcast_add(&self.position.forward(&positions)?)?;
        self.norm.forward(&xs)
    }
}

/// Multi-head self-attention, before its output projection.
#[derive(Debug, Clone)]
struct SelfAttention {
    /// `query`, `key` and `value` as one layer (`[3D, D]`, rows q then k then v), the query's
    /// rows multiplied by `1/sqrt(Dh)`: one product over the tokens instead of three, and no pass
    /// over the scores to scale them.
    qkv: Linear,
    heads: usize,
    head_dim: usize,
}

impl SelfAttention {
    fn new(cfg: &Config, vb: VarBuilder) -> Result<Self> {
        let d = cfg.hidden_size;
        let heads = cfg.num_attention_heads;
        let parts = ["query", "key", "value"]
            .map(|name| blas::linear(d, d, vb.pp(name)))
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        let weights: Vec<&Tensor> = parts.iter().map(|l| l.weight()).collect();
        let biases = parts
            .iter()
            .map(|l| {
                l.bias()
                    .ok_or_else(|| candle_core::Error::Msg("attention layer without a bias".into()))
            })
            .collect::<Result<Vec<_>>>()?;
        let scale = 1.0 / ((d / heads) as f64).sqrt();
        let factors: Vec<f32> = (0..3 * d)
            .map(|r| if r < d { scale as f32 } else { 1.0 })
            .collect();
        let qkv = Linear::new(Tensor::cat(&weights, 0)?, Some(Tensor::cat(&biases, 0)?))
            .scale_outputs(&Tensor::from_vec(factors, 3 * d, weights[0].device())?)?;
        Ok(Self {
            qkv,
            heads,
            head_dim: d / heads,
        })
    }

    /// `xs [B, L, D]`, `mask_bias [B, L]` (0 for a token, a large negative for padding).
    fn forward(&self, xs: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let (b, l, _) = xs.dims3()?;
        // [B, L, 3, H, Dh] -> [3, B, H, L, Dh]: views, which the products read as they lie.
        let qkv = self
            .qkv
            .forward(xs)?
            .reshape((b, l, 3, self.heads, self.head_dim))?
            .permute((2, 0, 3, 1, 4))?;
        let (q, k, v) = (qkv.i(0)?, qkv.i(1)?, qkv.i(2)?);
        blas::attention_merge_heads(&q, &k, &v, Some(mask_bias), crate::ops::softmax_rows_into)
    }
}

/// `LayerNorm(dense(xs) + residual)`: the output of the attention and of the feed-forward block.
#[derive(Debug, Clone)]
struct ResidualOutput {
    dense: Linear,
    norm: LayerNorm,
}

impl ResidualOutput {
    fn new(in_dim: usize, cfg: &Config, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            dense: blas::linear(in_dim, cfg.hidden_size, vb.pp("dense"))?,
            norm: layer_norm(cfg.hidden_size, cfg.layer_norm_eps, vb.pp("LayerNorm"))?,
        })
    }

    fn forward(&self, xs: &Tensor, residual: &Tensor) -> Result<Tensor> {
        // The sum in the product's own pass.
        self.norm
            .forward(&self.dense.forward_residual(xs, residual)?)
    }
}

/// One encoder layer: attention, then the feed-forward block, each with its residual LayerNorm.
#[derive(Debug, Clone)]
struct Layer {
    attention: SelfAttention,
    attention_output: ResidualOutput,
    intermediate: Linear,
    act: HiddenAct,
    output: ResidualOutput,
}

impl Layer {
    fn new(cfg: &Config, vb: VarBuilder) -> Result<Self> {
        let d = cfg.hidden_size;
        Ok(Self {
            attention: SelfAttention::new(cfg, vb.pp("attention").pp("self"))?,
            attention_output: ResidualOutput::new(d, cfg, vb.pp("attention").pp("output"))?,
            intermediate: blas::linear(
                d,
                cfg.intermediate_size,
                vb.pp("intermediate").pp("dense"),
            )?,
            act: cfg.hidden_act,
            output: ResidualOutput::new(cfg.intermediate_size, cfg, vb.pp("output"))?,
        })
    }

    fn forward(&self, xs: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let attended = self
            .attention_output
            .forward(&self.attention.forward(xs, mask_bias)?, xs)?;
        let hidden = self.intermediate.forward(&attended)?;
        let hidden = match self.act {
            // transformers' "gelu" is the exact erf form.
            HiddenAct::Gelu => crate::ops::gelu_erf(&hidden)?,
            HiddenAct::GeluApproximate => hidden.gelu()?,
            HiddenAct::Relu => hidden.relu()?,
        };
        self.output.forward(&hidden, &attended)
    }
}

/// The BERT encoder stack: last hidden states `[B, L, D]`.
#[derive(Debug, Clone)]
pub struct BertModel {
    embeddings: Embeddings,
    layers: Vec<Layer>,
}

impl BertModel {
    /// `vb` at the model's root (`embeddings`, `encoder` beneath it).
    pub fn load(vb: VarBuilder, cfg: &Config) -> Result<Self> {
        Self::load_with_words(vb, cfg, None)
    }

    /// [`BertModel::load`] with the word embedding table `words` read from its file instead of
    /// taken from `vb` (`None`: from `vb`).
    pub fn load_with_words(vb: VarBuilder, cfg: &Config, words: Option<FileRows>) -> Result<Self> {
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| Layer::new(cfg, vb.pp("encoder").pp("layer").pp(i)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            embeddings: Embeddings::new(cfg, vb.pp("embeddings"), words)?,
            layers,
        })
    }

    /// `ids`, `token_types`: `[B, L]` u32; `mask`: `[B, L]`, 1 for a token and 0 for padding.
    pub fn forward(&self, ids: &Tensor, token_types: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let xs = self.embeddings.forward(ids, token_types)?;
        // transformers' extended mask: (1 - mask) * finfo.min, added to every head's scores.
        let mask_bias = (mask.to_dtype(DType::F32)?.ones_like()? - mask.to_dtype(DType::F32)?)?
            .affine(f32::MIN as f64, 0.0)?;
        self.layers
            .iter()
            .try_fold(xs, |xs, layer| layer.forward(&xs, &mask_bias))
    }
}
