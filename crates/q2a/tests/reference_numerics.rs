//! Numerics against fixtures written by `scripts/q2a_reference.py fixtures` (an independent
//! PyTorch implementation of the spec's per-sample forward pass): eval scores, the training loss
//! and the weights after one and two SGD steps, for four model variants, and the reference
//! checkpoint importers. Tolerance 1e-4 (1e-3 on a GPU, `PRESSNEXT_TEST_DEVICE=cuda`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use q2a::batch::Batch;
use q2a::config::Config;
use q2a::dataset::{Dataset, SampleRef};
use q2a::features::{EncodedFolder, EncodedQa, EncodedStep, QaEntry};
use q2a::init::SeededInit;
use q2a::optim::Sgd;
use q2a::Q2a;
use testkit::tensors::max_abs_diff;

/// The device under test: `PRESSNEXT_TEST_DEVICE` (`cpu` by default, `cuda` in
/// `scripts/gpu_check.sh`). Fixtures are always read on the CPU.
fn device() -> Device {
    static DEVICE: std::sync::OnceLock<Device> = std::sync::OnceLock::new();
    DEVICE
        .get_or_init(|| {
            let spec = std::env::var("PRESSNEXT_TEST_DEVICE").unwrap_or_else(|_| "cpu".into());
            q2a::device::select(&spec).expect("PRESSNEXT_TEST_DEVICE").0
        })
        .clone()
}

/// 1e-4 on the CPU; GPU kernels (TF32, other reduction orders) get 1e-3.
fn tol() -> f32 {
    if device().is_cpu() {
        1e-4
    } else {
        1e-3
    }
}

fn fixture_path(name: &str) -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

struct Fixture {
    tensors: HashMap<String, Tensor>,
    cfg: Config,
    lr: f64,
    momentum: f64,
    weight_decay: f64,
    num_samples: usize,
}

fn load(variant: &str) -> Fixture {
    let path = fixture_path(&format!("{variant}.safetensors"));
    let bytes = std::fs::read(&path).unwrap();
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&header.metadata().as_ref().unwrap()["config"]).unwrap();
    let tensors = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu).unwrap();
    let s = |k: &str| meta[k].as_str().unwrap().to_string();
    let n = |k: &str| meta[k].as_u64().unwrap().to_string();
    let overrides: Vec<String> = [
        ("INPUT.DIM", n("dim")),
        ("INPUT.NUM_MASKS", n("num_masks")),
        ("MODEL.DIM_STATE", n("dim_state")),
        ("MODEL.NUM_HEADS", n("num_heads")),
        ("MODEL.MLP.LAYERS", n("mlp_layers")),
        ("MODEL.MLP.ACT", s("mlp_act")),
        ("MODEL.HISTORY.ARCH", s("history_arch")),
        ("MODEL.HISTORY.TRAIN", s("history_train")),
        ("MODEL.HISTORY.VAL", s("history_val")),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_string(), v])
    .collect();
    Fixture {
        tensors,
        cfg: Config::from_yaml("", &overrides, variant).unwrap(),
        lr: meta["lr"].as_f64().unwrap(),
        momentum: meta["momentum"].as_f64().unwrap(),
        weight_decay: meta["weight_decay"].as_f64().unwrap(),
        num_samples: meta["num_samples"].as_u64().unwrap() as usize,
    }
}

impl Fixture {
    fn get(&self, name: &str) -> Tensor {
        self.tensors
            .get(name)
            .unwrap_or_else(|| panic!("fixture tensor {name}"))
            .clone()
    }

    fn params(&self, prefix: &str) -> HashMap<String, Tensor> {
        let mut out: HashMap<String, Tensor> = self
            .tensors
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|p| (p.to_string(), v.clone())))
            .collect();
        out.insert("state".into(), self.get("state"));
        out
    }

    /// One folder per fixture sample, one QA each.
    fn dataset(&self) -> Dataset {
        let mut folders = Vec::new();
        for b in 0..self.num_samples {
            let labels: Vec<i64> = self.get(&format!("s{b}.labels")).to_vec1().unwrap();
            let mut steps = Vec::new();
            let mut answers = Vec::new();
            for k in 0..labels.len() {
                let text = self.get(&format!("s{b}.k{k}.text"));
                let a = text.dim(0).unwrap();
                steps.push(EncodedStep {
                    text,
                    button: self.get(&format!("s{b}.k{k}.button")),
                });
                answers.push(
                    (0..a)
                        .map(|c| format!("Press <button{}>", c + 1))
                        .collect::<Vec<_>>(),
                );
            }
            let video = self.get(&format!("s{b}.video"));
            let script = self.get(&format!("s{b}.script"));
            let t = video.dim(0).unwrap();
            folders.push(EncodedFolder {
                name: format!("s{b}"),
                timestamps: Tensor::arange(0f32, t as f32, &Device::Cpu).unwrap(),
                video,
                sentences: Vec::new(),
                script,
                qas: vec![EncodedQa {
                    entry: QaEntry {
                        question: format!("question {b}"),
                        images: vec!["x.jpg".into(); labels.len()],
                        buttons: answers
                            .iter()
                            .map(|a| a.iter().map(|s| s[7..s.len() - 1].to_string()).collect())
                            .collect(),
                        answers,
                        correct: Some(labels.iter().map(|&l| l as usize + 1).collect()),
                    },
                    question: self.get(&format!("s{b}.question")),
                    steps,
                }],
                paras: None,
                evidence: None,
                encoder: serde_json::json!({}),
            });
        }
        let samples = (0..self.num_samples)
            .map(|b| SampleRef { folder: b, qa: 0 })
            .collect();
        Dataset {
            root: PathBuf::new(),
            folders,
            samples,
        }
    }
}

fn check_scores(fx: &Fixture, model: &Q2a, what: &str) {
    let ds = fx.dataset();
    // Whole batch at once, and each sample alone: both must equal the per-sample reference.
    let mut groups: Vec<Vec<SampleRef>> = vec![ds.samples.clone()];
    groups.extend(ds.samples.iter().map(|s| vec![*s]));
    for group in groups {
        let batch = Batch::new(&ds, &group, &device()).unwrap();
        let scores = model.scores(&batch, fx.cfg.model.history.val).unwrap();
        for (r, sample_scores) in group.iter().zip(scores) {
            let b = r.folder;
            for (k, got) in sample_scores.iter().enumerate() {
                let want: Vec<f32> = fx.get(&format!("s{b}.k{k}.scores")).to_vec1().unwrap();
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (g - w).abs() < tol(),
                        "{what}: sample {b} step {k} (batch of {}): got {got:?}, want {want:?}",
                        group.len()
                    );
                }
            }
        }
    }
}

fn eval_scores_match(variant: &str) {
    let fx = load(variant);
    let vb = VarBuilder::from_tensors(fx.params("param."), DType::F32, &device());
    let model = Q2a::new(&fx.cfg, vb).unwrap();
    check_scores(&fx, &model, variant);
}

fn training_steps_match(variant: &str) {
    let fx = load(variant);
    let varmap = VarMap::new();
    for (name, t) in fx.params("param.") {
        varmap.data().lock().unwrap().insert(
            name,
            Var::from_tensor(&t.to_device(&device()).unwrap()).unwrap(),
        );
    }
    let model = Q2a::new(&fx.cfg, SeededInit::var_builder(&varmap, 0, &device())).unwrap();
    let params: Vec<(String, Var)> = varmap
        .data()
        .lock()
        .unwrap()
        .iter()
        .filter(|(n, _)| n.as_str() != "state")
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    assert_eq!(
        params.len(),
        fx.params("param.").len() - 1,
        "{variant}: every reference parameter is used"
    );
    let mut opt = Sgd::new(params, fx.lr, fx.momentum, fx.weight_decay);
    let ds = fx.dataset();
    let batch = Batch::new(&ds, &ds.samples, &device()).unwrap();
    for step in 1..=2 {
        let loss = model.loss(&batch, fx.cfg.model.history.train).unwrap();
        let want = fx
            .get(&format!("loss{step}"))
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()[0];
        let got = loss.to_scalar::<f32>().unwrap();
        assert!(
            (got - want).abs() < tol(),
            "{variant}: loss{step} {got} vs {want}"
        );
        opt.step(&loss.backward().unwrap()).unwrap();
        let vars = varmap.data().lock().unwrap();
        for (name, want) in fx.params(&format!("step{step}.param.")) {
            if name == "state" {
                continue;
            }
            let got = vars[&name].as_tensor();
            let d = max_abs_diff(got, &want.to_device(got.device()).unwrap());
            assert!(
                d < tol(),
                "{variant}: {name} after step {step} differs by {d}"
            );
        }
    }
}

#[test]
fn gru_relu_one_head_scores() {
    eval_scores_match("gru_relu_h1");
}

#[test]
fn gru_prelu_three_layers_three_heads_two_masks_scores() {
    eval_scores_match("gru_prelu3_h3_nm2");
}

#[test]
fn mlp_history_gelu_teacher_forced_scores() {
    eval_scores_match("mlphist_gelu_h2");
}

#[test]
fn no_history_four_heads_scores() {
    eval_scores_match("nohist_relu_h4");
}

#[test]
fn gru_relu_one_head_training_steps() {
    training_steps_match("gru_relu_h1");
}

#[test]
fn gru_prelu_history_max_training_steps() {
    training_steps_match("gru_prelu3_h3_nm2");
}

#[test]
fn mlp_history_training_steps() {
    training_steps_match("mlphist_gelu_h2");
}

#[test]
fn no_history_training_steps() {
    training_steps_match("nohist_relu_h4");
}

#[test]
fn reference_pth_and_lightning_ckpt_give_reference_scores() {
    let fx = load("gru_relu_h1");
    let state = fixture_path("gru_relu_h1.init_state.safetensors");
    for file in ["gru_relu_h1.pth", "gru_relu_h1.ckpt"] {
        let mut cfg = fx.cfg.clone();
        cfg.model.init_state = state.display().to_string();
        let model = q2a::infer::load_model(&cfg, &fixture_path(file), &device()).unwrap();
        check_scores(&fx, &model, file);
    }
}

#[test]
fn reference_checkpoint_without_init_state_is_explained() {
    let fx = load("gru_relu_h1");
    let err = q2a::infer::load_model(&fx.cfg, &fixture_path("gru_relu_h1.pth"), &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("MODEL.INIT_STATE") && err.contains("gru_relu_h1.pth"),
        "{err}"
    );
}

#[test]
fn reference_checkpoint_with_wrong_config_is_explained() {
    let fx = load("gru_relu_h1");
    let mut cfg = fx.cfg.clone();
    cfg.input.dim = 16;
    cfg.model.dim_state = 16;
    cfg.model.init_state = fixture_path("gru_relu_h1.init_state.safetensors")
        .display()
        .to_string();
    let err = q2a::infer::load_model(&cfg, &fixture_path("gru_relu_h1.pth"), &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not fit the config"), "{err}");
}
