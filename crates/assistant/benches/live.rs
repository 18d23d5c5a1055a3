//! The live view's costs on the demo pack's handheld camera clip (640x360, 30 fps) and the same
//! clip scaled to 1280x720: the per-frame work of the process thread (registering a frame to the
//! reference photo, shrinking it for the UI, JPEG), with the `image` crate's resamplers beside
//! the swscale ones the live view uses; and the whole pipeline (file source -> registration ->
//! JPEG -> published) as the time to publish 30 frames (1 s at the clip's 30 fps when the pipeline
//! keeps up), at 720p also with follow along's step check on every frame. The UI's width is set to
//! 870 device pixels, the live view's width in a 1280x800 window.
//!
//! `cargo bench -p assistant --bench live`

use std::path::Path;
use std::time::Duration;

use assistant::live::{LiveView, Reference};
use criterion::{criterion_group, criterion_main, Criterion};
use image::RgbImage;
use media::camera::CameraSpec;
use media::scale::{fit_width, Downscaler};
use registration::{ButtonBox, RegisterConfig, Registrar, Tracker};

const SHOWN_WIDTH: u32 = 870;

fn publish_30_frames(
    c: &mut Criterion,
    name: &str,
    camera: &Path,
    reference: &RgbImage,
    boxes: &[ButtonBox],
    following: bool,
) {
    let view = LiveView::start(CameraSpec::File(camera.to_path_buf()), (1280, 720));
    view.set_display_width(SHOWN_WIDTH);
    view.set_reference(Some(Reference {
        image: reference.clone(),
        buttons: boxes.to_vec(),
    }))
    .unwrap();
    if following {
        view.set_follow(Some(checker(reference, boxes)));
    }
    let mut group = c.benchmark_group("live");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function(name, |b| {
        b.iter(|| {
            let mut seq = view
                .frame_after(0, Duration::from_secs(5))
                .expect("a first frame")
                .seq;
            for _ in 0..30 {
                seq = view
                    .frame_after(seq, Duration::from_secs(5))
                    .expect("a frame")
                    .seq;
            }
            seq
        })
    });
    group.finish();
}

/// A step check waiting for a press that never comes: every frame goes through it.
fn checker(reference: &RgbImage, boxes: &[ButtonBox]) -> follow::StepChecker {
    assistant::follow::checker(
        reference.dimensions(),
        boxes,
        vec![follow::Step {
            control: 0,
            action: follow::Action::Press,
        }],
    )
}

fn live(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let pack = synth::demo_pack(dir.path().join("pack"), 1).unwrap();
    let buttons = assistq::buttons::Buttons::read(&pack.folder.join("buttons.csv")).unwrap();
    let reference_name = buttons.images()[0].to_string();
    let reference =
        registration::load_image(&pack.folder.join("images").join(&reference_name)).unwrap();
    let boxes = assistant::packs::reference_boxes(
        &buttons,
        &reference_name,
        reference.width(),
        reference.height(),
    );
    let camera = pack.root.join("camera.mp4");
    let mut frames = Vec::new();
    media::for_each_frame(&camera, |f| {
        frames.push(f.image);
        frames.len() < 90
    })
    .unwrap();
    // The same clip at 1280x720, as a 720p camera would deliver it.
    let camera_720p = dir.path().join("camera_720p.mp4");
    let frames_720p: Vec<RgbImage> = frames
        .iter()
        .map(|f| image::imageops::resize(f, 1280, 720, image::imageops::FilterType::Triangle))
        .collect();
    let mut writer = synth::video::VideoWriter::create(&camera_720p, 1280, 720, 20).unwrap();
    for f in &frames_720p {
        writer.push_rgb(f.as_raw()).unwrap();
    }
    writer.finish().unwrap();

    let mut group = c.benchmark_group("live");
    group.sample_size(20);
    let mut tracker =
        Tracker::new(Registrar::from_rgb(&reference, RegisterConfig::default()).unwrap());
    let mut i = 0;
    group.bench_function("register_frame_640x360", |b| {
        b.iter(|| {
            let gray = image::imageops::grayscale(&frames[i % frames.len()]);
            i += 1;
            tracker.process(&gray)
        })
    });
    group.bench_function("jpeg_frame_640x360", |b| {
        b.iter(|| {
            i += 1;
            assistant::live::encode_jpeg(&frames[i % frames.len()]).unwrap()
        })
    });
    // 720p: the two shrinks per frame, the old way (image crate) and the live view's (swscale).
    let shown = fit_width((1280, 720), SHOWN_WIDTH);
    group.bench_function("shrink_720p_for_ui_image_thumbnail", |b| {
        b.iter(|| {
            i += 1;
            image::imageops::thumbnail(&frames_720p[i % frames.len()], shown.0, shown.1)
        })
    });
    let mut scaler = Downscaler::new();
    group.bench_function("shrink_720p_for_ui_swscale", |b| {
        b.iter(|| {
            i += 1;
            scaler.rgb(&frames_720p[i % frames.len()], shown).unwrap()
        })
    });
    group.bench_function("gray_half_720p_image", |b| {
        b.iter(|| {
            i += 1;
            let gray = image::imageops::grayscale(&frames_720p[i % frames.len()]);
            image::imageops::resize(&gray, 640, 360, image::imageops::FilterType::Triangle)
        })
    });
    group.bench_function("gray_half_720p_swscale", |b| {
        b.iter(|| {
            i += 1;
            scaler
                .gray(&frames_720p[i % frames.len()], (640, 360))
                .unwrap()
        })
    });
    let shrunk = scaler.rgb(&frames_720p[0], shown).unwrap();
    group.bench_function("jpeg_frame_720p_shown_870", |b| {
        b.iter(|| assistant::live::encode_jpeg(&shrunk).unwrap())
    });
    // The step check (follow along) on a registered 720p frame: its cost does not grow with the
    // frame, it samples a fixed grid over the buttons.
    let homography = tracker
        .registrar()
        .register_plane(&registration::Plane::from_rgb(&frames_720p[0]))
        .homography
        .expect("the first 720p frame registers");
    let mut check = checker(&reference, &boxes);
    let mut t = 0.0;
    group.bench_function("step_check_frame_720p", |b| {
        b.iter(|| {
            i += 1;
            t += 1.0 / 30.0;
            check.observe(t, &frames_720p[i % frames.len()], Some(&homography))
        })
    });
    group.finish();

    publish_30_frames(
        c,
        "publish_30_frames_640x360",
        &camera,
        &reference,
        &boxes,
        false,
    );
    publish_30_frames(
        c,
        "publish_30_frames_1280x720",
        &camera_720p,
        &reference,
        &boxes,
        false,
    );
    publish_30_frames(
        c,
        "publish_30_frames_1280x720_following",
        &camera_720p,
        &reference,
        &boxes,
        true,
    );
}

criterion_group!(benches, live);
criterion_main!(benches);
