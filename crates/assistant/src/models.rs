//! The Q2A models the app can use: the bundled demo model (`MODELS/demo/q2a.safetensors`, made by
//! `scripts/demo_model.sh`), models trained in the app and imported checkpoints (both under
//! `DATA/models/NAME/` with a `model.json`).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use candle_core::Device;
use q2a::Config;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Name of the bundled demo model.
pub const DEMO: &str = "demo";
/// The config the app trains with and gives to checkpoints that carry none (the best config of
/// the accuracy benchmark).
pub const BASE_CONFIG: &str = include_str!("../../../configs/q2a_best.yaml");
const CHECKPOINT: &str = "q2a.safetensors";
const META: &str = "model.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    Demo,
    Trained,
    Imported,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelInfo {
    pub name: String,
    pub kind: ModelKind,
    pub path: PathBuf,
    /// Seconds since the Unix epoch.
    pub created: u64,
    /// Validation metrics of the last epoch, when it had a labelled split.
    pub metrics: Option<serde_json::Value>,
    #[serde(default)]
    pub active: bool,
}

/// A model ready to score: its config and weights on a device.
pub struct LoadedModel {
    pub info: ModelInfo,
    pub config: Config,
    pub model: q2a::Q2a,
    pub device: Device,
}

pub fn base_config() -> Config {
    Config::from_yaml(BASE_CONFIG, &[], "configs/q2a_best.yaml").expect("the bundled config loads")
}

/// A model name is also a folder name.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !name.starts_with('.')
        && name != DEMO;
    if ok {
        Ok(())
    } else {
        Err(Error::TrainingInvalid {
            field: "name".into(),
            message: format!(
                "`{name}`: use 1-64 letters, digits, `-`, `_` or `.` (and not `{DEMO}`)"
            ),
        })
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub struct ModelRegistry {
    /// The encoder models root, where the demo model lives.
    models_root: PathBuf,
    /// `DATA/models`.
    dir: PathBuf,
}

impl ModelRegistry {
    pub fn new(models_root: &Path, data_dir: &Path) -> Self {
        Self {
            models_root: models_root.to_path_buf(),
            dir: data_dir.join("models"),
        }
    }

    fn demo(&self) -> Option<ModelInfo> {
        let path = self.models_root.join(DEMO).join(CHECKPOINT);
        let created = std::fs::metadata(&path)
            .ok()?
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        Some(ModelInfo {
            name: DEMO.into(),
            kind: ModelKind::Demo,
            path,
            created,
            metrics: None,
            active: false,
        })
    }

    /// Every usable model, the demo first, `active` marking the one named.
    pub fn list(&self, active: &str) -> Vec<ModelInfo> {
        let mut out: Vec<ModelInfo> = self.demo().into_iter().collect();
        let mut own: Vec<ModelInfo> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let text = std::fs::read_to_string(e.path().join(META)).ok()?;
                let mut info: ModelInfo = serde_json::from_str(&text).ok()?;
                info.path = e.path().join(info.path.file_name()?);
                info.path.is_file().then_some(info)
            })
            .collect();
        own.sort_by(|a, b| a.name.cmp(&b.name));
        out.extend(own);
        for m in &mut out {
            m.active = m.name == active;
        }
        out
    }

    /// The model named `name`, else, when `name` is the path of a checkpoint file (`pressnext
    /// ask --model FILE`), that file as it is (not copied into the registry).
    pub fn resolve(&self, name: &str) -> Result<ModelInfo> {
        if let Some(found) = self.list(name).into_iter().find(|m| m.name == name) {
            return Ok(found);
        }
        let path = Path::new(name);
        if path.is_file() {
            return Ok(ModelInfo {
                name: name.to_string(),
                kind: ModelKind::Imported,
                path: path.to_path_buf(),
                created: 0,
                metrics: None,
                active: true,
            });
        }
        Err(Error::ModelNotFound(name.to_string()))
    }

    /// The config a checkpoint was trained with: its own (our checkpoints), a `config.yaml` beside
    /// it (imported reference checkpoints), else the base config.
    fn config_of(&self, info: &ModelInfo) -> Result<Config> {
        // The checkpoint's own config wins (read from its header alone): a `config.yaml` left
        // from an older import of a reference checkpoint under the same name must not override it.
        if let Some(config) = q2a::checkpoint::stored_config(&info.path)? {
            return Ok(config);
        }
        let sidecar = info.path.with_file_name("config.yaml");
        if sidecar.is_file() {
            return Ok(Config::load(&sidecar, &[])?);
        }
        Ok(base_config())
    }

    /// Loads model `name` on `device`.
    pub fn load(&self, name: &str, device: &Device) -> Result<LoadedModel> {
        let info = self.resolve(name)?;
        let config = self.config_of(&info)?;
        let model = q2a::infer::load_model(&config, &info.path, device)?;
        Ok(LoadedModel {
            info,
            config,
            model,
            device: device.clone(),
        })
    }

    fn write_meta(&self, info: &ModelInfo) -> Result<()> {
        let dir = info.path.parent().expect("model folder");
        let path = dir.join(META);
        let text = serde_json::to_string_pretty(info).expect("model info serialises");
        assistq::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| Error::io(&path, e))
    }

    fn copy_atomic(from: &Path, to: &Path) -> Result<()> {
        let dir = to.parent().expect("destination folder");
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        // Whatever a killed copy left in this model's folder goes first.
        assistq::fsutil::remove_stale_temps(dir);
        assistq::fsutil::copy_atomic(from, to).map_err(|e| Error::io(to, e))
    }

    /// Registers a checkpoint written by a training run as model `name` (replacing an older model
    /// of that name only once the new one is in place).
    pub fn add_trained(
        &self,
        name: &str,
        checkpoint: &Path,
        metrics: Option<serde_json::Value>,
    ) -> Result<ModelInfo> {
        validate_name(name)?;
        let info = ModelInfo {
            name: name.into(),
            kind: ModelKind::Trained,
            path: self.dir.join(name).join(CHECKPOINT),
            created: now(),
            metrics,
            active: false,
        };
        Self::copy_atomic(checkpoint, &info.path)?;
        self.write_meta(&info)?;
        Ok(info)
    }

    /// Imports a checkpoint (ours, or a reference PyTorch one) after checking that it loads and fits
    /// its config.
    pub fn import(&self, path: &Path, name: &str) -> Result<ModelInfo> {
        validate_name(name).map_err(|e| match e {
            Error::TrainingInvalid { message, .. } => Error::SettingsInvalid {
                field: "name".into(),
                message,
            },
            other => other,
        })?;
        if !path.is_file() {
            return Err(Error::ModelNotFound(path.display().to_string()));
        }
        let ckpt = q2a::checkpoint::load_weights(path, None)?;
        let config = ckpt.config.clone().unwrap_or_else(base_config);
        q2a::infer::load_model(&config, path, &Device::Cpu)?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("safetensors");
        let info = ModelInfo {
            name: name.into(),
            kind: ModelKind::Imported,
            path: self.dir.join(name).join(format!("q2a.{ext}")),
            created: now(),
            metrics: ckpt.train_state.metrics.clone(),
            active: false,
        };
        Self::copy_atomic(path, &info.path)?;
        let sidecar = info.path.with_file_name("config.yaml");
        if ckpt.config.is_none() {
            assistq::fsutil::write_atomic(&sidecar, config.to_yaml().as_bytes())
                .map_err(|e| Error::io(&sidecar, e))?;
        } else if sidecar.is_file() {
            std::fs::remove_file(&sidecar).map_err(|e| Error::io(&sidecar, e))?;
        }
        self.write_meta(&info)?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for good in ["my-model", "run_2", "v1.2"] {
            validate_name(good).unwrap();
        }
        for bad in ["", "demo", "../x", "a b", ".hidden"] {
            assert_eq!(
                validate_name(bad).unwrap_err().code(),
                "training.invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn the_base_config_is_the_best_config() {
        let cfg = base_config();
        assert_eq!(cfg.input.dim, 384);
    }

    /// A small checkpoint of ours (its config inside), trained for one epoch under `root`.
    fn small_checkpoint(root: &Path) -> (PathBuf, Config) {
        let spec = q2a::synthetic::SyntheticSpec::tiny(5, 2);
        q2a::synthetic::write(&root.join("train"), &spec).unwrap();
        let overrides: Vec<String> = [
            "DATASET.TRAIN",
            &root.join("train").display().to_string(),
            "INPUT.DIM",
            "16",
            "MODEL.DIM_STATE",
            "16",
            "MODEL.NUM_HEADS",
            "2",
            "SOLVER.BATCH_SIZE",
            "2",
            "SOLVER.MAX_EPOCHS",
            "1",
            "OUTPUT_DIR",
            &root.join("run").display().to_string(),
            "DEVICE",
            "cpu",
        ]
        .map(String::from)
        .to_vec();
        let cfg = Config::from_yaml("", &overrides, "test").unwrap();
        let summary = q2a::train::train(
            &cfg,
            &Device::Cpu,
            &Default::default(),
            &q2a::progress::NoProgress,
        )
        .unwrap();
        (summary.last, cfg)
    }

    #[test]
    fn a_checkpoints_own_config_wins_over_a_stale_sidecar_and_copies_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let (source, cfg) = small_checkpoint(dir.path());
        let reg = ModelRegistry::new(dir.path(), dir.path());
        let info = reg.import(&source, "mine").unwrap();
        // A `config.yaml` an older import of a reference checkpoint left under the same name,
        // and a temp file of a copy that was killed.
        let sidecar = info.path.with_file_name("config.yaml");
        std::fs::write(&sidecar, base_config().to_yaml()).unwrap();
        let stale = info.path.with_file_name(".q2a.safetensors.tmp.4194999.0");
        std::fs::write(&stale, b"half a checkpoint").unwrap();
        let loaded = reg.load("mine", &Device::Cpu).unwrap();
        assert_eq!(loaded.config.input.dim, cfg.input.dim);
        // Importing it again removes the stale sidecar and the temp file.
        reg.import(&source, "mine").unwrap();
        assert!(!sidecar.exists() && !stale.exists());
        assert_eq!(
            std::fs::read(&info.path).unwrap(),
            std::fs::read(&source).unwrap()
        );
    }

    #[test]
    fn a_missing_model_is_model_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let reg = ModelRegistry::new(dir.path(), dir.path());
        assert!(reg.list(DEMO).is_empty());
        assert_eq!(reg.resolve(DEMO).unwrap_err().code(), "model.not_found");
    }
}
