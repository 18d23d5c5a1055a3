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

/// A photo is looked for in the tutorial video: the pack's own photo is found and seen as the
/// video sees it (no hint); the same photo seen from the side (a perspective warp) is told to be
/// at an angle.
#[test]
fn a_photo_seen_at_an_angle_gets_a_hint() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../demo/pack/test/coffeemachine_646bh");
    if !folder.join("video.mp4").is_file() {
        testkit::repo::missing("demo/pack (bash scripts/demo_pack.sh)");
        return;
    }
    let photo = image::open(folder.join("images/coffeemachine-user.jpg"))
        .unwrap()
        .to_rgb8();
    let check = assistant::photo::check_against_video(&photo, &folder.join("video.mp4")).unwrap();
    eprintln!("frontal: {check:?}");
    assert!(check.matched >= 1, "{check:?}");
    assert!(
        check.anisotropy.unwrap() < assistant::photo::OBLIQUE_ANISOTROPY,
        "{check:?}"
    );
    assert_eq!(assistant::photo::video_hint(&check), None);

    // x' = x / (1 + p x): the right of the panel further away, as from the panel's left.
    let from_the_side = |p: f64| {
        let hm = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [p, 0.0, 1.0]];
        let mut side =
            image::RgbImage::from_pixel(photo.width(), photo.height(), image::Rgb([90, 90, 90]));
        testkit::register_scenes::warp_into(&mut side, &photo, &hm);
        let check =
            assistant::photo::check_against_video(&side, &folder.join("video.mp4")).unwrap();
        eprintln!("p {p}: {check:?}");
        assistant::photo::video_hint(&check).unwrap_or_default()
    };
    // Found, but stretched 1.35 times one way: at an angle.
    assert!(from_the_side(0.0003).contains("seen at an angle"));
    // Steeper still, registration no longer finds it: said, with the same advice.
    assert!(from_the_side(0.0007).contains("take it square on"));
}
