//! PressNext's assistant, everything the desktop app does that needs no window: tutorial packs
//! encoded once and kept in a library ([`packs`]), asking the Q2A model about the active pack
//! ([`ask`]), the live view with its registration to the reference photo ([`live`]), the models
//! ([`models`]), training in the background ([`training`]) and settings ([`settings`]), run by
//! three services ([`pack_service`], [`model_service`], [`training_service`]) and tied together
//! by [`Assistant`]; [`new_pack`] makes a pack from a user's own video and photo. The Tauri shell (`src-tauri`) only turns these into commands.

pub mod ask;
pub mod assistant;
pub mod doctor;
pub mod error;
pub mod follow;
pub mod hand_controls;
pub mod lazy;
pub mod live;
pub mod memory;
pub mod model_service;
pub mod models;
pub mod new_pack;
pub mod pack_service;
pub mod packs;
pub mod photo;
pub mod questions;
pub mod settings;
pub mod timeline;
pub mod training;
pub mod training_service;
pub mod voice;

pub use assistant::{AppState, Assistant, Paths, StartOptions};
/// Types of the layers below that the app's commands pass through, so that the shell depends on
/// this crate alone.
pub use encoders::encode::EncodeEvent;
pub use error::{Error, Result};
pub use media::camera::CameraInfo;
pub use media::microphone::{list_microphones, MicrophoneInfo};
/// How the offline voice speaks (the app's `say` command takes one).
pub use speech::say::VoiceSettings;
/// The token that stops a long job (opening a pack, training).
pub use tokio_util::sync::CancellationToken;

/// An error as the front end receives it: a stable code and a message saying what to do.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
}

impl From<&Error> for ErrorPayload {
    fn from(e: &Error) -> Self {
        ErrorPayload {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}
