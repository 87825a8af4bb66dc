//! Library scans: walk a folder, ask the catalog what changed, probe new and changed files
//! in the worker pool, record films (or the reasons they were refused), make their posters.
//! Also the folder watcher that triggers rescans.

mod ingest;
mod progress;
mod scan;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use media_catalog::{Catalog, CatalogError, FilmId};
use serde::Serialize;

use crate::media::WorkerPool;
use crate::metrics::Metrics;

pub use progress::{Progress, Quiet};
pub use watch::watch;

/// What one scan of one folder did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScanSummary {
    pub root: PathBuf,
    /// Media files found in the folder.
    pub found: usize,
    /// Files probed and catalogued.
    pub probed: usize,
    /// Files refused as not usable (the reason is on the film).
    pub rejected: usize,
    /// Files whose probe failed (timeout, worker crash); retried on the next scan.
    pub failed: usize,
    /// Files not read at all: same size and modification time as before.
    pub unchanged: usize,
    /// Files touched but with the same content: record updated, not probed again.
    pub updated: usize,
    /// Films whose file moved within the library.
    pub relinked: usize,
    /// Films whose file has disappeared (kept, marked missing).
    pub newly_missing: usize,
    /// Missing films whose file is back.
    pub returned: usize,
    /// Films whose description changed because their folder's `catalog.toml` changed.
    pub redescribed: usize,
    /// Symbolic links not followed because they lead outside the library.
    pub skipped_symlinks: usize,
    /// Problems worth a clerk's attention (unreadable folders, bad catalog.toml).
    pub problems: Vec<String>,
    pub seconds: f64,
}

/// The library as `/api/v1/library` reports it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LibraryStatus {
    pub scanning: bool,
    pub last_scans: Vec<ScanSummary>,
    /// `watching`, `periodic` (the OS watcher is unavailable) or `off`.
    pub watcher: String,
    pub missing: u64,
}

/// Why a scan could not run.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("the library folder {0} does not exist or is not a folder")]
    NotAFolder(PathBuf),
    #[error("catalog failure during the scan")]
    Catalog(#[from] CatalogError),
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Scans and watches library folders.
pub struct Library {
    catalog: Arc<Catalog>,
    pool: Arc<WorkerPool>,
    metrics: Arc<Metrics>,
    thumbs_dir: PathBuf,
    status: Mutex<LibraryStatus>,
    /// One scan at a time: the watcher and a manual rescan must not interleave.
    scan_lock: Mutex<()>,
    /// Called after every scan that catalogued something (wakes the preparation runners).
    after_scan: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>>,
}

impl Library {
    /// A library over the catalog, probing with `pool`.
    pub fn new(
        catalog: Arc<Catalog>,
        pool: Arc<WorkerPool>,
        metrics: Arc<Metrics>,
        thumbs_dir: PathBuf,
    ) -> Self {
        Library {
            catalog,
            pool,
            metrics,
            thumbs_dir,
            status: Mutex::new(LibraryStatus {
                watcher: "off".into(),
                ..LibraryStatus::default()
            }),
            scan_lock: Mutex::new(()),
            after_scan: std::sync::OnceLock::new(),
        }
    }

    /// Sets what to do after a scan that catalogued new or changed films (once).
    pub fn on_new_films(&self, hook: Box<dyn Fn() + Send + Sync>) {
        let _ = self.after_scan.set(hook);
    }

    /// Where a film's poster lives. Built from the server-made id only.
    pub fn thumb_path(&self, id: &FilmId) -> PathBuf {
        self.thumbs_dir.join(format!("{id}.jpg"))
    }

    /// A copy of the current status.
    pub fn status(&self) -> LibraryStatus {
        self.lock_status().clone()
    }

    /// Films whose files are gone, as of the last scan.
    pub fn missing_count(&self) -> u64 {
        self.lock_status().missing
    }

    fn lock_status(&self) -> std::sync::MutexGuard<'_, LibraryStatus> {
        self.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_watcher_mode(&self, mode: &str) {
        self.lock_status().watcher = mode.to_owned();
    }

    /// Notes that the file at a film's path is no longer the one its scan recorded (a
    /// symlink, a FIFO or another file was put in its place): the film is marked so that the
    /// next scan reads its file again. The watcher's next scan (on the change itself, or the
    /// periodic one) then catalogues whatever is there now. Blocking.
    pub fn file_swapped(&self, id: &FilmId) {
        match self.catalog.mark_for_rescan(id) {
            Ok(true) => {
                tracing::warn!(film = %id, "film file swapped since its scan; marked for rescan")
            }
            Ok(false) => {}
            Err(e) => tracing::error!(film = %id, error = ?e, "cannot mark a film for rescan"),
        }
    }

    /// Scans every folder, logging each summary. Blocking.
    pub fn scan_all(&self, roots: &[PathBuf]) {
        for root in roots {
            match self.scan(root, &Quiet) {
                Ok(s) => tracing::info!(
                    root = %root.display(), found = s.found, probed = s.probed,
                    rejected = s.rejected, failed = s.failed, unchanged = s.unchanged,
                    missing = s.newly_missing, seconds = s.seconds, "library scan done"
                ),
                Err(e) => {
                    tracing::error!(root = %root.display(), error = ?e, "library scan failed")
                }
            }
        }
    }

    /// Scans one folder now. Blocking; runs probes on all workers in parallel.
    pub fn scan(&self, root: &Path, progress: &dyn Progress) -> Result<ScanSummary, LibraryError> {
        if !root.is_dir() {
            return Err(LibraryError::NotAFolder(root.to_owned()));
        }
        let _one_at_a_time = self.scan_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.lock_status().scanning = true;
        let result = scan::run(self, root, progress);
        let missing = self
            .catalog
            .films()
            .map(|f| f.iter().filter(|f| f.missing).count() as u64)
            .unwrap_or(0);
        let mut status = self.lock_status();
        status.scanning = false;
        status.missing = missing;
        if let Ok(summary) = &result {
            status.last_scans.retain(|s| s.root != summary.root);
            status.last_scans.push(summary.clone());
        }
        drop(status);
        if result.as_ref().is_ok_and(|s| s.probed > 0) {
            if let Some(hook) = self.after_scan.get() {
                hook();
            }
        }
        result
    }
}
