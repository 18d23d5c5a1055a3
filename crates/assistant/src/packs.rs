//! Tutorial packs: AssistQ-format appliance folders the user opens, encoded once into the app's
//! cache and remembered in a library (`packs/index.json`). The user's folders are only read.
//!
//! A pack is one appliance: `ROOT/SPLIT/NAME/` (video, script, buttons, images) with its questions in
//! one of `ROOT`'s label files (`train.json`, `test_with_gt.json`, `test_without_gt.json`). The user
//! may point at the appliance folder itself, a split folder or a dataset root (then picks the
//! appliance when there are several).

use std::path::{Path, PathBuf};

use assistq::buttons::Buttons;
use assistq::qa::{Qa, QaFile};
use assistq::script::Script;
use encoders::encode::{ButtonView, EncodeEvent, EncodeOptions, EncodeSink, Encoders};
pub use registration::ButtonBox;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Label files, most informative first (a file with ground truth lets the app show metrics).
const LABEL_FILES: [(&str, &str); 3] = [
    ("test_with_gt.json", "test"),
    ("train.json", "train"),
    ("test_without_gt.json", "test"),
];

/// Frames per second the pack's video is encoded at (the AssistQ encoders' rate).
pub const ENCODE_FPS: f64 = 1.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackSummary {
    /// Stable id: a hash of the appliance folder's canonical path.
    pub id: String,
    /// What the UI shows.
    pub name: String,
    pub appliance: String,
    /// The appliance folder.
    pub folder: PathBuf,
    /// The label file holding its questions.
    pub label: PathBuf,
    pub questions: usize,
    pub encoded: bool,
}

/// What [`inspect`] finds at a path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    /// `folder` (one appliance folder) or `root` (a dataset root or split folder).
    pub kind: &'static str,
    pub appliances: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScriptLine {
    pub index: usize,
    pub start: f64,
    pub end: f64,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Size {
    pub width: u32,
    pub height: u32,
}

/// Everything the UI shows of a pack.
#[derive(Debug, Clone, Serialize)]
pub struct PackDetail {
    pub id: String,
    pub name: String,
    pub appliance: String,
    pub folder: PathBuf,
    pub questions: Vec<String>,
    pub script: Vec<ScriptLine>,
    pub buttons: Vec<ButtonBox>,
    pub reference: Size,
    pub video: VideoFacts,
    pub video_url: String,
    pub reference_url: String,
    #[serde(skip)]
    pub reference_path: PathBuf,
    #[serde(skip)]
    pub video_path: PathBuf,
    #[serde(skip)]
    pub qas: Vec<Qa>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VideoFacts {
    pub duration: f64,
}

/// Where an appliance's files and questions are.
#[derive(Debug, Clone)]
struct Located {
    root: PathBuf,
    split: String,
    appliance: String,
    label: PathBuf,
}

fn read_labels(path: &Path) -> Result<QaFile> {
    QaFile::read(path).map_err(|e| Error::PackInvalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The appliances of `root`'s split `split` that have questions and a folder, with their label.
fn appliances_in(root: &Path, split: &str) -> Result<Vec<Located>> {
    let mut found: Vec<Located> = Vec::new();
    for (file, s) in LABEL_FILES {
        let label = root.join(file);
        if s != split || !label.is_file() {
            continue;
        }
        for (name, _) in read_labels(&label)?.folders {
            if root.join(split).join(&name).is_dir() && !found.iter().any(|l| l.appliance == name) {
                found.push(Located {
                    root: root.to_path_buf(),
                    split: split.to_string(),
                    appliance: name,
                    label: label.clone(),
                });
            }
        }
    }
    Ok(found)
}

/// Every appliance reachable from `path` (an appliance folder, split folder or dataset root).
fn locate_all(path: &Path) -> Result<(bool, Vec<Located>)> {
    if !path.is_dir() {
        return Err(Error::PackNotFound {
            path: path.to_path_buf(),
        });
    }
    let path = path.canonicalize().map_err(|e| Error::io(path, e))?;
    let invalid = |message: &str| Error::PackInvalid {
        path: path.clone(),
        message: message.to_string(),
    };
    if assistq::layout::is_appliance_folder(&path) {
        let appliance = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let split_dir = path.parent();
        let (Some(appliance), Some(split_dir), Some(root)) =
            (appliance, split_dir, split_dir.and_then(Path::parent))
        else {
            return Err(invalid(
                "an appliance folder must sit in ROOT/train or ROOT/test",
            ));
        };
        let split = split_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !assistq::layout::SPLITS.contains(&split.as_str()) {
            // Its questions can only be in ROOT/train.json or ROOT/test_*.json.
            return Err(invalid(&format!(
                "an appliance folder must sit in ROOT/train or ROOT/test, beside the QA file \
                 with its questions (this one is in `{split}`)"
            )));
        }
        let found = appliances_in(root, &split)?
            .into_iter()
            .filter(|l| l.appliance == appliance)
            .collect::<Vec<_>>();
        if found.is_empty() {
            return Err(invalid(&format!(
                "no questions for `{appliance}` in {}: expected it in {}",
                root.display(),
                LABEL_FILES
                    .iter()
                    .filter(|(_, s)| *s == split)
                    .map(|(f, _)| *f)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        return Ok((true, found));
    }
    let mut found = Vec::new();
    let split_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    match (split_name.as_deref(), path.parent()) {
        (Some(s @ ("train" | "test")), Some(root)) if !root.join(s).join("train").is_dir() => {
            found.extend(appliances_in(root, s)?)
        }
        _ => {
            for split in ["test", "train"] {
                found.extend(appliances_in(&path, split)?);
            }
        }
    }
    if found.is_empty() {
        return Err(invalid(
            "no appliance with questions here: expected an appliance folder (script.txt, \
             buttons.csv, video.mp4, images/) or a dataset root (train.json or test_with_gt.json \
             beside train/ or test/)",
        ));
    }
    Ok((false, found))
}

/// What is at `path`: one appliance folder, or a root with the appliances it offers.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let (is_folder, found) = locate_all(path)?;
    Ok(Inspection {
        kind: if is_folder { "folder" } else { "root" },
        appliances: found.into_iter().map(|l| l.appliance).collect(),
    })
}

fn locate(path: &Path, appliance: Option<&str>) -> Result<Located> {
    let (_, mut found) = locate_all(path)?;
    match appliance {
        Some(name) => found
            .into_iter()
            .find(|l| l.appliance == name)
            .ok_or_else(|| Error::PackInvalid {
                path: path.to_path_buf(),
                message: format!("holds no appliance `{name}` with questions"),
            }),
        None if found.len() == 1 => Ok(found.remove(0)),
        None => Err(Error::ChooseAppliance {
            path: path.to_path_buf(),
            appliances: found.into_iter().map(|l| l.appliance).collect(),
        }),
    }
}

fn pack_id(folder: &Path) -> String {
    let digest = Sha256::digest(folder.to_string_lossy().as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// "coffeemachine_646bh" -> "Coffeemachine 646bh".
fn display_name(appliance: &str) -> String {
    let spaced = appliance.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// The library of opened packs and their encoded features, under `DATA/packs`.
#[derive(Debug, Clone)]
pub struct PackLibrary {
    dir: PathBuf,
    packs: Vec<PackSummary>,
}

#[derive(Serialize, Deserialize, Default)]
struct Index {
    packs: Vec<PackSummary>,
}

impl PackLibrary {
    /// Opens the library at `dir` (created when missing). Packs whose folder has gone are kept
    /// (the user may remount a drive) but show as not encoded only if their cache is gone.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        // An index write cut by a kill leaves its temp file (the index itself is whole).
        assistq::fsutil::remove_stale_temps(dir);
        let index_path = dir.join("index.json");
        let packs = match std::fs::read_to_string(&index_path) {
            Ok(text) => {
                serde_json::from_str::<Index>(&text)
                    .map_err(|e| Error::PackInvalid {
                        path: index_path.clone(),
                        message: format!("the pack library index is damaged: {e}"),
                    })?
                    .packs
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io(&index_path, e)),
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            packs,
        })
    }

    pub fn list(&self) -> &[PackSummary] {
        &self.packs
    }

    pub fn get(&self, id: &str) -> Option<&PackSummary> {
        self.packs.iter().find(|p| p.id == id)
    }

    /// The folder of encoded features of pack `id`.
    pub fn encoded_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id).join("encoded")
    }

    fn save(&self) -> Result<()> {
        let path = self.dir.join("index.json");
        let text = serde_json::to_string_pretty(&Index {
            packs: self.packs.clone(),
        })
        .expect("index serialises");
        assistq::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| Error::io(&path, e))
    }

    /// Checks the pack at `path` and returns what opening it would add, without encoding.
    pub fn prepare(&self, path: &Path, appliance: Option<&str>) -> Result<PackSummary> {
        let located = locate(path, appliance)?;
        let folder = located.root.join(&located.split).join(&located.appliance);
        let report = media::check_dataset(&folder);
        if report.has_errors() {
            // The first few, each `FILE:LOCATION: message`; `pressnext check` lists them all.
            const SHOWN: usize = 3;
            let errors: Vec<&assistq::check::Problem> = report
                .problems
                .iter()
                .filter(|p| p.severity == assistq::check::Severity::Error)
                .collect();
            let mut problems: Vec<String> = errors
                .iter()
                .take(SHOWN)
                .map(|p| match p.location.as_str() {
                    "" => format!("{}: {}", p.file.display(), p.message),
                    at => format!("{}:{at}: {}", p.file.display(), p.message),
                })
                .collect();
            if errors.len() > SHOWN {
                problems.push(format!(
                    "and {} more (`pressnext check {}` lists them all)",
                    errors.len() - SHOWN,
                    folder.display()
                ));
            }
            return Err(Error::PackInvalid {
                path: folder,
                message: problems.join("; "),
            });
        }
        let questions = read_labels(&located.label)?
            .get(&located.appliance)
            .map_or(0, |q| q.len());
        let id = pack_id(&folder);
        Ok(PackSummary {
            encoded: self
                .encoded_dir(&id)
                .join(&located.appliance)
                .join(q2a::features::ENCODER_JSON)
                .is_file(),
            name: display_name(&located.appliance),
            appliance: located.appliance,
            id,
            folder,
            label: located.label,
            questions,
        })
    }

    /// Checks, encodes (resuming or skipping what is already encoded with the same encoders) and
    /// remembers the pack. `sink` gets progress and is polled for cancellation.
    pub fn open_pack(
        &mut self,
        path: &Path,
        appliance: Option<&str>,
        encoders: &Encoders,
        sink: &dyn EncodeSink,
    ) -> Result<PackSummary> {
        let pack = self.encode(path, appliance, encoders, sink)?;
        self.insert(pack.clone())?;
        Ok(pack)
    }

    /// Remembers an encoded pack (replacing an earlier entry of the same id) and saves the index.
    pub fn insert(&mut self, pack: PackSummary) -> Result<()> {
        self.packs.retain(|p| p.id != pack.id);
        self.packs.push(pack);
        self.save()
    }

    /// Checks and encodes the pack into its cache, without remembering it: the long part of
    /// [`PackLibrary::open_pack`], which needs only read access, so that the app can run it on
    /// a copy while the live library stays unlocked, then [`PackLibrary::insert`] the result
    /// into the live one.
    pub fn encode(
        &self,
        path: &Path,
        appliance: Option<&str>,
        encoders: &Encoders,
        sink: &dyn EncodeSink,
    ) -> Result<PackSummary> {
        let mut pack = self.prepare(path, appliance)?;
        let cache = self.dir.join(&pack.id);
        std::fs::create_dir_all(&cache).map_err(|e| Error::io(&cache, e))?;
        // What an open killed mid-write left (the encoder clears its own folders).
        assistq::fsutil::remove_stale_temps(&cache);
        // The encoder encodes every folder of its label file: hand it one with just this one.
        let qas = read_labels(&pack.label)?
            .get(&pack.appliance)
            .map(<[Qa]>::to_vec)
            .unwrap_or_default();
        let label = cache.join("label.json");
        let one = QaFile {
            folders: vec![(pack.appliance.clone(), qas)],
        };
        assistq::fsutil::write_atomic(&label, one.to_json_string().as_bytes())
            .map_err(|e| Error::io(&label, e))?;
        let split_dir = pack.folder.parent().expect("located in a split folder");
        let opts = EncodeOptions {
            data_root: split_dir.parent().expect("split in a root").to_path_buf(),
            split: split_dir
                .file_name()
                .expect("split name")
                .to_string_lossy()
                .into_owned(),
            label,
            out: self.encoded_dir(&pack.id),
            fps: ENCODE_FPS,
            button_view: ButtonView::Crop,
        };
        let summary = encoders::encode::encode_dataset(encoders, &opts, sink)?;
        if let Some((_, error)) = summary.failed.first() {
            return Err(Error::PackInvalid {
                path: pack.folder.clone(),
                message: error.clone(),
            });
        }
        pack.encoded = true;
        Ok(pack)
    }

    /// Forgets pack `id` (saving the index) and returns its cache folder, for the caller to
    /// delete with [`delete_cache`] outside any lock; the user's folder is never touched.
    pub fn forget(&mut self, id: &str) -> Result<PathBuf> {
        self.packs.retain(|p| p.id != id);
        self.save()?;
        let cache = self.dir.join(id);
        if !cache.starts_with(&self.dir) || Path::new(id).components().count() != 1 {
            return Err(Error::PackNotFound {
                path: PathBuf::from(id),
            });
        }
        Ok(cache)
    }

    /// Reads what the UI shows of pack `id` from its folder.
    pub fn detail(&self, id: &str) -> Result<PackDetail> {
        let pack = self.get(id).ok_or_else(|| Error::PackNotFound {
            path: PathBuf::from(id),
        })?;
        detail(pack)
    }
}

/// The boxes `buttons.csv` gives for the photo `image`, in the pixels of that photo as it is
/// (`width` x `height`): scaled when the file was annotated on a copy of another size. The
/// app's packs, the live view and `pressnext register` all take their boxes from here.
pub fn reference_boxes(buttons: &Buttons, image: &str, width: u32, height: u32) -> Vec<ButtonBox> {
    buttons
        .for_image(image)
        .into_iter()
        .map(|b| {
            let (x, y, w, h) = b.rect_on_photo(width, height);
            ButtonBox {
                name: b.name.clone(),
                x,
                y,
                w,
                h,
            }
        })
        .collect()
}

/// A control's box as the window's box editor sends it (photo pixels).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct EditedBox {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// Replaces the boxes `buttons.csv` of `folder` gives for its reference photo `image` (of
/// `width` x `height`) with `boxes`, keeping other images' rows; written atomically. A box is
/// refused, naming it, when its name is empty, holds a comma or a quote, or is used twice, or
/// when it is not inside the photo with sides of at least 1 px.
pub fn write_reference_boxes(
    folder: &Path,
    image: &str,
    (width, height): (u32, u32),
    boxes: &[EditedBox],
) -> Result<()> {
    let path = folder.join("buttons.csv");
    let bad = |message: String| Error::PackInvalid {
        path: path.clone(),
        message,
    };
    let mut names = std::collections::HashSet::new();
    for (i, b) in boxes.iter().enumerate() {
        let name = b.name.trim();
        let which = format!("box {} (`{name}`)", i + 1);
        if name.is_empty() || name.contains([',', '"']) {
            return Err(bad(format!(
                "{which}: a name is needed, without commas or quotes"
            )));
        }
        if !names.insert(name.to_string()) {
            return Err(bad(format!("{which}: the name is used twice")));
        }
        let inside = b.x >= 0.0
            && b.y >= 0.0
            && b.w >= 1.0
            && b.h >= 1.0
            && b.x + b.w <= f64::from(width) + 0.5
            && b.y + b.h <= f64::from(height) + 0.5;
        if !inside {
            return Err(bad(format!(
                "{which}: ({}, {}, {} x {}) is not inside the {width} x {height} photo",
                b.x, b.y, b.w, b.h
            )));
        }
    }
    let mut buttons = Buttons::read(&path).map_err(|e| bad(e.to_string()))?;
    buttons.buttons.retain(|b| b.image != image);
    buttons.buttons.extend(
        boxes
            .iter()
            .enumerate()
            .map(|(i, b)| assistq::buttons::Button {
                name: b.name.trim().to_string(),
                x: b.x.round() as i64,
                y: b.y.round() as i64,
                w: b.w.round() as i64,
                h: b.h.round() as i64,
                image: image.to_string(),
                image_width: i64::from(width),
                image_height: i64::from(height),
                line: i + 2,
            }),
    );
    buttons.write(&path).map_err(|e| bad(e.to_string()))
}

/// `path` resolved through symlinks, when it stays inside `folder` (resolved too): what the app
/// serves from a pack is the pack's own files, wherever a link in it points.
pub fn inside_folder(folder: &Path, path: &Path) -> Result<PathBuf> {
    let root = folder.canonicalize().map_err(|e| Error::io(folder, e))?;
    let real = path.canonicalize().map_err(|e| Error::io(path, e))?;
    if !real.starts_with(&root) || !real.is_file() {
        return Err(Error::PackInvalid {
            path: path.to_path_buf(),
            message: format!(
                "leads to {}, which is not a file inside the pack folder {}",
                real.display(),
                root.display()
            ),
        });
    }
    Ok(real)
}

/// Deletes a pack's cache folder (from [`PackLibrary::forget`]), if it is there.
pub fn delete_cache(cache: &Path) -> Result<()> {
    if cache.is_dir() {
        std::fs::remove_dir_all(cache).map_err(|e| Error::io(cache, e))?;
    }
    Ok(())
}

/// Reads what the UI shows of `pack` from its folder.
pub fn detail(pack: &PackSummary) -> Result<PackDetail> {
    let invalid = |path: &Path, e: &dyn std::fmt::Display| Error::PackInvalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let qas = read_labels(&pack.label)?
        .get(&pack.appliance)
        .map(<[Qa]>::to_vec)
        .unwrap_or_default();
    let script_path = pack.folder.join("script.txt");
    let script = Script::read(&script_path).map_err(|e| invalid(&script_path, &e))?;
    let buttons_path = pack.folder.join("buttons.csv");
    let buttons = Buttons::read(&buttons_path).map_err(|e| invalid(&buttons_path, &e))?;
    let reference_name = qas
        .iter()
        .flat_map(|q| q.images.first())
        .next()
        .cloned()
        .or_else(|| buttons.images().first().map(|s| s.to_string()))
        .ok_or_else(|| invalid(&buttons_path, &"names no reference image"))?;
    let reference_path = pack.folder.join("images").join(&reference_name);
    let (width, height) =
        image::image_dimensions(&reference_path).map_err(|e| invalid(&reference_path, &e))?;
    let video_path =
        assistq::layout::video_file(&pack.folder).unwrap_or_else(|| pack.folder.join("video.mp4"));
    let duration = media::probe(&video_path)
        .map_err(|e| invalid(&video_path, &e))?
        .duration
        .unwrap_or(0.0);
    Ok(PackDetail {
        id: pack.id.clone(),
        name: pack.name.clone(),
        appliance: pack.appliance.clone(),
        folder: pack.folder.clone(),
        questions: qas.iter().map(|q| q.question.clone()).collect(),
        script: script
            .sentences()
            .into_iter()
            .enumerate()
            .map(|(index, s)| ScriptLine {
                index,
                start: s.start,
                end: s.end,
                text: s.text,
            })
            .collect(),
        buttons: reference_boxes(&buttons, &reference_name, width, height),
        reference: Size { width, height },
        video: VideoFacts { duration },
        video_url: format!("pack://localhost/{}/video.mp4", pack.id),
        reference_url: format!("pack://localhost/{}/reference.jpg", pack.id),
        reference_path,
        video_path,
        qas,
    })
}

/// Whether long work should stop: the services' cancellation tokens, or a plain flag.
pub trait Cancel: Send + Sync {
    fn is_cancelled(&self) -> bool;
}

impl Cancel for std::sync::atomic::AtomicBool {
    fn is_cancelled(&self) -> bool {
        self.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Cancel for tokio_util::sync::CancellationToken {
    fn is_cancelled(&self) -> bool {
        tokio_util::sync::CancellationToken::is_cancelled(self)
    }
}

/// Forwards encoding progress to a closure and answers cancellation from `cancel`.
pub struct EncodeProgress<'a> {
    pub on_event: &'a (dyn Fn(&EncodeEvent) + Send + Sync),
    pub cancel: &'a dyn Cancel,
}

impl EncodeSink for EncodeProgress<'_> {
    fn event(&self, event: &EncodeEvent) {
        (self.on_event)(event)
    }

    fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edited_boxes_replace_the_photos_rows_only_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("buttons.csv");
        let before = "On/Off,10,10,20,20,panel.jpg,320,240\nStart,5,5,8,8,other.jpg,100,100\n";
        std::fs::write(&csv, before).unwrap();
        let edited = |name: &str, x: f64, w: f64| EditedBox {
            name: name.into(),
            x,
            y: 100.0,
            w,
            h: 40.0,
        };
        write_reference_boxes(
            dir.path(),
            "panel.jpg",
            (640, 480),
            &[edited(" Power ", 20.4, 40.0), edited("Lungo", 100.0, 39.6)],
        )
        .unwrap();
        let buttons = Buttons::read(&csv).unwrap();
        let boxes = reference_boxes(&buttons, "panel.jpg", 640, 480);
        let names: Vec<&str> = boxes.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["Power", "Lungo"]);
        assert_eq!((boxes[0].x, boxes[1].w), (20.0, 40.0));
        assert_eq!(
            buttons.for_image("other.jpg").len(),
            1,
            "another image's row is kept"
        );
        for (bad, why) in [
            (vec![edited("a,b", 0.0, 10.0)], "without commas"),
            (vec![edited("", 0.0, 10.0)], "a name is needed"),
            (
                vec![edited("A", 0.0, 10.0), edited("A", 50.0, 10.0)],
                "used twice",
            ),
            (
                vec![edited("A", 630.0, 20.0)],
                "not inside the 640 x 480 photo",
            ),
        ] {
            let before = std::fs::read_to_string(&csv).unwrap();
            let err = write_reference_boxes(dir.path(), "panel.jpg", (640, 480), &bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains(why) && err.contains("buttons.csv"), "{err}");
            assert_eq!(
                std::fs::read_to_string(&csv).unwrap(),
                before,
                "nothing written"
            );
        }
    }

    #[test]
    fn files_served_from_a_pack_stay_inside_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let pack = dir.path().join("pack");
        std::fs::create_dir_all(pack.join("images")).unwrap();
        std::fs::write(pack.join("images/panel.jpg"), b"jpeg").unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"not yours").unwrap();
        std::os::unix::fs::symlink("panel.jpg", pack.join("images/link.jpg")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), pack.join("images/out.jpg"))
            .unwrap();
        let inside = inside_folder(&pack, &pack.join("images/link.jpg")).unwrap();
        assert!(inside.ends_with("images/panel.jpg"));
        let err = inside_folder(&pack, &pack.join("images/out.jpg")).unwrap_err();
        assert_eq!(err.code(), "pack.invalid", "{err}");
        assert!(err.to_string().contains("secret.txt"), "{err}");
        let err = inside_folder(&pack, &pack.join("images")).unwrap_err();
        assert_eq!(err.code(), "pack.invalid", "{err}");
    }

    #[test]
    fn display_names_read_well() {
        assert_eq!(display_name("coffeemachine_646bh"), "Coffeemachine 646bh");
        assert_eq!(display_name(""), "");
    }

    #[test]
    fn a_missing_folder_is_pack_not_found() {
        let err = inspect(Path::new("/nonexistent/pack")).unwrap_err();
        assert_eq!(err.code(), "pack.not_found");
    }

    #[test]
    fn an_unrelated_folder_is_invalid_and_says_what_is_expected() {
        let dir = tempfile::tempdir().unwrap();
        let err = inspect(dir.path()).unwrap_err();
        assert_eq!(err.code(), "pack.invalid");
        assert!(err.to_string().contains("dataset root"), "{err}");
    }

    #[test]
    fn reference_boxes_are_scaled_to_the_photo_they_are_drawn_on() {
        // Annotated on a 1280x720 copy; the photo is 640x360: the box halves. A row annotated
        // at the photo's own size keeps its coordinates; rows of another image are left out.
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("buttons.csv");
        std::fs::write(
            &csv,
            "on,100,60,40,20,a.jpg,1280,720\nlungo,10,20,30,40,a.jpg,640,360\nsteam,1,1,1,1,b.jpg,640,360\n",
        )
        .unwrap();
        let buttons = Buttons::read(&csv).unwrap();
        let boxes = reference_boxes(&buttons, "a.jpg", 640, 360);
        let rects: Vec<_> = boxes
            .iter()
            .map(|b| (b.name.as_str(), b.x, b.y, b.w, b.h))
            .collect();
        assert_eq!(
            rects,
            vec![
                ("on", 50.0, 30.0, 20.0, 10.0),
                ("lungo", 10.0, 20.0, 30.0, 40.0)
            ]
        );
    }
}
