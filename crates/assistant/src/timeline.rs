//! A pack's tutorial timeline (`grounding`), computed once and cached next to its encoded
//! features by `grounding::cache` (the layout `pressnext ground --data` writes): the labels the
//! app names controls by, and the sentence, label and moment it shows as "why". A missing
//! timeline, or one of an older version, is recomputed; a pack still opens when it cannot be (no
//! OCR models, an unreadable photo), naming controls by their ids as before.

use std::path::Path;

use grounding::Timeline;

pub use grounding::cache::TIMELINE_FILE;

/// The cached timeline of the pack folder `folder`, or a new one written to `encoded_folder`
/// with the best OCR model under `models_root` (loaded only then).
pub fn load_or_ground(
    folder: &Path,
    encoded_folder: &Path,
    models_root: &Path,
) -> Result<Timeline, String> {
    grounding::cache::load_or_ground(folder, encoded_folder, || {
        Ok(ocr::Ocr::load_best(models_root)?)
    })
    .map_err(|e| e.to_string())
}
