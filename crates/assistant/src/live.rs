//! The live view: frames from a camera or a video file, each registered to the active pack's
//! reference photo and JPEG-encoded for the UI, which fetches them over a binary path (never as JSON
//! events).
//!
//! Two threads: *capture* reads the source as fast as it delivers and keeps only the newest frame
//! (a slow consumer drops frames instead of falling behind); *process* registers the newest frame
//! (tracking between frames, re-detecting when lost) and publishes it with its registration, so
//! the overlay drawn on a frame is always that frame's. A missing camera is a status, not an error:
//! capture retries every second and picks the camera up again when it returns.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

use image::RgbImage;
use media::camera::{open_source, CameraError, CameraSpec, FrameSource};
use media::scale::{fit_width, Downscaler};
use registration::{registration_json, ButtonBox, RegisterConfig, Registrar, Tracker};
use serde::Serialize;

/// How long capture waits before trying a missing or failed source again.
const RETRY: Duration = Duration::from_secs(1);
/// JPEG quality of the frames sent to the UI.
const JPEG_QUALITY: u8 = 80;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraState {
    Starting,
    Running,
    NoCamera,
    Lost,
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CameraStatus {
    pub source: String,
    pub status: CameraState,
    pub message: String,
    pub width: u32,
    pub height: u32,
    /// Frames published per second, measured.
    pub fps: f64,
}

/// A frame as the UI gets it.
#[derive(Debug)]
pub struct PublishedFrame {
    pub seq: u64,
    /// The camera frame's size (the registration's pixels); `jpeg` may be smaller (see
    /// [`LiveView::set_display_width`]).
    pub width: u32,
    pub height: u32,
    /// Capture time, milliseconds since the Unix epoch.
    pub captured_ms: u64,
    pub jpeg: Vec<u8>,
    /// `registration::registration_json` of this frame plus `reason` and `frame_seq`; `null`
    /// when no pack is active.
    pub registration: serde_json::Value,
}

/// The reference photo and button boxes of the active pack.
pub struct Reference {
    pub image: RgbImage,
    pub buttons: Vec<ButtonBox>,
}

struct Captured {
    seq: u64,
    captured_ms: u64,
    image: RgbImage,
}

#[derive(Default)]
struct Slots {
    captured: Mutex<Option<Captured>>,
    captured_ready: Condvar,
    /// The newest published frame: readers follow it without a lock (`watch`).
    published: watch::Sender<Option<Arc<PublishedFrame>>>,
}

type StatusListener = Box<dyn Fn(&CameraStatus) + Send + Sync>;
type FollowListener = Box<dyn Fn(&::follow::Event) + Send + Sync>;

/// The step check on live frames (follow along) and when it started.
struct Following {
    checker: ::follow::StepChecker,
    since: Instant,
}

struct Shared {
    slots: Slots,
    source: Mutex<(CameraSpec, (u32, u32))>,
    /// Bumped when the source changes: capture reopens.
    source_generation: AtomicU64,
    reference: Mutex<Option<Arc<(Registrar, Vec<ButtonBox>)>>>,
    reference_generation: AtomicU64,
    status: Mutex<CameraStatus>,
    /// The width in device pixels the UI shows frames at; 0 until it says.
    display_width: AtomicU32,
    on_status: Mutex<Option<StatusListener>>,
    following: Mutex<Option<Following>>,
    on_follow: Mutex<Option<FollowListener>>,
    /// Who waits for the next camera frame at full size ("Take photo").
    photo_requests: Mutex<Vec<std::sync::mpsc::Sender<RgbImage>>>,
    stop: AtomicBool,
}

impl Shared {
    fn set_status(&self, state: CameraState, message: String, size: Option<(u32, u32)>) {
        let changed = {
            let mut s = self.status.lock().expect("status lock");
            let source = self.source.lock().expect("source lock").0.to_string();
            let new = CameraStatus {
                source,
                status: state,
                message,
                width: size.map_or(s.width, |v| v.0),
                height: size.map_or(s.height, |v| v.1),
                fps: s.fps,
            };
            let changed =
                new.status != s.status || new.message != s.message || new.source != s.source;
            *s = new;
            changed.then(|| s.clone())
        };
        if let Some(status) = changed {
            if let Some(listener) = self.on_status.lock().expect("listener lock").as_ref() {
                listener(&status);
            }
        }
    }
}

pub struct LiveView {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// What the user reads for a source that cannot be opened.
fn explain(spec: &CameraSpec, e: &CameraError) -> (CameraState, String) {
    match e {
        CameraError::NoCamera => (
            CameraState::NoCamera,
            "No camera found. Plug one in, or choose a video file in Settings.".into(),
        ),
        CameraError::NotFound(..) => (
            CameraState::NoCamera,
            format!("{e}. Plug it in or choose another camera in Settings."),
        ),
        _ => (
            CameraState::Lost,
            format!("{spec}: {e}. Retrying; choose another camera in Settings if it persists."),
        ),
    }
}

fn capture_loop(shared: Arc<Shared>) {
    let mut source: Option<Box<dyn FrameSource>> = None;
    let mut generation = u64::MAX;
    let mut seq = 0u64;
    while !shared.stop.load(Ordering::Relaxed) {
        let current = shared.source_generation.load(Ordering::Acquire);
        if current != generation {
            source = None;
            generation = current;
        }
        let Some(src) = source.as_mut() else {
            let (spec, resolution) = shared.source.lock().expect("source lock").clone();
            shared.set_status(CameraState::Starting, format!("opening {spec}"), None);
            match open_source(&spec, resolution) {
                Ok(s) => {
                    shared.set_status(CameraState::Running, s.describe(), None);
                    source = Some(s);
                }
                Err(e) => {
                    let (state, message) = explain(&spec, &e);
                    shared.set_status(state, message, None);
                    sleep_unless_changed(&shared, generation, RETRY);
                }
            }
            continue;
        };
        match src.next_frame() {
            Ok(image) => {
                seq += 1;
                let waiting =
                    std::mem::take(&mut *shared.photo_requests.lock().expect("photo lock"));
                for request in waiting {
                    let _ = request.send(image.clone());
                }
                let mut slot = shared.slots.captured.lock().expect("capture lock");
                *slot = Some(Captured {
                    seq,
                    captured_ms: now_ms(),
                    image,
                });
                shared.slots.captured_ready.notify_all();
            }
            Err(e) => {
                let spec = shared.source.lock().expect("source lock").0.clone();
                shared.set_status(
                    CameraState::Lost,
                    format!("{spec}: {e}. Waiting for it to come back."),
                    None,
                );
                source = None;
                sleep_unless_changed(&shared, generation, RETRY);
            }
        }
    }
    shared.set_status(CameraState::Stopped, "stopped".into(), None);
}

fn sleep_unless_changed(shared: &Shared, generation: u64, total: Duration) {
    let until = Instant::now() + total;
    while Instant::now() < until
        && !shared.stop.load(Ordering::Relaxed)
        && shared.source_generation.load(Ordering::Acquire) == generation
    {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn process_loop(shared: Arc<Shared>) {
    let mut last_seq = 0u64;
    let mut tracker: Option<(u64, Tracker)> = None;
    let mut fps_window: Vec<Instant> = Vec::new();
    let mut display_scaler = Downscaler::new();
    let mut register_scaler = Downscaler::new();
    loop {
        let captured = {
            let mut slot = shared.slots.captured.lock().expect("capture lock");
            loop {
                if shared.stop.load(Ordering::Relaxed) {
                    return;
                }
                if slot.as_ref().is_some_and(|c| c.seq != last_seq) {
                    break slot.take().expect("checked");
                }
                slot = shared
                    .slots
                    .captured_ready
                    .wait_timeout(slot, Duration::from_millis(100))
                    .expect("capture lock")
                    .0;
            }
        };
        last_seq = captured.seq;
        let reference_gen = shared.reference_generation.load(Ordering::Acquire);
        let reference = shared.reference.lock().expect("reference lock").clone();
        if reference.is_none() {
            tracker = None;
        } else if tracker.as_ref().map(|t| t.0) != Some(reference_gen) {
            let r = reference.as_ref().expect("checked");
            tracker = Some((reference_gen, Tracker::new(r.0.clone())));
        }
        let (width, height) = captured.image.dimensions();
        let send_size = fit_width((width, height), send_width(&shared));
        // Registration and JPEG encoding are independent: run them side by side.
        let (registration, jpeg) = std::thread::scope(|scope| {
            let encoder = scope.spawn(|| -> std::io::Result<Vec<u8>> {
                if send_size == (width, height) {
                    return encode_jpeg(&captured.image);
                }
                let smaller = display_scaler
                    .rgb(&captured.image, send_size)
                    .map_err(std::io::Error::other)?;
                encode_jpeg(&smaller)
            });
            let registration = match (&reference, tracker.as_mut()) {
                (Some(reference), Some((_, tracker))) => {
                    register_scaled(tracker, &mut register_scaler, &captured.image).map(|reg| {
                        let mut json = registration_json(&reg, &reference.1);
                        if let Some(map) = json.as_object_mut() {
                            map.insert(
                                "reason".into(),
                                serde_json::json!(reg.reason.map(|r| r.code())),
                            );
                            map.insert("frame_seq".into(), serde_json::json!(captured.seq));
                        }
                        (json, reg.homography)
                    })
                }
                _ => Ok((serde_json::Value::Null, None)),
            };
            (registration, encoder.join().expect("JPEG encoder thread"))
        });
        // A frame swscale or the JPEG encoder failed on is dropped; the next one comes in 1/fps s.
        let (Ok((registration, homography)), Ok(jpeg)) = (registration, jpeg) else {
            continue;
        };
        check_step(&shared, &captured.image, homography.as_ref());
        let now = Instant::now();
        fps_window.push(now);
        fps_window.retain(|t| now.duration_since(*t) < Duration::from_secs(2));
        {
            let mut s = shared.status.lock().expect("status lock");
            s.fps = fps_window.len() as f64 / 2.0;
            s.width = width;
            s.height = height;
        }
        let frame = Arc::new(PublishedFrame {
            seq: captured.seq,
            width,
            height,
            captured_ms: captured.captured_ms,
            jpeg,
            registration,
        });
        shared.slots.published.send_replace(Some(frame));
    }
}

/// Follow along: the frame goes through the step check, and what it confirms or refuses goes to
/// the listener (the app's `follow` event).
fn check_step(shared: &Shared, image: &RgbImage, homography: Option<&registration::Mat3>) {
    let events = {
        let mut following = shared.following.lock().expect("follow lock");
        let Some(f) = following.as_mut() else {
            return;
        };
        let t = f.since.elapsed().as_secs_f64();
        f.checker.observe(t, image, homography)
    };
    if events.is_empty() {
        return;
    }
    if let Some(listener) = shared.on_follow.lock().expect("listener lock").as_ref() {
        for e in &events {
            listener(e);
        }
    }
}

/// Until the UI says how wide it shows frames, frames wider than this reach it scaled down to it.
const DEFAULT_SEND_WIDTH: u32 = 960;

/// Frames reach the UI at the width it shows them (no wider than the camera's): a 720p camera in
/// an 870-px live view sends 870-px JPEGs, which the webview draws without rescaling. Pixels the
/// screen cannot show would only cost JPEG work on both sides of the binary path.
/// `width`/`height` and the registration stay in camera pixels.
fn send_width(shared: &Shared) -> u32 {
    match shared.display_width.load(Ordering::Relaxed) {
        0 => DEFAULT_SEND_WIDTH,
        w => w,
    }
}

/// JPEG through libjpeg-turbo (mozjpeg with its fastest settings): about 4x cheaper than the
/// image crate's encoder, which matters with the webview decoding on the same two cores.
pub fn encode_jpeg(image: &RgbImage) -> std::io::Result<Vec<u8>> {
    let (width, height) = image.dimensions();
    let mut compress = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    compress.set_fastest_defaults();
    compress.set_size(width as usize, height as usize);
    compress.set_quality(JPEG_QUALITY as f32);
    let mut started = compress.start_compress(Vec::with_capacity((width * height / 8) as usize))?;
    started.write_scanlines(image.as_raw())?;
    started.finish()
}

/// Frames wider than this are registered at half size (or less), and the homography scaled back:
/// registration cost grows with the pixel count, the overlay needs no more precision.
const REGISTER_MAX_WIDTH: u32 = 800;

/// Registers `image` with `tracker`, downscaled to at most [`REGISTER_MAX_WIDTH`] wide; the
/// homography maps reference pixels to full-size frame pixels.
pub(crate) fn register_scaled(
    tracker: &mut Tracker,
    scaler: &mut Downscaler,
    image: &RgbImage,
) -> Result<registration::Registration, media::Error> {
    let (w, h) = image.dimensions();
    let factor = w.div_ceil(REGISTER_MAX_WIDTH).max(1);
    if factor == 1 {
        return Ok(tracker.process(&image::imageops::grayscale(image)));
    }
    let small = scaler.gray(image, (w / factor, h / factor))?;
    let mut reg = tracker.process(&small);
    if let Some(hm) = reg.homography.as_mut() {
        // [f 0 0; 0 f 0; 0 0 1] * H: small-frame pixels to full-frame pixels.
        let f = w as f64 / small.width() as f64;
        for row in hm.iter_mut().take(2) {
            for v in row.iter_mut() {
                *v *= f;
            }
        }
    }
    Ok(reg)
}

impl LiveView {
    /// Starts capturing from `spec`.
    pub fn start(spec: CameraSpec, resolution: (u32, u32)) -> Self {
        let shared = Self::shared(spec, resolution);
        let threads = vec![
            {
                let s = shared.clone();
                std::thread::Builder::new()
                    .name("live-capture".into())
                    .spawn(move || capture_loop(s))
                    .expect("spawn capture thread")
            },
            {
                let s = shared.clone();
                std::thread::Builder::new()
                    .name("live-process".into())
                    .spawn(move || process_loop(s))
                    .expect("spawn process thread")
            },
        ];
        Self { shared, threads }
    }

    /// A live view that never opens its camera (`pressnext ask` in a terminal): stopped, with no
    /// threads; the pack's reference is still kept.
    pub fn idle(spec: CameraSpec, resolution: (u32, u32)) -> Self {
        let shared = Self::shared(spec, resolution);
        shared.status.lock().expect("status").status = CameraState::Stopped;
        Self {
            shared,
            threads: Vec::new(),
        }
    }

    fn shared(spec: CameraSpec, resolution: (u32, u32)) -> Arc<Shared> {
        Arc::new(Shared {
            slots: Slots::default(),
            status: Mutex::new(CameraStatus {
                source: spec.to_string(),
                status: CameraState::Starting,
                message: String::new(),
                width: 0,
                height: 0,
                fps: 0.0,
            }),
            source: Mutex::new((spec, resolution)),
            source_generation: AtomicU64::new(0),
            reference: Mutex::new(None),
            reference_generation: AtomicU64::new(0),
            display_width: AtomicU32::new(0),
            on_status: Mutex::new(None),
            following: Mutex::new(None),
            on_follow: Mutex::new(None),
            photo_requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        })
    }

    /// Called on every change of camera state (not on every frame).
    pub fn on_status(&self, listener: impl Fn(&CameraStatus) + Send + Sync + 'static) {
        *self.shared.on_status.lock().expect("listener lock") = Some(Box::new(listener));
    }

    pub fn status(&self) -> CameraStatus {
        self.shared.status.lock().expect("status lock").clone()
    }

    /// Called with every event of the step check (follow along).
    pub fn on_follow(&self, listener: impl Fn(&::follow::Event) + Send + Sync + 'static) {
        *self.shared.on_follow.lock().expect("listener lock") = Some(Box::new(listener));
    }

    /// Checks frames against `checker`'s steps from now on (`None`: stop following).
    pub fn set_follow(&self, checker: Option<::follow::StepChecker>) {
        *self.shared.following.lock().expect("follow lock") = checker.map(|checker| Following {
            checker,
            since: Instant::now(),
        });
    }

    /// The step shown moved (Next, Back): the check goes on from step `step` (0-based).
    pub fn follow_step(&self, step: usize) {
        if let Some(f) = self.shared.following.lock().expect("follow lock").as_mut() {
            f.checker.set_current(step);
        }
    }

    /// Switches to another source (settings changed); capture reopens at once.
    pub fn set_source(&self, spec: CameraSpec, resolution: (u32, u32)) {
        let mut s = self.shared.source.lock().expect("source lock");
        if s.0 == spec && s.1 == resolution {
            return;
        }
        *s = (spec, resolution);
        self.shared.source_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The UI shows frames `width` device pixels wide (0: unknown): frames are sent no wider.
    pub fn set_display_width(&self, width: u32) {
        self.shared.display_width.store(width, Ordering::Relaxed);
    }

    /// Registers frames against `reference` from now on (`None`: no pack, no registration).
    pub fn set_reference(&self, reference: Option<Reference>) -> Result<(), registration::Error> {
        let prepared = match reference {
            Some(r) => Some(Arc::new((
                Registrar::from_rgb(&r.image, RegisterConfig::default())?,
                r.buttons,
            ))),
            None => None,
        };
        *self.shared.reference.lock().expect("reference lock") = prepared;
        // Another pack: the steps being checked were the old pack's.
        self.set_follow(None);
        self.shared
            .reference_generation
            .fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// The newest published frame if its sequence number is above `after`, waiting up to `wait`
    /// for one: for async callers (the app's frame protocol runs on Tauri's tokio runtime).
    pub async fn next_frame(&self, after: u64, wait: Duration) -> Option<Arc<PublishedFrame>> {
        let mut frames = self.shared.slots.published.subscribe();
        let newer = async {
            frames
                .wait_for(|f| f.as_ref().is_some_and(|f| f.seq > after))
                .await
                .ok()
                .and_then(|frame| frame.clone())
        };
        tokio::time::timeout(wait, newer).await.ok().flatten()
    }

    /// [`LiveView::next_frame`] for callers outside any async runtime (tests, benchmarks, the
    /// CLI): it waits on a small runtime of its own. Not for use inside an async task.
    /// The next camera frame at full size (not the smaller one the window shows), or `None`
    /// when none comes within `wait` (no camera running).
    pub fn take_photo(&self, wait: Duration) -> Option<RgbImage> {
        let (request, photo) = std::sync::mpsc::channel();
        self.shared
            .photo_requests
            .lock()
            .expect("photo lock")
            .push(request);
        photo.recv_timeout(wait).ok()
    }

    pub fn frame_after(&self, after: u64, wait: Duration) -> Option<Arc<PublishedFrame>> {
        if let Some(f) = self
            .shared
            .slots
            .published
            .borrow()
            .as_ref()
            .filter(|f| f.seq > after)
        {
            return Some(f.clone());
        }
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .ok()?
            .block_on(self.next_frame(after, wait))
    }
}

impl Drop for LiveView {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.slots.captured_ready.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
