//! A split of encoded features held in memory: every folder of an encoded root and one sample per
//! QA. Features are small (hundreds of vectors per folder), so loading them once beats re-reading
//! files every epoch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assistq::qa::QaFile;

use crate::error::{Error, Result};
use crate::features::{list_folders, EncodedFolder};

/// One QA: the folder it belongs to and its index in that folder's `qa.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleRef {
    pub folder: usize,
    pub qa: usize,
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub root: PathBuf,
    pub folders: Vec<EncodedFolder>,
    pub samples: Vec<SampleRef>,
}

impl Dataset {
    /// Loads an encoded split whose shapes are not known beforehand: the feature width D and
    /// the button vectors per candidate (INPUT.NUM_MASKS) are read from its first folder, then
    /// every folder is checked against them by [`Dataset::load`]. Returns the split and its
    /// button vectors per candidate. The CLI's `eval`, `baseline` and benchmarks use it.
    pub fn load_detected(root: &Path) -> Result<(Self, usize)> {
        let folders = list_folders(root)?;
        let first = &folders[0]; // list_folders refuses a root without folders
        let folder = EncodedFolder::read(first)?;
        let dim = folder.dim()?; // EncodedFolder::read refuses 0-wide features
        let width = match folder.qas.iter().find_map(|q| q.steps.first()) {
            Some(step) => step.button.dim(1)?,
            None => dim,
        };
        if width == 0 || width % dim != 0 {
            return Err(Error::features(
                first.join(crate::features::QA_FILE),
                format!("button features are {width} wide: expected a multiple of D = {dim}"),
            ));
        }
        let num_masks = width / dim;
        Ok((Self::load(root, dim, num_masks)?, num_masks))
    }

    /// Loads every folder of `root`, checking that the features are `dim` wide and carry
    /// `num_masks` button vectors per candidate.
    pub fn load(root: &Path, dim: usize, num_masks: usize) -> Result<Self> {
        let mut folders = Vec::new();
        let mut samples = Vec::new();
        for dir in list_folders(root)? {
            let folder = EncodedFolder::read(&dir)?;
            let d = folder.dim()?;
            if d != dim {
                return Err(Error::features(
                    &dir,
                    format!(
                        "features are {d}-d but INPUT.DIM is {dim} (encoder.json: {})",
                        folder.encoder
                    ),
                ));
            }
            for (i, qa) in folder.qas.iter().enumerate() {
                if let Some(step) = qa.steps.first() {
                    let width = step.button.dim(1)?;
                    if width != dim * num_masks {
                        return Err(Error::features(
                            dir.join(crate::features::QA_FILE),
                            format!("`q{i}.s0.button` is {width} wide but INPUT.DIM * INPUT.NUM_MASKS is {}", dim * num_masks),
                        ));
                    }
                }
                if !qa.steps.is_empty() {
                    samples.push(SampleRef {
                        folder: folders.len(),
                        qa: i,
                    });
                }
            }
            folders.push(folder);
        }
        Ok(Dataset {
            root: root.to_path_buf(),
            folders,
            samples,
        })
    }

    /// Takes the `correct` labels from a ground-truth QA JSON (`DATASET.GT`), matching questions
    /// by folder and exact string as the challenge's evaluation does.
    pub fn apply_ground_truth(&mut self, gt: &QaFile, gt_path: &Path) -> Result<()> {
        let by_folder: HashMap<&str, &[assistq::qa::Qa]> = gt
            .folders
            .iter()
            .map(|(f, q)| (f.as_str(), q.as_slice()))
            .collect();
        for folder in &mut self.folders {
            let Some(gt_qas) = by_folder.get(folder.name.as_str()) else {
                return Err(Error::Data(format!(
                    "{}: folder {} has no ground truth",
                    gt_path.display(),
                    folder.name
                )));
            };
            let mut seen: HashMap<String, usize> = HashMap::new();
            for qa in &mut folder.qas {
                let nth = seen.entry(qa.entry.question.clone()).or_insert(0);
                let found = gt_qas
                    .iter()
                    .filter(|g| g.question == qa.entry.question)
                    .nth(*nth);
                *nth += 1;
                let Some(g) = found else {
                    return Err(Error::Data(format!(
                        "{}: {}: question {:?} has no ground truth",
                        gt_path.display(),
                        folder.name,
                        qa.entry.question
                    )));
                };
                let Some(correct) = &g.correct else {
                    return Err(Error::Data(format!(
                        "{}: {}: question {:?} has no `correct`",
                        gt_path.display(),
                        folder.name,
                        qa.entry.question
                    )));
                };
                if correct.len() != qa.steps.len()
                    || correct
                        .iter()
                        .zip(&qa.entry.answers)
                        .any(|(&c, a)| c == 0 || c > a.len())
                {
                    return Err(Error::Data(format!(
                        "{}: {}: question {:?}: `correct` {:?} does not fit the encoded steps",
                        gt_path.display(),
                        folder.name,
                        qa.entry.question,
                        correct
                    )));
                }
                qa.entry.correct = Some(correct.clone());
            }
        }
        Ok(())
    }

    /// The candidate count of every step of every QA, folder by folder (chance R@1 of a step is
    /// one over it).
    pub fn candidates_per_step(&self) -> Vec<usize> {
        self.folders
            .iter()
            .flat_map(|f| {
                f.qas
                    .iter()
                    .flat_map(|q| q.entry.answers.iter().map(|a| a.len()))
            })
            .collect()
    }

    /// True when every sample carries its labels, so metrics can be computed.
    pub fn has_labels(&self) -> bool {
        self.samples
            .iter()
            .all(|s| self.folders[s.folder].qas[s.qa].entry.correct.is_some())
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}
