//! The assistant's errors. Each has a stable [`Error::code`] that the app hands to its front end
//! as `{code, message}`, so the UI can say what to do; the message names the file, field or
//! device concerned.

use std::path::PathBuf;

use media::camera::CameraError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: no such folder; pick another folder", path.display())]
    PackNotFound { path: PathBuf },
    #[error("{}: not a tutorial pack: {message}", path.display())]
    PackInvalid { path: PathBuf, message: String },
    #[error("{} holds {} appliances ({}); choose one", path.display(), appliances.len(), appliances.join(", "))]
    ChooseAppliance {
        path: PathBuf,
        appliances: Vec<String>,
    },
    #[error("opening the pack was cancelled; open it again to resume")]
    Cancelled,
    #[error("no tutorial pack is open: open one in the Library")]
    NoActivePack,
    #[error("encoder weights are missing or damaged: {0}")]
    WeightsMissing(String),
    #[error("model `{0}` not found: pick another model in Settings")]
    ModelNotFound(String),
    /// No model to answer with, and why (a message already complete; same code as
    /// `ModelNotFound`, which the front end answers by opening Settings).
    #[error("{0}")]
    ModelUnavailable(String),
    #[error("{}: {message}", path.display())]
    ModelInvalid { path: PathBuf, message: String },
    #[error("type a question first")]
    EmptyQuestion,
    #[error("this answer has no steps to follow: ask a question the tutorial covers")]
    NothingToFollow,
    #[error("{0}")]
    Camera(#[from] CameraError),
    /// No microphone to hear a question from, or nothing heard: a state the UI shows, not a fault.
    #[error("no spoken question: {0}")]
    MicrophoneUnavailable(String),
    /// A question heard in another language than the tutorial's (English).
    #[error("heard {language_name}: \u{201c}{heard}\u{201d}; this tutorial is in English: ask in English (Whisper's English: \u{201c}{english}\u{201d})")]
    OtherLanguage {
        language: String,
        language_name: String,
        heard: String,
        english: String,
    },
    /// No offline voice on this machine: steps are shown, not spoken.
    #[error("steps cannot be spoken: {0}")]
    VoiceUnavailable(String),
    #[error("a training run is already going: wait for it or stop it")]
    TrainingBusy,
    #[error("{field}: {message}")]
    TrainingInvalid { field: String, message: String },
    #[error("training failed: {0}")]
    TrainingFailed(String),
    /// A question the user adds to a pack, with the bad field (`question`, `steps[2].button`).
    #[error("{field}: {message}")]
    QuestionInvalid { field: String, message: String },
    #[error("{field}: {message}")]
    SettingsInvalid { field: String, message: String },
    #[error("{0}: choose cpu or auto in Settings")]
    DeviceUnavailable(String),
    /// A file or folder that cannot be read or written (the message names it).
    #[error(transparent)]
    Io(#[from] assistq::FileError),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The stable code the front end branches on (documented in `docs/app.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::PackNotFound { .. } => "pack.not_found",
            Error::PackInvalid { .. } => "pack.invalid",
            Error::ChooseAppliance { .. } => "pack.choose_appliance",
            Error::Cancelled => "pack.cancelled",
            Error::NoActivePack => "pack.none_active",
            Error::WeightsMissing(_) => "model.weights_missing",
            Error::ModelNotFound(_) | Error::ModelUnavailable(_) => "model.not_found",
            Error::ModelInvalid { .. } => "model.invalid",
            Error::EmptyQuestion => "question.empty",
            Error::NothingToFollow => "follow.no_steps",
            Error::Camera(CameraError::NotFound(..) | CameraError::NoCamera) => "camera.not_found",
            Error::Camera(CameraError::InvalidSpec(_)) => "settings.invalid",
            Error::Camera(CameraError::Failed(..)) => "camera.failed",
            Error::MicrophoneUnavailable(_) => "microphone.unavailable",
            Error::VoiceUnavailable(_) => "voice.unavailable",
            Error::OtherLanguage { .. } => "question.language",
            Error::TrainingBusy => "training.busy",
            Error::TrainingInvalid { .. } => "training.invalid",
            Error::TrainingFailed(_) => "training.failed",
            Error::QuestionInvalid { .. } => "question.invalid",
            Error::SettingsInvalid { .. } => "settings.invalid",
            Error::DeviceUnavailable(_) => "device.unavailable",
            Error::Io(_) => "io",
            Error::Internal(_) => "internal",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io(assistq::FileError::new(path.into(), source))
    }
}

impl From<encoders::Error> for Error {
    fn from(e: encoders::Error) -> Self {
        match e {
            encoders::Error::Weights { .. } => Error::WeightsMissing(e.to_string()),
            encoders::Error::Cancelled => Error::Cancelled,
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<q2a::Error> for Error {
    fn from(e: q2a::Error) -> Self {
        match e {
            q2a::Error::Checkpoint { path, message } => Error::ModelInvalid { path, message },
            q2a::Error::Device(message) => Error::DeviceUnavailable(message),
            q2a::Error::Encoded(encoded::Error::Io(e)) => Error::Io(e),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Internal(e.to_string())
    }
}
