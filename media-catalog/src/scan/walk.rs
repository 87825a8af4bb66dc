//! Walking a library folder: media files only, symlinks kept inside the library.
//!
//! The real tree is walked first without following any symlink; then each symlink is
//! resolved and followed only when its target lies inside the canonical root and was not
//! walked already. Every real folder is walked once, so a link back to an ancestor cannot
//! loop and a link to a file already found does not catalogue it twice.

use std::collections::{HashSet, VecDeque};
use std::ffi::OsString;
use std::fs::{self, Metadata};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use super::{is_media_name, FoundFile, WalkReport};
use crate::os_path::display_name;

/// Folders that hold no films: a Windows USB stick's recycle bin and index, fsck's lost files.
const SKIPPED_FOLDERS: [&str; 3] = ["$RECYCLE.BIN", "System Volume Information", "lost+found"];

/// Walks `root` and lists its media files (see [`is_media_name`]), sorted by path. Names
/// starting with `.` (hidden files, macOS `._` companions) are skipped. Never fails: what
/// could not be read is listed in `problems`.
pub fn walk_library(root: &Path) -> WalkReport {
    let canonical = match fs::canonicalize(root) {
        Ok(path) => path,
        Err(e) => {
            return WalkReport {
                root: root.to_owned(),
                problems: vec![format!(
                    "cannot open library folder {}: {e}",
                    root.display()
                )],
                ..WalkReport::default()
            }
        }
    };
    let mut walker = Walker {
        report: WalkReport {
            root: canonical.clone(),
            ..WalkReport::default()
        },
        visited_dirs: HashSet::new(),
        found_targets: HashSet::new(),
        links: VecDeque::new(),
    };
    walker.walk_tree(canonical.clone(), canonical);
    while let Some(link) = walker.links.pop_front() {
        walker.follow(link);
    }
    let mut report = walker.report;
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    report
}

struct Walker {
    report: WalkReport,
    /// Canonical paths of the folders walked.
    visited_dirs: HashSet<PathBuf>,
    /// Canonical paths of the files found.
    found_targets: HashSet<PathBuf>,
    /// Symlinks met, to resolve once the real tree is walked.
    links: VecDeque<PathBuf>,
}

impl Walker {
    /// Walks the folder at `path` (as it will be reported) whose real path is `canonical`.
    fn walk_tree(&mut self, path: PathBuf, canonical: PathBuf) {
        let mut stack = vec![(path, canonical)];
        while let Some((dir, real)) = stack.pop() {
            if !self.visited_dirs.insert(real.clone()) {
                continue;
            }
            for (raw, name, file_type) in self.read_folder(&dir) {
                let path = dir.join(&raw);
                if file_type.is_symlink() {
                    self.links.push_back(path);
                } else if file_type.is_dir() {
                    stack.push((path, real.join(&raw)));
                } else if file_type.is_file() && is_media_name(&name) {
                    self.found_targets.insert(real.join(&raw));
                    let meta = fs::symlink_metadata(&path);
                    self.add_file(path, name, meta);
                }
            }
        }
    }

    /// The entries of a folder worth looking at, sorted by name so a walk is repeatable: the
    /// name on disk (raw bytes, to open it) and as text (GB18030 when it is not UTF-8).
    fn read_folder(&mut self, dir: &Path) -> Vec<(OsString, String, fs::FileType)> {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.problem(format!("cannot read folder {}: {e}", dir.display()));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.problem(format!("cannot read folder {}: {e}", dir.display()));
                    continue;
                }
            };
            let raw = entry.file_name();
            let name = display_name(&raw).into_owned();
            if name.starts_with('.') || SKIPPED_FOLDERS.contains(&name.as_str()) {
                continue;
            }
            match entry.file_type() {
                Ok(file_type) => out.push((raw, name, file_type)),
                Err(e) => self.problem(format!("cannot read {}: {e}", entry.path().display())),
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Follows a symlink when its target is inside the library and not walked yet.
    fn follow(&mut self, link: PathBuf) {
        let target = match fs::canonicalize(&link) {
            Ok(target) if target.starts_with(&self.report.root) => target,
            _ => {
                self.report.skipped_symlinks += 1;
                return;
            }
        };
        let meta = match fs::metadata(&target) {
            Ok(meta) => meta,
            Err(e) => {
                self.problem(format!("cannot read {}: {e}", link.display()));
                return;
            }
        };
        if meta.is_dir() {
            self.walk_tree(link, target);
            return;
        }
        let Some(name) = link.file_name().map(|n| display_name(n).into_owned()) else {
            return;
        };
        if meta.is_file() && is_media_name(&name) && self.found_targets.insert(target) {
            self.add_file(link, name, Ok(meta));
        }
    }

    fn add_file(&mut self, path: PathBuf, name: String, meta: std::io::Result<Metadata>) {
        match meta {
            Ok(meta) => self.report.files.push(FoundFile {
                path,
                name,
                size: meta.len(),
                mtime_ns: mtime_ns(&meta),
            }),
            Err(e) => self.problem(format!("cannot read {}: {e}", path.display())),
        }
    }

    fn problem(&mut self, text: String) {
        tracing::warn!("{text}");
        self.report.problems.push(text);
    }
}

/// Modification time in nanoseconds since the Unix epoch (negative before it, 0 unknown).
fn mtime_ns(meta: &Metadata) -> i128 {
    match meta.modified() {
        Ok(time) => match time.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_nanos() as i128,
            Err(before) => -(before.duration().as_nanos() as i128),
        },
        Err(_) => 0,
    }
}
