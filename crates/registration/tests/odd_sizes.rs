//! Odd sizes never panic: a reference too elongated to register is an error saying so, and
//! frames of any size (empty, one pixel, thin strips) are "not in view".

use image::{GrayImage, Luma, RgbImage};
use registration::{Error, RegisterConfig, Registrar};
use testkit::register_scenes::draw_panel;

fn textured(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let v = ((x * 7919 + y * 104_729) % 251) as u8;
        image::Rgb([v, v.wrapping_mul(3), v.wrapping_add(91)])
    })
}

#[test]
fn an_elongated_reference_is_refused_not_a_panic() {
    for (w, h) in [(20_000, 70), (70, 20_000), (4000, 64)] {
        match Registrar::from_rgb(&textured(w, h), RegisterConfig::default()) {
            Err(Error::ReferenceTooElongated { width, height, .. }) => {
                assert_eq!((width, height), (w, h))
            }
            Err(other) => panic!("{w}x{h}: {other}"),
            Ok(_) => panic!("{w}x{h}: registered a strip"),
        }
    }
}

#[test]
fn frames_of_any_size_are_not_in_view_not_a_panic() {
    let (panel, _) = draw_panel(3, 640, 400);
    let registrar = Registrar::from_rgb(&panel, RegisterConfig::default()).unwrap();
    for (w, h) in [(0, 0), (1, 1), (3, 5000), (5000, 3), (40, 40), (64, 64)] {
        let frame = GrayImage::from_pixel(w, h, Luma([128]));
        let r = registrar.register(&frame);
        assert!(!r.in_view, "{w}x{h}");
    }
}
