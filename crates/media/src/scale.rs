//! Downscaling RGB frames with swscale (SIMD, one pass for scale and colour conversion): the live
//! view shrinks every camera frame twice, to grey for registration and to the size the window
//! shows, and the `image` crate's generic resamplers cost several times more per 720p frame.

use ffmpeg_next as ffmpeg;

use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg::util::frame;
use image::{GrayImage, ImageBuffer, RgbImage};

use crate::Error;

/// Reusable swscale contexts for one source size; a new size rebuilds them.
#[derive(Default)]
pub struct Downscaler {
    source: Option<(frame::Video, u32, u32)>,
    rgb: Option<(scaling::Context, u32, u32, u32, u32)>,
    gray: Option<(scaling::Context, u32, u32, u32, u32)>,
}

/// `(width, height)` scaled so that the width is at most `max_width` (0: no limit), keeping the
/// aspect ratio.
pub fn fit_width((width, height): (u32, u32), max_width: u32) -> (u32, u32) {
    if width <= max_width || max_width == 0 {
        return (width, height);
    }
    let scaled = (height as u64 * max_width as u64 + width as u64 / 2) / width as u64;
    (max_width, (scaled as u32).max(1))
}

// SAFETY: a swscale context and an AVFrame may be used from any thread, one thread at a time;
// `Downscaler` owns both exclusively and every use goes through `&mut self`. (ffmpeg-next leaves
// `Send` off `scaling::Context` only because it holds a raw pointer.)
unsafe impl Send for Downscaler {}

impl Downscaler {
    pub fn new() -> Self {
        Self::default()
    }

    /// `image` scaled to `size` (RGB), with area averaging.
    pub fn rgb(&mut self, image: &RgbImage, size: (u32, u32)) -> Result<RgbImage, Error> {
        if image.dimensions() == size {
            return Ok(image.clone());
        }
        self.scaled(image, size, Pixel::RGB24)
    }

    /// `image` converted to grey (BT.601 luma) and scaled to `size`, in one pass.
    pub fn gray(&mut self, image: &RgbImage, size: (u32, u32)) -> Result<GrayImage, Error> {
        self.scaled(image, size, Pixel::GRAY8)
    }

    /// `image` through the context for `format` (RGB24 or GRAY8, matching `P`).
    fn scaled<P: image::Pixel<Subpixel = u8>>(
        &mut self,
        image: &RgbImage,
        size: (u32, u32),
        format: Pixel,
    ) -> Result<ImageBuffer<P, Vec<u8>>, Error> {
        self.load(image)?;
        let slot = match format {
            Pixel::GRAY8 => &mut self.gray,
            _ => &mut self.rgb,
        };
        let context = context(slot, image.dimensions(), size, format)?;
        let source = &self.source.as_ref().expect("loaded").0;
        let mut out = frame::Video::empty();
        context.run(source, &mut out).map_err(scale_error)?;
        Ok(packed::<P>(&out, size))
    }

    /// Copies `image` into the reusable source frame (swscale reads padded rows).
    fn load(&mut self, image: &RgbImage) -> Result<(), Error> {
        let (w, h) = image.dimensions();
        if !matches!(&self.source, Some((_, sw, sh)) if (*sw, *sh) == (w, h)) {
            crate::video::init_ffmpeg();
            self.source = Some((frame::Video::new(Pixel::RGB24, w, h), w, h));
        }
        let source = &mut self.source.as_mut().expect("just set").0;
        let stride = source.stride(0);
        let row = w as usize * 3;
        let data = source.data_mut(0);
        for (y, pixels) in image.as_raw().chunks_exact(row).enumerate() {
            data[y * stride..y * stride + row].copy_from_slice(pixels);
        }
        Ok(())
    }
}

fn context(
    slot: &mut Option<(scaling::Context, u32, u32, u32, u32)>,
    (w, h): (u32, u32),
    (dw, dh): (u32, u32),
    format: Pixel,
) -> Result<&mut scaling::Context, Error> {
    if !matches!(slot, Some((_, a, b, c, d)) if (*a, *b, *c, *d) == (w, h, dw, dh)) {
        let context =
            scaling::Context::get(Pixel::RGB24, w, h, format, dw, dh, scaling::Flags::AREA)
                .map_err(scale_error)?;
        *slot = Some((context, w, h, dw, dh));
    }
    Ok(&mut slot.as_mut().expect("just set").0)
}

fn scale_error(e: ffmpeg::Error) -> Error {
    Error::Scale(e.to_string())
}

/// The rows of plane 0 of `frame` without swscale's padding.
fn packed<P: image::Pixel<Subpixel = u8>>(
    frame: &frame::Video,
    (w, h): (u32, u32),
) -> ImageBuffer<P, Vec<u8>> {
    let row = w as usize * P::CHANNEL_COUNT as usize;
    let stride = frame.stride(0);
    let data = frame.data(0);
    let mut pixels = Vec::with_capacity(row * h as usize);
    for y in 0..h as usize {
        pixels.extend_from_slice(&data[y * stride..y * stride + row]);
    }
    ImageBuffer::from_raw(w, h, pixels).expect("rows of the right size")
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Pixel as _, Rgb};

    #[test]
    fn fits_the_width_and_keeps_the_aspect() {
        assert_eq!(fit_width((1280, 720), 960), (960, 540));
        assert_eq!(fit_width((640, 360), 960), (640, 360));
        assert_eq!(fit_width((1280, 720), 853), (853, 480));
        assert_eq!(fit_width((1280, 720), 0), (1280, 720));
    }

    #[test]
    fn halves_a_frame_by_averaging() {
        // Vertical stripes one pixel wide: averaging pairs gives the mean colour everywhere.
        let image = RgbImage::from_fn(64, 32, |x, _| {
            if x % 2 == 0 {
                Rgb([200, 100, 0])
            } else {
                Rgb([100, 50, 200])
            }
        });
        let mut scaler = Downscaler::new();
        let small = scaler.rgb(&image, (32, 16)).unwrap();
        assert_eq!(small.dimensions(), (32, 16));
        for p in small.pixels() {
            for (got, want) in p.channels().iter().zip([150u8, 75, 100]) {
                assert!((*got as i32 - want as i32).abs() <= 2, "{p:?}");
            }
        }
        let gray = scaler.gray(&image, (32, 16)).unwrap();
        assert_eq!(gray.dimensions(), (32, 16));
        // The mean of the two luma values (BT.601, limited range is not applied to GRAY8).
        let luma = |r: f64, g: f64, b: f64| 0.299 * r + 0.587 * g + 0.114 * b;
        let want = (luma(200.0, 100.0, 0.0) + luma(100.0, 50.0, 200.0)) / 2.0;
        for p in gray.pixels() {
            assert!((p.0[0] as f64 - want).abs() <= 3.0, "{p:?} vs {want}");
        }
        // A second size rebuilds the context; the same source size keeps the source frame.
        assert_eq!(scaler.rgb(&image, (16, 8)).unwrap().dimensions(), (16, 8));
    }
}
