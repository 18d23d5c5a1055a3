//! The model service: the compute device, the Q2A model the settings name, and the encoders
//! (loaded on first use, [`LoadOnce`]). The device and the model are published in `watch`
//! channels, so a reader never waits for a load and the state is one of the
//! [`ModelState`] variants, never "no model and no reason".

use std::path::PathBuf;
use std::sync::Arc;

use candle_core::Device;
use encoders::encode::Encoders;
use encoders::text::TextEncoder;
use tokio::sync::watch;

use crate::error::Result;
use crate::lazy::LoadOnce;
use crate::models::{LoadedModel, ModelRegistry};
use crate::ErrorPayload;

#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceInfo {
    pub active: String,
    pub requested: String,
    pub reason: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EncodersInfo {
    pub ok: bool,
    pub root: PathBuf,
    pub text: String,
    pub image: String,
    pub message: Option<String>,
}

/// The device the settings ask for, as chosen.
#[derive(Debug, Clone)]
pub struct DeviceState {
    pub device: Device,
    pub info: DeviceInfo,
}

/// The Q2A model of the settings.
#[derive(Clone)]
pub enum ModelState {
    Loaded(Arc<LoadedModel>),
    /// It could not be loaded: why.
    Unavailable(ErrorPayload),
}

pub struct ModelService {
    registry: ModelRegistry,
    models_root: PathBuf,
    device: watch::Sender<DeviceState>,
    model: watch::Sender<ModelState>,
    encoders: LoadOnce<Encoders>,
    /// The text encoder alone: answering needs only it, and it outlives the pair (see
    /// [`ModelService::release_encoders`]).
    text: LoadOnce<Arc<TextEncoder>>,
}

/// `spec` (`auto`, `cpu`, `cuda`, `cuda:N`) as a device; a GPU that is not there falls back to the
/// CPU with the reason.
fn select_device(spec: &str) -> DeviceState {
    match q2a::device::select(spec) {
        Ok((device, reason)) => DeviceState {
            info: DeviceInfo {
                active: if device.is_cuda() { "cuda" } else { "cpu" }.into(),
                requested: spec.into(),
                reason: reason.trim_start_matches("device: ").into(),
            },
            device,
        },
        Err(e) => DeviceState {
            device: Device::Cpu,
            info: DeviceInfo {
                active: "cpu".into(),
                requested: spec.into(),
                reason: format!("{e}; using the CPU"),
            },
        },
    }
}

impl ModelService {
    /// Chooses the device and loads model `model` (a failure is kept as the state, not raised).
    pub fn new(registry: ModelRegistry, models_root: PathBuf, device: &str, model: &str) -> Self {
        let device = select_device(device);
        let loaded = Self::load(&registry, model, &device.device);
        Self {
            registry,
            models_root,
            device: watch::Sender::new(device),
            model: watch::Sender::new(loaded),
            encoders: LoadOnce::default(),
            text: LoadOnce::default(),
        }
    }

    fn load(registry: &ModelRegistry, name: &str, device: &Device) -> ModelState {
        match registry.load(name, device) {
            Ok(m) => ModelState::Loaded(Arc::new(m)),
            Err(e) => ModelState::Unavailable((&e).into()),
        }
    }

    pub fn registry(&self) -> &ModelRegistry {
        &self.registry
    }

    pub fn device(&self) -> Device {
        self.device.borrow().device.clone()
    }

    pub fn device_info(&self) -> DeviceInfo {
        self.device.borrow().info.clone()
    }

    /// Switches to device `spec`: the encoders are loaded again on their next use.
    pub fn set_device(&self, spec: &str) {
        self.device.send_replace(select_device(spec));
        self.encoders.reset();
        self.text.reset();
    }

    /// Loads model `name` on the current device (no lock held while it loads) and publishes it.
    pub fn load_model(&self, name: &str) {
        let loaded = Self::load(&self.registry, name, &self.device());
        self.model.send_replace(loaded);
    }

    pub fn model(&self) -> ModelState {
        self.model.borrow().clone()
    }

    /// Follows the model state (the app's state view).
    pub fn subscribe(&self) -> watch::Receiver<ModelState> {
        self.model.subscribe()
    }

    /// The encoders, loaded (and their weights verified) on first use.
    pub fn encoders(&self) -> Result<Arc<Encoders>> {
        self.encoders
            .get_or_load(|| Encoders::load(&self.models_root, &self.device()).map_err(Into::into))
    }

    /// The text encoder (questions, goal embeddings): the pair's when it is loaded, else loaded
    /// alone on first use.
    pub fn text_encoder(&self) -> Result<Arc<TextEncoder>> {
        let text = match self.encoders.get() {
            Some(pair) => self
                .text
                .get_or_load(|| Ok::<_, crate::Error>(pair.text.clone()))?,
            None => self.text.get_or_load(|| {
                Ok::<_, crate::Error>(Arc::new(Encoders::load_text(
                    &self.models_root,
                    &self.device(),
                )?))
            })?,
        };
        Ok(Arc::clone(&text))
    }

    /// Lets the image encoder go once no encoding holds it (88 MB for ViT-S): called when a pack
    /// is encoded, so an open pack costs the text encoder only. The text encoder stays.
    pub fn release_encoders(&self) {
        if self.encoders.get().is_some() {
            // Keeps the pair's text encoder (nothing loads: the pair is there).
            let _ = self.text_encoder();
        }
        self.encoders.reset();
        crate::memory::release_freed();
    }

    /// What the models folder holds, for the settings view.
    pub fn encoders_info(&self) -> EncodersInfo {
        let root = self.models_root.clone();
        match encoders::models::read_manifest(&root) {
            Ok(m) => {
                let describe = |role| {
                    m.model(role)
                        .map(|x| format!("{} {}", x.name, x.source_version))
                        .unwrap_or_default()
                };
                EncodersInfo {
                    ok: true,
                    text: describe(encoders::models::Role::Text),
                    image: describe(encoders::models::Role::Image),
                    message: None,
                    root,
                }
            }
            Err(e) => EncodersInfo {
                ok: false,
                root,
                text: String::new(),
                image: String::new(),
                message: Some(e.to_string()),
            },
        }
    }
}
