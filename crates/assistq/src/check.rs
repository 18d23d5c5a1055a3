//! Dataset validation (`pressnext check DATA_ROOT`): walks a dataset root, a single split
//! folder or a single appliance folder and reports every problem it finds, never stopping at
//! the first, each naming the file, the line or JSON path, what was found and what was
//! expected.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::buttons::{linked_button, Buttons};
use crate::diagnostic::quote;
use crate::fsutil;
use crate::layout::{is_appliance_folder, subdirectories};
use crate::qa::{error_to_problem, parse_lenient_detailed, LenientQa, Qa};
use crate::script::Script;

pub use crate::diagnostic::{Problem, Severity};

/// Everything [`check_dataset`] found.
#[derive(Debug, Default)]
pub struct Report {
    pub problems: Vec<Problem>,
    /// Appliance folders whose files were checked.
    pub folders_checked: usize,
    /// Well-formed questions whose steps were checked.
    pub questions_checked: usize,
}

impl Report {
    /// Whether any problem is an error (the `check` command then exits with status 1).
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// The label files a dataset root may hold, and the split folder each one's folders live in.
const LABEL_FILES: [(&str, &str); 3] = [
    ("train.json", "train"),
    ("test_without_gt.json", "test"),
    ("test_with_gt.json", "test"),
];

/// Checks a dataset and reports every problem. `root` may be a dataset root (holding
/// `train.json`, `test_without_gt.json`, `test_with_gt.json` and/or `train/`, `test/`), a
/// single split folder (its label JSON is looked for next to it), or a single appliance
/// folder (holding `script.txt` or `buttons.csv`; its questions are looked up in the label
/// JSON two levels up, when there is one).
pub fn check_dataset(root: &Path) -> Report {
    check_dataset_with(root, None)
}

/// Opens a video to see that it is one; `Err` says why not. This crate reads no media: the
/// `media` crate passes FFmpeg's probe (`media::check_dataset`, what `pressnext check` and the
/// app use).
pub type VideoProbe<'a> = &'a dyn Fn(&Path) -> Result<(), String>;

/// [`check_dataset`], also opening each appliance folder's video with `probe`.
pub fn check_dataset_with(root: &Path, probe: Option<VideoProbe>) -> Report {
    let mut checker = Checker {
        report: Report::default(),
        probe,
    };
    if !root.is_dir() {
        checker.error(
            root,
            "",
            "not a directory: expected a dataset root, a split folder or an appliance folder"
                .into(),
        );
        return checker.report;
    }

    let has_labels = LABEL_FILES
        .iter()
        .any(|(name, _)| root.join(name).is_file());
    for (name, _) in LABEL_FILES {
        let path = root.join(name);
        if let Some(not_regular) = not_a_regular_file(&path) {
            checker.error(
                &path,
                "",
                format!("{not_regular}: expected the JSON label file"),
            );
        }
    }
    let has_split_dirs = ["train", "test"].iter().any(|s| root.join(s).is_dir());
    if has_labels || has_split_dirs {
        for split in ["train", "test"] {
            let labels = label_files_in(root, split);
            let split_dir = root.join(split);
            if !labels.is_empty() || split_dir.is_dir() {
                checker.check_split(&split_dir, &labels, None);
            }
        }
    } else if is_appliance_folder(root) {
        let folder_name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let labels = root
            .parent()
            .and_then(|split_dir| {
                let split = split_dir.file_name()?.to_string_lossy().into_owned();
                Some(label_files_in(split_dir.parent()?, &split))
            })
            .unwrap_or_default();
        if labels.is_empty() {
            checker.check_folder_files(root);
        } else {
            let split_dir = root.parent().expect("labels were found above the folder");
            checker.check_split(split_dir, &labels, Some(&folder_name));
        }
    } else if subdirectories(root).iter().any(|d| is_appliance_folder(d)) {
        let labels = match (root.file_name(), root.parent()) {
            (Some(name), Some(parent)) => label_files_in(parent, &name.to_string_lossy()),
            _ => Vec::new(),
        };
        checker.check_split(root, &labels, None);
    } else {
        checker.error(
            root,
            "",
            "nothing recognisable: expected a dataset root (train.json, test_without_gt.json or \
             test_with_gt.json with train/ or test/ folders), a split folder of appliance \
             folders, or an appliance folder (script.txt, buttons.csv, video.mp4, images/)"
                .into(),
        );
    }
    checker.report
}

/// Which label file a set of questions came from; decides whether `correct` must be there.
#[derive(Debug, Clone, Copy, PartialEq)]
enum LabelKind {
    /// `train.json` and `test_with_gt.json`: `correct` required.
    WithGroundTruth,
    /// `test_without_gt.json`: `correct` should be absent.
    WithoutGroundTruth,
}

/// What `path` is when it exists but is not a regular file (`not a regular file: a named
/// pipe`), `None` when it is a file or is not there at all.
fn not_a_regular_file(path: &Path) -> Option<String> {
    match fsutil::require_regular_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Some(e.to_string()),
        _ => None,
    }
}

/// The label files in `dir` that describe split `split`.
fn label_files_in(dir: &Path, split: &str) -> Vec<PathBuf> {
    LABEL_FILES
        .iter()
        .filter(|(_, s)| *s == split)
        .map(|(name, _)| dir.join(name))
        .filter(|p| p.is_file())
        .collect()
}

fn label_kind(path: &Path) -> LabelKind {
    if path
        .file_name()
        .is_some_and(|n| n == "test_without_gt.json")
    {
        LabelKind::WithoutGroundTruth
    } else {
        LabelKind::WithGroundTruth
    }
}

/// What the per-question checks need to know about a folder on disk.
struct FolderInfo {
    dir: PathBuf,
    /// `None` when `buttons.csv` is missing or unreadable (already reported).
    buttons: Option<Buttons>,
}

struct Checker<'a> {
    report: Report,
    probe: Option<VideoProbe<'a>>,
}

impl Checker<'_> {
    fn push(&mut self, severity: Severity, file: &Path, location: &str, message: String) {
        self.report.problems.push(Problem {
            severity,
            file: file.to_path_buf(),
            location: location.to_string(),
            message,
        });
    }

    fn error(&mut self, file: &Path, location: &str, message: String) {
        self.push(Severity::Error, file, location, message);
    }

    fn warning(&mut self, file: &Path, location: &str, message: String) {
        self.push(Severity::Warning, file, location, message);
    }

    /// Reads a text file, reporting a missing file or bad UTF-8.
    fn read_text(&mut self, path: &Path, what: &str) -> Option<String> {
        if !path.is_file() {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let found = not_a_regular_file(path).unwrap_or_else(|| "missing".into());
            self.error(path, "", format!("{found}: expected {what} `{name}`"));
            return None;
        }
        match fsutil::read_utf8(path) {
            Ok(text) => Some(text),
            Err(error) => {
                self.report.problems.push(error_to_problem(error, path));
                None
            }
        }
    }

    /// Checks one split folder against its label files. `only` restricts the check to one
    /// appliance folder.
    fn check_split(&mut self, split_dir: &Path, label_paths: &[PathBuf], only: Option<&str>) {
        let mut labels: Vec<(PathBuf, LenientQa)> = Vec::new();
        for path in label_paths {
            if let Some(text) = self.read_text(path, "the QA label file") {
                let (lenient, problems) = parse_lenient_detailed(&text, path);
                // With `only`, problems of other folders are not this check's business.
                let relevant = problems.into_iter().filter(|p| match only {
                    Some(folder) => {
                        p.location == folder
                            || p.location.starts_with(&format!("{folder}["))
                            || p.location.starts_with("line ")
                            || p.location == "top level"
                    }
                    None => true,
                });
                self.report.problems.extend(relevant);
                labels.push((path.clone(), lenient));
            }
        }

        let split_exists = split_dir.is_dir();
        let split_name = split_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !split_exists {
            for (path, lenient) in &labels {
                if !lenient.named_folders.is_empty() {
                    self.error(
                        path,
                        "",
                        format!(
                            "names {} folders but the split folder is missing: expected directory {}",
                            lenient.named_folders.len(),
                            split_dir.display()
                        ),
                    );
                }
            }
            return;
        }

        let wanted = |name: &str| only.is_none_or(|o| o == name);
        let mut infos: HashMap<String, FolderInfo> = HashMap::new();
        let mut named: HashSet<String> = HashSet::new();

        for (path, lenient) in &labels {
            let kind = label_kind(path);
            for folder in &lenient.named_folders {
                named.insert(folder.clone());
                if !wanted(folder) {
                    continue;
                }
                let dir = split_dir.join(folder);
                if !dir.is_dir() {
                    self.error(
                        path,
                        folder,
                        format!(
                            "folder named here is missing on disk: expected directory {}",
                            dir.display()
                        ),
                    );
                    continue;
                }
                if !infos.contains_key(folder) {
                    let info = self.check_folder_files(&dir);
                    infos.insert(folder.clone(), info);
                }
                let Some((_, questions)) = lenient.folders.iter().find(|(n, _)| n == folder) else {
                    continue;
                };
                self.check_questions(path, kind, folder, questions, &infos[folder]);
            }
        }

        let mut unnamed = Vec::new();
        for dir in subdirectories(split_dir) {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if !wanted(&name) || infos.contains_key(&name) {
                continue;
            }
            self.check_folder_files(&dir);
            if !labels.is_empty() && !named.contains(&name) {
                unnamed.push(dir);
            }
        }
        for dir in unnamed {
            let names: Vec<String> = labels
                .iter()
                .map(|(p, _)| {
                    p.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            self.warning(
                &dir,
                "",
                format!(
                    "folder is not named in any label JSON ({}): its questions are unknown",
                    names.join(", ")
                ),
            );
        }
        if labels.is_empty() && only.is_none() {
            self.warning(
                split_dir,
                "",
                format!(
                    "no label JSON for split `{split_name}` next to this folder (expected {}): only the folders' files are checked",
                    LABEL_FILES
                        .iter()
                        .filter(|(_, s)| *s == split_name)
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            );
        }
    }

    /// Checks the files of one appliance folder: video, script, buttons and their images.
    fn check_folder_files(&mut self, dir: &Path) -> FolderInfo {
        self.report.folders_checked += 1;

        let video = crate::layout::video_file(dir);
        // A video name that is there but is not a file (a folder, a pipe, a link to a device)
        // is named as such, not as missing.
        let odd_video = crate::layout::VIDEO_FILES
            .map(|name| dir.join(name))
            .into_iter()
            .find_map(|p| not_a_regular_file(&p).map(|why| (p, why)));
        match (video, self.probe) {
            (None, _) => match odd_video {
                Some((path, why)) => self.error(
                    &path,
                    "",
                    format!("{why}: expected the tutorial video (an mp4 or mov file)"),
                ),
                None => self.error(
                    &dir.join("video.mp4"),
                    "",
                    "missing video: expected video.mp4 or video.mov in this folder".into(),
                ),
            },
            (Some(video), Some(probe)) => {
                if let Err(why) = probe(&video) {
                    self.error(&video, "", format!("not a playable video: {why}"));
                }
            }
            (Some(_), None) => {}
        }

        let script_path = dir.join("script.txt");
        if let Some(text) = self.read_text(&script_path, "the narration script") {
            let (script, problems) = Script::parse_lenient(&text, &script_path);
            let had_errors = problems.iter().any(|p| p.severity == Severity::Error);
            self.report.problems.extend(problems);
            if script.lines.is_empty() && !had_errors {
                self.error(
                    &script_path,
                    "",
                    "no narration lines: expected at least one `H:MM:SS-H:MM:SS text` line".into(),
                );
            }
        }

        let buttons_path = dir.join("buttons.csv");
        let buttons = self
            .read_text(&buttons_path, "the button annotations")
            .map(|text| {
                let (buttons, problems) = Buttons::parse_lenient(&text, &buttons_path);
                let had_errors = problems.iter().any(|p| p.severity == Severity::Error);
                self.report.problems.extend(problems);
                if buttons.buttons.is_empty() && !had_errors {
                    self.error(
                        &buttons_path,
                        "",
                        "no buttons: expected lines `name,x,y,w,h,image,image_width,image_height`"
                            .into(),
                    );
                }
                buttons
            });
        if let Some(buttons) = &buttons {
            for image in buttons.images() {
                if !dir.join("images").join(image).is_file() {
                    let line = buttons
                        .buttons
                        .iter()
                        .find(|b| b.image == image)
                        .map_or(0, |b| b.line);
                    self.error(
                        &buttons_path,
                        &format!("line {line}"),
                        format!(
                            "image `{image}` named here is missing: expected file images/{image}"
                        ),
                    );
                }
            }
        }
        FolderInfo {
            dir: dir.to_path_buf(),
            buttons,
        }
    }

    /// Checks one folder's well-typed questions from one label file against the folder on disk.
    fn check_questions(
        &mut self,
        label_path: &Path,
        kind: LabelKind,
        folder: &str,
        questions: &[(usize, Qa)],
        info: &FolderInfo,
    ) {
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        for (index, qa) in questions {
            self.report.questions_checked += 1;
            let location = format!("{folder}[{index}]");

            match (kind, &qa.correct) {
                (LabelKind::WithGroundTruth, None) => self.error(
                    label_path,
                    &location,
                    "missing key `correct`: expected the 1-based index of the right answer per step (this file must carry ground truth)".into(),
                ),
                (LabelKind::WithoutGroundTruth, Some(_)) => self.warning(
                    label_path,
                    &format!("{location}.correct"),
                    "test_without_gt.json carries `correct`: expected no ground truth in this file".into(),
                ),
                _ => {}
            }

            match first_seen.get(qa.question.as_str()) {
                Some(first) => self.error(
                    label_path,
                    &format!("{location}.question"),
                    format!(
                        "duplicate question {:?} (also {folder}[{first}]): expected distinct questions per folder, since predictions are matched by question string",
                        qa.question
                    ),
                ),
                None => {
                    first_seen.insert(&qa.question, *index);
                }
            }

            for (step, (image, candidates)) in qa.images.iter().zip(&qa.answers).enumerate() {
                let image_location = format!("{location}.images[{step}]");
                let image_path = info.dir.join("images").join(image);
                if !image_path.is_file() {
                    self.error(
                        label_path,
                        &image_location,
                        format!(
                            "image `{image}` is missing: expected file {}",
                            image_path.display()
                        ),
                    );
                }
                let Some(buttons) = &info.buttons else {
                    continue;
                };
                let boxes = buttons.for_image(image);
                if boxes.is_empty() {
                    self.error(
                        label_path,
                        &image_location,
                        format!(
                            "image `{image}` has no buttons in {}: expected its boxes annotated there",
                            info.dir.join("buttons.csv").display()
                        ),
                    );
                    continue;
                }
                for (c, answer) in candidates.iter().enumerate() {
                    if linked_button(answer, &boxes).is_none() {
                        let known: Vec<String> =
                            boxes.iter().map(|b| format!("<{}>", b.name)).collect();
                        self.error(
                            label_path,
                            &format!("{location}.answers[{step}][{c}]"),
                            format!(
                                "answer `{}` names no button of image `{image}`: expected one of {}",
                                quote(answer),
                                known.join(", ")
                            ),
                        );
                    }
                }
            }
        }
    }
}
