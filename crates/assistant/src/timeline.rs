//! A pack's tutorial timeline (`grounding`), computed once and cached next to its encoded
//! features (`<encoded>/<appliance>/timeline.json`, the layout `pressnext ground --data` writes):
//! the labels the app names controls by, and the sentence, label and moment it shows as "why".
//! A missing timeline, or one of an older version, is recomputed; a pack still opens when it
//! cannot be (no OCR models, an unreadable photo), naming controls by their ids as before.

use std::path::Path;

use grounding::Timeline;

/// The file name inside the appliance's encoded folder.
pub const TIMELINE_FILE: &str = "timeline.json";

/// The cached timeline of the pack folder `folder`, or a new one written to `encoded_folder`.
pub fn load_or_ground(
    folder: &Path,
    encoded_folder: &Path,
    models_root: &Path,
) -> Result<Timeline, String> {
    let path = encoded_folder.join(TIMELINE_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(t) = serde_json::from_str::<Timeline>(&text) {
            if t.version == grounding::VERSION {
                return Ok(t);
            }
        }
    }
    let ocr = ocr::Ocr::load_best(models_root).map_err(|e| e.to_string())?;
    let timeline = grounding::ground_folder(folder, &ocr, |_, _| {}).map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&timeline).map_err(|e| e.to_string())? + "\n";
    std::fs::create_dir_all(encoded_folder)
        .map_err(|e| format!("{}: {e}", encoded_folder.display()))?;
    assistq::fsutil::write_atomic(&path, text.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(timeline)
}
