//! Video files → upright RGB frames, decoded with the system FFmpeg through
//! `ffmpeg-next`.
//!
//! * [`probe`] reads the stream facts (size after rotation, frame rate,
//!   duration, rotation, frame count) without decoding pictures.
//! * [`sample_frames`] picks frames the way the AssistQ encoder does
//!   (`frames[::stride]`, `stride = int(video_fps / fps)`), see
//!   `docs/q2a.md` §2.2.
//! * [`for_each_frame`] hands every frame to a callback, for playing a file as
//!   if it were a camera.
//!
//! Colour conversion is swscale's YUV → RGB24 with its default (BT.601)
//! coefficients, which is what PyAV/torchvision (the reference encoder) and
//! the `ffmpeg -pix_fmt rgb24` command line produce for untagged SD video.
//! Rotation comes from the stream's display matrix (or the legacy `rotate`
//! tag) and is applied to every returned image, so callers always see the
//! picture the way a player would show it. Non-square pixels are not
//! resampled (the reference encoder does not either).

use std::path::{Path, PathBuf};
use std::sync::Once;

use ffmpeg_next as ffmpeg;

use ffmpeg::codec::packet::side_data::Type as SideDataType;
use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg::util::frame;
use image::RgbImage;

use crate::Error;

/// Facts about a file's video stream.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// Width of the upright picture (already swapped for 90°/270° rotations).
    pub width: u32,
    /// Height of the upright picture (already swapped for 90°/270° rotations).
    pub height: u32,
    /// Average frame rate of the stream (the `video_fps` torchvision reports).
    pub fps: f64,
    /// Duration in seconds, when the container knows it.
    pub duration: Option<f64>,
    /// Degrees clockwise the coded picture is turned to display upright:
    /// 0, 90, 180 or 270.
    pub rotation: i32,
    /// Number of frames the container declares (mp4/mov do; mkv/webm usually
    /// do not).
    pub frame_count: Option<u64>,
}

/// One decoded frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Position of the frame in decoding output order, counting from 0.
    pub index: u64,
    /// Presentation time in seconds relative to the start of the stream.
    pub timestamp: f64,
    /// The picture, rotated upright.
    pub image: RgbImage,
}

/// The result of [`sample_frames`].
#[derive(Debug, Clone)]
pub struct SampledVideo {
    pub info: VideoInfo,
    /// Frames `0, stride, 2*stride, ...` in order.
    pub frames: Vec<Frame>,
    /// The sampling step that was used, in frames.
    pub stride: usize,
    /// Problems that did not stop sampling (a truncated or corrupt file);
    /// empty for a clean file.
    pub warnings: Vec<String>,
}

/// Reads the video stream's facts without decoding any picture.
pub fn probe(path: &Path) -> Result<VideoInfo, Error> {
    Ok(OpenVideo::open(path)?.info)
}

/// Frames `[::stride]` with `stride = max(1, floor(video_fps / fps))`, as the
/// AssistQ encoder samples them, rotated upright per the stream's display
/// matrix / `rotate` tag.
///
/// A file that is not a video (or has no video stream) gives an error naming
/// the file. A truncated or corrupt file gives `Ok` with the frames that could
/// be read and a warning in [`SampledVideo::warnings`] saying where decoding
/// stopped, provided at least one frame decoded; otherwise an error.
pub fn sample_frames(path: &Path, fps: f64) -> Result<SampledVideo, Error> {
    let mut frames = Vec::new();
    let sampled = for_each_sampled_frame(path, fps, |frame| {
        frames.push(frame);
        true
    })?;
    Ok(SampledVideo {
        info: sampled.info,
        frames,
        stride: sampled.stride,
        warnings: sampled.warnings,
    })
}

/// What [`for_each_sampled_frame`] read, without the frames.
#[derive(Debug, Clone)]
pub struct SamplingOutcome {
    pub info: VideoInfo,
    pub stride: usize,
    pub warnings: Vec<String>,
}

/// [`sample_frames`] without holding every frame in memory: `f` gets each sampled frame in order
/// (and may stop the decoding by returning `false`), so a long 1080p video costs one frame of
/// memory, not all of them.
pub fn for_each_sampled_frame(
    path: &Path,
    fps: f64,
    f: impl FnMut(Frame) -> bool,
) -> Result<SamplingOutcome, Error> {
    if !(fps.is_finite() && fps > 0.0) {
        return Err(Error::InvalidArgument {
            path: path.to_path_buf(),
            message: format!(
                "sampling rate must be a positive number of frames per second, got {fps}"
            ),
        });
    }
    let mut video = OpenVideo::open(path)?;
    let stride = sampling_stride(video.info.fps, fps);
    let outcome = video.decode(|index| index % stride as u64 == 0, f)?;
    Ok(SamplingOutcome {
        info: video.info,
        stride,
        warnings: outcome.warnings,
    })
}

/// Decodes every frame, calling `f` for each in order (for camera-like
/// playback of a file); stops early when `f` returns `false`.
///
/// A truncated or corrupt file ends playback where decoding stops; it is an
/// error only when not a single frame could be decoded.
pub fn for_each_frame(path: &Path, mut f: impl FnMut(Frame) -> bool) -> Result<VideoInfo, Error> {
    let mut video = OpenVideo::open(path)?;
    video.decode(|_| true, &mut f)?;
    Ok(video.info)
}

/// The AssistQ encoder's sampling step: `int(video_fps / fps)`, but never 0
/// (a video slower than the requested rate keeps every frame).
pub fn sampling_stride(video_fps: f64, fps: f64) -> usize {
    let ratio = (video_fps / fps).floor();
    if ratio.is_finite() && ratio >= 1.0 {
        ratio as usize
    } else {
        1
    }
}

/// Degrees clockwise to turn a picture so it displays upright, from an FFmpeg
/// display matrix (nine 16.16/2.30 fixed-point numbers, row-major).
///
/// `av_display_rotation_get` returns the counterclockwise angle
/// `-atan2(b, a)`; the rotation to apply clockwise is its negation. The result
/// is snapped to a multiple of 90 because only those can be applied without
/// resampling. Returns `None` for a degenerate matrix.
pub fn clockwise_rotation_from_display_matrix(matrix: &[i32; 9]) -> Option<i32> {
    let fixed = |v: i32| f64::from(v) / 65536.0;
    let scale_x = fixed(matrix[0]).hypot(fixed(matrix[3]));
    let scale_y = fixed(matrix[1]).hypot(fixed(matrix[4]));
    if scale_x == 0.0 || scale_y == 0.0 {
        return None;
    }
    let counterclockwise = -(fixed(matrix[1]) / scale_y)
        .atan2(fixed(matrix[0]) / scale_x)
        .to_degrees();
    Some(snap_to_quarter_turn(-counterclockwise))
}

fn snap_to_quarter_turn(degrees: f64) -> i32 {
    let quarter_turns = (degrees / 90.0).round() as i64;
    (quarter_turns.rem_euclid(4) * 90) as i32
}

pub(crate) fn init_ffmpeg() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Registration is a no-op on FFmpeg >= 4 but harmless; the log level
        // keeps libav's per-packet chatter (warnings about damaged streams we
        // already report through `warnings`) off the assistant's stderr.
        let _ = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Error);
    });
}

/// The container formats PressNext reads, as FFmpeg demuxer names (its `format_whitelist`):
/// `mov` is FFmpeg's one demuxer for mp4, mov, m4a and 3gp; `matroska` reads mkv and webm. The
/// AssistQ folders hold `video.mp4` or `video.mov`, the generator and the tests write mp4.
/// Everything else is refused before its demuxer reads a byte past the probe, above all the
/// playlist and script demuxers (`hls`, `concat`, ...) that open further files or URLs.
pub const ALLOWED_DEMUXERS: &str = "mov,mp4,matroska,webm,avi";

/// What [`ALLOWED_DEMUXERS`] means for a user.
const ALLOWED_FORMATS_TEXT: &str = "MP4/MOV, Matroska/WebM or AVI";

/// The only protocol FFmpeg may use, for the file itself and anything a demuxer opens
/// (`protocol_whitelist`): no network, no `concat:`, `subfile:`, `pipe:` or `data:` URLs.
const ALLOWED_PROTOCOLS: &str = "file";

/// Whether `path` reads as a URL (`scheme://...`, the scheme being a letter then letters,
/// digits, `+`, `-` or `.`). Such paths are refused: videos come from local files only.
pub fn looks_like_url(path: &Path) -> bool {
    let text = path.to_string_lossy();
    let Some((scheme, _)) = text.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Whether one of the names of demuxer `name` (FFmpeg lists aliases with commas, such as
/// `mov,mp4,m4a,3gp,3g2,mj2`) is in [`ALLOWED_DEMUXERS`].
fn demuxer_allowed(name: &str, allowed_demuxers: &str) -> bool {
    name.split(',')
        .any(|n| allowed_demuxers.split(',').any(|allowed| allowed == n))
}

/// The options every input is opened with: local files only, allowed containers only.
fn input_options(allowed_demuxers: &str) -> ffmpeg::Dictionary<'_> {
    let mut options = ffmpeg::Dictionary::new();
    options.set("protocol_whitelist", ALLOWED_PROTOCOLS);
    options.set("format_whitelist", allowed_demuxers);
    options
}

/// The containers an input may be: FFmpeg demuxer names, and how to say them to a user.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Containers {
    pub demuxers: &'static str,
    pub text: &'static str,
    /// What the file should have been ("a video container", "a video or audio container").
    pub kind: &'static str,
}

/// The containers a video is read from.
pub(crate) const VIDEO_CONTAINERS: Containers = Containers {
    demuxers: ALLOWED_DEMUXERS,
    text: ALLOWED_FORMATS_TEXT,
    kind: "a video container",
};

/// Why [`open_local_input`] failed: refused by our own rules, or FFmpeg's error.
pub(crate) enum OpenError {
    Refused(Error),
    Ffmpeg(ffmpeg::Error),
}

/// Opens the local file `path` for demuxing: as a `file:` URL (so no part of the name can pick
/// another protocol), with [`input_options`]. A container outside [`ALLOWED_DEMUXERS`] is
/// refused with its name.
pub(crate) fn open_local_input(
    path: &Path,
    containers: Containers,
) -> Result<ffmpeg::format::context::Input, OpenError> {
    let refused = |message: String| {
        OpenError::Refused(Error::NotAVideo {
            path: path.to_path_buf(),
            message,
        })
    };
    // ffmpeg-next passes names to FFmpeg as UTF-8 (and panics on anything else).
    let Some(name) = path.to_str() else {
        return Err(OpenError::Refused(Error::Open {
            path: path.to_path_buf(),
            message: "its name is not valid UTF-8, which FFmpeg cannot be given".into(),
        }));
    };
    if name.contains('\0') {
        return Err(refused("its name contains a NUL byte".into()));
    }
    let not_allowed = |format: &str| {
        format!(
            "its format is FFmpeg's `{format}`, not {} PressNext reads \
             ({}); playlists and scripts are refused whatever their name",
            containers.kind, containers.text
        )
    };
    match ffmpeg::format::input_with_dictionary(
        &format!("file:{name}"),
        input_options(containers.demuxers),
    ) {
        Ok(input) => {
            // The whitelist already held; checked again so that a change of FFmpeg's rules
            // cannot let another demuxer through unnoticed.
            let format = input.format().name().to_string();
            if demuxer_allowed(&format, containers.demuxers) {
                Ok(input)
            } else {
                Err(refused(not_allowed(&format)))
            }
        }
        Err(e) => match detected_demuxer(path) {
            // FFmpeg's refusal of a format off the whitelist is a bare EINVAL: say which.
            Some(format) if !demuxer_allowed(&format, containers.demuxers) => {
                Err(refused(not_allowed(&format)))
            }
            _ => Err(OpenError::Ffmpeg(e)),
        },
    }
}

/// The demuxer FFmpeg's probe picks for the start of `path` (its first MiB, a score above
/// FFmpeg's retry threshold, as `avformat_open_input` asks), without opening it: only to name
/// the format in an error.
fn detected_demuxer(path: &Path) -> Option<String> {
    use std::ffi::{CStr, CString};
    use std::io::Read;

    const PROBE_BYTES: u64 = 1 << 20;
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(PROBE_BYTES)
        .read_to_end(&mut buf)
        .ok()?;
    let size = buf.len();
    // The probe functions may read up to AVPROBE_PADDING_SIZE bytes past the data.
    buf.resize(size + ffmpeg::ffi::AVPROBE_PADDING_SIZE as usize, 0);
    let filename = CString::new(path.to_str()?).ok()?;
    let probe = ffmpeg::ffi::AVProbeData {
        filename: filename.as_ptr(),
        buf: buf.as_mut_ptr(),
        buf_size: size as _,
        mime_type: std::ptr::null(),
    };
    // AVPROBE_SCORE_RETRY (AVPROBE_SCORE_MAX / 4), the score avformat_open_input wants from
    // a probe of less than the whole probe size.
    let mut score = ffmpeg::ffi::AVPROBE_SCORE_MAX / 4;
    // SAFETY: `probe` points at `buf` (its data plus the zeroed padding FFmpeg requires) and at
    // `filename`, both alive for the call; the result is a static demuxer description or null.
    let format = unsafe { ffmpeg::ffi::av_probe_input_format2(&probe, 1, &mut score) };
    if format.is_null() {
        return None;
    }
    // SAFETY: a demuxer's `name` is a static NUL-terminated string.
    let name = unsafe { CStr::from_ptr((*format).name) };
    Some(name.to_string_lossy().into_owned())
}

/// An opened file with its video decoder, ready to decode.
struct OpenVideo {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    stream_index: usize,
    decoder: ffmpeg::decoder::Video,
    time_base: f64,
    start_pts: Option<i64>,
    info: VideoInfo,
}

/// What a decoding pass saw besides the frames it delivered.
struct DecodeOutcome {
    warnings: Vec<String>,
}

impl OpenVideo {
    fn open(path: &Path) -> Result<Self, Error> {
        init_ffmpeg();
        let path_buf = path.to_path_buf();
        // Before anything touches the file system: FFmpeg would read a URL through its network
        // protocols, and a local file named like one does not exist anyway.
        if looks_like_url(path) {
            return Err(Error::NotLocal { path: path_buf });
        }
        // Checked here so that a missing file is an I/O error with the OS's
        // own reason rather than FFmpeg's generic one.
        let metadata = std::fs::metadata(path)
            .map_err(|source| Error::Io(assistq::FileError::new(path_buf.clone(), source)))?;
        if metadata.is_dir() {
            return Err(Error::NotAVideo {
                path: path_buf,
                message: "it is a directory".into(),
            });
        }
        // A pipe or a device would make FFmpeg wait for data that may never come.
        if !metadata.is_file() {
            return Err(Error::NotAVideo {
                path: path_buf,
                message: "it is not a regular file (a pipe, a socket or a device)".into(),
            });
        }

        let input = open_local_input(path, VIDEO_CONTAINERS).map_err(|e| match e {
            OpenError::Refused(e) => e,
            OpenError::Ffmpeg(e @ ffmpeg::Error::InvalidData) => Error::NotAVideo {
                path: path_buf.clone(),
                // A truncated mp4 whose index was at the end lands here too,
                // so the message does not claim more than FFmpeg knows.
                message: format!(
                    "FFmpeg cannot read it as media ({e}); it may also be a damaged or truncated video"
                ),
            },
            OpenError::Ffmpeg(e) => Error::Open {
                path: path_buf.clone(),
                message: e.to_string(),
            },
        })?;

        let stream = input
            .streams()
            .best(ffmpeg::media::Type::Video)
            .ok_or_else(|| Error::NotAVideo {
                path: path_buf.clone(),
                message: "it has no video stream".into(),
            })?;
        let stream_index = stream.index();
        let time_base = rational_to_f64(stream.time_base()).unwrap_or(0.0);
        let start_pts = Some(stream.start_time()).filter(|&t| t != ffmpeg::ffi::AV_NOPTS_VALUE);

        // torchvision reports `stream.average_rate`, i.e. avg_frame_rate; the
        // real base rate is only a fallback for streams that lack it.
        let fps = rational_to_f64(stream.avg_frame_rate())
            .or_else(|| rational_to_f64(stream.rate()))
            .ok_or_else(|| Error::Open {
                path: path_buf.clone(),
                message: "the video stream declares no frame rate".into(),
            })?;

        let rotation = stream_rotation(&stream);
        let frame_count = u64::try_from(stream.frames()).ok().filter(|&n| n > 0);
        let duration = if stream.duration() > 0 && time_base > 0.0 {
            Some(stream.duration() as f64 * time_base)
        } else if input.duration() > 0 {
            Some(input.duration() as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE))
        } else {
            None
        };

        let mut codec_context = ffmpeg::codec::Context::from_parameters(stream.parameters())
            .map_err(|e| Error::Open {
                path: path_buf.clone(),
                message: format!("cannot set up the video decoder: {e}"),
            })?;
        // Frame threading with an automatic thread count: the appliance has
        // only a couple of cores, and decoding dominates sampling time.
        codec_context.set_threading(ffmpeg::codec::threading::Config {
            kind: ffmpeg::codec::threading::Type::Frame,
            count: 0,
            ..Default::default()
        });
        let decoder = codec_context.decoder().video().map_err(|e| Error::Open {
            path: path_buf.clone(),
            message: format!("cannot open the video decoder: {e}"),
        })?;

        let (coded_width, coded_height) = (decoder.width(), decoder.height());
        let (width, height) = if rotation % 180 == 90 {
            (coded_height, coded_width)
        } else {
            (coded_width, coded_height)
        };

        Ok(OpenVideo {
            path: path_buf,
            input,
            stream_index,
            decoder,
            time_base,
            start_pts,
            info: VideoInfo {
                width,
                height,
                fps,
                duration,
                rotation,
                frame_count,
            },
        })
    }

    /// Decodes the whole stream in order. Frames for which `wants(index)` is
    /// true are converted to upright RGB and passed to `deliver`; the rest are
    /// only counted, which keeps sampling cheap. Stops when `deliver` returns
    /// false.
    fn decode(
        &mut self,
        mut wants: impl FnMut(u64) -> bool,
        mut deliver: impl FnMut(Frame) -> bool,
    ) -> Result<DecodeOutcome, Error> {
        let mut state = DecodeState {
            path: &self.path,
            converter: RgbConverter::default(),
            decoded: frame::Video::empty(),
            frames_decoded: 0,
            last_timestamp: None,
            decode_errors: 0,
            first_decode_error: None,
            stopped_by_caller: false,
            time_base: self.time_base,
            start_pts: self.start_pts,
            fps: self.info.fps,
            rotation: self.info.rotation,
        };

        let mut read_error = None;
        let mut packet = ffmpeg::Packet::empty();
        loop {
            match packet.read(&mut self.input) {
                Ok(()) => {}
                Err(ffmpeg::Error::Eof) => break,
                Err(e) => {
                    read_error = Some(e);
                    break;
                }
            }
            if packet.stream() != self.stream_index {
                continue;
            }
            if let Err(e) = self.decoder.send_packet(&packet) {
                // A damaged packet: note it and carry on, the decoder resyncs
                // at the next keyframe.
                state.note_decode_error(e);
                continue;
            }
            state.drain(&mut self.decoder, &mut wants, &mut deliver)?;
            if state.stopped_by_caller {
                break;
            }
        }
        if !state.stopped_by_caller {
            // Frame threading and B-frames keep pictures inside the decoder;
            // flushing hands out the last ones.
            if self.decoder.send_eof().is_ok() {
                state.drain(&mut self.decoder, &mut wants, &mut deliver)?;
            }
        }

        let mut warnings = Vec::new();
        let where_stopped = match state.last_timestamp {
            Some(t) => format!(
                "decoding stopped after frame {} (t = {t:.3} s)",
                state.frames_decoded.saturating_sub(1)
            ),
            None => "no frame decoded".to_string(),
        };
        let of_expected = match self.info.frame_count {
            Some(n) => format!(" of {n} declared frames"),
            None => String::new(),
        };
        if let Some(e) = &read_error {
            warnings.push(format!(
                "{}: reading failed ({e}); {where_stopped}, {} frames decoded{of_expected}",
                self.path.display(),
                state.frames_decoded
            ));
        } else if !state.stopped_by_caller {
            if let Some(expected) = self.info.frame_count {
                if state.frames_decoded < expected {
                    warnings.push(format!(
                        "{}: file ends early (truncated?): {where_stopped}, {} frames decoded{of_expected}",
                        self.path.display(),
                        state.frames_decoded
                    ));
                }
            }
        }
        if state.decode_errors > 0 {
            warnings.push(format!(
                "{}: {} damaged packet(s) could not be decoded (first: {})",
                self.path.display(),
                state.decode_errors,
                state
                    .first_decode_error
                    .as_deref()
                    .unwrap_or("unknown error")
            ));
        }

        if state.frames_decoded == 0 && !state.stopped_by_caller {
            let message = if warnings.is_empty() {
                "the video stream contains no decodable frame".to_string()
            } else {
                warnings.join("; ")
            };
            return Err(Error::Decode {
                path: self.path.clone(),
                message,
            });
        }
        Ok(DecodeOutcome { warnings })
    }
}

/// Mutable bookkeeping of one decoding pass, kept apart from [`OpenVideo`] so
/// the decoder can be borrowed at the same time.
struct DecodeState<'a> {
    path: &'a Path,
    converter: RgbConverter,
    decoded: frame::Video,
    frames_decoded: u64,
    last_timestamp: Option<f64>,
    decode_errors: u64,
    first_decode_error: Option<String>,
    stopped_by_caller: bool,
    time_base: f64,
    start_pts: Option<i64>,
    fps: f64,
    rotation: i32,
}

impl DecodeState<'_> {
    fn note_decode_error(&mut self, e: ffmpeg::Error) {
        self.decode_errors += 1;
        if self.first_decode_error.is_none() {
            self.first_decode_error = Some(format!("{e} near frame {}", self.frames_decoded));
        }
    }

    /// Takes every picture the decoder has ready.
    fn drain(
        &mut self,
        decoder: &mut ffmpeg::decoder::Video,
        wants: &mut impl FnMut(u64) -> bool,
        deliver: &mut impl FnMut(Frame) -> bool,
    ) -> Result<(), Error> {
        loop {
            match decoder.receive_frame(&mut self.decoded) {
                Ok(()) => {}
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    return Ok(())
                }
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(e) => {
                    self.note_decode_error(e);
                    return Ok(());
                }
            }
            let index = self.frames_decoded;
            self.frames_decoded += 1;
            let timestamp = self.timestamp_of_decoded(index);
            self.last_timestamp = Some(timestamp);
            if !wants(index) {
                continue;
            }
            let image = self
                .converter
                .to_rgb(&self.decoded)
                .map_err(|e| Error::Decode {
                    path: self.path.to_path_buf(),
                    message: format!("cannot convert frame {index} to RGB: {e}"),
                })?;
            let image = rotate_clockwise(image, self.rotation);
            if !deliver(Frame {
                index,
                timestamp,
                image,
            }) {
                self.stopped_by_caller = true;
                return Ok(());
            }
        }
    }

    /// Seconds since stream start, from the best-effort timestamp; a frame
    /// without one is placed by its index at the nominal rate.
    fn timestamp_of_decoded(&self, index: u64) -> f64 {
        match self.decoded.timestamp().or_else(|| self.decoded.pts()) {
            Some(pts) if self.time_base > 0.0 => {
                (pts - self.start_pts.unwrap_or(0)) as f64 * self.time_base
            }
            _ => index as f64 / self.fps,
        }
    }
}

/// YUV (or whatever the decoder outputs) → packed RGB24, re-creating the
/// swscale context only when the input format or size changes mid-stream.
#[derive(Default)]
struct RgbConverter {
    scaler: Option<(scaling::Context, Pixel, u32, u32)>,
}

impl RgbConverter {
    fn to_rgb(&mut self, decoded: &frame::Video) -> Result<RgbImage, ffmpeg::Error> {
        let (format, width, height) = (decoded.format(), decoded.width(), decoded.height());
        let reusable = matches!(&self.scaler, Some((_, f, w, h)) if *f == format && *w == width && *h == height);
        if !reusable {
            let context = scaling::Context::get(
                format,
                width,
                height,
                Pixel::RGB24,
                width,
                height,
                scaling::Flags::BILINEAR,
            )?;
            self.scaler = Some((context, format, width, height));
        }
        let Some((scaler, ..)) = self.scaler.as_mut() else {
            return Err(ffmpeg::Error::Bug);
        };
        let mut rgb = frame::Video::empty();
        scaler.run(decoded, &mut rgb)?;

        // swscale pads each row for SIMD (linesize can exceed width * 3), so
        // the rows are copied one by one rather than as one block.
        let row_bytes = width as usize * 3;
        let linesize = rgb.stride(0);
        let data = rgb.data(0);
        let mut pixels = Vec::with_capacity(row_bytes * height as usize);
        for row in 0..height as usize {
            let start = row * linesize;
            pixels.extend_from_slice(&data[start..start + row_bytes]);
        }
        RgbImage::from_raw(width, height, pixels).ok_or(ffmpeg::Error::Bug)
    }
}

fn rotate_clockwise(image: RgbImage, degrees: i32) -> RgbImage {
    match degrees {
        90 => image::imageops::rotate90(&image),
        180 => image::imageops::rotate180(&image),
        270 => image::imageops::rotate270(&image),
        _ => image,
    }
}

/// Clockwise rotation from the display matrix side data, falling back to the
/// `rotate` tag that older FFmpeg demuxers exported (already clockwise).
fn stream_rotation(stream: &ffmpeg::format::stream::Stream) -> i32 {
    for side_data in stream.side_data() {
        if side_data.kind() != SideDataType::DisplayMatrix {
            continue;
        }
        let bytes = side_data.data();
        if bytes.len() < 36 {
            continue;
        }
        // The side data is the in-memory int32_t[9], so native byte order.
        let mut matrix = [0i32; 9];
        for (value, chunk) in matrix.iter_mut().zip(bytes.chunks_exact(4)) {
            *value = i32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        if let Some(rotation) = clockwise_rotation_from_display_matrix(&matrix) {
            return rotation;
        }
    }
    stream
        .metadata()
        .get("rotate")
        .and_then(|tag| tag.trim().parse::<f64>().ok())
        .filter(|degrees| degrees.is_finite())
        .map(snap_to_quarter_turn)
        .unwrap_or(0)
}

fn rational_to_f64(r: ffmpeg::Rational) -> Option<f64> {
    (r.numerator() > 0 && r.denominator() > 0)
        .then(|| f64::from(r.numerator()) / f64::from(r.denominator()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: i32 = 1 << 16;

    #[test]
    fn stride_matches_python_int_division() {
        assert_eq!(sampling_stride(30.0, 1.0), 30);
        assert_eq!(sampling_stride(30000.0 / 1001.0, 1.0), 29);
        assert_eq!(sampling_stride(25.0, 2.0), 12);
        assert_eq!(sampling_stride(10.0, 30.0), 1);
        assert_eq!(sampling_stride(f64::NAN, 1.0), 1);
    }

    #[test]
    fn display_matrix_angles() {
        let identity = [ONE, 0, 0, 0, ONE, 0, 0, 0, 1 << 30];
        assert_eq!(clockwise_rotation_from_display_matrix(&identity), Some(0));
        // What ffmpeg 5.1 writes for `-metadata:s:v rotate=90`; its own
        // autorotate turns this picture 90° counterclockwise (= 270° cw).
        let ccw90 = [0, -ONE, 0, ONE, 0, 0, 0, 0, 1 << 30];
        assert_eq!(clockwise_rotation_from_display_matrix(&ccw90), Some(270));
        let cw90 = [0, ONE, 0, -ONE, 0, 0, 0, 0, 1 << 30];
        assert_eq!(clockwise_rotation_from_display_matrix(&cw90), Some(90));
        let half = [-ONE, 0, 0, 0, -ONE, 0, 0, 0, 1 << 30];
        assert_eq!(clockwise_rotation_from_display_matrix(&half), Some(180));
        assert_eq!(clockwise_rotation_from_display_matrix(&[0; 9]), None);
    }

    #[test]
    fn urls_and_demuxer_names() {
        for url in [
            "http://example.com/v.mp4",
            "file:///tmp/v.mp4",
            "rtsp://cam/1",
            "a+b.c-d://x",
        ] {
            assert!(looks_like_url(Path::new(url)), "{url}");
        }
        for local in [
            "/tmp/v.mp4",
            "v.mp4",
            "/tmp/a://b.mp4",
            "1http://x",
            "://x",
            "c:/v.mp4",
        ] {
            assert!(!looks_like_url(Path::new(local)), "{local}");
        }
        assert!(demuxer_allowed("mov,mp4,m4a,3gp,3g2,mj2", ALLOWED_DEMUXERS));
        assert!(demuxer_allowed("matroska,webm", ALLOWED_DEMUXERS));
        assert!(demuxer_allowed("avi", ALLOWED_DEMUXERS));
        for refused in ["concat", "hls", "image2", "mpegts", "tty", "mp4x"] {
            assert!(!demuxer_allowed(refused, ALLOWED_DEMUXERS), "{refused}");
        }
    }

    /// FFmpeg itself refuses any protocol but `file` under [`input_options`]: a network URL fails
    /// at once (EINVAL, "not on whitelist") instead of connecting, unlike without the options.
    #[test]
    fn the_options_keep_ffmpeg_off_other_protocols() {
        init_ffmpeg();
        for url in [
            "http://127.0.0.1:9/video.mp4",
            "tcp://127.0.0.1:9",
            "data:video/mp4;base64,AAAA",
        ] {
            let err = ffmpeg::format::input_with_dictionary(&url, input_options(ALLOWED_DEMUXERS))
                .err()
                .unwrap_or_else(|| panic!("{url} opened"));
            assert_eq!(
                err,
                ffmpeg::Error::Other {
                    errno: ffmpeg::util::error::EINVAL
                },
                "{url}: {err}"
            );
        }
        let without = ffmpeg::format::input(&"http://127.0.0.1:9/video.mp4").err();
        assert_ne!(
            without,
            Some(ffmpeg::Error::Other {
                errno: ffmpeg::util::error::EINVAL
            }),
            "without the options FFmpeg tries the connection"
        );
    }

    #[test]
    fn quarter_turn_snapping() {
        assert_eq!(snap_to_quarter_turn(-90.0), 270);
        assert_eq!(snap_to_quarter_turn(89.6), 90);
        assert_eq!(snap_to_quarter_turn(360.0), 0);
        assert_eq!(snap_to_quarter_turn(-180.0), 180);
    }
}
