//! The live view's camera states with a real (video file) source: running, lost when the source
//! disappears mid-use, and picked up again when it returns; frames keep their sequence order.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use assistant::live::{CameraState, LiveView};
use media::camera::CameraSpec;

fn clip(path: &Path) {
    let status = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=1:size=320x240:rate=30",
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
