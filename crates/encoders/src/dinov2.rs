//! DINOv2 vision transformer backbone (Oquab et al. 2023, "DINOv2: Learning Robust Visual Features
//! without Supervision", arXiv:2304.07193), batched, without a classifier head.
//!
//! Written with `candle_transformers::models::dinov2` as a guide and with the same timm/Meta
//! parameter names (`cls_token`, `pos_embed`, `patch_embed.proj`, `blocks.N.{norm1, attn.qkv,
//! attn.proj, ls1.gamma, norm2, mlp.fc1, mlp.fc2, ls2.gamma}`, `norm`), but differing where the
//! stock module does not fit us (docs/weights.md): it broadcasts the class token over the batch,
//! has no 1000-class `head`, uses the original LayerNorm eps (1e-6) and exact (erf) GELU, and
//! expects `pos_embed` already at the patch grid of the input size: the importer resizes it once,
//! bicubically as the original does, so no interpolation happens here.

use blas::Linear;
use candle_core::{IndexOp, Module, Result, Tensor};
use candle_nn::VarBuilder;

use crate::ops::{layer_norm, LayerNorm};
use serde::{Deserialize, Serialize};

fn default_mlp_ratio() -> f64 {
    4.0
}

fn default_layer_norm_eps() -> f64 {
    1e-6
}

/// Shape of a DINOv2 ViT backbone at one input size; stored as the model folder's `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dinov2Config {
    /// Side of the square input in pixels; a multiple of `patch_size`.
    pub image_size: usize,
    pub patch_size: usize,
    pub hidden_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    #[serde(default = "default_mlp_ratio")]
    pub mlp_ratio: f64,
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
}

impl Dinov2Config {
    /// ViT-S/14 (dim 384, 12 layers, 6 heads) at 224 px, a 16 x 16 patch grid.
    pub fn vit_small_224() -> Self {
        Self {
            image_size: 224,
            patch_size: 14,
            hidden_size: 384,
            num_layers: 12,
            num_heads: 6,
            mlp_ratio: 4.0,
            layer_norm_eps: 1e-6,
        }
    }

    /// Patches per side.
    pub fn grid(&self) -> usize {
        self.image_size / self.patch_size
    }

    /// Patch tokens per image (`grid * grid`).
    pub fn num_patches(&self) -> usize {
        self.grid() * self.grid()
    }

    fn mlp_hidden(&self) -> usize {
        (self.hidden_size as f64 * self.mlp_ratio).round() as usize
    }

    /// Rejects shapes the model cannot run, before any tensor is read.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.patch_size == 0
            || self.image_size == 0
            || !self.image_size.is_multiple_of(self.patch_size)
        {
            return Err(format!(
                "image_size {} is not a positive multiple of patch_size {}",
                self.image_size, self.patch_size
            ));
        }
        if self.num_heads == 0 || !self.hidden_size.is_multiple_of(self.num_heads) {
            return Err(format!(
                "hidden_size {} is not divisible by num_heads {}",
                self.hidden_size, self.num_heads
            ));
        }
        if self.mlp_ratio <= 0.0 {
            return Err(format!("mlp_ratio {} must be positive", self.mlp_ratio));
        }
        Ok(())
    }
}

/// Multi-head self-attention with a fused `qkv` projection ([3D, D], rows q then k then v).
#[derive(Debug, Clone)]
struct Attention {
    /// The checkpoint's `qkv` with the query rows already multiplied by `1/sqrt(Dh)`, so the
    /// scores need no pass of their own to scale them.
    qkv: Linear,
    /// The output projection (the block folds its LayerScale into it).
    proj: Linear,
    num_heads: usize,
}

impl Attention {
    fn new(cfg: &Dinov2Config, vb: VarBuilder) -> Result<Self> {
        let dim = cfg.hidden_size;
        let scale = 1.0 / ((dim / cfg.num_heads) as f64).sqrt();
        let qkv = blas::linear_query_scaled(dim, dim * 3, dim, scale, vb.pp("qkv"))?;
        let proj = blas::linear(dim, dim, vb.pp("proj"))?;
        Ok(Self {
            qkv,
            proj,
            num_heads: cfg.num_heads,
        })
    }

    /// The heads' output before `proj`, `[B, N, D]`.
    fn heads(&self, xs: &Tensor) -> Result<Tensor> {
        let (b, n, c) = xs.dims3()?;
        let h = self.num_heads;
        // [B, N, 3, H, Dh] -> [3, B, H, N, Dh]: views, which the products read as they lie.
        let qkv = self
            .qkv
            .forward(xs)?
            .reshape((b, n, 3, h, c / h))?
            .permute((2, 0, 3, 1, 4))?;
        let (q, k, v) = (qkv.i(0)?, qkv.i(1)?, qkv.i(2)?);
        blas::attention_merge_heads(&q, &k, &v, None, crate::ops::softmax_rows_into)
    }

    /// The fused `qkv` as two layers of its own: its query rows, and its key and value rows.
    fn split_query(&self) -> Result<FirstTokenQkv> {
        let d = self.proj.weight().dim(0)?;
        let rows = |start: usize, len: usize| -> Result<Linear> {
            let weight = self.qkv.weight().narrow(0, start, len)?.copy()?;
            let bias = match self.qkv.bias() {
                Some(b) => Some(b.narrow(0, start, len)?.copy()?),
                None => None,
            };
            Ok(Linear::new(weight, bias))
        };
        Ok(FirstTokenQkv {
            query: rows(0, d)?,
            key_value: rows(d, 2 * d)?,
        })
    }

    /// The heads' output for the first token only, `[B, 1, D]`: its query against every
    /// token's key and value (the rows of `heads` past the first are never computed).
    fn first_token_heads(&self, split: &FirstTokenQkv, xs: &Tensor) -> Result<Tensor> {
        let (b, n, c) = xs.dims3()?;
        let h = self.num_heads;
        // [B, 1, D] -> [B, H, 1, Dh]
        let q = split
            .query
            .forward(&xs.narrow(1, 0, 1)?)?
            .reshape((b, 1, h, c / h))?
            .transpose(1, 2)?;
        // [B, N, 2, H, Dh] -> [2, B, H, N, Dh]
        let kv = split
            .key_value
            .forward(xs)?
            .reshape((b, n, 2, h, c / h))?
            .permute((2, 0, 3, 1, 4))?;
        let (k, v) = (kv.i(0)?, kv.i(1)?);
        blas::attention_merge_heads(&q, &k, &v, None, crate::ops::softmax_rows_into)
    }
}

/// The last block's `qkv` split for [`Dinov2::forward_cls`]: a query for the class token alone
/// needs only the first D rows, the keys and values every token's (copies: 1.8 MB at ViT-S).
#[derive(Debug, Clone)]
struct FirstTokenQkv {
    query: Linear,
    key_value: Linear,
}

/// LayerScale (Touvron et al. 2021): a learnt per-channel scale on each residual branch
/// (`ls1.gamma`, `ls2.gamma`). Applied by folding it into the layer that ends the branch.
fn layer_scale(dim: usize, vb: VarBuilder) -> Result<Tensor> {
    vb.get(dim, "gamma")
}

/// Pre-norm transformer block: `x + ls1(attn(norm1(x)))`, then `x + ls2(mlp(norm2(x)))`, with
/// each LayerScale folded into the layer before it (`attn.proj`, `mlp.fc2`) and each sum made
/// in that layer's product pass.
#[derive(Debug, Clone)]
struct Block {
    norm1: LayerNorm,
    attn: Attention,
    norm2: LayerNorm,
    fc1: Linear,
    /// `mlp.fc2` times `ls2`.
    fc2: Linear,
}

impl Block {
    fn new(cfg: &Dinov2Config, vb: VarBuilder) -> Result<Self> {
        let d = cfg.hidden_size;
        let hidden = cfg.mlp_hidden();
        let mut attn = Attention::new(cfg, vb.pp("attn"))?;
        attn.proj = attn.proj.scale_outputs(&layer_scale(d, vb.pp("ls1"))?)?;
        let mlp = vb.pp("mlp");
        Ok(Self {
            norm1: layer_norm(d, cfg.layer_norm_eps, vb.pp("norm1"))?,
            attn,
            norm2: layer_norm(d, cfg.layer_norm_eps, vb.pp("norm2"))?,
            fc1: blas::linear(d, hidden, mlp.pp("fc1"))?,
            fc2: blas::linear(hidden, d, mlp.pp("fc2"))?
                .scale_outputs(&layer_scale(d, vb.pp("ls2"))?)?,
        })
    }
}

impl Module for Block {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let xs = self
            .attn
            .proj
            .forward_residual(&self.attn.heads(&self.norm1.forward(xs)?)?, xs)?;
        // nn.GELU() in the original is the exact erf form, not the tanh approximation.
        let hidden = crate::ops::gelu_erf(&self.fc1.forward(&self.norm2.forward(&xs)?)?)?;
        self.fc2.forward_residual(&hidden, &xs)
    }
}

impl Block {
    /// The block's output for the first token only, `[B, 1, D]`; the same numbers as the first
    /// row of `forward` (every step after the attention's keys and values is row by row).
    fn forward_first_token(&self, split: &FirstTokenQkv, xs: &Tensor) -> Result<Tensor> {
        let first = xs.narrow(1, 0, 1)?.contiguous()?;
        let heads = self
            .attn
            .first_token_heads(split, &self.norm1.forward(xs)?)?;
        let first = self.attn.proj.forward_residual(&heads, &first)?;
        let hidden = crate::ops::gelu_erf(&self.fc1.forward(&self.norm2.forward(&first)?)?)?;
        self.fc2.forward_residual(&hidden, &first)
    }
}

/// Non-overlapping patch projection: a conv with kernel = stride = patch size (`proj.weight
/// [D, 3, p, p]`, `proj.bias [D]`), run as what it is, one linear layer over the patches: each
/// patch's `3 * p * p` pixels in the weight's (channel, row, column) order, one product through
/// the process's BLAS (candle's convolution lowered it to its own `gemm` kernel, about 1 % of
/// the image encoder).
#[derive(Debug, Clone)]
struct PatchEmbed {
    proj: Linear,
    patch: usize,
}

impl PatchEmbed {
    fn new(cfg: &Dinov2Config, vb: VarBuilder) -> Result<Self> {
        let (d, p) = (cfg.hidden_size, cfg.patch_size);
        let vb = vb.pp("proj");
        let weight = vb.get((d, 3, p, p), "weight")?.reshape((d, 3 * p * p))?;
        let bias = vb.get(d, "bias")?;
        Ok(Self {
            proj: Linear::new(weight, Some(bias)),
            patch: p,
        })
    }
}

impl Module for PatchEmbed {
    /// `[B, 3, H, W]` to `[B, (H/p)*(W/p), D]`, patches in row-major grid order.
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let (b, c, h, w) = xs.dims4()?;
        let p = self.patch;
        let (gh, gw) = (h / p, w / p);
        // [B, C, gh, p, gw, p] -> [B, gh, gw, C, p, p]: one row of pixels per patch.
        let patches = xs
            .reshape((b, c, gh, p, gw, p))?
            .permute((0, 2, 4, 1, 3, 5))?
            .contiguous()?
            .reshape((b, gh * gw, c * p * p))?;
        self.proj.forward(&patches)
    }
}

/// The DINOv2 backbone at a fixed input size.
#[derive(Debug, Clone)]
pub struct Dinov2 {
    patch_embed: PatchEmbed,
    cls_token: Tensor,
    pos_embed: Tensor,
    blocks: Vec<Block>,
    /// The last block's `qkv` split, for [`Dinov2::forward_cls`] (none without blocks).
    last_qkv: Option<FirstTokenQkv>,
    norm: LayerNorm,
    cfg: Dinov2Config,
}

impl Dinov2 {
    pub fn new(cfg: &Dinov2Config, vb: VarBuilder) -> Result<Self> {
        if let Err(e) = cfg.validate() {
            candle_core::bail!("bad DINOv2 config: {e}");
        }
        let d = cfg.hidden_size;
        let patch_embed = PatchEmbed::new(cfg, vb.pp("patch_embed"))?;
        let cls_token = vb.get((1, 1, d), "cls_token")?;
        let pos_embed = vb.get((1, 1 + cfg.num_patches(), d), "pos_embed")?;
        let vb_b = vb.pp("blocks");
        let blocks = (0..cfg.num_layers)
            .map(|i| Block::new(cfg, vb_b.pp(i)))
            .collect::<Result<Vec<_>>>()?;
        let norm = layer_norm(d, cfg.layer_norm_eps, vb.pp("norm"))?;
        let last_qkv = match blocks.last() {
            Some(last) => Some(last.attn.split_query()?),
            None => None,
        };
        Ok(Self {
            last_qkv,
            patch_embed,
            cls_token,
            pos_embed,
            blocks,
            norm,
            cfg: cfg.clone(),
        })
    }

    pub fn config(&self) -> &Dinov2Config {
        &self.cfg
    }

    /// All tokens after the final norm, `[B, 1 + G*G, D]`, class token first.
    pub fn forward_tokens(&self, pixels: &Tensor) -> Result<Tensor> {
        let xs = self
            .blocks
            .iter()
            .try_fold(self.embed(pixels)?, |xs, blk| blk.forward(&xs))?;
        self.norm.forward(&xs)
    }

    /// The class token and the patches with their positions, `[B, 1 + G*G, D]`.
    fn embed(&self, pixels: &Tensor) -> Result<Tensor> {
        let (b, c, h, w) = pixels.dims4()?;
        let s = self.cfg.image_size;
        if c != 3 || h != s || w != s {
            // pos_embed is fixed to this grid; another size would need the importer to resize it.
            candle_core::bail!("DINOv2 expects [B, 3, {s}, {s}] pixels, got [{b}, {c}, {h}, {w}]");
        }
        let patches = self.patch_embed.forward(pixels)?;
        let cls = self.cls_token.broadcast_as((b, 1, self.cfg.hidden_size))?;
        Tensor::cat(&[&cls, &patches], 1)?.broadcast_add(&self.pos_embed)
    }

    /// The class token after the final norm, `[B, D]`: the first of `forward`'s outputs, without
    /// the patch tokens' rows of the last block (they feed no class token after it; at ViT-S/14,
    /// 224 px, that block's projection, MLP and queries for 256 of 257 tokens are 7 % of the
    /// model's multiply-adds). What encoding a pack and `embed-image` run.
    pub fn forward_cls(&self, pixels: &Tensor) -> Result<Tensor> {
        let xs = self.embed(pixels)?;
        let first = match (self.blocks.split_last(), &self.last_qkv) {
            (Some((last, rest)), Some(split)) => {
                let xs = rest.iter().try_fold(xs, |xs, blk| blk.forward(&xs))?;
                last.forward_first_token(split, &xs)?
            }
            _ => xs.narrow(1, 0, 1)?,
        };
        self.norm.forward(&first)?.squeeze(1)
    }

    /// `(cls [B, D], patches [B, G*G, D])` after the final norm; patches in row-major grid order.
    pub fn forward(&self, pixels: &Tensor) -> Result<(Tensor, Tensor)> {
        let xs = self.forward_tokens(pixels)?;
        let cls = xs.i((.., 0))?.contiguous()?;
        let patches = xs.i((.., 1..))?.contiguous()?;
        Ok((cls, patches))
    }
}
