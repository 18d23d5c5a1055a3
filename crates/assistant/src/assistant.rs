//! [`Assistant`]: the whole app without a window. The Tauri shell holds one and turns each of its
//! methods into a command (run with `spawn_blocking` on Tauri's tokio runtime); tests and the CLI
//! drive it directly. It ties together three services, each owning its state as an enum
//! published in a `tokio::sync::watch` channel, with no lock held across I/O or compute:
//! [`PackService`] (the library and the active pack), [`ModelService`] (device, model,
//! encoders) and [`TrainingService`] (the background job, stopped by a cancellation token).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use encoders::encode::EncodeEvent;
use media::camera::{CameraInfo, CameraSpec};
use serde::Serialize;

use crate::ask::Answer;
use crate::error::{Error, Result};
use crate::live::{CameraStatus, LiveView, PublishedFrame};
use crate::model_service::{ModelService, ModelState};
use crate::models::{ModelInfo, ModelRegistry};
use crate::pack_service::PackService;
use crate::packs::{Inspection, PackDetail, PackLibrary, PackSummary};
use crate::settings::Settings;
use crate::training::{TrainRequest, TrainingEvent};
use crate::training_service::TrainingService;

pub use crate::model_service::{DeviceInfo, EncodersInfo};
pub use crate::training_service::TrainingInfo;

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
    /// The folder of the pack given at start (`--pack`) while it is being opened in the
    /// background (its progress arrives as encode events): the Assist view shows it instead of
    /// "no pack open".
    pub opening: Option<String>,
}

/// What the box editor saved, and the folder to open again.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SavedBoxes {
    pub folder: PathBuf,
    pub appliance: String,
    pub boxes: usize,
}

pub struct Assistant {
    paths: Paths,
    settings: Mutex<Settings>,
    startup_error: Mutex<Option<crate::ErrorPayload>>,
    /// See [`AppState::opening`].
    opening: Mutex<Option<String>>,
    packs: PackService,
    models: Arc<ModelService>,
    training: Arc<TrainingService>,
    live: LiveView,
    /// The last answer given: what follow along checks the camera against.
    last_answer: Mutex<Option<Answer>>,
    /// The question being listened to, stopped by a release or a second press.
    listening: crate::voice::Listening,
}

/// A lock whose data is whole after any panic (each change is one assignment), so a panic in
/// one command never wedges the app.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Assistant {
    /// Loads settings, the pack library and the model, and starts the live view. Nothing here
    /// fails the start: problems are kept and shown (`AppState::startup_error`, `model_error`).
    pub fn start(paths: Paths, options: StartOptions) -> Result<Self> {
        std::fs::create_dir_all(&paths.data_dir).map_err(|e| Error::io(&paths.data_dir, e))?;
        // A settings write cut by a kill leaves its temp file (settings.json itself is whole).
        assistq::fsutil::remove_stale_temps(&paths.data_dir);
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
        let registry = ModelRegistry::new(&paths.models_root, &paths.data_dir);
        let models = ModelService::new(
            registry,
            paths.models_root.clone(),
            &settings.device,
            &settings.model,
        );
        let this = Self {
            startup_error: Mutex::new(settings_error.as_ref().map(crate::ErrorPayload::from)),
            opening: Mutex::new(None),
            packs: PackService::new(library, paths.models_root.clone()),
            models: Arc::new(models),
            training: Arc::new(TrainingService::default()),
            settings: Mutex::new(settings),
            live,
            last_answer: Mutex::new(None),
            listening: crate::voice::Listening::default(),
            paths,
        };
        // `--pack` is opened by `open_start_pack` (it may need encoding); otherwise the last pack.
        // A pack that fails to reopen (or panics doing so) is set aside with the error shown.
        if options.pack.is_none() {
            if let Some(id) = this
                .settings()
                .active_pack
                .filter(|id| this.packs.knows(id))
            {
                this.set_aside_on_failure(
                    || this.select_pack(&id),
                    || format!("reopening the last pack ({id}) failed unexpectedly; open it again"),
                );
            }
        }
        Ok(this)
    }

    /// Runs start-up work on a pack (`work`): an error, or a panic (described by `unexpected`),
    /// is kept in `startup_error` for the window to show instead of ending the app.
    fn set_aside_on_failure<T>(
        &self,
        work: impl FnOnce() -> Result<T>,
        unexpected: impl FnOnce() -> String,
    ) {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => self.set_startup_error(&e),
            Err(_) => self.set_startup_error(&Error::Internal(unexpected())),
        }
    }

    fn set_startup_error(&self, e: &Error) {
        *lock(&self.startup_error) = Some(e.into());
    }

    /// Opens the pack given at start in the background (a first opening encodes it, which takes a
    /// while; the window is up meanwhile), passing its progress to `on_event`, then calls `done`.
    /// Until then [`AppState::opening`] names the folder; `cancel_open` stops it.
    pub fn open_start_pack(
        self: &Arc<Self>,
        folder: PathBuf,
        on_event: impl Fn(&EncodeEvent) + Send + Sync + 'static,
        done: impl FnOnce(&Assistant) + Send + 'static,
    ) {
        // Set before the thread starts, so that the window's first look at the state sees it.
        *lock(&self.opening) = Some(folder.display().to_string());
        let this = self.clone();
        std::thread::spawn(move || {
            this.set_aside_on_failure(
                || this.open_pack(&folder, None, &on_event),
                || {
                    format!(
                        "opening {} failed unexpectedly; open it again from the Library",
                        folder.display()
                    )
                },
            );
            *lock(&this.opening) = None;
            done(&this);
        });
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// Listens to a spoken question and hears it (`crate::voice::hear`): from `microphone`, else
    /// `PRESSNEXT_MICROPHONE`, else the microphone setting; held (`hold`) until
    /// [`Assistant::stop_listening`], else until the pause after it.
    pub fn hear_question(
        &self,
        microphone: Option<&str>,
        hold: bool,
    ) -> Result<crate::voice::Heard> {
        let spec = match crate::voice::microphone_from_option_or_env(microphone)? {
            Some(spec) => spec,
            None => crate::voice::parse_microphone(&self.settings().microphone)?,
        };
        let heard = crate::voice::hear(
            &spec,
            &crate::voice::ListenRules::new(hold),
            &self.listening,
            &self.paths.models_root,
            self.settings().spoken_language,
        );
        // Whisper is dropped by now: give its memory back (it loads again for the next question).
        crate::memory::release_freed();
        heard
    }

    /// Ends the question being listened to (hold to talk released, Speak pressed again);
    /// returns whether one was being listened to.
    pub fn stop_listening(&self) -> bool {
        self.listening.stop()
    }

    pub fn live(&self) -> &LiveView {
        &self.live
    }

    /// "Take photo" for a new pack: the camera's next frame at full size, saved under the data
    /// folder's `photos/`, with its sharpness check (`crate::photo`). No frame within 3 s is
    /// `camera.not_found`.
    /// With `video` (the tutorial the pack is made from), a sharp photo is also looked for in
    /// it: a panel seen at an angle, or not found at all, gets a hint.
    pub fn take_photo(&self, video: Option<&Path>) -> Result<crate::photo::TakenPhoto> {
        let image = self
            .live
            .take_photo(std::time::Duration::from_secs(3))
            .ok_or(Error::Camera(media::camera::CameraError::NoCamera))?;
        let mut taken = crate::photo::save_photo(&image, &self.paths.data_dir.join("photos"))?;
        if let (true, Some(video)) = (taken.quality.sharp, video) {
            let check = crate::photo::check_against_video(&image, video)?;
            taken.quality.hint = crate::photo::video_hint(&check);
            taken.video = Some(check);
        }
        Ok(taken)
    }

    /// The encoders, loaded (and their weights verified) on first use.
    pub fn encoders(&self) -> Result<Arc<encoders::encode::Encoders>> {
        self.models.encoders()
    }

    pub fn state(&self) -> AppState {
        let settings = self.settings();
        let (model, model_error) = match self.models.model() {
            ModelState::Loaded(m) => {
                let mut info = m.info.clone();
                info.active = true;
                (Some(info), None)
            }
            ModelState::Unavailable(e) => (None, Some(e)),
        };
        AppState {
            version: env!("CARGO_PKG_VERSION"),
            device: self.models.device_info(),
            model,
            model_error,
            encoders: self.models.encoders_info(),
            camera: self.live.status(),
            packs: self.packs.list(),
            active_pack: self.packs.active().map(|p| p.detail.id.clone()),
            training: self.training.state().info(),
            startup_error: lock(&self.startup_error).clone(),
            opening: lock(&self.opening).clone(),
            settings,
        }
    }

    pub fn inspect_pack(&self, path: &Path) -> Result<Inspection> {
        self.packs.inspect(path)
    }

    /// Checks, encodes and remembers a pack, then makes it the active one.
    pub fn open_pack(
        &self,
        path: &Path,
        appliance: Option<&str>,
        on_event: &(dyn Fn(&EncodeEvent) + Send + Sync),
    ) -> Result<PackSummary> {
        let pack = self.packs.open(path, appliance, &self.models, on_event)?;
        self.select_pack(&pack.id)?;
        Ok(pack)
    }

    pub fn cancel_open(&self) {
        self.packs.cancel_open();
    }

    /// Makes pack `id` the one questions are about and frames are registered to.
    pub fn select_pack(&self, id: &str) -> Result<PackDetail> {
        let detail = self.packs.select(id, &self.models, &self.live)?;
        let mut settings = self.settings();
        if settings.active_pack.as_deref() != Some(id) {
            settings.active_pack = Some(id.to_string());
            // Only the active pack is saved: the file keeps its own camera and model, not this
            // run's `--camera` / `--model` (a `pressnext ask --model X` must not change the app's).
            let (mut saved, _) = Settings::load(&self.paths.settings());
            saved.active_pack = settings.active_pack.clone();
            saved.save(&self.paths.settings())?;
            *lock(&self.settings) = settings;
        }
        Ok(detail)
    }

    pub fn remove_pack(&self, id: &str) -> Result<()> {
        self.packs.remove(id, &self.live)
    }

    /// The box editor's Save: pack `id`'s boxes on its reference photo become `boxes`
    /// (`packs::write_reference_boxes`, atomically), and its cache is dropped, since the encoded
    /// button crops and the timeline depend on them; the window then opens the folder again
    /// (encoded with progress). Returns the folder and appliance to open.
    pub fn save_boxes(&self, id: &str, boxes: &[crate::packs::EditedBox]) -> Result<SavedBoxes> {
        let detail = crate::packs::detail(&self.packs.summary(id)?)?;
        let image = detail
            .reference_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The pack's questions name their buttons (`<name>` in each answer): those must stay.
        let kept: std::collections::HashSet<&str> = boxes.iter().map(|b| b.name.trim()).collect();
        let mut missing: Vec<String> = detail
            .qas
            .iter()
            .flat_map(|qa| qa.answers.iter().flatten())
            .flat_map(|answer| answer.split('<').skip(1))
            .filter_map(|rest| rest.split_once('>').map(|(name, _)| name.to_string()))
            .filter(|name| detail.buttons.iter().any(|b| &b.name == name))
            .filter(|name| !kept.contains(name.as_str()))
            .collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            return Err(Error::PackInvalid {
                path: detail.folder.join("buttons.csv"),
                message: format!(
                    "the pack's questions name {}: keep those boxes and their names",
                    missing
                        .iter()
                        .map(|n| format!("<{n}>"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        crate::packs::write_reference_boxes(
            &detail.folder,
            &image,
            (detail.reference.width, detail.reference.height),
            boxes,
        )?;
        self.remove_pack(id)?;
        Ok(SavedBoxes {
            folder: detail.folder,
            appliance: detail.appliance,
            boxes: boxes.len(),
        })
    }

    /// Adds a question with its steps to pack `id` (`questions::add_question`: its label file,
    /// atomically), then drops the pack's cache, since its encoded questions and timeline index
    /// list the pack's questions; the window opens the folder again, as after [`Self::save_boxes`].
    pub fn add_question(
        &self,
        id: &str,
        question: &crate::questions::NewQuestion,
    ) -> Result<crate::questions::AddedQuestion> {
        let summary = self.packs.summary(id)?;
        let detail = crate::packs::detail(&summary)?;
        let image = detail
            .reference_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let added = crate::questions::add_question(&summary, &detail.buttons, &image, question)?;
        self.remove_pack(id)?;
        Ok(added)
    }

    /// The training dataset of every open pack's questions with steps
    /// (`questions::training_set`), under the data folder's `training/packs`: what the training
    /// panel's "Train on my packs' questions" trains on.
    pub fn packs_training_set(&self) -> Result<crate::questions::PacksTrainingSet> {
        crate::questions::training_set(
            &self.packs.list(),
            &self.paths.data_dir.join("training").join("packs"),
        )
    }

    /// A file of pack `id` the UI loads over `pack://`: `video.mp4` or `reference.jpg`.
    pub fn pack_file(&self, id: &str, name: &str) -> Result<PathBuf> {
        self.packs.file(id, name)
    }

    pub fn ask(&self, question: &str) -> Result<Answer> {
        if question.trim().is_empty() {
            return Err(Error::EmptyQuestion);
        }
        let pack = self.packs.active().ok_or(Error::NoActivePack)?;
        // A pack with a timeline is answered from it; only without one is the model required.
        let model = match (self.models.model(), &pack.timeline) {
            (ModelState::Loaded(m), _) => Some(m),
            (ModelState::Unavailable(e), None) => return Err(Error::ModelUnavailable(e.message)),
            (ModelState::Unavailable(_), Some(_)) => None,
        };
        let embed = self.models.text_encoder().ok().map(crate::ask::text_embed);
        let answer = crate::ask::ask(
            model.as_deref(),
            &pack,
            question,
            embed.as_ref().map(|f| f as crate::ask::Embed),
        )?;
        // A new answer: the camera is no longer checked against the previous one's steps.
        self.live.set_follow(None);
        *lock(&self.last_answer) = Some(answer.clone());
        Ok(answer)
    }

    /// Plays the video `clip` as the camera through the step check of `answer`'s steps on the
    /// active pack (`pressnext follow`): the same registration and checker as the live view.
    pub fn follow_clip(
        &self,
        answer: &Answer,
        clip: &Path,
        realtime: bool,
        on_event: impl FnMut(&::follow::Event),
    ) -> Result<crate::follow::ClipRun> {
        let pack = self.packs.active().ok_or(Error::NoActivePack)?;
        let steps =
            crate::follow::steps(answer, &pack.detail.buttons).ok_or(Error::NothingToFollow)?;
        let reference = registration::load_image(&pack.detail.reference_path).map_err(|e| {
            Error::PackInvalid {
                path: pack.detail.reference_path.clone(),
                message: e.to_string(),
            }
        })?;
        crate::follow::follow_clip(
            &reference,
            &pack.detail.buttons,
            steps,
            clip,
            realtime,
            on_event,
        )
    }

    /// Checks the live camera against the last answer's steps from now on (follow along),
    /// waiting for step `from` (0-based); events reach the listener of [`LiveView::on_follow`].
    pub fn follow(&self, from: usize) -> Result<()> {
        let answer = lock(&self.last_answer)
            .clone()
            .ok_or(Error::NothingToFollow)?;
        let pack = self.packs.active().ok_or(Error::NoActivePack)?;
        let steps =
            crate::follow::steps(&answer, &pack.detail.buttons).ok_or(Error::NothingToFollow)?;
        let photo = (pack.detail.reference.width, pack.detail.reference.height);
        let mut checker = crate::follow::checker(photo, &pack.detail.buttons, steps);
        checker.set_current(from);
        self.live.set_follow(Some(checker));
        Ok(())
    }

    /// The step the user moved to (Next, Back): the check goes on from there.
    pub fn follow_step(&self, step: usize) {
        self.live.follow_step(step);
    }

    /// Stops checking the camera against steps.
    pub fn stop_following(&self) {
        self.live.set_follow(None);
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
            self.models.registry().resolve(&new.model)?;
        }
        new.save(&self.paths.settings())?;
        *lock(&self.settings) = new.clone();
        if new.device != old.device {
            self.models.set_device(&new.device);
        }
        if new.device != old.device || new.model != old.model {
            self.models.load_model(&new.model);
        }
        self.live
            .set_source(new.camera.parse()?, (new.resolution[0], new.resolution[1]));
        Ok(self.state())
    }

    pub fn list_cameras(&self) -> Vec<CameraInfo> {
        media::camera::list_cameras()
    }

    pub fn list_models(&self) -> Vec<ModelInfo> {
        self.models.registry().list(&self.settings().model)
    }

    pub fn import_checkpoint(&self, path: &Path, name: &str) -> Result<ModelInfo> {
        self.models.registry().import(path, name)
    }

    /// Starts a training job in the background; events go to `on_event` from its thread.
    pub fn start_training(
        self: &Arc<Self>,
        request: TrainRequest,
        on_event: Arc<dyn Fn(TrainingEvent) + Send + Sync>,
    ) -> Result<()> {
        self.training.start(
            request,
            self.models.clone(),
            self.paths.data_dir.clone(),
            on_event,
        )
    }

    pub fn stop_training(&self) {
        self.training.stop();
    }

    pub fn doctor(&self) -> crate::doctor::Report {
        crate::doctor::report(&self.paths.models_root, &self.paths.data_dir)
    }

    pub fn frame_after(&self, after: u64, wait: Duration) -> Option<Arc<PublishedFrame>> {
        self.live.frame_after(after, wait)
    }

    /// See [`crate::live::LiveView::next_frame`].
    pub async fn next_frame(&self, after: u64, wait: Duration) -> Option<Arc<PublishedFrame>> {
        self.live.next_frame(after, wait).await
    }

    /// See [`crate::live::LiveView::set_display_width`].
    pub fn set_display_width(&self, width: u32) {
        self.live.set_display_width(width)
    }
}
