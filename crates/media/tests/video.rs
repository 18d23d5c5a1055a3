//! End-to-end tests of video decoding against files made with the `ffmpeg`
//! command line (Debian package `ffmpeg`), which also serves as the reference
//! decoder for pixel comparisons.

use std::path::{Path, PathBuf};
use std::process::Command;

use image::RgbImage;
use media::{for_each_frame, probe, sample_frames, Error};

/// Runs the ffmpeg CLI (quietly) and panics with its stderr on failure.
fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(args)
        .output()
        .expect("the ffmpeg command line is needed to make test videos (apt install ffmpeg)");
    assert!(
        output.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A 5 s 320x240 H.264 test pattern at `rate` in `dir/name`.
fn make_video(dir: &Path, name: &str, rate: &str) -> PathBuf {
    let path = dir.join(name);
    let source = format!("testsrc=duration=5:size=320x240:rate={rate}");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &source,
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        path.to_str().unwrap(),
    ]);
    path
}

/// A stream copy of `source` carrying a display rotation. FFmpeg 5.1 has no
/// `-display_rotation`; its `rotate` metadata becomes a display matrix
/// (checked with ffprobe in `rotated_video_is_upright`).
fn make_rotated(source: &Path, name: &str, rotate_tag: i32) -> PathBuf {
    let path = source.with_file_name(name);
    let tag = format!("rotate={rotate_tag}");
    ffmpeg(&[
        "-i",
        source.to_str().unwrap(),
        "-c",
        "copy",
        "-metadata:s:v:0",
        &tag,
        path.to_str().unwrap(),
    ]);
    path
}

/// The first frame the ffmpeg CLI shows at `seek` seconds (autorotated, as a
/// player would), as RGB24.
fn reference_frame(path: &Path, seek: &str, width: u32, height: u32) -> RgbImage {
    let raw = ffmpeg(&[
        "-ss",
        seek,
        "-i",
        path.to_str().unwrap(),
        "-frames:v",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]);
    RgbImage::from_raw(width, height, raw).expect("reference frame has the expected size")
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

fn assert_sampled_like_assistq(path: &Path, expected_fps: f64, expected_stride: usize) {
    let sampled = sample_frames(path, 1.0).unwrap();
    let info = &sampled.info;
    assert_eq!((info.width, info.height), (320, 240));
    assert_eq!(info.rotation, 0);
    assert!((info.fps - expected_fps).abs() < 1e-6, "fps {}", info.fps);
    let duration = info.duration.expect("mp4/mov declare a duration");
    assert!((duration - 5.0).abs() < 0.1, "duration {duration}");
    assert_eq!(sampled.stride, expected_stride);
    assert!(sampled.warnings.is_empty(), "{:?}", sampled.warnings);

    let mut total = 0u64;
    let summary = for_each_frame(path, |_| {
        total += 1;
        true
    })
    .unwrap();
    assert_eq!(&summary, info);
    assert_eq!(info.frame_count, Some(total));
    let expected_count = total.div_ceil(expected_stride as u64);
    assert_eq!(sampled.frames.len() as u64, expected_count);

    for (i, frame) in sampled.frames.iter().enumerate() {
        assert_eq!(frame.index, (i * expected_stride) as u64);
        assert_eq!(frame.image.dimensions(), (320, 240));
        let nominal = frame.index as f64 / expected_fps;
        assert!(
            (frame.timestamp - nominal).abs() < 1e-3,
            "frame {} at {} s, expected {nominal} s",
            frame.index,
            frame.timestamp
        );
    }
    assert!(sampled
        .frames
        .windows(2)
        .all(|pair| pair[0].timestamp < pair[1].timestamp));
}

#[test]
fn samples_30fps_mp4_every_30th_frame() {
    let dir = tempfile::tempdir().unwrap();
    let path = make_video(dir.path(), "a.mp4", "30");
    assert_sampled_like_assistq(&path, 30.0, 30);
    assert_eq!(sample_frames(&path, 1.0).unwrap().frames.len(), 5);
}

#[test]
fn samples_mov_like_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let path = make_video(dir.path(), "a.mov", "30");
    assert_sampled_like_assistq(&path, 30.0, 30);
}

#[test]
fn samples_2997fps_every_29th_frame() {
    let dir = tempfile::tempdir().unwrap();
    let path = make_video(dir.path(), "ntsc.mp4", "30000/1001");
    assert_sampled_like_assistq(&path, 30000.0 / 1001.0, 29);
}

#[test]
fn higher_sampling_rate_gives_smaller_stride() {
    let dir = tempfile::tempdir().unwrap();
    let path = make_video(dir.path(), "a.mp4", "30");
    let sampled = sample_frames(&path, 4.0).unwrap();
    assert_eq!(sampled.stride, 7);
    assert_eq!(sampled.frames.len(), 150usize.div_ceil(7));
    // Asking for more than the video has keeps every frame.
    assert_eq!(sample_frames(&path, 60.0).unwrap().stride, 1);
    assert!(matches!(
        sample_frames(&path, 0.0),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn frame_at_two_seconds_matches_ffmpeg_cli() {
    let dir = tempfile::tempdir().unwrap();
    let path = make_video(dir.path(), "a.mp4", "30");
    let sampled = sample_frames(&path, 1.0).unwrap();
    let frame = &sampled.frames[2];
    assert_eq!(frame.index, 60);
    assert!((frame.timestamp - 2.0).abs() < 1e-3);
    let reference = reference_frame(&path, "2", 320, 240);
    let diff = mean_abs_diff(&frame.image, &reference);
    eprintln!("mean abs diff against ffmpeg CLI at t=2 s: {diff}");
    assert!(diff < 1.0, "mean abs diff {diff}");
}

#[test]
fn probe_reports_stream_facts() {
    let dir = tempfile::tempdir().unwrap();
    let path = make_video(dir.path(), "a.mp4", "30");
    let info = probe(&path).unwrap();
    assert_eq!((info.width, info.height, info.rotation), (320, 240, 0));
    assert_eq!(info.fps, 30.0);
    assert_eq!(info.frame_count, Some(150));
}

#[test]
fn for_each_frame_stops_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let path = make_video(dir.path(), "a.mp4", "30");
    let mut seen = Vec::new();
    for_each_frame(&path, |frame| {
        seen.push(frame.index);
        seen.len() < 10
    })
    .unwrap();
    assert_eq!(seen, (0..10).collect::<Vec<u64>>());
}

#[test]
fn rotated_video_is_upright() {
    let dir = tempfile::tempdir().unwrap();
    let source = make_video(dir.path(), "a.mp4", "30");
    let unrotated = sample_frames(&source, 1.0).unwrap();

    for tag in [90, 180, 270] {
        let path = make_rotated(&source, &format!("r{tag}.mp4"), tag);
        let probed = Command::new("ffprobe")
            .args(["-v", "error", "-show_streams", path.to_str().unwrap()])
            .output()
            .unwrap();
        let probed = String::from_utf8_lossy(&probed.stdout);
        assert!(
            probed.contains("Display Matrix"),
            "rotate={tag} made no display matrix:\n{probed}"
        );

        let sampled = sample_frames(&path, 1.0).unwrap();
        let info = &sampled.info;
        eprintln!("rotate={tag} tag -> clockwise rotation {}", info.rotation);
        assert_ne!(info.rotation, 0, "rotate={tag}");
        let expected_size = if info.rotation % 180 == 90 {
            (240, 320)
        } else {
            (320, 240)
        };
        assert_eq!((info.width, info.height), expected_size, "rotate={tag}");
        assert_eq!(sampled.frames.len(), unrotated.frames.len());

        for (frame, plain) in sampled.frames.iter().zip(&unrotated.frames) {
            let turned = match info.rotation {
                90 => image::imageops::rotate90(&plain.image),
                180 => image::imageops::rotate180(&plain.image),
                270 => image::imageops::rotate270(&plain.image),
                other => panic!("unexpected rotation {other}"),
            };
            assert_eq!(frame.image, turned, "rotate={tag}, frame {}", frame.index);
        }

        // Upright means what a player shows: the CLI autorotates by default.
        let (w, h) = expected_size;
        let reference = reference_frame(&path, "2", w, h);
        let diff = mean_abs_diff(&sampled.frames[2].image, &reference);
        assert!(
            diff < 1.0,
            "rotate={tag} (rotation {}): differs from ffmpeg's autorotated frame by {diff}",
            info.rotation
        );
    }
}

#[test]
fn text_file_is_not_a_video() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.mp4");
    std::fs::write(&path, "this is a note, not a movie\n".repeat(20)).unwrap();
    let err = sample_frames(&path, 1.0).unwrap_err();
    assert!(matches!(err, Error::NotAVideo { .. }), "{err:?}");
    assert!(err.to_string().contains(path.to_str().unwrap()), "{err}");
    assert!(probe(&path).is_err());
}

#[test]
fn audio_only_file_has_no_video_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tone.m4a");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=duration=1",
        "-c:a",
        "aac",
        path.to_str().unwrap(),
    ]);
    let err = probe(&path).unwrap_err();
    assert!(matches!(err, Error::NotAVideo { .. }), "{err:?}");
    assert!(err.to_string().contains(path.to_str().unwrap()), "{err}");
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let path = Path::new("/nonexistent/dir/missing-video.mp4");
    let err = sample_frames(path, 1.0).unwrap_err();
    assert!(matches!(err, Error::Io(_)), "{err:?}");
    assert!(err.to_string().contains("missing-video.mp4"), "{err}");
}

/// Writes the first 60% of `source`'s bytes to `name`.
fn truncate_copy(source: &Path, name: &str) -> PathBuf {
    let bytes = std::fs::read(source).unwrap();
    let path = source.with_file_name(name);
    std::fs::write(&path, &bytes[..bytes.len() * 6 / 10]).unwrap();
    path
}

#[test]
fn truncated_mp4_either_warns_or_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let source = make_video(dir.path(), "a.mp4", "30");
    // Without faststart the index (moov) sits at the end and is cut off.
    let path = truncate_copy(&source, "cut.mp4");
    match sample_frames(&path, 1.0) {
        Ok(sampled) => {
            eprintln!("truncated plain mp4: Ok, warnings {:?}", sampled.warnings);
            assert!(sampled.frames.len() < 5);
            assert!(!sampled.warnings.is_empty());
            assert!(sampled.warnings[0].contains(path.to_str().unwrap()));
        }
        Err(err) => {
            eprintln!("truncated plain mp4: Err {err}");
            assert!(err.to_string().contains(path.to_str().unwrap()), "{err}");
        }
    }
}

#[test]
fn truncated_faststart_mp4_keeps_the_frames_read() {
    let dir = tempfile::tempdir().unwrap();
    let source = make_video(dir.path(), "a.mp4", "30");
    let faststart = dir.path().join("fast.mp4");
    ffmpeg(&[
        "-i",
        source.to_str().unwrap(),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        faststart.to_str().unwrap(),
    ]);
    let path = truncate_copy(&faststart, "fast-cut.mp4");
    let sampled = sample_frames(&path, 1.0).unwrap();
    eprintln!(
        "truncated faststart mp4: {} frames, warnings {:?}",
        sampled.frames.len(),
        sampled.warnings
    );
    assert!(!sampled.frames.is_empty());
    assert!(sampled.frames.len() < 5);
    assert!(!sampled.warnings.is_empty());
    assert!(sampled.warnings[0].contains(path.to_str().unwrap()));
    assert!(sampled.warnings[0].contains("stopped"));

    let mut played = 0;
    for_each_frame(&path, |_| {
        played += 1;
        true
    })
    .unwrap();
    assert!(played > 0 && played < 150);
}

#[test]
fn a_pipe_or_a_device_is_refused_at_once_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("video.mp4");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils)");
    assert!(made.success());
    for path in [fifo, PathBuf::from("/dev/zero")] {
        // In a thread, so that a regression fails the test instead of hanging it.
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.clone();
        std::thread::spawn(move || {
            let _ = tx.send(probe(&p).map(|_| ()).map_err(|e| e.to_string()));
        });
        let result = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("{}: probe did not return", path.display()));
        let err = result.unwrap_err();
        assert!(
            err.contains("not a regular file") && err.contains(path.to_str().unwrap()),
            "{err}"
        );
    }
}

/// A text file (an FFmpeg playlist or script) named `video.mp4` next to the real clip it names.
fn playlist_next_to_a_clip(dir: &Path, text: &str) -> PathBuf {
    make_video(dir, "real.mp4", "30");
    let path = dir.join("video.mp4");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_concat_script_named_video_mp4_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    // Without the demuxer whitelist FFmpeg follows the script and decodes real.mp4.
    let path = playlist_next_to_a_clip(dir.path(), "ffconcat version 1.0\nfile real.mp4\n");
    for err in [
        probe(&path).map(|_| ()).unwrap_err(),
        sample_frames(&path, 1.0).map(|_| ()).unwrap_err(),
        for_each_frame(&path, |_| true).map(|_| ()).unwrap_err(),
    ] {
        let message = err.to_string();
        assert!(matches!(err, Error::NotAVideo { .. }), "{err:?}");
        assert!(message.contains(path.to_str().unwrap()), "{message}");
        assert!(message.contains("`concat`"), "{message}");
    }
    // A script that points at a URL, under its own name, is refused the same way.
    let url_script = dir.path().join("remote.ffconcat");
    std::fs::write(
        &url_script,
        "ffconcat version 1.0\nfile http://127.0.0.1:9/x.mp4\n",
    )
    .unwrap();
    let message = probe(&url_script).unwrap_err().to_string();
    assert!(
        message.contains(url_script.to_str().unwrap()) && message.contains("`concat`"),
        "{message}"
    );
}

#[test]
fn an_hls_playlist_named_video_mp4_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:5\n#EXT-X-MEDIA-SEQUENCE:0\n\
                    #EXTINF:5.0,\nreal.mp4\n#EXT-X-ENDLIST\n";
    let path = playlist_next_to_a_clip(dir.path(), playlist);
    let err = probe(&path).unwrap_err();
    assert!(matches!(err, Error::NotAVideo { .. }), "{err:?}");
    assert!(err.to_string().contains(path.to_str().unwrap()), "{err}");
    // Under its usual name FFmpeg knows it for HLS, which is refused by name.
    let m3u8 = dir.path().join("list.m3u8");
    std::fs::write(&m3u8, playlist).unwrap();
    let message = probe(&m3u8).unwrap_err().to_string();
    assert!(
        message.contains(m3u8.to_str().unwrap()) && message.contains("`hls`"),
        "{message}"
    );
}

#[test]
fn a_url_is_refused_as_not_local() {
    for url in [
        "http://127.0.0.1:9/video.mp4",
        "https://example.com/video.mp4",
        "file:///etc/passwd",
        "rtsp://camera.local/stream",
    ] {
        let path = Path::new(url);
        let err = probe(path).unwrap_err();
        assert!(matches!(err, Error::NotLocal { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains(url), "{err}");
        assert!(matches!(
            sample_frames(path, 1.0),
            Err(Error::NotLocal { .. })
        ));
    }
}

#[test]
fn a_name_that_reads_as_another_protocol_is_still_the_local_file() {
    let dir = tempfile::tempdir().unwrap();
    make_video(dir.path(), "a.mp4", "30");
    // `concat:` or `subfile:` at the start of a name would pick an FFmpeg protocol; the file
    // is opened as `file:` so the name is only a name. Relative, so the prefix leads the name.
    let odd = dir.path().join("concat:a.mp4");
    std::fs::copy(dir.path().join("a.mp4"), &odd).unwrap();
    let cwd = std::env::current_dir().unwrap();
    let relative = pathdiff(&odd, &cwd);
    let info = probe(&relative).unwrap();
    assert_eq!((info.width, info.height), (320, 240));
}

/// `target` relative to `base` (both absolute), with `..` as needed.
fn pathdiff(target: &Path, base: &Path) -> PathBuf {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

#[test]
fn mp4_mov_mkv_webm_and_avi_still_decode() {
    let dir = tempfile::tempdir().unwrap();
    for (name, codec) in [
        ("v.mp4", "libx264"),
        ("v.mov", "libx264"),
        ("v.mkv", "libx264"),
        ("v.webm", "libvpx-vp9"),
        ("v.avi", "mpeg4"),
    ] {
        let path = dir.path().join(name);
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=160x120:rate=10",
            "-c:v",
            codec,
            "-pix_fmt",
            "yuv420p",
            path.to_str().unwrap(),
        ]);
        let sampled = sample_frames(&path, 10.0).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sampled.frames.len(), 10, "{name}");
        assert_eq!(sampled.frames[0].image.dimensions(), (160, 120), "{name}");
    }
}

#[test]
fn a_name_that_is_not_utf8_is_an_error_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let clip = make_video(dir.path(), "a.mp4", "30");
    let odd = dir.path().join(std::ffi::OsStr::from_bytes(b"v\xff.mp4"));
    std::fs::copy(&clip, &odd).unwrap();
    let err = probe(&odd).unwrap_err();
    assert!(matches!(err, Error::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("UTF-8"), "{err}");
}
