//! Frozen image encoder: a DINOv2 backbone ([`crate::dinov2`]; Oquab et al. 2023,
//! arXiv:2304.07193) behind the preprocessing it was trained with.
//!
//! Preprocessing follows the AssistQ encoder's frame transform (docs/q2a.md section 2.2) in shape, a
//! squashing resize to S x S with no aspect-ratio keep and no crop, but with DINOv2's own pixel
//! statistics: bicubic (Catmull-Rom) resampling, `/255`, then ImageNet mean/std normalisation.
//! The image features are the final-norm class token, as the Q2A ViT features are, and
//! optionally the patch tokens (their grid lets callers pool a button's region).

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, IndexOp, Tensor};
use candle_nn::VarBuilder;
use image::imageops::FilterType;
use image::RgbImage;

use crate::dinov2::{Dinov2, Dinov2Config};
use crate::error::{Error, Result};
use crate::weights::{load_safetensors, read_json, weights_error};

/// Most images in one forward pass: at 224 px a ViT-S batch of 8 stays well under 1 GB.
pub const IMAGE_BATCH: usize = 8;

/// ImageNet channel means (RGB), the statistics DINOv2 was trained with.
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet channel standard deviations (RGB).
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Class and patch tokens of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageFeatures {
    /// Final-norm class token, `dim` values.
    pub cls: Vec<f32>,
    /// `grid * grid` patch tokens in row-major grid order (row `r`, column `c` at `r * grid + c`),
    /// each `dim` values.
    pub patches: Vec<Vec<f32>>,
    /// Patches per side.
    pub grid: usize,
}

/// A frozen DINOv2 image encoder.
#[derive(Debug, Clone)]
pub struct ImageEncoder {
    model: Dinov2,
    cfg: Dinov2Config,
    device: Device,
}

/// Reads an image file (JPEG or PNG) as RGB; errors name the file.
pub fn load_image(path: &Path) -> Result<RgbImage> {
    // Opening a named pipe would block for ever: only regular files are read.
    assistq::fsutil::require_regular_file(path)
        .map_err(|e| Error::Io(assistq::FileError::new(path.to_path_buf(), e)))?;
    let reader = image::ImageReader::open(path)
        .map_err(|e| Error::Io(assistq::FileError::new(path.to_path_buf(), e)))?;
    let reader = reader
        .with_guessed_format()
        .map_err(|e| Error::Io(assistq::FileError::new(path.to_path_buf(), e)))?;
    let img = reader.decode().map_err(|e| Error::Image {
        path: path.to_path_buf(),
        message: format!("cannot decode image: {e}"),
    })?;
    Ok(img.to_rgb8())
}

/// `[3, size, size]` F32 pixels for DINOv2: squash-resize (Catmull-Rom), `/255`, ImageNet
/// normalisation.
pub fn preprocess(img: &RgbImage, size: usize, device: &Device) -> Result<Tensor> {
    if img.width() == 0 || img.height() == 0 {
        return Err(Error::Image {
            path: PathBuf::new(),
            message: "empty image (0 pixels)".into(),
        });
    }
    let s = size as u32;
    let resized;
    let img = if img.width() == s && img.height() == s {
        img
    } else {
        resized = image::imageops::resize(img, s, s, FilterType::CatmullRom);
        &resized
    };
    let plane = size * size;
    let mut data = vec![0f32; 3 * plane];
    for (i, px) in img.pixels().enumerate() {
        for c in 0..3 {
            data[c * plane + i] = (px.0[c] as f32 / 255.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
        }
    }
    Ok(Tensor::from_vec(data, (3, size, size), device)?)
}

impl ImageEncoder {
    /// Loads a model folder: `config.json` (a [`Dinov2Config`]) and `model.safetensors` with the
    /// timm/Meta parameter names, `pos_embed` already at the config's patch grid.
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let config_path = dir.join("config.json");
        let weights_path = dir.join("model.safetensors");
        let cfg: Dinov2Config = read_json(&config_path)?;
        cfg.validate().map_err(|e| weights_error(&config_path, e))?;
        let tensors = load_safetensors(&weights_path, device)?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, device);
        let model = Dinov2::new(&cfg, vb).map_err(|e| {
            weights_error(&weights_path, format!("does not match config.json: {e}"))
        })?;
        Ok(Self {
            model,
            cfg,
            device: device.clone(),
        })
    }

    /// Wraps an already built backbone (tests, or weights from elsewhere).
    pub fn from_model(model: Dinov2, device: &Device) -> Self {
        Self {
            cfg: model.config().clone(),
            model,
            device: device.clone(),
        }
    }

    /// Width of the features (`hidden_size`).
    pub fn dim(&self) -> usize {
        self.cfg.hidden_size
    }

    /// Side of the square model input in pixels.
    pub fn image_size(&self) -> usize {
        self.cfg.image_size
    }

    /// Patches per side.
    pub fn grid(&self) -> usize {
        self.cfg.grid()
    }

    pub fn config(&self) -> &Dinov2Config {
        &self.cfg
    }

    pub fn model(&self) -> &Dinov2 {
        &self.model
    }

    /// [`preprocess`] at this model's input size.
    pub fn preprocess(&self, img: &RgbImage) -> Result<Tensor> {
        preprocess(img, self.cfg.image_size, &self.device)
    }

    /// `(cls [N, D], patches [N, G*G, D])`, in batches of at most [`IMAGE_BATCH`] images.
    pub fn encode_tensor(&self, images: &[RgbImage]) -> Result<(Tensor, Tensor)> {
        let (d, np) = (self.dim(), self.cfg.num_patches());
        if images.is_empty() {
            return Ok((
                Tensor::zeros((0, d), DType::F32, &self.device)?,
                Tensor::zeros((0, np, d), DType::F32, &self.device)?,
            ));
        }
        let mut cls_parts = Vec::new();
        let mut patch_parts = Vec::new();
        for chunk in images.chunks(IMAGE_BATCH) {
            let pixels = chunk
                .iter()
                .map(|im| self.preprocess(im))
                .collect::<Result<Vec<_>>>()?;
            let pixels = Tensor::stack(&pixels, 0)?;
            let (cls, patches) = self.model.forward(&pixels)?;
            cls_parts.push(cls);
            patch_parts.push(patches);
        }
        blas::release_buffers();
        Ok((Tensor::cat(&cls_parts, 0)?, Tensor::cat(&patch_parts, 0)?))
    }

    /// The class token of each image, in input order.
    pub fn encode(&self, images: &[RgbImage]) -> Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(images.len());
        for chunk in images.chunks(IMAGE_BATCH) {
            let pixels = chunk
                .iter()
                .map(|im| self.preprocess(im))
                .collect::<Result<Vec<_>>>()?;
            let cls = self.model.forward_cls(&Tensor::stack(&pixels, 0)?)?;
            out.extend(cls.to_vec2::<f32>()?);
        }
        blas::release_buffers();
        Ok(out)
    }

    /// Class and patch tokens of each image, in input order.
    pub fn encode_with_patches(&self, images: &[RgbImage]) -> Result<Vec<ImageFeatures>> {
        let grid = self.grid();
        let mut out = Vec::with_capacity(images.len());
        for chunk in images.chunks(IMAGE_BATCH) {
            let (cls, patches) = self.encode_tensor(chunk)?;
            for j in 0..chunk.len() {
                out.push(ImageFeatures {
                    cls: cls.i(j)?.to_vec1::<f32>()?,
                    patches: patches.i(j)?.to_vec2::<f32>()?,
                    grid,
                });
            }
        }
        Ok(out)
    }
}
