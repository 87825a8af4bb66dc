//! Ingesting one file outside any library folder (an upload that just arrived): probed,
//! catalogued and given a poster exactly as a scan would, then handed to preparation.

use std::path::Path;
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use media_catalog::scan::{fingerprint, FoundFile, ProbeTask};
use media_catalog::{Film, FilmState};

use super::scan::{probe_one, Tally};
use super::{Library, LibraryError};

impl Library {
    /// Probes and catalogues the one file at `path` (its folder's `catalog.toml`, if any,
    /// describes it) and wakes preparation when it is playable. `source_name` is the name the
    /// file had where it came from (an upload's client file name), kept as the film's
    /// `source_name`; without it, the name on disk. A file already catalogued at this path
    /// keeps its film. Blocking; waits for a running scan to end.
    pub fn ingest_file(
        &self,
        path: &Path,
        source_name: Option<&str>,
    ) -> Result<Film, LibraryError> {
        let read = |source| LibraryError::Read {
            path: path.to_owned(),
            source,
        };
        let path = std::fs::canonicalize(path).map_err(read)?;
        let meta = std::fs::metadata(&path).map_err(read)?;
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        let on_disk = || {
            path.file_name()
                .map(|n| media_catalog::os_path::display_name(n).into_owned())
                .unwrap_or_default()
        };
        let found = FoundFile {
            name: source_name.map_or_else(on_disk, str::to_owned),
            path: path.clone(),
            size: meta.len(),
            mtime_ns,
        };
        let fingerprint = fingerprint(&path, found.size, mtime_ns).map_err(read)?;
        let task = ProbeTask {
            found,
            fingerprint,
            existing: None,
        };
        let _one_at_a_time = self.scan_lock.lock().unwrap_or_else(|p| p.into_inner());
        let film = probe_one(self, &task, &Mutex::new(Tally::default()))?;
        self.catalog.commit()?;
        drop(_one_at_a_time);
        if film.state == FilmState::Queued {
            if let Some(hook) = self.after_scan.get() {
                hook();
            }
        }
        Ok(film)
    }
}
