//! The commands the UI invokes, one per [`assistant::Assistant`] method. Work that takes more than
//! a moment runs on a blocking thread so the window never freezes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assistant::ask::Answer;
use assistant::models::ModelInfo;
use assistant::packs::{Inspection, PackDetail, PackSummary};
use assistant::settings::Settings;
use assistant::training::TrainRequest;
use assistant::CameraInfo;
use assistant::{AppState, Assistant};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::{CommandError, CommandResult};

pub type Shared = Arc<Assistant>;

/// Runs `f` on a blocking thread with the assistant.
async fn blocking<T: Send + 'static>(
    assistant: &Shared,
    f: impl FnOnce(&Assistant) -> assistant::Result<T> + Send + 'static,
) -> CommandResult<T> {
    let a = assistant.clone();
    tauri::async_runtime::spawn_blocking(move || f(&a))
        .await
        .map_err(CommandError::internal)?
        .map_err(CommandError::from)
}

#[tauri::command]
pub fn app_state(assistant: State<'_, Shared>) -> AppState {
    assistant.state()
}

#[tauri::command]
pub async fn inspect_pack(
    assistant: State<'_, Shared>,
    path: PathBuf,
) -> CommandResult<Inspection> {
    blocking(&assistant, move |a| a.inspect_pack(&path)).await
}

#[tauri::command]
pub async fn open_pack(
    assistant: State<'_, Shared>,
    path: PathBuf,
    appliance: Option<String>,
    on_progress: Channel<serde_json::Value>,
) -> CommandResult<PackSummary> {
    blocking(&assistant, move |a| {
        let forward = move |e: &assistant::EncodeEvent| {
            let _ = on_progress.send(serde_json::to_value(e).expect("events serialise"));
        };
        a.open_pack(&path, appliance.as_deref(), &forward)
    })
    .await
}

#[tauri::command]
pub fn cancel_open(assistant: State<'_, Shared>) {
    assistant.cancel_open()
}

#[tauri::command]
pub async fn select_pack(assistant: State<'_, Shared>, id: String) -> CommandResult<PackDetail> {
    blocking(&assistant, move |a| a.select_pack(&id)).await
}

#[tauri::command]
pub async fn remove_pack(assistant: State<'_, Shared>, id: String) -> CommandResult<()> {
    blocking(&assistant, move |a| a.remove_pack(&id)).await
}

#[tauri::command]
pub async fn ask(assistant: State<'_, Shared>, question: String) -> CommandResult<Answer> {
    blocking(&assistant, move |a| a.ask(&question)).await
}

#[tauri::command]
pub async fn save_settings(
    assistant: State<'_, Shared>,
    settings: Settings,
) -> CommandResult<AppState> {
    blocking(&assistant, move |a| a.save_settings(settings)).await
}

#[tauri::command]
pub async fn list_cameras(assistant: State<'_, Shared>) -> CommandResult<Vec<CameraInfo>> {
    blocking(&assistant, |a| Ok(a.list_cameras())).await
}

#[tauri::command]
pub fn list_models(assistant: State<'_, Shared>) -> Vec<ModelInfo> {
    assistant.list_models()
}

#[tauri::command]
pub async fn import_checkpoint(
    assistant: State<'_, Shared>,
    path: PathBuf,
    name: String,
) -> CommandResult<ModelInfo> {
    blocking(&assistant, move |a| a.import_checkpoint(&path, &name)).await
}

#[tauri::command]
pub fn start_training(
    assistant: State<'_, Shared>,
    request: TrainRequest,
    on_event: Channel<serde_json::Value>,
) -> CommandResult<()> {
    let forward = move |e: assistant::training::TrainingEvent| {
        let _ = on_event.send(serde_json::to_value(&e).expect("events serialise"));
    };
    assistant
        .inner()
        .start_training(request, Arc::new(forward))
        .map_err(CommandError::from)
}

#[tauri::command]
pub fn stop_training(assistant: State<'_, Shared>) {
    assistant.stop_training()
}

/// The installation report of `pressnext doctor`, and its text.
#[tauri::command]
pub async fn doctor(assistant: State<'_, Shared>) -> CommandResult<serde_json::Value> {
    blocking(&assistant, |a| {
        let report = a.doctor();
        Ok(serde_json::json!({"text": report.to_text(), "report": report}))
    })
    .await
}

/// Follow along on (checking the live camera against the last answer's steps, waiting for step
/// `step`, 0-based) or off. What the check sees arrives as `follow` events.
#[tauri::command]
pub fn follow(assistant: State<'_, Shared>, on: bool, step: usize) -> CommandResult<()> {
    if on {
        assistant.follow(step).map_err(CommandError::from)
    } else {
        assistant.stop_following();
        Ok(())
    }
}

/// The user moved to step `step` (0-based; the step count once done): the check waits for it.
#[tauri::command]
pub fn follow_step(assistant: State<'_, Shared>, step: usize) {
    assistant.follow_step(step)
}

/// Makes a pack from a tutorial video and a photo (docs/new-pack.md); progress arrives on
/// `on_progress` (`{stage: "transcribing" | "reading" | "registering" | "writing", ...}`). The
/// window then opens the folder it wrote like any other.
#[tauri::command]
pub async fn new_pack(
    assistant: State<'_, Shared>,
    video: PathBuf,
    photo: PathBuf,
    out: PathBuf,
    script: Option<PathBuf>,
    on_progress: Channel<serde_json::Value>,
) -> CommandResult<assistant::new_pack::NewPackReport> {
    blocking(&assistant, move |a| {
        let request = assistant::new_pack::NewPackRequest {
            video,
            photo,
            out,
            script,
        };
        assistant::new_pack::make_pack(&request, &a.paths().models_root, &mut |event| {
            let _ = on_progress.send(serde_json::to_value(&event).expect("events serialise"));
        })
    })
    .await
}

/// Listens to a spoken question and hears it: from `microphone`, else `PRESSNEXT_MICROPHONE`,
/// else the microphone setting (`auto`, `device:NAME`, or `file:PATH`, a recording played as if
/// spoken). With `hold` it listens until `stop_listening` (the key or button released), else
/// until the pause after the question (or `stop_listening`, Speak pressed again).
#[tauri::command]
pub async fn hear_question(
    assistant: State<'_, Shared>,
    microphone: Option<String>,
    hold: Option<bool>,
) -> CommandResult<assistant::voice::Heard> {
    blocking(&assistant, move |a| {
        a.hear_question(microphone.as_deref(), hold.unwrap_or(false))
    })
    .await
}

/// "Take photo": the camera's next frame saved as a reference photo candidate, with its
/// sharpness check.
#[tauri::command]
pub async fn take_photo(
    assistant: State<'_, Shared>,
    video: Option<String>,
) -> CommandResult<assistant::photo::TakenPhoto> {
    blocking(&assistant, move |a| {
        a.take_photo(
            video
                .filter(|v| !v.trim().is_empty())
                .as_deref()
                .map(Path::new),
        )
    })
    .await
}

/// The box editor's Save: pack `id`'s boxes on its reference photo become `boxes`; its cache is
/// dropped and the window opens `folder` again.
#[tauri::command]
pub async fn save_boxes(
    assistant: State<'_, Shared>,
    id: String,
    boxes: Vec<assistant::packs::EditedBox>,
) -> CommandResult<assistant::assistant::SavedBoxes> {
    blocking(&assistant, move |a| a.save_boxes(&id, &boxes)).await
}

/// Adds `question` with its `steps` to pack `id` (its label file); its cache is dropped and the
/// window opens `folder` again.
#[tauri::command]
pub async fn add_question(
    assistant: State<'_, Shared>,
    id: String,
    question: String,
    steps: Vec<assistant::questions::NewStep>,
) -> CommandResult<assistant::questions::AddedQuestion> {
    let new = assistant::questions::NewQuestion { question, steps };
    blocking(&assistant, move |a| a.add_question(&id, &new)).await
}

/// The training dataset of the open packs' questions with steps, to train on.
#[tauri::command]
pub async fn packs_training_set(
    assistant: State<'_, Shared>,
) -> CommandResult<assistant::questions::PacksTrainingSet> {
    blocking(&assistant, |a| a.packs_training_set()).await
}

/// Ends the question being listened to; whether one was.
#[tauri::command]
pub fn stop_listening(assistant: State<'_, Shared>) -> bool {
    assistant.stop_listening()
}

/// The system's sound inputs (none without sound hardware).
#[tauri::command]
pub async fn list_microphones(
    assistant: State<'_, Shared>,
) -> CommandResult<Vec<assistant::MicrophoneInfo>> {
    blocking(&assistant, |_| Ok(assistant::list_microphones())).await
}

/// Speaks `text` with the offline voice (`voice` settings, else the saved ones); returns the WAV
/// for the window to play and what was said.
#[tauri::command]
pub async fn say(
    assistant: State<'_, Shared>,
    text: String,
    voice: Option<assistant::VoiceSettings>,
) -> CommandResult<assistant::voice::Spoken> {
    blocking(&assistant, move |a| {
        let voice = voice.unwrap_or_else(|| a.settings().voice);
        assistant::voice::say(&text, &voice)
    })
    .await
}
