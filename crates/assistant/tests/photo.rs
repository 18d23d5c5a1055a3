//! The photo sharpness check on real frames: every frame of the demo camera clip (a handheld
//! camera over the demo appliance, `scripts/demo_pack.sh`) passes, and the same frames blurred
//! by a Gaussian of sigma 1 (a camera slightly out of focus) are refused with a hint.

use assistant::photo::{photo_quality, SHARPNESS_MIN};

#[test]
fn demo_camera_frames_pass_and_blurred_ones_do_not() {
    let clip = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/pack/camera.mp4");
    if !clip.is_file() {
        testkit::repo::missing("demo/pack/camera.mp4 (bash scripts/demo_pack.sh)");
        return;
    }
    let (mut sharp, mut blurred) = (Vec::new(), Vec::new());
    media::for_each_frame(&clip, |frame| {
        if frame.index % 30 == 0 {
            sharp.push(photo_quality(&frame.image).sharpness);
            let soft = photo_quality(&image::imageops::blur(&frame.image, 1.0));
            assert!(soft.hint.is_some());
            blurred.push(soft.sharpness);
        }
        true
    })
    .unwrap();
    let least_sharp = sharp.iter().cloned().fold(f64::INFINITY, f64::min);
    let most_blurred = blurred.iter().cloned().fold(0.0, f64::max);
    eprintln!(
        "{} frames: sharp >= {least_sharp:.1}, blurred <= {most_blurred:.1}, threshold {SHARPNESS_MIN}",
        sharp.len()
    );
    assert!(sharp.len() >= 10);
    assert!(least_sharp > 2.0 * SHARPNESS_MIN, "{sharp:?}");
    assert!(most_blurred < SHARPNESS_MIN / 2.0, "{blurred:?}");
}
