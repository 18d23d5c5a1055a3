//! "Take photo" for a new pack: the camera's next frame at full size becomes the reference photo,
//! checked for sharpness first. A blurred photo (the camera moved, or it focused on something
//! else) would hold OCR labels nobody can read and features registration cannot match, so it is
//! refused with a hint instead of silently making a weak pack.
//!
//! Sharpness is the variance of the Laplacian (Pech-Pacheco et al., "Diatom autofocusing in
//! brightfield microscopy: a comparative study", ICPR 2000) on the grey image scaled to 640 px
//! wide (registration::Plane::laplacian_variance, the measure that calls a live frame too
//! blurred), so the number does not depend on the camera's resolution.

use std::path::{Path, PathBuf};

use image::{imageops::FilterType, GrayImage, RgbImage};
use serde::Serialize;

use crate::error::{Error, Result};

/// Width the sharpness is measured at.
const MEASURE_WIDTH: u32 = 640;
/// Below this variance of the Laplacian a photo is too blurred to make a pack from (calibrated
/// on the demo camera's frames: sharp ones score 174-300, the same blurred by a Gaussian of
/// sigma 1 score 16-23; tests/photo.rs, docs/new-pack.md).
pub const SHARPNESS_MIN: f64 = 80.0;

/// How sharp a photo is, and what to do when it is not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoQuality {
    /// Variance of the Laplacian at 640 px wide.
    pub sharpness: f64,
    /// The least sharpness a pack's photo needs ([`SHARPNESS_MIN`]).
    pub sharpness_min: f64,
    pub sharp: bool,
    /// What to do about it, when not sharp.
    pub hint: Option<String>,
}

/// The sharpness check of `image`.
pub fn photo_quality(image: &RgbImage) -> PhotoQuality {
    let (w, h) = image.dimensions();
    let grey: GrayImage = image::imageops::grayscale(image);
    let grey = if w > MEASURE_WIDTH {
        let height = ((u64::from(h) * u64::from(MEASURE_WIDTH)) / u64::from(w)).max(1) as u32;
        image::imageops::resize(&grey, MEASURE_WIDTH, height, FilterType::Triangle)
    } else {
        grey
    };
    // The focus measure registration uses to call a live frame too blurred: one rule.
    let sharpness = registration::Plane::from_gray(&grey).laplacian_variance(
        0,
        0,
        grey.width() as usize,
        grey.height() as usize,
    );
    let sharp = sharpness >= SHARPNESS_MIN;
    PhotoQuality {
        sharpness,
        sharpness_min: SHARPNESS_MIN,
        sharp,
        hint: (!sharp).then(|| {
            "the photo is blurred: hold the camera still, a little further from the panel, \
             with the panel's labels in focus, and take it again"
                .to_string()
        }),
    }
}

/// Frames of the tutorial video a photo is looked for in.
const VIDEO_FRAMES: f64 = 8.0;
/// Above this ratio of the largest to the smallest stretch of the photo into the video's best
/// (most frontal) match, the photo sees the panel at an angle: 1.25 is about 37 degrees off a
/// frontal video (the demo's own photo measures 1.03). Much steeper, and registration finds no
/// match at all: that is said too.
pub const OBLIQUE_ANISOTROPY: f64 = 1.25;

/// The photo looked for in the tutorial video: how many of its sampled frames show it, and how
/// obliquely the photo sees the panel compared with the most frontal of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoCheck {
    pub frames: usize,
    pub matched: usize,
    /// Frames where the panel was found but seen too steeply to place.
    pub too_oblique: usize,
    /// Largest over smallest singular value of the photo-to-frame mapping at the photo's centre,
    /// in the best match (1 = seen the same way as the video); `None` without a match.
    pub anisotropy: Option<f64>,
}

/// Looks for `photo` in 8 frames spread over `video` (registration, the live view's).
pub fn check_against_video(photo: &RgbImage, video: &Path) -> Result<VideoCheck> {
    let media_err = |e: media::Error| Error::PackInvalid {
        path: video.to_path_buf(),
        message: e.to_string(),
    };
    let duration = media::probe(video)
        .map_err(media_err)?
        .duration
        .unwrap_or(8.0);
    let sampled = media::sample_frames(video, (VIDEO_FRAMES / duration.max(1.0)).max(0.05))
        .map_err(media_err)?;
    let registrar =
        registration::Registrar::from_rgb(photo, registration::RegisterConfig::default())
            .map_err(|e| Error::Internal(format!("registration: {e}")))?;
    let (w, h) = (f64::from(photo.width()), f64::from(photo.height()));
    let mut check = VideoCheck {
        frames: sampled.frames.len(),
        matched: 0,
        too_oblique: 0,
        anisotropy: None,
    };
    for frame in &sampled.frames {
        let reg = registrar.register(&image::imageops::grayscale(&frame.image));
        if reg.reason == Some(registration::NotInViewReason::TooOblique) {
            check.too_oblique += 1;
        }
        let Some(hm) = reg.homography.filter(|_| reg.in_view) else {
            continue;
        };
        check.matched += 1;
        // s1 / s2 at the photo's centre; a mapping that flips it is as oblique as can be.
        let a = registration::homography::local_stretch(&hm, [w / 2.0, h / 2.0])
            .map_or(f64::INFINITY, |(det, s1)| s1 / (det / s1));
        check.anisotropy = Some(check.anisotropy.map_or(a, |b: f64| b.min(a)));
    }
    Ok(check)
}

/// What to say of a sharp photo after looking for it in the tutorial video, if anything.
pub fn video_hint(check: &VideoCheck) -> Option<String> {
    if check.matched == 0 && check.too_oblique > 0 {
        return Some(
            "the panel is seen at too steep an angle: stand square in front of it and take it again"
                .into(),
        );
    }
    if check.matched == 0 {
        return Some(format!(
            "none of {} frames of the tutorial video shows this panel: take it square on, as \
             the video films it (or is it another appliance?)",
            check.frames
        ));
    }
    match check.anisotropy {
        Some(a) if a > OBLIQUE_ANISOTROPY => Some(format!(
            "the panel is seen at an angle ({a:.1} times more stretched one way than the video \
             shows it): stand square in front of it for a better photo"
        )),
        _ => None,
    }
}

/// A photo taken: where it was saved and how sharp it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TakenPhoto {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    #[serde(flatten)]
    pub quality: PhotoQuality,
    /// The photo looked for in the tutorial video, when one was given.
    pub video: Option<VideoCheck>,
}

/// Saves `image` as a JPEG in `dir` (written atomically, named by the time) with its quality.
pub fn save_photo(image: &RgbImage, dir: &Path) -> Result<TakenPhoto> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let path = dir.join(format!("photo-{millis}.jpg"));
    let jpeg = crate::live::encode_jpeg(image).map_err(|e| Error::io(&path, e))?;
    assistq::fsutil::write_atomic(&path, &jpeg).map_err(|e| Error::io(&path, e))?;
    Ok(TakenPhoto {
        width: image.width(),
        height: image.height(),
        quality: photo_quality(image),
        path,
        video: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A synthetic panel: dark buttons with light labels on a light face.
    fn panel(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            let (bx, by) = (x % 160, y % 120);
            let v = if (30..130).contains(&bx) && (30..90).contains(&by) {
                if (bx / 6 + by / 6) % 3 == 0 {
                    230
                } else {
                    40
                }
            } else {
                200
            };
            image::Rgb([v, v, v])
        })
    }

    #[test]
    fn sharp_passes_blurred_is_refused_and_resolution_does_not_matter() {
        let sharp = photo_quality(&panel(1280, 720));
        assert!(sharp.sharp, "{sharp:?}");
        assert!(sharp.hint.is_none());
        let blurred = photo_quality(&image::imageops::blur(&panel(1280, 720), 4.0));
        assert!(!blurred.sharp, "{blurred:?}");
        assert!(blurred.hint.as_deref().unwrap().contains("blurred"));
        // The same scene at twice the resolution measures about the same.
        let big = photo_quality(&panel(2560, 1440));
        assert!(big.sharp, "{big:?}");
        let flat = photo_quality(&RgbImage::from_pixel(800, 600, image::Rgb([128, 128, 128])));
        assert_eq!(flat.sharpness, 0.0);
        assert!(!flat.sharp);
    }

    #[test]
    fn a_photo_is_saved_whole_as_jpeg() {
        let dir = tempfile::tempdir().unwrap();
        let taken = save_photo(&panel(640, 480), dir.path()).unwrap();
        assert_eq!((taken.width, taken.height), (640, 480));
        let back = image::open(&taken.path).unwrap();
        assert_eq!((back.width(), back.height()), (640, 480));
        assert!(taken.quality.sharp);
    }
}
