//! Backup and restore of a data folder while the server runs (`dianjiao backup`,
//! `dianjiao restore`).
//!
//! How a consistent snapshot is taken from a running server:
//! * **The database** (catalog, stations, accounts, play sessions, report indexes) is one
//!   sled database, which only one process may open, and whose files cannot be copied
//!   consistently while written. So `backup` asks the running server over its control
//!   socket (`<data>/control.sock`, [`serve_control`]) and the server streams a dump of
//!   every tree (`dump.rs`, JSON Lines). With no server running, `backup` opens the folder
//!   itself (taking the lock, so no server starts half way) and writes the same dump.
//! * **The ledger** is taken *after* the database: the server reports its durable length,
//!   a signed checkpoint of it and the byte length of the log holding exactly those
//!   entries ([`Ledger::durable_extent`](crate::ledger::Ledger::durable_extent)). The log
//!   is append-only and `fdatasync`ed before an entry is acknowledged, so its first bytes
//!   never change: `backup` copies that prefix itself, with the key files, and checks the
//!   copy against the checkpoint. Every entry acknowledged before the backup began is in
//!   it, and no entry that was not yet durable (it might still fail) is. A report index in
//!   the dump never points past the copied ledger; indexes behind it catch up on open.
//! * **Files** — uploaded originals, poster frames, the DLNA identity, unfinished uploads
//!   (an upload's offset is its file's length, so a copy resumes where the copy stops):
//!   everything in the folder but the database, the search index (rebuilt from the
//!   catalog), the ledger and segments made just in time — are mirrored incrementally
//!   ([`files`]: size + mtime); renditions only with `--renditions`, since preparation can
//!   make them again.
//!
//! Layout of a backup folder: `manifest.json` (what the last complete run made), the
//! snapshot folder it names (`snap-N/`: `db.jsonl`, `ledger/`, `settings.toml`) and
//! `files/`. The manifest is replaced last (write, sync, rename), so a run that stops half
//! way leaves the previous snapshot whole; its extra files are harmless.

mod control;
mod dump;
mod error;
pub mod files;
mod ledger_copy;
mod restore;
#[cfg(test)]
mod tests;

use std::fs;
use std::io::{BufWriter, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use control::{serve_control, Extent, CONTROL_SOCKET};
pub use dump::{read_db, write_db, DumpStats};
pub use error::BackupError;
pub use files::CopyStats;
pub use restore::{restore, Restored};

use crate::config::Settings;
use crate::ledger::Ledger;
pub(crate) use ledger_copy::check_ledger_copy;
use ledger_copy::{check_extends, copy_ledger};

/// The manifest's file name in a backup folder.
pub const MANIFEST: &str = "manifest.json";
/// The manifest's format name and the version this release writes.
const FORMAT: &str = "dianjiao-backup";
const VERSION: u32 = 1;
/// The checkpoint kept beside the copied ledger.
const CHECKPOINT_FILE: &str = "checkpoint";
const DB_FILE: &str = "db.jsonl";
/// Top-level names of the data folder that are not mirrored into `files/`.
const NOT_FILES: &[&str] = &["db", "index", "ledger", "jit", CONTROL_SOCKET, "renditions"];

/// What the last complete backup run made.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// When the run finished (RFC 3339, UTC).
    pub made_at: String,
    /// The data folder it was made from (absolute): films stored under it are moved to the
    /// new folder on restore.
    pub data_root: PathBuf,
    /// The snapshot folder (`snap-N`) inside the backup.
    pub snapshot: String,
    pub ledger_len: u64,
    pub ledger_head: String,
    pub db: DbCounts,
    /// Whether `files/renditions` is kept.
    pub renditions: bool,
    /// The last run's file copy counts.
    pub files: CopyStats,
    /// Whether the running server made the snapshot (else the folder was opened directly).
    pub from_server: bool,
}

/// Trees and records in the dump.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct DbCounts {
    pub trees: u64,
    pub records: u64,
}

/// How to back up.
#[derive(Clone, Debug, Default)]
pub struct BackupOptions {
    /// Keep the prepared renditions too (they can be made again from the originals).
    pub renditions: bool,
}

/// Where long work reports how far it got, in bytes.
pub trait Progress {
    fn begin(&self, phase: &str, total_bytes: u64);
    fn advance(&self, bytes: u64, item: &str);
    fn end(&self);
}

/// Progress that shows nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64, _: &str) {}
    fn end(&self) {}
}

/// What a backup run did.
#[derive(Clone, Debug)]
pub struct BackupSummary {
    pub manifest: Manifest,
    pub folder: PathBuf,
}

/// Backs up the data folder of `settings` into `to` (made if missing; a folder that holds
/// something else is refused). Blocking.
pub fn backup(
    settings: &Settings,
    to: &Path,
    options: &BackupOptions,
    progress: &dyn Progress,
) -> Result<BackupSummary, BackupError> {
    refuse_nested(&settings.data, to)?;
    let previous = prepare_target(to)?;
    let snapshot = next_snapshot_name(previous.as_ref());
    let snap = to.join(&snapshot);
    if snap.exists() {
        fs::remove_dir_all(&snap).map_err(|e| BackupError::target(&snap, e))?;
    }
    make_private_dir(&snap.join("ledger"))?;
    let (extent, db, from_server) = take_db(settings, &snap.join(DB_FILE))?;
    let ledger = copy_ledger(&settings.ledger_dir(), &snap.join("ledger"), &extent)?;
    if let Some(prev) = &previous {
        check_extends(&snap.join("ledger"), prev)?;
    }
    let text = toml::to_string(settings).unwrap_or_default();
    write_synced(&snap.join("settings.toml"), text.as_bytes())?;
    let skip: Vec<&str> = NOT_FILES
        .iter()
        .copied()
        .filter(|n| !(options.renditions && *n == "renditions"))
        .collect();
    let files_dir = to.join("files");
    let files = files::mirror(&settings.data, &files_dir, &skip, false, progress)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        made_at: crate::ledger::LedgerClock::default().now_rfc3339(),
        data_root: fs::canonicalize(&settings.data)
            .map_err(|e| BackupError::source(&settings.data, e))?,
        snapshot,
        ledger_len: ledger.size(),
        ledger_head: ledger.root().to_string(),
        db,
        renditions: options.renditions,
        files,
        from_server,
    };
    write_manifest(to, &manifest)?;
    let removed = tidy(to, &manifest, &skip, settings)?;
    let mut manifest = manifest;
    manifest.files.removed = removed;
    Ok(BackupSummary {
        manifest,
        folder: to.to_owned(),
    })
}

/// A backup inside the data folder would copy itself; a data folder inside the backup
/// would be pruned by it.
fn refuse_nested(data: &Path, to: &Path) -> Result<(), BackupError> {
    let data = fs::canonicalize(data).map_err(|e| BackupError::source(data, e))?;
    let target = match fs::canonicalize(to) {
        Ok(t) => t,
        // Not made yet: judge by its parent.
        Err(_) => match to.parent().map(fs::canonicalize) {
            Some(Ok(parent)) => parent.join(to.file_name().unwrap_or_default()),
            _ => return Ok(()),
        },
    };
    if target.starts_with(&data) || data.starts_with(&target) {
        return Err(BackupError::Nested {
            data,
            backup: target,
        });
    }
    Ok(())
}

/// Makes `to` if needed; returns the manifest of the backup already there. A non-empty
/// folder without one is refused.
fn prepare_target(to: &Path) -> Result<Option<Manifest>, BackupError> {
    make_private_dir(to)?;
    match read_manifest(to) {
        Ok(m) => Ok(Some(m)),
        Err(BackupError::Source { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            let mut entries = fs::read_dir(to).map_err(|e| BackupError::target(to, e))?;
            match entries.next() {
                None => Ok(None),
                Some(_) => Err(BackupError::NotABackup(to.to_owned())),
            }
        }
        Err(e) => Err(e),
    }
}

fn next_snapshot_name(previous: Option<&Manifest>) -> String {
    let n = previous
        .and_then(|m| m.snapshot.strip_prefix("snap-"))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    format!("snap-{:06}", n + 1)
}

/// The database dump (from the server when one runs) into `path`; the ledger's extent.
fn take_db(settings: &Settings, path: &Path) -> Result<(Extent, DbCounts, bool), BackupError> {
    let file = fs::File::create(path).map_err(|e| BackupError::target(path, e))?;
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    let (extent, from_server) = match control::request(&settings.data, &mut out)? {
        Some(extent) => (extent, true),
        None => (direct_snapshot(settings, &mut out)?, false),
    };
    let file = out
        .into_inner()
        .map_err(|e| BackupError::target(path, e.into_error()))?;
    file.sync_all().map_err(|e| BackupError::target(path, e))?;
    let counts = count_dump(path)?;
    Ok((extent, counts, from_server))
}

/// No server runs: open the folder (its lock keeps a server from starting meanwhile).
fn direct_snapshot(settings: &Settings, out: &mut dyn Write) -> Result<Extent, BackupError> {
    let db = match crate::app::open_db(settings) {
        Ok(db) => db,
        Err(crate::app::OpenError::DataInUse(_)) => return Err(BackupError::NoControl),
        Err(e) => return Err(e.into()),
    };
    dump::write_db(&db, out)?;
    // After the dump, as the server does: every entry an index points at is in the copy.
    let ledger = Ledger::open_read_only(&settings.ledger_dir())?;
    let (checkpoint, end) = ledger.durable_extent()?;
    Ok(Extent {
        len: checkpoint.size(),
        end,
        checkpoint: checkpoint.as_note().to_owned(),
    })
}

fn count_dump(path: &Path) -> Result<DbCounts, BackupError> {
    let db = sled::Config::new().temporary(true).open()?;
    let file = fs::File::open(path).map_err(|e| BackupError::source(path, e))?;
    let stats = dump::read_db(&mut std::io::BufReader::new(file), &db)?;
    Ok(DbCounts {
        trees: stats.trees,
        records: stats.records,
    })
}

/// After the manifest is in place: older snapshots go, and files whose source is gone.
fn tidy(
    to: &Path,
    manifest: &Manifest,
    skip: &[&str],
    settings: &Settings,
) -> Result<u64, BackupError> {
    for entry in fs::read_dir(to)
        .map_err(|e| BackupError::target(to, e))?
        .flatten()
    {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap-") && name != manifest.snapshot.as_str() {
            let path = entry.path();
            fs::remove_dir_all(&path).map_err(|e| BackupError::target(&path, e))?;
        }
    }
    let pruned = files::mirror(&settings.data, &to.join("files"), skip, true, &Quiet)?;
    Ok(pruned.removed)
}

pub(crate) fn read_manifest(dir: &Path) -> Result<Manifest, BackupError> {
    let path = dir.join(MANIFEST);
    let bytes = fs::read(&path).map_err(|e| BackupError::source(&path, e))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(BackupError::Manifest)?;
    if manifest.format != FORMAT {
        return Err(BackupError::NotABackup(dir.to_owned()));
    }
    if manifest.version > VERSION {
        return Err(BackupError::TooNew(manifest.version));
    }
    Ok(manifest)
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let bytes = serde_json::to_vec_pretty(manifest).map_err(BackupError::Manifest)?;
    let part = dir.join("manifest.json.part");
    write_synced(&part, &bytes)?;
    let path = dir.join(MANIFEST);
    fs::rename(&part, &path).map_err(|e| BackupError::target(&path, e))?;
    sync_dir(dir)
}

pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let mut f = fs::File::create(path).map_err(|e| BackupError::target(path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| BackupError::target(path, e))
}

pub(crate) fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| BackupError::target(dir, e))
}

/// Makes a folder (and its parents) for the server's account only.
pub(crate) fn make_private_dir(dir: &Path) -> Result<(), BackupError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| BackupError::target(dir, e))
}
