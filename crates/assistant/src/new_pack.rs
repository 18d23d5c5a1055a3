//! Making a pack from a user's own tutorial: a video with spoken narration and a photo of the
//! appliance in, an AssistQ appliance folder out (docs/new-pack.md). The app's "New pack" and
//! `pressnext pack new` both call [`make_pack`].
//!
//! 1. The script: the given `script.txt` (checked), else the video's narration transcribed by
//!    Whisper (`speech`). A video without an audio track, or one where no speech is heard, asks
//!    for the script instead.
//! 2. The buttons: controls suggested on the photo (`grounding::controls`: outlines among the
//!    OCR's labels, each named by its label).
//! 3. The photo is registered to the video's frames (`grounding::video::activity_observed`): a
//!    photo of another appliance matches no frame and is refused, and each suggested control
//!    learns whether the tutorial's hand operates it. The same frames go to the hand finder
//!    (`hand_controls`): where the hand presses something no suggested box covers, a box is
//!    added there (`source: hand`).
//! 4. The pack is written as an AssistQ dataset root holding one appliance, which the app and
//!    `pressnext ask --pack` open like any other: `OUT/test/NAME/` (`video.mp4`/`video.mov`,
//!    `script.txt`, `images/NAME-user.jpg`, `buttons.csv`) and `OUT/test_without_gt.json` with
//!    no questions yet (`{"NAME": []}`). It is written under a temporary name beside `OUT`,
//!    checked as `pressnext check` checks it, and renamed into place, so a failure leaves
//!    nothing half-written.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::hand_controls::{HandConfig, HandTrack};

/// What the user gives.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPackRequest {
    /// The tutorial video (MP4 or MOV).
    pub video: PathBuf,
    /// A photo of the appliance's controls (JPEG or PNG).
    pub photo: PathBuf,
    /// The folder to create (must not exist, or be empty).
    pub out: PathBuf,
    /// The narration as a `script.txt`; transcribed from the video when absent.
    pub script: Option<PathBuf>,
}

/// Progress of [`make_pack`], for a bar or the app's channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum NewPackEvent {
    /// Transcribing the narration; `done` in 0..1.
    Transcribing { done: f64 },
    /// Reading the photo's labels and finding its controls.
    Reading,
    /// Matching the photo to the video's frames; seconds of video done of `total`.
    Registering { done: f64, total: f64 },
    /// Writing the folder.
    Writing,
}

/// One control of the new `buttons.csv`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewButton {
    pub name: String,
    /// `[x, y, w, h]` in photo pixels, as `buttons.csv` holds it.
    #[serde(rename = "box")]
    pub bbox: [i64; 4],
    /// The label read for it, when one was.
    pub label: Option<String>,
    /// Whether the tutorial video shows it being operated.
    pub operated: bool,
    /// Where the box came from: `outline` (the photo's edges) or `hand` (the tutorial's hand
    /// dwells there and no outline was found).
    pub source: ButtonSource,
}

/// Where a [`NewButton`]'s box came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonSource {
    /// An outline on the photo (`grounding::controls::suggest`).
    Outline,
    /// A place the tutorial's hand presses that no outline covers (`hand_controls`).
    Hand,
}

/// What [`make_pack`] made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPackReport {
    /// The dataset root (what to open).
    pub folder: PathBuf,
    /// The appliance's name, its folder `test/NAME`.
    pub appliance: String,
    /// `transcribed` or `given`.
    pub script_source: &'static str,
    pub script_lines: usize,
    pub buttons: Vec<NewButton>,
    /// Share of the video's sampled frames in which the photo was found.
    pub registered_share: f32,
}

/// The label file of a new pack (no questions yet).
pub const LABEL_FILE: &str = "test_without_gt.json";

/// Where a z-score of change inside a box means it is being operated (grounding's video cue
/// calls 3 strong).
const OPERATED_Z: f32 = 3.0;

/// Makes the pack `request` describes, with the models under `models_root` (OCR, Whisper).
pub fn make_pack(
    request: &NewPackRequest,
    models_root: &Path,
    progress: &mut dyn FnMut(NewPackEvent),
) -> Result<NewPackReport> {
    let out = &request.out;
    check_destination(out)?;
    let video_name = video_file_name(&request.video)?;
    let photo = registration::load_image(&request.photo).map_err(|e| Error::PackInvalid {
        path: request.photo.clone(),
        message: format!("cannot read the photo: {e}"),
    })?;
    let photo_ext = match extension(&request.photo).as_str() {
        "jpg" | "jpeg" => "jpg",
        "png" => "png",
        other => {
            return Err(Error::PackInvalid {
                path: request.photo.clone(),
                message: format!("a .{other} photo: use a JPEG or PNG"),
            })
        }
    };

    let (script, script_source) = match &request.script {
        Some(path) => (
            assistq::script::Script::read(path).map_err(|e| Error::PackInvalid {
                path: path.clone(),
                message: e.to_string(),
            })?,
            "given",
        ),
        None => (
            transcribe(&request.video, models_root, progress)?,
            "transcribed",
        ),
    };
    if script.lines.is_empty() {
        return Err(Error::PackInvalid {
            path: request
                .script
                .clone()
                .unwrap_or_else(|| request.video.clone()),
            message: "the script has no lines".into(),
        });
    }

    progress(NewPackEvent::Reading);
    let ocr = ocr::Ocr::load_best(models_root).map_err(|e| Error::WeightsMissing(e.to_string()))?;
    let texts = ocr
        .read(&photo)
        .map_err(|e| Error::Internal(format!("reading the photo's labels: {e}")))?;
    let suggested = grounding::controls::suggest(&photo, &texts);

    let rects: Vec<grounding::layout::Rect> = suggested.iter().map(|c| c.rect).collect();
    let label_rects: Vec<follow::Rect> = texts.iter().map(|t| t.quad.bounds()).collect();
    let mut hand = HandTrack::new(photo.dimensions(), &rects, &label_rects);
    let activity = grounding::video::activity_observed(
        &request.video,
        &photo,
        &rects,
        None,
        |done, total| progress(NewPackEvent::Registering { done, total }),
        |frame| hand.observe(frame),
    )
    .map_err(|e| Error::PackInvalid {
        path: request.video.clone(),
        message: e.to_string(),
    })?;
    let registered_share = activity.registered_share();
    if !activity.in_view.iter().any(|&v| v) {
        return Err(Error::PackInvalid {
            path: request.photo.clone(),
            message: format!(
                "the photo matches no frame of {}: is it a photo of the same appliance as the \
                 video? Take it straight on, the whole panel in view",
                request.video.display()
            ),
        });
    }
    if suggested.is_empty() {
        return Err(Error::PackInvalid {
            path: request.photo.clone(),
            message: "no control was found on the photo: take it straight on, the whole panel \
                      in view and in focus"
                .into(),
        });
    }
    let mut buttons: Vec<NewButton> = suggested
        .iter()
        .enumerate()
        .map(|(i, c)| NewButton {
            name: c.name.clone(),
            bbox: csv_box(c.rect),
            label: c.label.clone(),
            operated: activity
                .z
                .iter()
                .any(|row| row.get(i).is_some_and(|&z| z >= OPERATED_Z)),
            source: ButtonSource::Outline,
        })
        .collect();
    let names: Vec<String> = suggested.iter().map(|c| c.name.clone()).collect();
    let from_hand = crate::hand_controls::hand_controls(
        hand.tips(),
        &rects,
        &texts,
        photo.dimensions(),
        &names,
        &HandConfig::default(),
    );
    buttons.extend(from_hand.into_iter().map(|c| NewButton {
        name: c.name,
        bbox: csv_box(c.rect),
        label: c.label,
        operated: true,
        source: ButtonSource::Hand,
    }));

    progress(NewPackEvent::Writing);
    let appliance = appliance_name(out);
    let image_name = format!("{appliance}-user.{photo_ext}");
    let mut csv = String::new();
    for b in &buttons {
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            b.name,
            b.bbox[0],
            b.bbox[1],
            b.bbox[2],
            b.bbox[3],
            image_name,
            photo.width(),
            photo.height()
        ));
    }
    write_folder(out, |root| {
        let tmp = root.join("test").join(&appliance);
        std::fs::create_dir_all(tmp.join("images"))
            .map_err(|e| Error::io(tmp.join("images"), e))?;
        assistq::fsutil::copy_atomic(&request.video, &tmp.join(video_name))
            .map_err(|e| Error::io(&request.video, e))?;
        assistq::fsutil::copy_atomic(&request.photo, &tmp.join("images").join(&image_name))
            .map_err(|e| Error::io(&request.photo, e))?;
        script
            .write(&tmp.join("script.txt"))
            .map_err(|e| Error::Internal(e.to_string()))?;
        assistq::fsutil::write_atomic(&tmp.join("buttons.csv"), csv.as_bytes())
            .map_err(|e| Error::io(tmp.join("buttons.csv"), e))?;
        let label = root.join(LABEL_FILE);
        let questions = serde_json::json!({ appliance.clone(): [] });
        assistq::fsutil::write_atomic(&label, format!("{questions}\n").as_bytes())
            .map_err(|e| Error::io(&label, e))?;
        let report = media::check_dataset(root);
        if report.has_errors() {
            let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
            return Err(Error::Internal(format!(
                "the new pack does not pass its check: {}",
                problems.join("; ")
            )));
        }
        Ok(())
    })?;
    Ok(NewPackReport {
        folder: out.clone(),
        appliance,
        script_source,
        script_lines: script.lines.len(),
        buttons,
        registered_share,
    })
}

fn transcribe(
    video: &Path,
    models_root: &Path,
    progress: &mut dyn FnMut(NewPackEvent),
) -> Result<assistq::script::Script> {
    let dir = models_root.join(speech::WHISPER_DIR);
    let mut whisper = speech::Transcriber::load(&dir, &candle_core::Device::Cpu)
        .map_err(|e| Error::WeightsMissing(e.to_string()))?;
    let transcript = speech::transcribe_file(&mut whisper, video, &mut |done| {
        progress(NewPackEvent::Transcribing { done })
    })
    .map_err(|e| match e {
        speech::Error::Media(media::Error::NoAudio { path }) => Error::PackInvalid {
            path,
            message: "the video has no audio track: give its narration as a script \
                      (pressnext pack new --script FILE, or type it in the app)"
                .into(),
        },
        speech::Error::NoSpeech { path, detail } => Error::PackInvalid {
            path,
            message: format!(
                "no speech was heard in its sound track ({detail}): give the narration as a \
                 script (--script FILE, or type it in the app)"
            ),
        },
        speech::Error::Media(e) => Error::PackInvalid {
            path: video.to_path_buf(),
            message: e.to_string(),
        },
        other => Error::Internal(other.to_string()),
    })?;
    Ok(transcript.script())
}

/// `[x0, y0, x1, y1]` as `buttons.csv`'s whole-pixel `[x, y, w, h]`.
fn csv_box(rect: [f32; 4]) -> [i64; 4] {
    let x = rect[0].round() as i64;
    let y = rect[1].round() as i64;
    [
        x,
        y,
        (rect[2].round() as i64 - x).max(1),
        (rect[3].round() as i64 - y).max(1),
    ]
}

/// `video.mp4` or `video.mov`, the names an AssistQ folder's video may have.
fn video_file_name(video: &Path) -> Result<&'static str> {
    media::probe(video).map_err(|e| Error::PackInvalid {
        path: video.to_path_buf(),
        message: e.to_string(),
    })?;
    match extension(video).as_str() {
        "mp4" | "m4v" => Ok("video.mp4"),
        "mov" => Ok("video.mov"),
        other => Err(Error::PackInvalid {
            path: video.to_path_buf(),
            message: format!(
                "a .{other} video: a pack holds an MP4 or MOV file (convert it first, for \
                 example with ffmpeg -i {} video.mp4)",
                video.display()
            ),
        }),
    }
}

/// The appliance's name from the pack folder's: lower-case letters, digits and `_`.
fn appliance_name(out: &Path) -> String {
    let raw = out
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let name: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let name = name.trim_matches('_').to_string();
    if name.is_empty() {
        "appliance".into()
    } else {
        name
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// The destination must be new (or an empty folder) inside a folder that exists.
fn check_destination(out: &Path) -> Result<()> {
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_none();
        if !out.is_dir() || !empty {
            return Err(Error::PackInvalid {
                path: out.to_path_buf(),
                message: "already exists and is not an empty folder: choose a new folder".into(),
            });
        }
    }
    let parent = parent_of(out);
    if !parent.is_dir() {
        return Err(Error::PackInvalid {
            path: out.to_path_buf(),
            message: format!("its parent folder {} does not exist", parent.display()),
        });
    }
    Ok(())
}

fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Fills a temporary sibling of `out` with `fill`, then renames it to `out`; on any failure the
/// temporary folder is removed and `out` is as it was.
fn write_folder(out: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pack".into());
    let tmp = parent_of(out).join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::create_dir(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let result = fill(&tmp).and_then(|()| {
        if out.is_dir() {
            // Checked empty before: replaced by the complete folder.
            std::fs::remove_dir(out).map_err(|e| Error::io(out, e))?;
        }
        std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}
