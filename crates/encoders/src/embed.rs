//! The one interface over both encoders: a frozen model that maps inputs to fixed-width vectors,
//! the width read from the model's own config (`hidden_size`), so code above it (the encode
//! pipeline, the embed commands, the app) never hard-codes 384 or 768.

use image::RgbImage;

use crate::error::Result;
use crate::text::TextEncoder;
use crate::vision::ImageEncoder;

pub trait Embedder {
    type Input;
    /// Width of every output vector.
    fn dim(&self) -> usize;
    /// One vector per input, in input order (batched internally).
    fn embed(&self, inputs: &[Self::Input]) -> Result<Vec<Vec<f32>>>;
}

impl Embedder for TextEncoder {
    type Input = String;
    fn dim(&self) -> usize {
        TextEncoder::dim(self)
    }
    fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>> {
        self.encode(inputs)
    }
}

impl Embedder for ImageEncoder {
    type Input = RgbImage;
    fn dim(&self) -> usize {
        ImageEncoder::dim(self)
    }
    fn embed(&self, inputs: &[RgbImage]) -> Result<Vec<Vec<f32>>> {
        self.encode(inputs)
    }
}
