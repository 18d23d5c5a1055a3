//! The PressNext desktop app: a thin Tauri v2 shell over [`assistant::Assistant`]. Commands in
//! [`commands`], binary paths for frames and pack files in [`protocols`], errors as `{code,
//! message}` in [`error`]. Contracts: `docs/app.md`.

pub mod commands;
pub mod error;
pub mod protocols;

use std::path::PathBuf;
use std::sync::Arc;

use assistant::{Assistant, Paths, StartOptions};
use tauri::{Emitter, Manager, Runtime};

/// Command-line options (each also read from the environment): `--camera`, `--pack`, `--model`,
/// `--data-dir`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cli {
    pub camera: Option<String>,
    pub pack: Option<PathBuf>,
    pub model: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl Cli {
    /// Parses `args` (without the program name), falling back to `PRESSNEXT_*` variables.
    pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut cli = Cli::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let (key, inline) = match arg.split_once('=') {
                Some((k, v)) => (k, Some(v.to_string())),
                None => (arg.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| it.next().cloned())
                    .ok_or_else(|| format!("{key} needs a value"))
            };
            match key {
                "--camera" => cli.camera = Some(value()?),
                "--pack" => cli.pack = Some(PathBuf::from(value()?)),
                "--model" => cli.model = Some(value()?),
                "--data-dir" => cli.data_dir = Some(PathBuf::from(value()?)),
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown option `{other}`\n{USAGE}")),
            }
        }
        let nonempty = |k: &str| env(k).filter(|v| !v.is_empty());
        cli.camera = cli.camera.or_else(|| nonempty("PRESSNEXT_CAMERA"));
        cli.pack = cli
            .pack
            .or_else(|| nonempty("PRESSNEXT_PACK").map(PathBuf::from));
        cli.model = cli.model.or_else(|| nonempty("PRESSNEXT_MODEL"));
        cli.data_dir = cli
            .data_dir
            .or_else(|| nonempty("PRESSNEXT_DATA_DIR").map(PathBuf::from));
        Ok(cli)
    }
}

pub const USAGE: &str = "usage: pressnext-app [--camera auto|file:PATH|index:N] [--pack FOLDER] [--model NAME] [--data-dir DIR]";

/// `base` (`tauri::Builder::default()`, or `tauri::test::mock_builder()` in tests) with the app's
/// commands and protocols. `start_pack` (`--pack`) is opened in the background once the window is
/// up.
pub fn builder<R: Runtime>(
    base: tauri::Builder<R>,
    assistant: Arc<Assistant>,
    start_pack: Option<PathBuf>,
) -> tauri::Builder<R> {
    let for_frames = assistant.clone();
    let for_packs = assistant.clone();
    base.manage(assistant)
        .register_asynchronous_uri_scheme_protocol("frame", move |_ctx, request, responder| {
            let a = for_frames.clone();
            // Frame requests wait for the next frame: a task on Tauri's tokio runtime, never the
            // UI thread.
            tauri::async_runtime::spawn(async move {
                responder.respond(protocols::frame(&a, &request).await)
            });
        })
        .register_asynchronous_uri_scheme_protocol("pack", move |_ctx, request, responder| {
            let a = for_packs.clone();
            std::thread::spawn(move || responder.respond(protocols::pack(&a, &request)));
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            commands::inspect_pack,
            commands::open_pack,
            commands::cancel_open,
            commands::select_pack,
            commands::remove_pack,
            commands::ask,
            commands::save_settings,
            commands::list_cameras,
            commands::list_models,
            commands::import_checkpoint,
            commands::start_training,
            commands::stop_training,
            commands::doctor,
            commands::follow,
            commands::follow_step,
            commands::new_pack,
            commands::hear_question,
            commands::stop_listening,
            commands::list_microphones,
            commands::take_photo,
            commands::save_boxes,
            commands::add_question,
            commands::packs_training_set,
            commands::say,
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            let assistant = app.state::<commands::Shared>().inner().clone();
            let camera_handle = handle.clone();
            assistant.live().on_status(move |status| {
                let _ = camera_handle.emit("camera-status", status);
            });
            let follow_handle = handle.clone();
            assistant.live().on_follow(move |event| {
                let _ = follow_handle.emit("follow", event);
            });
            if let Some(folder) = start_pack {
                let progress_handle = handle.clone();
                // Shown on the Assist view (the view the window opens on) while it encodes.
                let on_event = move |event: &assistant::EncodeEvent| {
                    let _ = progress_handle.emit("pack-opening", event);
                };
                assistant.open_start_pack(folder, on_event, move |a| {
                    let _ = handle.emit("settings-changed", a.state());
                });
            }
            Ok(())
        })
}

/// The app's Tauri context: `tauri.conf.json`, the `ui/` assets and the ACL (the app manifest of
/// `build.rs` and `capabilities/`), for the real window and for the mock runtime in tests alike, so
/// the tests' IPC calls pass the same permission checks as the window's.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Starts the assistant for `cli` with data under `default_data_dir` unless `--data-dir` says.
pub fn start_assistant(cli: &Cli, default_data_dir: PathBuf) -> assistant::Result<Arc<Assistant>> {
    let data_dir = cli.data_dir.clone().unwrap_or(default_data_dir);
    let paths = Paths {
        models_root: Paths::default_models_root(&data_dir),
        data_dir,
    };
    Ok(Arc::new(Assistant::start(
        paths,
        StartOptions {
            camera: cli.camera.clone(),
            pack: cli.pack.clone(),
            model: cli.model.clone(),
            headless: false,
        },
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_come_from_arguments_then_environment() {
        let env = |k: &str| (k == "PRESSNEXT_CAMERA").then(|| "file:/env.mp4".to_string());
        let cli = Cli::parse(&args(&["--pack", "demo/pack", "--model=mine"]), env).unwrap();
        assert_eq!(cli.camera.as_deref(), Some("file:/env.mp4"));
        assert_eq!(cli.pack, Some(PathBuf::from("demo/pack")));
        assert_eq!(cli.model.as_deref(), Some("mine"));
        let cli = Cli::parse(&args(&["--camera", "index:1"]), env).unwrap();
        assert_eq!(cli.camera.as_deref(), Some("index:1"));
        assert!(Cli::parse(&args(&["--camera"]), |_| None).is_err());
        assert!(Cli::parse(&args(&["--frobnicate"]), |_| None).is_err());
    }
}
