//! Resumable uploads of the township's own productions: upload records in a sled tree
//! (`uploads`), partial files under `<data>/uploads/`, each PATCH appended and synced before
//! its new offset is acknowledged, size limit and expiry; a finished file moves to
//! `<data>/media/<id>/` and is probed, catalogued (本地制作) and prepared like any library
//! file. The tus 1.0 wire protocol is in `http/uploads.rs`; this module knows no HTTP.

mod complete;
mod patch;
pub mod record;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use media_catalog::{Catalog, CatalogError, FilmId, FilmState};
use serde::Serialize;

use crate::entries::{Entries, EntriesError};
use crate::library::{Library, LibraryError};

pub(crate) use complete::client_base_name;
pub use patch::PatchWriter;
pub use record::{MetaError, Upload, UploadMeta, UploadState};

/// Where uploads go and what they may be.
#[derive(Clone, Debug)]
pub struct UploadsConfig {
    /// Partial files (`<data>/uploads`).
    pub dir: PathBuf,
    /// Finished files, one folder per upload (`<data>/media`).
    pub media_dir: PathBuf,
    /// Largest upload accepted, bytes.
    pub max_bytes: u64,
    /// How long an unfinished upload is kept.
    pub expire: Duration,
    /// The producer of every upload: the township.
    pub township: String,
    /// Free space an upload leaves on its disk (`disk_reserve_mb`).
    pub reserve: crate::disk::Reserve,
}

/// What the upload domain needs from the rest of the application.
pub struct UploadsDeps {
    pub db: sled::Db,
    pub library: Arc<Library>,
    pub catalog: Arc<Catalog>,
    /// Writes the `production_delivered` entry of a production.
    pub entries: Arc<Entries>,
}

/// Why an upload request failed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("no upload {0}")]
    NotFound(String),
    #[error("upload of {length} bytes is over the limit of {max}")]
    TooLarge { length: u64, max: u64 },
    #[error("the data would run past the declared length of {length} bytes")]
    PastLength { length: u64 },
    #[error("the upload is at byte {expected}, the request starts at {got}")]
    WrongOffset { expected: u64, got: u64 },
    #[error("another request is writing to this upload")]
    Busy,
    /// The disk is full, or the upload would eat into the reserve (`disk_reserve_mb`).
    /// Whatever a request wrote before is kept and acknowledged, nothing after.
    #[error("no room on the disk: {0}")]
    DiskFull(crate::disk::Short),
    #[error("bad Upload-Metadata")]
    Meta(#[from] MetaError),
    #[error("file access failed: {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("upload records failure")]
    Store(#[from] sled::Error),
    #[error("upload record unreadable")]
    Record(#[from] serde_json::Error),
    #[error("catalog failure")]
    Catalog(#[from] CatalogError),
    #[error("library failure")]
    Library(#[from] LibraryError),
    #[error("the production entry could not be written")]
    Entries(#[from] EntriesError),
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> UploadError + '_ {
    move |source| UploadError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Syncs a folder, so that a file made or renamed in it survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), UploadError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

/// An upload as the admin page follows it (`GET /api/v1/uploads/{id}`).
#[derive(Clone, Debug, Serialize)]
pub struct UploadView {
    pub id: String,
    pub offset: u64,
    pub length: u64,
    pub state: UploadState,
    pub filename: Option<String>,
    pub title: String,
    pub production: Option<crate::records::Production>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub film_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub film_state: Option<FilmState>,
    /// Why the film was refused or failed, in words a clerk understands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The uploads of this server.
pub struct Uploads {
    tree: sled::Tree,
    cfg: UploadsConfig,
    deps: UploadsDeps,
    /// Uploads a PATCH is writing to now: one writer per upload.
    active: Mutex<HashSet<String>>,
}

impl Uploads {
    /// Opens the uploads tree and makes the folders.
    pub fn open(cfg: UploadsConfig, deps: UploadsDeps) -> Result<Arc<Uploads>, UploadError> {
        for dir in [&cfg.dir, &cfg.media_dir] {
            fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let tree = deps.db.open_tree("uploads")?;
        Ok(Arc::new(Uploads {
            tree,
            cfg,
            deps,
            active: Mutex::new(HashSet::new()),
        }))
    }

    /// The largest upload accepted.
    pub fn max_bytes(&self) -> u64 {
        self.cfg.max_bytes
    }

    /// Starts an upload of `length` bytes: an empty partial file and its record. Refused
    /// before any byte when `length` is over the limit. Blocking.
    pub fn create(
        self: &Arc<Self>,
        length: u64,
        meta: UploadMeta,
        owner: &str,
    ) -> Result<Upload, UploadError> {
        if length > self.cfg.max_bytes {
            return Err(UploadError::TooLarge {
                length,
                max: self.cfg.max_bytes,
            });
        }
        // A file that cannot fit is refused before any byte is sent.
        self.cfg
            .reserve
            .check(&self.cfg.dir, length)
            .map_err(UploadError::DiskFull)?;
        let id = record::new_id();
        let now = record::now_ms();
        let upload = Upload {
            v: record::RECORD_VERSION,
            file_name: record::safe_file_name(&id, meta.filename.as_deref()),
            id,
            length,
            offset: 0,
            meta,
            owner: owner.to_owned(),
            created_ms: now,
            expires_ms: now.saturating_add(self.cfg.expire.as_millis() as u64),
            state: UploadState::Uploading,
            film_id: None,
            delivered: false,
        };
        let part = self.part_path(&upload.id);
        let file = fs::File::create(&part).map_err(io(&part))?;
        file.sync_all().map_err(io(&part))?;
        sync_dir(&self.cfg.dir)?;
        self.save(&upload)?;
        if length == 0 {
            return self.finish_upload(upload);
        }
        Ok(upload)
    }

    /// The upload `id`, unless it expired unfinished.
    pub fn get(&self, id: &str) -> Result<Upload, UploadError> {
        let found = if record::is_upload_id(id) {
            self.tree.get(id)?
        } else {
            None
        };
        let bytes = found.ok_or_else(|| UploadError::NotFound(id.to_owned()))?;
        let up: Upload = serde_json::from_slice(&bytes)?;
        // Past its expiry an unfinished upload is gone, whether or not the sweep came by.
        if up.state == UploadState::Uploading && up.expires_ms <= record::now_ms() {
            return Err(UploadError::NotFound(id.to_owned()));
        }
        Ok(up)
    }

    /// The upload and, once catalogued, its film's state.
    pub fn view(&self, id: &str) -> Result<UploadView, UploadError> {
        let up = self.get(id)?;
        let film = match up.film_id.as_deref().map(FilmId::parse) {
            Some(Ok(fid)) => self.deps.catalog.get(&fid)?,
            _ => None,
        };
        Ok(UploadView {
            title: up.title(),
            id: up.id,
            offset: up.offset,
            length: up.length,
            state: up.state,
            filename: up.meta.filename,
            production: up.meta.production,
            film_id: up.film_id,
            film_state: film.as_ref().map(|f| f.state),
            reason: film.and_then(|f| f.reason),
        })
    }

    /// Stops an upload: an unfinished one loses its partial file; a finished one only its
    /// record (the film stays in the catalog). Blocking.
    pub fn terminate(&self, id: &str) -> Result<(), UploadError> {
        let _writing = self.claim(id)?;
        let up = self.get(id)?;
        self.remove(&up)
    }

    /// Removes unfinished uploads past their expiry; returns how many. Blocking.
    pub fn sweep(&self) -> Result<usize, UploadError> {
        let now = record::now_ms();
        let mut removed = 0;
        for item in self.tree.iter() {
            let (_, bytes) = item?;
            let up: Upload = serde_json::from_slice(&bytes)?;
            if up.state != UploadState::Uploading || up.expires_ms > now {
                continue;
            }
            // One being written to now is left for the next sweep.
            let Ok(_writing) = self.claim(&up.id) else {
                continue;
            };
            self.remove(&up)?;
            tracing::info!(upload = %up.id, "unfinished upload expired and removed");
            removed += 1;
        }
        Ok(removed)
    }

    /// Starts the background thread that finishes interrupted completions (after a crash)
    /// and removes expired uploads.
    pub fn start_sweeper(self: &Arc<Self>) {
        let uploads = self.clone();
        let every =
            (self.cfg.expire / 4).clamp(Duration::from_millis(200), Duration::from_secs(60));
        let spawned = std::thread::Builder::new()
            .name("upload-sweep".into())
            .spawn(move || {
                if let Err(e) = uploads.resume() {
                    tracing::error!(error = ?e, "finishing interrupted uploads failed");
                }
                loop {
                    if let Err(e) = uploads.sweep() {
                        tracing::error!(error = ?e, "upload expiry sweep failed");
                    }
                    std::thread::sleep(every);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the upload sweeper");
        }
    }

    fn remove(&self, up: &Upload) -> Result<(), UploadError> {
        if up.state == UploadState::Uploading {
            let part = self.part_path(&up.id);
            match fs::remove_file(&part) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(&part)(e)),
                _ => {}
            }
        }
        self.tree.remove(up.id.as_str())?;
        self.tree.flush()?;
        Ok(())
    }

    /// Stores a record durably (flushed before the caller acknowledges anything).
    fn save(&self, up: &Upload) -> Result<(), UploadError> {
        self.tree.insert(up.id.as_str(), serde_json::to_vec(up)?)?;
        self.tree.flush()?;
        Ok(())
    }

    /// Marks `id` as being written to, until the guard drops.
    fn claim(&self, id: &str) -> Result<Claim<'_>, UploadError> {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        if !active.insert(id.to_owned()) {
            return Err(UploadError::Busy);
        }
        Ok(Claim {
            uploads: self,
            id: id.to_owned(),
        })
    }

    fn part_path(&self, id: &str) -> PathBuf {
        self.cfg.dir.join(format!("{id}.part"))
    }

    /// Where a partial upload is written (for tests and tools).
    pub fn partial_file(&self, id: &str) -> Option<PathBuf> {
        record::is_upload_id(id).then(|| self.part_path(id))
    }
}

/// One upload claimed for writing; released on drop.
struct Claim<'a> {
    uploads: &'a Uploads,
    id: String,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut active = self
            .uploads
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        active.remove(&self.id);
    }
}
