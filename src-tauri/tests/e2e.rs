//! End-to-end test of the real app window: the debug `pressnext-app` under Xvfb, driven through
//! WebDriver (tauri-driver in front of WebKitWebDriver), on the demo pack with the demo camera
//! video and the demo model. It asks a known question, checks that the overlay marks the right
//! button for the first two steps, clicks Next; asks a question the pack does not list and checks
//! the box of every step, and an unrelated one that must be answered "not covered"; then trains a
//! short run from Settings and waits for
//! its metrics; last, it switches the camera in Settings to a 1280x720 clip and measures the live
//! view's frame rate there (a figure, not a pass/fail threshold). A second test makes a pack in the
//! window with a 720p camera running and records the live view's frame rate while the pack is
//! made. Screenshots of each stage and the measured figures go to `$PRESSNEXT_E2E_ARTIFACTS`
//! (default `target/tmp/e2e`).
//!
//! Needs a display (`xvfb-run`), `tauri-driver`, `/usr/bin/WebKitWebDriver`, the encoder weights,
//! the demo pack and the demo model; `scripts/test.sh` provides all of them and sets
//! `PRESSNEXT_REQUIRE_E2E=1`, which turns a missing one into a failure instead of a skip.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The accessibility engine the audit injects, installed by the setup (`npm ci` in scripts/a11y).
const AXE: &str = "scripts/a11y/node_modules/axe-core/axe.min.js";

fn repo() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// What the test needs, or why it cannot run.
fn missing_prerequisite() -> Option<String> {
    let root = repo();
    if std::env::var_os("DISPLAY").is_none() {
        return Some("no DISPLAY (run under xvfb-run)".into());
    }
    if testkit::repo::which("tauri-driver").is_none() {
        return Some("tauri-driver not on PATH (cargo install tauri-driver --locked)".into());
    }
    if !Path::new("/usr/bin/WebKitWebDriver").is_file() {
        return Some("/usr/bin/WebKitWebDriver missing (apt-get install webkit2gtk-driver)".into());
    }
    for (path, fix) in [
        ("demo/pack/test_with_gt.json", "bash scripts/demo_pack.sh"),
        ("models/demo/q2a.safetensors", "bash scripts/demo_model.sh"),
        ("models/manifest.json", "bash scripts/setup.sh"),
        (AXE, "bash scripts/setup.sh"),
    ] {
        if !root.join(path).is_file() {
            return Some(format!("{path} missing ({fix})"));
        }
    }
    None
}

struct Driver {
    child: Child,
    artifacts: PathBuf,
    base: String,
    agent: ureq::Agent,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Driver {
    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self.agent.post(&url).send_json(body.unwrap_or(json!({}))),
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status();
        let v: Value = response.body_mut().read_json().unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {v}");
        v["value"].clone()
    }

    fn find(&self, css: &str) -> String {
        let v = self.request(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT_KEY].as_str().unwrap().to_string()
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        self.request("POST", &format!("/element/{id}/click"), None);
    }

    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.request("POST", &format!("/element/{id}/clear"), None);
        self.request(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn js(&self, script: &str) -> Value {
        self.request(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// Polls `script` until it returns something other than null/false, or fails with `what`.
    fn wait_for(&self, what: &str, timeout: Duration, script: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.js(script);
            if !(v.is_null() || v == json!(false)) {
                return v;
            }
            if start.elapsed() > timeout {
                self.screenshot(&self.artifacts, "failure.png");
                let error =
                    self.js("return document.querySelector('#error')?.textContent.trim() || ''");
                panic!("timed out after {timeout:?} waiting for {what} (error banner: {error})");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs the axe-core accessibility audit on the window's whole DOM as it is now, writes every
    /// finding to `a11y-{what}.json` among the artifacts, and fails on a serious or critical one.
    fn assert_accessible(&self, what: &str) {
        let axe = std::fs::read_to_string(repo().join(AXE)).expect("read axe-core");
        // WCAG 2.x A and AA rules plus axe's best practices; the callback is the script's last
        // argument (WebDriver's execute/async).
        let script = format!(
            "{axe}\n;const done = arguments[arguments.length - 1];\n\
             axe.run(document, {{resultTypes: ['violations']}}).then(r => done(r.violations.map(v => \
               ({{id: v.id, impact: v.impact, help: v.help, \
                 nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}})))\
             , e => done({{error: String(e)}}));"
        );
        let findings = self.request(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        );
        std::fs::write(
            self.artifacts.join(format!("a11y-{what}.json")),
            serde_json::to_string_pretty(&findings).unwrap(),
        )
        .unwrap();
        let findings = findings
            .as_array()
            .unwrap_or_else(|| panic!("the audit of {what} failed: {findings}"));
        let blocking: Vec<&Value> = findings
            .iter()
            .filter(|f| matches!(f["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            blocking.is_empty(),
            "accessibility audit of {what}: {} serious or critical findings: {}",
            blocking.len(),
            serde_json::to_string_pretty(&blocking).unwrap()
        );
        eprintln!(
            "accessibility audit of {what}: {} minor or moderate findings",
            findings.len()
        );
    }

    /// Presses Tab `presses` times (real key events through WebDriver's actions) and returns,
    /// for each focused element, its id, tag and focus outline (style and width).
    fn tab_through(&self, presses: usize) -> Value {
        self.js("document.activeElement?.blur(); window.__tabbed = []; return null");
        for _ in 0..presses {
            self.request(
                "POST",
                "/actions",
                Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                    {"type": "keyDown", "value": "\u{E004}"}, {"type": "keyUp", "value": "\u{E004}"}]}]})),
            );
            self.js(
                "const e = document.activeElement; if (e && e !== document.body) { \
                   const s = getComputedStyle(e); window.__tabbed.push({id: e.id || null, \
                   tag: e.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}); } \
                 return null",
            );
        }
        self.request("DELETE", "/actions", None);
        self.js("return window.__tabbed")
    }

    fn assert_no_error_banner(&self) {
        let banner = self.js(
            "const e = document.querySelector('#error'); return e.hidden ? null : e.textContent.trim()",
        );
        assert!(banner.is_null(), "the window shows an error: {banner}");
    }

    /// Pixels of a screenshot of the window that are the high-contrast outline's yellow.
    fn yellow_pixels(&self) -> usize {
        let shot = image::load_from_memory(&self.screenshot_png())
            .unwrap()
            .to_rgb8();
        shot.pixels()
            .filter(|p| p[0] > 225 && p[1] > 225 && p[2] < 50)
            .count()
    }

    /// The window as a PNG, once the compositor has painted the last DOM change.
    fn screenshot_png(&self) -> Vec<u8> {
        std::thread::sleep(Duration::from_millis(400));
        let b64 = self.request("GET", "/screenshot", None);
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap()
    }

    fn screenshot(&self, dir: &Path, name: &str) {
        let png = self.screenshot_png();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

/// The button of the right answer at each step of the demo pack's first question.
fn first_question() -> (String, Vec<String>) {
    let text = std::fs::read_to_string(repo().join("demo/pack/test_with_gt.json")).unwrap();
    let labels: Value = serde_json::from_str(&text).unwrap();
    let qa = &labels.as_object().unwrap().values().next().unwrap()[0];
    let buttons = qa["correct"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let answer = qa["answers"][k][c.as_u64().unwrap() as usize - 1]
                .as_str()
                .unwrap();
            let start = answer.find("<button").unwrap();
            let end = answer[start..].find('>').unwrap();
            answer[start + 1..start + end].to_string()
        })
        .collect();
    (qa["question"].as_str().unwrap().to_string(), buttons)
}

/// The demo pack's first free question with the button of each of its steps, and its first
/// unrelated question (the generator's `free_questions.json`).
fn free_questions() -> (String, Vec<String>, String) {
    let test = repo().join("demo/pack/test");
    let folder = std::fs::read_dir(&test)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("free_questions.json").is_file())
        .expect("demo pack with free_questions.json (bash scripts/demo_pack.sh)");
    let free: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("free_questions.json")).unwrap())
            .unwrap();
    let covered = &free["covered"][0];
    let buttons = covered["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["button"].as_str().unwrap().to_string())
        .collect();
    (
        covered["question"].as_str().unwrap().to_string(),
        buttons,
        free["unrelated"][0].as_str().unwrap().to_string(),
    )
}

/// The question the demo camera clip follows and the button of each of its steps (the
/// generator's `camera_truth.json`).
fn camera_question() -> (String, Vec<String>) {
    let path = repo().join("demo/pack").join(synth::CAMERA_TRUTH_FILE);
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run bash scripts/demo_pack.sh", path.display())),
    )
    .unwrap();
    let buttons = truth["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["button"].as_str().unwrap().to_string())
        .collect();
    (truth["question"].as_str().unwrap().to_string(), buttons)
}

/// The demo pack's first free question spoken by the app's voice into a WAV (the recording that
/// stands in for the microphone).
fn spoken_question(dir: &Path) -> PathBuf {
    let (question, _, _) = free_questions();
    let settings = speech::say::VoiceSettings {
        rate: 140,
        ..Default::default()
    };
    let spoken = speech::say::say(&question, &settings).expect("the speech engine (espeak-ng)");
    let wav = dir.join("question.wav");
    spoken.write_wav(&wav).unwrap();
    wav
}

/// The printed label of `button` on the demo pack's panel, from the generator's truth file.
fn demo_label(button: &str) -> String {
    let test = repo().join("demo/pack/test");
    let folder = std::fs::read_dir(&test)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join(synth::TRUTH_FILE).is_file())
        .expect("demo pack with synth_truth.json (bash scripts/demo_pack.sh)");
    synth::truth_label(&synth::read_truth(&folder).unwrap(), button).unwrap()
}

/// Resident memory of the running app, from /proc.
fn app_rss_mib() -> Option<f64> {
    let proc_dir = app_proc_dir()?;
    let status = std::fs::read_to_string(proc_dir.join("status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// `/proc/PID` of the running app.
fn app_proc_dir() -> Option<PathBuf> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
            status
                .lines()
                .next()
                .is_some_and(|l| l.ends_with("pressnext-app"))
                .then(|| entry.path())
        })
}

/// Where the app's resident memory is: the resident MiB of its mappings summed by what they map
/// (a library, `[heap]`, or anonymous memory), largest first, so that a memory figure over its
/// budget says what grew.
fn app_memory_breakdown() -> String {
    let Some(smaps) = app_proc_dir().and_then(|d| std::fs::read_to_string(d.join("smaps")).ok())
    else {
        return "no /proc/PID/smaps for the app".into();
    };
    let mut by_name: std::collections::BTreeMap<String, f64> = Default::default();
    // The largest anonymous mappings: a heap arena (64 MiB mapped), or one large allocation.
    let mut anonymous: Vec<(f64, f64)> = Vec::new();
    let mut name = String::new();
    let mut size = 0.0;
    for line in smaps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields
            .first()
            .is_some_and(|f| f.contains('-') && !f.ends_with(':'))
        {
            name = fields
                .get(5)
                .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
                .unwrap_or_else(|| "[anonymous]".into());
        } else if fields.first() == Some(&"Size:") {
            size = fields.get(1).and_then(|v| v.parse().ok()).unwrap_or(0.0) / 1024.0;
        } else if fields.first() == Some(&"Rss:") {
            let mib = fields.get(1).and_then(|v| v.parse().ok()).unwrap_or(0.0) / 1024.0;
            *by_name.entry(name.clone()).or_default() += mib;
            if name == "[anonymous]" {
                anonymous.push((mib, size));
            }
        }
    }
    let mut rows: Vec<(String, f64)> = by_name.into_iter().collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    anonymous.sort_by(|a, b| b.0.total_cmp(&a.0));
    let largest: Vec<String> = anonymous
        .iter()
        .take(12)
        .map(|(rss, size)| format!("{rss:.1} of {size:.1}"))
        .collect();
    let mut out: Vec<String> = rows
        .iter()
        .take(15)
        .map(|(n, mib)| format!("{mib:.1} MiB {n}"))
        .collect();
    out.push(format!(
        "largest anonymous mappings (MiB resident of mapped): {}",
        largest.join(", ")
    ));
    out.join("\n")
}

/// A small training dataset (3 appliances, short videos) for the Settings training run.
fn training_dataset(dir: &Path) -> PathBuf {
    let out = dir.join("train-data");
    let mut opts = synth::SynthOptions::new(&out, 3, 11);
    opts.video_seconds = (20, 20);
    synth::generate(&opts, &synth::NoProgress).unwrap();
    out
}

/// The demo camera clip scaled to 1280x720 (8 s, looped by the file source), as a 720p camera.
fn camera_720p(dir: &Path) -> PathBuf {
    let out = dir.join("camera_720p.mp4");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-t", "8", "-i"])
        .arg(repo().join("demo/pack/camera.mp4"))
        .args([
            "-vf",
            "scale=1280:720",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
        ])
        .args(["-crf", "20", "-pix_fmt", "yuv420p"])
        .arg(&out)
        .status()
        .expect("ffmpeg (installed by scripts/setup.sh)");
    assert!(status.success(), "ffmpeg could not scale the demo clip");
    out
}

/// Frames drawn per second by the live view over `seconds`, and its latency at the end.
fn measure_live_view(d: &Driver, seconds: u64) -> Value {
    let before = d.js("return window.pressnextStats.framesDrawn");
    std::thread::sleep(Duration::from_secs(seconds));
    let after = d.js("return window.pressnextStats");
    let drawn = after["framesDrawn"].as_f64().unwrap() - before.as_f64().unwrap();
    json!({
        "fps": (drawn / seconds as f64 * 10.0).round() / 10.0,
        "latency_ms": after["latencyMs"],
        "frame_width": after["frameWidth"],
    })
}

/// Why the window tests cannot run here (they fail with it under PRESSNEXT_REQUIRE_E2E=1), or
/// None; and the artifacts folder `name` under `$PRESSNEXT_E2E_ARTIFACTS` (emptied).
fn prepare(name: &str) -> Option<PathBuf> {
    if let Some(why) = missing_prerequisite() {
        if std::env::var_os("PRESSNEXT_REQUIRE_E2E").is_some_and(|v| v == "1") {
            panic!("end-to-end test cannot run: {why}");
        }
        eprintln!("skipping the end-to-end test: {why}");
        return None;
    }
    let artifacts = std::env::var_os("PRESSNEXT_E2E_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e"))
        .join(name);
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap();
    Some(artifacts)
}

/// One window at a time: the tests share the display and two cores.
static WINDOW: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Starts tauri-driver with `env` (the app's environment) and opens the app in a WebDriver
/// session; returns the driver and when the app was launched.
fn launch(artifacts: &Path, env: &[(&str, String)]) -> (Driver, Instant) {
    let root = repo();
    let (port, native_port) = (free_port(), free_port());
    let mut command = Command::new("tauri-driver");
    command
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
        .current_dir(&root)
        .env("PRESSNEXT_MODELS", root.join("models"))
        .env_remove("PRESSNEXT_MODEL")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(artifacts.join("driver.log")).unwrap());
    for (name, value) in env {
        command.env(name, value);
    }
    let child = command.spawn().expect("start tauri-driver");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while agent.get(&format!("{base}/status")).call().is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "tauri-driver did not answer"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let app = env!("CARGO_BIN_EXE_pressnext-app");
    let launched = Instant::now();
    let mut response = agent
        .post(&format!("{base}/session"))
        .send_json(json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry", "tauri:options": {"application": app}}}}))
        .unwrap();
    let session: Value = response.body_mut().read_json().unwrap();
    let session = session["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {session}"))
        .to_string();
    let d = Driver {
        child,
        artifacts: artifacts.to_path_buf(),
        base,
        agent,
        session,
    };
    // The accessibility audit runs asynchronously for a few seconds on the whole DOM.
    d.request("POST", "/timeouts", Some(json!({"script": 120_000})));
    (d, launched)
}

#[test]
fn demo_pack_question_overlay_next_and_training() {
    let Some(artifacts) = prepare("demo") else {
        return;
    };
    let _window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let root = repo();
    let scratch = tempfile::tempdir().unwrap();
    let dataset = training_dataset(scratch.path());
    let (d, launched) = launch(
        &artifacts,
        &[
            (
                "PRESSNEXT_CAMERA",
                format!("file:{}", root.join("demo/pack/camera.mp4").display()),
            ),
            (
                "PRESSNEXT_PACK",
                root.join("demo/pack").display().to_string(),
            ),
            (
                "PRESSNEXT_MICROPHONE",
                format!("file:{}", spoken_question(scratch.path()).display()),
            ),
            (
                "PRESSNEXT_DATA_DIR",
                scratch.path().join("data").display().to_string(),
            ),
        ],
    );

    // 1. The window opens on the demo pack with live frames from the demo camera video.
    d.wait_for(
        "the first live frame",
        Duration::from_secs(60),
        "return Number(document.querySelector('#live-canvas')?.dataset.frameSeq || 0) > 0",
    );
    let cold_start_s = launched.elapsed().as_secs_f64();
    // While the start pack encodes (tens of seconds on 2 cores), the Assist view says so, with
    // its progress and a Cancel button, instead of "No tutorial pack open".
    let opening = d.wait_for(
        "the start pack's opening progress on the Assist view",
        Duration::from_secs(60),
        "const o = document.querySelector('#start-opening'); \
         const t = document.querySelector('#start-opening-text')?.textContent ?? ''; \
         return o && !o.hidden && document.querySelector('#no-pack-empty').hidden && t \
           ? t : null",
    );
    assert!(
        opening.as_str().is_some_and(|t| t.contains("Reading")
            || t.contains("frames")
            || t.contains("Encoding")),
        "opening progress: {opening}"
    );
    d.screenshot(&artifacts, "0-opening.png");
    // The live view while the pack encodes and grounds in the background (both cores busy).
    let live_while_opening = measure_live_view(&d, 3);
    let still_opening =
        d.js("const o = document.querySelector('#start-opening'); return Boolean(o && !o.hidden)");
    d.wait_for(
        "the demo pack's questions (the first opening encodes it)",
        Duration::from_secs(300),
        "return document.querySelectorAll('#suggestions li').length > 0",
    );
    d.wait_for(
        "the tutorial video to load",
        Duration::from_secs(30),
        "const v = document.querySelector('#tutorial-video'); return v.readyState >= 1 && v.duration > 0",
    );
    d.screenshot(&artifacts, "1-start.png");
    d.assert_accessible("start");
    // Keyboard: Tab walks every control of the Assist view, each showing its focus (an outline).
    let walked = d.tab_through(40);
    for stop in walked.as_array().unwrap() {
        assert!(
            stop["outline"].as_str().is_some_and(|o| o != "none")
                && stop["width"].as_f64() > Some(0.0),
            "no visible focus on {stop}"
        );
    }
    let ids: Vec<&str> = walked
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for id in [
        "tab-assist",
        "question",
        "ask",
        "speak",
        "voice-offer-no",
        "follow-along",
        "script",
    ] {
        assert!(ids.contains(&id), "Tab never reached #{id}: {ids:?}");
    }
    // Text follows the system's text size: every size is in rem, so a 150 % default font (what
    // the desktop's text scaling gives the webview) makes the step text 1.5 times as large.
    let scaled = d.js(
        "const size = () => parseFloat(getComputedStyle(document.querySelector('#step-action')).fontSize); \
         const before = size(); document.documentElement.style.fontSize = '150%'; \
         const after = size(); document.documentElement.style.fontSize = ''; return after / before",
    );
    assert!(
        (scaled.as_f64().unwrap() - 1.5).abs() < 0.05,
        "step text scaled by {scaled}"
    );
    // The first run offers, once, to read the steps aloud (off by default); "Not now" keeps it off
    // and is remembered.
    assert_eq!(
        d.js("return document.querySelector('#voice-offer').hidden"),
        json!(false),
        "the first run offers to read steps aloud"
    );
    d.click("#voice-offer-no");
    d.wait_for(
        "the voice offer answered and saved",
        Duration::from_secs(10),
        "return document.querySelector('#voice-offer').hidden && \
           !document.querySelector('#speak-steps').checked",
    );
    assert_eq!(
        d.js("return document.querySelector('#start-opening').hidden"),
        json!(true),
        "the opening panel is gone once the pack is open"
    );

    // The page has no global Tauri API, and a core command its capability does not grant is
    // refused by the ACL (the commands and events above went through, so the bridge works).
    assert_eq!(d.js("return typeof window.__TAURI__"), json!("undefined"));
    d.js(
        "window.__aclProbe = null; \
         window.__TAURI_INTERNALS__.invoke('plugin:window|set_title', {label: 'main', value: 'x'}) \
           .then(() => { window.__aclProbe = 'allowed'; }, (e) => { window.__aclProbe = String(e); })",
    );
    let refusal = d.wait_for(
        "the answer to a call the capability does not grant",
        Duration::from_secs(10),
        "return window.__aclProbe",
    );
    assert!(
        refusal.as_str().is_some_and(|r| r.contains("not allowed")),
        "plugin:window|set_title: {refusal}"
    );

    // Follow along is on by default while a camera runs. The demo camera clip presses the
    // buttons of the pack's questions, so it is switched off for the steps walked by hand below
    // (2-3c), and on again for 3d.
    d.wait_for(
        "follow along on by default with the camera running",
        Duration::from_secs(20),
        "return document.querySelector('#follow-along').checked",
    );
    d.click("#follow-along");
    assert_eq!(
        d.js("return document.querySelector('#follow-along').checked"),
        json!(false)
    );

    // 2. Ask the pack's first question; the overlay marks the right button of step 1.
    let (question, right) = first_question();
    d.type_into("#question", &question);
    d.click("#ask");
    d.wait_for(
        "step 1",
        Duration::from_secs(30),
        "return document.querySelector('#step-label')?.textContent.startsWith('Step 1 of')",
    );
    // The overlay's mode, button and quad, read in one go (the next frame may change them).
    let target = |step: usize| {
        let marked = d.wait_for(
            &format!("the overlay of step {step}"),
            Duration::from_secs(10),
            "const c = document.querySelector('#live-canvas'); \
             return ['live', 'reference'].includes(c.dataset.overlay) ? \
               [c.dataset.overlay, c.dataset.targetButton, c.dataset.quad ?? null] : null",
        );
        let placement = marked[0].as_str().unwrap().to_string();
        // Placed live, it is that frame's projection of the button's box.
        if placement == "live" {
            assert!(
                marked[2]
                    .as_str()
                    .is_some_and(|q| q.split(',').count() == 8),
                "{marked}"
            );
        }
        (placement, marked[1].as_str().unwrap().to_string())
    };
    let (placement1, button1) = target(1);
    d.screenshot(&artifacts, "2-step1.png");
    d.assert_accessible("assist-step");
    assert_eq!(
        button1, right[0],
        "step 1 marks {button1}, the right button is {}",
        right[0]
    );
    let ask_to_overlay_ms = d.js("return window.pressnextStats.askToOverlayMs");
    // "Why this button?" names the script sentence the model attended to most.
    d.click("#why");
    let why = d.wait_for(
        "the reason for step 1",
        Duration::from_secs(5),
        "const t = document.querySelector('#why-sentence')?.textContent.trim(); return t || null",
    );
    assert!(why.as_str().is_some_and(|t| t.len() > 5), "{why}");
    // The step card names the control as the panel does ("Press On/Off", not "button4"), and
    // "why" quotes a sentence about that control.
    let label = demo_label(&right[0]);
    let action = d.js("return document.querySelector('#step-action').textContent");
    assert!(
        action
            .as_str()
            .is_some_and(|a| a.contains(&label) && !a.contains("button")),
        "step 1 reads {action}, the control is labelled {label}"
    );
    assert!(
        why.as_str()
            .is_some_and(|t| t.to_lowercase().contains(&label.to_lowercase())),
        "why for step 1 is {why}, not about {label}"
    );

    // Memory with the pack open, the live view running and a question answered (issue target:
    // 400 MiB); the later figure adds voice, follow along and the rest.
    let rss_pack_open = app_rss_mib();
    let memory_pack_open = app_memory_breakdown();
    std::fs::write(artifacts.join("memory-pack-open.txt"), &memory_pack_open).unwrap();
    assert!(
        rss_pack_open.is_none_or(|mib| mib <= 400.0),
        "the app holds {rss_pack_open:?} MiB with the pack open (target 400); the largest \
         parts:\n{memory_pack_open}"
    );

    // 3. Next: step 2 marks its right button.
    d.click("#next");
    d.wait_for(
        "step 2",
        Duration::from_secs(5),
        "return document.querySelector('#step-label')?.textContent.startsWith('Step 2 of')",
    );
    let (_, button2) = target(2);
    d.screenshot(&artifacts, "3-step2.png");
    assert_eq!(
        button2, right[1],
        "step 2 marks {button2}, the right button is {}",
        right[1]
    );

    // 3b. A question the demo pack does not list (the generator's free question, phrased unlike
    // any listed one): every step marks its right button, named as the panel names it.
    let (free_question, free_buttons, unrelated) = free_questions();
    d.type_into("#question", &free_question);
    d.click("#ask");
    d.wait_for(
        "step 1 of the free question",
        Duration::from_secs(30),
        &format!(
            "return document.querySelector('#step-label')?.textContent === 'Step 1 of {}'",
            free_buttons.len()
        ),
    );
    let source = d.js("return document.querySelector('#answering-as').textContent");
    assert!(
        source
            .as_str()
            .is_some_and(|t| t.starts_with("From the tutorial")),
        "{source}"
    );
    for (k, want) in free_buttons.iter().enumerate() {
        if k > 0 {
            d.click("#next");
            d.wait_for(
                &format!("free step {}", k + 1),
                Duration::from_secs(5),
                &format!(
                    "return document.querySelector('#step-label')?.textContent.startsWith('Step {} of')",
                    k + 1
                ),
            );
        }
        let (_, button) = target(k + 1);
        assert_eq!(&button, want, "free question step {}", k + 1);
        let action = d.js("return document.querySelector('#step-action').textContent");
        assert!(
            action.as_str().is_some_and(|a| !a.contains("button")),
            "free step {} reads {action}",
            k + 1
        );
    }
    d.screenshot(&artifacts, "3b-free-question.png");
    // 3b'. The same question asked by voice: the recording given as the microphone
    // (PRESSNEXT_MICROPHONE) is heard, shown in the question box and answered with the same
    // buttons; "Read aloud" speaks step 1 and the app says what it said.
    d.js("document.querySelector('#question').value = ''; return null");
    d.click("#speak");
    d.wait_for(
        "the spoken question's answer",
        Duration::from_secs(60),
        &format!(
            "return document.querySelector('#voice-status')?.textContent.startsWith('Heard:') \
             && document.querySelector('#step-label')?.textContent === 'Step 1 of {}'",
            free_buttons.len()
        ),
    );
    let heard = d.js("return document.querySelector('#question').value");
    let heard = heard.as_str().unwrap_or_default().to_string();
    let heard_wer = speech::word_error_rate(&free_question, &heard);
    assert!(
        heard_wer <= 0.3,
        "said {free_question:?}, the question box shows {heard:?} (WER {heard_wer:.2})"
    );
    let ended_by = d.js("return document.querySelector('#voice-status').dataset.endedBy");
    assert!(
        ended_by == json!("silence") || ended_by == json!("end_of_recording"),
        "{ended_by}"
    );
    let (_, button) = target(1);
    assert_eq!(&button, &free_buttons[0], "spoken question, step 1");
    // From the end of the speech to the first overlay: hearing it, then the ask.
    let spoken_timing =
        d.js("const s = window.pressnextStats; return [s.heardAfterSpeechMs, s.askToOverlayMs]");
    let spoken_to_overlay_ms =
        spoken_timing[0].as_f64().unwrap() + spoken_timing[1].as_f64().unwrap();
    d.click("#say-step");
    d.wait_for(
        "step 1 read aloud",
        Duration::from_secs(30),
        "return document.querySelector('#voice-status')?.textContent.startsWith('Said: \\u201cStep 1 of')",
    );
    d.screenshot(&artifacts, "3b-voice.png");
    // 3b''. Hold to talk (Settings): the question is what is said while `v` is held, so releasing
    // it 1.5 s into the recording hears only its first words.
    d.click("#tab-settings");
    d.click("#hold-to-talk");
    d.click("#save-settings");
    d.click("#tab-assist");
    d.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'v', bubbles: true})); return null");
    std::thread::sleep(Duration::from_millis(1500));
    d.js("document.dispatchEvent(new KeyboardEvent('keyup', {key: 'v', bubbles: true})); return null");
    d.wait_for(
        "the held question heard up to the release",
        Duration::from_secs(30),
        "return document.querySelector('#voice-status').dataset.endedBy === 'release'",
    );
    let held = d.js("return document.querySelector('#question').value");
    let held_words = held.as_str().unwrap_or_default().split_whitespace().count();
    let all_words = free_question.split_whitespace().count();
    assert!(
        held_words >= 1 && held_words < all_words,
        "held 1.5 s of a {all_words}-word question, heard {held:?}"
    );
    d.click("#tab-settings");
    d.click("#hold-to-talk");
    d.click("#save-settings");
    d.click("#tab-assist");
    // 3c. A question the tutorial does not cover: said so, and no box.
    d.type_into("#question", &unrelated);
    d.click("#ask");
    d.wait_for(
        "the not-covered answer",
        Duration::from_secs(30),
        "return document.querySelector('#answering-as')?.textContent.includes('does not seem to cover')",
    );
    d.wait_for(
        "the overlay to clear",
        Duration::from_secs(10),
        "return document.querySelector('#live-canvas').dataset.overlay === 'none'",
    );
    d.screenshot(&artifacts, "3c-not-covered.png");

    // 3d. Follow along: the demo camera clip shows a hand doing the steps of the clip's question
    // (with a wrong press and a hand passing over); asked that question, the app sees each press
    // and moves on by itself to "Done", with no click on Next. The file camera loops, so the
    // presses come round again whatever moment of the clip the question is asked at.
    // With "Speak each step" on (Settings -> Voice), what the camera saw is said before the next
    // step: "Step 1 done: On/Off. Step 2 of 3: ...".
    let (follow_question, follow_steps) = camera_question();
    d.click("#tab-settings");
    d.click("#speak-steps");
    d.click("#save-settings");
    d.click("#tab-assist");
    d.js("window.__said = []; \
          const v = document.querySelector('#voice-status'); \
          new MutationObserver(() => window.__said.push(v.textContent)) \
            .observe(v, {childList: true, characterData: true, subtree: true});");
    d.click("#follow-along");
    assert_eq!(
        d.js("return document.querySelector('#follow-along').checked"),
        json!(true)
    );
    d.js("window.__followSeen = []; \
          const s = document.querySelector('#follow-status'); \
          new MutationObserver(() => window.__followSeen.push(s.textContent)) \
            .observe(s, {childList: true, characterData: true, subtree: true});");
    let clicks_before = d.js("return window.__nextClicks = 0, 0");
    d.js("document.querySelector('#next').addEventListener('click', () => window.__nextClicks++)");
    d.type_into("#question", &follow_question);
    d.click("#ask");
    d.wait_for(
        "step 1 of the camera clip's question",
        Duration::from_secs(30),
        &format!(
            "return document.querySelector('#step-label')?.textContent === 'Step 1 of {}'",
            follow_steps.len()
        ),
    );
    let mut confirmed_at = Vec::new();
    for k in 1..follow_steps.len() {
        d.wait_for(
            &format!("step {} shown by itself after the press of step {k}", k + 1),
            Duration::from_secs(90),
            &format!(
                "return document.querySelector('#step-label')?.textContent.startsWith('Step {} of')",
                k + 1
            ),
        );
        let (_, button) = target(k + 1);
        assert_eq!(button, follow_steps[k], "follow-along step {}", k + 1);
        confirmed_at.push(d.js("return document.querySelector('#follow-status').textContent"));
    }
    d.wait_for(
        "Done after the last press",
        Duration::from_secs(90),
        "return document.querySelector('#step-label')?.textContent === 'Done'",
    );
    d.screenshot(&artifacts, "3d-follow-done.png");
    assert_eq!(
        d.js("return window.__nextClicks"),
        clicks_before,
        "nobody clicked Next"
    );
    let seen = d.js("return window.__followSeen");
    let seen_text = seen.to_string();
    // The wrong press of the clip comes while a step is waiting, whenever the question is asked.
    assert!(
        seen_text.contains("That was"),
        "the wrong press was not reported: the follow status said {seen_text}"
    );
    // The voice said the first confirmation with the step after it (later ones may be dropped
    // speaks).
    let said = d.js("return window.__said");
    let said_first = said
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .any(|t| t.starts_with("Said: \u{201c}Step 1 done: ") && t.contains(". Step 2 of "));
    assert!(said_first, "the voice said: {said}");
    eprintln!("follow along: {confirmed_at:?}; status lines {seen_text}; said {said}");

    // Let the live view run a few seconds to measure its frame rate and latency.
    std::thread::sleep(Duration::from_secs(3));
    let stats = d.js("return window.pressnextStats");
    let rss = app_rss_mib();

    // 4. Settings: a short training run finishes with per-epoch metrics.
    d.click("#tab-library");
    d.assert_accessible("library");
    // The box editor shows the open pack's boxes; with the photo focused, `n` draws one, Delete
    // removes it, Ctrl+Z twice gives back the pack's boxes (nothing left to save). Nothing is
    // saved here: the demo pack is the repository's.
    let boxes = |d: &Driver| {
        d.js("const e = document.querySelector('#box-editor'); \
              return e.hidden ? null : [Number(e.dataset.boxes), e.dataset.dirty]")
    };
    let start_boxes = boxes(&d);
    let n = start_boxes[0]
        .as_u64()
        .expect("the box editor shows the open pack");
    assert!(n >= 3, "{start_boxes}");
    let key = |key: &str, ctrl: bool| {
        d.js(&format!(
            "const c = document.querySelector('#box-canvas'); c.focus(); \
             c.dispatchEvent(new KeyboardEvent('keydown', {{key: '{key}', ctrlKey: {ctrl}, bubbles: true}})); \
             return null"
        ));
    };
    key("n", false);
    assert_eq!(boxes(&d), json!([n + 1, "true"]));
    key("ArrowRight", false);
    key("Delete", false);
    assert_eq!(boxes(&d), json!([n, "true"]));
    key("z", true);
    key("z", true);
    key("z", true);
    assert_eq!(
        boxes(&d),
        json!([n, "false"]),
        "undone back to the pack's boxes"
    );
    assert_eq!(
        d.js("return document.querySelector('#box-save').disabled"),
        json!(true)
    );
    // New pack -> Take photo: the camera's next frame at full size, sharp enough, becomes the
    // photo the pack is made from.
    d.click("#take-photo");
    let taken = d.wait_for(
        "the photo taken",
        Duration::from_secs(20),
        "const s = document.querySelector('#take-photo-status'); \
         return s.dataset.sharp ? [s.dataset.sharp, document.querySelector('#new-photo').value] : null",
    );
    assert_eq!(taken[0], "true", "{taken}");
    let photo =
        image::open(taken[1].as_str().unwrap()).expect("the photo taken is a readable JPEG");
    assert_eq!(
        (photo.width(), photo.height()),
        (640, 360),
        "the demo camera's full frame"
    );
    d.click("#tab-settings");
    d.assert_accessible("settings");
    d.type_into("#train-dataset", &dataset.display().to_string());
    d.type_into("#train-epochs", "2");
    d.type_into("#train-batch", "2");
    d.type_into("#train-name", "e2e-model");
    d.click("#train-start");
    d.wait_for(
        "training to start",
        Duration::from_secs(10),
        "return ['encoding', 'running', 'finished'].includes(document.querySelector('#train-status').dataset.state)",
    );
    d.screenshot(&artifacts, "4-training.png");
    let finished = d.wait_for(
        "training to finish",
        Duration::from_secs(600),
        "const s = document.querySelector('#train-status').dataset.state; \
         return s === 'finished' || s === 'failed' ? s : null",
    );
    d.js("document.querySelector('#train-metrics').scrollIntoView({block: 'center'})");
    d.screenshot(&artifacts, "5-trained.png");
    assert_eq!(
        finished,
        "finished",
        "{}",
        d.js("return document.querySelector('#train-status').textContent")
    );
    let rows = d.js("return document.querySelectorAll('#train-metrics tbody tr').length");
    assert_eq!(rows, json!(2), "one metrics row per epoch");

    // Nothing along the way raised an error in the window.
    d.assert_no_error_banner();

    // 5. A 720p camera, chosen in Settings: frames of that size reach the live view.
    let clip = camera_720p(scratch.path());
    d.js(
        "const c = document.querySelector('#set-camera'); c.value = 'file'; \
          c.dispatchEvent(new Event('change'))",
    );
    d.type_into("#set-camera-file", &clip.display().to_string());
    d.click("#save-settings");
    d.click("#tab-assist");
    d.wait_for(
        "frames from the 720p clip",
        Duration::from_secs(20),
        "return window.pressnextStats.frameWidth === 1280",
    );
    std::thread::sleep(Duration::from_secs(2));
    let live_720p = measure_live_view(&d, 6);
    d.screenshot(&artifacts, "6-live-720p.png");
    d.assert_no_error_banner();

    // 7. Settings: "Speak each step" still on, and the high-contrast outline, saved; asked
    // again, step 1 is read aloud as it appears, with no click on Read aloud, and outlined in
    // yellow on black (none of the demo's frames has that yellow before).
    let yellow_before = d.yellow_pixels();
    d.click("#tab-settings");
    assert_eq!(
        d.js("return document.querySelector('#speak-steps').checked"),
        json!(true),
        "Speak each step, turned on for 3d, is saved"
    );
    d.js(
        "const o = document.querySelector('#set-outline'); o.value = 'high_contrast'; \
          o.dispatchEvent(new Event('change')); return null",
    );
    d.click("#save-settings");
    d.click("#tab-assist");
    // Step 3b' left "Said: ..." there: cleared, so only this answer's speech can fill it.
    d.js("document.querySelector('#voice-status').textContent = ''; return null");
    d.type_into("#question", &free_question);
    d.click("#ask");
    d.wait_for(
        "step 1 spoken as it appears",
        Duration::from_secs(30),
        "return document.querySelector('#voice-status')?.textContent.startsWith('Said: \\u201cStep 1 of')",
    );
    d.assert_no_error_banner();
    // What was played is speech, not silence (the engine's samples, RMS 0-1).
    let rms = d.js("return Number(document.querySelector('#voice-status').dataset.rms)");
    assert!(
        rms.as_f64().is_some_and(|r| r > 0.01),
        "spoken step RMS {rms}"
    );
    d.wait_for(
        "the high-contrast outline",
        Duration::from_secs(10),
        "const c = document.querySelector('#live-canvas'); \
         return c.dataset.outline === 'high_contrast' && c.dataset.overlay !== 'none'",
    );
    let yellow_after = d.yellow_pixels();
    d.screenshot(&artifacts, "7-high-contrast.png");
    assert!(
        yellow_after > 400 && yellow_after > 20 * (yellow_before + 1),
        "high-contrast outline: {yellow_after} yellow pixels (before: {yellow_before})"
    );

    let figures = json!({
        "cold_start_to_first_frame_s": cold_start_s,
        "ask_to_first_overlay_ms": ask_to_overlay_ms,
        "live_view": stats,
        "live_view_720p": live_720p,
        "app_rss_mib": rss,
        "app_rss_mib_pack_open": rss_pack_open,
        "live_view_while_opening": {"view": live_while_opening, "still_opening_after": still_opening},
        "step1_placement": placement1,
        "high_contrast_yellow_pixels": [yellow_before, yellow_after],
        "spoken_question": {"wer": heard_wer, "end_of_speech_to_first_overlay_ms": spoken_to_overlay_ms,
            "heard_after_speech_ms": spoken_timing[0], "ask_to_overlay_ms": spoken_timing[1]},
    });
    std::fs::write(
        artifacts.join("figures.json"),
        serde_json::to_string_pretty(&figures).unwrap(),
    )
    .unwrap();
    eprintln!(
        "e2e figures: {figures}\nscreenshots: {}",
        artifacts.display()
    );
}

/// An appliance owner's first pack, made in the window: a generated appliance's tutorial video
/// with its narration spoken by espeak-ng and muxed in, and its photo; New pack transcribes it,
/// suggests the boxes, which are kept as suggested, writes the pack and opens it; a question the
/// pack never listed is asked and the box of every step is checked against the appliance's true
/// controls.
#[test]
fn a_pack_made_in_the_window_answers_a_question_it_never_listed() {
    let Some(artifacts) = prepare("new-pack") else {
        return;
    };
    let _window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let scratch = tempfile::tempdir().unwrap();
    let data = scratch.path().join("appliance");
    let mut opts = synth::SynthOptions::new(&data, 1, 4711);
    opts.video_seconds = (20, 30);
    opts.test_fraction = 0.0;
    let summary = synth::generate(&opts, &synth::NoProgress).unwrap();
    let folder = data.join("train").join(&summary.appliances[0].folder);
    let video = scratch.path().join("tutorial.mp4");
    testkit::narration::narrated_video(&folder, &video)
        .expect("espeak-ng and ffmpeg (bash scripts/setup.sh)");
    let photo = std::fs::read_dir(folder.join("images"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .unwrap();
    let out = scratch.path().join("my-pack");
    // A 720p camera runs all along: its frame rate is measured while the pack is being made.
    let camera = camera_720p(scratch.path());

    let (d, _) = launch(
        &artifacts,
        &[
            (
                "PRESSNEXT_DATA_DIR",
                scratch.path().join("data").display().to_string(),
            ),
            ("PRESSNEXT_CAMERA", format!("file:{}", camera.display())),
        ],
    );
    d.wait_for(
        "the window and its first-run voice offer",
        Duration::from_secs(60),
        "return document.querySelector('#voice-offer')?.hidden === false",
    );
    d.click("#voice-offer-no");
    d.wait_for(
        "frames from the 720p camera",
        Duration::from_secs(30),
        "return window.pressnextStats.frameWidth === 1280",
    );
    d.click("#tab-library");
    d.type_into("#new-video", &video.display().to_string());
    d.type_into("#new-photo", &photo.display().to_string());
    d.type_into("#new-out", &out.display().to_string());
    let started = Instant::now();
    d.click("#make-pack");
    // The live view at 720p, looked at, while the pack is made in the background (transcribed,
    // registered, written, then encoded and grounded): recorded, not asserted (a timed figure).
    d.click("#tab-assist");
    let live_while_making = measure_live_view(&d, 6);
    let still_making = d.js("return document.querySelector('#make-pack').disabled \
           || !document.querySelector('#encode-progress').hidden");
    d.click("#tab-library");
    // Made (transcribed, boxes suggested, written), then opened: the box editor shows its boxes.
    let suggested = d.wait_for(
        "the pack made and opened",
        Duration::from_secs(600),
        "const e = document.querySelector('#box-editor'); \
         return !e.hidden && Number(e.dataset.boxes) > 0 ? Number(e.dataset.boxes) : null",
    );
    let made_s = started.elapsed().as_secs_f64();
    d.screenshot(&artifacts, "1-made.png");
    d.assert_no_error_banner();
    // The suggested boxes are accepted as they are: nothing to save.
    assert_eq!(
        d.js("return document.querySelector('#box-editor').dataset.dirty"),
        json!("false")
    );
    let pack_folder = std::fs::read_dir(out.join("test"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .next()
        .expect("the pack's appliance folder");
    let made_boxes = testkit::boxes::csv_boxes(&pack_folder);
    assert_eq!(made_boxes.len() as u64, suggested.as_u64().unwrap());
    // Opening it ran `pressnext check`'s checks (media::check_dataset): it passed them.

    // A question the pack never listed (it lists none), from the generator's free questions.
    let free: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("free_questions.json")).unwrap())
            .unwrap();
    let asked = &free["covered"][0];
    let steps = asked["steps"].as_array().unwrap();
    let truth = testkit::boxes::csv_boxes(&folder);
    d.click("#tab-assist");
    d.type_into("#question", asked["question"].as_str().unwrap());
    d.click("#ask");
    let mut right = 0;
    let mut marked = Vec::new();
    for (k, want) in steps.iter().enumerate() {
        let button = d.wait_for(
            &format!("step {} of the new pack's answer", k + 1),
            Duration::from_secs(30),
            &format!(
                "const l = document.querySelector('#step-label')?.textContent ?? ''; \
                 const c = document.querySelector('#live-canvas'); \
                 return l.startsWith('Step {} of') && c.dataset.targetButton ? c.dataset.targetButton : null",
                k + 1
            ),
        );
        let button = button.as_str().unwrap().to_string();
        let shown = made_boxes
            .get(&button)
            .unwrap_or_else(|| panic!("step {} marks {button}, not a box of the pack", k + 1));
        let overlap = grounding::controls::iou(shown, &truth[want["button"].as_str().unwrap()]);
        right += usize::from(overlap >= 0.5);
        marked.push(json!({"step": k + 1, "button": button, "iou_with_true_control": overlap}));
        if k + 1 < steps.len() {
            d.click("#next");
        }
    }
    d.screenshot(&artifacts, "2-asked.png");
    d.assert_no_error_banner();

    // The user adds a question of their own with its two steps in the Library: it is written to
    // the pack's label file with the chosen controls marked right, and listed once reopened.
    let names: Vec<&String> = made_boxes.keys().collect();
    let (first, second) = (names[0].clone(), names[names.len() - 1].clone());
    d.click("#tab-library");
    d.wait_for(
        "the question form",
        Duration::from_secs(10),
        "return document.querySelector('#question-editor').hidden === false",
    );
    d.type_into("#question-text", "how do i switch it off");
    d.click("#question-add-step");
    let choose = |step: usize, role: &str, value: &str| {
        d.js(&format!(
            "const s = document.querySelector('#question-steps li[data-index=\"{step}\"] \
             [data-role=\"{role}\"]'); s.value = {}; \
             s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value",
            json!(value)
        ))
    };
    assert_eq!(choose(0, "button", &first), json!(first));
    assert_eq!(choose(1, "kind", "hold"), json!("hold"));
    assert_eq!(choose(1, "button", &second), json!(second));
    d.type_into(
        "#question-steps li[data-index=\"1\"] [data-role=\"seconds\"]",
        "3",
    );
    d.assert_accessible("the question form filled in");
    d.js("document.querySelector('#question-editor').scrollIntoView(); return null");
    d.screenshot(&artifacts, "3-question-form.png");
    d.click("#question-save");
    d.wait_for(
        "the pack reopened listing the added question",
        Duration::from_secs(300),
        "return [...document.querySelectorAll('#question-list li')] \
         .some(li => li.textContent === 'how do i switch it off')",
    );
    d.screenshot(&artifacts, "4-question-added.png");
    d.assert_no_error_banner();
    let labels: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("test_with_gt.json")).unwrap())
            .unwrap();
    let added = labels.as_object().unwrap().values().next().unwrap()[0].clone();
    let right_answers: Vec<&str> = (0..2)
        .map(|k| {
            let right = added["correct"][k].as_u64().unwrap() as usize;
            added["answers"][k][right - 1].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        right_answers,
        [
            format!("Press <{first}>"),
            format!("Press and hold <{second}> for 3 seconds")
        ]
    );
    assert_eq!(
        added["answers"][0].as_array().unwrap().len(),
        made_boxes.len()
    );

    let figures = json!({
        "made_and_opened_s": made_s,
        "live_view_720p_while_making": {"view": live_while_making, "still_making_after": still_making},
        "suggested_boxes": suggested,
        "question": asked["question"],
        "steps_on_the_true_control": right,
        "steps": steps.len(),
        "marked": marked,
    });
    std::fs::write(
        artifacts.join("figures.json"),
        serde_json::to_string_pretty(&figures).unwrap(),
    )
    .unwrap();
    eprintln!("new pack e2e: {figures}");
    // Every step on the appliance's true control (box overlap 0.5 or more): measured 3 of 3 on
    // this appliance (seed 4711; docs/new-pack.md).
    assert_eq!(right, steps.len(), "{figures}");
}
