//! The live view's costs on the demo pack's handheld camera clip (640x360, 30 fps): registering one
//! frame to the reference photo (tracking) plus encoding it as JPEG, the per-frame work of the
//! process thread; and the whole pipeline (file source -> registration -> JPEG -> published), as
//! the time to publish 30 frames (1 s at the clip's 30 fps when the pipeline keeps up).
//!
//! `cargo bench -p assistant --bench live`

use std::time::Duration;

use assistant::live::{LiveView, Reference};
use criterion::{criterion_group, criterion_main, Criterion};
use media::camera::CameraSpec;
use media::register::{RegisterConfig, Registrar, Tracker};

fn live(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let pack = synth::demo_pack(dir.path().join("pack"), 1).unwrap();
    let buttons = assistq::buttons::Buttons::read(&pack.folder.join("buttons.csv")).unwrap();
    let reference_name = buttons.images()[0].to_string();
    let reference =
        media::register::load_image(&pack.folder.join("images").join(&reference_name)).unwrap();
    let boxes = assistant::packs::reference_boxes(&buttons, &reference_name);
    let camera = pack.root.join("camera.mp4");
    let mut frames = Vec::new();
    media::for_each_frame(&camera, |f| {
        frames.push(f.image);
        frames.len() < 90
    })
    .unwrap();

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

    let view = LiveView::start(CameraSpec::File(camera), (1280, 720));
    view.set_reference(Some(Reference {
        image: reference,
        buttons: boxes,
    }))
    .unwrap();
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("publish_30_frames", |b| {
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

criterion_group!(benches, live);
criterion_main!(benches);
