//! Copying the data folder's files into a backup (and back): incremental by size and
//! modification time, with progress in bytes.
//!
//! Size + mtime, not a hash: the files kept (uploaded originals, poster frames,
//! renditions) are written once under a new name and never changed in place, and hashing
//! a library of films every night would read every byte of it. A copy keeps the source's
//! mtime, so an unchanged file compares equal on the next run.

use std::fs::{self, File};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{BackupError, Progress};

/// Counts of one copy run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyStats {
    /// Files copied (new or changed).
    pub copied: u64,
    /// Files already there with the same size and mtime, not copied again.
    pub unchanged: u64,
    /// Files in the destination whose source is gone, removed.
    pub removed: u64,
    pub bytes_copied: u64,
}

/// One regular file to consider: its path relative to the roots, size and mtime.
struct Item {
    rel: PathBuf,
    size: u64,
    mtime: SystemTime,
}

/// Makes `dest` hold the regular files of `src` (relative paths kept), skipping the
/// top-level names `skip`; copies only what is new or changed. With `prune`, files in
/// `dest` that `src` no longer has are removed.
pub fn mirror(
    src: &Path,
    dest: &Path,
    skip: &[&str],
    prune: bool,
    progress: &dyn Progress,
) -> Result<CopyStats, BackupError> {
    let items = list(src, skip)?;
    let mut stats = CopyStats::default();
    let mut todo = Vec::new();
    for item in items.iter() {
        if same(&dest.join(&item.rel), item) {
            stats.unchanged += 1;
        } else {
            todo.push(item);
        }
    }
    let total = todo.iter().map(|i| i.size).sum();
    progress.begin("复制文件 (copying files)", total);
    for item in todo {
        copy_file(&src.join(&item.rel), &dest.join(&item.rel), item.mtime)?;
        progress.advance(item.size, &item.rel.to_string_lossy());
        stats.copied += 1;
        stats.bytes_copied += item.size;
    }
    progress.end();
    if prune && dest.exists() {
        let keep: std::collections::HashSet<&Path> =
            items.iter().map(|i| i.rel.as_path()).collect();
        for old in list(dest, &[])? {
            if !keep.contains(old.rel.as_path()) {
                let path = dest.join(&old.rel);
                fs::remove_file(&path).map_err(|e| BackupError::target(&path, e))?;
                stats.removed += 1;
            }
        }
    }
    Ok(stats)
}

/// Regular files under `root` (symlinks and others are not followed or kept).
fn list(root: &Path, skip: &[&str]) -> Result<Vec<Item>, BackupError> {
    let mut items = Vec::new();
    if !root.exists() {
        return Ok(items);
    }
    let walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() != 1
                || !skip
                    .iter()
                    .any(|s| e.file_name() == std::ffi::OsStr::new(s))
        });
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_owned();
            BackupError::source(&path, io::Error::other(e))
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let meta = entry
            .metadata()
            .map_err(|e| BackupError::source(entry.path(), io::Error::other(e)))?;
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        items.push(Item {
            rel: rel.to_owned(),
            size: meta.len(),
            mtime: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        });
    }
    Ok(items)
}

fn same(dest: &Path, item: &Item) -> bool {
    fs::symlink_metadata(dest).is_ok_and(|m| {
        m.is_file() && m.size() == item.size && m.modified().ok() == Some(item.mtime)
    })
}

/// Copies through a `.part` file, synced, with the source's mtime, then renames it.
fn copy_file(src: &Path, dest: &Path, mtime: SystemTime) -> Result<(), BackupError> {
    if let Some(dir) = dest.parent() {
        fs::create_dir_all(dir).map_err(|e| BackupError::target(dir, e))?;
    }
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let mut input = File::open(src).map_err(|e| BackupError::source(src, e))?;
    let mut output = File::create(&part).map_err(|e| BackupError::target(&part, e))?;
    io::copy(&mut input, &mut output).map_err(|e| BackupError::target(&part, e))?;
    output
        .set_modified(mtime)
        .and_then(|()| output.sync_all())
        .map_err(|e| BackupError::target(&part, e))?;
    fs::rename(&part, dest).map_err(|e| BackupError::target(dest, e))
}
