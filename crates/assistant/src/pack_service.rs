//! The pack service: the library of opened packs and the active one. The library's lock guards
//! only its list and index file; checking a folder, encoding, reading a pack's files and
//! deleting a cache run with no lock held, on a copy, and their results are inserted under it.
//! The active pack is published in a `watch` channel; opening stops through a cancellation
//! token.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use encoders::encode::EncodeEvent;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::ask::{ActivePack, Embed};
use crate::error::{Error, Result};
use crate::live::{LiveView, Reference};
use crate::model_service::ModelService;
use crate::packs::{EncodeProgress, Inspection, PackDetail, PackLibrary, PackSummary};

pub struct PackService {
    library: Mutex<PackLibrary>,
    active: watch::Sender<Option<Arc<ActivePack>>>,
    /// The token of the opening under way (a new one per opening).
    opening: Mutex<CancellationToken>,
    models_root: PathBuf,
}

/// A lock whose data is whole after any panic (every change is one assignment or one call that
/// leaves the list consistent), so a panic in one command never wedges the others.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl PackService {
    pub fn new(library: PackLibrary, models_root: PathBuf) -> Self {
        Self {
            library: Mutex::new(library),
            active: watch::Sender::new(None),
            opening: Mutex::new(CancellationToken::new()),
            models_root,
        }
    }

    pub fn list(&self) -> Vec<PackSummary> {
        lock(&self.library).list().to_vec()
    }

    pub fn knows(&self, id: &str) -> bool {
        lock(&self.library).get(id).is_some()
    }

    pub fn active(&self) -> Option<Arc<ActivePack>> {
        self.active.borrow().clone()
    }

    /// Follows the active pack.
    pub fn subscribe(&self) -> watch::Receiver<Option<Arc<ActivePack>>> {
        self.active.subscribe()
    }

    /// What the library remembers of pack `id`.
    pub fn summary(&self, id: &str) -> Result<PackSummary> {
        lock(&self.library)
            .get(id)
            .cloned()
            .ok_or_else(|| Error::PackNotFound {
                path: PathBuf::from(id),
            })
    }

    /// A copy of the library to work on without the lock.
    fn snapshot(&self) -> PackLibrary {
        lock(&self.library).clone()
    }

    pub fn inspect(&self, path: &Path) -> Result<Inspection> {
        crate::packs::inspect(path)
    }

    /// Checks, encodes and remembers a pack; returns it and whether it was already encoded.
    pub fn open(
        &self,
        path: &Path,
        appliance: Option<&str>,
        models: &ModelService,
        on_event: &(dyn Fn(&EncodeEvent) + Send + Sync),
    ) -> Result<PackSummary> {
        let cancel = CancellationToken::new();
        *lock(&self.opening) = cancel.clone();
        // Check first: a bad folder is reported before the encoders are loaded.
        let snapshot = self.snapshot();
        let summary = snapshot.prepare(path, appliance)?;
        if summary.encoded && snapshot.get(&summary.id).is_some() {
            // Opened before: its cache is there, nothing to load or encode.
            return Ok(summary);
        }
        let encoders = models.encoders()?;
        let sink = EncodeProgress {
            on_event,
            cancel: &cancel,
        };
        let pack = snapshot.encode(&summary.folder, Some(&summary.appliance), &encoders, &sink);
        // Encoded (or failed): the image encoder is not needed again until the next encoding.
        drop(encoders);
        models.release_encoders();
        let pack = pack?;
        lock(&self.library).insert(pack.clone())?;
        Ok(pack)
    }

    pub fn cancel_open(&self) {
        lock(&self.opening).cancel();
    }

    /// Makes pack `id` the active one: reads its files, registers the live view to its photo,
    /// loads (or computes once) its timeline and embeds its parts' goals.
    pub fn select(&self, id: &str, models: &ModelService, live: &LiveView) -> Result<PackDetail> {
        let summary = self.summary(id)?;
        let encoded_dir = lock(&self.library).encoded_dir(id);
        let detail = crate::packs::detail(&summary)?;
        let encoded_folder = encoded_dir.join(&detail.appliance);
        let encoded =
            encoded::EncodedFolder::read(&encoded_folder).map_err(|e| Error::PackInvalid {
                path: detail.folder.clone(),
                message: format!("its encoding is unreadable ({e}); open it again"),
            })?;
        let invalid_photo = |e: registration::Error| Error::PackInvalid {
            path: detail.reference_path.clone(),
            message: e.to_string(),
        };
        let reference = registration::load_image(&detail.reference_path).map_err(invalid_photo)?;
        live.set_reference(Some(Reference {
            image: reference,
            buttons: detail.buttons.clone(),
        }))
        .map_err(invalid_photo)?;
        // The timeline: cached with the features, computed the first time (a few seconds).
        let timeline =
            crate::timeline::load_or_ground(&detail.folder, &encoded_folder, &self.models_root)
                .map_err(|e| {
                    eprintln!(
                        "pressnext: {}: no tutorial timeline: {e}",
                        detail.folder.display()
                    )
                })
                .ok();
        // Grounding loaded and dropped the OCR (and hand) models: give their memory back.
        crate::memory::release_freed();
        // The timeline's parts get their goal embeddings now, once, when the encoders load.
        let embed = timeline
            .as_ref()
            .and_then(|_| models.text_encoder().ok())
            .map(crate::ask::text_embed);
        let active = ActivePack::new(
            detail.clone(),
            encoded,
            timeline,
            embed.as_ref().map(|f| f as Embed),
        );
        self.active.send_replace(Some(Arc::new(active)));
        Ok(detail)
    }

    /// Forgets pack `id` and deletes its cache (never the user's folder).
    pub fn remove(&self, id: &str, live: &LiveView) -> Result<()> {
        let was_active = self.active.send_if_modified(|active| {
            if active.as_ref().is_some_and(|p| p.detail.id == id) {
                *active = None;
                true
            } else {
                false
            }
        });
        if was_active {
            let _ = live.set_reference(None);
        }
        let cache = lock(&self.library).forget(id)?;
        crate::packs::delete_cache(&cache)
    }

    /// A file of pack `id` the UI loads over `pack://`: `video.mp4` or `reference.jpg`. The
    /// active pack's description is used as it is (no re-reading of its folder per request);
    /// the file is resolved through symlinks and must stay inside the pack's folder.
    pub fn file(&self, id: &str, name: &str) -> Result<PathBuf> {
        let (folder, video, reference) = match self.active().filter(|p| p.detail.id == id) {
            Some(p) => (
                p.detail.folder.clone(),
                p.detail.video_path.clone(),
                p.detail.reference_path.clone(),
            ),
            None => {
                let summary = self.summary(id)?;
                let d = crate::packs::detail(&summary)?;
                (d.folder, d.video_path, d.reference_path)
            }
        };
        let path = match name {
            "video.mp4" => video,
            "reference.jpg" => reference,
            other => {
                return Err(Error::PackNotFound {
                    path: folder.join(other),
                })
            }
        };
        crate::packs::inside_folder(&folder, &path)
    }
}
