//! The timeline cached next to an appliance's encoded features
//! (`<encoded>/<appliance>/timeline.json`): written by `pressnext ground --data ... --out
//! ENCODED` and by the app when it opens a pack, read by both. A file of another version, or one
//! that does not parse, counts as missing and is recomputed. Written atomically.

use std::path::Path;

use crate::{Error, Timeline, VERSION};

/// The file name inside the appliance's encoded folder.
pub const TIMELINE_FILE: &str = "timeline.json";

/// The cached timeline in `encoded_folder`, when it is of this version.
pub fn cached(encoded_folder: &Path) -> Option<Timeline> {
    let text = std::fs::read_to_string(encoded_folder.join(TIMELINE_FILE)).ok()?;
    parse(&text)
}

/// A timeline file's text, when it parses and is of this version.
pub fn parse(text: &str) -> Option<Timeline> {
    serde_json::from_str::<Timeline>(text)
        .ok()
        .filter(|t| t.version == VERSION)
}

/// Writes `timeline` into `encoded_folder` (created when missing), atomically.
pub fn save(encoded_folder: &Path, timeline: &Timeline) -> Result<(), Error> {
    let path = encoded_folder.join(TIMELINE_FILE);
    let text = serde_json::to_string_pretty(timeline).map_err(|e| Error::Invalid {
        path: path.clone(),
        message: format!("cannot serialise the timeline: {e}"),
    })? + "\n";
    std::fs::create_dir_all(encoded_folder).map_err(|source| {
        Error::Io(assistq::FileError::new(
            encoded_folder.to_path_buf(),
            source,
        ))
    })?;
    assistq::fsutil::write_atomic(&path, text.as_bytes())
        .map_err(|source| Error::Io(assistq::FileError::new(path, source)))
}

/// The cached timeline of the appliance folder `folder`, or a new one grounded with the models
/// `load` gives (called only then) and saved into `encoded_folder`.
pub fn load_or_ground(
    folder: &Path,
    encoded_folder: &Path,
    load: impl FnOnce() -> Result<crate::Readers, Error>,
) -> Result<Timeline, Error> {
    if let Some(t) = cached(encoded_folder) {
        return Ok(t);
    }
    let readers = load()?;
    let timeline = crate::ground_folder(folder, &readers, |_, _| {})?;
    save(encoded_folder, &timeline)?;
    Ok(timeline)
}
