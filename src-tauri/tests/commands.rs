//! The app's commands through Tauri's IPC on the mock runtime (no window), with the app's own
//! context and so its capabilities: the payloads the UI gets, every failure as `{code, message}`,
//! and every call the main window's capability does not grant refused.

use std::path::Path;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

struct TestApp {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

fn start(data: &Path) -> TestApp {
    let cli = pressnext_app::Cli {
        camera: Some("file:/nonexistent/camera.mp4".into()),
        data_dir: Some(data.to_path_buf()),
        ..Default::default()
    };
    // An empty models root: the encoder weights are "missing" for these tests.
    std::env::set_var("PRESSNEXT_MODELS", data.join("no-models"));
    let assistant = pressnext_app::start_assistant(&cli, data.to_path_buf()).unwrap();
    // The app's real context (tauri.conf.json and the ACL); the configured window is made at
    // `run`, which the mock app never reaches, so it is made here under the same label.
    let app = pressnext_app::builder(mock_builder(), assistant, None)
        .build(pressnext_app::context())
        .unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp { _app: app, webview }
}

fn invoke(app: &TestApp, cmd: &str, args: Value) -> Result<Value, Value> {
    invoke_from(app, "tauri://localhost", cmd, args)
}

/// An IPC call as the page at `url` makes it.
fn invoke_from(app: &TestApp, url: &str, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        &app.webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: url.parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

/// Whether `result` is Tauri's ACL refusal (in debug builds a sentence that names the command and
/// says "not allowed"; in release "Command ... not allowed by ACL").
fn refused_by_acl(result: &Result<Value, Value>) -> bool {
    matches!(result, Err(Value::String(message)) if message.contains("not allowed"))
}

fn code(result: Result<Value, Value>) -> String {
    let err = result.expect_err("the command should fail");
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{err}"
    );
    err["code"].as_str().unwrap().to_string()
}

#[test]
fn commands_answer_with_state_and_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let app = start(dir.path());

    let state = invoke(&app, "app_state", json!({})).unwrap();
    assert_eq!(state["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(state["device"]["active"], "cpu");
    assert_eq!(state["camera"]["source"], "file:/nonexistent/camera.mp4");
    assert_eq!(state["encoders"]["ok"], false);
    assert_eq!(state["model_error"]["code"], "model.not_found");
    assert_eq!(state["packs"], json!([]));

    // A camera file that is not there is a status, never a crash.
    let start = std::time::Instant::now();
    loop {
        let s = invoke(&app, "app_state", json!({})).unwrap();
        if s["camera"]["status"] == "no_camera" {
            assert!(s["camera"]["message"]
                .as_str()
                .unwrap()
                .contains("nonexistent"));
            break;
        }
        assert!(
            start.elapsed().as_secs() < 10,
            "camera status stayed {}",
            s["camera"]
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    assert_eq!(
        code(invoke(&app, "ask", json!({"question": "How?"}))),
        "pack.none_active"
    );
    assert_eq!(
        code(invoke(&app, "ask", json!({"question": "  "}))),
        "question.empty"
    );
    assert_eq!(
        code(invoke(
            &app,
            "inspect_pack",
            json!({"path": "/nonexistent/pack"})
        )),
        "pack.not_found"
    );
    assert_eq!(
        code(invoke(&app, "inspect_pack", json!({"path": dir.path()}))),
        "pack.invalid"
    );
    assert_eq!(
        code(invoke(&app, "select_pack", json!({"id": "0123456789ab"}))),
        "pack.not_found"
    );

    let mut settings = state["settings"].clone();
    settings["device"] = json!("gpu");
    assert_eq!(
        code(invoke(&app, "save_settings", json!({"settings": settings}))),
        "settings.invalid"
    );
    settings["device"] = json!("cuda:0");
    assert_eq!(
        code(invoke(&app, "save_settings", json!({"settings": settings}))),
        "device.unavailable"
    );
    settings["device"] = json!("cpu");
    settings["model"] = json!("nobody");
    assert_eq!(
        code(invoke(&app, "save_settings", json!({"settings": settings}))),
        "model.not_found"
    );
    settings["model"] = json!("demo");
    settings["camera"] = json!("file:/elsewhere/cam.mp4");
    let saved = invoke(&app, "save_settings", json!({"settings": settings})).unwrap();
    assert_eq!(saved["settings"]["camera"], "file:/elsewhere/cam.mp4");
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("settings.json")).unwrap())
            .unwrap();
    assert_eq!(on_disk["camera"], "file:/elsewhere/cam.mp4");

    assert_eq!(invoke(&app, "list_models", json!({})).unwrap(), json!([]));
    assert!(invoke(&app, "list_cameras", json!({})).unwrap().is_array());
    assert_eq!(
        code(invoke(
            &app,
            "import_checkpoint",
            json!({"path": "/nonexistent/q2a.safetensors", "name": "imported"})
        )),
        "model.not_found"
    );

    let request =
        json!({"dataset": dir.path(), "epochs": 0, "lr": 0.001, "batch_size": 4, "name": "x"});
    assert_eq!(
        code(invoke(
            &app,
            "start_training",
            json!({"request": request, "onEvent": "__CHANNEL__:1"})
        )),
        "training.invalid"
    );
    invoke(&app, "stop_training", json!({})).unwrap();
}

#[test]
fn opening_a_pack_without_weights_says_how_to_install_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = synth::SynthOptions::new(dir.path().join("data"), 1, 2);
    opts.video_seconds = (20, 20);
    synth::generate(&opts, &synth::NoProgress).unwrap();
    let app = start(&dir.path().join("app"));
    let inspected = invoke(
        &app,
        "inspect_pack",
        json!({"path": dir.path().join("data")}),
    )
    .unwrap();
    assert_eq!(inspected["kind"], "root");
    let err = invoke(
        &app,
        "open_pack",
        json!({"path": dir.path().join("data"), "appliance": null, "onProgress": "__CHANNEL__:2"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "model.weights_missing");
    assert!(
        err["message"].as_str().unwrap().contains("setup.sh"),
        "{err}"
    );
}

/// The names in the first `[...]`/`![...]` list after `marker` in `text`: quoted strings or
/// `commands::name` paths.
fn names_after(text: &str, marker: &str) -> Vec<String> {
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not found"))
        + marker.len();
    let list = &text[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    list.split(',')
        .map(|item| {
            item.trim()
                .trim_matches('"')
                .trim_start_matches("commands::")
                .to_string()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// The commands `generate_handler!` registers, the app manifest's list in `build.rs` and the
/// `allow-` permissions of the main window's capability are the same, and the capability grants
/// one core permission besides: listening to events.
#[test]
fn the_manifest_and_the_capability_cover_exactly_the_registered_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let registered = names_after(&read("src/lib.rs"), "generate_handler!");
    let manifest = names_after(&read("build.rs"), "const COMMANDS: &[&str] = &");
    assert_eq!(registered.len(), 25, "{registered:?}");
    assert_eq!(manifest, registered);

    let capability: Value = serde_json::from_str(&read("capabilities/default.json")).unwrap();
    assert_eq!(capability["windows"], json!(["main"]));
    assert!(capability.get("remote").is_none(), "no remote URL may call");
    let permissions: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().expect("plain permission names, no scopes"))
        .collect();
    let (core, app): (Vec<&str>, Vec<&str>) =
        permissions.iter().partition(|p| p.starts_with("core:"));
    assert_eq!(core, ["core:event:allow-listen"]);
    let expected: Vec<String> = registered
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(app, expected);
}

#[test]
fn calls_the_capability_does_not_grant_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = start(dir.path());

    // Every app command passes the ACL (its own arguments may still be wrong: `{}` is).
    let registered = names_after(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap(),
        "generate_handler!",
    );
    for command in &registered {
        let args = match command.as_str() {
            "remove_pack" | "select_pack" => json!({"id": "0123456789ab"}),
            _ => json!({}),
        };
        let result = invoke(&app, command, args);
        assert!(!refused_by_acl(&result), "{command}: {result:?}");
    }
    // Listening to the app's events is granted; a channel's data fetch needs no permission (Tauri
    // exempts it), so it fails only for want of a channel.
    let listened = invoke(
        &app,
        "plugin:event|listen",
        json!({"event": "camera-status", "target": {"kind": "Any"}, "handler": 9}),
    );
    assert!(
        listened.as_ref().is_ok_and(Value::is_number),
        "{listened:?}"
    );
    let fetched = invoke(&app, "plugin:__TAURI_CHANNEL__|fetch", json!(null));
    assert!(!refused_by_acl(&fetched) && fetched.is_err(), "{fetched:?}");

    // Core plugin commands the UI does not use, and commands that do not exist, are refused.
    for (command, args) in [
        ("plugin:window|close", json!({"label": "main"})),
        (
            "plugin:window|set_title",
            json!({"label": "main", "value": "x"}),
        ),
        (
            "plugin:webview|create_webview_window",
            json!({"options": {"label": "evil", "url": "https://example.com"}}),
        ),
        (
            "plugin:event|emit",
            json!({"event": "settings-changed", "payload": {}}),
        ),
        (
            "plugin:event|emit_to",
            json!({"target": {"kind": "Any"}, "event": "x", "payload": null}),
        ),
        (
            "plugin:event|unlisten",
            json!({"event": "camera-status", "eventId": 1}),
        ),
        ("plugin:app|version", json!({})),
        (
            "plugin:path|resolve_directory",
            json!({"directory": 1, "path": null}),
        ),
        ("plugin:resources|close", json!({"rid": 1})),
        ("plugin:shell|open", json!({"path": "https://example.com"})),
        ("delete_everything", json!({})),
    ] {
        let result = invoke(&app, command, args);
        assert!(
            refused_by_acl(&result),
            "{command} was not refused: {result:?}"
        );
    }
    assert!(
        app.webview.is_visible().is_ok(),
        "the window is still there"
    );

    // A page from elsewhere (a link that navigated the webview away) may call nothing.
    for url in ["https://example.com/", "http://localhost:1420/"] {
        let result = invoke_from(&app, url, "app_state", json!({}));
        assert!(refused_by_acl(&result), "{url}: {result:?}");
    }
}

/// The voice: `say` returns a non-silent WAV for the window to play (when the machine has the
/// speech engine), and asking by voice without a microphone is the state
/// `microphone.unavailable`, not a failure.
#[test]
fn the_voice_speaks_and_a_missing_microphone_is_a_state() {
    let dir = tempfile::tempdir().unwrap();
    let app = start(dir.path());
    let said = invoke(&app, "say", json!({"text": "Step 1 of 2: press Start."}));
    match said {
        Ok(v) => {
            assert!(v["rms"].as_f64().unwrap() > 0.02, "{v}");
            assert!(v["seconds"].as_f64().unwrap() > 0.5);
            assert!(
                v["wav_base64"].as_str().unwrap().starts_with("UklGR"),
                "a RIFF header"
            );
        }
        Err(e) => {
            assert_eq!(e["code"], "voice.unavailable", "{e}");
            testkit::repo::missing(&format!(
                "the speech engine (setup installs espeak-ng): {e}"
            ));
        }
    }
    let bad = invoke(
        &app,
        "say",
        json!({"text": "hi", "voice": {"voice": "en", "rate": 5, "volume": 100}}),
    )
    .unwrap_err();
    assert_eq!(bad["code"], "settings.invalid", "{bad}");
    let heard = invoke(&app, "hear_question", json!({"microphone": "default"})).unwrap_err();
    assert_eq!(heard["code"], "microphone.unavailable", "{heard}");
    assert!(
        heard["message"].as_str().unwrap().contains("file:PATH"),
        "{heard}"
    );
    // A microphone that is not connected is named; stopping with nothing listened to is false.
    let heard = invoke(
        &app,
        "hear_question",
        json!({"microphone": "device:No Such Microphone"}),
    )
    .unwrap_err();
    assert_eq!(heard["code"], "microphone.unavailable", "{heard}");
    assert!(
        heard["message"]
            .as_str()
            .unwrap()
            .contains("`No Such Microphone` is not connected"),
        "{heard}"
    );
    assert_eq!(
        invoke(&app, "stop_listening", json!({})).unwrap(),
        json!(false)
    );
    assert!(invoke(&app, "list_microphones", json!({}))
        .unwrap()
        .is_array());
    // No camera running here: "Take photo" says so.
    let photo = invoke(&app, "take_photo", json!({})).unwrap_err();
    assert_eq!(photo["code"], "camera.not_found", "{photo}");
}
