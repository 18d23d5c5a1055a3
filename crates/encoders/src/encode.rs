//! `pressnext encode`: AssistQ folders to the encoded-features layout (docs/encoded-features.md),
//! as the AssistQ encoder does it (docs/q2a.md section 2) with our encoders and without its two
//! button-image bugs.
//!
//! Per folder: video frames sampled at `fps` (stride int(video_fps / fps)), script sentences
//! (16-character prefix, `". "` split), `"Question: "` + question, `"Answer: "` + each candidate,
//! and each candidate's button image: `mask` (the whole user image with every annotated box blacked
//! out except this button's) or `crop` (the box with a context margin). A folder whose
//! `encoder.json` already equals this run's settings is skipped, so an interrupted run resumes; a
//! bad folder is reported and skipped, never stopping the others.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use assistq::buttons::{linked_button, Button, Buttons};
use assistq::qa::{Qa, QaFile};
use assistq::script::Script;
use candle_core::{Device, Tensor};
use encoded::{EncodedFolder, EncodedParas, EncodedQa, EncodedStep, QaEntry, ENCODER_JSON};
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::models::Role;
use crate::text::TextEncoder;
use crate::vision::ImageEncoder;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ButtonView {
    /// Only this button visible: every other annotated box is blacked out.
    Mask,
    /// The button's box enlarged by a context margin, cropped.
    Crop,
}

impl std::str::FromStr for ButtonView {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "mask" => Ok(ButtonView::Mask),
            "crop" => Ok(ButtonView::Crop),
            other => Err(format!("`{other}` is not a button view (mask or crop)")),
        }
    }
}

/// Version of what `encode` writes per folder; 2 added the function paragraphs.
pub const LAYOUT_VERSION: u32 = 2;

/// Fraction of the box's width and height added on each side of a `crop` view.
pub const CROP_MARGIN: f64 = 0.5;

#[derive(Debug, Clone)]
pub struct EncodeOptions {
    pub data_root: PathBuf,
    pub split: String,
    pub label: PathBuf,
    pub out: PathBuf,
    pub fps: f64,
    pub button_view: ButtonView,
}

/// What the encoders and settings were: written as `encoder.json`; equal settings mean a folder
/// need not be encoded again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderInfo {
    /// [`LAYOUT_VERSION`]: folders written by an older encoder are encoded again.
    pub layout: u32,
    pub text_model: String,
    pub text_sha256: String,
    pub image_model: String,
    pub image_sha256: String,
    pub dim: usize,
    pub image_size: usize,
    pub fps: f64,
    pub button_view: ButtonView,
    pub num_masks: usize,
    pub crop_margin: f64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EncodeEvent {
    Started {
        folders: usize,
    },
    Folder {
        index: usize,
        folder: String,
        outcome: FolderOutcome,
    },
    Warning {
        folder: String,
        message: String,
    },
    /// Video frames of `folder` encoded so far, after each batch; `total` is estimated from the
    /// container's duration.
    Frames {
        folder: String,
        done: usize,
        total: usize,
    },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderOutcome {
    Encoded {
        frames: usize,
        sentences: usize,
        questions: usize,
        seconds: f64,
    },
    Skipped,
    Failed {
        error: String,
    },
}

pub trait EncodeSink: Send + Sync {
    fn event(&self, event: &EncodeEvent);
    /// Polled between batches of frames: `true` stops the run with [`Error::Cancelled`], leaving
    /// the folders finished so far in place (a later run resumes after them).
    fn cancelled(&self) -> bool {
        false
    }
}

#[derive(Debug, Default, Serialize)]
pub struct EncodeSummary {
    pub encoded: usize,
    pub skipped: usize,
    pub failed: Vec<(String, String)>,
}

/// The two frozen encoders and what they are (name, sha256 of the weights), for `encoder.json`.
/// The text encoder is shared (`Arc`): answering questions needs it alone, so a holder can keep
/// it and let the image encoder (88 MB for ViT-S) go once a pack is encoded.
pub struct Encoders {
    pub text: Arc<TextEncoder>,
    pub image: ImageEncoder,
    pub info_text: (String, String),
    pub info_image: (String, String),
}

impl Encoders {
    /// Verifies the installed models under `root` (re-hashing every file against the manifest)
    /// and loads both encoders on `device`.
    pub fn load(root: &Path, device: &Device) -> Result<Self> {
        let (paths, manifest) = crate::models::ModelPaths::verified(root)?;
        let describe = |role: Role, dir: &str| -> Result<(String, String)> {
            let m = manifest.model(role).ok_or_else(|| Error::Weights {
                path: root.join(crate::models::MANIFEST_FILE),
                message: format!("lists no {role:?} model"),
                fix: crate::error::FIX_WEIGHTS.to_string(),
            })?;
            let weights = format!("{dir}/model.safetensors");
            let sha = m
                .files
                .iter()
                .find(|f| f.path == weights)
                .map(|f| f.sha256.clone())
                .unwrap_or_else(|| m.source_sha256.clone());
            Ok((format!("{} {}", m.name, m.source_version), sha))
        };
        Ok(Self {
            info_text: describe(Role::Text, crate::models::TEXT_DIR)?,
            info_image: describe(Role::Image, crate::models::IMAGE_DIR)?,
            text: Arc::new(TextEncoder::load(&paths.text, device)?),
            image: ImageEncoder::load(&paths.image, device)?,
        })
    }

    /// The text encoder alone, from the same verified install: what asking a question needs.
    pub fn load_text(root: &Path, device: &Device) -> Result<TextEncoder> {
        let (paths, _) = crate::models::ModelPaths::verified(root)?;
        TextEncoder::load(&paths.text, device)
    }
}

/// The folder of a split holding `name`: `DATA/SPLIT/name`.
fn folder_dir(opts: &EncodeOptions, name: &str) -> PathBuf {
    opts.data_root.join(&opts.split).join(name)
}

pub fn encode_dataset(
    enc: &Encoders,
    opts: &EncodeOptions,
    sink: &dyn EncodeSink,
) -> Result<EncodeSummary> {
    let label_path = if opts.label.is_absolute() || opts.label.exists() {
        opts.label.clone()
    } else {
        opts.data_root.join(&opts.label)
    };
    let qa_file = QaFile::read(&label_path).map_err(|e| Error::Other(e.to_string()))?;
    let info = EncoderInfo {
        layout: LAYOUT_VERSION,
        text_model: enc.info_text.0.clone(),
        text_sha256: enc.info_text.1.clone(),
        image_model: enc.info_image.0.clone(),
        image_sha256: enc.info_image.1.clone(),
        dim: enc.text.dim(),
        image_size: enc.image.image_size(),
        fps: opts.fps,
        button_view: opts.button_view,
        num_masks: 1,
        crop_margin: CROP_MARGIN,
    };
    if enc.image.dim() != enc.text.dim() {
        return Err(Error::Other(format!(
            "the text encoder is {}-d but the image encoder is {}-d; Q2A needs one width",
            enc.text.dim(),
            enc.image.dim()
        )));
    }
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| Error::Io(assistq::FileError::new(opts.out.clone(), e)))?;
    sink.event(&EncodeEvent::Started {
        folders: qa_file.folders.len(),
    });
    let mut summary = EncodeSummary::default();
    for (index, (name, qas)) in qa_file.folders.iter().enumerate() {
        let out_dir = opts.out.join(name);
        if already_encoded(&out_dir, &info) {
            summary.skipped += 1;
            sink.event(&EncodeEvent::Folder {
                index,
                folder: name.clone(),
                outcome: FolderOutcome::Skipped,
            });
            continue;
        }
        let started = std::time::Instant::now();
        let encoded = encode_folder(enc, opts, &info, name, qas, sink);
        if matches!(encoded, Err(Error::Cancelled)) {
            return Err(Error::Cancelled);
        }
        let outcome = match encoded {
            Ok(folder) => match folder.write(&out_dir) {
                Ok(()) => {
                    summary.encoded += 1;
                    FolderOutcome::Encoded {
                        frames: folder.video.dim(0).unwrap_or(0),
                        sentences: folder.sentences.len(),
                        questions: folder.qas.len(),
                        seconds: started.elapsed().as_secs_f64(),
                    }
                }
                Err(e) => {
                    summary.failed.push((name.clone(), e.to_string()));
                    FolderOutcome::Failed {
                        error: e.to_string(),
                    }
                }
            },
            Err(e) => {
                summary.failed.push((name.clone(), e.to_string()));
                FolderOutcome::Failed {
                    error: e.to_string(),
                }
            }
        };
        sink.event(&EncodeEvent::Folder {
            index,
            folder: name.clone(),
            outcome,
        });
    }
    Ok(summary)
}

fn already_encoded(out_dir: &Path, info: &EncoderInfo) -> bool {
    std::fs::read_to_string(out_dir.join(ENCODER_JSON))
        .ok()
        .and_then(|t| serde_json::from_str::<EncoderInfo>(&t).ok())
        .is_some_and(|stored| &stored == info)
}

fn video_path(dir: &Path) -> Result<PathBuf> {
    assistq::layout::video_file(dir)
        .ok_or_else(|| Error::Other(format!("{}: no video.mp4 or video.mov", dir.display())))
}

/// Encodes texts, each distinct text once.
fn encode_texts(
    enc: &TextEncoder,
    texts: &[String],
    cache: &mut HashMap<String, Vec<f32>>,
) -> Result<Vec<Vec<f32>>> {
    let missing: Vec<String> = {
        let mut seen = std::collections::HashSet::new();
        texts
            .iter()
            .filter(|t| !cache.contains_key(*t) && seen.insert((*t).clone()))
            .cloned()
            .collect()
    };
    if !missing.is_empty() {
        for (t, v) in missing.iter().zip(enc.encode(&missing)?) {
            cache.insert(t.clone(), v);
        }
    }
    Ok(texts.iter().map(|t| cache[t].clone()).collect())
}

fn rows_tensor(rows: Vec<Vec<f32>>, dim: usize) -> Result<Tensor> {
    let n = rows.len();
    Ok(Tensor::from_vec(
        rows.into_iter().flatten().collect::<Vec<f32>>(),
        (n, dim),
        &Device::Cpu,
    )?)
}

/// Samples the video at `fps` and encodes the frames in batches as they are decoded, so memory
/// holds one batch of frames, not the whole video. Returns the rows and their timestamps.
fn encode_video(
    image: &ImageEncoder,
    video_file: &Path,
    fps: f64,
    folder: &str,
    sink: &dyn EncodeSink,
) -> Result<(Vec<Vec<f32>>, Vec<f32>)> {
    let mut rows = Vec::new();
    let mut timestamps = Vec::new();
    let mut batch: Vec<RgbImage> = Vec::with_capacity(crate::vision::IMAGE_BATCH);
    let mut failed: Option<Error> = None;
    let total = media::probe(video_file)
        .ok()
        .and_then(|i| i.duration)
        .map_or(0, |d| (d * fps).ceil() as usize);
    let outcome = media::for_each_sampled_frame(video_file, fps, |frame| {
        timestamps.push(frame.timestamp as f32);
        batch.push(frame.image);
        if batch.len() < crate::vision::IMAGE_BATCH {
            return true;
        }
        if sink.cancelled() {
            failed = Some(Error::Cancelled);
            return false;
        }
        match image.encode(&batch) {
            Ok(r) => {
                rows.extend(r);
                batch.clear();
                sink.event(&EncodeEvent::Frames {
                    folder: folder.to_string(),
                    done: rows.len(),
                    total: total.max(rows.len()),
                });
                true
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    })
    .map_err(|e| Error::Other(e.to_string()))?;
    if let Some(e) = failed {
        return Err(e);
    }
    rows.extend(image.encode(&batch)?);
    for w in &outcome.warnings {
        sink.event(&EncodeEvent::Warning {
            folder: folder.to_string(),
            message: format!("{}: {w}", video_file.display()),
        });
    }
    if rows.is_empty() {
        return Err(Error::Other(format!(
            "{}: no frames decoded",
            video_file.display()
        )));
    }
    Ok((rows, timestamps))
}

/// The image the encoder sees for one button.
pub fn button_view(
    image: &RgbImage,
    boxes: &[&Button],
    button: &Button,
    view: ButtonView,
) -> RgbImage {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let clamp = |x0: i64, y0: i64, x1: i64, y1: i64| {
        (
            x0.clamp(0, w),
            y0.clamp(0, h),
            x1.clamp(0, w),
            y1.clamp(0, h),
        )
    };
    match view {
        ButtonView::Mask => {
            let mut out = image.clone();
            for b in boxes {
                let (x0, y0, x1, y1) = clamp(b.x, b.y, b.x + b.w, b.y + b.h);
                for y in y0..y1 {
                    for x in x0..x1 {
                        out.put_pixel(x as u32, y as u32, image::Rgb([0, 0, 0]));
                    }
                }
            }
            let (x0, y0, x1, y1) =
                clamp(button.x, button.y, button.x + button.w, button.y + button.h);
            for y in y0..y1 {
                for x in x0..x1 {
                    out.put_pixel(x as u32, y as u32, *image.get_pixel(x as u32, y as u32));
                }
            }
            out
        }
        ButtonView::Crop => {
            let mx = (button.w as f64 * CROP_MARGIN).round() as i64;
            let my = (button.h as f64 * CROP_MARGIN).round() as i64;
            let (x0, y0, x1, y1) = clamp(
                button.x - mx,
                button.y - my,
                button.x + button.w + mx,
                button.y + button.h + my,
            );
            if x1 <= x0 || y1 <= y0 {
                return image.clone();
            }
            image::imageops::crop_imm(
                image,
                x0 as u32,
                y0 as u32,
                (x1 - x0) as u32,
                (y1 - y0) as u32,
            )
            .to_image()
        }
    }
}

fn encode_folder(
    enc: &Encoders,
    opts: &EncodeOptions,
    info: &EncoderInfo,
    name: &str,
    qas: &[Qa],
    sink: &dyn EncodeSink,
) -> Result<EncodedFolder> {
    let dir = folder_dir(opts, name);
    if !dir.is_dir() {
        return Err(Error::Other(format!("{}: folder missing", dir.display())));
    }
    let d = info.dim;
    // Video.
    let video_file = video_path(&dir)?;
    let (video_rows, timestamps) = encode_video(&enc.image, &video_file, opts.fps, name, sink)?;
    let video = rows_tensor(video_rows, d)?;
    // Script.
    let script = Script::read(&dir.join("script.txt")).map_err(|e| Error::Other(e.to_string()))?;
    let sentences = script.sentences();
    if sentences.is_empty() {
        return Err(Error::Other(format!(
            "{}: no sentences",
            dir.join("script.txt").display()
        )));
    }
    let mut text_cache = HashMap::new();
    let sentence_texts: Vec<String> = sentences.iter().map(|s| s.text.clone()).collect();
    let script_features = rows_tensor(
        encode_texts(&enc.text, &sentence_texts, &mut text_cache)?,
        d,
    )?;
    // Function paragraphs (for MODEL.ARCH q2a_function).
    let paragraphs = assistq::paragraphs::paragraphs(&script);
    let paras = if paragraphs.is_empty() {
        None
    } else {
        let texts: Vec<String> = paragraphs.iter().map(|p| p.text.clone()).collect();
        Some(EncodedParas {
            features: rows_tensor(encode_texts(&enc.text, &texts, &mut text_cache)?, d)?,
            paragraphs,
        })
    };
    // Buttons: one feature per (image, button), computed once.
    let buttons =
        Buttons::read(&dir.join("buttons.csv")).map_err(|e| Error::Other(e.to_string()))?;
    let mut images: HashMap<String, RgbImage> = HashMap::new();
    let mut button_features: HashMap<(String, String), Vec<f32>> = HashMap::new();
    let mut encoded_qas = Vec::with_capacity(qas.len());
    for (qi, qa) in qas.iter().enumerate() {
        let at = |step: usize, msg: String| {
            Error::Other(format!(
                "{name}[{qi}] ({:?}) step {}: {msg}",
                qa.question,
                step + 1
            ))
        };
        let question = encode_texts(
            &enc.text,
            &[format!("Question: {}", qa.question)],
            &mut text_cache,
        )?
        .remove(0);
        let mut steps = Vec::with_capacity(qa.answers.len());
        let mut linked = Vec::with_capacity(qa.answers.len());
        for (si, answers) in qa.answers.iter().enumerate() {
            let image_name = qa
                .images
                .get(si)
                .ok_or_else(|| at(si, "no image for this step".into()))?;
            let boxes = buttons.for_image(image_name);
            if boxes.is_empty() {
                return Err(at(
                    si,
                    format!("image {image_name} has no boxes in buttons.csv"),
                ));
            }
            if !images.contains_key(image_name) {
                let img = crate::vision::load_image(&dir.join("images").join(image_name))?;
                images.insert(image_name.clone(), img);
            }
            let missing: Vec<&Button> = boxes
                .iter()
                .filter(|b| !button_features.contains_key(&(image_name.clone(), b.name.clone())))
                .copied()
                .collect();
            if !missing.is_empty() {
                let img = &images[image_name];
                let views: Vec<RgbImage> = missing
                    .iter()
                    .map(|b| button_view(img, &boxes, b, opts.button_view))
                    .collect();
                for (b, f) in missing.iter().zip(enc.image.encode(&views)?) {
                    button_features.insert((image_name.clone(), b.name.clone()), f);
                }
            }
            let mut names = Vec::with_capacity(answers.len());
            let mut button_rows = Vec::with_capacity(answers.len());
            for (ai, answer) in answers.iter().enumerate() {
                let b = linked_button(answer, &boxes).ok_or_else(|| {
                    at(
                        si,
                        format!(
                            "candidate {} {answer:?} names no button of {image_name}",
                            ai + 1
                        ),
                    )
                })?;
                names.push(b.name.clone());
                button_rows.push(button_features[&(image_name.clone(), b.name.clone())].clone());
            }
            let texts: Vec<String> = answers.iter().map(|a| format!("Answer: {a}")).collect();
            steps.push(EncodedStep {
                text: rows_tensor(encode_texts(&enc.text, &texts, &mut text_cache)?, d)?,
                button: rows_tensor(button_rows, d)?,
            });
            linked.push(names);
        }
        encoded_qas.push(EncodedQa {
            entry: QaEntry {
                question: qa.question.clone(),
                answers: qa.answers.clone(),
                images: qa.images.clone(),
                correct: qa.correct.clone(),
                buttons: linked,
            },
            question: Tensor::from_vec(question, d, &Device::Cpu)?,
            steps,
        });
    }
    let t = timestamps.len();
    Ok(EncodedFolder {
        name: name.to_string(),
        video,
        timestamps: Tensor::from_vec(timestamps, t, &Device::Cpu)?,
        script: script_features,
        sentences,
        qas: encoded_qas,
        paras,
        evidence: None,
        encoder: serde_json::to_value(info).map_err(|e| Error::Other(e.to_string()))?,
    })
}
