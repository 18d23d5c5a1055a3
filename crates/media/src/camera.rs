//! Live frame sources: a real camera (nokhwa, V4L2 on Linux) or a video file played back in real
//! time and looped, so demos and tests run without a camera. Both sit behind [`FrameSource`]; the
//! source is named by a [`CameraSpec`] (`auto`, `index:N`, `file:PATH`), the form the app's
//! `--camera` option, `PRESSNEXT_CAMERA` and its settings share.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use image::RgbImage;
use serde::Serialize;

/// Which frame source to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraSpec {
    /// The first camera found; none is a normal state.
    Auto,
    /// Camera number `N` (`/dev/videoN` on Linux).
    Index(u32),
    /// A video file played at its own speed, looped.
    File(PathBuf),
}

impl FromStr for CameraSpec {
    type Err = CameraError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || s == "auto" {
            return Ok(CameraSpec::Auto);
        }
        if let Some(path) = s.strip_prefix("file:") {
            if path.is_empty() {
                return Err(CameraError::InvalidSpec(s.to_string()));
            }
            return Ok(CameraSpec::File(PathBuf::from(path)));
        }
        let index = s.strip_prefix("index:").unwrap_or(s);
        index
            .parse()
            .map(CameraSpec::Index)
            .map_err(|_| CameraError::InvalidSpec(s.to_string()))
    }
}

impl fmt::Display for CameraSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CameraSpec::Auto => f.write_str("auto"),
            CameraSpec::Index(i) => write!(f, "index:{i}"),
            CameraSpec::File(p) => write!(f, "file:{}", p.display()),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CameraError {
    #[error("`{0}` is not a camera: use auto, index:N or file:PATH")]
    InvalidSpec(String),
    /// No camera at all (a normal state, not a failure).
    #[error("no camera found")]
    NoCamera,
    /// The chosen camera is not there (unplugged, wrong number).
    #[error("camera {0} not found: {1}")]
    NotFound(String, String),
    /// The camera or file was there but failed.
    #[error("{0}: {1}")]
    Failed(String, String),
}

/// A camera the system reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CameraInfo {
    pub index: u32,
    pub name: String,
    pub description: String,
}

/// Cameras present now; an error of the system query counts as none.
pub fn list_cameras() -> Vec<CameraInfo> {
    match nokhwa::query(nokhwa::utils::ApiBackend::Auto) {
        Ok(list) => list
            .into_iter()
            .filter_map(|c| match c.index() {
                nokhwa::utils::CameraIndex::Index(i) => Some(CameraInfo {
                    index: *i,
                    name: c.human_name(),
                    description: c.description().to_string(),
                }),
                nokhwa::utils::CameraIndex::String(_) => None,
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Something that hands out live frames, one at a time, pacing itself to its frame rate.
pub trait FrameSource: Send {
    /// Blocks until the next frame. An error means the source is gone (unplugged, unreadable);
    /// open it again to retry.
    fn next_frame(&mut self) -> Result<RgbImage, CameraError>;
    /// What the source is, for the user (`file:...`, a camera's name).
    fn describe(&self) -> String;
    /// Nominal frames per second.
    fn fps(&self) -> f64;
}

/// Opens the source `spec` names, asking a camera for `resolution` (the closest it offers).
pub fn open_source(
    spec: &CameraSpec,
    resolution: (u32, u32),
) -> Result<Box<dyn FrameSource>, CameraError> {
    match spec {
        CameraSpec::File(path) => Ok(Box::new(VideoFileSource::open(path)?)),
        CameraSpec::Index(i) => Ok(Box::new(CameraSource::open(*i, resolution)?)),
        CameraSpec::Auto => {
            let first = list_cameras()
                .into_iter()
                .next()
                .ok_or(CameraError::NoCamera)?;
            Ok(Box::new(CameraSource::open(first.index, resolution)?))
        }
    }
}

/// A real camera through nokhwa, decoding to RGB. nokhwa's camera cannot move between threads, so
/// it lives on a capture thread of its own that hands frames over a channel.
pub struct CameraSource {
    name: String,
    fps: f64,
    frames: Receiver<Result<RgbImage, CameraError>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl CameraSource {
    pub fn open(index: u32, (width, height): (u32, u32)) -> Result<Self, CameraError> {
        use nokhwa::pixel_format::RgbFormat;
        use nokhwa::utils::{
            CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
            Resolution,
        };
        let label = format!("index:{index}");
        let (opened_tx, opened) = sync_channel::<Result<(String, f64), CameraError>>(1);
        let (tx, frames) = sync_channel(1);
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread_label = label.clone();
        let thread = std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || {
                let label = thread_label;
                let wanted =
                    CameraFormat::new(Resolution::new(width, height), FrameFormat::MJPEG, 30);
                let format =
                    RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
                let mut camera = match nokhwa::Camera::new(CameraIndex::Index(index), format) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = opened_tx.send(Err(CameraError::NotFound(label, e.to_string())));
                        return;
                    }
                };
                if let Err(e) = camera.open_stream() {
                    let _ = opened_tx.send(Err(CameraError::Failed(label, e.to_string())));
                    return;
                }
                let name = camera.info().human_name();
                let fps = camera.frame_rate().max(1) as f64;
                if opened_tx.send(Ok((name.clone(), fps))).is_err() {
                    return;
                }
                while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    let frame = camera
                        .frame()
                        .and_then(|b| b.decode_image::<RgbFormat>())
                        .map_err(|e| CameraError::Failed(name.clone(), e.to_string()));
                    let failed = frame.is_err();
                    if tx.send(frame).is_err() || failed {
                        break;
                    }
                }
                let _ = camera.stop_stream();
            })
            .map_err(|e| CameraError::Failed(label.clone(), e.to_string()))?;
        let (name, fps) = opened
            .recv()
            .map_err(|_| CameraError::Failed(label, "the camera thread stopped".into()))??;
        Ok(Self {
            name,
            fps,
            frames,
            stop,
            thread: Some(thread),
        })
    }
}

impl FrameSource for CameraSource {
    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        self.frames
            .recv()
            .map_err(|_| CameraError::Failed(self.name.clone(), "the camera stopped".into()))?
    }

    fn describe(&self) -> String {
        self.name.clone()
    }

    fn fps(&self) -> f64 {
        self.fps
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        // Unblock a pending send, then wait for the thread to release the device.
        let (_, empty) = sync_channel(0);
        drop(std::mem::replace(&mut self.frames, empty));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A video file played in real time and looped: a thread decodes a few frames ahead, and
/// [`FrameSource::next_frame`] hands each out at its presentation time.
pub struct VideoFileSource {
    path: PathBuf,
    fps: f64,
    frames: Receiver<Result<(f64, RgbImage), CameraError>>,
    /// Wall-clock instant of presentation time 0 of the current loop.
    clock: Option<Instant>,
    last_timestamp: f64,
    decoder: Option<JoinHandle<()>>,
}

impl VideoFileSource {
    pub fn open(path: &Path) -> Result<Self, CameraError> {
        let label = format!("file:{}", path.display());
        if crate::looks_like_url(path) {
            return Err(CameraError::Failed(
                label,
                crate::Error::NotLocal {
                    path: path.to_path_buf(),
                }
                .to_string(),
            ));
        }
        if !path.exists() {
            return Err(CameraError::NotFound(label, "no such file".into()));
        }
        let info =
            crate::probe(path).map_err(|e| CameraError::Failed(label.clone(), e.to_string()))?;
        // Two frames of look-ahead: enough to hide decoding jitter, little memory.
        let (tx, frames) = sync_channel(2);
        let file = path.to_path_buf();
        let decoder = std::thread::Builder::new()
            .name("video-file-source".into())
            .spawn(move || loop {
                let mut any = false;
                let result = crate::for_each_frame(&file, |frame| {
                    any = true;
                    tx.send(Ok((frame.timestamp, frame.image))).is_ok()
                });
                let failed = match result {
                    Err(e) => Some(e.to_string()),
                    Ok(_) if !any => Some("no frames".to_string()),
                    Ok(_) => None,
                };
                if let Some(message) = failed {
                    let _ = tx.send(Err(CameraError::Failed(
                        format!("file:{}", file.display()),
                        message,
                    )));
                    return;
                }
                // The loop ends when the receiver is dropped: the next send fails.
                if tx
                    .send(Ok((f64::NEG_INFINITY, RgbImage::new(0, 0))))
                    .is_err()
                {
                    return;
                }
            })
            .map_err(|e| CameraError::Failed(label, e.to_string()))?;
        Ok(Self {
            path: path.to_path_buf(),
            fps: if info.fps > 0.0 { info.fps } else { 30.0 },
            frames,
            clock: None,
            last_timestamp: 0.0,
            decoder: Some(decoder),
        })
    }
}

impl FrameSource for VideoFileSource {
    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        loop {
            let (timestamp, image) = self.frames.recv().map_err(|_| {
                CameraError::Failed(self.describe(), "the decoder stopped".into())
            })??;
            if timestamp == f64::NEG_INFINITY {
                // End of one pass: the next frame starts the clock again.
                self.clock = None;
                continue;
            }
            let now = Instant::now();
            let start = *self.clock.get_or_insert_with(|| {
                now.checked_sub(Duration::from_secs_f64(timestamp.max(0.0)))
                    .unwrap_or(now)
            });
            let due = start + Duration::from_secs_f64(timestamp.max(0.0));
            if due > now {
                std::thread::sleep(due - now);
            } else if now.duration_since(due) > Duration::from_millis(500) {
                // Fell far behind (the consumer paused): resynchronise instead of racing.
                self.clock = Some(now - Duration::from_secs_f64(timestamp.max(0.0)));
            }
            self.last_timestamp = timestamp;
            return Ok(image);
        }
    }

    fn describe(&self) -> String {
        format!("file:{}", self.path.display())
    }

    fn fps(&self) -> f64 {
        self.fps
    }
}

impl Drop for VideoFileSource {
    fn drop(&mut self) {
        // Dropping the receiver makes the decoder's next send fail, which ends its thread.
        let (_, empty) = sync_channel(0);
        drop(std::mem::replace(&mut self.frames, empty));
        if let Some(handle) = self.decoder.take() {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        for (text, spec) in [
            ("auto", CameraSpec::Auto),
            ("", CameraSpec::Auto),
            ("index:2", CameraSpec::Index(2)),
            ("0", CameraSpec::Index(0)),
            ("file:/tmp/a b.mp4", CameraSpec::File("/tmp/a b.mp4".into())),
        ] {
            assert_eq!(text.parse::<CameraSpec>().unwrap(), spec, "{text}");
        }
        assert_eq!(CameraSpec::Index(3).to_string(), "index:3");
        assert!(matches!(
            "webcam".parse::<CameraSpec>(),
            Err(CameraError::InvalidSpec(_))
        ));
        assert!("file:".parse::<CameraSpec>().is_err());
    }

    #[test]
    fn a_missing_camera_is_a_typed_error() {
        // No /dev/video* here (nor on CI): the absent camera must come back as an error value.
        if !list_cameras().is_empty() {
            return;
        }
        assert!(matches!(
            open_source(&CameraSpec::Auto, (1280, 720)),
            Err(CameraError::NoCamera)
        ));
        assert!(matches!(
            open_source(&CameraSpec::Index(7), (1280, 720)),
            Err(CameraError::NotFound(..))
        ));
    }

    #[test]
    fn a_missing_file_is_not_found() {
        assert!(matches!(
            open_source(&CameraSpec::File("/nonexistent/cam.mp4".into()), (640, 480)),
            Err(CameraError::NotFound(..))
        ));
    }

    #[test]
    fn a_url_is_refused_not_fetched() {
        let spec: CameraSpec = "file:http://127.0.0.1:9/cam.mp4".parse().unwrap();
        match open_source(&spec, (640, 480)) {
            Err(CameraError::Failed(label, message)) => {
                assert!(label.contains("http://127.0.0.1:9/cam.mp4"), "{label}");
                assert!(message.contains("local files only"), "{message}");
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a URL opened"),
        }
    }
}
