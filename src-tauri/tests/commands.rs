//! The app's commands through Tauri's IPC on the mock runtime (no window): the payloads the UI
//! gets, and every failure as `{code, message}`.

use std::path::Path;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
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
    let app = pressnext_app::builder(mock_builder(), assistant, None)
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp { _app: app, webview }
}

fn invoke(app: &TestApp, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        &app.webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
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
