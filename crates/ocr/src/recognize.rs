//! Text recognition: a CRNN-style network (PP-OCR's SVTR-LCNet rec model; Shi et al., "An
//! End-to-End Trainable Neural Network for Image-based Sequence Recognition", TPAMI 2017, for the
//! CTC formulation) reads one strip of text, 48 px high, as a sequence of class probabilities,
//! one per 8 px column; greedy CTC decoding (Graves et al., ICML 2006) turns it into a string.

use candle_core::{Device, Tensor};
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::detect::planar;
use crate::geometry::resize_bilinear;

/// Recognition settings (PaddleOCR's names).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecParams {
    /// Strip height fed to the network.
    pub height: u32,
    /// Strips are padded to at least this width (PaddleOCR's `rec_image_shape` width).
    pub min_width: u32,
    /// Strips per network call; sorted by aspect ratio first, as PaddleOCR batches them.
    pub batch: usize,
    pub mean: [f32; 3],
    pub std: [f32; 3],
    pub bgr: bool,
    /// Results under this confidence are dropped (PaddleOCR's `text_score`).
    pub text_score: f32,
}

/// The recogniser's classes: index 0 is the CTC blank, then the dictionary's characters in
/// order, then (for PP-OCR) a space.
#[derive(Debug, Clone, PartialEq)]
pub struct Charset {
    classes: Vec<String>,
}

impl Charset {
    /// From the dictionary's characters (one per entry, without the blank), adding the blank in
    /// front and a space at the end as PaddleOCR's `CTCLabelDecode(use_space_char=True)` does.
    pub fn from_dictionary<I: IntoIterator<Item = String>>(chars: I) -> Self {
        let mut classes = vec![String::new()];
        classes.extend(chars);
        classes.push(" ".to_string());
        Self { classes }
    }

    /// Number of classes, blank included (the width of the network's output).
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.len() <= 1
    }

    /// Greedy CTC decoding of `probs` (`steps` x [`Charset::len`], row-major): the best class
    /// per step, repeats merged, blanks dropped; confidence = mean probability of the kept
    /// steps (0 for an empty string).
    pub fn decode(&self, probs: &[f32], steps: usize) -> (String, f32) {
        let c = self.classes.len();
        let mut text = String::new();
        let mut confs = Vec::new();
        let mut prev = usize::MAX;
        for t in 0..steps {
            let row = &probs[t * c..(t + 1) * c];
            let (best, p) =
                row.iter()
                    .enumerate()
                    .fold((0, f32::NEG_INFINITY), |(bi, bp), (i, &p)| {
                        if p > bp {
                            (i, p)
                        } else {
                            (bi, bp)
                        }
                    });
            if best != 0 && best != prev {
                text.push_str(&self.classes[best]);
                confs.push(p);
            }
            prev = best;
        }
        let conf = if confs.is_empty() {
            0.0
        } else {
            confs.iter().sum::<f32>() / confs.len() as f32
        };
        (text, conf)
    }
}

/// The width a batch of strips is padded to: `int(height * max(min_width / height, widest
/// ratio))`.
pub fn padded_width(strips: &[&RgbImage], p: &RecParams) -> usize {
    let max_ratio = strips
        .iter()
        .map(|s| s.width() as f32 / s.height().max(1) as f32)
        .fold(p.min_width as f32 / p.height as f32, f32::max);
    (p.height as f32 * max_ratio) as usize
}

/// The network input for a batch of strips: each resized to `height` keeping its aspect ratio
/// (at most the batch width), normalised, and zero-padded on the right to the batch width
/// `int(height * max(min_width / height, widest ratio))`.
pub fn batch_tensor(strips: &[&RgbImage], p: &RecParams) -> candle_core::Result<Tensor> {
    let h = p.height as usize;
    let width = padded_width(strips, p);
    let mut data = vec![0f32; strips.len() * 3 * h * width];
    for (b, strip) in strips.iter().enumerate() {
        let ratio = strip.width() as f32 / strip.height().max(1) as f32;
        let w = ((p.height as f32 * ratio).ceil() as usize).clamp(1, width);
        let resized = resize_bilinear(strip, w as u32, p.height);
        let plane = planar(&resized, p.bgr, p.mean, p.std);
        for c in 0..3 {
            for y in 0..h {
                let dst = ((b * 3 + c) * h + y) * width;
                data[dst..dst + w].copy_from_slice(&plane[(c * h + y) * w..(c * h + y + 1) * w]);
            }
        }
    }
    Tensor::from_vec(data, (strips.len(), 3, h, width), &Device::Cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctc_merges_repeats_and_drops_blanks() {
        let cs = Charset::from_dictionary(["A", "B"].map(String::from));
        assert_eq!(cs.len(), 4);
        // Steps: A A blank A B B space
        let best = [1, 1, 0, 1, 2, 2, 3];
        let mut probs = vec![0.0f32; best.len() * 4];
        for (t, &k) in best.iter().enumerate() {
            for c in 0..4 {
                probs[t * 4 + c] = if c == k { 0.8 } else { 0.05 };
            }
        }
        let (text, conf) = cs.decode(&probs, best.len());
        assert_eq!(text, "AAB ");
        assert!((conf - 0.8).abs() < 1e-6);
        assert_eq!(cs.decode(&vec![0.0; 8], 0), (String::new(), 0.0));
    }

    #[test]
    fn strips_are_padded_to_the_widest_ratio() {
        let p = RecParams {
            height: 48,
            min_width: 320,
            batch: 6,
            mean: [0.5; 3],
            std: [0.5; 3],
            bgr: true,
            text_score: 0.5,
        };
        let a = RgbImage::from_pixel(100, 10, image::Rgb([255, 255, 255]));
        let b = RgbImage::from_pixel(20, 10, image::Rgb([255, 255, 255]));
        let t = batch_tensor(&[&a, &b], &p).unwrap();
        assert_eq!(t.dims(), &[2, 3, 48, 480]);
        let row: Vec<f32> = t
            .get(1)
            .unwrap()
            .get(0)
            .unwrap()
            .get(0)
            .unwrap()
            .to_vec1()
            .unwrap();
        // b: 96 px of white (1.0), then zero padding.
        assert!(row[..96].iter().all(|&v| (v - 1.0).abs() < 1e-6));
        assert!(row[96..].iter().all(|&v| v == 0.0));
    }
}
