//! The encoded-features layout: what the encoder writes and the engine reads (docs/encoded-features.md).
//!
//! ```text
//! ROOT/<folder>/video.safetensors   features f32 [T, D], timestamps f32 [T] (seconds)
//! ROOT/<folder>/script.safetensors  features f32 [S, D]
//! ROOT/<folder>/script.json         {"sentences": [{"text", "line", "start", "end"}]}
//! ROOT/<folder>/qa.safetensors      q{i}.question [D], q{i}.s{j}.text [A, D], q{i}.s{j}.button [A, D * NUM_MASKS]
//! ROOT/<folder>/qa.json             [{"question", "answers", "images", "correct"?, "buttons"}] in the original order
//! ROOT/<folder>/paras.safetensors   features f32 [P, D]   (optional) function paragraphs
//! ROOT/<folder>/paras.json          {"paragraphs": [{"text", "start", "end", "lines"}]}
//! ROOT/<folder>/encoder.json        which encoders and settings made the features
//! ```
//! Every file is written atomically, so an interrupted encoder never leaves a half-written folder
//! that looks complete.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assistq::paragraphs::Paragraph;
use assistq::script::Sentence;
use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

pub mod error;

pub use error::{Error, Result};

pub const VIDEO_FILE: &str = "video.safetensors";
pub const SCRIPT_FILE: &str = "script.safetensors";
pub const SCRIPT_JSON: &str = "script.json";
pub const QA_FILE: &str = "qa.safetensors";
pub const QA_JSON: &str = "qa.json";
pub const ENCODER_JSON: &str = "encoder.json";
pub const PARAS_FILE: &str = "paras.safetensors";
pub const PARAS_JSON: &str = "paras.json";
pub const EVIDENCE_FILE: &str = "evidence.safetensors";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParasJson {
    pub paragraphs: Vec<Paragraph>,
}

/// The script's function paragraphs (`assistq::paragraphs`) and their text features, for
/// `MODEL.ARCH: q2a_function`.
#[derive(Debug, Clone)]
pub struct EncodedParas {
    /// `[P, D]`
    pub features: Tensor,
    pub paragraphs: Vec<Paragraph>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptJson {
    pub sentences: Vec<Sentence>,
}

/// One QA of `qa.json`: the original annotation plus the button linked to each candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaEntry {
    pub question: String,
    pub answers: Vec<Vec<String>>,
    pub images: Vec<String>,
    /// 1-based index of the right candidate per step, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<Vec<usize>>,
    /// Per step, per candidate: the button name the candidate refers to.
    pub buttons: Vec<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct EncodedStep {
    /// `[A, D]`
    pub text: Tensor,
    /// `[A, D * NUM_MASKS]`
    pub button: Tensor,
}

#[derive(Debug, Clone)]
pub struct EncodedQa {
    pub entry: QaEntry,
    /// `[D]`
    pub question: Tensor,
    pub steps: Vec<EncodedStep>,
}

#[derive(Debug, Clone)]
pub struct EncodedFolder {
    pub name: String,
    /// `[T, D]`
    pub video: Tensor,
    /// `[T]` seconds
    pub timestamps: Tensor,
    /// `[S, D]`
    pub script: Tensor,
    pub sentences: Vec<Sentence>,
    pub qas: Vec<EncodedQa>,
    /// Absent in folders encoded before paragraphs were written.
    pub paras: Option<EncodedParas>,
    /// The grounding evidence of every candidate (`pressnext ground --data ... --out`), absent
    /// until the folder is grounded.
    pub evidence: Option<EncodedEvidence>,
    pub encoder: serde_json::Value,
}

/// `evidence.safetensors`: per QA, per step, `[A, E]` numbers for each candidate from the
/// tutorial timeline (`grounding::evidence`), with the feature names and version in the
/// file's metadata.
#[derive(Debug, Clone)]
pub struct EncodedEvidence {
    /// `features`: comma-separated names, one per column.
    pub names: Vec<String>,
    /// `version` of the evidence's definition.
    pub version: u32,
    /// `[qa][step]` -> `[A, E]`.
    pub steps: Vec<Vec<Tensor>>,
}

impl EncodedEvidence {
    pub fn width(&self) -> usize {
        self.names.len()
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let bytes = assistq::fsutil::read_regular(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::features(
            path,
            format!("line {}, column {}: {e}", e.line(), e.column()),
        )
    })
}

fn load_tensors(path: &Path) -> Result<HashMap<String, Tensor>> {
    if !path.exists() {
        return Err(Error::features(path, "missing (encode the folder first)"));
    }
    // Opening a named pipe would block for ever: only regular files are read.
    let bytes = assistq::fsutil::read_regular(path).map_err(|e| Error::io(path, e))?;
    load_safetensors(&bytes)
        .map_err(|e| Error::features(path, format!("not a readable safetensors file: {e}")))
}

/// The tensors of a safetensors file's bytes, after checking every tensor's shape in the header:
/// the product of its non-zero sizes (times the element size in bits) must fit in `usize`,
/// because candle computes an empty tensor's strides from them too and overflows (a panic) on
/// a crafted `[0, 2^62, 8]` (found by the `safetensors` fuzz seed). The one reader of user
/// safetensors files: encoded features, checkpoints, `MODEL.INIT_STATE`.
pub fn load_safetensors(bytes: &[u8]) -> std::result::Result<HashMap<String, Tensor>, String> {
    load_safetensors_where(bytes, |_| true)
}

/// The tensors of a safetensors file's bytes whose name `keep` accepts, checked as in
/// [`load_safetensors`]; the others are never materialised (a model loaded for answering skips
/// its checkpoint's optimizer moments, twice the size of its weights).
pub fn load_safetensors_where(
    bytes: &[u8],
    keep: impl Fn(&str) -> bool,
) -> std::result::Result<HashMap<String, Tensor>, String> {
    use candle_core::safetensors::Load;
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| e.to_string())?;
    for (name, info) in header.tensors() {
        let fits = info
            .shape
            .iter()
            .filter(|&&d| d != 0)
            .try_fold(info.dtype.bitsize().max(1), |n, &d| n.checked_mul(d))
            .is_some();
        if !fits {
            return Err(format!(
                "tensor `{name}` has shape {:?}, too large",
                info.shape
            ));
        }
    }
    let tensors = safetensors::SafeTensors::deserialize(bytes).map_err(|e| e.to_string())?;
    tensors
        .tensors()
        .into_iter()
        .filter(|(name, _)| keep(name))
        .map(|(name, view)| Ok((name, view.load(&Device::Cpu).map_err(|e| e.to_string())?)))
        .collect()
}

fn take(map: &mut HashMap<String, Tensor>, path: &Path, name: &str, rank: usize) -> Result<Tensor> {
    let t = map
        .remove(name)
        .ok_or_else(|| Error::features(path, format!("tensor `{name}` is missing")))?;
    if t.rank() != rank {
        return Err(Error::features(
            path,
            format!(
                "tensor `{name}` has shape {:?}, expected rank {rank}",
                t.dims()
            ),
        ));
    }
    if t.dtype() != DType::F32 {
        return Err(Error::features(
            path,
            format!("tensor `{name}` is {:?}, expected f32", t.dtype()),
        ));
    }
    Ok(t)
}

impl EncodedFolder {
    pub fn dim(&self) -> Result<usize> {
        Ok(self.video.dim(1)?)
    }

    /// Reads and cross-checks one folder: every shape against D, the QA count and the
    /// candidate counts of `qa.json`.
    pub fn read(dir: &Path) -> Result<Self> {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let video_path = dir.join(VIDEO_FILE);
        let mut video_map = load_tensors(&video_path)?;
        let video = take(&mut video_map, &video_path, "features", 2)?;
        let timestamps = take(&mut video_map, &video_path, "timestamps", 1)?;
        let (t, d) = video.dims2()?;
        if t == 0 {
            return Err(Error::features(&video_path, "the video has no frames"));
        }
        if d == 0 {
            return Err(Error::features(
                &video_path,
                "`features` is 0 wide: expected D > 0 values per frame",
            ));
        }
        if timestamps.dim(0)? != t {
            return Err(Error::features(
                &video_path,
                format!(
                    "`timestamps` has {} entries for {t} frames",
                    timestamps.dim(0)?
                ),
            ));
        }
        let script_path = dir.join(SCRIPT_FILE);
        let script = take(
            &mut load_tensors(&script_path)?,
            &script_path,
            "features",
            2,
        )?;
        let (s, sd) = script.dims2()?;
        if sd != d {
            return Err(Error::features(
                &script_path,
                format!("features are {sd}-d but the video's are {d}-d"),
            ));
        }
        if s == 0 {
            return Err(Error::features(&script_path, "the script has no sentences"));
        }
        let script_json: ScriptJson = read_json(&dir.join(SCRIPT_JSON))?;
        if script_json.sentences.len() != s {
            return Err(Error::features(
                dir.join(SCRIPT_JSON),
                format!(
                    "{} sentences, but {SCRIPT_FILE} has {s} rows",
                    script_json.sentences.len()
                ),
            ));
        }
        let encoder: serde_json::Value = read_json(&dir.join(ENCODER_JSON))?;
        let paras = read_paras(dir, d)?;
        let qa_json_path = dir.join(QA_JSON);
        let entries: Vec<QaEntry> = read_json(&qa_json_path)?;
        let qa_path = dir.join(QA_FILE);
        let mut qa_map = load_tensors(&qa_path)?;
        let mut qas = Vec::with_capacity(entries.len());
        for (i, entry) in entries.into_iter().enumerate() {
            let at = |msg: String| {
                Error::features(
                    &qa_json_path,
                    format!("[{i}] ({:?}): {msg}", entry.question),
                )
            };
            if entry.answers.len() != entry.buttons.len()
                || entry.answers.len() != entry.images.len()
            {
                return Err(at(format!(
                    "{} answer steps, {} button steps, {} images",
                    entry.answers.len(),
                    entry.buttons.len(),
                    entry.images.len()
                )));
            }
            if let Some(correct) = &entry.correct {
                if correct.len() != entry.answers.len() {
                    return Err(at(format!(
                        "{} `correct` values for {} steps",
                        correct.len(),
                        entry.answers.len()
                    )));
                }
                for (j, (&c, answers)) in correct.iter().zip(&entry.answers).enumerate() {
                    if c == 0 || c > answers.len() {
                        return Err(at(format!(
                            "step {j}: correct = {c}, expected 1..={}",
                            answers.len()
                        )));
                    }
                }
            }
            let question = take(&mut qa_map, &qa_path, &format!("q{i}.question"), 1)?;
            if question.dim(0)? != d {
                return Err(Error::features(
                    &qa_path,
                    format!("`q{i}.question` is {}-d, expected {d}", question.dim(0)?),
                ));
            }
            let mut steps = Vec::with_capacity(entry.answers.len());
            for (j, answers) in entry.answers.iter().enumerate() {
                let text_name = format!("q{i}.s{j}.text");
                let button_name = format!("q{i}.s{j}.button");
                let text = take(&mut qa_map, &qa_path, &text_name, 2)?;
                let button = take(&mut qa_map, &qa_path, &button_name, 2)?;
                let a = answers.len();
                if a == 0 {
                    return Err(at(format!("step {j} has no candidates")));
                }
                if entry.buttons[j].len() != a {
                    return Err(at(format!(
                        "step {j}: {} buttons for {a} candidates",
                        entry.buttons[j].len()
                    )));
                }
                if text.dims() != [a, d] {
                    return Err(Error::features(
                        &qa_path,
                        format!(
                            "`{text_name}` has shape {:?}, expected [{a}, {d}]",
                            text.dims()
                        ),
                    ));
                }
                let (ba, bw) = button.dims2()?;
                if ba != a || bw == 0 || bw % d != 0 {
                    return Err(Error::features(
                        &qa_path,
                        format!(
                            "`{button_name}` has shape {:?}, expected [{a}, {d} * NUM_MASKS]",
                            button.dims()
                        ),
                    ));
                }
                steps.push(EncodedStep { text, button });
            }
            qas.push(EncodedQa {
                entry,
                question,
                steps,
            });
        }
        let evidence = read_evidence(dir, &qas)?;
        Ok(EncodedFolder {
            name,
            video,
            timestamps,
            script,
            sentences: script_json.sentences,
            qas,
            paras,
            evidence,
            encoder,
        })
    }

    /// Writes the folder into `dir` (created if needed), each file atomically, after removing
    /// the temp files a writer killed mid-write left there (one writer per folder: the encoder
    /// writes a folder only when it is not up to date).
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        assistq::fsutil::remove_stale_temps(dir);
        write_safetensors(
            &dir.join(VIDEO_FILE),
            vec![
                ("features".into(), self.video.clone()),
                ("timestamps".into(), self.timestamps.clone()),
            ],
            None,
        )?;
        write_safetensors(
            &dir.join(SCRIPT_FILE),
            vec![("features".into(), self.script.clone())],
            None,
        )?;
        write_json(
            &dir.join(SCRIPT_JSON),
            &ScriptJson {
                sentences: self.sentences.clone(),
            },
        )?;
        let mut qa_tensors = Vec::new();
        for (i, qa) in self.qas.iter().enumerate() {
            qa_tensors.push((format!("q{i}.question"), qa.question.clone()));
            for (j, step) in qa.steps.iter().enumerate() {
                qa_tensors.push((format!("q{i}.s{j}.text"), step.text.clone()));
                qa_tensors.push((format!("q{i}.s{j}.button"), step.button.clone()));
            }
        }
        write_safetensors(&dir.join(QA_FILE), qa_tensors, None)?;
        let entries: Vec<&QaEntry> = self.qas.iter().map(|q| &q.entry).collect();
        write_json(&dir.join(QA_JSON), &entries)?;
        if let Some(paras) = &self.paras {
            write_safetensors(
                &dir.join(PARAS_FILE),
                vec![("features".into(), paras.features.clone())],
                None,
            )?;
            write_json(
                &dir.join(PARAS_JSON),
                &ParasJson {
                    paragraphs: paras.paragraphs.clone(),
                },
            )?;
        }
        // Evidence belongs to these QAs: written with them, or removed as stale.
        match &self.evidence {
            Some(e) => write_evidence(dir, e)?,
            None => {
                let path = dir.join(EVIDENCE_FILE);
                if path.exists() {
                    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                }
            }
        }
        // encoder.json last: its presence marks a complete folder.
        write_json(&dir.join(ENCODER_JSON), &self.encoder)
    }
}

/// Writes `evidence.safetensors` into `dir`, atomically.
pub fn write_evidence(dir: &Path, evidence: &EncodedEvidence) -> Result<()> {
    let mut tensors = Vec::new();
    for (i, steps) in evidence.steps.iter().enumerate() {
        for (j, t) in steps.iter().enumerate() {
            tensors.push((format!("q{i}.s{j}"), t.clone()));
        }
    }
    let metadata = HashMap::from([
        ("features".to_string(), evidence.names.join(",")),
        ("version".to_string(), evidence.version.to_string()),
    ]);
    write_safetensors(&dir.join(EVIDENCE_FILE), tensors, Some(metadata))
}

/// The version and feature names recorded in `dir`'s evidence file, when it has a readable one.
pub fn evidence_header(dir: &Path) -> Option<(u32, Vec<String>)> {
    let bytes = assistq::fsutil::read_regular(&dir.join(EVIDENCE_FILE)).ok()?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).ok()?;
    let meta = header.metadata().as_ref()?;
    let version = meta.get("version")?.parse().ok()?;
    let names = meta
        .get("features")?
        .split(',')
        .filter(|n| !n.is_empty())
        .map(String::from)
        .collect();
    Some((version, names))
}

fn read_evidence(dir: &Path, qas: &[EncodedQa]) -> Result<Option<EncodedEvidence>> {
    let path = dir.join(EVIDENCE_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let Some((version, names)) = evidence_header(dir) else {
        return Err(Error::features(
            &path,
            "no `features` and `version` metadata: write it again with `pressnext ground --data`",
        ));
    };
    if names.is_empty() {
        return Err(Error::features(&path, "`features` names no column"));
    }
    let mut map = load_tensors(&path)?;
    let mut steps = Vec::with_capacity(qas.len());
    for (i, qa) in qas.iter().enumerate() {
        let mut per_step = Vec::with_capacity(qa.steps.len());
        for (j, answers) in qa.entry.answers.iter().enumerate() {
            let name = format!("q{i}.s{j}");
            let t = take(&mut map, &path, &name, 2)?;
            if t.dims() != [answers.len(), names.len()] {
                return Err(Error::features(
                    &path,
                    format!(
                        "`{name}` has shape {:?}, expected [{}, {}] (candidates, features); ground the folder again",
                        t.dims(),
                        answers.len(),
                        names.len()
                    ),
                ));
            }
            per_step.push(t);
        }
        steps.push(per_step);
    }
    Ok(Some(EncodedEvidence {
        names,
        version,
        steps,
    }))
}

fn read_paras(dir: &Path, d: usize) -> Result<Option<EncodedParas>> {
    let path = dir.join(PARAS_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let features = take(&mut load_tensors(&path)?, &path, "features", 2)?;
    let json: ParasJson = read_json(&dir.join(PARAS_JSON))?;
    let (p, pd) = features.dims2()?;
    if pd != d || p != json.paragraphs.len() || p == 0 {
        return Err(Error::features(
            &path,
            format!(
                "features have shape [{p}, {pd}]; expected [{}, {d}] ({PARAS_JSON} lists {} paragraphs)",
                json.paragraphs.len(),
                json.paragraphs.len()
            ),
        ));
    }
    Ok(Some(EncodedParas {
        features,
        paragraphs: json.paragraphs,
    }))
}

pub fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let mut text =
        serde_json::to_string_pretty(value).map_err(|e| Error::features(path, e.to_string()))?;
    text.push('\n');
    assistq::fsutil::write_atomic(path, text.as_bytes()).map_err(|e| Error::io(path, e))
}

/// Serialises tensors (moved to the CPU, made contiguous) with optional metadata, atomically.
pub fn write_safetensors(
    path: &Path,
    tensors: Vec<(String, Tensor)>,
    metadata: Option<HashMap<String, String>>,
) -> Result<()> {
    let mut cpu = Vec::with_capacity(tensors.len());
    for (name, t) in tensors {
        cpu.push((name, t.to_device(&Device::Cpu)?.contiguous()?));
    }
    let bytes = safetensors::serialize(cpu.iter().map(|(n, t)| (n.as_str(), t)), metadata)
        .map_err(|e| Error::features(path, format!("cannot serialise: {e}")))?;
    assistq::fsutil::write_atomic(path, &bytes).map_err(|e| Error::io(path, e))
}

/// The folders of an encoded root (those holding `qa.json`), sorted by name.
pub fn list_folders(root: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
    let mut dirs = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(root, e))?.path();
        if path.is_dir() && path.join(QA_JSON).exists() {
            dirs.push(path);
        }
    }
    dirs.sort();
    if dirs.is_empty() {
        return Err(Error::features(
            root,
            format!("no encoded folders (subfolders with {QA_JSON}) here"),
        ));
    }
    Ok(dirs)
}
