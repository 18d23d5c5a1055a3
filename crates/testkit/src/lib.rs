//! Test support shared by the workspace's tests and benchmarks, as a dev-dependency (never a
//! dependency of a shipped crate): [`register_scenes`] (drawn appliance panels seen through
//! known homographies, with a real camera's degradations) for the registration tests, the CLI's
//! `register` tests and the registration benchmark; [`tutorial`] (a small AssistQ dataset on
//! disk with real H.264 videos) for the encoders' and the CLI's `encode` tests; [`repo`] (the
//! repository root, the demo pack, running the CLI there) for the CLI's end-to-end tests;
//! [`tensors`] (the largest difference between two tensors) for the numeric parity tests;
//! `tiny_encoders` (feature `encoders`: tiny random encoders) for the encoders' and the CLI's
//! tests; [`network`] (the sockets a traced process opens) for the no-network tests;
//! [`speak`] (espeak-ng saying a text into a WAV, in the tests' one voice), [`boxes`] (a pack's `buttons.csv` as boxes) and `narration` (feature `narration`: a
//! generated tutorial's script spoken into its video) for the pack-making tests of the CLI and
//! the window.

pub mod boxes;
#[cfg(feature = "narration")]
pub mod narration;
pub mod network;
pub mod register_scenes;
pub mod repo;
pub mod speak;
pub mod tensors;
#[cfg(feature = "encoders")]
pub mod tiny_encoders;
pub mod tutorial;
