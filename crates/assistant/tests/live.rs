//! The live view's camera states with a real (video file) source: running, lost when the source
//! disappears mid-use, and picked up again when it returns; frames keep their sequence order and
//! reach the UI at the width it shows them.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use assistant::live::{CameraState, LiveView};
use media::camera::CameraSpec;

fn clip(path: &Path) {
    clip_of_size(path, "320x240")
}

fn clip_of_size(path: &Path, size: &str) {
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            &format!("testsrc=duration=1:size={size}:rate=30"),
        ])
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(path)
        .status()
        .expect("ffmpeg (installed by scripts/setup.sh)");
    assert!(status.success());
}

fn wait_for(view: &LiveView, state: CameraState, within: Duration) {
    let start = Instant::now();
    while view.status().status != state {
        assert!(
            start.elapsed() < within,
            "camera stayed {:?} ({}), expected {state:?}",
            view.status().status,
            view.status().message
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_source_that_disappears_is_reported_and_picked_up_again() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cam.mp4");
    clip(&file);
    let view = LiveView::start(CameraSpec::File(file.clone()), (640, 480));
    wait_for(&view, CameraState::Running, Duration::from_secs(10));
    let first = view
        .frame_after(0, Duration::from_secs(5))
        .expect("a frame");
    assert_eq!((first.width, first.height), (320, 240));
    assert!(first.registration.is_null(), "no pack, no registration");

    // Unplugged: the one-second clip ends its pass and cannot be read again.
    let aside = dir.path().join("aside.mp4");
    std::fs::rename(&file, &aside).unwrap();
    wait_for(&view, CameraState::NoCamera, Duration::from_secs(10));
    assert!(
        view.status().message.contains("cam.mp4"),
        "{}",
        view.status().message
    );

    // Back: frames flow again, numbered after the old ones.
    std::fs::rename(&aside, &file).unwrap();
    wait_for(&view, CameraState::Running, Duration::from_secs(10));
    let seen = view
        .frame_after(first.seq, Duration::from_secs(5))
        .expect("frames again");
    let later = view
        .frame_after(seen.seq, Duration::from_secs(5))
        .expect("and more");
    assert!(later.seq > seen.seq && seen.seq > first.seq);
}

fn jpeg_size(jpeg: &[u8]) -> (u32, u32) {
    let decoded = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).unwrap();
    (decoded.width(), decoded.height())
}

#[test]
fn frames_are_sent_at_the_width_the_ui_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cam720.mp4");
    clip_of_size(&file, "1280x720");
    let view = LiveView::start(CameraSpec::File(file), (1280, 720));
    // Before the UI says anything: at most 960 wide.
    let first = view
        .frame_after(0, Duration::from_secs(10))
        .expect("a frame");
    assert_eq!((first.width, first.height), (1280, 720), "camera pixels");
    assert_eq!(jpeg_size(&first.jpeg), (960, 540));
    // The live view is 870 device pixels wide: frames follow once the next one is processed.
    view.set_display_width(870);
    let mut after = first.seq;
    let shown = loop {
        let f = view
            .frame_after(after, Duration::from_secs(5))
            .expect("frames");
        after = f.seq;
        let size = jpeg_size(&f.jpeg);
        if size != (960, 540) || f.seq > first.seq + 5 {
            break size;
        }
    };
    assert_eq!(shown, (870, 489));
    // Wider than the camera: never scaled up.
    view.set_display_width(2560);
    let mut last = (0, 0);
    for _ in 0..5 {
        let f = view
            .frame_after(after, Duration::from_secs(5))
            .expect("frames");
        after = f.seq;
        assert_eq!((f.width, f.height), (1280, 720));
        last = jpeg_size(&f.jpeg);
    }
    assert_eq!(last, (1280, 720));
}
