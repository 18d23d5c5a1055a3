//! [`Assistant`]: the whole app without a window. The Tauri shell holds one and turns each of its
//! methods into a command; tests drive it directly.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use candle_core::Device;
use encoders::encode::{EncodeEvent, Encoders};
use media::camera::{CameraInfo, CameraSpec};
use serde::Serialize;

use crate::ask::{ActivePack, Answer};
use crate::error::{Error, Result};
use crate::live::{CameraStatus, LiveView, PublishedFrame, Reference};
use crate::models::{LoadedModel, ModelInfo, ModelRegistry};
use crate::packs::{EncodeProgress, Inspection, PackDetail, PackLibrary, PackSummary};
use crate::settings::Settings;
use crate::training::{JobEvent, TrainRequest, TrainingEvent};

/// Where the app keeps things.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Settings, the pack cache, trained models, training runs.
    pub data_dir: PathBuf,
    /// The encoder weights (and the demo model in `demo/`).
    pub models_root: PathBuf,
}

impl Paths {
    fn settings(&self) -> PathBuf {
        self.data_dir.join("settings.json")
    }

    /// `PRESSNEXT_DATA_DIR`, else `$XDG_DATA_HOME/pressnext`, else `~/.local/share/pressnext`.
    pub fn default_data_dir() -> PathBuf {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        if let Some(dir) = var("PRESSNEXT_DATA_DIR") {
            return PathBuf::from(dir);
        }
        var("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."))
            .join("pressnext")
    }

    /// The encoder weights root: [`encoders::models::find_root`] (the rule the commands use),
    /// falling back to `DATA/models`.
    pub fn default_models_root(data_dir: &Path) -> PathBuf {
        encoders::models::find_root(data_dir.join("models"))
    }

    /// `name` among the files installed with the binary ([`encoders::models::installed_file`]).
    pub fn installed(name: &str) -> Option<PathBuf> {
        encoders::models::installed_file(name)
    }
}

/// Choices from the command line or environment that win over the saved settings for this run.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub camera: Option<String>,
    pub pack: Option<PathBuf>,
    pub model: Option<String>,
    /// No live view (a terminal answer): the camera is never opened.
    pub headless: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeviceInfo {
    pub active: String,
    pub requested: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EncodersInfo {
    pub ok: bool,
    pub root: PathBuf,
    pub text: String,
    pub image: String,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrainingInfo {
    pub running: bool,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppState {
    pub version: &'static str,
    pub device: DeviceInfo,
    pub model: Option<ModelInfo>,
    /// Why no model is loaded, when none is.
    pub model_error: Option<crate::ErrorPayload>,
    pub encoders: EncodersInfo,
    pub camera: CameraStatus,
    pub packs: Vec<PackSummary>,
    pub active_pack: Option<String>,
    pub settings: Settings,
    pub training: Option<TrainingInfo>,
    /// A problem found at start (a damaged settings file, a pack that could not be reopened).
    pub startup_error: Option<crate::ErrorPayload>,
}

struct TrainingJob {
    name: String,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
}

pub struct Assistant {
    paths: Paths,
    settings: Mutex<Settings>,
    startup_error: Mutex<Option<crate::ErrorPayload>>,
    library: Mutex<PackLibrary>,
    active: Mutex<Option<Arc<ActivePack>>>,
    registry: ModelRegistry,
    model: Mutex<(Option<Arc<LoadedModel>>, Option<crate::ErrorPayload>)>,
    device: Mutex<(Device, DeviceInfo)>,
    encoders: Mutex<Option<Arc<Encoders>>>,
    live: LiveView,
    open_cancel: Arc<AtomicBool>,
    training: Mutex<Option<TrainingJob>>,
}

fn select_device(spec: &str) -> (Device, DeviceInfo) {
    match q2a::device::select(spec) {
        Ok((device, reason)) => (
            device.clone(),
            DeviceInfo {
                active: if device.is_cuda() {
                    "cuda".into()
                } else {
                    "cpu".into()
                },
                requested: spec.into(),
                reason: reason.trim_start_matches("device: ").into(),
            },
        ),
        Err(e) => (
            Device::Cpu,
            DeviceInfo {
                active: "cpu".into(),
                requested: spec.into(),
                reason: format!("{e}; using the CPU"),
            },
        ),
    }
}

/// The text encoder of `encoders` as the sentence encoder answering uses.
fn text_embed(encoders: Arc<Encoders>) -> impl Fn(&[String]) -> Result<Vec<Vec<f32>>> {
    move |texts| encoders.text.encode(texts).map_err(Error::from)
}

impl Assistant {
    /// Loads settings, the pack library and the model, and starts the live view. Nothing here
    /// fails the start: problems are kept and shown (`AppState::startup_error`, `model_error`).
    pub fn start(paths: Paths, options: StartOptions) -> Result<Self> {
        std::fs::create_dir_all(&paths.data_dir).map_err(|e| Error::io(&paths.data_dir, e))?;
        let (mut settings, settings_error) = Settings::load(&paths.settings());
        if let Some(camera) = &options.camera {
            camera.parse::<CameraSpec>()?;
            settings.camera = camera.clone();
        }
        if let Some(model) = &options.model {
            settings.model = model.clone();
        }
        let spec: CameraSpec = settings.camera.parse()?;
        let resolution = (settings.resolution[0], settings.resolution[1]);
        let live = if options.headless {
            LiveView::idle(spec, resolution)
        } else {
            LiveView::start(spec, resolution)
        };
        let library = PackLibrary::open(&paths.data_dir.join("packs"))?;
        let device = select_device(&settings.device);
        let registry = ModelRegistry::new(&paths.models_root, &paths.data_dir);
        let this = Self {
            registry,
            startup_error: Mutex::new(settings_error.as_ref().map(crate::ErrorPayload::from)),
            settings: Mutex::new(settings),
            library: Mutex::new(library),
            active: Mutex::new(None),
            model: Mutex::new((None, None)),
            device: Mutex::new(device),
            encoders: Mutex::new(None),
            live,
            open_cancel: Arc::new(AtomicBool::new(false)),
            training: Mutex::new(None),
            paths,
        };
        this.reload_model();
        // `--pack` is opened by `open_start_pack` (it may need encoding); otherwise the last pack.
        if options.pack.is_none() {
            let last = this.settings().active_pack;
            let known = last
                .as_ref()
                .is_some_and(|id| this.library.lock().expect("library").get(id).is_some());
            if let (Some(id), true) = (last, known) {
                if let Err(e) = this.select_pack(&id) {
                    this.set_startup_error(&e);
                }
            }
        }
        Ok(this)
    }

    fn set_startup_error(&self, e: &Error) {
        *self.startup_error.lock().expect("startup error") = Some(e.into());
    }

    /// Opens the pack given at start in the background (a first opening encodes it, which takes a
    /// while; the window is up meanwhile), then calls `done`.
    pub fn open_start_pack(
        self: &Arc<Self>,
        folder: PathBuf,
        done: impl FnOnce(&Assistant) + Send + 'static,
    ) {
        let this = self.clone();
        std::thread::spawn(move || {
            if let Err(e) = this.open_pack(&folder, None, &|_| {}) {
                this.set_startup_error(&e);
            }
            done(&this);
        });
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().expect("settings").clone()
    }

    pub fn live(&self) -> &LiveView {
        &self.live
    }

    fn reload_model(&self) {
        let name = self.settings().model;
        let device = self.device.lock().expect("device").0.clone();
        *self.model.lock().expect("model") = match self.registry.load(&name, &device) {
            Ok(m) => (Some(Arc::new(m)), None),
            Err(e) => (None, Some((&e).into())),
        };
    }

    /// The encoders, loaded (and their weights verified) on first use.
    pub fn encoders(&self) -> Result<Arc<Encoders>> {
        let mut slot = self.encoders.lock().expect("encoders");
        if let Some(e) = slot.as_ref() {
            return Ok(e.clone());
        }
        let device = self.device.lock().expect("device").0.clone();
        let loaded = Arc::new(Encoders::load(&self.paths.models_root, &device)?);
        *slot = Some(loaded.clone());
        Ok(loaded)
    }

    fn encoders_info(&self) -> EncodersInfo {
        let root = self.paths.models_root.clone();
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

    pub fn state(&self) -> AppState {
        let settings = self.settings();
        let (model, model_error) = {
            let m = self.model.lock().expect("model");
            (
                m.0.as_ref().map(|m| {
                    let mut info = m.info.clone();
                    info.active = true;
                    info
                }),
                m.1.clone(),
            )
        };
        AppState {
            version: env!("CARGO_PKG_VERSION"),
            device: self.device.lock().expect("device").1.clone(),
            model,
            model_error,
            encoders: self.encoders_info(),
            camera: self.live.status(),
            packs: self.library.lock().expect("library").list().to_vec(),
            active_pack: self
                .active
                .lock()
                .expect("active")
                .as_ref()
                .map(|p| p.detail.id.clone()),
            training: self
                .training
                .lock()
                .expect("training")
                .as_ref()
                .map(|j| TrainingInfo {
                    running: !j.done.load(Ordering::Relaxed),
                    name: j.name.clone(),
                }),
            startup_error: self.startup_error.lock().expect("startup error").clone(),
            settings,
        }
    }

    pub fn inspect_pack(&self, path: &Path) -> Result<Inspection> {
        crate::packs::inspect(path)
    }

    /// Checks, encodes and remembers a pack, then makes it the active one.
    pub fn open_pack(
        &self,
        path: &Path,
        appliance: Option<&str>,
        on_event: &(dyn Fn(&EncodeEvent) + Send + Sync),
    ) -> Result<PackSummary> {
        self.open_cancel.store(false, Ordering::Relaxed);
        // Check first: a bad folder is reported before the encoders are loaded.
        let summary = self
            .library
            .lock()
            .expect("library")
            .prepare(path, appliance)?;
        let known = self
            .library
            .lock()
            .expect("library")
            .get(&summary.id)
            .is_some();
        if known && summary.encoded {
            // Opened before: its cache is there, nothing to load or encode.
            self.select_pack(&summary.id)?;
            return Ok(summary);
        }
        let encoders = self.encoders()?;
        let sink = EncodeProgress {
            on_event,
            cancel: &self.open_cancel,
        };
        // Encoding holds no lock (it runs on a copy): the app stays responsive and can cancel.
        // The result goes into the live library, so that what changed meanwhile (a pack
        // removed or opened) is kept.
        let snapshot = self.library.lock().expect("library").clone();
        let pack = snapshot.encode(&summary.folder, Some(&summary.appliance), &encoders, &sink)?;
        self.library.lock().expect("library").insert(pack.clone())?;
        self.select_pack(&pack.id)?;
        Ok(pack)
    }

    pub fn cancel_open(&self) {
        self.open_cancel.store(true, Ordering::Relaxed);
    }

    /// Makes pack `id` the one questions are about and frames are registered to.
    pub fn select_pack(&self, id: &str) -> Result<PackDetail> {
        let (detail, encoded_dir) = {
            let library = self.library.lock().expect("library");
            (library.detail(id)?, library.encoded_dir(id))
        };
        let encoded = q2a::features::EncodedFolder::read(&encoded_dir.join(&detail.appliance))
            .map_err(|e| Error::PackInvalid {
                path: detail.folder.clone(),
                message: format!("its encoding is unreadable ({e}); open it again"),
            })?;
        let reference = media::register::load_image(&detail.reference_path).map_err(|e| {
            Error::PackInvalid {
                path: detail.reference_path.clone(),
                message: e.to_string(),
            }
        })?;
        self.live
            .set_reference(Some(Reference {
                image: reference,
                buttons: detail.buttons.clone(),
            }))
            .map_err(|e| Error::PackInvalid {
                path: detail.reference_path.clone(),
                message: e.to_string(),
            })?;
        // The timeline: cached with the features, computed the first time (a few seconds).
        let timeline = crate::timeline::load_or_ground(
            &detail.folder,
            &encoded_dir.join(&detail.appliance),
            &self.paths.models_root,
        )
        .map_err(|e| {
            eprintln!(
                "pressnext: {}: no tutorial timeline: {e}",
                detail.folder.display()
            )
        })
        .ok();
        // The timeline's parts get their goal embeddings now, once, when the encoders load.
        let embed = timeline
            .as_ref()
            .and_then(|_| self.encoders().ok())
            .map(text_embed);
        *self.active.lock().expect("active") = Some(Arc::new(ActivePack::new(
            detail.clone(),
            encoded,
            timeline,
            embed.as_ref().map(|f| f as crate::ask::Embed),
        )));
        let mut settings = self.settings();
        if settings.active_pack.as_deref() != Some(id) {
            settings.active_pack = Some(id.to_string());
            // Only the active pack is saved: the file keeps its own camera and model, not this
            // run's `--camera` / `--model` (a `pressnext ask --model X` must not change the app's).
            let (mut saved, _) = Settings::load(&self.paths.settings());
            saved.active_pack = settings.active_pack.clone();
            saved.save(&self.paths.settings())?;
            *self.settings.lock().expect("settings") = settings;
        }
        Ok(detail)
    }

    pub fn remove_pack(&self, id: &str) -> Result<()> {
        let mut active = self.active.lock().expect("active");
        if active.as_ref().is_some_and(|p| p.detail.id == id) {
            *active = None;
            let _ = self.live.set_reference(None);
        }
        self.library.lock().expect("library").remove(id)
    }

    /// A file of pack `id` the UI loads over `pack://`: `video.mp4` or `reference.jpg`.
    pub fn pack_file(&self, id: &str, name: &str) -> Result<PathBuf> {
        let detail = self.library.lock().expect("library").detail(id)?;
        match name {
            "video.mp4" => Ok(detail.video_path),
            "reference.jpg" => Ok(detail.reference_path),
            other => Err(Error::PackNotFound {
                path: detail.folder.join(other),
            }),
        }
    }

    pub fn ask(&self, question: &str) -> Result<Answer> {
        if question.trim().is_empty() {
            return Err(Error::EmptyQuestion);
        }
        let pack = self
            .active
            .lock()
            .expect("active")
            .clone()
            .ok_or(Error::NoActivePack)?;
        let model = {
            let m = self.model.lock().expect("model");
            match (&m.0, &m.1) {
                (Some(model), _) => Ok(model.clone()),
                (None, Some(e)) => Err(Error::ModelNotFound(e.message.clone())),
                (None, None) => Err(Error::ModelNotFound(self.settings().model)),
            }
        };
        // A pack with a timeline is answered from it; only without one is the model required.
        let model = match (model, &pack.timeline) {
            (Ok(m), _) => Some(m),
            (Err(e), None) => return Err(e),
            (Err(_), Some(_)) => None,
        };
        let embed = self.encoders().ok().map(text_embed);
        crate::ask::ask(
            model.as_deref(),
            &pack,
            question,
            embed.as_ref().map(|f| f as crate::ask::Embed),
        )
    }

    /// Saves and applies new settings (camera, device, model).
    pub fn save_settings(&self, mut new: Settings) -> Result<AppState> {
        new.validate()?;
        let old = self.settings();
        new.active_pack = old.active_pack.clone();
        if new.device != old.device {
            let trimmed = new.device.trim();
            if trimmed.starts_with("cuda") {
                q2a::device::select(trimmed)?;
            }
        }
        if new.model != old.model {
            self.registry.resolve(&new.model)?;
        }
        new.save(&self.paths.settings())?;
        *self.settings.lock().expect("settings") = new.clone();
        if new.device != old.device {
            *self.device.lock().expect("device") = select_device(&new.device);
            *self.encoders.lock().expect("encoders") = None;
        }
        if new.device != old.device || new.model != old.model {
            self.reload_model();
        }
        self.live
            .set_source(new.camera.parse()?, (new.resolution[0], new.resolution[1]));
        Ok(self.state())
    }

    pub fn list_cameras(&self) -> Vec<CameraInfo> {
        media::camera::list_cameras()
    }

    pub fn list_models(&self) -> Vec<ModelInfo> {
        self.registry.list(&self.settings().model)
    }

    pub fn import_checkpoint(&self, path: &Path, name: &str) -> Result<ModelInfo> {
        self.registry.import(path, name)
    }

    /// Starts a training job in the background; events go to `on_event` from its thread.
    pub fn start_training(
        self: &Arc<Self>,
        request: TrainRequest,
        on_event: Arc<dyn Fn(TrainingEvent) + Send + Sync>,
    ) -> Result<()> {
        request.validate()?;
        let mut slot = self.training.lock().expect("training");
        if slot
            .as_ref()
            .is_some_and(|j| !j.done.load(Ordering::Relaxed))
        {
            return Err(Error::TrainingBusy);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        *slot = Some(TrainingJob {
            name: request.name.clone(),
            stop: stop.clone(),
            done: done.clone(),
        });
        let this = self.clone();
        std::thread::Builder::new()
            .name("training".into())
            .spawn(move || {
                let result = this.encoders().and_then(|encoders| {
                    let device = this.device.lock().expect("device").0.clone();
                    crate::training::run(
                        &request,
                        &encoders,
                        &this.registry,
                        &this.paths.data_dir,
                        &device,
                        stop,
                        on_event.as_ref(),
                    )
                });
                if let Err(e) = result {
                    on_event(TrainingEvent::Job(JobEvent::Failed {
                        code: e.code().into(),
                        message: e.to_string(),
                    }));
                }
                done.store(true, Ordering::Relaxed);
            })
            .map_err(|e| Error::Internal(format!("cannot start the training thread: {e}")))?;
        Ok(())
    }

    pub fn stop_training(&self) {
        if let Some(job) = self.training.lock().expect("training").as_ref() {
            job.stop.store(true, Ordering::Relaxed);
        }
    }

    pub fn doctor(&self) -> crate::doctor::Report {
        crate::doctor::report(&self.paths.models_root, &self.paths.data_dir)
    }

    pub fn frame_after(&self, after: u64, wait: Duration) -> Option<Arc<PublishedFrame>> {
        self.live.frame_after(after, wait)
    }

    /// See [`crate::live::LiveView::set_display_width`].
    pub fn set_display_width(&self, width: u32) {
        self.live.set_display_width(width)
    }
}
