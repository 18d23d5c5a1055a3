//! The run configuration: the reference's upper-case keys (`showlab/Q2A:configs/*.yaml`), read
//! from YAML and overridden by `KEY VALUE` pairs from the command line, as yacs does.
//!
//! Unknown keys are errors (naming the key) rather than silently ignored, so that a typo such as
//! `MODEL.NUM_HEAD` cannot train the wrong model. Keys that the reference configs carry but that
//! have no meaning here (`NUM_GPUS`, `DATALOADER.NUM_WORKERS`, `INPUT.QA`, ...) are accepted.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_yaml::{Mapping, Value};

use crate::error::{Error, Result};

/// The MLP blocks' activation (`MODEL.MLP.ACTIVATION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Relu,
    /// One learned negative slope per activation (PyTorch `nn.PReLU()`, initialised to 0.25).
    Prelu,
    /// Exact (erf) GELU.
    Gelu,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    #[serde(rename = "DATASET")]
    pub dataset: DatasetConfig,
    #[serde(rename = "DATALOADER")]
    pub dataloader: DataloaderConfig,
    #[serde(rename = "INPUT")]
    pub input: InputConfig,
    #[serde(rename = "MODEL")]
    pub model: ModelConfig,
    #[serde(rename = "SOLVER")]
    pub solver: SolverConfig,
    #[serde(rename = "CHECK_VAL_EVERY_N_EPOCH")]
    pub check_val_every_n_epoch: usize,
    /// Accepted for reference configs; the device is chosen by `DEVICE`.
    #[serde(rename = "NUM_GPUS")]
    pub num_gpus: usize,
    /// Checkpoint to start from (train) or to evaluate (infer): ours (`.safetensors`) or the
    /// reference's PyTorch `.pth` / Lightning `.ckpt`.
    #[serde(rename = "CKPT")]
    pub ckpt: String,
    /// Where checkpoints, metrics and submissions go; empty means `runs/<config file stem>`.
    #[serde(rename = "OUTPUT_DIR")]
    pub output_dir: String,
    #[serde(rename = "SEED")]
    pub seed: u64,
    /// `cpu`, `cuda`, `cuda:N` or `auto`.
    #[serde(rename = "DEVICE")]
    pub device: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DatasetConfig {
    /// Encoded-features root of the training split.
    #[serde(rename = "TRAIN")]
    pub train: String,
    /// Encoded-features root of the validation / inference split.
    #[serde(rename = "VAL")]
    pub val: String,
    /// Optional ground-truth QA JSON for VAL; without it the labels in VAL's `qa.json` are used.
    #[serde(rename = "GT")]
    pub gt: String,
    /// Accepted for reference configs; unused.
    #[serde(rename = "TEST")]
    pub test: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DataloaderConfig {
    /// Accepted for reference configs; features are loaded into memory once.
    #[serde(rename = "NUM_WORKERS")]
    pub num_workers: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InputConfig {
    /// Feature width D of every encoder output (384 for DINOv2-S + MiniLM, 768 for ViT-B + BERT).
    #[serde(rename = "DIM")]
    pub dim: usize,
    /// Button feature vectors per candidate (the button tensor is `[A, DIM * NUM_MASKS]`).
    #[serde(rename = "NUM_MASKS")]
    pub num_masks: usize,
    /// `l2` scales every input feature vector to unit length before the model sees it, so
    /// encoders of different scales (DINOv2 CLS norms ~40, MiniLM 1) weigh alike; `none` keeps
    /// them as encoded (the reference).
    #[serde(rename = "NORM")]
    pub norm: InputNorm,
    /// Accepted for reference configs; the encoded layout fixes the file names.
    #[serde(rename = "QA")]
    pub qa: String,
    #[serde(rename = "VIDEO")]
    pub video: String,
    #[serde(rename = "SCRIPT")]
    pub script: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputNorm {
    None,
    L2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Arch {
    /// The baseline: sentences attend over frames, each question+answer over the sentences.
    #[serde(rename = "q2a")]
    Q2a,
    /// The 2022 winner's function-centric grounding (docs/q2a.md 3.6): the question picks the
    /// script's function paragraphs by TF-IDF; their text and their span of video are pooled.
    #[serde(rename = "q2a_function")]
    Q2aFunction,
    /// Q2A fused with the tutorial timeline (docs/q2a.md, "Grounded"): the reference model's
    /// score of each candidate plus a small MLP over its grounding evidence
    /// (`evidence.safetensors`, written by `pressnext ground --data ... --out`).
    #[serde(rename = "q2a_grounded")]
    Q2aGrounded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// SGD with momentum and weight decay (the reference).
    Sgd,
    /// Adam (beta 0.9, 0.999, eps 1e-8; L2 weight decay as torch.optim.Adam): the winner's.
    Adam,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchedulerKind {
    /// Linear warm-up then cosine annealing, per epoch (the reference).
    WarmupCosine,
    /// `SOLVER.LR` throughout (the winner's "no scheduler").
    Constant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HistoryArch {
    /// `GRUCell(x, h)` then `proj`: the reference.
    Gru,
    /// `proj(cat[x, h])`.
    Mlp,
    /// `proj(x)`: no history.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HistoryMode {
    /// The next step's state is the chosen candidate's embedding of the ground-truth answer.
    Gt,
    /// ... of the highest-scoring candidate.
    Max,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    #[serde(rename = "ARCH")]
    pub arch: HistoryArch,
    #[serde(rename = "TRAIN")]
    pub train: HistoryMode,
    #[serde(rename = "VAL")]
    pub val: HistoryMode,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlpConfig {
    /// Linear layers per MLP (2 in the reference, 3 in the 2nd-place fork).
    #[serde(rename = "LAYERS")]
    pub layers: usize,
    #[serde(rename = "ACT")]
    pub act: Activation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    #[serde(rename = "ARCH")]
    pub arch: Arch,
    #[serde(rename = "DIM_STATE")]
    pub dim_state: usize,
    #[serde(rename = "NUM_HEADS")]
    pub num_heads: usize,
    #[serde(rename = "MLP")]
    pub mlp: MlpConfig,
    #[serde(rename = "HISTORY")]
    pub history: HistoryConfig,
    /// Safetensors file with tensor `state` [DIM_STATE]: the initial history state for
    /// checkpoints that do not carry one (the reference never saves it).
    #[serde(rename = "INIT_STATE")]
    pub init_state: String,
    /// Train the initial history state too (the reference keeps it fixed).
    #[serde(rename = "LEARN_STATE")]
    pub learn_state: bool,
    /// Accepted for the 2nd-place fork's configs, which never read it.
    #[serde(rename = "N_LAYERS")]
    pub n_layers: usize,
    /// Evidence numbers per candidate that `q2a_grounded` reads (the evidence file's width).
    #[serde(rename = "EVIDENCE_DIM")]
    pub evidence_dim: usize,
    /// Factor on the evidence MLP's score. Under Adam every weight moves about `LR` per step
    /// whatever its gradient, so the factor is how much faster the evidence score can grow than
    /// Q2A's: with 1 a few hundred steps leave it too small to outweigh Q2A's fit to the
    /// training appliances.
    #[serde(rename = "EVIDENCE_SCALE")]
    pub evidence_scale: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonitorMode {
    Min,
    Max,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SolverConfig {
    #[serde(rename = "LR")]
    pub lr: f64,
    #[serde(rename = "BATCH_SIZE")]
    pub batch_size: usize,
    #[serde(rename = "WARMUP_EPOCHS")]
    pub warmup_epochs: usize,
    #[serde(rename = "MAX_EPOCHS")]
    pub max_epochs: usize,
    #[serde(rename = "MOMENTUM")]
    pub momentum: f64,
    #[serde(rename = "WEIGHT_DECAY")]
    pub weight_decay: f64,
    /// The warm-up starts at `LR * WARMUP_START_FACTOR`.
    #[serde(rename = "WARMUP_START_FACTOR")]
    pub warmup_start_factor: f64,
    #[serde(rename = "ETA_MIN")]
    pub eta_min: f64,
    /// Validation metric that picks `best.safetensors`: recall_at_1, recall_at_3, mean_rank,
    /// mrr or mrr_legacy.
    #[serde(rename = "MONITOR")]
    pub monitor: String,
    #[serde(rename = "MONITOR_MODE")]
    pub monitor_mode: MonitorMode,
    #[serde(rename = "OPTIMIZER")]
    pub optimizer: OptimizerKind,
    #[serde(rename = "SCHEDULER")]
    pub scheduler: SchedulerKind,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dataset: DatasetConfig::default(),
            dataloader: DataloaderConfig::default(),
            input: InputConfig::default(),
            model: ModelConfig::default(),
            solver: SolverConfig::default(),
            check_val_every_n_epoch: 1,
            num_gpus: 1,
            ckpt: String::new(),
            output_dir: String::new(),
            seed: 0,
            device: "auto".into(),
        }
    }
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            dim: 768,
            num_masks: 1,
            norm: InputNorm::None,
            qa: String::new(),
            video: String::new(),
            script: String::new(),
        }
    }
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            arch: HistoryArch::Gru,
            train: HistoryMode::Gt,
            val: HistoryMode::Max,
        }
    }
}

impl Default for MlpConfig {
    fn default() -> Self {
        MlpConfig {
            layers: 2,
            act: Activation::Relu,
        }
    }
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            arch: Arch::Q2a,
            dim_state: 768,
            num_heads: 1,
            mlp: MlpConfig::default(),
            history: HistoryConfig::default(),
            init_state: String::new(),
            learn_state: false,
            n_layers: 0,
            evidence_dim: 25,
            evidence_scale: 100.0,
        }
    }
}

impl Default for SolverConfig {
    fn default() -> Self {
        SolverConfig {
            lr: 0.002,
            batch_size: 16,
            warmup_epochs: 1,
            max_epochs: 6,
            momentum: 0.9,
            weight_decay: 5e-4,
            warmup_start_factor: 0.1,
            eta_min: 0.0,
            monitor: "mean_rank".into(),
            monitor_mode: MonitorMode::Min,
            optimizer: OptimizerKind::Sgd,
            scheduler: SchedulerKind::WarmupCosine,
        }
    }
}

/// Metric names a monitor may name, with the direction that is better.
pub const MONITOR_METRICS: [(&str, MonitorMode); 5] = [
    ("recall_at_1", MonitorMode::Max),
    ("recall_at_3", MonitorMode::Max),
    ("mean_rank", MonitorMode::Min),
    ("mrr", MonitorMode::Max),
    ("mrr_legacy", MonitorMode::Max),
];

/// The largest value each size key may have: far above any sensible model on this hardware,
/// small enough that building the model cannot exhaust memory (docs/config.md).
#[allow(clippy::type_complexity)]
pub const SIZE_LIMITS: [(&str, fn(&Config) -> usize, usize); 8] = [
    ("MODEL.EVIDENCE_DIM", |c| c.model.evidence_dim, 1024),
    ("INPUT.DIM", |c| c.input.dim, 8192),
    ("INPUT.NUM_MASKS", |c| c.input.num_masks, 16),
    ("MODEL.NUM_HEADS", |c| c.model.num_heads, 64),
    ("MODEL.DIM_STATE", |c| c.model.dim_state, 8192),
    ("MODEL.MLP.LAYERS", |c| c.model.mlp.layers, 32),
    ("SOLVER.BATCH_SIZE", |c| c.solver.batch_size, 4096),
    ("SOLVER.MAX_EPOCHS", |c| c.solver.max_epochs, 100_000),
];

impl Config {
    /// Reads `path` over the defaults, then applies `KEY VALUE` overrides.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Self> {
        // A regular file only: a pipe or `/dev/zero` named as the config is an error, not a hang.
        let text = assistq::fsutil::read_utf8(path)?;
        let origin = path.display().to_string();
        let file: Value =
            serde_yaml::from_str(&text).map_err(|e| Error::config(&origin, e.to_string()))?;
        let mut cfg = Self::from_value(file, overrides, &origin)?;
        if cfg.output_dir.is_empty() {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "run".into());
            cfg.output_dir = Path::new("runs").join(stem).display().to_string();
        }
        Ok(cfg)
    }

    /// Parses a YAML document (such as the `config` stored in a checkpoint) with overrides.
    pub fn from_yaml(text: &str, overrides: &[String], origin: &str) -> Result<Self> {
        let value: Value =
            serde_yaml::from_str(text).map_err(|e| Error::config(origin, e.to_string()))?;
        Self::from_value(value, overrides, origin)
    }

    fn from_value(mut value: Value, overrides: &[String], origin: &str) -> Result<Self> {
        if value.is_null() {
            value = Value::Mapping(Mapping::new());
        }
        if !value.is_mapping() {
            let found = match &value {
                Value::Sequence(_) => "a list",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "a tagged value",
            };
            return Err(Error::config(
                origin,
                format!("top level: expected a mapping of config keys (such as `SOLVER:` with `LR: 0.002` under it), found {found}"),
            ));
        }
        if overrides.len() % 2 != 0 {
            return Err(Error::config(
                "command line",
                format!(
                    "overrides come in KEY VALUE pairs; `{}` has no value",
                    overrides[overrides.len() - 1]
                ),
            ));
        }
        for pair in overrides.chunks(2) {
            apply_override(&mut value, &pair[0], &pair[1])?;
        }
        let cfg: Config = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            Error::config(
                origin,
                format!(
                    "{}: {}",
                    if path == "." {
                        "top level".into()
                    } else {
                        path
                    },
                    e.inner()
                ),
            )
        })?;
        cfg.validate(origin)?;
        Ok(cfg)
    }

    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("the config always serialises")
    }

    /// Checks the values every run needs (sizes, divisibility, the learning rate, the monitored
    /// metric), naming the key; `origin` says where the config came from. [`Config::load`] and
    /// [`Config::from_yaml`] call it after the overrides, and training calls it again, so a
    /// config whose typed fields were set in code (the app's training requests) is checked by
    /// the same rule.
    pub fn validate(&self, origin: &str) -> Result<()> {
        let fail = |key: &str, msg: String| Err(Error::config(origin, format!("{key}: {msg}")));
        // Upper bounds first: a crafted or mistyped size must be refused here, not abort the
        // process when the model allocates it.
        for (key, value, max) in SIZE_LIMITS.map(|(key, get, max)| (key, get(self), max)) {
            if value > max {
                return fail(key, format!("{value} is above the limit of {max}"));
            }
        }
        if self.input.dim == 0 {
            return fail("INPUT.DIM", "must be positive".into());
        }
        if self.input.num_masks == 0 {
            return fail("INPUT.NUM_MASKS", "must be at least 1".into());
        }
        if self.model.num_heads == 0 || self.input.dim % self.model.num_heads != 0 {
            return fail(
                "MODEL.NUM_HEADS",
                format!(
                    "must divide INPUT.DIM = {} (got {})",
                    self.input.dim, self.model.num_heads
                ),
            );
        }
        if self.model.dim_state == 0 {
            return fail("MODEL.DIM_STATE", "must be positive".into());
        }
        if self.model.arch == Arch::Q2aGrounded && self.model.evidence_dim == 0 {
            return fail(
                "MODEL.EVIDENCE_DIM",
                "must be positive for q2a_grounded".into(),
            );
        }
        if self.model.mlp.layers == 0 {
            return fail("MODEL.MLP.LAYERS", "must be at least 1".into());
        }
        if self.solver.batch_size == 0 {
            return fail("SOLVER.BATCH_SIZE", "must be at least 1".into());
        }
        if self.solver.max_epochs == 0 {
            return fail("SOLVER.MAX_EPOCHS", "must be at least 1".into());
        }
        if self.solver.warmup_epochs > self.solver.max_epochs {
            return fail(
                "SOLVER.WARMUP_EPOCHS",
                format!(
                    "{} exceeds SOLVER.MAX_EPOCHS = {}",
                    self.solver.warmup_epochs, self.solver.max_epochs
                ),
            );
        }
        if !(self.solver.lr > 0.0) {
            return fail(
                "SOLVER.LR",
                format!("must be positive (got {})", self.solver.lr),
            );
        }
        if !MONITOR_METRICS
            .iter()
            .any(|(m, _)| *m == self.solver.monitor)
        {
            let names: Vec<&str> = MONITOR_METRICS.iter().map(|(m, _)| *m).collect();
            return fail(
                "SOLVER.MONITOR",
                format!(
                    "`{}` is not one of {}",
                    self.solver.monitor,
                    names.join(", ")
                ),
            );
        }
        Ok(())
    }

    pub fn output_dir(&self) -> PathBuf {
        PathBuf::from(&self.output_dir)
    }
}

/// Sets `KEY` (dotted, upper case, e.g. `SOLVER.LR`) to `VALUE` read as a YAML scalar.
fn apply_override(root: &mut Value, key: &str, raw: &str) -> Result<()> {
    let parts: Vec<&str> = key.split('.').collect();
    if key.is_empty()
        || parts
            .iter()
            .any(|p| p.is_empty() || p.chars().any(|c| c.is_ascii_lowercase()))
    {
        return Err(Error::config(
            "command line",
            format!("`{key}` is not a config key (keys are upper case and dotted, like SOLVER.LR)"),
        ));
    }
    let parsed: Value =
        serde_yaml::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
    let parsed = if parsed.is_null()
        && !raw.trim().is_empty()
        && raw.trim() != "null"
        && raw.trim() != "~"
    {
        Value::String(raw.to_string())
    } else if parsed.is_null() {
        Value::String(String::new())
    } else {
        parsed
    };
    let mut node = root;
    for (i, part) in parts.iter().enumerate() {
        let map = match node {
            Value::Mapping(m) => m,
            _ => {
                return Err(Error::config(
                    "command line",
                    format!("`{}` is a value, not a group of keys", parts[..i].join(".")),
                ))
            }
        };
        let k = Value::String(part.to_string());
        if i + 1 == parts.len() {
            map.insert(k, parsed);
            return Ok(());
        }
        node = map
            .entry(k)
            .or_insert_with(|| Value::Mapping(Mapping::new()));
    }
    unreachable!("a key has at least one part")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ov(pairs: &[&str]) -> Vec<String> {
        pairs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_are_the_reference_config() {
        let c = Config::from_yaml("", &[], "test").unwrap();
        assert_eq!(c.input.dim, 768);
        assert_eq!(c.model.history.arch, HistoryArch::Gru);
        assert_eq!(c.model.history.val, HistoryMode::Max);
        assert_eq!(c.solver.max_epochs, 6);
        assert_eq!(c.solver.lr, 0.002);
    }

    #[test]
    fn overrides_replace_file_values() {
        let yaml = "INPUT:\n  DIM: 768\nSOLVER:\n  LR: 0.1\n";
        let c = Config::from_yaml(
            yaml,
            &ov(&[
                "INPUT.DIM",
                "384",
                "MODEL.DIM_STATE",
                "384",
                "SOLVER.LR",
                "1e-3",
                "MODEL.HISTORY.ARCH",
                "mlp",
                "CKPT",
                "a b.pth",
            ]),
            "t",
        )
        .unwrap();
        assert_eq!(c.input.dim, 384);
        assert_eq!(c.solver.lr, 1e-3);
        assert_eq!(c.model.history.arch, HistoryArch::Mlp);
        assert_eq!(c.ckpt, "a b.pth");
    }

    #[test]
    fn sizes_above_their_limit_are_refused_naming_the_key() {
        for (key, value) in [
            ("MODEL.MLP.LAYERS", "1000000000"),
            ("MODEL.DIM_STATE", "18446744073709551615"),
            ("INPUT.DIM", "100000"),
            ("SOLVER.BATCH_SIZE", "5000"),
        ] {
            let err = Config::from_yaml("", &ov(&[key, value]), "test")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(key) && err.contains("above the limit"),
                "{err}"
            );
        }
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::from_yaml("MODEL:\n  NUM_HEAD: 3\n", &[], "x.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.yaml") && err.contains("MODEL") && err.contains("NUM_HEAD"),
            "{err}"
        );
        let err = Config::from_yaml("", &ov(&["SOLVER.LRR", "1"]), "x.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("SOLVER") && err.contains("LRR"), "{err}");
        let err = Config::from_yaml("", &ov(&["SOLVER.LR"]), "x.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("KEY VALUE"), "{err}");
        let err = Config::from_yaml("", &ov(&["solver.lr", "1"]), "x.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("upper case"), "{err}");
    }

    #[test]
    fn a_top_level_that_is_not_a_mapping_is_named() {
        // Overrides too: they must not report a nameless "`` is a value".
        for yaml in ["- 1\n- 2\n", "just words\n", "3\n"] {
            let err = Config::from_yaml(yaml, &ov(&["SOLVER.LR", "0.1"]), "x.yaml")
                .unwrap_err()
                .to_string();
            assert!(err.contains("x.yaml") && err.contains("top level"), "{err}");
        }
    }

    #[test]
    fn invalid_values_are_named() {
        let err = Config::from_yaml("", &ov(&["MODEL.NUM_HEADS", "5"]), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("MODEL.NUM_HEADS"), "{err}");
        let err = Config::from_yaml("", &ov(&["MODEL.HISTORY.ARCH", "lstm"]), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("lstm"), "{err}");
        let err = Config::from_yaml("", &ov(&["SOLVER.MONITOR", "accuracy"]), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("SOLVER.MONITOR"), "{err}");
    }

    #[test]
    fn yaml_round_trip() {
        let c = Config::from_yaml(
            "",
            &ov(&["MODEL.MLP.ACT", "prelu", "MODEL.MLP.LAYERS", "3"]),
            "t",
        )
        .unwrap();
        let back = Config::from_yaml(&c.to_yaml(), &[], "t").unwrap();
        assert_eq!(c, back);
    }
}
