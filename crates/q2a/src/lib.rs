//! Q2A, the question-to-actions model of the AssistQ benchmark (LOVEU@CVPR'22 track 3), in candle.
//!
//! Wong et al., "AssistQ: Affordance-centric Question-driven Task Completion for Egocentric
//! Assistant", ECCV 2022 (<https://arxiv.org/abs/2203.04203>). The model ranks the candidate
//! actions of each step of a question from frozen features of the tutorial video, its script, the
//! question and each candidate answer with its button's image.
//!
//! - [`config`]: the reference's upper-case config keys, YAML files and `KEY VALUE` overrides.
//! - [`features`]: the encoded-features layout on disk, re-exported from the `encoded` crate
//!   (written by the encoders, read here).
//! - [`batch`]: packing samples of any step and candidate counts into batched tensors with masks.
//! - [`model`]: the Q2A blocks and the batched forward pass.
//! - [`checkpoint`]: our safetensors checkpoints and the reference's PyTorch checkpoints.
//! - [`train`], [`infer`]: the training loop and inference, reporting through [`progress`].
//! - [`synthetic`], [`bench`]: feature-level synthetic data and the throughput benchmark.

pub mod baseline;
pub mod batch;
pub mod bench;
pub mod checkpoint;
pub mod config;
pub mod dataset;
pub mod device;
pub mod error;
pub mod infer;
pub mod init;
pub mod model;
pub mod optim;
pub mod progress;
pub mod schedule;
pub mod synthetic;
pub mod train;

pub use encoded as features;

pub use config::Config;
pub use error::{Error, Result};
pub use model::Q2a;
