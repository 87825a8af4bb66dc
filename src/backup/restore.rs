//! `dianjiao restore`: a backup folder → a new data folder that verifies and serves.
//!
//! Order: the ledger first (copied, opened for appending — every frame and link checked —
//! and matched against the backup's signed checkpoint), then the database from its dump,
//! then the files; last the catalog is fitted to the new place: films kept under the old
//! data folder (uploads, the demo library) point into the new one, each film whose file is
//! unchanged (size and mtime) gets the new file's identity, films marked ready without
//! their renditions go back to the preparation queue, and the search index is rebuilt.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use media_catalog::{Catalog, Film, FilmState};

use super::{files, make_private_dir, BackupError, Progress, DB_FILE};
use crate::config::Settings;
use crate::ledger::{Ledger, KEY_FILE, LOG_FILE, PUBLIC_KEY_FILE};

/// What a restore made.
#[derive(Clone, Debug)]
pub struct Restored {
    pub ledger_len: u64,
    pub records: u64,
    pub films: usize,
    /// Films sent back to preparation (their renditions were not in the backup).
    pub requeued: usize,
    pub files: files::CopyStats,
}

/// Restores the backup in `from` into `data`, which must be missing or empty. Blocking.
pub fn restore(from: &Path, data: &Path, progress: &dyn Progress) -> Result<Restored, BackupError> {
    let manifest = super::read_manifest(from)?;
    let snap = from.join(&manifest.snapshot);
    let checkpoint = super::check_ledger_copy(&snap.join("ledger"))?;
    if fs::read_dir(data).is_ok_and(|mut d| d.next().is_some()) {
        return Err(BackupError::NotEmpty(data.to_owned()));
    }
    make_private_dir(data)?;
    let settings = Settings {
        data: fs::canonicalize(data).map_err(|e| BackupError::target(data, e))?,
        ..Settings::default()
    };
    make_private_dir(&settings.ledger_dir())?;
    for name in [LOG_FILE, KEY_FILE, PUBLIC_KEY_FILE] {
        let (src, dest) = (
            snap.join("ledger").join(name),
            settings.ledger_dir().join(name),
        );
        fs::copy(&src, &dest).map_err(|e| BackupError::target(&dest, e))?;
    }
    let ledger = Ledger::open(&settings.ledger_dir())?;
    let verified = ledger.verify()?;
    if verified.len != checkpoint.size() || verified.head != checkpoint.root() {
        return Err(BackupError::LedgerMismatch {
            expected: checkpoint.size(),
            found: verified.len,
        });
    }
    drop(ledger);
    let db = crate::app::open_db(&settings)?;
    let dump = snap.join(DB_FILE);
    let file = fs::File::open(&dump).map_err(|e| BackupError::source(&dump, e))?;
    let stats = super::read_db(&mut std::io::BufReader::new(file), &db)?;
    let copied = files::mirror(&from.join("files"), &settings.data, &[], false, progress)?;
    let catalog = Catalog::open(&db, &settings.index_dir())?;
    let (films, requeued) = refit_catalog(&catalog, &manifest.data_root, &settings)?;
    catalog.reindex()?;
    catalog.commit()?;
    db.flush()?;
    Ok(Restored {
        ledger_len: verified.len,
        records: stats.records,
        films,
        requeued,
        files: copied,
    })
}

/// Fits every film to the new folder; returns (films, films sent back to preparation).
fn refit_catalog(
    catalog: &Catalog,
    old_root: &Path,
    settings: &Settings,
) -> Result<(usize, usize), BackupError> {
    let films = catalog.films()?;
    let mut requeued = 0;
    for mut film in films.iter().cloned() {
        if let Ok(rest) = film.source.path.strip_prefix(old_root) {
            film.source.path = settings.data.join(rest);
        }
        refresh_identity(&mut film);
        let renditions: PathBuf = settings.renditions_dir().join(film.id.as_str());
        if film.state == FilmState::Ready && !renditions.is_dir() {
            film.state = FilmState::Queued;
            requeued += 1;
        }
        catalog.put(&film)?;
    }
    Ok((films.len(), requeued))
}

/// A restored copy is another inode: when its size and mtime are the scanned ones, record
/// the copy's identity (the server serves only the file a scan identified).
fn refresh_identity(film: &mut Film) {
    let Ok(meta) = fs::metadata(&film.source.path) else {
        return;
    };
    let fp = &mut film.source.fingerprint;
    let mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    if meta.len() == fp.size && mtime_ns == fp.mtime_ns {
        fp.identity = Some(media_catalog::FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
        });
    }
}
