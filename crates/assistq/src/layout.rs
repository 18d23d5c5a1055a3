//! Where a dataset keeps its appliance folders. One rule, used by `check`, the app's pack
//! library and the commands that take a pack (`pressnext ground --pack`, `pressnext ask
//! --pack`): an appliance folder is a folder holding any of the tutorial's files; a pack path
//! is that folder itself, a split folder of them (`ROOT/test`), or a dataset root with
//! `train/` and `test/` splits.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// The files (any one of them) that make a folder an appliance folder; `images/` counts too.
pub const APPLIANCE_FILES: [&str; 4] = ["script.txt", "buttons.csv", "video.mp4", "video.mov"];

/// The names an appliance folder's tutorial video may have, in the order they are looked for.
pub const VIDEO_FILES: [&str; 2] = ["video.mp4", "video.mov"];

/// The tutorial video of the appliance folder `dir`: the first of [`VIDEO_FILES`] that is a
/// file.
pub fn video_file(dir: &Path) -> Option<PathBuf> {
    VIDEO_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// The dataset splits, in the order they are searched.
pub const SPLITS: [&str; 2] = ["test", "train"];

/// Whether `name` (a folder or image name read from a data file) is one plain path component:
/// not empty, not `.` or `..`, no `/`, `\` or NUL, not absolute. Only such names are joined to a
/// folder, so a data file can never make a command read or write outside it.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && matches!(
            Path::new(name).components().collect::<Vec<_>>().as_slice(),
            [std::path::Component::Normal(_)]
        )
}

/// The message for a name that is not plain, naming what it should have been.
pub fn plain_name_problem(what: &str, name: &str) -> String {
    format!(
        "{what} `{}` is not a plain name: expected one file or folder name, without `/`, `\\`, \
         `..` or a leading `/`",
        crate::diagnostic::quote(&name.escape_debug().to_string())
    )
}

pub fn is_appliance_folder(dir: &Path) -> bool {
    APPLIANCE_FILES.iter().any(|f| dir.join(f).is_file()) || dir.join("images").is_dir()
}

/// Sub-directories of `dir`, sorted by name, hidden ones skipped (none when it cannot be read).
pub fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .filter(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Every appliance folder reachable from `path`: the folder itself, the appliance folders of a
/// split folder, or those of a root's splits (test first), each sorted by name. Questions are
/// not required: a tutorial without any can still be grounded and asked.
pub fn appliance_folders(path: &Path) -> Vec<PathBuf> {
    if is_appliance_folder(path) {
        return vec![path.to_path_buf()];
    }
    let direct: Vec<PathBuf> = subdirectories(path)
        .into_iter()
        .filter(|d| is_appliance_folder(d))
        .collect();
    if !direct.is_empty() {
        return direct;
    }
    SPLITS
        .iter()
        .flat_map(|split| subdirectories(&path.join(split)))
        .filter(|d| is_appliance_folder(d))
        .collect()
}

/// The one appliance folder at `path` (named `appliance` when it holds several), for the
/// commands that work on a single tutorial.
pub fn find_appliance_folder(path: &Path, appliance: Option<&str>) -> Result<PathBuf, Error> {
    let layout = |message: String| Error::Layout {
        path: path.to_path_buf(),
        message,
    };
    if !path.is_dir() {
        return Err(layout("not a folder".into()));
    }
    let mut found = appliance_folders(path);
    if let Some(name) = appliance {
        found.retain(|d| d.file_name().is_some_and(|n| n == name));
    }
    match (found.len(), appliance) {
        (1, _) => Ok(found.remove(0)),
        (0, Some(name)) => Err(layout(format!("holds no appliance folder `{name}`"))),
        (0, None) => Err(layout(
            "no appliance folder (script.txt, buttons.csv, video.mp4 or images/) in it, in its \
             sub-folders or in its train/ and test/ splits"
                .into(),
        )),
        (n, _) => Err(layout(format!(
            "{n} appliance folders ({}); name one of them",
            found
                .iter()
                .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_single_plain_components_are_names() {
        for ok in ["oven_a1", "image 1.jpg", "..hidden", "a.b", "ünïcode"] {
            assert!(is_plain_name(ok), "{ok}");
        }
        for bad in [
            "", ".", "..", "../x", "a/b", "/etc", "a\\b", "x\0y", "./a", "a/",
        ] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn folder_split_and_root_are_found_and_ambiguity_is_named() {
        let dir = std::env::temp_dir().join(format!("assistq-layout-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (split, name) in [("test", "oven"), ("train", "kettle"), ("train", "toaster")] {
            let f = dir.join(split).join(name);
            std::fs::create_dir_all(&f).unwrap();
            std::fs::write(f.join("script.txt"), "00:00-00:01 Hi.\n").unwrap();
        }
        std::fs::create_dir_all(dir.join("train").join(".hidden")).unwrap();
        let oven = dir.join("test").join("oven");
        assert_eq!(find_appliance_folder(&oven, None).unwrap(), oven);
        assert_eq!(
            find_appliance_folder(&dir.join("test"), None).unwrap(),
            oven
        );
        assert_eq!(appliance_folders(&dir).len(), 3);
        let err = find_appliance_folder(&dir, None).unwrap_err().to_string();
        assert!(
            err.contains("3 appliance folders") && err.contains("kettle"),
            "{err}"
        );
        assert_eq!(
            find_appliance_folder(&dir, Some("toaster")).unwrap(),
            dir.join("train").join("toaster")
        );
        let err = find_appliance_folder(&dir, Some("fridge"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no appliance folder `fridge`"), "{err}");
        let empty = dir.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let err = find_appliance_folder(&empty, None).unwrap_err().to_string();
        assert!(err.starts_with(&empty.display().to_string()), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
